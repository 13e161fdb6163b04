"""The assistant's figures (``bot.reporting``) on ten conversations worked out by hand.

The conversations below are Rasa event dicts, stored the way Rasa's SQL tracker store
stores them (``events`` table), interleaved in time like real traffic. ``EXPECTED_DAYS``,
``EXPECTED_VOTES`` and ``EXPECTED_TOPICS`` are counted by hand from them (see the
comment on each conversation); the rollup must give exactly those, in one run or in
any number of incremental runs, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from bot.accounts.conversations import ConversationOwner
from bot.accounts.store import Account, User
from bot.knowledge.feedback import KBFeedback
from bot.reporting import rollup
from bot.reporting.facts import session_facts, split_sessions, topic_text
from bot.reporting.figures import assistant_report, day_rows, topic_rows, vote_rows
from bot.reporting.rollup import conversation_rows, update
from bot.storage.engine import make_engine, upgrade

D1 = datetime(2026, 11, 10, tzinfo=timezone.utc)
D2 = D1 + timedelta(days=1)


def at(day: datetime, hh: int, mm: int = 0, ss: int = 0) -> float:
    return (day + timedelta(hours=hh, minutes=mm, seconds=ss)).timestamp()


def user(moment: float, text_: str, intent: str, lang: Optional[str] = None) -> Event:
    parse: Dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}}
    if lang:
        parse["language"] = {"language": lang}
    return UserUttered(text_, intent=parse["intent"], parse_data=parse, timestamp=moment)


def action(moment: float, name: str) -> Event:
    return ActionExecuted(name, timestamp=moment)


def slot(moment: float, name: str, value: Any) -> Event:
    return SlotSet(name, value, timestamp=moment)


def start(moment: float, *carried: Tuple[str, Any]) -> List[Event]:
    """A session start as ``actions.session`` writes it, with carried-over slots."""
    return [action(moment, "action_session_start"), SessionStarted(timestamp=moment),
            *[slot(moment, n, v) for n, v in carried], action(moment, "action_listen")]


def kb(moment: float, article: Optional[str], offered: bool = False) -> List[Event]:
    """action_answer_from_kb and its slots: clear (article), ambiguous (offered), none."""
    events = [action(moment, "action_answer_from_kb"), BotUttered("…", timestamp=moment),
              slot(moment, "kb_article_id", article)]
    if article or offered:
        events.append(slot(moment, "kb_question", "q"))
    return events


def vote(moment: float, helpful: bool) -> List[Event]:
    name = "kb_helpful" if helpful else "kb_not_helpful"
    return [user(moment, f"/{name}", name), action(moment, "action_store_kb_feedback"),
            slot(moment, "kb_article_id", None)]


# sender -> (owner, events). Plans: u_pro -> pro, u_ent -> enterprise, u_ghost -> none.
CONVERSATIONS: Dict[str, Tuple[str, List[Event]]] = {
    # c1 D1 en guest: a clear KB answer, then 👍. 2 messages, KB answered.
    "s-en-guest": ("guest", [
        *start(at(D1, 10)), user(at(D1, 10, 0, 1), "How do I share my screen?", "ask_question"),
        slot(at(D1, 10, 0, 2), "language", "en"), *kb(at(D1, 10, 0, 3), "screen-sharing"),
        *vote(at(D1, 10, 1), True)]),
    # c2 D1 fr pro: a fallback the KB cannot answer (topic), then a ticket. Handed off.
    "s-fr-pro": ("u_pro", [
        *start(at(D1, 11)), user(at(D1, 11, 0, 1), "blah blah QWERTY", "nlu_fallback"),
        slot(at(D1, 11, 0, 2), "language", "fr"), *kb(at(D1, 11, 0, 3), None),
        user(at(D1, 11, 2), "je veux parler à un humain", "request_human"),
        action(at(D1, 11, 3), "action_complete_handoff"),
        slot(at(D1, 11, 3), "last_ticket_id", "T-1")]),
    # c3 D1 ru enterprise, across midnight: one miss (topic), then a clear answer to a
    # message with an e-mail (answered: no topic). Day D1 (its first message).
    "s-ru-ent": ("u_ent", [
        *start(at(D1, 23, 50)), user(at(D1, 23, 50, 1), "Как включить тёмную тему?",
                                     "ask_question"),
        slot(at(D1, 23, 50, 2), "language", "ru"), *kb(at(D1, 23, 50, 3), None),
        user(at(D2, 0, 10), "мой email ivan@example.com", "ask_question"),
        *kb(at(D2, 0, 10, 1), "change-email")]),
    # c4 + c5 D1 nb enterprise, a session restart: session 1 one greeting; session 2
    # carries language, an old article and an old ticket over (neither counts), and the
    # KB offers articles (ambiguous: not a miss). 2 conversations, 1 message each.
    "s-nb-ent": ("u_ent", [
        *start(at(D1, 9)), user(at(D1, 9, 0, 1), "hei", "greet"),
        slot(at(D1, 9, 0, 2), "language", "nb"),
        *start(at(D1, 12), ("language", "nb"), ("kb_article_id", "old-article"),
               ("last_ticket_id", "T-0")),
        user(at(D1, 12, 0, 1), "hvordan deler jeg skjermen", "ask_question"),
        *kb(at(D1, 12, 0, 2), None, offered=True)]),
    # c6 D2 it guest: the same miss twice (2 messages of one topic). 3 messages, 2 fallbacks.
    "s-it-guest": ("guest", [
        *start(at(D2, 8)), user(at(D2, 8, 0, 1), "ciao", "greet"),
        slot(at(D2, 8, 0, 2), "language", "it"),
        user(at(D2, 8, 1), "xyzzy plugh", "nlu_fallback"), *kb(at(D2, 8, 1, 1), None),
        user(at(D2, 8, 2), "xyzzy plugh", "nlu_fallback"), *kb(at(D2, 8, 2, 1), None)]),
    # c7 D2 it guest (no owner row: a guest): the same topic, written differently.
    "s-it-anon": ("", [
        *start(at(D2, 9)), user(at(D2, 9, 0, 1), "Xyzzy, plugh!", "nlu_fallback"),
        slot(at(D2, 9, 0, 2), "language", "it"), *kb(at(D2, 9, 0, 3), None)]),
    # c8 D2 en pro: a miss with a name and a phone (masked topic), then a clear answer
    # and 👎. 3 messages, 1 fallback, KB answered.
    "s-en-pro": ("u_pro", [
        *start(at(D2, 10)),
        user(at(D2, 10, 0, 1), "my name is John Smith and my phone is +47 912 34 567",
             "nlu_fallback"),
        slot(at(D2, 10, 0, 2), "language", "en"), *kb(at(D2, 10, 0, 3), None),
        user(at(D2, 10, 1), "how to reset password", "ask_question"),
        *kb(at(D2, 10, 1, 1), "reset-password"), *vote(at(D2, 10, 2), False)]),
    # c9 D2 fr guest: a problem report; the KB finds nothing by design (not a miss) and
    # the guest is not entitled to a ticket (no last_ticket_id). Contained.
    "s-fr-guest": ("guest", [
        *start(at(D2, 14)), user(at(D2, 14, 0, 1), "mon micro ne marche pas", "report_problem"),
        slot(at(D2, 14, 0, 2), "language", "fr"), *kb(at(D2, 14, 0, 3), None),
        action(at(D2, 14, 5), "action_complete_handoff")]),
    # c10 D2: no language slot, detected Italian; its owner has no account: "unknown".
    "s-ghost": ("u_ghost", [
        *start(at(D2, 16)), user(at(D2, 16, 0, 1), "salve", "greet", lang="it")]),
    # A session with no user message: no conversation.
    "s-empty": ("guest", start(at(D2, 17))),
}

# (day, lang, plan): conversations, handoffs, kb_answered, fallback, user_messages
EXPECTED_DAYS = {
    ("2026-11-10", "en", "guest"): (1, 0, 1, 0, 2),
    ("2026-11-10", "fr", "pro"): (1, 1, 0, 1, 2),
    ("2026-11-10", "nb", "enterprise"): (2, 0, 0, 0, 2),
    ("2026-11-10", "ru", "enterprise"): (1, 0, 1, 0, 2),
    ("2026-11-11", "en", "pro"): (1, 0, 1, 1, 3),
    ("2026-11-11", "fr", "guest"): (1, 0, 0, 0, 1),
    ("2026-11-11", "it", "guest"): (2, 0, 0, 2, 4),
    ("2026-11-11", "it", "unknown"): (1, 0, 0, 0, 1),
}
# (day, lang, plan, article): helpful, not helpful. The second 👍 has no sender: a guest.
VOTES = [("screen-sharing", "en", True, "s-en-guest", at(D1, 10, 1)),
         ("screen-sharing", "en", True, None, at(D1, 15)),
         ("reset-password", "en", False, "s-en-pro", at(D2, 10, 2))]
EXPECTED_VOTES = {
    ("2026-11-10", "en", "guest", "screen-sharing"): (2, 0),
    ("2026-11-11", "en", "pro", "reset-password"): (0, 1),
}
# (lang, rank, topic, messages, conversations), every topic (min_senders=1).
EXPECTED_TOPICS = [
    ("en", 1, "my name is [name] and my phone is [phone]", 1, 1),
    ("fr", 1, "blah blah qwerty", 1, 1),
    ("it", 1, "xyzzy plugh", 3, 2),
    ("ru", 1, "как включить тёмную тему", 1, 1),
]


def event_rows(conversations: Optional[Dict[str, Tuple[str, List[Event]]]] = None
               ) -> List[Dict[str, Any]]:
    """Every event as a row of Rasa's ``events`` table, in time order (ids interleave)."""
    rows = []
    for sender, (_, events) in (conversations or CONVERSATIONS).items():
        for order, event in enumerate(events):
            data = event.as_dict()
            rows.append({"sender_id": sender, "type_name": event.type_name,
                         "timestamp": data.get("timestamp"),
                         "intent_name": (data.get("parse_data") or {}).get("intent", {}
                                                                           ).get("name"),
                         "action_name": data.get("name"), "data": json.dumps(data),
                         "_order": (data.get("timestamp"), sender, order)})
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def fill_assistant_db(db: Engine) -> None:
    """Accounts, users, conversation owners and votes of the hand-computed set."""
    with db.begin() as connection:
        connection.execute(insert(Account.__table__), [
            {"id": "a-pro", "name": "Pro AS", "plan": "pro", "support_tier": "standard",
             "country": "NO", "created_at": D1},
            {"id": "a-ent", "name": "Ent SA", "plan": "enterprise",
             "support_tier": "premier", "country": "FR", "created_at": D1}])
        connection.execute(insert(User.__table__), [
            {"id": "u_pro", "account_id": "a-pro", "name": "Kari", "email": "k@x.no",
             "role": "member", "language": "nb", "created_at": D1},
            {"id": "u_ent", "account_id": "a-ent", "name": "Ivan", "email": "i@x.ru",
             "role": "member", "language": "ru", "created_at": D1}])
        connection.execute(insert(ConversationOwner.__table__), [
            {"sender_id": sender, "owner": owner, "created_at": D1}
            for sender, (owner, _) in CONVERSATIONS.items() if owner])
        connection.execute(insert(KBFeedback.__table__), [
            {"article_id": a, "lang": lang, "question": "q", "helpful": up, "sender_id": s,
             "created_at": datetime.fromtimestamp(moment, tz=timezone.utc)}
            for a, lang, up, s, moment in VOTES])


@pytest.fixture(params=["sqlite", "postgresql"])
def engines(request, tmp_path):
    """(tracker store engine, assistant database engine), the database migrated."""
    if request.param == "sqlite":
        tracker = make_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
        db = make_engine(f"sqlite:///{tmp_path / 'helpbot.db'}")
    else:  # production: one PostgreSQL database holds both
        url = request.getfixturevalue("postgres_url")
        tracker = make_engine(url)
        with tracker.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db = make_engine(url)
    SQLTrackerStore.Base.metadata.create_all(tracker)
    upgrade(db)
    fill_assistant_db(db)
    yield tracker, db
    tracker.dispose()
    db.dispose()


def add_events(tracker: Engine, rows: List[Dict[str, Any]]) -> None:
    with tracker.begin() as connection:
        connection.execute(insert(SQLTrackerStore.SQLEvent.__table__), rows)


def figures(db: Engine) -> Tuple[Dict[Any, Any], Dict[Any, Any], List[Any]]:
    days = {(r["day"], r["lang"], r["plan"]): (r["conversations"], r["handoffs"],
                                                r["kb_answered"], r["fallback"],
                                                r["user_messages"])
            for r in day_rows(db, date(2026, 11, 1), date(2026, 12, 1))}
    votes = {(r["day"], r["lang"], r["plan"], r["article_id"]): (r["helpful"],
                                                                  r["not_helpful"])
             for r in vote_rows(db, date(2026, 11, 1), date(2026, 12, 1))}
    topics = [(r["lang"], r["rank"], r["topic"], r["messages"], r["conversations"])
              for r in topic_rows(db, date(2026, 11, 1), date(2026, 12, 1),
                                  min_senders=1)]
    return days, votes, topics


def test_one_run_gives_the_figures_worked_out_by_hand(engines):
    tracker, db = engines
    add_events(tracker, event_rows())
    stats = update(tracker, db)
    assert stats.votes_read == 3
    days, votes, topics = figures(db)
    assert days == EXPECTED_DAYS
    assert votes == EXPECTED_VOTES
    assert topics == EXPECTED_TOPICS
    # 10 conversations with a user message, and the empty session stored without a day.
    assert sum(v[0] for v in days.values()) == 10
    assert [r["day"] for r in conversation_rows(db) if r["sender_id"] == "s-empty"] == [None]


def test_the_rates_and_the_report_shape(engines):
    tracker, db = engines
    add_events(tracker, event_rows())
    update(tracker, db)
    report = assistant_report(db, date(2026, 11, 11), date(2026, 11, 12))
    assert report["since"] == "2026-11-11" and report["until"] == "2026-11-12"
    italian = [r for r in report["days"] if (r["lang"], r["plan"]) == ("it", "guest")][0]
    assert (italian["containment_rate"], italian["handoff_rate"], italian["kb_answer_rate"],
            italian["fallback_rate"]) == (1.0, 0.0, 0.0, 1.0)
    assert {r["day"] for r in report["days"]} == {"2026-11-11"}
    # Only a topic two conversations asked is shown by default.
    assert [(t["lang"], t["topic"]) for t in report["topics"]] == [("it", "xyzzy plugh")]
    french = day_rows(db, date(2026, 11, 10), date(2026, 11, 11))
    french_pro = [r for r in french if (r["lang"], r["plan"]) == ("fr", "pro")][0]
    assert (french_pro["contained"], french_pro["containment_rate"],
            french_pro["handoff_rate"], french_pro["fallback_rate"]) == (0, 0.0, 1.0, 1.0)
    dumped = json.dumps(report, ensure_ascii=False)
    for personal in ("John", "Smith", "912", "ivan@example.com", "s-en-pro", "u_pro",
                     "Kari"):
        assert personal not in dumped


@pytest.mark.parametrize("step", [1, 3, 7, 25])
@pytest.mark.parametrize("overlap", [0, 1000])
def test_incremental_runs_give_the_same_figures_as_one_run(engines, step, overlap):
    tracker, db = engines
    rows = event_rows()
    for first in range(0, len(rows), step):
        add_events(tracker, rows[first:first + step])
        update(tracker, db, overlap=overlap)
    update(tracker, db, overlap=overlap)  # nothing new: nothing changes
    days, votes, topics = figures(db)
    assert days == EXPECTED_DAYS
    assert votes == EXPECTED_VOTES
    assert topics == EXPECTED_TOPICS
    assert len(conversation_rows(db)) == 11


def test_a_run_over_events_already_read_counts_nothing_twice(engines):
    tracker, db = engines
    add_events(tracker, event_rows())
    update(tracker, db)
    first = conversation_rows(db)
    update(tracker, db, overlap=10_000)  # re-reads every sender
    assert [{k: v for k, v in r.items() if k != "id"} for r in conversation_rows(db)] == [
        {k: v for k, v in r.items() if k != "id"} for r in first]
    assert figures(db)[0] == EXPECTED_DAYS


def test_a_second_run_waits_for_the_first_and_counts_nothing_twice(engines):
    """Two processes (the dashboard, ``python -m bot report``) update at once."""
    tracker, db = engines
    add_events(tracker, event_rows())
    rollup._ensure_lock_row(db)
    second_done = threading.Event()
    with db.begin() as first:
        rollup.lock(first)  # the first run holds the lock ...
        second = threading.Thread(target=lambda: (update(tracker, db), second_done.set()))
        second.start()
        time.sleep(1.0)
        assert not second_done.is_set(), "the second run did not wait for the lock"
        # ... and does its work before it commits.
        plans = rollup.PlanLookup(first)
        rollup._update_events(first, tracker, plans, rollup.OVERLAP_EVENTS)
        rollup._update_votes(first, plans)
    second.join(timeout=60)
    assert second_done.is_set()
    days, votes, _ = figures(db)
    assert votes == EXPECTED_VOTES  # not twice
    assert days == EXPECTED_DAYS
    assert len(conversation_rows(db)) == 11


@pytest.mark.parametrize(("text_", "topic"), [
    ("Xyzzy, plugh!", "xyzzy plugh"),
    ("my name is John Smith and my phone is +47 912 34 567",
     "my name is [name] and my phone is [phone]"),
    ("write to a.b@example.com", "write to [email]"),
    ("   ", ""),
])
def test_topics_are_masked_and_folded(text_, topic):
    assert topic_text(text_) == topic


def test_sessions_split_at_session_started_and_carried_slots_do_not_count():
    rows = [(i, r["type_name"], r["timestamp"], r["intent_name"], r["action_name"], r["data"])
            for i, r in enumerate((r for r in event_rows() if r["sender_id"] == "s-nb-ent"),
                                  start=1)]
    sessions = split_sessions(rows)
    assert len(sessions) == 2
    second = session_facts("s-nb-ent", sessions[1])
    assert (second.lang, second.kb_answers, second.handed_off, second.topics) == (
        "nb", 0, False, [])


UNANSWERED = {"ru": "Как включить режим киоска?", "nb": "Hvordan slår jeg på kioskmodus?",
              "fr": "Comment activer le mode kiosque ?", "it": "Come attivo la modalità chiosco?",
              "en": "How do I turn on kiosk mode?"}


@pytest.mark.parametrize("lang", sorted(UNANSWERED))
@pytest.mark.parametrize(("senders", "shown"), [(("s-a", "s-a"), False),
                                                (("s-a", "s-b"), True)],
                         ids=["one person twice", "two people"])
def test_a_topic_is_shown_only_when_two_people_asked_it(engines, lang, senders, shown):
    """One person's text, even asked in two conversations, may identify them."""
    tracker, db = engines
    by_sender: Dict[str, List[Event]] = {}
    for n, sender in enumerate(senders):
        moment = at(D1, 8 + 2 * n)  # two hours apart: a new session, a new conversation
        by_sender.setdefault(sender, []).extend([
            *start(moment), user(moment + 1, UNANSWERED[lang], "nlu_fallback"),
            slot(moment + 2, "language", lang), *kb(moment + 3, None)])
    add_events(tracker, event_rows({s: ("guest", e) for s, e in by_sender.items()}))
    update(tracker, db)
    assert sum(r["conversations"] for r in day_rows(db, D1.date(), D2.date())) == 2
    topics = topic_rows(db, D1.date(), D2.date())
    assert [(r["lang"], r["conversations"]) for r in topics] == ([(lang, 2)] if shown else [])
