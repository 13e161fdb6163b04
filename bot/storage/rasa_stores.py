"""Where Rasa keeps conversations (tracker store) and who may change one (lock store).

``endpoints.yml`` names the two classes below; both read ``bot.settings``, so one set of
database settings serves the whole product:

- ``ConversationTrackerStore``: Rasa's SQL tracker store at ``HELPBOT_TRACKER_STORE_URL``
  (default ``var/conversations.db`` with SQLite, otherwise the product's PostgreSQL
  database). A conversation survives a restart or a ``kill -9`` of any process, and a
  running Rasa server survives a database restart (pooled connections are pinged).
- ``ConversationLockStore``: Redis at ``HELPBOT_LOCK_STORE_URL`` when several Rasa
  processes serve the same conversations, in memory otherwise. Rasa's own
  ``RedisLockStore`` issues tickets by read-modify-write, so two replicas can draw the
  same ticket and handle one conversation at once; here every change of a lock is one
  Redis transaction (WATCH/MULTI/EXEC, retried on conflict). Tickets name the process
  that drew them, which keeps a heartbeat key alive: a replica killed while holding a
  conversation's lock blocks it for about 5 s, not the ticket lifetime (60 s).

Imported only by the Rasa server (this module imports Rasa).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections import deque
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TypeVar

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from bot.settings import get_settings
from bot.storage.engine import make_engine

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ConversationTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store at the URL the settings give.

    Args:
        domain: the assistant's domain (Rasa passes it).
        host: ignored; the URL comes from ``Settings.tracker_store_url``.
        event_broker: Rasa's event broker, if any.
        url: a SQLAlchemy URL that overrides the settings (tests).
    """

    engine: Engine

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None,
                 **kwargs: Any) -> None:
        parsed = make_url(url or get_settings().tracker_store_url)
        sqlite = parsed.drivername.startswith("sqlite")
        if sqlite and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            domain=domain, dialect=parsed.drivername, host=parsed.host, port=parsed.port,
            db=parsed.database or "", username=parsed.username, password=parsed.password,
            event_broker=event_broker, query=dict(parsed.query) or None, **kwargs)
        self._ping_before_use()
        if sqlite:
            _wait_on_sqlite_locks(self.engine)

    def _ping_before_use(self) -> None:
        """Replaces Rasa's engine by the same one with ``pool_pre_ping``.

        Rasa creates its engine without it, so after a PostgreSQL restart (or a
        connection cut by a proxy or an idle timeout) the first query of every pooled
        connection failed, and with it a user's turn. Now each connection taken from the
        pool is tested first (``SELECT 1``) and replaced if dead. Same URL and the same
        pool options as Rasa's (``create_engine_kwargs``). A SQLite file gets the
        product's engine (``make_engine``): a kept pool of connections instead of
        SQLAlchemy 1.4's new connection, and pragmas, for every session.
        """
        stale = self.engine
        if stale.url.drivername.startswith("sqlite") and stale.url.database not in (
                None, "", ":memory:"):
            self.engine = make_engine(stale.url.render_as_string(hide_password=False))
        else:
            self.engine = create_engine(stale.url, pool_pre_ping=True,
                                        **create_engine_kwargs(stale.url))
        self.sessionmaker.configure(bind=self.engine)
        stale.dispose()


def fail_loudly(agent: Any) -> None:
    """Removes the in-memory fallback Rasa's agent puts around every tracker store.

    ``FailSafeTrackerStore`` answers a database error by keeping the conversation in
    memory and replying as if nothing happened: the turn, and the form or language it
    changed, are then gone once the database is back (seen with PostgreSQL killed in
    ``bench/faults.py``). Without it the error reaches the help-center channel, which
    answers 503, and the widget sends the message again.

    Args:
        agent: Rasa's loaded agent (``app.ctx.agent``); changed in place.
    """
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        agent.tracker_store = store._tracker_store
        if getattr(agent, "processor", None) is not None:
            agent.processor.tracker_store = store._tracker_store


def _wait_on_sqlite_locks(engine: Any) -> None:
    # The web process and the tests read the same file: wait for a writer instead of
    # failing with "database is locked", and let readers run beside it (WAL).
    def configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    event.listen(engine, "connect", configure)
    engine.dispose()  # the connection opened by create_all predates the listener


# An owner (a lock-store instance: one per Rasa process) refreshes its heartbeat key
# every HEARTBEAT_INTERVAL_S; the key lives HEARTBEAT_TTL_S. A ticket whose owner's key is
# gone belongs to a process that died (kill -9, crash, lost machine): it is dropped, so the
# conversation waits seconds for it, not the ticket lifetime (Rasa's 60 s). The margin of
# three missed beats covers a busy process: the beat runs on its own thread, not on the
# event loop, which Rasa blocks with synchronous work (SQL tracker store, NLU).
HEARTBEAT_TTL_S = 5.0
HEARTBEAT_INTERVAL_S = 1.5


class OwnedTicket(Ticket):
    """Rasa's ticket, with the id of the lock-store instance that drew it."""

    def __init__(self, number: int, expires: float, owner: Optional[str] = None) -> None:
        super().__init__(number, expires)
        self.owner = owner

    def as_dict(self) -> Dict[str, Any]:
        """Rasa's fields, and ``owner`` when known (Rasa's own store ignores it)."""
        data = super().as_dict()
        if self.owner:
            data["owner"] = self.owner
        return data

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> OwnedTicket:
        """Reads a ticket; one written by Rasa's own store has no owner."""
        owner = data.get("owner")
        return cls(number=data["number"], expires=data["expires"],
                   owner=owner if isinstance(owner, str) else None)


def _load_lock(raw: Optional[bytes], conversation_id: str) -> TicketLock:
    """The stored lock with its tickets' owners (a new empty lock if there is none)."""
    if not raw:
        return TicketLock(conversation_id)
    data = json.loads(raw)
    tickets = [OwnedTicket.from_dict(json.loads(t)) for t in data.get("tickets", [])]
    return TicketLock(data.get("conversation_id") or conversation_id, deque(tickets))


def _owner_of(ticket: Ticket) -> Optional[str]:
    return getattr(ticket, "owner", None)


class _Heartbeat:
    """Keeps one Redis key alive while this process runs, from a daemon thread.

    A thread and not an asyncio task: Rasa runs synchronous work on its event loop
    (the SQL tracker store, NLU), and a loop blocked longer than the key's lifetime
    would let other replicas take the conversation this process is still handling.
    The thread dies with the process, which is the point.
    """

    def __init__(self, red: Any, key: str, ttl: float, interval: float) -> None:
        self.red, self.key, self.ttl, self.interval = red, key, ttl, interval
        self.value = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._guard = threading.Lock()

    @property
    def ttl_ms(self) -> int:
        """The key's lifetime, in Redis's milliseconds."""
        return max(1, int(self.ttl * 1000))

    def ensure_running(self) -> None:
        """Starts the beating thread unless it runs."""
        with self._guard:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                            name="lock-store-heartbeat", daemon=True)
            self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """Stops beating; the key expires after its lifetime, as if the process died."""
        with self._guard:
            self._stop.set()
            thread, self._thread = self._thread, None
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 5)

    def _run(self, stop: threading.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                self.red.set(self.key, self.value, px=self.ttl_ms)
                if failing:
                    logger.info("lock-store heartbeat %s restored", self.key)
                failing = False
            except Exception as error:  # Redis down or slow: keep trying, log once
                if not failing:
                    logger.warning("lock-store heartbeat %s failed (%s); other replicas "
                                   "drop this process's tickets if it lasts %.0f s",
                                   self.key, error, self.ttl)
                failing = True
            stop.wait(self.interval)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, with every ticket change atomic across processes.

    Each instance (one per Rasa process) has an owner id, written into the tickets it
    issues, and a heartbeat key in Redis (``HEARTBEAT_TTL_S``) that a background
    thread refreshes from the first ticket on. Every lock change first drops the tickets
    of other owners whose heartbeat is gone: a process killed while holding (or waiting
    for) a conversation's lock blocks it for seconds, not until the ticket lifetime. A
    ticket without an owner (Rasa's own store, an older release) only expires.

    Args:
        heartbeat_ttl: seconds the heartbeat key lives without a refresh.
        heartbeat_interval: seconds between refreshes (well below ``heartbeat_ttl``).
        *args, **kwargs: Rasa's ``RedisLockStore`` arguments.
    """

    def __init__(self, *args: Any, heartbeat_ttl: float = HEARTBEAT_TTL_S,
                 heartbeat_interval: float = HEARTBEAT_INTERVAL_S, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not 0 < heartbeat_interval < heartbeat_ttl:
            raise ValueError("the heartbeat interval must be shorter than its lifetime")
        self.heartbeat_ttl, self.heartbeat_interval = heartbeat_ttl, heartbeat_interval
        self._owner_prefix = self.key_prefix.rstrip(":") + "-owner:"
        self._new_owner()

    def _new_owner(self) -> None:
        self._pid = os.getpid()
        self.owner_id = uuid.uuid4().hex
        self._heartbeat = _Heartbeat(self.red, self._owner_key(self.owner_id),
                                     self.heartbeat_ttl, self.heartbeat_interval)
        # A store nobody uses any more (tests, a replaced store) stops beating.
        weakref.finalize(self, self._heartbeat.stop, False)

    def _owner_key(self, owner: str) -> str:
        return self._owner_prefix + owner

    def _current_owner(self) -> _Heartbeat:
        # A forked child is another process: its own id and heartbeat, not the parent's.
        if os.getpid() != self._pid:
            self._new_owner()
        return self._heartbeat

    def stop_heartbeat(self) -> None:
        """Stops refreshing this instance's heartbeat (shutdown; tests of a crash).

        Its tickets are dropped by the others once the key expires. The next
        ``issue_ticket`` starts the heartbeat again.
        """
        self._heartbeat.stop()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        """The conversation's lock, with the tickets' owners; None if there is none."""
        raw = self.red.get(self.key_prefix + conversation_id)
        return _load_lock(raw, conversation_id) if raw else None

    def _drop_dead_owners(self, pipe: Any, lock: TicketLock) -> None:
        """Removes the tickets of other owners whose heartbeat key is gone.

        The heartbeat keys are watched with the lock, so an owner that beats between
        this read and the write makes Redis retry the transaction and keep its ticket.
        """
        lock.remove_expired_tickets()
        owners = sorted({owner for owner in map(_owner_of, lock.tickets)
                         if owner and owner != self.owner_id})
        if not owners:
            return
        keys = [self._owner_key(owner) for owner in owners]
        pipe.watch(*keys)
        dead = {owner for owner, beat in zip(owners, pipe.mget(keys), strict=True)
                if beat is None}
        for ticket in list(lock.tickets):
            if _owner_of(ticket) in dead:
                lock.tickets.remove(ticket)
                logger.warning("dropped ticket %s of conversation %s: its owner %s stopped "
                               "beating (a replica died)", ticket.number,
                               lock.conversation_id, _owner_of(ticket))

    def _atomically(self, conversation_id: str, change: Callable[[TicketLock], T],
                    beat: bool = False) -> T:
        """Applies ``change`` to the stored lock and saves it, as one Redis transaction.

        ``change`` gets the current lock (a new empty one if there is none), without
        expired tickets or tickets of dead owners, and may modify it; a lock left
        without tickets is deleted. With ``beat``, this instance's heartbeat key is
        written in the same transaction (a ticket is never visible before it). Redis
        retries the whole transaction when another process changed the lock, or an
        owner's heartbeat, in between.
        """
        key = self.key_prefix + conversation_id
        heartbeat = self._current_owner()
        outcome: List[T] = []

        def transaction(pipe: Any) -> None:
            lock = _load_lock(pipe.get(key), conversation_id)
            self._drop_dead_owners(pipe, lock)
            result = change(lock)
            pipe.multi()
            if beat:
                pipe.set(heartbeat.key, heartbeat.value, px=heartbeat.ttl_ms)
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            outcome[:] = [result]

        self.red.transaction(transaction, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        """Issues the next ticket of the conversation's lock, owned by this instance.

        Raises:
            LockError: Redis failed.
        """
        def issue(lock: TicketLock) -> int:
            # TicketLock.issue_ticket, with the owner recorded on the ticket.
            lock.remove_expired_tickets()
            number = lock.last_issued + 1
            lock.tickets.append(OwnedTicket(number, time.time() + lock_lifetime,
                                            self.owner_id))
            return number

        try:
            number = self._atomically(conversation_id, issue, beat=True)
            self._heartbeat.ensure_running()
            return number
        except Exception as error:  # Rasa's contract: every failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Removes expired tickets and those of dead owners (waiters call it)."""
        self._atomically(conversation_id, lambda lock: None)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Removes a served ticket of this instance (or one without an owner).

        A ticket of another owner with that number is left alone: ticket numbers start
        again at 0 once a lock is empty, so after this instance's ticket was dropped
        (its heartbeat lapsed) the number may belong to someone else's.
        """
        def release(lock: TicketLock) -> None:
            for ticket in list(lock.tickets):
                if ticket.number == ticket_number and _owner_of(ticket) in (
                        None, self.owner_id):
                    lock.tickets.remove(ticket)

        self._atomically(conversation_id, release)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the served ticket; the lock goes with its last ticket."""
        self.finish_serving(conversation_id, ticket_number)

class ConversationLockStore(LockStore):
    """The lock store the settings ask for: Redis (several replicas) or in memory.

    Args:
        endpoint_config: Rasa's ``lock_store`` entry (unused; the settings decide).
        url: a ``redis://host:port/db`` URL that overrides the settings (tests).
    """

    def __init__(self, endpoint_config: Any = None, url: Optional[str] = None) -> None:
        url = url if url is not None else get_settings().lock_store_url
        self.backend: LockStore
        if url:
            parsed = make_url(url)
            self.backend = AtomicRedisLockStore(
                host=parsed.host or "127.0.0.1", port=parsed.port or 6379,
                db=int(parsed.database or 1), username=parsed.username,
                password=parsed.password, key_prefix="helpbot")
        else:
            self.backend = InMemoryLockStore()
        logger.info("lock store: %s", type(self.backend).__name__)
        super().__init__()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        """The conversation's lock, if any."""
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        """Deletes the conversation's lock."""
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Saves a lock."""
        self.backend.save_lock(lock)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        """Issues the next ticket (atomically on Redis)."""
        return self.backend.issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        """Removes expired tickets."""
        self.backend.update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Removes a served ticket."""
        self.backend.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes a served ticket, and the lock when nobody waits.

        Never raises: it runs after the message was handled and saved, and an error
        here would make the channel answer 503, so the widget would send the message
        a second time. A ticket left behind expires after its lifetime (60 s).
        """
        try:
            self.backend.cleanup(conversation_id, ticket_number)
        except Exception:
            logger.warning("could not release the lock of %s; it expires by itself",
                           conversation_id, exc_info=True)
