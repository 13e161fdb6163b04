"""Conversations survive a restart of the product and a ``kill -9`` of any of its processes.

One product is started, conversations are left half-way (a problem report in each
language, a live handoff), the product is stopped and started again on the same
``var/``, and every conversation goes on where it was: same language, same form
question, the agent still holding the handoff. Some users also come back after the
session expired (their events are moved back three hours): the form resumes and the
handoff stays paused. Then Rasa and the action server are
each killed with SIGKILL in the middle of a report; the supervisor restarts them and
the user's next message is answered, in the right language, with nothing lost.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
import requests

from bot.accounts.identity import issue_token
from tests.e2e.conftest import running_product
from tests.e2e.helpers import ADMINS, PHRASES, REPORTS, Chat, assert_language, escalation

pytestmark = pytest.mark.e2e

AGENT = ("marco", "marco-demo-password")  # speaks French
# Nothing typed during a handoff wakes the assistant, not even these.
WAKE_UP_ATTEMPTS = ["/restart", "/session_start", "are you still there?"]


def texts(replies):
    return [r["text"] for r in replies if "text" in r]


def start_report(product, language, answered):
    """A paid admin asks for a person and answers the first ``answered`` questions."""
    chat = Chat(product, token=issue_token(ADMINS[language], product.jwt_secret),
                metadata={"locale": language})
    assert escalation(chat.send(PHRASES[language]["human"]))["decision"] == "handoff"
    for answer in REPORTS[language][:answered]:
        chat.send(answer)
    return chat


def finish_report(chat, language, answered, texts_by_language):
    """The remaining answers get the next questions in ``language``, then the priority."""
    for answer in REPORTS[language][answered:]:
        replies = send_retrying(chat, answer)
        assert_language(texts(replies), language, texts_by_language)
    assert [b["payload"] for b in replies[-1]["buttons"]][0] == "/affirm", replies


def send_retrying(chat, text, timeout=180.0):
    """Sends like a user who presses "retry" while the assistant restarts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = chat.post(text)
            if response.status_code == 200:
                return response.json()
            failure = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as error:
            failure = str(error)
        assert time.monotonic() < deadline, f"no answer to {text!r}: {failure}"
        time.sleep(1.0)


def agent_session(product):
    session = requests.Session()
    response = session.post(f"{product.web_url}/api/login", timeout=10,
                            json={"agent_id": AGENT[0], "password": AGENT[1]})
    assert response.status_code == 200, response.text
    return session


def user_messages(product, agent, ticket_id):
    messages = agent.get(f"{product.web_url}/api/tickets/{ticket_id}/messages",
                         timeout=10).json()
    return [m["text"] for m in messages if m["author"] == "user"]


def idle_for(var_dir, sender, hours):
    """Moves a conversation's events back in time, as if the user had been away."""
    # Rasa reads each event from its JSON; the column is what it filters sessions by.
    with sqlite3.connect(var_dir / "conversations.db") as database:
        database.execute(
            "UPDATE events SET timestamp = timestamp - :shift, data = json_set(data, "
            "'$.timestamp', json_extract(data, '$.timestamp') - :shift) "
            "WHERE sender_id = :sender", {"shift": hours * 3600, "sender": sender})


def sessions(var_dir, sender):
    with sqlite3.connect(var_dir / "conversations.db") as database:
        return database.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND "
                                "type_name = 'session_started'", (sender,)).fetchone()[0]


def child_pid(pattern):
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    assert len(pids) == 1, (pattern, pids)
    return pids[0]


def wait_until_replaced(pattern, old_pid, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
        if [int(p) for p in found.stdout.split()] not in ([], [old_pid]):
            return
        time.sleep(0.5)
    raise AssertionError(f"{pattern} was not restarted")


def test_a_restart_and_a_kill_continue_every_conversation(trained_model, tmp_path_factory,
                                                          texts_by_language):
    var_dir = tmp_path_factory.mktemp("var-durable")
    first_run = running_product(var_dir, trained_model)
    product = next(first_run)
    # Half-way through the report, in every language (three questions answered).
    reports = {language: start_report(product, language, 3) for language in REPORTS}
    # A live handoff with an agent on it.
    handoff = start_report(product, "fr", len(REPORTS["fr"]))
    payload = escalation(handoff.send("/affirm"))
    ticket_id = payload["ticket_id"]
    agent = agent_session(product)
    assert agent.post(f"{product.web_url}/api/tickets/{ticket_id}/claim",
                      timeout=10).status_code == 200
    next(first_run, None)  # Ctrl-C: every process stops

    second_run = running_product(var_dir, trained_model)
    product = next(second_run)
    try:
        chat_url = f"{product.rasa_url}/webhooks/helpcenter/webhook"
        # Two users also stayed away longer than the session expiry (60 minutes).
        for language in ("it", "en"):
            idle_for(var_dir, reports[language].sender, hours=3)
        for language, chat in reports.items():
            chat.url = chat_url
            finish_report(chat, language, 3, texts_by_language)
        assert all(sessions(var_dir, reports[language].sender) == 2 for language in ("it", "en"))

        handoff.url = chat_url
        idle_for(var_dir, handoff.sender, hours=3)  # the ticket stays open meanwhile
        for text in WAKE_UP_ATTEMPTS:
            assert handoff.send(text) == [], text  # the assistant stays silent
        agent = agent_session(product)
        deadline = time.monotonic() + 10
        while user_messages(product, agent, ticket_id)[-3:] != WAKE_UP_ATTEMPTS:
            assert time.monotonic() < deadline, user_messages(product, agent, ticket_id)
            time.sleep(0.2)
        assert sessions(var_dir, handoff.sender) == 2
        agent.post(f"{product.web_url}/api/tickets/{ticket_id}/resolve", timeout=10)
        deadline, replies = time.monotonic() + 10, []
        while not replies:
            assert time.monotonic() < deadline, "no rating prompt after the resolve"
            replies = requests.get(
                f"{product.rasa_url}/webhooks/helpcenter/updates", timeout=10,
                params={"sender": handoff.sender, "after": 0},
                headers=handoff.headers).json()["replies"]
            time.sleep(0.2)
        assert "de 1 à 5" in replies[0]["text"]

        # kill -9 in the middle of a report: Rasa, then the action server.
        for process, language in ((f"rasa run.*--port {product.rasa_port}", "it"),
                                  (f"m actions --host .* --port {product.actions_port}", "nb")):
            chat = start_report(product, language, 3)
            pid = child_pid(process)
            os.kill(pid, signal.SIGKILL)
            wait_until_replaced(process, pid)
            finish_report(chat, language, 3, texts_by_language)
    finally:
        next(second_run, None)
