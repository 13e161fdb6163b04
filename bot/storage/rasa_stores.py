"""Where Rasa keeps conversations (tracker store) and who may change one (lock store).

``endpoints.yml`` names the two classes below; both read ``bot.settings``, so one set of
database settings serves the whole product:

- ``ConversationTrackerStore``: Rasa's SQL tracker store at ``HELPBOT_TRACKER_STORE_URL``
  (default ``var/conversations.db`` with SQLite, otherwise the product's PostgreSQL
  database). A conversation survives a restart or a ``kill -9`` of any process.
- ``ConversationLockStore``: Redis at ``HELPBOT_LOCK_STORE_URL`` when several Rasa
  processes serve the same conversations, in memory otherwise. Rasa's own
  ``RedisLockStore`` issues tickets by read-modify-write, so two replicas can draw the
  same ticket and handle one conversation at once; here every change of a lock is one
  Redis transaction (WATCH/MULTI/EXEC, retried on conflict).

Imported only by the Rasa server (this module imports Rasa).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.settings import get_settings

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
        if sqlite:
            _wait_on_sqlite_locks(self.engine)


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


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, with every ticket change atomic across processes."""

    def _atomically(self, conversation_id: str,
                    change: Callable[[TicketLock], T]) -> T:
        """Applies ``change`` to the stored lock and saves it, as one Redis transaction.

        ``change`` gets the current lock (a new empty one if there is none) and may
        modify it; a lock left without tickets is deleted. Redis retries the whole
        transaction when another process changed the lock in between.
        """
        key = self.key_prefix + conversation_id
        outcome: List[T] = []

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = (TicketLock.from_dict(json.loads(raw)) if raw
                    else TicketLock(conversation_id))
            result = change(lock)
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            outcome[:] = [result]

        self.red.transaction(transaction, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        """Issues the next ticket of the conversation's lock.

        Raises:
            LockError: Redis failed.
        """
        try:
            return self._atomically(conversation_id,
                                    lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as error:  # Rasa's contract: every failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Removes the expired tickets of a conversation's lock."""
        self._atomically(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Removes a served ticket."""
        self._atomically(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

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
