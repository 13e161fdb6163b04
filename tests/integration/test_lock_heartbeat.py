"""A dead Rasa replica holds a conversation's lock for seconds, a live one until it is done.

``AtomicRedisLockStore`` instances (one per Rasa process) beat a short-lived Redis key
from a thread and write their id on their tickets; a waiter drops the tickets of an
owner whose key has expired. Rasa's ticket lifetime (60 s) stays: only the owner's
death, not the time a turn takes, frees a conversation early.

Each row sets up who holds the conversation's lock, then a second replica (this test,
Rasa's own ``LockStore.lock`` with its default 1 s between tries) asks for it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

import pytest
from rasa.core.lock_store import RedisLockStore
from sqlalchemy.engine import make_url

from bot.storage.rasa_stores import AtomicRedisLockStore, ConversationLockStore
from tests.conftest import PROJECT_ROOT

# A dead replica's ticket must go within this (Rasa's lifetime of a ticket is 60 s).
TAKEOVER_S = 8.0
# A live replica busy for longer than a dead one's ticket lasts (it must keep its ticket).
BUSY_S = TAKEOVER_S + 1.0

# Another Rasa process: takes a ticket with the product's lock store, prints its number,
# then is busy (no event loop, no lock call) for argv[3] seconds and releases it.
REPLICA = """
import sys, time
from bot.storage.rasa_stores import ConversationLockStore
url, conversation, busy = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = ConversationLockStore(url=url)
ticket = store.issue_ticket(conversation)
print(ticket, flush=True)
time.sleep(busy)
store.cleanup(conversation, ticket)
"""


class Replica:
    """Another process holding a ticket of a conversation."""

    def __init__(self, redis_url: str, conversation: str, busy_s: float = 3600) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", REPLICA, redis_url, conversation, str(busy_s)],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        assert line.strip().isdigit(), f"the replica drew no ticket: {line!r}"
        self.ticket = int(line)
        self.holding_since = time.monotonic()

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


@dataclass
class Setup:
    """Who holds the lock when the waiter asks; what to undo afterwards."""

    replicas: List[Replica]
    stores: List[AtomicRedisLockStore]
    release_after: Optional[Callable[[], None]] = None  # run 1 s into the wait


def killed_while_holding(url: str, conversation: str) -> Setup:
    replica = Replica(url, conversation)
    replica.kill9()
    return Setup([replica], [])


def heartbeat_stopped_while_holding(url: str, conversation: str) -> Setup:
    holder = ConversationLockStore(url=url).backend
    assert isinstance(holder, AtomicRedisLockStore)
    holder.issue_ticket(conversation)
    holder.stop_heartbeat()  # as if the process froze for good; nothing is released
    return Setup([], [holder])


def killed_while_waiting_behind_a_live_holder(url: str, conversation: str) -> Setup:
    holder = ConversationLockStore(url=url).backend
    assert isinstance(holder, AtomicRedisLockStore)
    ticket = holder.issue_ticket(conversation)
    replica = Replica(url, conversation)  # queued behind the holder, then killed
    replica.kill9()
    return Setup([replica], [holder], lambda: holder.cleanup(conversation, ticket))


def alive_and_busy(url: str, conversation: str) -> Setup:
    return Setup([Replica(url, conversation, busy_s=BUSY_S)], [])


def ticket_without_owner(url: str, conversation: str) -> Setup:
    # Rasa's own store (or an older release): no owner to check, only its lifetime.
    parsed = make_url(url)
    rasas = RedisLockStore(host=parsed.host, port=parsed.port, db=int(parsed.database or 1),
                           key_prefix="helpbot")
    rasas.issue_ticket(conversation, 60)
    return Setup([], [])


# name: (setup, the waiter gets the lock no sooner than, and no later than (None: not
# within TAKEOVER_S), in seconds from when it asks)
HOLDERS = {
    "killed (kill -9) while holding": (killed_while_holding, 0.0, TAKEOVER_S),
    "heartbeat stopped while holding": (heartbeat_stopped_while_holding, 0.0, TAKEOVER_S),
    "killed while queued behind a live holder": (
        killed_while_waiting_behind_a_live_holder, 1.0, TAKEOVER_S),
    "alive, busy longer than a dead one's ticket lasts": (alive_and_busy, BUSY_S - 0.5,
                                                          BUSY_S + 3.0),
    "ticket without an owner (Rasa's store)": (ticket_without_owner, None, None),
}


async def time_to_lock(waiter: ConversationLockStore, conversation: str, setup: Setup,
                       deadline_s: float) -> Optional[float]:
    """Seconds until ``waiter`` holds the lock, or None if not within ``deadline_s``."""
    started = time.monotonic()

    async def release_later() -> None:
        if setup.release_after is not None:
            await asyncio.sleep(1.0)
            setup.release_after()

    async def acquire() -> float:
        async with waiter.lock(conversation):  # Rasa's default: a try every second
            return time.monotonic() - started

    releasing = asyncio.create_task(release_later())
    try:
        return await asyncio.wait_for(acquire(), timeout=deadline_s)
    except asyncio.TimeoutError:
        return None
    finally:
        await releasing


@pytest.mark.parametrize("holder", HOLDERS, ids=list(HOLDERS))
def test_a_second_replica_gets_the_lock_when_and_only_when_the_holder_is_gone(
        redis_url, holder):
    make_setup, earliest, latest = HOLDERS[holder]
    conversation = f"c-heartbeat-{list(HOLDERS).index(holder)}"
    setup = make_setup(redis_url, conversation)
    waiter = ConversationLockStore(url=redis_url)
    try:
        deadline = latest if latest is not None else TAKEOVER_S
        took = asyncio.run(time_to_lock(waiter, conversation, setup, deadline))
        print(f"{holder}: the waiter got the lock after {took} s")  # shown with -s
        if latest is None:
            assert took is None, f"an ownerless ticket was dropped after {took:.1f} s"
        else:
            assert took is not None, f"still waiting after {deadline:.0f} s"
            assert took >= earliest, f"got the lock after {took:.1f} s, while it was held"
    finally:
        for replica in setup.replicas:
            replica.stop()
        for store in [*setup.stores, waiter.backend]:
            if isinstance(store, AtomicRedisLockStore):
                store.stop_heartbeat()
        waiter.delete_lock(conversation)


def test_tickets_carry_their_owner_whose_heartbeat_outlives_the_wait(redis_url):
    from bot.storage.rasa_stores import HEARTBEAT_INTERVAL_S, HEARTBEAT_TTL_S

    # A dead owner's ticket goes within TAKEOVER_S: its key's lifetime, then a waiter's
    # next try (1 s); a beat every interval leaves room for two missed ones.
    assert HEARTBEAT_TTL_S + 1.0 < TAKEOVER_S and 3 * HEARTBEAT_INTERVAL_S <= HEARTBEAT_TTL_S
    store = ConversationLockStore(url=redis_url).backend
    assert isinstance(store, AtomicRedisLockStore)
    key = store._owner_key(store.owner_id)
    ticket = store.issue_ticket("c-owned")
    try:
        assert 0 < store.red.pttl(key) <= HEARTBEAT_TTL_S * 1000
        lock = store.get_lock("c-owned")
        assert lock is not None and [t.owner for t in lock.tickets] == [store.owner_id]
    finally:
        store.stop_heartbeat()
        store.cleanup("c-owned", ticket)
    assert store.get_lock("c-owned") is None
