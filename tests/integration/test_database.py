"""Migrations, demo data and repositories on real databases: SQLite, and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.accounts.demo import DemoDataError, load_demo_accounts, seed_accounts
from bot.storage.engine import (
    SchemaOutOfDate,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    require_current_schema,
    upgrade,
)
from bot.storage.unit_of_work import UnitOfWork

DEMO_USERS = {
    "u-free": ("basic", "standard", "owner", "US", "en"),
    "u-pro-admin": ("pro", "standard", "owner", "NO", "nb"),
    "u-pro-member": ("pro", "standard", "member", "NO", "nb"),
    "u-biz-admin": ("business", "standard", "admin", "FR", "fr"),
    "u-edu-admin": ("education", "standard", "admin", "IT", "it"),
    "u-ent-admin": ("enterprise", "premier", "admin", "GB", "en"),
    "u-ent-member": ("enterprise", "premier", "member", "GB", "en"),
    "u-api-owner": ("api", "standard", "owner", "JP", "en"),
    "u-ent-plus": ("enterprise", "premier_plus", "owner", "SG", "ru"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'helpbot.db'}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:  # a clean schema for every test
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_migrations_create_the_schema_and_seed_the_demo_users(database_url):
    engine = make_engine(database_url)
    with pytest.raises(SchemaOutOfDate, match="python -m bot db upgrade"):
        require_current_schema(engine)
    upgrade(engine)
    require_current_schema(engine)
    assert current_revision(engine) == head_revision()
    assert {"accounts", "users", "kb_feedback", "conversation_owners"} <= set(
        inspect(engine).get_table_names())
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    for _ in range(2):  # seeding twice changes nothing
        with UnitOfWork(factory) as uow:
            assert seed_accounts(uow.accounts) == 9
    with UnitOfWork(factory) as uow:
        for user_id, (plan, tier, role, country, lang) in DEMO_USERS.items():
            user = uow.accounts.user_account(user_id)
            assert (user.plan, user.support_tier, user.role, user.country, user.language) == (
                plan, tier, role, country, lang)
        assert uow.accounts.user_account("u-nobody") is None
    engine.dispose()


def test_database_constraints_refuse_impossible_plans(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True)
    with pytest.raises(IntegrityError):
        with UnitOfWork(factory) as uow:
            uow.accounts.upsert_account(id="a", name="A", plan="platinum",
                                        support_tier="standard", country="US")
    engine.dispose()


def test_conversation_ownership_is_exclusive(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True)
    with UnitOfWork(factory) as uow:
        assert uow.conversations.claim("conv", "u-free")
    with UnitOfWork(factory) as uow:
        assert uow.conversations.claim("conv", "u-free")
    with UnitOfWork(factory) as uow:
        assert not uow.conversations.claim("conv", "u-ent-plus")
    engine.dispose()


def test_downgrade_and_upgrade_again(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    downgrade(engine, "0001_initial")
    assert "accounts" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    from bot.knowledge.feedback import KBFeedback
    from bot.storage.engine import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    Base.metadata.create_all(engine, tables=[KBFeedback.__table__])
    factory = sessionmaker(bind=engine, future=True)
    with UnitOfWork(factory) as uow:
        uow.feedback.add(KBFeedback(article_id="a", lang="en", question="q", helpful=True))
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with UnitOfWork(factory) as uow:
        assert len(uow.feedback.for_article("a")) == 1  # the old votes are kept
    engine.dispose()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("accounts: []", r"accounts: needs at least 1 entry, has 0"),
        ("accounts:\n  - {id: a, name: A, plan: gold, support_tier: standard, country: US,"
         " users: [{id: u, name: U, email: e, role: owner, language: en}]}",
         r"accounts\[0\]\.plan: 'gold' is not one of"),
        ("accounts:\n  - {id: a, name: A, plan: pro, support_tier: standard, country: usa,"
         " users: [{id: u, name: U, email: e, role: owner, language: en}]}", "country"),
        ("accounts:\n  - {id: a, name: A, plan: pro, support_tier: standard, country: US,"
         " users: [{id: u, name: U, email: e, role: boss, language: en}]}",
         r"accounts\[0\]\.users\[0\]\.role: 'boss'"),
        ("accounts:\n  - {id: a, name: A, plan: pro, support_tier: standard, country: US,"
         " users: [{id: u, name: U, email: e, role: owner, language: de}]}", "language"),
    ],
)
def test_broken_demo_data_names_the_file_and_entry(tmp_path, broken, message):
    path = tmp_path / "accounts.yml"
    path.write_text(broken)
    with pytest.raises(DemoDataError, match=message) as error:
        load_demo_accounts(path)
    assert str(path) in str(error.value)


def test_an_engine_keeps_its_connections_between_sessions(database_url):
    """A pooled engine: every session does not open a new connection (and its pragmas).

    SQLAlchemy 1.4 gives a SQLite file NullPool; under load that reconnecting was 7% of
    Rasa's CPU per turn. Two sessions, one after the other, must share one connection.
    """
    engine = make_engine(database_url)
    seen = []
    for _ in range(2):
        with engine.connect() as connection:
            seen.append(connection.connection.dbapi_connection)
            assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    assert seen[0] is seen[1]
