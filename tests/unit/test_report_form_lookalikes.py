"""The report form reads invisible, full-width and look-alike answers the way they look."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import ValidateProblemReportForm
from bot.escalation.report_form import NO_REQUEST_ID, description_blank, description_ok, request_id
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data

DESCRIPTIONS = {
    "ru": "Участники не могут войти в вебинар, ссылка не работает.",
    "nb": "Deltakerne får ikke blitt med i nettseminaret, lenken virker ikke.",
    "fr": "Les participants ne peuvent pas rejoindre le webinaire, le lien ne marche pas.",
    "it": "I partecipanti non riescono a entrare nel webinar, il link non funziona.",
    "en": "Attendees can't get into the webinar, the link doesn't work.",
}
INVISIBLE = ["\u200b", "\ufeff", "\u2800", "\u3164", "\u200b \u200b \u200b \u200b",
             "\u2800\u2800\u2800\u2800 \u2800\u2800\u2800\u2800", "\u00ad\u2060\u180e\u115f",
             "\u3000\u00a0 \u202e\u202c", "\ufe0f\ufe0f \ufe0f\ufe0f\ufe0f\ufe0f"]
# The request ID label in each language, as a user might type it before the ID.
LABELS = {"ru": "идентификатор: ", "nb": "forespørsels\u2011id: ", "fr": "identifiant\u00a0: ",
          "it": "ID richiesta: ", "en": "Request ID: "}
ID_SPELLINGS = [
    "３Ｆ２Ａ－９１ＫＤ",            # full width, full-width hyphen
    "３Ｆ２Ａ‑９１ＫＤ",             # full width, non-breaking hyphen
    "3F2A\u201191KD", "3F2A\u201091KD", "3F2A\u201291KD", "3F2A\u201391KD", "3F2A\u201491KD",
    "3F2A\u201591KD", "3F2A\u221291KD", "3F2A\ufe6391KD", "3F2A\u00a091KD", "3F2A 91KD",
    "3f2a-91kd", "\u200b3F2A-\u200b91KD\ufeff", "3F2А-91КD",  # Cyrillic А and К
    "3F2Α-91ΚD",                      # Greek Alpha and Kappa
]


def tracker(lang, text):
    return make_tracker(parse_data(text, "ask_question", metadata={}), language=lang,
                        active_loop="problem_report_form")


def validate(slot, value, lang):
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateProblemReportForm(), f"validate_{slot}")
    return method(value, dispatcher, tracker(lang, value), {}), dispatcher.messages


def said(key, lang):
    return catalogue()[key][lang][0]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", INVISIBLE)
def test_an_invisible_description_is_refused_as_empty_in_the_users_language(lang, value):
    assert description_blank(value) and not description_ok(value)
    result, messages = validate("problem_description", value, lang)
    assert result == {"problem_description": None}
    assert [m["text"] for m in messages] == [said("report_description_empty", lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", ["\u200bhelp\u200b \u200b\u200b\u200b\u200b\u200b",
                                   "....... ......", "?? \u2800\u2800\u2800 !!!!!",
                                   "😡😡😡 😡😡😡"])
def test_a_description_without_two_real_words_is_too_short(lang, value):
    assert not description_blank(value) and not description_ok(value)
    result, messages = validate("problem_description", value, lang)
    assert result == {"problem_description": None}
    assert [m["text"] for m in messages] == [said("report_description_too_short", lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_padded_description_is_kept_normalised(lang):
    padded = "\u200b " + DESCRIPTIONS[lang].replace(" ", "\u00a0", 3) + "\u2800\ufeff"
    result, messages = validate("problem_description", padded, lang)
    assert messages == []
    assert result["problem_description"] == DESCRIPTIONS[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("spelling", ID_SPELLINGS)
def test_request_ids_are_read_the_way_they_look(lang, spelling):
    assert request_id(spelling) == "3F2A-91KD"
    assert request_id(LABELS[lang] + spelling) == "3F2A-91KD"
    result, messages = validate("problem_request_id", LABELS[lang] + spelling, lang)
    assert (result, messages) == ({"problem_request_id": "3F2A-91KD"}, [])


@pytest.mark.parametrize(
    ("lang", "answer"),
    [("ru", "Пропустить\u200b"), ("nb", "hopp\u00a0over"), ("fr", "ＰＡＳＳＥＲ"),
     ("it", "\ufeffsalta"), ("en", "skip\u2800")],
)
def test_skip_words_with_invisible_or_wide_characters_still_skip(lang, answer):
    assert request_id(answer) == NO_REQUEST_ID


@pytest.mark.parametrize(
    ("lang", "answer"),
    [("ru", "не знаю"), ("nb", "vet ikke"), ("fr", "je sais pas"), ("it", "non lo so"),
     ("en", "not sure"), ("en", "ABCD 1234"), ("en", "3F2A  --  91KD x"), ("ru", "\u200b"),
     ("en", "3F\u200b2"), ("en", "<b>x</b>")],
)
def test_words_are_not_turned_into_request_ids(lang, answer):
    assert request_id(answer) is None
    result, messages = validate("problem_request_id", answer, lang)
    assert result == {"problem_request_id": None}
    assert [m["text"] for m in messages] == [said("report_invalid_request_id", lang)]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("identifiant : AB12-CD34", "AB12-CD34"), ("ID richiesta 7781-XZ", "7781-XZ"),
     ("идентификатор запроса: 7781-XZ", "7781-XZ"), ("forespørsels-ID #7781-XZ", "7781-XZ"),
     ("request id 7781-XZ", "7781-XZ"), ("IDX4-1234", "IDX4-1234"), ("id: idx4", "IDX4")],
)
def test_the_label_in_front_of_an_id_goes_and_only_the_label(answer, expected):
    assert request_id(answer) == expected
