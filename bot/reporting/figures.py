"""The assistant's figures for a period, from the rollup, as typed wire structures.

Every figure is a count or a share of conversations (see ``bot.reporting.facts`` for
what a conversation is), per UTC day, language and plan; the README's "Figures"
section defines each one. The queries read only the ``report_*`` tables, through
indexes that start with the day, so a month costs the same however long the history.

Nothing here names a person: senders are only counted, and unanswered topics are
masked (``bot.studio.privacy``) and shown only when at least ``MIN_TOPIC_SENDERS``
different senders (people: a browser's conversations share one) asked them.
"""

from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional, TypedDict

from sqlalchemy import Integer, cast, distinct, func, select
from sqlalchemy.engine import Engine

from bot.reporting.models import ReportConversation, ReportTopic, ReportVotes

TOP_TOPICS = 10
MIN_TOPIC_SENDERS = 2


class AssistantDayRow(TypedDict):
    """The assistant's work on one UTC day, in one language, for one plan.

    Counts are conversations (``user_messages`` is messages); rates are shares of
    ``conversations``, 0.0-1.0, rounded to 4 places.
    """

    day: str  # ISO date, UTC
    lang: str
    plan: str  # an account plan, "guest" or "unknown"
    conversations: int
    contained: int
    handoffs: int
    kb_answered: int
    fallback: int
    user_messages: int
    containment_rate: float
    handoff_rate: float
    kb_answer_rate: float
    fallback_rate: float


class ArticleVotesRow(TypedDict):
    """👍/👎 on one KB article on one UTC day (the vote's day), language and plan."""

    day: str
    lang: str
    plan: str
    article_id: str
    helpful: int
    not_helpful: int


class TopicRow(TypedDict):
    """An unanswered topic in one language over the whole period."""

    lang: str
    rank: int  # 1 = most often asked
    topic: str  # masked, normalised text
    messages: int  # unanswered messages with this text
    conversations: int  # distinct conversations that sent it


class AssistantReport(TypedDict):
    """Everything the assistant side shows for ``[since, until)`` (UTC days)."""

    since: str
    until: str
    days: List[AssistantDayRow]
    votes: List[ArticleVotesRow]
    topics: List[TopicRow]


def rate(part: int, whole: int) -> float:
    """``part / whole`` rounded to 4 places; 0.0 when ``whole`` is 0."""
    return round(part / whole, 4) if whole else 0.0


def day_rows(engine: Engine, since: date, until: date) -> List[AssistantDayRow]:
    """The assistant's figures per day, language and plan, ordered by those.

    Args:
        engine: the assistant's database.
        since: first UTC day included.
        until: first UTC day excluded.
    """
    c = ReportConversation.__table__.c
    query = (select(c.day, c.lang, c.plan, func.count(), func.sum(cast(c.handed_off, Integer)),
                    func.sum(cast(c.kb_answered, Integer)), func.sum(cast(c.fallback, Integer)),
                    func.sum(c.user_messages))
             .where(c.day >= since, c.day < until)
             .group_by(c.day, c.lang, c.plan).order_by(c.day, c.lang, c.plan))
    rows: List[AssistantDayRow] = []
    with engine.connect() as db:
        for day, lang, plan, total, handoffs, kb, fallback, messages in db.execute(query):
            total, handoffs, kb, fallback = int(total), int(handoffs or 0), int(kb or 0), int(
                fallback or 0)
            rows.append({"day": _iso(day), "lang": lang, "plan": plan, "conversations": total,
                         "contained": total - handoffs, "handoffs": handoffs,
                         "kb_answered": kb, "fallback": fallback,
                         "user_messages": int(messages or 0),
                         "containment_rate": rate(total - handoffs, total),
                         "handoff_rate": rate(handoffs, total),
                         "kb_answer_rate": rate(kb, total),
                         "fallback_rate": rate(fallback, total)})
    return rows


def vote_rows(engine: Engine, since: date, until: date) -> List[ArticleVotesRow]:
    """👍/👎 per day, language, plan and article, ordered by those."""
    v = ReportVotes.__table__.c
    query = (select(v.day, v.lang, v.plan, v.article_id, v.helpful, v.not_helpful)
             .where(v.day >= since, v.day < until)
             .order_by(v.day, v.lang, v.plan, v.article_id))
    with engine.connect() as db:
        return [{"day": _iso(day), "lang": lang, "plan": plan, "article_id": article,
                 "helpful": int(up), "not_helpful": int(down)}
                for day, lang, plan, article, up, down in db.execute(query)]


def topic_rows(engine: Engine, since: date, until: date, top: int = TOP_TOPICS,
               min_senders: int = MIN_TOPIC_SENDERS,
               plan: Optional[str] = None) -> List[TopicRow]:
    """The ``top`` unanswered topics of each language, most often asked first.

    Args:
        engine: the assistant's database.
        since: first UTC day included.
        until: first UTC day excluded.
        top: how many topics per language.
        min_senders: a topic asked by fewer different senders is not shown (a text
            only one person typed, even in several conversations, may identify them,
            even masked).
        plan: only conversations of this plan (all when None).

    Returns:
        Rows by language, then rank; ties in messages broken by the text.
    """
    t = ReportTopic.__table__.c
    conversations = func.count()
    query = (select(t.lang, t.topic, func.sum(t.messages), conversations)
             .where(t.day >= since, t.day < until)
             .group_by(t.lang, t.topic)
             .having(func.count(distinct(t.sender_id)) >= min_senders))
    if plan is not None:
        query = query.where(t.plan == plan)
    by_lang: Dict[str, List[TopicRow]] = {}
    with engine.connect() as db:
        found = sorted(db.execute(query).all(), key=lambda r: (r[0], -int(r[2]), r[1]))
    for lang, topic, messages, senders in found:
        ranked = by_lang.setdefault(lang, [])
        if len(ranked) < top:
            ranked.append({"lang": lang, "rank": len(ranked) + 1, "topic": topic,
                           "messages": int(messages), "conversations": int(senders)})
    return [row for lang in sorted(by_lang) for row in by_lang[lang]]


def assistant_report(engine: Engine, since: date, until: date,
                     top: int = TOP_TOPICS) -> AssistantReport:
    """The assistant side of the dashboard for ``[since, until)``.

    Args:
        engine: the assistant's database (bring it up to date with
            ``bot.reporting.rollup.update`` first).
        since: first UTC day included.
        until: first UTC day excluded.
        top: unanswered topics per language.
    """
    return {"since": since.isoformat(), "until": until.isoformat(),
            "days": day_rows(engine, since, until), "votes": vote_rows(engine, since, until),
            "topics": topic_rows(engine, since, until, top)}


def _iso(day: object) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)
