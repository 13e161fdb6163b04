"""The running product, started once for every end-to-end test."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections import defaultdict

import pytest
from rasa.shared.core.domain import Domain

from bot.messages import catalogue
from bot.settings import Settings
from tests.conftest import PROJECT_ROOT, free_port


@pytest.fixture(scope="session")
def product(trained_model, tmp_path_factory):
    """Runs `python -m bot run`, as `make run` does, and stops it with Ctrl-C (SIGINT)."""
    var_dir = tmp_path_factory.mktemp("var")
    env = dict(os.environ, HELPBOT_RASA_PORT=str(free_port()),
               HELPBOT_ACTIONS_PORT=str(free_port()), HELPBOT_VAR_DIR=str(var_dir),
               HELPBOT_MODEL_PATH=str(trained_model))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if "Press Ctrl-C to stop." in line or line.startswith("error:"):
            break
    assert "helpbot is running" in "".join(output), "".join(output)
    settings = Settings(rasa_port=int(env["HELPBOT_RASA_PORT"]),
                        actions_port=int(env["HELPBOT_ACTIONS_PORT"]), var_dir=var_dir)
    yield settings
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    for port in (settings.rasa_port, settings.actions_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"


@pytest.fixture(scope="session")
def texts_by_language():
    """Every text the bot can send, per language, as patterns ({field} matches anything)."""
    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    found = defaultdict(set)
    for variants in domain.responses.values():
        for variant in variants:
            found[variant["condition"][0]["value"]].add(variant["text"])
    for by_language in catalogue().values():
        for language, variants in by_language.items():
            found[language].update(v["text"] for v in variants)
    return {
        language: [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(t)), re.DOTALL)
                   for t in texts]
        for language, texts in found.items()
    }
