"""A migrated live-agent database on SQLite or PostgreSQL, demo agents seeded, for fixtures."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.live_agent.database import seed_agents, upgrade
from bot.storage.engine import make_engine


@contextmanager
def live_agent_database(request: Any, tmp_path: Path) -> Iterator[Callable[[], Session]]:
    """Yields a session factory; ``request.param`` is "sqlite" or "postgresql"."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        cleaner = make_engine(url)
        with cleaner.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        cleaner.dispose()
    engine = make_engine(url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    with factory() as session:
        seed_agents(session)
    try:
        yield factory
    finally:
        engine.dispose()
