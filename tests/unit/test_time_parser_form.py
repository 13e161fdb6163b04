"""The report form reads the time in the user's time zone, says it back, takes corrections."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.common import now_for, user_timezone
from actions.report_form import ActionAskProblemLogs, ValidateProblemReportForm
from bot import composition
from bot.escalation.time_parser import ERROR_CODES
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data, user_event

# Sunday 22 November 2026, 16:40 UTC: 17:40 in Paris and Oslo, 11:40 in New York.
NOW = datetime(2026, 11, 22, 16, 40, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    composition.override("clock", lambda: NOW)
    yield
    composition.override("clock", None)


def tracker(lang, text="", metadata=None, events=(), intent="ask_question"):
    latest = parse_data(text, intent, metadata=metadata or {})
    return make_tracker(latest, language=lang, events=[user_event(latest), *events],
                        active_loop="problem_report_form")


def validate(slot, value, lang, text=None, metadata=None, intent="ask_question"):
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateProblemReportForm(), f"validate_{slot}")
    result = method(value, dispatcher, tracker(lang, text if text is not None else str(value),
                                               metadata, intent=intent), {})
    return result, dispatcher.messages


def ask_logs(lang, events, metadata=None):
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskProblemLogs().run(dispatcher, tracker(lang, "x", metadata, events),
                                           {}))
    return dispatcher.messages


# -- the user's time zone ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "answer", "zone", "expected"),
    [
        # The browser's "hier à 21h15" reached the ticket as 02:00 (and in UTC).
        ("fr", "hier à 21h15", "Europe/Paris", "2026-11-21T21:15+01:00"),
        ("en", "yesterday at 21:40", "America/New_York", "2026-11-21T21:40-05:00"),
        ("it", "ieri alle 22", "Europe/Rome", "2026-11-21T22:00+01:00"),
        ("nb", "i går kveld kl 22", "Europe/Oslo", "2026-11-21T22:00+01:00"),
        ("ru", "вчера в 23:59", "Europe/Moscow", "2026-11-21T23:59+03:00"),
        # "Today at 17:30" is already past in Oslo (17:40) but not in UTC (16:40).
        ("nb", "i dag kl 17.30", "Europe/Oslo", "2026-11-22T17:30+01:00"),
        # A zone the server does not know, or garbage: UTC, not a crash.
        ("fr", "hier à 21h15", "Mars/Olympus_Mons", "2026-11-21T21:15+00:00"),
        ("en", "yesterday at 21:40", "../../etc/passwd", "2026-11-21T21:40+00:00"),
        ("it", "ieri alle 22", 1234, "2026-11-21T22:00+00:00"),
        ("nb", "i går kveld kl 22", "", "2026-11-21T22:00+00:00"),
        ("ru", "вчера в 23:59", None, "2026-11-21T23:59+00:00"),
    ],
)
def test_the_time_is_read_in_the_users_time_zone(lang, answer, zone, expected):
    result, messages = validate("problem_time", answer, lang, metadata={"timezone": zone})
    assert result == {"problem_time": expected} and messages == []


@pytest.mark.parametrize("zone", [None, "", "Nowhere/City", "Europe/Oslo\x00", "x" * 5000,
                                  {"name": "Europe/Oslo"}, "localtime"])
def test_an_invalid_time_zone_is_utc(zone):
    sent = tracker("en", "hi", {"timezone": zone})
    assert user_timezone(sent) == timezone.utc
    assert now_for(sent) == NOW


def test_now_is_in_the_time_zone_the_browser_sent():
    assert now_for(tracker("en", "hi", {"timezone": "Asia/Kolkata"})).isoformat() == (
        "2026-11-22T22:10:00+05:30")


# -- saying it back ----------------------------------------------------------------------------

TIME_SET = [{"event": "slot", "name": "problem_time", "value": "i går kl 22.05"},
            {"event": "slot", "name": "problem_time", "value": "2026-11-21T22:05+01:00"},
            {"event": "slot", "name": "requested_slot", "value": "problem_logs"}]
# The day and time as CLDR writes them (bot.texts.cldr): English on a 12-hour clock.
READ_BACK = {
    "en": "Noted: yesterday at 22:05.", "fr": "C'est noté : hier à 22:05.",
    "it": "Ho segnato: ieri alle 22:05.", "nb": "Notert: i går kl. 22:05.",
    "ru": "Записано: вчера в 22:05.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_next_question_starts_with_the_time_as_understood(lang):
    (message,) = ask_logs(lang, TIME_SET, {"timezone": "Europe/Oslo"})
    read_back, question = message["text"].split("\n\n")
    assert read_back.startswith(READ_BACK[lang])
    assert question == catalogue()["ask_problem_logs"][lang][0]["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


def test_the_read_back_is_in_the_users_time_zone():
    # 22:05 on the 21st in Oslo is 06:05 on the 22nd in Tokyo, where it is now 01:40
    # on the 23rd: "yesterday at 06:05".
    (message,) = ask_logs("en", TIME_SET, {"timezone": "Asia/Tokyo"})
    assert message["text"].startswith("Noted: yesterday at 06:05.")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_read_back_when_the_time_was_not_set_this_turn(lang):
    (message,) = ask_logs(lang, [])
    assert message["text"] == catalogue()["ask_problem_logs"][lang][0]["text"]


# -- correcting it at the next question ---------------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "typed", "intent", "expected"),
    [
        ("en", "no, yesterday at 21:15", "deny", "2026-11-21T21:15+01:00"),
        ("fr", "non, hier à 21h15", "deny", "2026-11-21T21:15+01:00"),
        ("it", "ieri alle 21:15", "ask_question", "2026-11-21T21:15+01:00"),
        ("nb", "nei, i går kl. 21.15", "deny", "2026-11-21T21:15+01:00"),
        ("ru", "вчера в 21:15", "ask_question", "2026-11-21T21:15+01:00"),
        ("ru", "нет, два часа назад", "deny", "2026-11-22T15:40+01:00"),
    ],
)
def test_a_time_typed_instead_of_yes_or_no_corrects_the_time(lang, typed, intent, expected):
    value = False if intent == "deny" else typed
    result, messages = validate("problem_logs", value, lang, text=typed,
                                metadata={"timezone": "Europe/Oslo"}, intent=intent)
    assert result == {"problem_time": expected, "problem_logs": None} and messages == []


@pytest.mark.parametrize(
    ("lang", "value", "typed", "expected"),
    [
        ("en", True, "/affirm", True), ("en", False, "/deny", False),
        ("fr", "oui", "oui", True), ("nb", "nei", "nei", False),
        ("it", True, "sì, adesso", True),  # "adesso" (now) after "yes" is not a new time
        ("ru", False, "нет", False),
    ],
)
def test_yes_and_no_still_answer_the_logs_question(lang, value, typed, expected):
    result, messages = validate("problem_logs", value, lang, text=typed)
    assert result == {"problem_logs": expected} and messages == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unusable_correction_is_explained_and_the_question_asked_again(lang):
    tomorrow = {"en": "tomorrow at 9", "fr": "demain à 9h", "it": "domani alle 9",
                "nb": "i morgen kl 9", "ru": "завтра в 9"}[lang]
    result, messages = validate("problem_logs", tomorrow, lang)
    assert result == {"problem_logs": None}
    assert messages[0]["text"] == catalogue()["report_time_in_the_future"][lang][0]["text"]


# -- every refusal has its explanation ----------------------------------------------------------

@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_refusal_is_explained_in_every_language(code):
    assert sorted(catalogue()[f"report_time_{code}"]) == sorted(LANGUAGES)


@pytest.mark.parametrize(
    ("lang", "answer", "key"),
    [
        ("en", "yesterday at 25:00", "report_time_invalid_time"),
        ("fr", "hier matin à 23h", "report_time_contradictory"),
        ("it", "ieri tra le 9 e 10", "report_time_ambiguous"),
        ("nb", "i går kl 25", "report_time_invalid_time"),
        ("ru", "вчера утром в 23:00", "report_time_contradictory"),
    ],
)
def test_refusals_reach_the_user_in_their_language(lang, answer, key):
    result, messages = validate("problem_time", answer, lang)
    assert result == {"problem_time": None}
    assert messages[0]["text"] == catalogue()[key][lang][0]["text"]
