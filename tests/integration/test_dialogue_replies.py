"""The trained model (NLU and policies together) on the replies the tester found wrong.

- a rating typed after the rating question is stored, whatever NLU made of it;
- an explicit priority beats a word like "urgent" in the same message.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import LANGUAGES

# Replies to "how satisfied are you, from 1 to 5?" and whether they hold a rating.
RATING_REPLIES = [
    ("ru", "одна звезда", True), ("ru", "одну звезду, никто не помог", True),
    ("ru", "две звезды", True), ("ru", "4 из 5", True),
    ("ru", "как показать экран?", False),
    ("nb", "én stjerne", True), ("nb", "ei stjerne, elendig", True),
    ("nb", "tre av fem", True), ("nb", "⭐⭐⭐⭐", True),
    ("nb", "hvordan deler jeg skjermen?", False),
    ("fr", "une étoile, nul", True), ("fr", "deux étoiles", True), ("fr", "3 sur 5", True),
    ("fr", "un", True), ("fr", "comment partager mon écran ?", False),
    ("it", "una stella, nessuno mi ha risolto il problema", True), ("it", "uno", True),
    ("it", "tre su cinque", True), ("it", "come condivido lo schermo?", False),
    ("en", "one star, useless", True), ("en", "two stars", True), ("en", "4/5", True),
    ("en", "how do I share my screen?", False),
]
# At the priority step: (language, message, the level meant).
PRIORITY_REPLIES = [
    ("fr", "non c'est plus urgent que ça, mettez P2", "P2"),
    ("fr", "c'est critique mais niveau 3 suffit", "P3"),
    ("it", "è urgente ma metti livello 2", "P2"),
    ("it", "P3, non è critica", "P3"),
    ("nb", "det haster, men sett prioritet 2", "P2"),
    ("nb", "P4, det er ikke kritisk", "P4"),
    ("ru", "срочно, но поставьте приоритет 2", "P2"),
    ("ru", "P3, не критический", "P3"),
    ("en", "it's urgent but make it priority 3", "P3"),
    ("en", "no, it is more urgent than that, make it P2", "P2"),
]


@pytest.fixture(scope="module")
def agent(trained_model):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


def test_every_language_is_covered():
    assert {lang for lang, *_ in RATING_REPLIES} == set(LANGUAGES)
    assert {lang for lang, *_ in PRIORITY_REPLIES} == set(LANGUAGES)


def next_actions(agent, lang, text):
    """What the assistant does after the rating question and the user's reply."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parsed = asyncio.run(agent.parse_message(text))
    tracker = DialogueStateTracker.from_events("rating-test", [
        ActionExecuted("action_listen"), SlotSet("language", lang),
        SlotSet("last_ticket_id", "T-1"), ActionExecuted("action_after_handoff"),
        BotUttered("from 1 to 5?"), ActionExecuted("action_listen"),
        UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed),
    ], slots=agent.domain.slots)
    action, _ = agent.processor.predict_next_with_tracker_if_should(tracker)
    tracker.update(ActionExecuted(action.name()))
    after, _ = agent.processor.predict_next_with_tracker_if_should(tracker)
    return parsed["intent"]["name"], action.name(), after.name()


@pytest.mark.parametrize(("lang", "text", "is_rating"), RATING_REPLIES,
                         ids=[f"{lang}-{text}" for lang, text, _ in RATING_REPLIES])
def test_a_typed_rating_is_stored_whatever_the_intent(agent, lang, text, is_rating):
    intent, action, after = next_actions(agent, lang, text)
    if is_rating:
        assert (action, after) == ("action_store_rating", "action_listen"), intent
    else:
        assert action != "action_store_rating", intent


@pytest.mark.parametrize(("lang", "text", "level"), PRIORITY_REPLIES,
                         ids=[f"{lang}-{text}" for lang, text, _ in PRIORITY_REPLIES])
def test_an_explicit_priority_beats_a_word(agent, lang, text, level):
    parsed = asyncio.run(agent.parse_message(text))
    priorities = [e["value"] for e in parsed["entities"] if e["entity"] == "priority"]
    assert priorities == [level], parsed["entities"]
