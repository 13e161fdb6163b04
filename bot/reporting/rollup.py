"""The incremental rollup: new tracker events and votes into the ``report_*`` tables.

``update`` reads the events after the last processed id (the watermark in
``report_state``), sender by sender. A sender's last stored conversation may still be
open, so it is re-read from the event that opened it and its row replaced: a
conversation that straddles the watermark is counted once, with all its events. Rows
are keyed by (sender, id of the opening event), so running ``update`` again, or over
events already read, changes nothing.

On PostgreSQL, event ids come from a sequence and two Rasa processes may commit out of
id order; every run also re-reads the senders of the last ``OVERLAP_EVENTS`` ids below
the watermark, which an event committed that late still reaches.

Votes (``kb_feedback``) are never changed once written: each run adds the votes after
the last processed vote id to the per-day counts.

Several processes update the same rollup (the dashboard in the web server, ``python -m
bot report``): a run first writes its lock row in ``report_state``, inside its
transaction, so a second run waits for the first to commit and then reads its
watermarks (PostgreSQL: a row lock; SQLite: the database's write lock). Without it,
both would add the same new votes.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, column, delete, func, inspect, select, table
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.accounts.conversations import GUEST, ConversationOwner
from bot.accounts.store import Account, User
from bot.knowledge.feedback import KBFeedback
from bot.reporting.facts import (
    EVENT_TYPES,
    SESSION_START_ACTION,
    ConversationFacts,
    EventRow,
    sender_facts,
)
from bot.reporting.models import ReportConversation, ReportState, ReportTopic, ReportVotes

logger = logging.getLogger(__name__)

GUEST_PLAN = "guest"
UNKNOWN_PLAN = "unknown"  # a signed-in user id the accounts table does not know
OVERLAP_EVENTS = 1000
STREAM_BATCH = 5000
SENDER_CHUNK = 500  # senders whose stored state and plans are read in one query
EVENTS_WATERMARK = "events"
VOTES_WATERMARK = "kb_feedback"
LOCK_ROW = "rollup_lock"  # its value counts the runs; only its row lock matters

EVENTS = table("events", column("id"), column("sender_id"), column("type_name"),
               column("timestamp"), column("intent_name"), column("action_name"),
               column("data"))
_COLUMNS = (EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.intent_name,
            EVENTS.c.action_name, EVENTS.c.data)
CONVERSATIONS = ReportConversation.__table__
TOPICS = ReportTopic.__table__
VOTES = ReportVotes.__table__
STATE = ReportState.__table__


@dataclass(frozen=True)
class UpdateStats:
    """What one ``update`` did.

    Attributes:
        events_read: tracker event rows read (new ones and re-read open conversations).
        conversations_written: conversation rows inserted or replaced.
        votes_read: new votes added.
        watermark: the last event id processed, now stored.
    """

    events_read: int
    conversations_written: int
    votes_read: int
    watermark: int


def _watermark(db: Connection, name: str) -> int:
    value = db.execute(select(STATE.c.value).where(STATE.c.name == name)).scalar()
    return int(value or 0)


def _set_watermark(db: Connection, name: str, value: int) -> None:
    changed = db.execute(sql_update(STATE).where(STATE.c.name == name).values(value=value))
    if not changed.rowcount:
        db.execute(STATE.insert().values(name=name, value=value))


def _ensure_lock_row(db_engine: Engine) -> None:
    """Creates the lock row once (two first runs at once: one insert wins)."""
    with db_engine.connect() as db:
        if db.execute(select(STATE.c.name).where(STATE.c.name == LOCK_ROW)).first():
            return
    try:
        with db_engine.begin() as db:
            db.execute(STATE.insert().values(name=LOCK_ROW, value=0))
    except IntegrityError:
        pass


def lock(db: Connection) -> None:
    """Takes the rollup's lock until ``db``'s transaction ends (the row must exist).

    The first statement of the transaction is this write, so it holds the lock before
    it reads a watermark.
    """
    db.execute(sql_update(STATE).where(STATE.c.name == LOCK_ROW)
               .values(value=STATE.c.value + 1))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class PlanLookup:
    """Sender -> plan, from the assistant's database, cached for one run.

    The conversation's owner (``conversation_owners``, claimed by the help-center
    channel on the first message) is the guest marker or a user id; a user's plan is
    their account's (``users`` -> ``accounts``). No owner row: a guest.
    """

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._senders: Dict[str, str] = {}
        self._users: Dict[str, str] = {}

    def plans(self, sender_ids: Iterable[str]) -> Dict[str, str]:
        """The plan of each sender (``"guest"``, ``"unknown"`` or an account plan)."""
        wanted = sorted({s for s in sender_ids if s not in self._senders})
        for chunk in _chunks(wanted, SENDER_CHUNK):
            owners = dict(self._db.execute(
                select(ConversationOwner.sender_id, ConversationOwner.owner)
                .where(ConversationOwner.sender_id.in_(chunk))).all())
            users = sorted({o for o in owners.values()
                            if o != GUEST and o not in self._users})
            for user_chunk in _chunks(users, SENDER_CHUNK):
                self._users.update(self._db.execute(
                    select(User.id, Account.plan).join(Account, User.account_id == Account.id)
                    .where(User.id.in_(user_chunk))).all())
            for sender in chunk:
                owner = owners.get(sender)
                self._senders[sender] = (GUEST_PLAN if owner in (None, GUEST)
                                         else self._users.get(str(owner), UNKNOWN_PLAN))
        return {s: self._senders[s] for s in sender_ids}


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table("events")


def _stream(tracker: Connection, after: int, upto: int
            ) -> Iterator[Tuple[str, List[EventRow]]]:
    """(sender, rows in id order) for the events in (after, upto], sender by sender."""
    query = (select(EVENTS.c.sender_id, *_COLUMNS)
             .where(EVENTS.c.id > after, EVENTS.c.id <= upto,
                    EVENTS.c.type_name.in_(EVENT_TYPES))
             .order_by(EVENTS.c.sender_id, EVENTS.c.id))
    result = tracker.execution_options(stream_results=True, yield_per=STREAM_BATCH
                                       ).execute(query)
    current: Optional[str] = None
    rows: List[EventRow] = []
    for sender_id, *row in result:
        if sender_id != current:
            if current is not None:
                yield current, rows
            current, rows = sender_id, []
        rows.append(tuple(row))
    if current is not None:
        yield current, rows


def _earlier(tracker: Connection, sender_id: str, start: int, upto: int) -> List[EventRow]:
    """A sender's rows with ids in [start, upto] (the open conversation's first part)."""
    return [tuple(r) for r in tracker.execute(
        select(*_COLUMNS).where(EVENTS.c.sender_id == sender_id, EVENTS.c.id >= start,
                                EVENTS.c.id <= upto, EVENTS.c.type_name.in_(EVENT_TYPES))
        .order_by(EVENTS.c.id))]


def _stored_starts(db: Connection, senders: Sequence[str]) -> Dict[str, int]:
    """Each sender's last stored conversation start (the one that may be open)."""
    return {sender: int(start) for sender, start in db.execute(
        select(CONVERSATIONS.c.sender_id, func.max(CONVERSATIONS.c.start_event_id))
        .where(CONVERSATIONS.c.sender_id.in_(senders))
        .group_by(CONVERSATIONS.c.sender_id)).all()}


def _conversation_row(facts: ConversationFacts, plan: str) -> Dict[str, Any]:
    return {"sender_id": facts.sender_id, "start_event_id": facts.start_event_id,
            "last_event_id": facts.last_event_id, "day": facts.day, "lang": facts.lang,
            "plan": plan, "user_messages": facts.user_messages,
            "fallback_messages": facts.fallback_messages, "kb_answers": facts.kb_answers,
            "unanswered_messages": len(facts.topics), "handed_off": facts.handed_off,
            "kb_answered": facts.kb_answers > 0, "fallback": facts.fallback_messages > 0}


def _write(db: Connection, plans: PlanLookup, replaced: Dict[str, int],
           conversations: List[ConversationFacts]) -> int:
    """Replaces the re-read conversations and inserts the new ones."""
    for sender, start in replaced.items():
        db.execute(delete(TOPICS).where(TOPICS.c.sender_id == sender,
                                        TOPICS.c.start_event_id >= start))
        db.execute(delete(CONVERSATIONS).where(CONVERSATIONS.c.sender_id == sender,
                                               CONVERSATIONS.c.start_event_id >= start))
    if not conversations:
        return 0
    plan_of = plans.plans([c.sender_id for c in conversations if c.day is not None])
    rows = [_conversation_row(c, plan_of.get(c.sender_id, GUEST_PLAN)) for c in conversations]
    db.execute(CONVERSATIONS.insert(), rows)
    topics = [{"sender_id": c.sender_id, "start_event_id": c.start_event_id, "day": c.day,
               "lang": c.lang, "plan": plan_of[c.sender_id], "topic": topic,
               "messages": count}
              for c in conversations if c.day is not None
              for topic, count in sorted(Counter(c.topics).items())]
    if topics:
        db.execute(TOPICS.insert(), topics)
    return len(rows)


def _flush(db: Connection, tracker: Connection, plans: PlanLookup,
           batch: List[Tuple[str, List[EventRow]]], after: int, watermark: int
           ) -> Tuple[int, int]:
    """Turns a batch of senders' new rows into stored conversations.

    Returns:
        (event rows read, including re-read ones; conversation rows written).
    """
    starts = _stored_starts(db, [sender for sender, _ in batch]) if watermark else {}
    conversations: List[ConversationFacts] = []
    replaced: Dict[str, int] = {}
    read = 0
    for sender, rows in batch:
        start = starts.get(sender)
        opens = rows[0][1] == "session_started" or rows[0][4] == SESSION_START_ACTION
        if start is None and watermark and not opens:
            # Unknown sender whose rows begin before the stream (events with no
            # conversation facts until now): read them all.
            start = 0
        if start is not None:
            rows = [r for r in rows if r[0] >= start]
            if start <= after:
                rows = _earlier(tracker, sender, start, after) + rows
            replaced[sender] = start
        read += len(rows)
        if rows:
            conversations.extend(sender_facts(sender, rows))
    return read, _write(db, plans, replaced, conversations)


def _update_events(db: Connection, tracker_engine: Engine, plans: PlanLookup,
                   overlap: int) -> Tuple[int, int, int]:
    watermark = _watermark(db, EVENTS_WATERMARK)
    if not _has_events(tracker_engine):
        return 0, 0, watermark
    read = written = 0
    with tracker_engine.connect() as tracker, tracker_engine.connect() as lookups:
        upto = int(tracker.execute(select(func.max(EVENTS.c.id))).scalar() or 0)
        if upto <= watermark:
            return 0, 0, watermark
        after = max(0, watermark - overlap) if watermark else 0
        batch: List[Tuple[str, List[EventRow]]] = []
        for sender, rows in _stream(tracker, after, upto):
            batch.append((sender, rows))
            if len(batch) >= SENDER_CHUNK:
                r, w = _flush(db, lookups, plans, batch, after, watermark)
                read, written, batch = read + r, written + w, []
        if batch:
            r, w = _flush(db, lookups, plans, batch, after, watermark)
            read, written = read + r, written + w
    _set_watermark(db, EVENTS_WATERMARK, max(upto, watermark))
    return read, written, max(upto, watermark)


def _vote_day(created_at: Any) -> date:
    moment = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(
        str(created_at))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).date()


def _update_votes(db: Connection, plans: PlanLookup) -> int:
    watermark = _watermark(db, VOTES_WATERMARK)
    rows = db.execute(
        select(KBFeedback.id, KBFeedback.created_at, KBFeedback.lang, KBFeedback.article_id,
               KBFeedback.helpful, KBFeedback.sender_id)
        .where(KBFeedback.id > watermark).order_by(KBFeedback.id)).all()
    if not rows:
        return 0
    plan_of = plans.plans({r.sender_id for r in rows if r.sender_id})
    counts: Counter[Tuple[date, str, str, str, bool]] = Counter(
        (_vote_day(r.created_at), r.lang, plan_of.get(r.sender_id or "", GUEST_PLAN),
         r.article_id, bool(r.helpful)) for r in rows)
    keys: Set[Tuple[date, str, str, str]] = {k[:4] for k in counts}
    for day, lang, plan, article in sorted(keys):
        up, down = counts[(day, lang, plan, article, True)], counts[
            (day, lang, plan, article, False)]
        where = and_(VOTES.c.day == day, VOTES.c.lang == lang, VOTES.c.plan == plan,
                     VOTES.c.article_id == article)
        changed = db.execute(sql_update(VOTES).where(where).values(
            helpful=VOTES.c.helpful + up, not_helpful=VOTES.c.not_helpful + down))
        if not changed.rowcount:
            db.execute(VOTES.insert().values(day=day, lang=lang, plan=plan,
                                             article_id=article, helpful=up,
                                             not_helpful=down))
    _set_watermark(db, VOTES_WATERMARK, int(rows[-1].id))
    return len(rows)


def update(tracker_engine: Engine, db_engine: Engine,
           overlap: int = OVERLAP_EVENTS) -> UpdateStats:
    """Brings the rollup up to date with the tracker store and the votes (one transaction).

    Args:
        tracker_engine: Rasa's SQL tracker store (only read).
        db_engine: the assistant's database, at the latest migration (``report_*``
            tables, ``kb_feedback``, ``conversation_owners``, ``users``, ``accounts``).
        overlap: how many ids below the watermark are read again (late commits).

    Returns:
        What was read and written.

    Raises:
        sqlalchemy.exc.OperationalError: SQLite only, when another run held the lock
            longer than the connection's busy timeout (30 s, ``make_engine``).
    """
    _ensure_lock_row(db_engine)
    with db_engine.begin() as db:
        lock(db)
        plans = PlanLookup(db)
        read, written, watermark = _update_events(db, tracker_engine, plans, overlap)
        votes = _update_votes(db, plans)
    logger.info("reporting rollup: %d events read, %d conversations written, %d votes, "
                "watermark %d", read, written, votes, watermark)
    return UpdateStats(read, written, votes, watermark)


def conversation_rows(db_engine: Engine) -> List[Dict[str, Any]]:
    """Every stored conversation row, by sender and start (tests, debugging)."""
    with db_engine.connect() as db:
        return [dict(r._mapping) for r in db.execute(
            select(CONVERSATIONS).order_by(CONVERSATIONS.c.sender_id,
                                           CONVERSATIONS.c.start_event_id))]

