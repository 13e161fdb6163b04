"""A rating typed after the rating question: the parser, the policy and the action."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionStoreRating
from bot.dialogue.rating_policy import RatingReplyPolicy
from bot.handoff.rating import rating_in_text
from bot.texts.catalogue import catalogue
from tests.conftest import LANGUAGES, PROJECT_ROOT
from tests.trackers import make_tracker, parse_data

# (language, reply, rating or None). Number words in their gender and case forms,
# digits, "N out of 5", stars; and replies that hold no rating.
REPLIES = [
    ("ru", "одна звезда", 1), ("ru", "одну звезду, никто не помог", 1),
    ("ru", "один", 1), ("ru", "две звезды", 2), ("ru", "два", 2),
    ("ru", "три из пяти", 3), ("ru", "ставлю твёрдую четвёрку", 4),
    ("ru", "пять звёзд!", 5), ("ru", "4/5", 4), ("ru", "⭐⭐⭐", 3),
    ("ru", "один вопрос: как показать экран?", None), ("ru", "спасибо", None),
    ("ru", "ждал 2 часа", None),
    ("nb", "én stjerne", 1), ("nb", "ei stjerne, elendig", 1), ("nb", "ett", 1),
    ("nb", "to stjerner", 2), ("nb", "tre av fem", 3), ("nb", "fire", 4),
    ("nb", "jeg gir fem stjerner", 5), ("nb", "en firer", 4), ("nb", "★★☆☆☆", 2),
    ("nb", "en ting til: hvordan deler jeg skjermen?", None), ("nb", "takk", None),
    ("fr", "une étoile, nul", 1), ("fr", "un", 1), ("fr", "deux étoiles", 2),
    ("fr", "3 sur 5", 3), ("fr", "trois sur cinq", 3), ("fr", "je mets un 5 sur 5", 5),
    ("fr", "quatre", 4), ("fr", "⭐⭐⭐⭐", 4),
    ("fr", "j'ai une autre question", None), ("fr", "merci beaucoup", None),
    ("it", "una stella, nessuno mi ha risolto il problema", 1), ("it", "uno", 1),
    ("it", "due stelle", 2), ("it", "tre su cinque", 3), ("it", "gli do quattro su cinque", 4),
    ("it", "cinque!", 5), ("it", "voto 4", 4), ("it", "🌟🌟🌟🌟🌟", 5),
    ("it", "ho un'altra domanda", None), ("it", "una domanda sulla fattura", None),
    ("en", "one star, useless", 1), ("en", "one", 1), ("en", "two stars", 2),
    ("en", "3 out of 5", 3), ("en", "four out of 5", 4), ("en", "I'd give it a 4", 4),
    ("en", "5/5 great job", 5), ("en", "4️⃣", 4),
    ("en", "one more question: how do I share my screen?", None),
    ("en", "I waited 2 hours", None), ("en", "🌟🌟🌟🌟🌟🌟", None), ("en", "P2", None),
]
IDS = [f"{lang}-{text}" for lang, text, _ in REPLIES]


def test_every_language_has_ratings_and_non_ratings():
    for lang in LANGUAGES:
        values = [value for code, _, value in REPLIES if code == lang]
        assert None in values and 1 in values and len(set(values)) >= 4, lang


@pytest.mark.parametrize(("lang", "text", "expected"), REPLIES, ids=IDS)
def test_the_rating_is_read_from_the_text(lang, text, expected):
    assert rating_in_text(text, lang) == expected


def test_a_rating_in_another_language_needs_an_unambiguous_form():
    assert rating_in_text("one star", "fr") == 1
    assert rating_in_text("to the point", "fr") is None


# -- the policy ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain"))


def conversation(lang, text, asked="action_after_handoff"):
    events = [SlotSet("language", lang), ActionExecuted("action_listen"),
              ActionExecuted(asked), BotUttered("from 1 to 5?"),
              ActionExecuted("action_listen"),
              UserUttered(text, {"name": "kb_helpful", "confidence": 0.51})]
    return DialogueStateTracker.from_events("s-1", events)


def policy():
    return RatingReplyPolicy.create({**RatingReplyPolicy.get_default_config()},
                                    None, None, _Context())


class _Context:
    is_finetuning = False


@pytest.mark.parametrize(("lang", "text", "expected"), REPLIES, ids=IDS)
def test_the_policy_stores_a_typed_rating_whatever_the_intent(domain, lang, text, expected):
    prediction = policy().predict_action_probabilities(conversation(lang, text), domain)
    if expected is None:
        assert max(prediction.probabilities) == 0.0
    else:
        assert prediction.probabilities[domain.index_for_action(
            "action_store_rating")] == 1.0
        assert prediction.policy_priority > RULE_POLICY_PRIORITY


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_policy_only_answers_the_rating_question(domain, lang):
    text = next(text for code, text, value in REPLIES if code == lang and value == 1)
    assert policy().next_action(conversation(lang, text, asked="utter_greet")) is None
    tracker = conversation(lang, text)
    tracker.update(ActionExecuted("action_store_rating"))
    assert policy().next_action(tracker) == "action_listen"
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(text, {"name": "rate", "confidence": 1.0}))
    assert policy().next_action(tracker) is None  # a second reply is no answer to it


# -- the action ---------------------------------------------------------------------------
def store(lang, text, intent="kb_helpful"):
    tracker = make_tracker(parse_data(text, intent), sender="s-1", language=lang,
                           slots={"last_ticket_id": "T-1"})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStoreRating().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.mark.parametrize(("lang", "text", "expected"),
                         [r for r in REPLIES if r[2] is not None],
                         ids=[i for i, r in zip(IDS, REPLIES, strict=True) if r[2] is not None])
def test_the_action_stores_the_typed_rating(live_agent, lang, text, expected):
    messages, _ = store(lang, text)
    assert live_agent.ratings == [("T-1", expected)]
    assert messages[0]["text"] == catalogue()["rating_thanks"][lang][0]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_rating_is_asked_again_without_thanks(live_agent, lang):
    text = next(text for code, text, value in REPLIES if code == lang and value is None)
    messages, events = store(lang, text, intent="rate")
    assert live_agent.ratings == [] and events == []
    assert messages[0]["text"] == catalogue()["rating_ask_again"][lang][0]["text"]
    assert len(messages[0]["buttons"]) == 5
    for thanks in ("rating_thanks", "kb_feedback_thanks"):
        assert messages[0]["text"] != catalogue()[thanks][lang][0]["text"]
