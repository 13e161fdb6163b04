"""Keeps the ``language`` slot: filled by a custom slot mapping on every user turn."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.nlu.conversation_language import (
    LanguageDetection,
    choose_conversation_language,
    locale_to_language,
)

LANGUAGE_SLOT = "language"
LOCALE_KEY = "locale"


def message_detection(tracker: Tracker) -> Optional[Mapping[str, Any]]:
    """The latest message's language detection, or one made of its page locale.

    Button payloads ("/request_human") bypass NLU, so they carry no detection; the
    page locale the widget sends with every message still says which language a first
    turn should use.
    """
    latest = tracker.latest_message or {}
    detection = latest.get(LANGUAGE_SLOT)
    if detection:
        return detection
    # Read here, not with actions.common.metadata: that module imports this one.
    sent = latest.get("metadata")
    hint = locale_to_language(sent.get(LOCALE_KEY) if isinstance(sent, dict) else None)
    if hint is None:
        return None
    from_locale: LanguageDetection = {"language": hint, "confidence": 0.0, "reliable": False,
                                      "source": "hint", "requested": None}
    return from_locale


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
        chosen = choose_conversation_language(current, message_detection(tracker), intent)
        return [] if chosen == current else [SlotSet(LANGUAGE_SLOT, chosen)]
