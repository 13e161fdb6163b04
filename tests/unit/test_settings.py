"""The settings object: environment overrides, generated dev secrets, production refusal."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_ports_and_secrets_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPBOT_RASA_PORT", "6005")
    monkeypatch.setenv("HELPBOT_RASA_TOKEN", "a-long-random-rasa-token")
    settings = Settings(var_dir=tmp_path)
    assert settings.rasa_port == 6005
    assert settings.rasa_token == "a-long-random-rasa-token"
    assert settings.rasa_url == "http://127.0.0.1:6005"


def test_development_generates_secrets_once_and_keeps_them(tmp_path):
    first = Settings(var_dir=tmp_path)
    second = Settings(var_dir=tmp_path)
    assert len(first.rasa_token) >= 32
    assert first.rasa_token == second.rasa_token
    assert first.jwt_secret != first.rasa_token
    stored = json.loads((tmp_path / "dev-secrets.json").read_text())
    assert stored["rasa_token"] == first.rasa_token
    assert oct((tmp_path / "dev-secrets.json").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("weak", ["", "changethis", "secret"])
def test_production_refuses_default_secrets(tmp_path, weak):
    with pytest.raises(ValidationError, match="production mode refuses"):
        Settings(environment="production", var_dir=tmp_path, rasa_token=weak,
                 jwt_secret="j" * 40, service_token="s" * 40)
    assert not (tmp_path / "dev-secrets.json").exists()


def test_production_accepts_real_secrets(tmp_path):
    settings = Settings(environment="production", var_dir=tmp_path, rasa_token="r" * 40,
                        jwt_secret="j" * 40, service_token="s" * 40)
    assert settings.environment == "production"


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ValidationError):
        Settings(environment="staging", var_dir=tmp_path)


PG = "postgresql+psycopg2://helpbot@db/helpbot"
REDIS = "redis://127.0.0.1:6379/1"


@pytest.mark.parametrize(("env", "tracker_store", "problem"), [
    ({}, "sqlite:///{var}/conversations.db", None),
    ({"database_url": PG}, PG, None),
    ({"database_url": PG, "tracker_store_url": "postgresql://other/conv"},
     "postgresql://other/conv", None),
    ({"rasa_replicas": 2, "database_url": PG, "lock_store_url": REDIS}, PG, None),
    ({"rasa_replicas": 2, "lock_store_url": REDIS}, None, "shared tracker store"),
    ({"rasa_replicas": 2, "database_url": PG}, None, "shared lock store"),
    ({"rasa_replicas": 0}, None, "greater than or equal to 1"),
], ids=["sqlite default", "postgres", "own tracker db", "two replicas", "replicas on sqlite",
        "replicas without redis", "no replica"])
def test_conversations_are_stored_where_the_replicas_can_share_them(tmp_path, env,
                                                                   tracker_store, problem):
    if problem:
        with pytest.raises(ValidationError, match=problem):
            Settings(var_dir=tmp_path, **env)
        return
    settings = Settings(var_dir=tmp_path, **env)
    assert settings.tracker_store_url == tracker_store.format(var=tmp_path)


def test_each_replica_gets_its_own_ports_and_action_server(tmp_path):
    from bot.runtime.processes import product_services

    settings = Settings(var_dir=tmp_path, rasa_replicas=2, database_url=PG,
                        lock_store_url=REDIS, rasa_port=7005, actions_port=7055)
    services = {s.name: s for s in product_services(settings)}
    assert sorted(services) == ["actions", "actions-2", "rasa", "rasa-2", "web"]
    assert services["rasa-2"].env == {"HELPBOT_ACTIONS_URL": "http://127.0.0.1:7056/webhook"}
    assert "7006" in services["rasa-2"].command and "7056" in services["actions-2"].command
    assert services["rasa"].health_url == "http://127.0.0.1:7005/webhooks/helpcenter/"


def test_servers_do_math_on_one_thread_unless_told_otherwise(tmp_path, monkeypatch):
    from bot.runtime.processes import service_environment

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    env = service_environment(Settings(var_dir=tmp_path))
    assert (env["OMP_NUM_THREADS"], env["OMP_WAIT_POLICY"]) == ("1", "PASSIVE")
    assert env["OPENBLAS_NUM_THREADS"] == "4"  # an explicit setting wins
