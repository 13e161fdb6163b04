"""End-to-end: start the real servers the way `make run` does and chat over HTTP."""

from __future__ import annotations

import socket
import uuid
from collections import defaultdict

import pytest
import requests
from rasa.shared.core.domain import Domain

from bot.services import product_services
from bot.settings import Settings
from bot.supervisor import Supervisor
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def product(trained_model, tmp_path_factory):
    settings = Settings(
        rasa_port=free_port(), actions_port=free_port(),
        var_dir=tmp_path_factory.mktemp("var"), model_path=trained_model,
    )
    supervisor = Supervisor(product_services(settings), settings)
    try:
        supervisor.start(ready_timeout=300)
        yield settings
    finally:
        supervisor.stop()


@pytest.fixture(scope="module")
def texts_by_language():
    """Every response text of the domain, grouped by the language of its variant."""
    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    found = defaultdict(set)
    for variants in domain.responses.values():
        for variant in variants:
            language = variant["condition"][0]["value"]
            found[language].add(variant["text"])
    return found


class Chat:
    def __init__(self, settings, metadata=None):
        self.url = f"{settings.rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"
        self.metadata = metadata or {}

    def say(self, text):
        response = requests.post(
            self.url, json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        replies = [r["text"] for r in response.json() if "text" in r]
        assert replies, f"no reply to {text!r}"
        return replies


def assert_language(replies, language, texts_by_language):
    for reply in replies:
        assert reply in texts_by_language[language], (
            f"expected a {language} reply, got {reply!r}")


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


def test_broken_json_gets_a_client_error_and_the_server_survives(product, texts_by_language):
    url = f"{product.rasa_url}/webhooks/rest/webhook"
    response = requests.post(url, data="{not json", timeout=10,
                             headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert_language(Chat(product).say("bonjour, j'ai une question"), "fr", texts_by_language)
