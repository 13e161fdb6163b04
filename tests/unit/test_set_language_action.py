"""action_set_language on messages that bypass NLU: the page locale decides a first turn."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage
from tests.trackers import make_tracker, parse_data

LOCALES = {"ru": "ru-RU", "nb": "nb-NO", "fr": "fr-FR", "it": "it-IT", "en": "en-GB"}


def run(slot, latest):
    tracker = make_tracker(latest, sender="test", slots={"language": slot})
    return asyncio.run(ActionSetLanguage().run(CollectingDispatcher(), tracker, {}))


def button(locale=None):
    """A button payload ("/request_human"): no NLU, so no language detection."""
    return parse_data("/request_human", "request_human", confidence=1.0,
                      metadata=None if locale is None else {"locale": locale})


@pytest.mark.parametrize("lang", LOCALES)
def test_a_first_button_press_follows_the_page_locale(lang):
    assert run(None, button(LOCALES[lang])) == [SlotSet("language", lang)]


@pytest.mark.parametrize("lang", LOCALES)
def test_a_button_press_never_switches_a_running_conversation(lang):
    other = "en" if lang != "en" else "ru"
    assert run(lang, button(LOCALES[other])) == []


@pytest.mark.parametrize("locale", [None, "de-DE", "", 42])
def test_without_a_usable_locale_a_first_button_press_is_english(locale):
    assert run(None, button(locale)) == [SlotSet("language", "en")]
