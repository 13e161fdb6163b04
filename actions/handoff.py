"""After a live agent: the assistant resumes, asks for a rating, and stores it."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language
from bot import composition
from bot.handoff.live_agent_client import LiveAgentRefused, LiveAgentUnavailable
from bot.handoff.rating import rating_in_text
from bot.texts.catalogue import render

logger = logging.getLogger(__name__)

TICKET_SLOT = "last_ticket_id"
RATING_WORDS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "пятёрку": 5,
    "пятерку": 5, "en": 1, "to": 2, "tre": 3, "fire": 4, "firer": 4, "fem": 5, "un": 1,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "uno": 1, "due": 2, "quattro": 4,
    "cinque": 5, "единицу": 1, "двойку": 2, "тройку": 3, "четвёрку": 4, "четверку": 4,
}


FILLED_STARS = ("⭐", "★", "🌟")


def rating_from_entities(entities: List[Dict[str, Any]], text: str = "") -> Optional[int]:
    """The 1-5 rating of a message: a digit first, else the earliest word, else stars.

    Args:
        entities: the parse result's entities (``{"entity", "value", "start"?}``).
        text: the message, for ratings given as stars only ("⭐⭐⭐⭐", "★★★☆☆").

    Returns:
        The rating, or None when the message holds no rating from 1 to 5.
    """
    found = []
    for item in entities:
        if item.get("entity") != "rating":
            continue
        value = str(item.get("value") or "").strip().lower()
        if value in RATING_WORDS:
            # Digits before words: "I give it a 4" also matches the article.
            found.append((not value.isdigit(), int(item.get("start") or 0), value))
    if found:
        return RATING_WORDS[min(found)[2]]
    stars = sum(text.count(star) for star in FILLED_STARS)
    return stars if 1 <= stars <= 5 else None


def rating_of_message(message: Dict[str, Any], lang: str) -> Optional[int]:
    """The rating of the user's message: a button's entity, else the typed words.

    Typed text is read by ``rating_in_text`` alone, not by the regex entities: those
    take any digit ("I waited 2 hours") and miss "una stella", "одну звезду".

    Args:
        message: the parsed message (``tracker.latest_message``).
        lang: the conversation language.

    Returns:
        The rating 1-5, or None.
    """
    text = str(message.get("text") or "")
    if text.lstrip().startswith("/"):
        return rating_from_entities(message.get("entities") or [], "")
    return rating_in_text(text, lang)


class ActionAfterHandoff(Action):
    """Run by the help-center channel when the agent resolves the ticket."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_after_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Says the assistant is back and asks for a 1-5 rating."""
        ticket_id = tracker.get_slot(TICKET_SLOT) or ""
        dispatcher.utter_message(**render("after_handoff", language(tracker),
                                          ticket_id=ticket_id))
        # Executed outside a user turn: listen next, so the rating rule applies.
        return [ActionExecuted("action_listen")]


class ActionStoreRating(Action):
    """Stores the 1-5 satisfaction rating on the ticket the agent resolved."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Sends the rating to the live-agent service (or the outbox) and thanks."""
        lang = language(tracker)
        ticket_id = tracker.get_slot(TICKET_SLOT)
        rating = rating_of_message(tracker.latest_message or {}, lang)
        if not ticket_id:
            dispatcher.utter_message(**render("rating_nothing_to_rate", lang))
            return []
        if rating is None:
            # Nothing stored, so no thanks: the question again, with its buttons.
            dispatcher.utter_message(**render("rating_ask_again", lang))
            return []
        try:
            composition.live_agent_client().rate(ticket_id, rating)
        except LiveAgentUnavailable:
            with composition.unit_of_work() as uow:
                uow.outbox.add("rating", f"rating:{ticket_id}",
                               {"ticket_id": ticket_id, "rating": rating})
        except LiveAgentRefused:
            logger.exception("rating of %s refused", ticket_id)
        dispatcher.utter_message(**render("rating_thanks", lang))
        return [SlotSet(TICKET_SLOT, None)]
