"""End-to-end: start the real servers the way `make run` does and chat over HTTP."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.helpers import Chat, assert_language

pytestmark = pytest.mark.e2e


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
    kb = [r["custom"]["kb"] for r in replies if "kb" in (r.get("custom") or {})]
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


def test_rest_channel_is_off_because_it_would_bypass_identity(product):
    """Rasa's plain REST channel takes any sender and metadata: it is not served."""
    response = requests.post(f"{product.rasa_url}/webhooks/rest/webhook", timeout=30,
                             json={"sender": "rest-user", "message": "god morgen!"})
    assert response.status_code == 404
