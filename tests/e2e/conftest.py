"""The running product, started once for every end-to-end test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from bot.settings import Settings
from tests.conftest import PROJECT_ROOT, free_port
from tests.e2e.helpers import bot_texts_by_language


class Running:
    """The running product's settings (attribute access), and its environment."""

    def __init__(self, settings, env):
        self.settings, self.env = settings, env

    def __getattr__(self, name):
        return getattr(self.settings, name)


def running_product(var_dir, model, **extra_env):
    """Runs `python -m bot run`, as `make run` does; stops it with Ctrl-C (SIGINT)."""
    env = dict(os.environ, HELPBOT_RASA_PORT=str(free_port()),
               HELPBOT_ACTIONS_PORT=str(free_port()), HELPBOT_WEB_PORT=str(free_port()),
               HELPBOT_VAR_DIR=str(var_dir), HELPBOT_MODEL_PATH=str(model), **extra_env)
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
                        actions_port=int(env["HELPBOT_ACTIONS_PORT"]),
                        web_port=int(env["HELPBOT_WEB_PORT"]), var_dir=var_dir)
    yield Running(settings, env)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    ports = [settings.rasa_port, settings.actions_port]
    if env.get("HELPBOT_START_LIVE_AGENT", "true") != "false":
        ports.append(settings.web_port)
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"


@pytest.fixture(scope="session")
def product(trained_model, tmp_path_factory):
    """The whole product, for every end-to-end test."""
    yield from running_product(tmp_path_factory.mktemp("var"), trained_model)


@pytest.fixture(scope="session")
def texts_by_language():
    """Every text the bot can send, per language, as patterns ({field} matches anything)."""
    return bot_texts_by_language(PROJECT_ROOT)
