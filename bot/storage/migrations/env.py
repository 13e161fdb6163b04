"""Alembic environment: runs migrations on the engine ``bot.storage.engine.upgrade`` hands over."""

from __future__ import annotations

from alembic import context

from bot.accounts import conversations, store  # noqa: F401  (the tables)
from bot.handoff import records  # noqa: F401
from bot.knowledge import feedback  # noqa: F401
from bot.reporting import models as reporting_models  # noqa: F401
from bot.storage.engine import Base, make_engine
from bot.studio import editors  # noqa: F401
from bot.web import form_submissions  # noqa: F401

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
