"""The rollup tables (assistant database, migration ``0006_reporting``).

- ``report_conversations``: one row per conversation (a Rasa session) ever seen; a row
  is replaced whenever its conversation is re-read (new events for its sender).
- ``report_topics``: per conversation, each unanswered text (masked, normalised) and
  how many of its messages had it.
- ``report_votes``: 👍/👎 counts per day, language, plan and article (added to, never
  re-read: a vote is never changed).
- ``report_state``: the watermarks (last processed event id, last processed vote id).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    UniqueConstraint,
)

from bot.storage.engine import Base

TOPIC_CHARS = 200


class ReportConversation(Base):
    """One conversation's facts; ``day`` is None while it has no user message."""

    __tablename__ = "report_conversations"
    __table_args__ = (
        UniqueConstraint("sender_id", "start_event_id", name="uq_report_conversation"),
        # Covers the figures query: a range of days, grouped by language and plan.
        Index("ix_report_conversations_figures", "day", "lang", "plan", "handed_off",
              "kb_answered", "fallback", "user_messages"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    start_event_id = Column(BigInteger, nullable=False)
    last_event_id = Column(BigInteger, nullable=False)
    day = Column(Date, nullable=True)
    lang = Column(String(5), nullable=False)
    plan = Column(String(20), nullable=False)
    user_messages = Column(Integer, nullable=False)
    fallback_messages = Column(Integer, nullable=False)
    kb_answers = Column(Integer, nullable=False)
    unanswered_messages = Column(Integer, nullable=False)
    handed_off = Column(Boolean, nullable=False)
    kb_answered = Column(Boolean, nullable=False)
    fallback = Column(Boolean, nullable=False)


class ReportTopic(Base):
    """An unanswered text in one conversation: its day, language, plan, and how often."""

    __tablename__ = "report_topics"
    __table_args__ = (
        Index("ix_report_topics_conversation", "sender_id", "start_event_id"),
        Index("ix_report_topics_figures", "day", "lang", "topic", "messages"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    start_event_id = Column(BigInteger, nullable=False)
    day = Column(Date, nullable=False)
    lang = Column(String(5), nullable=False)
    plan = Column(String(20), nullable=False)
    topic = Column(String(TOPIC_CHARS), nullable=False)
    messages = Column(Integer, nullable=False)


class ReportVotes(Base):
    """👍/👎 counts for one article on one day, in one language, from one plan."""

    __tablename__ = "report_votes"

    day = Column(Date, primary_key=True)
    lang = Column(String(5), primary_key=True)
    plan = Column(String(20), primary_key=True)
    article_id = Column(String(100), primary_key=True)
    helpful = Column(Integer, nullable=False)
    not_helpful = Column(Integer, nullable=False)


class ReportState(Base):
    """A watermark: the last id processed from a source table."""

    __tablename__ = "report_state"

    name = Column(String(40), primary_key=True)
    value = Column(BigInteger, nullable=False)
