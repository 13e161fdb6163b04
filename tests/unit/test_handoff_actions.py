"""After the agent: the rating request and the stored rating, rasa-sdk style."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionAfterHandoff, ActionStoreRating
from bot import composition
from tests.conftest import LANGUAGES
from tests.trackers import make_tracker, parse_data


def tracker(lang="en", slots=None, entities=()):
    return make_tracker(parse_data("/rate", "rate", confidence=1.0, entities=entities),
                        sender="s-1", language=lang, slots=slots)


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_assistant_comes_back_and_asks_for_a_rating(lang):
    messages, events = run(ActionAfterHandoff(), tracker(lang, {"last_ticket_id": "T-1"}))
    assert "T-1" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/rate{{"rating": "{n}"}}' for n in range(1, 6)]
    assert events == [ActionExecuted("action_listen")]


@pytest.mark.parametrize(("value", "stored"), [("5", 5), ("1", 1), ("four", 4), ("пять", 5),
                                               ("quattro", 4)])
def test_the_rating_is_stored_on_the_ticket(live_agent, value, stored):
    messages, events = run(ActionStoreRating(), tracker(
        "en", {"last_ticket_id": "T-1"}, [{"entity": "rating", "value": value}]))
    assert live_agent.ratings == [("T-1", stored)]
    assert events == [SlotSet("last_ticket_id", None)]
    assert "Thanks for the rating" in messages[0]["text"]


def test_a_rating_while_the_service_is_down_waits_in_the_outbox(live_agent):
    live_agent.up = False
    run(ActionStoreRating(), tracker("fr", {"last_ticket_id": "T-1"},
                                     [{"entity": "rating", "value": "3"}]))
    with composition.unit_of_work() as uow:
        (queued,) = uow.outbox.pending()
        assert (queued.kind, queued.payload) == ("rating", {"ticket_id": "T-1", "rating": 3})


@pytest.mark.parametrize(("slots", "entities", "key"), [
    ({}, [{"entity": "rating", "value": "5"}], "rating_nothing_to_rate"),
    # A ticket but no rating 1-5: nothing stored, so the question again, not a thanks.
    ({"last_ticket_id": "T-1"}, [{"entity": "rating", "value": "9"}], "rating_ask_again"),
    ({"last_ticket_id": "T-1"}, [], "rating_ask_again"),
])
def test_nothing_to_rate(live_agent, slots, entities, key):
    from bot.texts.catalogue import catalogue

    messages, events = run(ActionStoreRating(), tracker("it", slots, entities))
    assert live_agent.ratings == [] and events == []
    assert messages[0]["text"] == catalogue()[key]["it"][0]["text"]
    assert not messages[0]["text"].startswith("Grazie")


def rating(value, start=0):
    return {"entity": "rating", "value": value, "start": start}


@pytest.mark.parametrize(("text", "entities", "expected"), [
    ("I'd give it a 4", [rating("4", 14)], 4),
    ("je mets un 5 sur 5", [rating("5", 11), rating("5", 17)], 5),
    ("gli do quattro su cinque", [rating("quattro", 7), rating("cinque", 19)], 4),
    ("jeg gir fem stjerner", [rating("fem", 8)], 5),
    ("ставлю твёрдую четвёрку", [rating("четвёрку", 15)], 4),
    ("5/5 great job", [rating("5", 0), rating("5", 2)], 5),
    ("four out of 5", [rating("four", 0), rating("5", 12)], 5),  # entities: digits first
    ("⭐⭐⭐⭐", [], 4),
    ("★★★☆☆", [], 3),
    ("🌟🌟🌟🌟🌟🌟", [], None),  # six stars is not a 1-5 rating
    ("très bien", [], None),
    ("ottimo", [rating("9")], None),
])
def test_the_rating_is_read_from_digits_words_or_stars(text, entities, expected):
    from actions.handoff import rating_from_entities

    assert rating_from_entities(entities, text) == expected
