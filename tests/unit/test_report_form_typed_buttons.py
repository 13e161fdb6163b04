"""A button title typed instead of clicked fills the asked slot, never cancels the report."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import ValidateProblemReportForm
from bot.escalation.report_form import NO_REQUEST_ID, fold
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data

# Every form question that offers buttons, and what each payload means for its slot.
QUESTIONS = {
    "problem_product": lambda payload: payload,
    "problem_logs": {"/affirm": True, "/deny": False}.get,
    "problem_request_id": {"/deny": NO_REQUEST_ID}.get,
}
# The NLU intents such a typed title was seen to get ("annet" -> cancel 0.62).
INTENTS = ("cancel", "deny", "nlu_fallback")


def buttons(slot, lang):
    return catalogue()[f"ask_{slot}"][lang][0]["buttons"]


def typo(title):
    """One letter dropped in the middle, for titles long enough to be typo-tolerant."""
    middle = len(title) // 2
    return title[:middle] + title[middle + 1:] if len(title) >= 6 else title


def variants(title):
    return {title, title.lower(), title.upper(), fold(title), f" {title}. ", typo(title)}


CASES = [(slot, lang, button["title"], button["payload"])
         for slot in QUESTIONS for lang in LANGUAGES for button in buttons(slot, lang)]


def extract(slot, lang, text, intent="cancel", requested=None):
    tracker = make_tracker(parse_data(text, intent, confidence=0.62), language=lang,
                           slots={"requested_slot": requested or slot},
                           active_loop="problem_report_form")
    form = ValidateProblemReportForm()
    method = getattr(form, f"extract_{slot}")
    return method(CollectingDispatcher(), tracker, {})


def test_every_question_with_buttons_is_covered():
    asked = {key[len("ask_"):] for key, texts in catalogue().items()
             if key.startswith("ask_problem_") and texts["en"][0].get("buttons")}
    assert asked == set(QUESTIONS)


@pytest.mark.parametrize(("slot", "lang", "title", "payload"), CASES,
                         ids=[f"{s}-{la}-{t}" for s, la, t, _ in CASES])
@pytest.mark.parametrize("intent", INTENTS)
def test_a_typed_title_is_the_buttons_answer(slot, lang, title, payload, intent):
    for text in variants(title):
        assert extract(slot, lang, text, intent) == {slot: QUESTIONS[slot](payload)}, text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_other_replies_are_left_to_the_slot_mappings(lang):
    assert extract("problem_product", lang, "annet problem med lyden i går") == {}
    assert extract("problem_product", lang, "avbryt") == {}
    assert extract("problem_product", lang, "/cancel") == {}
    title = buttons("problem_product", lang)[-1]["title"]
    assert extract("problem_product", lang, title, requested="problem_description") == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_validates_the_typed_title(lang):
    """The whole validation action: "Annet" typed while NLU says cancel fills the slot."""
    title = buttons("problem_product", lang)[-1]["title"]
    tracker = make_tracker(parse_data(title, "cancel", confidence=0.62), language=lang,
                           slots={"requested_slot": "problem_product"},
                           active_loop="problem_report_form")
    domain = {"forms": {"problem_report_form": {"required_slots": list(QUESTIONS)}},
              "slots": {slot: {} for slot in QUESTIONS}}
    events = asyncio.run(ValidateProblemReportForm().run(CollectingDispatcher(), tracker,
                                                         domain))
    assert {"event": "slot", "name": "problem_product", "value": "other"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events]
