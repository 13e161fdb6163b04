"""`python -m bot db ...` and `python -m bot token ...` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jwt

from tests.conftest import PROJECT_ROOT


def bot(*args, var_dir, **env):
    environment = dict(os.environ, HELPBOT_VAR_DIR=str(var_dir), **env)
    environment.pop("HELPBOT_DATABASE_URL", None)
    environment.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_seed_then_issue_a_token_that_the_channel_accepts(tmp_path):
    seeded = bot("db", "seed", var_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "9 demo users" in seeded.stdout
    issued = bot("token", "u-ent-plus", var_dir=tmp_path)
    assert issued.returncode == 0, issued.stderr
    secret = json.loads((tmp_path / "dev-secrets.json").read_text())["jwt_secret"]
    claims = jwt.decode(issued.stdout.strip(), secret, algorithms=["HS256"])
    assert claims["sub"] == "u-ent-plus" and claims["exp"] > claims["iat"]


def test_unknown_user_gets_a_clear_error(tmp_path):
    bot("db", "seed", var_dir=tmp_path)
    result = bot("token", "u-nobody", var_dir=tmp_path)
    assert result.returncode == 1
    assert "no user 'u-nobody'" in result.stderr and "u-free" in result.stderr


def test_token_before_the_database_exists_says_what_to_do(tmp_path):
    result = bot("token", "u-free", var_dir=tmp_path)
    assert result.returncode != 0
    assert "python -m bot db upgrade" in result.stdout + result.stderr


def test_production_refuses_the_default_secret(tmp_path):
    result = bot("run", var_dir=tmp_path, HELPBOT_ENVIRONMENT="production",
                 HELPBOT_RASA_TOKEN="r" * 40, HELPBOT_SERVICE_TOKEN="s" * 40,
                 HELPBOT_JWT_SECRET="changethis")
    assert result.returncode != 0
    assert "HELPBOT_JWT_SECRET" in result.stdout + result.stderr
