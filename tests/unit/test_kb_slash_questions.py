"""action_answer_from_kb: a question that starts with "/" is searched; the bare button asks."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.kb import ActionAnswerFromKB
from bot import composition
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data, user_event
from tests.unit.test_kb_actions import FakeIndex, FakeSearcher, hit

# Reaching the action unscreened (a channel other than the help center's, or the
# Rasa HTTP API): the words after the slash are still a question.
SLASH_QUESTIONS = {
    "ru": "/ как показать экран",
    "nb": "/ hvordan deler jeg skjermen",
    "fr": "/comment partager mon écran",
    "it": "// come condivido lo schermo",
    "en": "/ how do I share my screen",
}


@pytest.fixture(autouse=True)
def restore():
    yield
    composition.override("kb_searcher", None)


def ask(text, lang, entities=()):
    latest = parse_data(text, "ask_question", entities=entities)
    tracker = make_tracker(latest, sender="user-1", language=lang, events=[user_event(latest)])
    index = FakeIndex([hit("screen-sharing", lang=lang)])
    composition.override("kb_searcher", FakeSearcher(index))
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerFromKB().run(dispatcher, tracker, {}))
    return index.queries, [m.get("text") for m in dispatcher.messages]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_question_after_a_slash_is_searched(lang):
    queries, texts = ask(SLASH_QUESTIONS[lang], lang)
    assert queries == [(SLASH_QUESTIONS[lang], lang)]
    assert catalogue()["kb_prompt"][lang][0]["text"] not in texts


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("payload", ["/ask_question", '/ask_question{"x": "y"}'])
def test_the_search_button_still_asks_for_the_question(lang, payload):
    queries, texts = ask(payload, lang)
    assert queries == []
    assert texts == [catalogue()["kb_prompt"][lang][0]["text"]]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_a_problem_button_does_not_ask_for_a_question(lang):
    """The "Report a problem" button (after a 👎, in the help menu) starts the report.

    Its rule runs this action first; with no symptom to search for it says nothing, so
    "Type your question…" never comes before the report form's first question.
    """
    latest = parse_data("/report_problem", "report_problem", confidence=1.0)
    tracker = make_tracker(latest, sender="user-1", language=lang, events=[user_event(latest)])
    index = FakeIndex([hit("screen-sharing", lang=lang)])
    composition.override("kb_searcher", FakeSearcher(index))
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerFromKB().run(dispatcher, tracker, {}))
    assert dispatcher.messages == [] and index.queries == []
    assert [(e["event"], e["name"], e["value"]) for e in events] == [
        ("slot", "kb_article_id", None)]
