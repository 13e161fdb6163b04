"""Fakes of the services the actions call."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from bot.handoff.live_agent_client import LiveAgentRefused, LiveAgentUnavailable


class FakeLiveAgent:
    """Stands in for the live-agent HTTP API."""

    def __init__(self, online=True, agent_language="fr"):
        self.up = True
        self.refuse = False
        self.online = online
        self.agent_language = agent_language
        # Per instance: one test's tickets, messages and ratings never reach another's fake.
        self.tickets: Dict[str, Dict[str, Any]] = {}
        self.posted: List[Tuple[str, str]] = []
        self.message_keys: List[Any] = []  # the Idempotency-Key of each stored message
        self.ratings: List[Tuple[str, int]] = []
        # What the widget polls: the ticket's state and the agent's side of the chat.
        self.ticket_state: Dict[str, Any] = {"status": "open", "claimed_by": None}
        self.conversation: List[Dict[str, Any]] = []

    def _check(self):
        if not self.up:
            raise LiveAgentUnavailable("down")
        if self.refuse:
            raise LiveAgentRefused("422")

    def create_ticket(self, ticket, key):
        self._check()
        self.tickets.setdefault(key, ticket)
        return {"id": self.tickets[key]["id"], "agents_online": self.online,
                "agent_language": self.agent_language}

    def post_user_message(self, ticket_id, text, idempotency_key=None):
        self._check()
        if idempotency_key is None or idempotency_key not in self.message_keys:
            self.posted.append((ticket_id, text))
            self.message_keys.append(idempotency_key)
        return {"id": len(self.posted)}

    def rate(self, ticket_id, rating):
        self._check()
        self.ratings.append((ticket_id, rating))
        return {}

    # -- what the widget polls ---------------------------------------------------------

    def messages(self, ticket_id, after=0):
        self._check()
        return [m for m in self.conversation if m["id"] > after]

    def ticket(self, ticket_id):
        self._check()
        return dict(self.ticket_state, id=ticket_id)
