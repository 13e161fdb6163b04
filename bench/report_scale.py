"""The figures at the scale of a busy help center's month, on SQLite and PostgreSQL.

Generates, per database:

- 1,000,000 tracker events (Rasa's ``events`` table, the same JSON Rasa stores) over 30
  days: sessions of 2-4 user turns in the five languages, with the actions, bot
  messages and slots a real session writes (KB answers, fallbacks, votes, handoffs,
  session restarts carrying the language over), interleaved in time;
- the assistant's database: 200 accounts, 2,000 users, an owner for every conversation,
  a vote for every 👍/👎 turn;
- 50,000 tickets in the live-agent database (priorities, due times, first responses,
  resolutions, claims by 20 agents, ratings).

Then times: the first full rollup (``bot.reporting.rollup.update``), an incremental
update after 10,000 new events, and the month's figures (the assistant's
``assistant_report`` plus the humans' ``ticket_report``), which must take < 2 s.

    nice -n 10 .venv/bin/python bench/report_scale.py [--events 1000000] [--tickets 50000]
        [--no-postgres] [--postgres-url URL] [--out var/bench/report_scale.json]

PostgreSQL: ``--postgres-url``, else a throwaway server from the machine's binaries
(``tests/postgres.py``), else SQLite only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.live_agent.database import upgrade as upgrade_live_agent  # noqa: E402
from bot.live_agent.models import Agent, Ticket  # noqa: E402
from bot.live_agent.reports import ticket_report  # noqa: E402
from bot.reporting.figures import assistant_report  # noqa: E402
from bot.reporting.rollup import update  # noqa: E402
from bot.storage.engine import make_engine, upgrade  # noqa: E402

LANGUAGES = ("ru", "nb", "fr", "it", "en")
PLANS = ("basic", "pro", "business", "education", "enterprise", "api")
TIERS = ("standard", "standard", "premier", "premier_plus")
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 30
INCREMENT = 10_000
BATCH = 20_000
FIRST_RESPONSE_HOURS = {"P1": 1, "P2": 4, "P3": 8, "P4": 24}
RESOLUTION_HOURS = {"P1": 8, "P2": 24, "P3": 72, "P4": 120}
QUESTIONS = {
    "en": ["how do I share my screen", "reset my password", "dark mode", "invoice copy"],
    "fr": ["partager mon écran", "réinitialiser le mot de passe", "mode sombre", "facture"],
    "it": ["condividere lo schermo", "reimpostare la password", "tema scuro", "fattura"],
    "nb": ["dele skjermen", "tilbakestille passord", "mørk modus", "faktura"],
    "ru": ["показать экран", "сбросить пароль", "тёмная тема", "счёт"],
}
ARTICLES = ["screen-sharing", "reset-password", "dark-mode", "invoices", "audio", "video",
            "recording", "calendar", "sso", "billing"]

# (sender, type_name, timestamp, intent_name, action_name, data)
Row = Tuple[str, str, float, Optional[str], Optional[str], str]


@dataclass
class Timings:
    """One database's results, seconds."""

    database: str
    events: int
    tickets: int
    generate_s: float
    full_rollup_s: float
    incremental_rollup_s: float
    assistant_figures_s: float
    ticket_figures_s: float
    month_figures_s: float
    conversations: int


def _user(sender: str, moment: float, text_: str, intent: str) -> Row:
    data = {"event": "user", "timestamp": moment, "text": text_,
            "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "entities": [],
                           "text": text_}, "input_channel": "helpcenter"}
    return (sender, "user", moment, intent, None, json.dumps(data, ensure_ascii=False))


def _action(sender: str, moment: float, name: str) -> Row:
    data = {"event": "action", "timestamp": moment, "name": name, "policy": "RulePolicy",
            "confidence": 1.0}
    return (sender, "action", moment, None, name, json.dumps(data))


def _slot(sender: str, moment: float, name: str, value: Any) -> Row:
    data = {"event": "slot", "timestamp": moment, "name": name, "value": value}
    return (sender, "slot", moment, None, name, json.dumps(data, ensure_ascii=False))


def _bot(sender: str, moment: float) -> Row:
    data = {"event": "bot", "timestamp": moment, "text": "…", "data": {}}
    return (sender, "bot", moment, None, None, json.dumps(data))


def _started(sender: str, moment: float) -> Row:
    return (sender, "session_started", moment, None, None,
            json.dumps({"event": "session_started", "timestamp": moment}))


def session_rows(rng: random.Random, sender: str, lang: str, begin: float,
                 returning: bool, votes: List[Dict[str, Any]]) -> List[Row]:
    """One session's events, as Rasa writes them."""
    t = begin
    rows = [_action(sender, t, "action_session_start"), _started(sender, t)]
    if returning:
        rows.append(_slot(sender, t, "language", lang))
    rows.append(_action(sender, t, "action_listen"))
    article: Optional[str] = None
    for _ in range(rng.randint(2, 4)):
        t += rng.uniform(5, 120)
        roll = rng.random()
        if article and roll < 0.25:
            helpful = rng.random() < 0.7
            intent = "kb_helpful" if helpful else "kb_not_helpful"
            rows += [_user(sender, t, f"/{intent}", intent),
                     _action(sender, t + 1, "action_store_kb_feedback"), _bot(sender, t + 1),
                     _slot(sender, t + 1, "kb_article_id", None),
                     _action(sender, t + 1, "action_listen")]
            votes.append({"article_id": article, "lang": lang, "question": "q",
                          "helpful": helpful, "sender_id": sender,
                          "created_at": datetime.fromtimestamp(t, tz=timezone.utc)})
            article = None
            continue
        if roll < 0.12:
            text_, intent = f"zzq {rng.randint(1, 400)} {lang}", "nlu_fallback"
        elif roll < 0.2:
            text_, intent = "hello", "greet"
        elif roll < 0.27:
            text_, intent = "I want a human", "request_human"
        else:
            text_, intent = rng.choice(QUESTIONS[lang]), "ask_question"
        rows.append(_user(sender, t, text_, intent))
        rows.append(_slot(sender, t + 1, "language", lang))
        if intent in ("ask_question", "nlu_fallback"):
            rows += [_action(sender, t + 1, "action_answer_from_kb"), _bot(sender, t + 1)]
            outcome = rng.random()
            if outcome < 0.55 and intent == "ask_question":
                article = rng.choice(ARTICLES)
                rows += [_slot(sender, t + 1, "kb_article_id", article),
                         _slot(sender, t + 1, "kb_question", text_)]
            elif outcome < 0.75:
                rows += [_slot(sender, t + 1, "kb_article_id", None),
                         _slot(sender, t + 1, "kb_question", text_)]
            else:
                rows.append(_slot(sender, t + 1, "kb_article_id", None))
        elif intent == "request_human":
            rows += [_action(sender, t + 2, "action_request_human"), _bot(sender, t + 2),
                     _action(sender, t + 30, "action_complete_handoff"), _bot(sender, t + 30)]
            if rng.random() < 0.6:
                rows.append(_slot(sender, t + 30, "last_ticket_id", f"T-{sender}"))
        else:
            rows.append(_bot(sender, t + 1))
        rows.append(_action(sender, t + 2, "action_listen"))
    return rows


def tracker_rows(rng: random.Random, target: int, votes: List[Dict[str, Any]],
                 owners: Dict[str, str], users: List[str], prefix: str = "s",
                 start: datetime = START, days: int = DAYS) -> List[Row]:
    """About ``target`` events over ``days`` days from ``start``, in time order."""
    rows: List[Row] = []
    span = days * 86400
    number = 0
    while len(rows) < target:
        number += 1
        sender = f"{prefix}{number:07d}"
        lang = rng.choice(LANGUAGES)
        owners[sender] = "guest" if rng.random() < 0.3 else rng.choice(users)
        begin = start.timestamp() + rng.uniform(0, span)
        rows += session_rows(rng, sender, lang, begin, False, votes)
        if rng.random() < 0.2:  # comes back after the session expired
            rows += session_rows(rng, sender, lang, begin + rng.uniform(4000, 86400), True,
                                 votes)
    rows.sort(key=lambda r: r[2])
    return rows[:target]


def _insert(engine: Engine, table: Any, rows: List[Dict[str, Any]]) -> None:
    for first in range(0, len(rows), BATCH):
        with engine.begin() as connection:
            connection.execute(insert(table), rows[first:first + BATCH])


def _event_dicts(rows: List[Row]) -> List[Dict[str, Any]]:
    return [{"sender_id": s, "type_name": k, "timestamp": t, "intent_name": i,
             "action_name": a, "data": d} for s, k, t, i, a, d in rows]


def fill(rng: random.Random, tracker: Engine, db: Engine, live: Engine, events: int,
         tickets: int) -> Tuple[List[str], List[Dict[str, Any]]]:
    """Writes every table; returns (users, the 10,000 events kept for the increment)."""
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.accounts.conversations import ConversationOwner
    from bot.accounts.store import Account, User
    from bot.knowledge.feedback import KBFeedback

    SQLTrackerStore.Base.metadata.create_all(tracker)
    upgrade(db)
    accounts = [{"id": f"a{n:04d}", "name": f"Account {n}", "plan": PLANS[n % len(PLANS)],
                 "support_tier": TIERS[n % len(TIERS)], "country": "NO",
                 "created_at": START} for n in range(200)]
    users = [{"id": f"u{n:05d}", "account_id": f"a{n % 200:04d}", "name": f"User {n}",
              "email": f"user{n}@example.com", "role": "member",
              "language": LANGUAGES[n % 5], "created_at": START} for n in range(2000)]
    _insert(db, Account.__table__, accounts)
    _insert(db, User.__table__, users)
    votes: List[Dict[str, Any]] = []
    owners: Dict[str, str] = {}
    user_ids = [str(u["id"]) for u in users]
    rows = tracker_rows(rng, events, votes, owners, user_ids)
    later = tracker_rows(rng, INCREMENT, votes, owners, user_ids, prefix="n",
                         start=START + timedelta(days=DAYS), days=1)
    _insert(tracker, SQLTrackerStore.SQLEvent.__table__, _event_dicts(rows))
    _insert(db, ConversationOwner.__table__,
            [{"sender_id": s, "owner": o, "created_at": START} for s, o in owners.items()])
    _insert(db, KBFeedback.__table__, votes)
    upgrade_live_agent(live)
    agents = [{"id": f"agent{n:02d}", "name": f"Agent {n}", "password_hash": "-",
               "languages": " ".join(LANGUAGES), "online": False} for n in range(20)]
    _insert(live, Agent.__table__, agents)
    _insert(live, Ticket.__table__, list(ticket_rows(rng, tickets)))
    return user_ids, _event_dicts(later)


def ticket_rows(rng: random.Random, count: int) -> Iterator[Dict[str, Any]]:
    """``count`` tickets over the month: most answered and resolved, some late."""
    for n in range(count):
        created = START + timedelta(seconds=rng.uniform(0, DAYS * 86400))
        priority = rng.choice(("P1", "P2", "P2", "P3", "P3", "P4"))
        tier = rng.choice(TIERS)
        due = created + timedelta(hours=FIRST_RESPONSE_HOURS[priority])
        first = created + timedelta(hours=rng.expovariate(1 / (FIRST_RESPONSE_HOURS[priority]
                                                                * 0.6)))
        resolution_due = (created + timedelta(hours=RESOLUTION_HOURS[priority])
                          if tier != "standard" else None)
        resolved = first + timedelta(hours=rng.expovariate(1 / 10)) \
            if rng.random() < 0.9 else None
        agent = f"agent{rng.randrange(20):02d}"
        yield {"id": f"T{n:06d}", "idempotency_key": f"k{n}", "sender_id": f"s{n}",
               "user_id": "u", "user_name": "", "user_email": "", "account_id": "a",
               "plan": rng.choice(PLANS), "support_tier": tier,
               "language": rng.choice(LANGUAGES), "agent_language": "en",
               "priority": priority, "first_response_due": due,
               "resolution_due": resolution_due, "report": {}, "transcript": [],
               "status": "resolved" if resolved else "claimed", "claimed_by": agent,
               "created_at": created, "claimed_at": first, "first_response_at": first,
               "resolved_at": resolved, "breached": False,
               "rating": rng.choice((None, None, 1, 2, 3, 4, 4, 5, 5, 5)) if resolved
               else None}


def timed(action: Callable[[], Any]) -> Tuple[float, Any]:
    """(seconds, result) of one call."""
    begin = time.perf_counter()
    result = action()
    return time.perf_counter() - begin, result


def run(name: str, tracker: Engine, db: Engine, live: Engine, events: int,
        tickets: int) -> Timings:
    """Fills one database, then times the rollup and the month's figures."""
    rng = random.Random(16)
    generate_s, (_, later) = timed(lambda: fill(rng, tracker, db, live, events, tickets))
    print(f"[{name}] generated {events:,} events and {tickets:,} tickets in "
          f"{generate_s:.0f} s", flush=True)
    full_s, stats = timed(lambda: update(tracker, db))
    print(f"[{name}] full rollup {full_s:.1f} s ({stats.conversations_written:,} "
          f"conversations)", flush=True)
    from rasa.core.tracker_store import SQLTrackerStore

    _insert(tracker, SQLTrackerStore.SQLEvent.__table__, later)
    incremental_s, _ = timed(lambda: update(tracker, db))
    month = (START.date(), START.date() + timedelta(days=DAYS))
    now = START + timedelta(days=DAYS)
    sessions = sessionmaker(bind=live, future=True)
    assistant_s, report = timed(lambda: assistant_report(db, *month))
    with sessions() as session:
        tickets_s, _ = timed(lambda: ticket_report(session, *month, now))
    # The dashboard's whole load: both sides, a fresh connection each.
    db.dispose()
    live.dispose()

    def both() -> None:
        assistant_report(db, *month)
        with sessions() as session:
            ticket_report(session, *month, now)

    month_s, _ = timed(both)
    conversations = sum(r["conversations"] for r in report["days"])
    return Timings(name, events, tickets, round(generate_s, 1), round(full_s, 2),
                   round(incremental_s, 3), round(assistant_s, 3), round(tickets_s, 3),
                   round(month_s, 3), conversations)


def print_table(results: List[Timings]) -> None:
    """The side-by-side table."""
    rows = [("events / tickets", lambda t: f"{t.events:,} / {t.tickets:,}"),
            ("conversations in the month", lambda t: f"{t.conversations:,}"),
            ("full rollup (s)", lambda t: f"{t.full_rollup_s:.2f}"),
            (f"incremental, +{INCREMENT:,} events (s)",
             lambda t: f"{t.incremental_rollup_s:.3f}"),
            ("month: assistant figures (s)", lambda t: f"{t.assistant_figures_s:.3f}"),
            ("month: humans' figures (s)", lambda t: f"{t.ticket_figures_s:.3f}"),
            ("month: both, cold connections (s)", lambda t: f"{t.month_figures_s:.3f}")]
    header = ["", *[t.database for t in results]]
    body = [[label, *[show(t) for t in results]] for label, show in rows]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    for line in [header, *body]:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))


def main() -> int:
    """Runs the benchmark on SQLite, then PostgreSQL when available."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("HELPBOT_TEST_POSTGRES_URL"))
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "report_scale.json")
    args = parser.parse_args()
    results: List[Timings] = []
    with tempfile.TemporaryDirectory(prefix="report-scale-") as folder:
        base = Path(folder)
        tracker, db, live = (make_engine(f"sqlite:///{base / n}.db")
                             for n in ("conversations", "helpbot", "live_agent"))
        results.append(run("SQLite", tracker, db, live, args.events, args.tickets))
        for engine in (tracker, db, live):
            engine.dispose()
    if not args.no_postgres:
        results += _postgres(args)
    print()
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"measured": date.today().isoformat(),
                                    "results": [asdict(r) for r in results]}, indent=2))
    slow = [r.database for r in results if r.month_figures_s >= 2.0]
    if slow:
        print(f"month's figures took 2 s or more on: {', '.join(slow)}")
    return 1 if slow else 0


def _postgres(args: argparse.Namespace) -> List[Timings]:
    server: Optional[Iterator[str]] = None
    url = args.postgres_url
    if not url:
        from tests.postgres import postgres_server

        server = postgres_server()
        try:
            url = next(server)
        except (RuntimeError, OSError) as error:
            print(f"PostgreSQL skipped: {error}")
            return []
    try:
        admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS report_scale_live"))
            connection.execute(text("CREATE DATABASE report_scale_live"))
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        admin.dispose()
        live_url = url.rsplit("/", 1)[0] + "/report_scale_live"
        # Production: the tracker store and the assistant's tables share one database.
        tracker, db, live = make_engine(url), make_engine(url), make_engine(live_url)
        result = run("PostgreSQL", tracker, db, live, args.events, args.tickets)
        for engine in (tracker, db, live):
            engine.dispose()
        return [result]
    finally:
        if server is not None:
            next(server, None)


if __name__ == "__main__":
    sys.exit(main())
