"""End-to-end: people who describe a problem get the troubleshooting article, and only
what they asked for.

Each case asserts what the user must see (the article's id and language, no escalation
block, no refusal), never a model's scores. Every case exists in all five languages.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from tests.e2e.helpers import Chat, assert_language, escalation

pytestmark = pytest.mark.e2e


def kb_articles(replies: List[Dict[str, Any]]) -> List[tuple]:
    return [(r["custom"]["kb"]["article_id"], r["custom"]["kb"]["lang"]) for r in replies
            if isinstance(r.get("custom"), dict) and "kb" in r["custom"]]


def choices(replies: List[Dict[str, Any]]) -> List[str]:
    """Article ids offered as "did you mean" buttons."""
    return [b["payload"].split('"article_id": "')[1].split('"')[0]
            for r in replies for b in r.get("buttons", [])
            if '"article_id"' in b.get("payload", "")]


def answered_with(replies: List[Dict[str, Any]], accepted: List[str]) -> Optional[str]:
    """The article the user got (a card, or the first of two offered), if accepted."""
    cards = [a for a, _ in kb_articles(replies)]
    got = cards[:1] or choices(replies)[:2]
    return next((a for a in got if a in accepted), None)


# The issue's symptom messages; accepted articles are the ones a support expert would pick.
SYMPTOMS = [
    ("en", "I can't hear anyone", ["audio-not-working"]),
    ("en", "the sound is choppy", ["audio-not-working", "poor-connection"]),
    ("en", "my webcam doesn't work", ["video-not-working"]),
    ("en", "the meeting cut off after 40 minutes", ["meeting-time-limit"]),
    ("fr", "le son est haché", ["audio-not-working", "poor-connection"]),
    ("fr", "je n'entends personne", ["audio-not-working"]),
    ("fr", "ma webcam ne marche pas", ["video-not-working"]),
    ("fr", "la réunion s'est coupée au bout de 40 minutes", ["meeting-time-limit"]),
    ("it", "la mia webcam non funziona", ["video-not-working"]),
    ("it", "non sento nessuno", ["audio-not-working"]),
    ("it", "l'audio va a scatti", ["audio-not-working", "poor-connection"]),
    ("it", "la riunione si è chiusa dopo 40 minuti", ["meeting-time-limit"]),
    ("ru", "встреча оборвалась через 40 минут", ["meeting-time-limit"]),
    ("ru", "я никого не слышу", ["audio-not-working"]),
    ("ru", "звук прерывается", ["audio-not-working", "poor-connection"]),
    ("ru", "моя вебкамера не работает", ["video-not-working"]),
    ("nb", "jeg hører ingen", ["audio-not-working"]),
    ("nb", "lyden hakker", ["audio-not-working", "poor-connection"]),
    ("nb", "webkameraet mitt virker ikke", ["video-not-working"]),
    ("nb", "møtet ble avbrutt etter 40 minutter", ["meeting-time-limit"]),
    # A number in a symptom is not a rating (the second blind set found these).
    ("en", "meeting cut off after 40 mins, there were 3 of us", ["meeting-time-limit"]),
    ("fr", "coupé au bout de 40 min alors qu'on était 3", ["meeting-time-limit"]),
    ("it", "ci butta fuori dopo 40 min, eravamo in 3", ["meeting-time-limit"]),
    ("ru", "нас трое и через 40 мин всё обрывается", ["meeting-time-limit"]),
    ("nb", "vi var 3 stykker og møtet stoppet etter 40 min", ["meeting-time-limit"]),
]


@pytest.mark.parametrize(("language", "message", "accepted"), SYMPTOMS)
def test_a_symptom_gets_its_article_and_no_unasked_escalation(
        product, texts_by_language, language, message, accepted):
    chat = Chat(product, metadata={"locale": language})
    replies = chat.send(message)
    assert answered_with(replies, accepted), replies
    assert all(lang == language for _, lang in kb_articles(replies)), replies
    assert escalation(replies) is None, replies
    assert_language([r["text"] for r in replies if "text" in r], language, texts_by_language)


# "That didn't help" opens the way to a person; nothing before it does.
NOT_HELPFUL = {
    "en": ("no sound in my meetings", "that didn't help"),
    "fr": ("pas de son pendant mes réunions", "ça ne m'a pas aidé"),
    "it": ("niente audio nelle riunioni", "non mi è stato utile"),
    "ru": ("нет звука на встречах", "это не помогло"),
    "nb": ("ingen lyd i møtene", "det hjalp ikke"),
}


@pytest.mark.parametrize("language", list(NOT_HELPFUL))
def test_the_way_to_a_person_comes_after_an_answer_that_did_not_help(
        product, texts_by_language, language):
    symptom, not_helpful = NOT_HELPFUL[language]
    chat = Chat(product, metadata={"locale": language})
    first = chat.send(symptom)
    assert answered_with(first, ["audio-not-working", "poor-connection"]), first
    assert escalation(first) is None, first
    after = chat.send(not_helpful)
    payloads = [b["payload"] for r in after for b in r.get("buttons", [])]
    assert "/request_human" in payloads, after
    assert_language([r["text"] for r in after if "text" in r], language, texts_by_language)


# The literal way to ask for the problem report, in every language.
REPORT = {
    "en": "I'd like to report a problem with the app",
    "fr": "quelque chose ne marche plus et je veux faire un rapport de bug",
    "ru": "что-то сломалось, хочу отправить отчёт об ошибке",
    "it": "vorrei segnalare un problema con l'app",
    "nb": "jeg vil rapportere et problem med appen",
}


@pytest.mark.parametrize("language", list(REPORT))
def test_asking_to_report_a_problem_starts_the_report(product, language):
    from bot.accounts.identity import issue_token

    admin = Chat(product, metadata={"locale": language},
                 token=issue_token("u-biz-admin", product.jwt_secret))
    replies = admin.send(REPORT[language])
    assert escalation(replies)["decision"] == "handoff", replies
    assert any("webinar" in [b["payload"] for b in r.get("buttons", [])]
               for r in replies), replies  # the form's first question
    # Someone who may not reach a person learns how to report it, with no refusal of a
    # person they did not ask for.
    guest = Chat(product, metadata={"locale": language})
    replies = guest.send(REPORT[language])
    assert escalation(replies) is None, replies
    assert any(r.get("text") and "/request_human" not in [
        b["payload"] for b in r.get("buttons", [])] for r in replies), replies


# Nothing in the KB fits: say so honestly and offer the help options.
NO_ARTICLE = {
    "it": "come faccio a cambiare il mio nome nella riunione?",
    "en": "how do I change my name during a meeting?",
    "fr": "comment changer mon nom pendant une réunion ?",
    "ru": "как поменять своё имя во время встречи?",
    "nb": "hvordan endrer jeg navnet mitt i et møte?",
}


@pytest.mark.parametrize("language", list(NO_ARTICLE))
def test_no_fitting_article_is_said_honestly(product, texts_by_language, language):
    chat = Chat(product, metadata={"locale": language})
    replies = chat.send(NO_ARTICLE[language])
    assert kb_articles(replies) == [] and choices(replies) == [], replies
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "/request_human" in payloads, replies
    assert escalation(replies) is None, replies
    assert_language([r["text"] for r in replies if "text" in r], language, texts_by_language)


# Literal requests the classifier must understand, whatever the training run.
LITERAL = [
    ("en", "put me through to a person", "request_human"),
    ("fr", "passez-moi une personne, s'il vous plaît", "request_human"),
    ("it", "mi passi una persona per favore", "request_human"),
    ("ru", "соедините меня с человеком", "request_human"),
    ("nb", "sett meg over til et menneske", "request_human"),
    ("en", "what support does my plan include?", "ask_my_plan"),
    ("fr", "à quel support ai-je droit ?", "ask_my_plan"),
    ("it", "che tipo di assistenza include il mio piano?", "ask_my_plan"),
    ("ru", "какая поддержка входит в мой тариф?", "ask_my_plan"),
    ("nb", "hvilken support er inkludert i abonnementet mitt?", "ask_my_plan"),
]


@pytest.mark.parametrize(("language", "message", "intent"), LITERAL)
def test_literal_requests_are_understood(product, language, message, intent):
    import requests

    parsed = requests.post(f"{product.rasa_url}/model/parse", json={"text": message},
                           params={"token": product.rasa_token}, timeout=30).json()
    assert parsed["intent"]["name"] == intent, parsed["intent_ranking"][:3]
