"""End-to-end: a paid admin reaches a human agent and comes back to the assistant.

User side: the help-center channel (webhook + updates poll). Agent side: the live-agent
API with a console login. Also: nothing is lost while the live-agent service is down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from bot.accounts.identity import issue_token
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import running_product
from tests.e2e.helpers import Chat, escalation

pytestmark = pytest.mark.e2e

REPORT_FR = ["webinaire", "les participants ne peuvent pas rejoindre le webinaire, le lien "
             "ne fonctionne pas", "hier vers 15h", "oui", "passer"]
REPORT_EN = ["webinar", "attendees can't get into the webinar, the link doesn't work",
             "yesterday around 3pm", "yes", "skip"]


def hand_off(product, user_id, language, report, locale=None):
    """Asks for a person, fills the report, confirms the priority; returns chat, payload."""
    chat = Chat(product, token=issue_token(user_id, product.jwt_secret),
                metadata={"locale": locale or language})
    human = {"fr": "je voudrais parler à un conseiller, s'il vous plaît",
             "en": "I'd like to talk to a real person, please",
             "ru": "соедините меня, пожалуйста, с живым специалистом"}[language]
    assert escalation(chat.send(human))["decision"] == "handoff"
    for answer in report:
        chat.send(answer)
    replies = chat.send("/affirm")
    return chat, escalation(replies), replies


def agent_session(product, agent_id, password):
    session = requests.Session()
    response = session.post(f"{product.web_url}/api/login", timeout=10,
                            json={"agent_id": agent_id, "password": password})
    assert response.status_code == 200, response.text
    return session


def updates(chat, product, after=0):
    response = requests.get(f"{product.rasa_url}/webhooks/helpcenter/updates", timeout=10,
                            params={"sender": chat.sender, "after": after},
                            headers=chat.headers)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(condition, timeout=2.0, interval=0.1):
    """Polls ``condition`` until it returns something truthy; returns it and the time."""
    started = time.monotonic()
    while True:
        result = condition()
        elapsed = time.monotonic() - started
        if result or elapsed > timeout:
            return result, elapsed
        time.sleep(interval)


def test_a_paid_admin_reaches_an_agent_and_comes_back_to_the_assistant(product):
    chat, payload, replies = hand_off(product, "u-biz-admin", "fr", REPORT_FR)
    ticket_id = payload["ticket_id"]
    assert ticket_id and payload["agent_language"] == "fr", replies
    assert payload["priority"] in ("P1", "P2", "P3", "P4")
    assert any("rejoindre cette conversation" in r.get("text", "") for r in replies)

    marco = agent_session(product, "marco", "marco-demo-password")
    queue = marco.get(f"{product.web_url}/api/tickets", timeout=10).json()
    ticket = next(t for t in queue if t["id"] == ticket_id)
    assert (ticket["user_id"], ticket["language"], ticket["plan"]) == (
        "u-biz-admin", "fr", "business")
    claimed = marco.post(f"{product.web_url}/api/tickets/{ticket_id}/claim", timeout=10)
    assert claimed.status_code == 200
    details = claimed.json()
    assert details["report"]["product"] == "webinar"
    assert any(line["from"] == "user" for line in details["transcript"])

    # Agent -> user within 2 seconds.
    marco.post(f"{product.web_url}/api/tickets/{ticket_id}/messages", timeout=10,
               json={"text": "Bonjour Camille, je regarde le lien du webinaire."})
    seen, elapsed = wait_for(lambda: updates(chat, product)["messages"])
    assert seen and seen[0]["text"].startswith("Bonjour Camille") and elapsed < 2.0
    assert seen[0]["agent_name"] == "Marco Ferrand"

    # User -> agent within 2 seconds, and the assistant stays silent.
    assert chat.send("merci, j'attends") == []

    def user_message_arrived():
        messages = marco.get(f"{product.web_url}/api/tickets/{ticket_id}/messages",
                             timeout=10).json()
        return [m for m in messages if m["author"] == "user"]

    seen, elapsed = wait_for(user_message_arrived)
    assert seen and seen[0]["text"] == "merci, j'attends" and elapsed < 2.0

    # The agent resolves; the assistant resumes in French and asks for a rating.
    marco.post(f"{product.web_url}/api/tickets/{ticket_id}/resolve", timeout=10)
    state, _ = wait_for(lambda: updates(chat, product)["replies"], timeout=5)
    assert state and "de 1 à 5" in state[0]["text"]
    assert [b["payload"] for b in state[0]["buttons"]][-1] == '/rate{"rating": "5"}'
    assert updates(chat, product)["handoff"]["status"] == "resumed"
    thanks = chat.say('/rate{"rating": "4"}')
    assert any("Merci pour votre note" in t for t in thanks)
    ticket = marco.get(f"{product.web_url}/api/tickets/{ticket_id}", timeout=10).json()
    assert (ticket["status"], ticket["rating"]) == ("resolved", 4)
    # And the assistant answers again.
    assert chat.say("bonjour")


def test_no_russian_speaking_agents_and_nobody_online_means_email(product):
    alice = agent_session(product, "alice", "alice-demo-password")
    marco = agent_session(product, "marco", "marco-demo-password")
    for agent in (alice, marco):
        agent.post(f"{product.web_url}/api/me/online", json={"online": False}, timeout=10)
    try:
        report = ["вебинар", "участники не могут подключиться к вебинару, ссылка не работает",
                  "вчера около 3 часов дня", "да", "пропустить"]
        chat, payload, replies = hand_off(product, "u-ent-plus", "ru", report)
    finally:
        for agent in (alice, marco):
            agent.post(f"{product.web_url}/api/me/online", json={"online": True}, timeout=10)
    assert payload["agent_language"] == "en"
    text = " ".join(r.get("text", "") for r in replies)
    assert "на другом языке: английский" in text and "a.volkov@meridianpacific.example" in text
    emails = alice.get(f"{product.web_url}/api/tickets/{payload['ticket_id']}/notifications",
                       timeout=10).json()
    assert [e["channel"] for e in emails] == ["email"]
    # Not paused: the assistant still answers.
    assert chat.say("спасибо")


@pytest.mark.parametrize(("who", "status"), [("stranger", 403), ("forged", 401),
                                             ("unknown sender", 404)])
def test_updates_are_only_for_the_conversations_owner(product, who, status):
    owner = Chat(product, token=issue_token("u-pro-admin", product.jwt_secret))
    owner.send("hei")
    headers = {"stranger": {"Authorization": f"Bearer {issue_token('u-free', product.jwt_secret)}"},
               "forged": {"Authorization": "Bearer nope"},
               "unknown sender": owner.headers}[who]
    sender = "nobody-here" if who == "unknown sender" else owner.sender
    response = requests.get(f"{product.rasa_url}/webhooks/helpcenter/updates", timeout=10,
                            params={"sender": sender, "after": 0}, headers=headers)
    assert response.status_code == status


def test_updates_refuse_bad_parameters(product):
    response = requests.get(f"{product.rasa_url}/webhooks/helpcenter/updates", timeout=10,
                            params={"sender": "x", "after": "minus one"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.fixture(scope="module")
def product_without_live_agent(trained_model, tmp_path_factory):
    """Rasa and the actions only: the live-agent service is started by the test."""
    yield from running_product(tmp_path_factory.mktemp("var-outbox"), trained_model,
                               HELPBOT_START_LIVE_AGENT="false")


def start_live_agent(product):
    process = subprocess.Popen([sys.executable, "-m", "bot.live_agent"], cwd=PROJECT_ROOT,
                               env=product.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)

    def healthy():
        try:
            return requests.get(f"{product.web_url}/health", timeout=1).ok
        except requests.RequestException:
            return False

    up, _ = wait_for(healthy, timeout=60, interval=0.5)
    assert up, "the live-agent service did not start"
    return process


def stop(process):
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def test_a_handoff_while_the_service_is_down_arrives_exactly_once(product_without_live_agent):
    product = product_without_live_agent
    # Running, then stopped: the handoff happens while it is down.
    stop(start_live_agent(product))
    chat, payload, replies = hand_off(product, "u-ent-admin", "en", REPORT_EN)
    ticket_id = payload["ticket_id"]
    assert ticket_id and any(ticket_id in r.get("text", "") for r in replies)
    assert any("saved and will be passed on" in r.get("text", "") for r in replies)
    assert chat.send("are you there?") == []  # queued for the agent too

    service = start_live_agent(product)  # restarted
    try:
        bot = {"Authorization": f"Bearer {product.service_token}"}

        def delivered():
            queue = requests.get(f"{product.web_url}/api/tickets", headers=bot,
                                 timeout=5).json()
            return [t for t in queue if t["id"] == ticket_id]

        found, _ = wait_for(delivered, timeout=90, interval=1.0)
        assert found and len(found) == 1
        messages, _ = wait_for(lambda: requests.get(
            f"{product.web_url}/api/tickets/{ticket_id}/messages", headers=bot,
            timeout=5).json(), timeout=30, interval=1.0)
        assert [m["text"] for m in messages] == ["are you there?"]
        time.sleep(3)  # later delivery rounds must not add a copy
        queue = requests.get(f"{product.web_url}/api/tickets", headers=bot, timeout=5).json()
        assert [t["id"] for t in queue].count(ticket_id) == 1
        assert len(requests.get(f"{product.web_url}/api/tickets/{ticket_id}/messages",
                                headers=bot, timeout=5).json()) == 1
    finally:
        stop(service)


def test_the_console_never_inserts_text_as_html():
    script = (PROJECT_ROOT / "bot" / "live_agent" / "static" / "console.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script
    assert "textContent" in script
    assert os.path.exists(PROJECT_ROOT / "bot" / "live_agent" / "static" / "console.html")
