"""Alembic environment of the live-agent service (its own version table)."""

from __future__ import annotations

from alembic import context

from bot.live_agent.database import VERSION_TABLE
from bot.live_agent.models import LiveAgentBase
from bot.storage.engine import make_engine

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from bot.settings import get_settings

    engine = make_engine(get_settings().live_agent_database_url)

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=LiveAgentBase.metadata,
                      version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
