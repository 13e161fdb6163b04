"""The help-center channel's side of a live handoff.

While a ticket is live, the user's messages go to the agent (the Rasa tracker is
paused, so the assistant stays silent). ``updates`` gives the widget the agent's
replies; once the agent resolves the ticket it resumes the assistant, which asks for
a rating, and returns those replies too.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Union

from bot.handoff.live_agent_client import LiveAgentClient, LiveAgentRefused, LiveAgentUnavailable
from bot.handoff.records import LIVE, RESUMED, relay_user_message

logger = logging.getLogger(__name__)
Resume = Callable[[str], Awaitable[List[Dict[str, Any]]]]


def message_key(sender_id: str, text: str, sequence: Union[int, str]) -> str:
    """An idempotency key for one relayed message."""
    digest = hashlib.sha256(f"{sender_id}\0{sequence}\0{text}".encode()).hexdigest()[:24]
    return f"msg:{sender_id}:{digest}"


def relay_if_live(sender_id: str, text: str, sequence: Union[int, str],
                  client: LiveAgentClient,
                  unit_of_work: Callable[[], Any]) -> Optional[str]:
    """Passes the message to the agent when a live ticket is open; returns its id."""
    with unit_of_work() as uow:
        handoff = uow.handoffs.active(sender_id)
        ticket_id = handoff.ticket_id if handoff and handoff.status == LIVE else None
    if ticket_id is None:
        return None
    relay_user_message(ticket_id, text, message_key(sender_id, text, sequence), client,
                       unit_of_work)
    return ticket_id


async def updates(sender_id: str, after: int, client: LiveAgentClient,
                  unit_of_work: Callable[[], Any], resume: Resume) -> Dict[str, Any]:
    """What the widget has not seen yet: agent messages, the handoff's state, bot replies.

    Raises:
        LiveAgentUnavailable: the service is down (the widget retries).
    """
    with unit_of_work() as uow:
        handoff = uow.handoffs.latest(sender_id)
        state = None if handoff is None else {
            "ticket_id": handoff.ticket_id, "status": handoff.status,
            "agent_language": handoff.agent_language}
    if state is None:
        return {"handoff": None, "messages": [], "replies": []}
    try:
        messages = [m for m in client.messages(state["ticket_id"], after)
                    if m["author"] == "agent"]
        ticket = client.ticket(state["ticket_id"])
    except LiveAgentRefused:
        # Not created yet (still in the outbox): nothing to show.
        return {"handoff": {**state, "status": "queued"}, "messages": [], "replies": []}
    replies: List[Dict[str, Any]] = []
    if ticket.get("status") == "resolved":
        if state["status"] != RESUMED:
            with unit_of_work() as uow:
                first = uow.handoffs.mark_resumed(state["ticket_id"])
            if first:  # one conditional update: exactly one caller resumes the assistant
                replies = await resume(sender_id)
        state["status"] = RESUMED
    elif ticket.get("claimed_by"):
        state["status"] = "with_agent"
    state["agent_name"] = next((m["agent_name"] for m in reversed(messages)
                                if m.get("agent_name")), None)
    return {"handoff": state, "messages": messages, "replies": replies}


__all__ = ["LiveAgentUnavailable", "message_key", "relay_if_live", "updates"]
