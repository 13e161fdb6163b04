"""Rasa's own checks: data validation with no warnings, and the conversation tests."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("HELPBOT_ACTIONS_URL", "http://127.0.0.1:5055/webhook")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-m", "rasa", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_rasa_data_validate_has_no_warnings():
    result = rasa("data", "validate", "--domain", "domain", "--data", "data/nlu", "data/rules",
                  "data/stories", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "UserWarning" not in output, output[-3000:]


def test_conversation_tests_in_every_language_pass(trained_model, tmp_path):
    result = rasa(
        "test", "core", "--model", str(trained_model), "--stories", "tests",
        "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot",
    )
    output = result.stdout + result.stderr
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else output[-3000:]
    assert result.returncode == 0, details
