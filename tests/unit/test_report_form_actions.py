"""The report form's validation and questions, rasa-sdk style."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import (
    ActionAskProblemLogs,
    ActionAskProblemProduct,
    ActionAskProblemRequestId,
    ValidateProblemReportForm,
)
from bot import composition
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data

NOW = datetime(2026, 11, 22, 16, 40, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    composition.override("clock", lambda: NOW)
    yield
    composition.override("clock", None)


def tracker(lang, text="", extra=None):
    return make_tracker(parse_data(text, "ask_question", metadata={}, **(extra or {})),
                        language=lang, active_loop="problem_report_form")


def validate(slot, value, lang="en", text=None, extra=None):
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateProblemReportForm(), f"validate_{slot}")
    result = method(value, dispatcher, tracker(lang, text if text is not None else str(value),
                                               extra), {})
    return result, dispatcher.messages


def error_text(key, lang):
    return catalogue()[key][lang][0]["text"]


@pytest.mark.parametrize(
    ("slot", "value", "lang", "expected"),
    [
        ("problem_product", "webinar", "en", "webinar"),
        ("problem_product", "вебинар", "ru", "webinar"),
        ("problem_product", "la vidéo", "fr", "video_quality"),
        ("problem_product", "Telefonen", "nb", "phone"),
        ("problem_time", "ieri verso le 15", "it", "2026-11-21T15:00+00:00"),
        ("problem_time", "вчера около 3 часов дня", "ru", "2026-11-21T15:00+00:00"),
        ("problem_logs", True, "en", True),
        ("problem_logs", "oui", "fr", True),
        ("problem_logs", "nei", "nb", False),
        ("problem_request_id", "none", "en", "none"),
        ("problem_request_id", "id: 3f2a-91kd", "en", "3F2A-91KD"),
    ],
)
def test_good_answers_are_normalised(slot, value, lang, expected):
    result, messages = validate(slot, value, lang)
    assert result[slot] == expected and messages == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("slot", "value", "key"),
    [
        ("problem_product", "my cat", "report_invalid_product"),
        ("problem_description", "help", "report_description_too_short"),
        ("problem_time", "whenever", "report_time_not_understood"),
        ("problem_time", "2030-01-01", "report_time_in_the_future"),
        ("problem_time", "2021-01-01", "report_time_too_long_ago"),
        ("problem_logs", "perhaps", "report_yes_or_no"),
        ("problem_request_id", "<b>x</b>", "report_invalid_request_id"),
    ],
)
def test_bad_answers_are_explained_in_the_users_language(slot, value, key, lang):
    result, messages = validate(slot, value, lang)
    assert result == {slot: None}
    assert messages[0]["text"] == error_text(key, lang)


def test_the_description_keeps_its_nlu_vector_for_the_classifier():
    vector = {"model": "m", "dim": 384, "f32": "..."}
    text = "audio drops for everyone in the call"
    result, _ = validate("problem_description", text, extra={"text_embedding": vector})
    assert result == {"problem_description": text, "problem_description_vector": vector}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_questions_come_with_language_neutral_buttons(lang):
    def ask(action):
        dispatcher = CollectingDispatcher()
        asyncio.run(action.run(dispatcher, tracker(lang), {}))
        return dispatcher.messages[0]

    product = ask(ActionAskProblemProduct())
    # Plain codes: the form takes the text and the validation maps it.
    assert [b["payload"] for b in product["buttons"]] == [
        "video_quality", "phone", "chat", "webinar", "other"]
    assert [b["payload"] for b in ask(ActionAskProblemLogs())["buttons"]] == ["/affirm",
                                                                            "/deny"]
    assert [b["payload"] for b in ask(ActionAskProblemRequestId())["buttons"]] == ["/deny"]


@pytest.mark.parametrize("slot", ["problem_product", "problem_description", "problem_time",
                                  "problem_logs", "problem_request_id"])
def test_a_slot_being_cleared_is_not_an_error(slot):
    result, messages = validate(slot, None, "fr", text="")
    assert result == {slot: None} and messages == []
