"""The composition root: builds engines, session factories and the KB searcher lazily.

Nothing heavy happens at import time; each piece is created on first use and shared.
Tests replace pieces with fakes through ``override``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import get_settings

_overrides: Dict[str, Any] = {}


def override(name: str, value: Any) -> None:
    """Replaces a component (tests use fakes); ``None`` restores the real one."""
    if value is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = value


@lru_cache(maxsize=1)
def _engine() -> Engine:
    from bot.feedback import Base

    settings = get_settings()
    url = settings.database_url
    if url.startswith("sqlite:///"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


def session_factory() -> Callable[[], Session]:
    """Returns the factory of database sessions."""
    if "session_factory" in _overrides:
        return _overrides["session_factory"]
    return sessionmaker(bind=_engine(), future=True, expire_on_commit=False)


def kb_searcher() -> Any:
    """Returns the KB searcher (reloads rebuilt indexes by itself)."""
    if "kb_searcher" in _overrides:
        return _overrides["kb_searcher"]
    from kb_index.search import default_searcher

    return default_searcher()
