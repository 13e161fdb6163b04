"""The action server serves Rasa's calls while it warms up; only its readiness waits.

Its warm-up (``actions.__main__.warm_up``: every language's normalisers, the answer
model, the P1-P4 classifier) takes 15-25 s here. Run before the server listened, a
crash of the action server during a handoff outlasted Rasa's retries (about 20 s) and
the rating prompt after the resolve was lost (``bench/faults.py``, mode A). Now
``/health`` answers 503 until the warm-up is done, and ``/webhook`` answers at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from tests.conftest import PROJECT_ROOT, free_port


def set_language_call(text: str) -> dict:
    """The smallest call Rasa makes: the language slot's custom mapping."""
    return {"next_action": "action_set_language", "sender_id": "start-test", "version": "3.6.21",
            "domain": {}, "tracker": {
                "sender_id": "start-test", "slots": {}, "events": [], "paused": False,
                "followup_action": None, "active_loop": {}, "latest_action_name": None,
                "latest_message": {"text": text, "intent": {"name": "greet"},
                                   "metadata": {"locale": "nb-NO"}}}}


def test_rasas_calls_are_served_before_the_server_says_ready(tmp_path):
    port = free_port()
    env = {**os.environ, "HELPBOT_VAR_DIR": str(tmp_path / "var")}
    server = subprocess.Popen([sys.executable, "-m", "actions", "--port", str(port)],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    seen = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                health = requests.get(f"{base}/health", timeout=5).status_code
                call = requests.post(f"{base}/webhook", timeout=30,
                                     data=json.dumps(set_language_call("hei")))
            except requests.ConnectionError:
                time.sleep(0.2)
                continue
            seen.append((health, call.status_code))
            if health == 200 or (health == 503 and call.status_code == 200):
                break
            time.sleep(0.2)
    finally:
        server.kill()  # its warm-up thread would hold a graceful exit for up to 25 s
        server.wait(timeout=30)
    assert seen, "the action server never answered"
    assert seen[-1] == (503, 200), f"(health, webhook) as first answered: {seen}"
    assert {"event": "slot", "name": "language", "value": "nb"}.items() <= \
        call.json()["events"][0].items()
