"""The live-agent service's tables (its own database and Alembic history)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base
from sqlalchemy.sql.expression import false

from bot.storage.engine import UTCDateTime

LiveAgentBase = declarative_base()

PRIORITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("open", "claimed", "resolved")
MESSAGE_KINDS = ("text", "article")


class Agent(LiveAgentBase):  # type: ignore[valid-type,misc]
    """A support agent who can sign in to the console."""

    __tablename__ = "agents"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    password_hash = Column(String(300), nullable=False)
    # Space-separated language codes, e.g. "fr it en".
    languages = Column(String(100), nullable=False)
    online = Column(Boolean, nullable=False, default=False)
    # A manager also sees the figures (GET /api/reports/tickets).
    manager = Column(Boolean, nullable=False, default=False, server_default=false())


class AgentSession(LiveAgentBase):  # type: ignore[valid-type,misc]
    """A console login: the SHA-256 of the cookie's random token."""

    __tablename__ = "agent_sessions"

    token_hash = Column(String(64), primary_key=True)
    agent_id = Column(String(64), ForeignKey("agents.id"), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False)


class Ticket(LiveAgentBase):  # type: ignore[valid-type,misc]
    """A conversation handed over by the assistant."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4')", name="ck_ticket_priority"),
        CheckConstraint("status IN ('open', 'claimed', 'resolved')", name="ck_ticket_status"),
        UniqueConstraint("idempotency_key", name="uq_ticket_idempotency_key"),
        # The figures select tickets by these times (bot.live_agent.reports).
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_claimed_at", "claimed_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
    )

    id = Column(String(64), primary_key=True)
    idempotency_key = Column(String(200), nullable=False)
    sender_id = Column(String(128), nullable=False, index=True)
    user_id = Column(String(64), nullable=False)
    user_name = Column(String(200), nullable=False, default="")
    user_email = Column(String(254), nullable=False, default="")
    account_id = Column(String(64), nullable=False)
    plan = Column(String(20), nullable=False)
    support_tier = Column(String(20), nullable=False)
    language = Column(String(5), nullable=False)
    agent_language = Column(String(5), nullable=False)
    priority = Column(String(2), nullable=False)
    first_response_due = Column(UTCDateTime(), nullable=False)
    resolution_due = Column(UTCDateTime(), nullable=True)
    report = Column(JSON, nullable=False)
    transcript = Column(JSON, nullable=False)
    status = Column(String(10), nullable=False, default="open")
    claimed_by = Column(String(64), ForeignKey("agents.id"), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False)
    claimed_at = Column(UTCDateTime(), nullable=True)
    first_response_at = Column(UTCDateTime(), nullable=True)
    resolved_at = Column(UTCDateTime(), nullable=True)
    breached = Column(Boolean, nullable=False, default=False)
    rating = Column(Integer, nullable=True)


class TicketMessage(LiveAgentBase):  # type: ignore[valid-type,misc]
    """One message in a ticket's live conversation, in order."""

    __tablename__ = "ticket_messages"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(String(64), ForeignKey("tickets.id"), nullable=False, index=True)
    author = Column(String(10), nullable=False)  # user | agent | system
    agent_id = Column(String(64), nullable=True)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    # Set by the assistant on relayed user messages; unique per ticket (retries).
    idempotency_key = Column(String(200), nullable=True)
    # "text", or "article": a KB article card (``card``) sent by the agent.
    kind = Column(String(10), nullable=False, default="text", server_default="text")
    # The message's language (NULL for messages stored before it was recorded).
    lang = Column(String(5), nullable=True)
    # For an article: {"article_id", "lang", "title", "summary", "url"}, in the user's language.
    card = Column(JSON, nullable=True)
    __table_args__ = (UniqueConstraint("ticket_id", "idempotency_key",
                                       name="uq_ticket_messages_idempotency_key"),
                      CheckConstraint("kind IN ('text', 'article')",
                                      name="ck_ticket_messages_kind"))


class Notification(LiveAgentBase):  # type: ignore[valid-type,misc]
    """A message owed to the user outside the chat (an email when nobody is online)."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(String(64), ForeignKey("tickets.id"), nullable=False, index=True)
    channel = Column(String(10), nullable=False)
    recipient = Column(String(254), nullable=False)
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
