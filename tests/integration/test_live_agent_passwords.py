"""Agent logins on real databases upgrade legacy PBKDF2 hashes to Argon2id.

Runs against SQLite and against PostgreSQL (a throwaway server from the machine's
binaries), through the service and through the HTTP API.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.live_agent.api import create_app
from bot.live_agent.models import Agent, AgentSession
from bot.live_agent.passwords import needs_rehash, verify_password
from bot.live_agent.service import LiveAgentService
from tests.integration.live_agent_db import live_agent_database

TOKEN = "service-token-for-tests-0123456789abcdef"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)

# One legacy agent per supported language, with a password in that language.
LEGACY_AGENTS = {
    "legacy-ru": "пароль-Ёж",
    "legacy-nb": "blåbærsyltetøy",
    "legacy-fr": "mot-de-passe-été",
    "legacy-it": "parola-città",
    "legacy-en": "correct horse",
}


def legacy_hash(password: str, iterations: int) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>``, as the old implementation stored it."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join(["pbkdf2_sha256", str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path):
    with live_agent_database(request, tmp_path) as factory:
        with factory() as session:
            for agent_id, password in LEGACY_AGENTS.items():
                # The production count for one agent; fewer for the others, to keep tests fast.
                iterations = 200_000 if agent_id == "legacy-en" else 1000
                session.add(Agent(id=agent_id, name=agent_id,
                                  password_hash=legacy_hash(password, iterations),
                                  languages=agent_id.split("-")[1], online=True))
            session.commit()
        yield factory


@pytest.fixture()
def service(factory):
    return LiveAgentService(factory, lambda: NOW)


def stored_hash(factory, agent_id: str) -> str:
    with factory() as session:
        return session.get(Agent, agent_id).password_hash


def session_count(factory) -> int:
    with factory() as session:
        return session.execute(select(func.count()).select_from(AgentSession)).scalar_one()


@pytest.mark.parametrize("agent_id", sorted(LEGACY_AGENTS))
def test_legacy_password_login_upgrades_the_hash_to_argon2id(service, factory, agent_id):
    password = LEGACY_AGENTS[agent_id]
    assert stored_hash(factory, agent_id).startswith("pbkdf2_sha256$")

    token = service.login(agent_id, password)

    assert token and service.agent_for_session(token)["id"] == agent_id
    upgraded = stored_hash(factory, agent_id)
    assert upgraded.startswith("$argon2id$")
    assert verify_password(password, upgraded) and not needs_rehash(upgraded)
    # The upgraded hash logs in, and a current hash is left as it is.
    again = service.login(agent_id, password)
    assert again and again != token
    assert stored_hash(factory, agent_id) == upgraded
    assert service.login(agent_id, password + "!") is None


WRONG_ATTEMPTS = [
    "", "пароль-ёж", "blabaersyltetoy", "mot-de-passe-ete", "parola-citta", "correct horse ",
    "CORRECT HORSE", "marco-demo-password", "\ud800", None, 42, b"correct horse",
]
CORRUPT_HASHES = [
    "", "argon2", "$argon2id$", "pbkdf2_sha256$x$y$z", "random text",
    "pbkdf2_sha256$99999999999999999999$AAAA$AAAA",
]


def test_failed_login_leaves_the_legacy_hash_untouched(service, factory):
    before = {agent_id: stored_hash(factory, agent_id) for agent_id in LEGACY_AGENTS}

    for attempt in WRONG_ATTEMPTS:
        for agent_id in LEGACY_AGENTS:
            assert service.login(agent_id, attempt) is None, (agent_id, attempt)
    assert service.login("nobody", "correct horse") is None

    assert {agent_id: stored_hash(factory, agent_id) for agent_id in LEGACY_AGENTS} == before
    assert all(stored.startswith("pbkdf2_sha256$") for stored in before.values())
    assert session_count(factory) == 0


def test_login_against_a_corrupt_hash_fails_and_changes_nothing(service, factory):
    for stored in CORRUPT_HASHES:
        with factory() as session:
            session.get(Agent, "legacy-en").password_hash = stored
            session.commit()

        assert service.login("legacy-en", "correct horse") is None, stored
        assert stored_hash(factory, "legacy-en") == stored
    assert session_count(factory) == 0


def test_argon2id_with_outdated_parameters_is_upgraded_at_login(service, factory):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("parola-città")
    with factory() as session:
        session.get(Agent, "legacy-it").password_hash = weak
        session.commit()

    assert service.login("legacy-it", "parola-città")
    upgraded = stored_hash(factory, "legacy-it")
    assert upgraded != weak and upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_new_hash_commits_with_the_session_or_not_at_all(factory):
    def broken_clock():
        raise RuntimeError("the clock failed after the password was checked")

    service = LiveAgentService(factory, broken_clock)
    legacy = stored_hash(factory, "legacy-fr")
    with pytest.raises(RuntimeError):
        service.login("legacy-fr", "mot-de-passe-été")
    assert stored_hash(factory, "legacy-fr") == legacy
    assert session_count(factory) == 0


def test_seeded_demo_agents_get_argon2id_hashes(service, factory):
    for agent_id in ("alice", "marco"):
        assert stored_hash(factory, agent_id).startswith("$argon2id$")
        assert service.login(agent_id, f"{agent_id}-demo-password")


def test_api_login_with_a_legacy_hash_upgrades_it(service, factory):
    api = TestClient(create_app(service, TOKEN))
    wrong = api.post("/api/login", json={"agent_id": "legacy-nb", "password": "blabaer"})
    assert wrong.status_code == 401
    assert stored_hash(factory, "legacy-nb").startswith("pbkdf2_sha256$")

    response = api.post("/api/login",
                        json={"agent_id": "legacy-nb", "password": "blåbærsyltetøy"})
    assert response.status_code == 200, response.text
    assert api.get("/api/me").json()["id"] == "legacy-nb"
    assert stored_hash(factory, "legacy-nb").startswith("$argon2id$")

    api.post("/api/logout")
    again = api.post("/api/login", json={"agent_id": "legacy-nb", "password": "blåbærsyltetøy"})
    assert again.status_code == 200, again.text
