"""Keeps the ``language`` slot: filled by a custom slot mapping on every user turn."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.language import choose_conversation_language

LANGUAGE_SLOT = "language"


class ActionSetLanguage(Action):
    """Sets the conversation language from the NLU detection and the previous language."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_set_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        """Returns a SlotSet event when the conversation language changes."""
        current = tracker.get_slot(LANGUAGE_SLOT)
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        chosen = choose_conversation_language(current, latest.get(LANGUAGE_SLOT), intent)
        return [] if chosen == current else [SlotSet(LANGUAGE_SLOT, chosen)]
