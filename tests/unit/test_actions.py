"""Table-driven tests of the custom actions, rasa-sdk style: Tracker in, events out."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage
from tests import trackers


def user_event(intent, language=None):
    detection = {} if language is None else {"language": language}
    return trackers.user_event(trackers.parse_data("…", intent, **detection))


def tracker(events, slots=None, latest=None):
    return trackers.make_tracker(latest or (events[-1]["parse_data"] if events else None),
                                 sender="test", slots=slots, events=events)


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return events, [m.get("response") for m in dispatcher.messages]


def detection(language, reliable=True, requested=None):
    return {"language": language, "confidence": 0.9, "reliable": reliable,
            "source": "detected", "requested": requested}


@pytest.mark.parametrize(
    ("slot", "event", "expected_events"),
    [
        (None, user_event("greet", detection("ru")), [SlotSet("language", "ru")]),
        ("ru", user_event("affirm", detection("en", reliable=False)), []),
        ("ru", user_event("ask_question", detection("fr")), [SlotSet("language", "fr")]),
        ("en", user_event("change_language", detection("en", requested="it")),
         [SlotSet("language", "it")]),
        ("nb", user_event("request_human"), []),
        (None, user_event("request_human"), [SlotSet("language", "en")]),
    ],
)
def test_action_set_language(slot, event, expected_events):
    events, responses = run(ActionSetLanguage(), tracker([event], {"language": slot}))
    assert events == expected_events
    assert responses == []
