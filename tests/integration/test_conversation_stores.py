"""Conversations survive a restart; several replicas share them without racing.

- ``ConversationTrackerStore`` on SQLite and PostgreSQL: a new store (a restarted
  process) reads back the language, the running form and the pause, with no event
  written twice; a running store reads a conversation on its first try after
  PostgreSQL restarted (its pooled connections are pinged before use).
- ``AtomicRedisLockStore``: Rasa's own Redis lock store hands two replicas the same
  ticket when their read-modify-writes interleave; ours never does.
- ``OutboxRepository.claim_batch`` on PostgreSQL: two replicas claim disjoint items and
  never a ticket's later request before its earlier one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from bot.handoff.records import OutboxRepository
from bot.storage.engine import make_engine, upgrade
from bot.storage.rasa_stores import (
    AtomicRedisLockStore,
    ConversationLockStore,
    ConversationTrackerStore,
)
from tests.conftest import LANGUAGES, PROJECT_ROOT
from tests.postgres import _as_server_user, _binary, postgres_server

FIRST_WORDS = {"ru": "не слышно собеседников", "nb": "jeg hører ingen", "fr": "le son est haché",
               "it": "la mia webcam non funziona", "en": "I can't hear anyone"}
FORM = "problem_report_form"


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain"))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def conversation(domain, sender, lang, paused):
    tracker = DialogueStateTracker(sender, domain.slots)
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen"), UserUttered(FIRST_WORDS[lang]),
              SlotSet("language", lang), ActiveLoop(FORM),
              SlotSet("problem_product", "meetings"),
              SlotSet("requested_slot", "problem_description")]
    if paused:
        events += [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]
    for event in events:
        tracker.update(event, domain)
    return tracker


@pytest.mark.parametrize("paused", [False, True], ids=["half-way form", "live handoff"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_restarted_process_continues_every_conversation(domain, tracker_url, lang, paused):
    sender = f"c-{lang}-{paused}"
    store = ConversationTrackerStore(domain=domain, url=tracker_url)
    tracker = conversation(domain, sender, lang, paused)
    asyncio.run(store.save(tracker))
    store.engine.dispose()

    restarted = ConversationTrackerStore(domain=domain, url=tracker_url)
    back = asyncio.run(restarted.retrieve(sender))
    assert back is not None
    assert back.get_slot("language") == lang
    assert back.is_paused() == paused
    assert back.active_loop_name == (None if paused else FORM)
    assert back.get_slot("requested_slot") == (None if paused else "problem_description")
    # The next turn, as Rasa saves it: retrieve, append, save; nothing written twice.
    back.update(UserUttered(FIRST_WORDS[lang] + "?"), domain)
    asyncio.run(restarted.save(back))
    stored = asyncio.run(restarted.retrieve_full_tracker(sender))
    assert [e.as_dict() for e in stored.events] == [
        e.as_dict() for e in [*tracker.events, back.events[-1]]]
    restarted.engine.dispose()


class RestartablePostgres:
    """A PostgreSQL server of this module's own, which the tests restart or cut off."""

    def __init__(self, url):
        self.url = url
        engine = make_engine(url)
        with engine.connect() as connection:
            self.data = connection.execute(text("SHOW data_directory")).scalar_one()
        engine.dispose()

    def pg_ctl_restart(self, mode):
        log = Path(self.data).parent / "server.log"
        subprocess.run(_as_server_user([_binary("pg_ctl"), "-D", self.data, "-m", mode, "-w",
                                        "-l", str(log), "restart"]),
                       check=True, capture_output=True, timeout=120)

    def cut_connections(self):
        engine = make_engine(self.url)
        with engine.begin() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND datname = current_database()"))
        engine.dispose()


@pytest.fixture(scope="module")
def restartable_postgres():
    if os.environ.get("HELPBOT_TEST_POSTGRES_URL"):
        pytest.skip("restarts only a throwaway server of its own, not HELPBOT_TEST_POSTGRES_URL")
    server = postgres_server()
    try:
        url = next(server)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"PostgreSQL is not available here: {error}")
    yield RestartablePostgres(url)
    next(server, None)


# How the connections in a running Rasa server's pool die while PostgreSQL comes back.
SERVER_OUTAGES = {
    "restart (pg_ctl -m fast)": lambda pg: pg.pg_ctl_restart("fast"),
    "crash and recovery (pg_ctl -m immediate)": lambda pg: pg.pg_ctl_restart("immediate"),
    "connections cut (pg_terminate_backend)": lambda pg: pg.cut_connections(),
}


@pytest.mark.parametrize("outage", SERVER_OUTAGES, ids=list(SERVER_OUTAGES))
def test_a_running_store_reads_on_the_first_try_after_postgresql_comes_back(
        domain, restartable_postgres, outage):
    sender = "c-outage-" + outage.split()[0]
    store = ConversationTrackerStore(domain=domain, url=restartable_postgres.url)
    try:
        tracker = conversation(domain, sender, "nb", paused=False)
        asyncio.run(store.save(tracker))
        assert store.engine.pool.checkedin() >= 1  # a pooled connection, now about to die

        SERVER_OUTAGES[outage](restartable_postgres)

        back = asyncio.run(store.retrieve(sender))  # the first try: no OperationalError
        assert back is not None and back.get_slot("language") == "nb"
        back.update(UserUttered(FIRST_WORDS["nb"] + "?"), domain)
        asyncio.run(store.save(back))
        assert len(asyncio.run(store.retrieve_full_tracker(sender)).events) == (
            len(tracker.events) + 1)
    finally:
        store.engine.dispose()


def test_rasas_redis_lock_store_issues_one_ticket_twice(redis_url):
    # Why the product has its own: replica A reads the lock, replica B issues a
    # ticket, A issues and saves. Both now hold ticket 0 and run at once.
    url = make_url(redis_url)
    rasa_a, rasa_b = (RedisLockStore(host=url.host, port=url.port, db=2) for _ in range(2))
    lock_a = rasa_a.get_or_create_lock("c-race")
    ticket_b = rasa_b.issue_ticket("c-race")
    ticket_a = lock_a.issue_ticket(60)
    rasa_a.save_lock(lock_a)
    assert ticket_a == ticket_b
    rasa_a.delete_lock("c-race")


def test_interleaved_replicas_never_share_a_ticket(redis_url):
    a, b = (ConversationLockStore(url=redis_url).backend for _ in range(2))
    assert isinstance(a, AtomicRedisLockStore)
    drawn = []

    def issue_while_b_issues(lock):
        if not drawn:  # only on the first try: B changes the lock under A's feet
            drawn.append(b.issue_ticket("c-atomic"))
        return lock.issue_ticket(60)

    drawn.append(a._atomically("c-atomic", issue_while_b_issues))
    assert sorted(drawn) == [0, 1]
    # Each replica releases its own ticket (another owner's is left alone).
    b_ticket, a_ticket = drawn
    a.cleanup("c-atomic", b_ticket)
    assert a.get_lock("c-atomic") is not None
    b.cleanup("c-atomic", b_ticket)
    a.cleanup("c-atomic", a_ticket)
    assert a.get_lock("c-atomic") is None
    for store in (a, b):
        store.stop_heartbeat()


def test_two_replicas_take_turns_on_one_conversation(redis_url):
    replicas = [ConversationLockStore(url=redis_url) for _ in range(2)]
    log = []

    async def handle(replica, name):
        async with replica.lock("c-turns", wait_time_in_seconds=0.02):
            log.append(f"{name} in")
            await asyncio.sleep(0.2)
            log.append(f"{name} out")

    async def both():
        first = asyncio.create_task(handle(replicas[0], "a"))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, handle(replicas[1], "b"))

    asyncio.run(both())
    assert log == ["a in", "a out", "b in", "b out"]


def test_without_redis_the_lock_store_is_in_memory():
    from rasa.core.lock_store import InMemoryLockStore

    assert isinstance(ConversationLockStore(url="").backend, InMemoryLockStore)


def test_two_replicas_claim_the_outbox_without_overlap_or_overtaking(postgres_url):
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True)
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with factory.begin() as session:
        outbox = OutboxRepository(session)
        outbox.add("create_ticket", "k1", {"id": "T-1"}, now)
        outbox.add("create_ticket", "k2", {"id": "T-2"}, now)
        outbox.add("user_message", "k3", {"ticket_id": "T-1", "text": "hello?"}, now)
        outbox.add("user_message", "k4", {"ticket_id": "T-2", "text": "ciao?"}, now)

    first, second = factory(), factory()
    try:
        mine = [item.idempotency_key for item in OutboxRepository(first).claim_batch(2)]
        theirs = [item.idempotency_key for item in OutboxRepository(second).claim_batch(10)]
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
    assert mine == ["k1", "k2"]
    # k3 and k4 belong to tickets whose creation the first replica holds: they wait.
    assert theirs == []
    engine.dispose()


def test_a_database_error_reaches_the_channel_instead_of_a_memory_fallback(domain, tmp_path):
    from types import SimpleNamespace

    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.storage.rasa_stores import fail_loudly

    store = ConversationTrackerStore(domain=domain, url=f"sqlite:///{tmp_path / 'c.db'}")
    wrapped = FailSafeTrackerStore(store)
    agent = SimpleNamespace(tracker_store=wrapped,
                            processor=SimpleNamespace(tracker_store=wrapped))
    tracker = conversation(domain, "c-down", "nb", paused=False)
    store.engine.dispose()
    (tmp_path / "c.db").unlink()
    (tmp_path / "c.db").mkdir()  # the file is gone and cannot be recreated: writes fail
    asyncio.run(wrapped.save(tracker))  # Rasa's wrapper swallows it: a silent loss
    fail_loudly(agent)
    assert agent.tracker_store is store and agent.processor.tracker_store is store
    with pytest.raises(OperationalError):
        asyncio.run(agent.tracker_store.save(tracker))


def test_releasing_a_lock_never_fails_a_handled_message(redis_url):
    store = ConversationLockStore(url=redis_url)
    ticket = store.issue_ticket("c-release")
    import redis

    store.backend.red = redis.StrictRedis(host="127.0.0.1", port=1, socket_timeout=1)  # down
    store.cleanup("c-release", ticket)  # logged, not raised
    with pytest.raises(LockError):
        store.issue_ticket("c-release")  # before handling, an error still refuses


def test_the_store_keeps_its_connections_between_turns(domain, tracker_url):
    """Each turn's read and write reuse pooled connections (SQLite got NullPool before).

    A new SQLite connection and its pragmas on every session were 7% of Rasa's CPU per
    turn under load (bench/conversation_load.py with py-spy).
    """
    store = ConversationTrackerStore(domain=domain, url=tracker_url)
    seen = []
    for _ in range(2):
        with store.session_scope() as session:
            seen.append(session.connection().connection.dbapi_connection)
    store.engine.dispose()
    assert seen[0] is seen[1]
