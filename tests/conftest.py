"""Shared fixtures and paths."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = PROJECT_ROOT / "models" / "helpbot.tar.gz"
LANGUAGES = ("ru", "nb", "fr", "it", "en")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_configure(config):
    """``HELPBOT_TEST_DATE=2099-06-30`` runs the whole session on that date.

    ``make test`` runs the unit tests a second time far in the future, so that a test
    that silently depends on today's date fails now rather than on some later day.
    """
    date = os.environ.get("HELPBOT_TEST_DATE")
    if date:
        import time_machine

        traveller = time_machine.travel(date, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make test` trains before running pytest."""
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run the tests with `make test`")
    return MODEL_PATH


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TEST_SECRET = "tests-only-secret-0123456789-abcdefghijklmnop"


@pytest.fixture()
def demo_database(tmp_path):
    """A migrated SQLite file with the demo accounts, wired into the composition root."""
    from sqlalchemy.orm import sessionmaker

    from bot import composition
    from bot.accounts.demo import seed_accounts
    from bot.storage.engine import make_engine, upgrade
    from bot.storage.unit_of_work import UnitOfWork

    engine = make_engine(f"sqlite:///{tmp_path / 'helpbot.db'}")
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    with UnitOfWork(factory) as uow:
        seed_accounts(uow.accounts)
    composition.override("session_factory", factory)
    composition.override("identity_secret", TEST_SECRET)
    yield factory
    composition.override("session_factory", None)
    composition.override("identity_secret", None)
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server for the whole session (started from the machine's binaries)."""
    from tests.postgres import postgres_server

    try:
        server = postgres_server()
        url = next(server)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"PostgreSQL is not available here: {error}")
    yield url
    next(server, None)


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server for the whole session (Debian's redis-server; `make test` installs it).

    Not skipped when missing: the lock store of several replicas must be tested.
    """
    from tests.redis_server import redis_server

    server = redis_server()
    yield next(server)
    next(server, None)


@pytest.fixture()
def live_agent(demo_database):
    """A fake live-agent service in the composition root, over the demo accounts."""
    from bot import composition
    from tests.fakes import FakeLiveAgent

    service = FakeLiveAgent()
    composition.override("live_agent_client", service)
    yield service
    composition.override("live_agent_client", None)
