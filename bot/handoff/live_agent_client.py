"""The assistant's side of the live-agent service: HTTP with the service token."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

import requests

from bot.handoff.transcript import TranscriptEntry


class TicketPayload(TypedDict):
    """A handoff as the assistant sends it (``POST /api/tickets``).

    The live-agent service reads it as ``bot.live_agent.api.schemas.TicketIn``; a test
    keeps the two in step. Times are ISO 8601 with their offset.
    """

    id: str
    idempotency_key: str
    sender_id: str
    user_id: str
    user_name: str
    user_email: str
    account_id: str
    plan: str
    support_tier: str
    language: str
    priority: str  # P1-P4
    first_response_due: str
    resolution_due: Optional[str]
    report: Dict[str, Any]  # the report form's slots, without the "problem_" prefix
    # {"from": "user" | "assistant", "text", "at", "lang", "payload"?, "vote"?, "article"?}
    transcript: List[TranscriptEntry]


class LiveAgentUnavailable(RuntimeError):
    """The service could not be reached or failed (worth retrying later)."""


class LiveAgentRefused(RuntimeError):
    """The service refused the request (retrying the same request will not help)."""


class LiveAgentClient:
    """Calls the live-agent API.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000``.
        service_token: the shared ``HELPBOT_SERVICE_TOKEN``.
        timeout: seconds per request; a handoff must not hang the conversation.
    """

    def __init__(self, base_url: str, service_token: str, timeout: float = 5.0,
                 session: Optional[requests.Session] = None) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {service_token}"}
        self._timeout = timeout
        self._http = session or requests.Session()

    def _call(self, method: str, path: str, headers: Optional[Dict[str, str]] = None,
              **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, f"{self._base}{path}",
                                          headers={**self._headers, **(headers or {})},
                                          timeout=self._timeout, **kwargs)
        except requests.RequestException as error:
            raise LiveAgentUnavailable(f"live-agent service unreachable: {error}") from error
        if response.status_code >= 500:
            raise LiveAgentUnavailable(f"live-agent service failed: {response.status_code}")
        if response.status_code >= 400:
            raise LiveAgentRefused(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def create_ticket(self, ticket: TicketPayload, idempotency_key: str) -> Dict[str, Any]:
        """Creates (or finds, for a retried key) a ticket."""
        return self._call("POST", "/api/tickets", json=ticket,
                          headers={"Idempotency-Key": idempotency_key})

    def ticket(self, ticket_id: str) -> Dict[str, Any]:
        """One ticket, with its status."""
        return self._call("GET", f"/api/tickets/{ticket_id}")

    def post_user_message(self, ticket_id: str, text: str,
                          idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """Relays a user's message to the agent; a retry with the same key is stored once."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._call("POST", f"/api/tickets/{ticket_id}/messages", json={"text": text},
                          headers=headers)

    def messages(self, ticket_id: str, after: int = 0) -> List[Dict[str, Any]]:
        """The ticket's messages after the id ``after``."""
        return self._call("GET", f"/api/tickets/{ticket_id}/messages", params={"after": after})

    def rate(self, ticket_id: str, rating: int) -> Dict[str, Any]:
        """Stores the user's satisfaction rating."""
        return self._call("POST", f"/api/tickets/{ticket_id}/rating", json={"rating": rating})
