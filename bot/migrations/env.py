"""Alembic environment: runs migrations on the engine handed over by ``bot.db.upgrade``."""

from __future__ import annotations

from alembic import context

from bot import accounts, conversations, feedback, handoff  # noqa: F401  (the tables)
from bot.db import Base, make_engine

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from bot.settings import get_settings

    engine = make_engine(get_settings().database_url)

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
