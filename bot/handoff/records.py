"""The assistant's record of handoffs, and the outbox that never loses one.

A handoff links a conversation (sender id) to a live-agent ticket. Requests to the
live-agent service that fail because it is down are stored in the outbox and delivered
in order, with retries, by ``bot.handoff.outbox_worker`` (a task of the Rasa server
process, started with the help-center channel).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, List, Optional, cast

from sqlalchemy import JSON, Column, Integer, String, Text, select, update
from sqlalchemy.orm import Session

from bot.handoff.live_agent_client import LiveAgentClient, LiveAgentUnavailable, TicketPayload
from bot.storage.engine import Base, UTCDateTime, utcnow

logger = logging.getLogger(__name__)

LIVE, EMAIL, RESUMED = "live", "email", "resumed"
MAX_BACKOFF = timedelta(seconds=30)


class Handoff(Base):
    """A conversation handed to the live-agent queue."""

    __tablename__ = "handoffs"

    ticket_id = Column(String(64), primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    # live: an agent answers in the chat; email: nobody was online; resumed: back to the bot
    status = Column(String(10), nullable=False)
    agent_language = Column(String(5), nullable=True)
    last_message_id = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class OutboxItem(Base):
    """A request to the live-agent service waiting to be delivered."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)  # create_ticket | user_message | rating
    idempotency_key = Column(String(200), nullable=False, unique=True)
    payload = Column(JSON, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime(), nullable=True)
    failed_at = Column(UTCDateTime(), nullable=True)
    last_error = Column(Text, nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class HandoffRepository:
    """Handoffs within one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, ticket_id: str, sender_id: str, status: str,
            agent_language: Optional[str]) -> None:
        """Records a handoff (idempotent for a ticket id)."""
        if self._session.get(Handoff, ticket_id) is None:
            self._session.add(Handoff(ticket_id=ticket_id, sender_id=sender_id,
                                      status=status, agent_language=agent_language))

    def active(self, sender_id: str) -> Optional[Handoff]:
        """The conversation's handoff that has not returned to the assistant."""
        return self._session.execute(
            select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status != RESUMED)
            .order_by(Handoff.created_at.desc()).limit(1)).scalar_one_or_none()

    def mark_resumed(self, ticket_id: str) -> bool:
        """Marks a handoff as back with the assistant; True for the one caller that did."""
        result = self._session.execute(
            update(Handoff).where(Handoff.ticket_id == ticket_id, Handoff.status != RESUMED)
            .values(status=RESUMED).execution_options(synchronize_session=False))
        return result.rowcount == 1

    def latest(self, sender_id: str) -> Optional[Handoff]:
        """The conversation's most recent handoff."""
        return self._session.execute(
            select(Handoff).where(Handoff.sender_id == sender_id)
            .order_by(Handoff.created_at.desc()).limit(1)).scalar_one_or_none()


class OutboxRepository:
    """The outbox within one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, kind: str, idempotency_key: str, payload: dict,
            now: Optional[datetime] = None) -> None:
        """Queues a request (once per idempotency key), due at ``now`` (default: the clock)."""
        stamp = now or utcnow()
        exists = self._session.execute(select(OutboxItem.id).where(
            OutboxItem.idempotency_key == idempotency_key)).first()
        if exists is None:
            self._session.add(OutboxItem(kind=kind, idempotency_key=idempotency_key,
                                         payload=payload, created_at=stamp,
                                         next_attempt_at=stamp))

    def claim_batch(self, limit: int) -> List[OutboxItem]:
        """Claims the oldest undelivered items that no other process has claimed.

        On PostgreSQL the rows stay locked (``FOR UPDATE SKIP LOCKED``) until this
        session ends, so each item is delivered by exactly one Rasa replica; an item
        whose ticket has an earlier item claimed elsewhere is left out, so a ticket's
        requests keep their order. SQLite serialises writers and needs neither.

        Returns:
            The claimed items, oldest first.
        """
        pending = (OutboxItem.delivered_at.is_(None), OutboxItem.failed_at.is_(None))
        claimed = list(self._session.execute(
            select(OutboxItem).where(*pending).order_by(OutboxItem.id).limit(limit)
            .with_for_update(skip_locked=True)).scalars())
        if not claimed:
            return []
        mine = {item.id for item in claimed}
        elsewhere = self._session.execute(
            select(OutboxItem.id, OutboxItem.payload)
            .where(*pending, OutboxItem.id < max(mine))).all()
        held = [(row.id, ordering_key(row.payload)) for row in elsewhere
                if row.id not in mine]
        return [item for item in claimed
                if not any(key == ordering_key(item.payload) and other < item.id
                           for other, key in held)]

    def pending(self) -> List[OutboxItem]:
        """Every undelivered item (for status and tests)."""
        return list(self._session.execute(
            select(OutboxItem).where(OutboxItem.delivered_at.is_(None),
                                     OutboxItem.failed_at.is_(None))
            .order_by(OutboxItem.id)).scalars())


def ordering_key(payload: dict) -> str:
    """The ticket an outbox request belongs to: its requests are delivered in order."""
    return str(payload.get("ticket_id") or payload.get("id") or "")


def send(client: LiveAgentClient, kind: str, payload: dict, idempotency_key: str) -> Any:
    """Performs one outbox request against the service."""
    if kind == "create_ticket":
        # Stored by ``hand_over`` from a TicketPayload; JSON keeps its shape.
        return client.create_ticket(cast(TicketPayload, payload), idempotency_key)
    if kind == "user_message":
        return client.post_user_message(payload["ticket_id"], payload["text"],
                                        idempotency_key)
    if kind == "rating":
        return client.rate(payload["ticket_id"], int(payload["rating"]))
    raise ValueError(f"unknown outbox kind {kind!r}")


def hand_over(ticket: TicketPayload, idempotency_key: str, sender_id: str, client: LiveAgentClient,
              unit_of_work: Callable[[], Any],
              now: Callable[[], datetime] = utcnow) -> tuple:
    """Creates the ticket, or queues it in the outbox when the service is down.

    Returns:
        ``(delivery, agent_language)``: delivery is ``live`` (an agent is online),
        ``email`` (nobody online; the answer comes by email) or ``queued`` (outbox).

    Raises:
        LiveAgentRefused: the service rejected the ticket (a bug, not an outage).
    """
    try:
        created = client.create_ticket(ticket, idempotency_key)
    except LiveAgentUnavailable:
        logger.warning("live-agent service down; ticket %s queued", ticket["id"])
        with unit_of_work() as uow:
            uow.outbox.add("create_ticket", idempotency_key, ticket, now())
            uow.handoffs.add(ticket["id"], sender_id, LIVE, None)
        return "queued", None
    delivery = "live" if created.get("agents_online") else "email"
    agent_language = created.get("agent_language")
    with unit_of_work() as uow:
        uow.handoffs.add(str(created.get("id", ticket["id"])), sender_id,
                         LIVE if delivery == "live" else EMAIL, agent_language)
    return delivery, agent_language


def relay_user_message(handoff_ticket: str, text: str, message_key: str,
                       client: LiveAgentClient, unit_of_work: Callable[[], Any],
                       now: Callable[[], datetime] = utcnow) -> bool:
    """Passes a user's message to the agent; queues it if the service is down.

    Returns True when delivered now. Anything already queued for the ticket goes first,
    so the agent sees messages in order.
    """
    with unit_of_work() as uow:
        queued = any(item.payload.get("ticket_id") == handoff_ticket
                     or item.payload.get("id") == handoff_ticket
                     for item in uow.outbox.pending())
    if not queued:
        try:
            client.post_user_message(handoff_ticket, text, message_key)
            return True
        except LiveAgentUnavailable:
            pass
    with unit_of_work() as uow:
        uow.outbox.add("user_message", message_key, {"ticket_id": handoff_ticket,
                                                     "text": text}, now())
    return False
