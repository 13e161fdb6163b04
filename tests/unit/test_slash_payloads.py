"""Slash messages: only offered or widget payloads reach Rasa as payloads; the rest is text."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
import yaml

from bot.channels.payloads import (
    ARTICLE_ID,
    OFFER_TURNS,
    Payload,
    article_exists,
    as_plain_text,
    is_payload,
    offered_payloads,
    parse_payload,
    screen_message,
    widget_allows,
)
from bot.channels.user_text import normalize
from bot.knowledge.answer import article_payload
from bot.settings import PROJECT_ROOT

KB = PROJECT_ROOT / "data" / "kb"
ARTICLE_IDS = sorted(path.stem for path in (KB / "en").glob("*.md"))
SOME_ARTICLE = ARTICLE_IDS[0]

# "/ question" typed in each language: searched as the question, without the slash.
SLASH_QUESTIONS = {
    "ru": ("/ как показать экран в Zoom", "как показать экран в Zoom"),
    "nb": ("/hvordan deler jeg skjermen", "hvordan deler jeg skjermen"),
    "fr": ("// comment partager mon écran ?", "comment partager mon écran ?"),
    "it": ("/ / come condivido lo schermo", "come condivido lo schermo"),
    "en": ("/ how do I share my screen", "how do I share my screen"),
}
# What clients must not be able to force, and the text Rasa gets instead.
FORGED = [
    ('/request_human{"x":1}', 'request_human{"x":1}'),
    ('/request_human{"plan": "enterprise"}', 'request_human{"plan": "enterprise"}'),
    ('/ask_question{"article_id": "../../etc"}', 'ask_question{"article_id": "../../etc"}'),
    ('/ask_question{"article_id": "no-such-article"}',
     'ask_question{"article_id": "no-such-article"}'),
    (f'/ask_question{{"article_id": "{SOME_ARTICLE}", "lang": "ru"}}',
     f'ask_question{{"article_id": "{SOME_ARTICLE}", "lang": "ru"}}'),
    ('/set_priority{"priority": "P0"}', 'set_priority{"priority": "P0"}'),
    ('/set_priority{"priority": ["P1"]}', 'set_priority{"priority": ["P1"]}'),
    ('/rate{"rating": "6"}', 'rate{"rating": "6"}'),
    ('/rate{"rating": true}', 'rate{"rating": true}'),
    ("/rate", "rate"),
    ("/greet", "greet"),
    ("/restart", "restart"),
    ("/session_start", "session_start"),
    ("/nlu_fallback", "nlu_fallback"),
    ("/affirm@0.1", "affirm@0.1"),
    ("/affirm please", "affirm please"),
    ('/affirm{"x": 1} and more', 'affirm{"x": 1} and more'),
    ("/kb_helpful{}x", "kb_helpful{}x"),
]
# What the widget's buttons send, as the channel passes it on.
WIDGET = [
    ("/kb_helpful", "/kb_helpful"),
    ("/kb_not_helpful", "/kb_not_helpful"),
    ("/affirm", "/affirm"),
    ("/deny", "/deny"),
    ("/ask_question", "/ask_question"),
    ("/request_human", "/request_human"),
    ("/report_problem", "/report_problem"),
    ("/ask_my_plan", "/ask_my_plan"),
    ('/set_priority{"priority": "P1"}', '/set_priority{"priority": "P1"}'),
    ('/set_priority{"priority":"P4"}', '/set_priority{"priority": "P4"}'),
    ('/rate{"rating": "5"}', '/rate{"rating": "5"}'),
    ('/rate{"rating": 1}', '/rate{"rating": "1"}'),
    (article_payload(SOME_ARTICLE), article_payload(SOME_ARTICLE)),
]


@lru_cache(maxsize=1)
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain"))


def rasa_reads(text):
    """What Rasa's RegexMessageHandler makes of a message: (intent, entities) or None."""
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.nlu.training_data.message import Message

    (message,) = RegexMessageHandler().process([Message({"text": text.strip()})], domain())
    intent = message.get("intent")
    if not intent:
        return None
    return intent["name"], {e["entity"]: e["value"] for e in message.get("entities") or []}


def screen(text, offered=()):
    return screen_message(normalize(text), offered)


@pytest.mark.parametrize("lang", SLASH_QUESTIONS)
def test_a_question_starting_with_a_slash_is_searched_as_text(lang):
    typed, question = SLASH_QUESTIONS[lang]
    assert screen(typed) == question
    assert rasa_reads(screen(typed)) is None


@pytest.mark.parametrize(("typed", "text"), FORGED)
def test_forged_payloads_become_plain_text(typed, text):
    assert rasa_reads(typed) is not None or not is_payload(typed)  # Rasa would obey it...
    assert screen(typed) == text
    assert not screen(typed).startswith("/")
    assert rasa_reads(screen(typed)) is None                       # ...but never sees it


@pytest.mark.parametrize(("typed", "sent_on"), WIDGET)
def test_widget_payloads_pass_in_any_conversation(typed, sent_on):
    assert screen(typed) == sent_on
    assert rasa_reads(sent_on) is not None


@pytest.mark.parametrize("typed", ["\u200b/kb_helpful", "／kb_helpful", " /kb_helpful\u00a0"])
def test_payloads_with_invisible_or_full_width_wrapping_are_still_payloads(typed):
    assert screen(typed) == "/kb_helpful"


def test_a_payload_the_bot_offered_passes_and_only_while_it_is_recent():
    offer = '/choose_plan{"plan": "pro"}'  # not one of the widget's own buttons
    bot = {"event": "bot", "text": "Which plan?", "data": {"buttons": [
        {"title": "Pro", "payload": offer}]}}
    user = {"event": "user", "text": "hi"}
    assert offered_payloads([bot, user]) == {offer}
    assert screen('/choose_plan{"plan":"pro"}', offered_payloads([bot, user])) == offer
    assert screen('/choose_plan{"plan": "business"}', offered_payloads([bot])) == \
        'choose_plan{"plan": "business"}'
    stale: list = [user, {"event": "bot", "data": {}}] * OFFER_TURNS + [bot]
    assert offered_payloads(stale) == frozenset()
    assert screen(offer, offered_payloads(stale)) == 'choose_plan{"plan": "pro"}'


@pytest.mark.parametrize(
    "events",
    [[], [{"event": "bot", "data": None}], [{"event": "bot", "data": {"buttons": "x"}}],
     [{"event": "bot", "data": {"buttons": [{"title": "no payload"}, "junk", {"payload": 3}]}}],
     [{"event": "slot", "name": "x"}, {"event": "action", "name": "y"}]],
)
def test_odd_tracker_events_offer_nothing(events):
    assert offered_payloads(events) == frozenset()


@lru_cache(maxsize=1)
def catalogue_payloads():
    found = set()
    from bot.texts.catalogue import MESSAGES_FILES

    for path in MESSAGES_FILES:
        for variants in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for messages in variants.values():
                for message in messages:
                    for button in message.get("buttons", []):
                        if button["payload"].startswith("/"):
                            found.add(button["payload"])
    found.update({"/kb_helpful", "/kb_not_helpful"})
    found.update(article_payload(article_id) for article_id in ARTICLE_IDS)
    return sorted(found)


@pytest.mark.parametrize("payload", catalogue_payloads())
def test_every_button_the_bot_can_send_is_a_widget_payload(payload):
    # Even when the tracker cannot be read, no button of the bot stops working.
    parsed = parse_payload(payload)
    assert parsed is not None and widget_allows(parsed, article_exists)
    assert screen(payload) == payload


def test_the_article_id_rule_is_the_kb_one():
    from kb_index.articles import ID_PATTERN

    assert ID_PATTERN.pattern == f"^{ARTICLE_ID.pattern}$"
    assert all(article_exists(article_id) for article_id in ARTICLE_IDS)


@pytest.mark.parametrize(
    "article_id",
    ["../../etc/passwd", "..", "en/screen-sharing", "SCREEN-SHARING", "screen sharing",
     "a" * 65, "", "x-", "no-such-article", "screen-sharing\x00"],
)
def test_unknown_or_malicious_article_ids_do_not_exist(article_id):
    assert not article_exists(article_id)
    assert not widget_allows(Payload("ask_question", (("article_id", article_id),)),
                             article_exists)


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/affirm", Payload("affirm")),
        ('/rate{"rating": 4}', Payload("rate", (("rating", "4"),))),
        ('/x{"b": "2", "a": "1"}', Payload("x", (("a", "1"), ("b", "2")))),
        ("/ affirm", None), ("/affirm@0.9", None), ("/affirm x", None), ("affirm", None),
        ("/", None), ('/x{"a": {"b": 1}}', None), ('/x{"a": null}', None), ("/x{bad}", None),
        ("/x[1]", None), ("/1x", None),
    ],
)
def test_only_strict_payloads_parse(text, payload):
    assert parse_payload(text) == payload
    assert is_payload(text) is (payload is not None)


@pytest.mark.parametrize(
    ("text", "plain"),
    [("/ hi", "hi"), ("//hi", "hi"), ("/ / hi /", "hi /"), ("hi", "hi"), ("/", ""),
     ("/\n/ hi", "hi")],
)
def test_plain_text_loses_only_its_leading_slashes(text, plain):
    assert as_plain_text(text) == plain
    assert not re.match(r"\s*/", as_plain_text(text))
