"""End-to-end: start the real servers the way `make run` does and chat over HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections import defaultdict

import pytest
import requests
from rasa.shared.core.domain import Domain

from bot.messages import catalogue
from bot.settings import Settings
from tests.conftest import PROJECT_ROOT, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
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


class Chat:
    def __init__(self, settings, metadata=None):
        self.url = f"{settings.rasa_url}/webhooks/helpcenter/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"
        self.metadata = metadata or {}

    def send(self, text):
        response = requests.post(
            self.url, json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, text):
        replies = [r["text"] for r in self.send(text) if "text" in r]
        assert replies, f"no reply to {text!r}"
        return replies


def assert_language(replies, language, texts_by_language):
    for reply in replies:
        assert any(p.fullmatch(reply) for p in texts_by_language[language]), (
            f"expected a {language} reply, got {reply!r}")


@pytest.mark.parametrize(
    ("language", "question", "article"),
    [
        ("ru", "не могу показать экран", "screen-sharing"),
        ("nb", "jeg har glemt passordet", "sign-in-password"),
        ("fr", "mon micro ne marche pas pendant les réunions", "audio-not-working"),
        ("it", "come faccio a registrare una riunione?", "recording"),
        ("en", "what's the phone number for support in the UK", "phone-support"),
    ],
)
def test_questions_get_the_right_article_in_the_users_language(product, texts_by_language,
                                                               language, question, article):
    chat = Chat(product)
    replies = chat.send(question)
    kb = [r["custom"]["kb"] for r in replies if "custom" in r]
    assert [(k["article_id"], k["lang"]) for k in kb] == [(article, language)], replies
    assert_language([r["text"] for r in replies if "text" in r], language, texts_by_language)
    assert ["/kb_helpful", "/kb_not_helpful"] in [
        [b["payload"] for b in r.get("buttons", [])] for r in replies]
    # The 👍 button is stored and thanked in the same language.
    assert_language(chat.say("/kb_helpful"), language, texts_by_language)


@pytest.mark.parametrize(
    ("language", "greeting", "question"),
    [
        ("ru", "добрый вечер!", "как записать конференцию на компьютер?"),
        ("nb", "god kveld!", "hvordan tar jeg opp et møte på datamaskinen?"),
        ("fr", "bonsoir à vous", "comment enregistrer une réunion sur mon ordinateur ?"),
        ("it", "buonasera a tutti", "come si registra una riunione sul computer?"),
        ("en", "good evening!", "how do I record a meeting on my computer?"),
    ],
)
def test_replies_come_in_the_users_language(product, texts_by_language, language, greeting,
                                            question):
    chat = Chat(product)
    assert_language(chat.say(greeting), language, texts_by_language)
    assert_language(chat.say(question), language, texts_by_language)
    # A short, ambiguous message does not flip the conversation's language.
    assert_language(chat.say("ok"), language, texts_by_language)


def test_explicit_request_switches_language(product, texts_by_language):
    chat = Chat(product)
    assert_language(chat.say("здравствуйте, подскажите пожалуйста"), "ru", texts_by_language)
    assert_language(chat.say("answer in French please"), "fr", texts_by_language)
    assert_language(chat.say("ok"), "fr", texts_by_language)


def test_locale_hint_decides_an_ambiguous_first_message(product, texts_by_language):
    chat = Chat(product, metadata={"locale": "nb-NO"})
    assert_language(chat.say("ok"), "nb", texts_by_language)


def test_http_api_refuses_requests_without_the_token(product):
    url = f"{product.rasa_url}/model/parse"
    assert requests.post(url, json={"text": "hei"}, timeout=10).status_code == 401
    forged = {"token": "not-the-token"}
    assert requests.post(url, json={"text": "hei"}, params=forged, timeout=10).status_code == 401
    assert requests.get(f"{product.rasa_url}/conversations/x/tracker", timeout=10
                        ).status_code == 401
    good = {"token": product.rasa_token}
    parsed = requests.post(url, json={"text": "jeg har glemt passordet"}, params=good,
                           timeout=10).json()
    assert parsed["language"]["language"] == "nb"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ('{"sender": "x", "message": ""}', 400, "empty_message"),
        ('{"sender": "x", "message": "' + "a" * 5000 + '"}', 413, "message_too_long"),
        ('{"sender": "x", "message": "hi", "metadata": "fr"}', 400, "invalid_metadata"),
    ],
)
def test_bad_input_gets_a_clear_error_and_loses_nothing(product, texts_by_language, body, status,
                                                        code):
    chat = Chat(product)
    assert_language(chat.say("bonjour, j'ai une question"), "fr", texts_by_language)
    body = body.replace('"sender": "x"', f'"sender": "{chat.sender}"')
    response = requests.post(chat.url, data=body.encode(), timeout=10,
                             headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]) == (status, code)
    # The conversation goes on, in its language, and the bad request left no trace.
    assert_language(chat.say("ok"), "fr", texts_by_language)
    tracker = requests.get(f"{product.rasa_url}/conversations/{chat.sender}/tracker",
                           params={"token": product.rasa_token}, timeout=10).json()
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["bonjour, j'ai une question", "ok"]


def test_rest_channel_still_answers(product, texts_by_language):
    response = requests.post(f"{product.rasa_url}/webhooks/rest/webhook", timeout=30,
                             json={"sender": "rest-user", "message": "god morgen!"})
    assert_language([r["text"] for r in response.json()], "nb", texts_by_language)
