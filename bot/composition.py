"""The composition root: builds engines, session factories and the KB searcher lazily.

Nothing heavy happens at import time; each piece is created on first use and shared.
Tests replace pieces with fakes through ``override``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import get_settings

if TYPE_CHECKING:  # the real types, for mypy; imported lazily at run time
    from bot.escalation.priority_classifier import PriorityClassifier
    from bot.handoff.live_agent_client import LiveAgentClient
    from bot.storage.unit_of_work import UnitOfWork
    from kb_index.search import Searcher

_overrides: Dict[str, Any] = {}


def override(name: str, value: Any) -> None:
    """Replaces a component (tests use fakes); ``None`` restores the real one."""
    if value is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = value


@lru_cache(maxsize=1)
def _engine() -> Engine:
    from bot.storage.engine import make_engine, require_current_schema

    engine = make_engine(get_settings().database_url)
    # `python -m bot db upgrade` migrates; a process never runs on an old schema.
    require_current_schema(engine)
    return engine


def session_factory() -> Callable[[], Session]:
    """Returns the factory of database sessions."""
    if "session_factory" in _overrides:
        return _overrides["session_factory"]
    return sessionmaker(bind=_engine(), future=True, expire_on_commit=False)


def unit_of_work() -> UnitOfWork:
    """Returns a new unit of work over the database (see ``bot.storage.unit_of_work``)."""
    from bot.storage.unit_of_work import UnitOfWork

    return UnitOfWork(session_factory())


def identity_secret() -> str:
    """The secret that signs help-center tokens and the identity in message metadata."""
    if "identity_secret" in _overrides:
        return _overrides["identity_secret"]
    return get_settings().jwt_secret


def clock() -> datetime:
    """The current time (UTC, timezone-aware); tests freeze it."""
    if "clock" in _overrides:
        return _overrides["clock"]()
    return datetime.now(timezone.utc)


def priority_classifier() -> PriorityClassifier:
    """The P1-P4 classifier, fitted on first use (cached under var/)."""
    if "priority_classifier" in _overrides:
        return _overrides["priority_classifier"]
    from bot.escalation.priority_classifier import trained_classifier

    return trained_classifier(get_settings().var_dir / "priority-classifier.npz")


def live_agent_client() -> LiveAgentClient:
    """The live-agent service's client (service token, short timeout)."""
    if "live_agent_client" in _overrides:
        return _overrides["live_agent_client"]
    from bot.handoff.live_agent_client import LiveAgentClient

    settings = get_settings()
    return LiveAgentClient(settings.web_url, settings.service_token, timeout=3.0)


def kb_searcher() -> Searcher:
    """Returns the KB searcher (reloads rebuilt indexes by itself)."""
    if "kb_searcher" in _overrides:
        return _overrides["kb_searcher"]
    from kb_index.search import default_searcher

    searcher = default_searcher()
    build_dir = get_settings().kb_build_dir
    if searcher.build_dir.resolve() != build_dir.resolve():
        # Another index than the package's (a test's, or the studio's loop test).
        searcher = _searcher_for(build_dir)
    return searcher


@lru_cache(maxsize=4)
def _searcher_for(build_dir: Path) -> Searcher:
    from kb_index.search import Searcher

    return Searcher(build_dir)


def site_kb_searcher() -> Searcher:
    """The KB searcher of the web process, which never loads the embedding model.

    Its index has no ``embed_query``: a search uses the vector the caller got from the
    assistant (``bot.web.site_search``), or ranks lexically without one. Tests override
    it as ``site_kb_searcher``.
    """
    if "site_kb_searcher" in _overrides:
        return _overrides["site_kb_searcher"]
    return _searcher_without_embedding(get_settings().kb_build_dir)


@lru_cache(maxsize=4)
def _searcher_without_embedding(build_dir: Path) -> Searcher:
    from kb_index.search import Searcher

    return Searcher(build_dir, embed_query=None)
