"""action_set_language on messages that bypass NLU: the page locale decides a first turn."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage

LOCALES = {"ru": "ru-RU", "nb": "nb-NO", "fr": "fr-FR", "it": "it-IT", "en": "en-GB"}


def run(slot, latest):
    tracker = Tracker(sender_id="test", slots={"language": slot}, latest_message=latest,
                      events=[], paused=False, followup_action=None, active_loop={},
                      latest_action_name="action_listen")
    return asyncio.run(ActionSetLanguage().run(CollectingDispatcher(), tracker, {}))


def button(locale=None):
    """A button payload ("/request_human"): no NLU, so no language detection."""
    latest = {"intent": {"name": "request_human", "confidence": 1.0}, "entities": [],
              "text": "/request_human"}
    if locale is not None:
        latest["metadata"] = {"locale": locale}
    return latest


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
