"""Database plumbing shared by every table: the declarative base, engines, migrations.

The schema is owned by Alembic (``bot/storage/migrations``). ``python -m bot db upgrade`` (run
by ``make run`` and the test fixtures) brings a database to the latest revision; a
process that finds an older schema refuses to use it rather than fail mid-conversation.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import DateTime, create_engine
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

Base = declarative_base()
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is not at the latest migration."""


def utcnow() -> datetime:
    """Current time, timezone-aware."""
    return datetime.now(timezone.utc)


def as_utc(moment: Any) -> Any:
    """Makes a stored time timezone-aware: SQLite returns naive datetimes, all UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


class UTCDateTime(TypeDecorator):
    """``DateTime(timezone=True)`` that stores every moment as UTC and reads it back aware.

    SQLite keeps no offset: a Moscow time written as is was read back 3 hours late (a
    ticket's deadlines were). A naive value is refused rather than guessed.

    Raises:
        ValueError: on binding a naive datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect
                           ) -> Optional[datetime]:
        """Aware -> the same moment in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Optional[datetime], dialect: Dialect
                             ) -> Optional[datetime]:
        """SQLite's naive value (stored UTC) or PostgreSQL's aware one -> aware UTC."""
        if value is None:
            return None
        return as_utc(value).astimezone(timezone.utc)


def make_engine(url: str) -> Engine:
    """Creates an engine; SQLite gets a parent folder and waits on locks instead of failing."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not url.startswith("sqlite"):
        return create_engine(url, future=True, pool_pre_ping=True)
    if url == "sqlite:///:memory:":
        return create_engine(url, future=True, connect_args={"timeout": 30})
    # SQLAlchemy 1.4 gives a SQLite file NullPool: a new connection, and its pragmas, for
    # every session (7% of Rasa's CPU per turn under load). 2.0's default, a QueuePool,
    # keeps them; a pooled connection is used by one thread at a time.
    return create_engine(url, future=True, poolclass=QueuePool, pool_pre_ping=True,
                         connect_args={"timeout": 30, "check_same_thread": False})


def engine_if_table_exists(url: str, table: str) -> Optional[Engine]:
    """An engine on ``url`` when that database already has ``table``; else None.

    For reading another program's store (Rasa's tracker store): a SQLite file that does
    not exist is not created by asking. The caller disposes of the engine.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if not parsed.database or not Path(parsed.database).exists():
            return None  # connecting would create an empty database file
    engine = create_engine(url)
    if not inspect(engine).has_table(table):
        engine.dispose()
        return None
    return engine


def _alembic_config(engine: Engine, migrations: Path = MIGRATIONS_DIR):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["engine"] = engine
    return config


# A database created before migrations existed already has this revision's tables.
UNVERSIONED_BASELINE = ("0001_initial", "kb_feedback")


def upgrade(engine: Engine, revision: str = "head",
            migrations: Path = MIGRATIONS_DIR) -> None:
    """Migrates the database to ``revision`` (the latest by default).

    ``migrations`` picks another Alembic history (the live-agent service has its own).
    """
    from alembic import command
    from sqlalchemy import inspect

    config = _alembic_config(engine, migrations)
    baseline, table = UNVERSIONED_BASELINE
    adopt = migrations == MIGRATIONS_DIR and current_revision(engine) is None
    if adopt and inspect(engine).has_table(table):
        command.stamp(config, baseline)
    command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Reverts the database to ``revision`` ("base" removes every table)."""
    from alembic import command

    command.downgrade(_alembic_config(engine), revision)


def head_revision() -> str:
    """The latest migration's revision id."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> Optional[str]:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current_schema(engine: Engine) -> None:
    """Raises ``SchemaOutOfDate`` unless the database is at the latest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"database {engine.url.render_as_string(hide_password=True)} is at revision "
            f"{current or 'none'}, expected {head}: run `python -m bot db upgrade`"
        )
