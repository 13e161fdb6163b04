"""The humans' figures: first response, resolution, queue, agents' load, satisfaction.

Computed from the ``tickets`` table alone, for a period ``[since, until)`` and a moment
``now`` (what is not answered yet is judged against it). Each figure is one aggregate
query that selects tickets by one indexed time column (``created_at``, ``claimed_at``,
``resolved_at``; migration ``la0004``) and groups them by UTC day or hour in SQL
(``substr`` of SQLite's stored UTC text, ``AT TIME ZONE 'UTC'`` on PostgreSQL).

Definitions (the README's "Figures" section says the same):

- A ticket belongs to the UTC day, language (``language``: the user's) and plan of its
  creation (``created_at``), except in the agents' load (the day it was claimed,
  resolved) and the queue (each hour).
- First response, per priority: *met* if ``first_response_at <= first_response_due``;
  *breached* if it came later, or has not come and ``now > first_response_due``;
  *pending* if it has not come and is not yet due.
- Resolution, Premier tickets only (``support_tier`` premier or premier_plus, with a
  ``resolution_due``): met / breached / pending the same way with ``resolved_at`` and
  ``resolution_due``; plus the mean resolution time (``resolved_at - created_at``,
  hours) of the resolved ones.
- Queue length: for each whole UTC hour ``[h, h+1)`` of the period that has ended by
  ``now``, the tickets open at its end: ``created_at < h+1`` and (``resolved_at`` null
  or ``>= h+1``).
- Queue now: the tickets open at ``now``: ``created_at <= now`` and (``resolved_at``
  null or ``> now``); the hourly points only see whole hours, so a queue that filled
  up this hour would read 0 there.
- Agents' load: per agent id and UTC day, tickets claimed (``claimed_at``) and
  resolved (``resolved_at``, by ``claimed_by``).
- Satisfaction (CSAT): the count of each rating 1-5, and the tickets rated.

No name, e-mail, message or transcript is read: only agent ids, which the console
already shows to every agent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from pydantic import BaseModel
from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from bot.live_agent.models import PRIORITIES, Ticket

PREMIER_TIERS = ("premier", "premier_plus")
RATINGS = (1, 2, 3, 4, 5)


class TargetCounts(BaseModel):
    """How many tickets met, breached, or are still within a target."""

    met: int = 0
    breached: int = 0
    pending: int = 0


class TicketDayRow(BaseModel):
    """The humans' work on tickets created on one UTC day, in one language, one plan."""

    day: str  # ISO date, UTC
    language: str
    plan: str
    tickets: int
    first_response: Dict[str, TargetCounts]  # priority "P1".."P4" -> counts
    resolution_premier: TargetCounts
    resolved_premier: int  # Premier tickets resolved
    resolution_hours_premier: Optional[float]  # their mean resolution time, hours
    csat: Dict[str, int]  # rating "1".."5" -> tickets
    rated: int


class QueuePoint(BaseModel):
    """Open (unresolved) tickets at the end of one whole UTC hour."""

    at: str  # ISO datetime of the hour's start, UTC
    open: int


class AgentLoadRow(BaseModel):
    """One agent's claims and resolutions on one UTC day."""

    day: str
    agent_id: str
    claimed: int
    resolved: int


class TicketReport(BaseModel):
    """Every humans' figure for ``[since, until)``, judged at ``now``."""

    since: str
    until: str
    now: str
    days: List[TicketDayRow]
    queue: List[QueuePoint]
    open_now: int  # tickets open at ``now`` (whatever the period)
    agents: List[AgentLoadRow]


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _day(session: Session, column: Any) -> Any:
    """The UTC date of a stored time, as ``YYYY-MM-DD`` text."""
    if _postgres(session):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)  # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS..."


def _hour(session: Session, column: Any) -> Any:
    """The UTC hour of a stored time, as ``YYYY-MM-DD HH`` text."""
    if _postgres(session):
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)


def _hours(session: Session, begin: Any, end: Any) -> Any:
    """``end - begin`` in hours."""
    if _postgres(session):
        return func.extract("epoch", end - begin) / 3600.0
    return (func.julianday(end) - func.julianday(begin)) * 24.0


def _verdicts(done: Any, due: Any, now: datetime) -> Tuple[Any, Any, Any]:
    """SUM expressions counting met, breached and pending (see ``judge``)."""
    met = and_(done.is_not(None), done <= due)
    breached = (done > due) | and_(done.is_(None), due < now)
    one = literal(1)
    return (func.sum(case((met, one), else_=0)), func.sum(case((breached, one), else_=0)),
            func.sum(case((and_(done.is_(None), due >= now), one), else_=0)))


def judge(done: Optional[datetime], due: Optional[datetime], now: datetime) -> str:
    """"met", "breached" or "pending" for a target ``due`` and the moment ``done``."""
    if due is None:
        return "pending"
    if done is not None:
        return "met" if done <= due else "breached"
    return "breached" if now > due else "pending"


def day_rows(session: Session, since: date, until: date, now: datetime) -> List[TicketDayRow]:
    """First response, Premier resolution and CSAT per creation day, language, plan."""
    t = Ticket
    day = _day(session, t.created_at)
    window = and_(t.created_at >= _start(since), t.created_at < _start(until))
    groups: Dict[Tuple[str, str, str], TicketDayRow] = {}

    def row(key: Tuple[str, str, str]) -> TicketDayRow:
        if key not in groups:
            groups[key] = TicketDayRow(
                day=key[0], language=key[1], plan=key[2], tickets=0,
                first_response={p: TargetCounts() for p in PRIORITIES},
                resolution_premier=TargetCounts(), resolved_premier=0,
                resolution_hours_premier=None, csat={str(r): 0 for r in RATINGS}, rated=0)
        return groups[key]

    first = session.execute(
        select(day, t.language, t.plan, t.priority, func.count(),
               *_verdicts(t.first_response_at, t.first_response_due, now))
        .where(window).group_by(day, t.language, t.plan, t.priority)).all()
    for d, language, plan, priority, count, met, breached, pending in first:
        target = row((d, language, plan))
        target.tickets += int(count)
        target.first_response[priority] = TargetCounts(
            met=int(met or 0), breached=int(breached or 0), pending=int(pending or 0))
    resolved = case((t.resolved_at.is_not(None), literal(1)), else_=0)
    premier = session.execute(
        select(day, t.language, t.plan, *_verdicts(t.resolved_at, t.resolution_due, now),
               func.sum(resolved), func.avg(_hours(session, t.created_at, t.resolved_at)))
        .where(window, t.support_tier.in_(PREMIER_TIERS), t.resolution_due.is_not(None))
        .group_by(day, t.language, t.plan)).all()
    for d, language, plan, met, breached, pending, done, hours in premier:
        target = row((d, language, plan))
        target.resolution_premier = TargetCounts(
            met=int(met or 0), breached=int(breached or 0), pending=int(pending or 0))
        target.resolved_premier = int(done or 0)
        target.resolution_hours_premier = None if hours is None else round(float(hours), 2)
    ratings = session.execute(
        select(day, t.language, t.plan, t.rating, func.count())
        .where(window, t.rating.in_(RATINGS)).group_by(day, t.language, t.plan, t.rating)
    ).all()
    for d, language, plan, rating, count in ratings:
        target = row((d, language, plan))
        target.csat[str(rating)] = int(count)
        target.rated += int(count)
    return [groups[k] for k in sorted(groups)]


def queue_points(session: Session, since: date, until: date,
                 now: datetime) -> List[QueuePoint]:
    """Open tickets at the end of every whole UTC hour of ``[since, until)`` ended by ``now``."""
    start = _start(since)
    end = min(_start(until), now.astimezone(timezone.utc).replace(
        minute=0, second=0, microsecond=0))
    if end <= start:
        return []
    t = Ticket
    # Open at ``start``: created before it, minus those also resolved before it.
    created_before = session.execute(
        select(func.count()).where(t.created_at < start)).scalar() or 0
    resolved_before = session.execute(
        select(func.count()).where(t.resolved_at < start)).scalar() or 0
    changes: Dict[str, int] = defaultdict(int)
    for column, sign in ((t.created_at, 1), (t.resolved_at, -1)):
        hour = _hour(session, column)
        for bucket, count in session.execute(
                select(hour, func.count()).where(column >= start, column < end)
                .group_by(hour)).all():
            changes[str(bucket)] += sign * int(count)
    points: List[QueuePoint] = []
    moment, count = start, int(created_before) - int(resolved_before)
    while moment < end:
        count += changes.get(moment.strftime("%Y-%m-%d %H"), 0)
        points.append(QueuePoint(at=moment.isoformat(), open=count))
        moment += timedelta(hours=1)
    return points


def open_now(session: Session, now: datetime) -> int:
    """Tickets open at ``now``: created by then and not resolved by then."""
    t = Ticket
    return int(session.execute(select(func.count()).where(
        t.created_at <= now, (t.resolved_at.is_(None)) | (t.resolved_at > now))).scalar() or 0)


def agent_rows(session: Session, since: date, until: date) -> List[AgentLoadRow]:
    """Claims and resolutions per agent id and UTC day."""
    t = Ticket
    start, end = _start(since), _start(until)
    load: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    for index, column in enumerate((t.claimed_at, t.resolved_at)):
        day = _day(session, column)
        for d, agent, count in session.execute(
                select(day, t.claimed_by, func.count())
                .where(column >= start, column < end, t.claimed_by.is_not(None))
                .group_by(day, t.claimed_by)).all():
            load[(str(d), str(agent))][index] += int(count)
    return [AgentLoadRow(day=day, agent_id=agent, claimed=c, resolved=r)
            for (day, agent), (c, r) in sorted(load.items())]


def ticket_report(session: Session, since: date, until: date,
                  now: Optional[datetime] = None) -> TicketReport:
    """Every humans' figure for ``[since, until)`` (UTC days), judged at ``now``.

    Args:
        session: a session on the live-agent database.
        since: first UTC day included.
        until: first UTC day excluded.
        now: the moment unanswered tickets are judged at (default: the clock).
    """
    moment = now or datetime.now(timezone.utc)
    return TicketReport(since=since.isoformat(), until=until.isoformat(),
                        now=moment.isoformat(), days=day_rows(session, since, until, moment),
                        queue=queue_points(session, since, until, moment),
                        open_now=open_now(session, moment),
                        agents=agent_rows(session, since, until))
