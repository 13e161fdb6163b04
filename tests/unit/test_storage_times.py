"""Every stored moment is UTC: a time zone given with a value is never dropped.

SQLite keeps no offset, so a plain ``DateTime(timezone=True)`` column stored a Moscow
deadline as if it were UTC (3 hours late). ``UTCDateTime`` converts on the way in.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta, timezone
from typing import List
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select

from bot.storage.engine import UTCDateTime, make_engine

# Every module that declares tables (both declarative bases).
MODEL_MODULES = ("bot.accounts.store", "bot.accounts.conversations", "bot.handoff.records",
                 "bot.knowledge.feedback", "bot.web.form_submissions", "bot.studio.editors",
                 "bot.reporting.models", "bot.live_agent.models")


def plain_datetime_columns() -> List[str]:
    from bot.live_agent.models import LiveAgentBase
    from bot.storage.engine import Base

    for module in MODEL_MODULES:
        importlib.import_module(module)
    return [f"{table.name}.{column.name}"
            for metadata in (Base.metadata, LiveAgentBase.metadata)
            for table in metadata.tables.values() for column in table.columns
            if isinstance(column.type, DateTime)]


def test_no_table_stores_a_moment_without_its_offset():
    assert plain_datetime_columns() == []


def test_the_check_finds_a_plain_datetime_column():
    from bot.storage.engine import Base

    table = Table("probe_plain_datetime", Base.metadata,
                  Column("id", Integer, primary_key=True), Column("at", DateTime(timezone=True)))
    try:
        assert plain_datetime_columns() == ["probe_plain_datetime.at"]
    finally:
        Base.metadata.remove(table)


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Oslo", "Europe/Paris",
                                  "Europe/Rome", "Europe/London"])
def test_a_moment_reads_back_as_the_same_instant_in_utc(zone, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'times.db'}")
    table = Table("times", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    moment = datetime(2026, 12, 1, 10, 23, tzinfo=ZoneInfo(zone))
    with engine.begin() as connection:
        connection.execute(insert(table).values(id=1, at=moment))
        stored = connection.execute(select(table.c.at)).scalar_one()
        # Compared in SQL too: the deadline one minute before is earlier.
        earlier = connection.execute(select(table.c.id).where(
            table.c.at > moment - timedelta(minutes=1))).scalar_one()
    assert stored == moment and stored.tzinfo == timezone.utc and earlier == 1


def test_a_naive_moment_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'times.db'}")
    table = Table("times", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    with pytest.raises(Exception, match="naive datetime"):
        with engine.begin() as connection:
            connection.execute(insert(table).values(id=1, at=datetime(2026, 12, 1, 10, 23)))
