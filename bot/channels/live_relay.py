"""The help-center channel's side of a live handoff.

While a ticket is live, the user's messages go to the agent (the Rasa tracker is
paused, so the assistant stays silent). ``updates`` gives the widget the agent's
replies; once the agent resolves the ticket it resumes the assistant, which asks for
a rating, and returns those replies too.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypedDict, Union

from bot.handoff.live_agent_client import LiveAgentClient, LiveAgentRefused, LiveAgentUnavailable
from bot.handoff.records import LIVE, RESUMED, relay_user_message

logger = logging.getLogger(__name__)
Resume = Callable[[str], Awaitable[List[Dict[str, Any]]]]


class ArticleCard(TypedDict):
    """A KB article an agent sent, in the user's language (the widget's ``kbCard``)."""

    article_id: str
    lang: str
    title: str
    summary: str
    url: str


class AgentMessage(TypedDict):
    """One agent message as the widget gets it.

    ``kind`` "text" (``text``), or "article" (``card``; ``text`` is its summary).
    """

    id: int
    text: str
    agent_name: Optional[str]
    at: str
    kind: str  # "text" | "article"
    lang: Optional[str]
    card: Optional[ArticleCard]


class HandoffState(TypedDict, total=False):
    """The handoff as the widget sees it.

    ``status``: "queued", "live" (open, nobody yet), "with_agent" (claimed), "email",
    "resumed". ``agent_name`` is set from the claim on, before the first message.
    """

    ticket_id: str
    status: str
    agent_language: str
    agent_name: Optional[str]


class Updates(TypedDict):
    """``GET /updates``: what the widget has not seen yet."""

    handoff: Optional[HandoffState]
    messages: List[AgentMessage]
    replies: List[Dict[str, Any]]


def agent_message(message: Dict[str, Any]) -> AgentMessage:
    """The widget's form of an agent message from the service (older ones: plain text)."""
    card = message.get("card")
    typed_card: Optional[ArticleCard] = None
    if message.get("kind") == "article" and isinstance(card, dict):
        typed_card = {"article_id": str(card.get("article_id") or ""),
                      "lang": str(card.get("lang") or ""), "title": str(card.get("title") or ""),
                      "summary": str(card.get("summary") or ""), "url": str(card.get("url") or "")}
    return {"id": int(message["id"]), "text": str(message.get("text") or ""),
            "agent_name": message.get("agent_name"), "at": str(message.get("at") or ""),
            "kind": "article" if typed_card else "text", "lang": message.get("lang"),
            "card": typed_card}


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
                  unit_of_work: Callable[[], Any], resume: Resume) -> Updates:
    """What the widget has not seen yet: agent messages, the handoff's state, bot replies.

    The agent's name comes with the claim (``claimed_by_name``), so the widget can say
    "<name> joined" before the agent writes anything.

    Raises:
        LiveAgentUnavailable: the service is down (the widget retries).
    """
    with unit_of_work() as uow:
        handoff = uow.handoffs.latest(sender_id)
        state: Optional[HandoffState] = None if handoff is None else {
            "ticket_id": handoff.ticket_id, "status": handoff.status,
            "agent_language": handoff.agent_language}
    if state is None:
        return {"handoff": None, "messages": [], "replies": []}
    try:
        messages = [agent_message(m) for m in client.messages(state["ticket_id"], after)
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
    state["agent_name"] = ticket.get("claimed_by_name") or next(
        (m["agent_name"] for m in reversed(messages) if m.get("agent_name")), None)
    return {"handoff": state, "messages": messages, "replies": replies}


__all__ = ["LiveAgentUnavailable", "message_key", "relay_if_live", "updates"]
