"""rasa-sdk Trackers for action tests: what Rasa sends the action server, built in one place.

    latest = parse_data("je ne peux pas partager", "ask_question", metadata={"locale": "fr-FR"})
    tracker = make_tracker(latest, sender="user-1", language="fr", events=[user_event(latest)])
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

from rasa_sdk import Tracker

from actions.language import LANGUAGE_SLOT

ParseData = Dict[str, Any]
"""A user message as NLU parsed it: ``tracker.latest_message``, an event's ``parse_data``."""

Event = Dict[str, Any]
"""A tracker event as Rasa serialises it for the action server."""


def parse_data(text: str = "", intent: Optional[str] = None, *, confidence: float = 0.9,
               entities: Iterable[Dict[str, Any]] = (),
               metadata: Optional[Mapping[str, Any]] = None, **extra: Any) -> ParseData:
    """One parsed user message.

    Args:
        text: What the user sent (a button sends its payload, "/request_human").
        intent: The intent's name; without one the message has no ``intent`` key.
        confidence: The intent's confidence.
        entities: Entity dicts (``{"entity": "rating", "value": "5"}``), kept as given.
        metadata: The channel's metadata; without it the message has no ``metadata`` key.
        **extra: Any other keys NLU adds (``language``, ``text_embedding``...).
    """
    message: ParseData = {"text": text, "entities": list(entities)}
    if intent is not None:
        message["intent"] = {"name": intent, "confidence": confidence}
    if metadata is not None:
        message["metadata"] = metadata
    message.update(extra)
    return message


def user_event(message: ParseData) -> Event:
    """The ``user`` event Rasa logged for a parsed message (sharing the same dict)."""
    event: Event = {"event": "user", "text": message.get("text"), "parse_data": message}
    if "metadata" in message:
        event["metadata"] = message["metadata"]
    return event


def make_tracker(latest: Optional[ParseData] = None, *, sender: str = "s",
                 language: Optional[str] = None, slots: Optional[Mapping[str, Any]] = None,
                 events: Iterable[Event] = (), active_loop: Optional[str] = None,
                 latest_action_name: Optional[str] = "action_listen", paused: bool = False,
                 followup_action: Optional[str] = None) -> Tracker:
    """A tracker as the action server receives it.

    Args:
        latest: The latest user message (``tracker.latest_message``); none gives ``{}``.
        sender: The conversation id (``tracker.sender_id``).
        language: The conversation language slot; ``slots`` may still override it.
        slots: Slot values; a slot not given reads as None.
        events: The conversation so far, oldest first. The latest message is in it only
            if given here (``user_event(latest)``).
        active_loop: The active form's name, if a form is running.
        latest_action_name: The last action run (after a user message, listening).
        paused: Whether the conversation is paused (handed to an agent).
        followup_action: An action Rasa was told to run next.
    """
    values: Dict[str, Any] = {} if language is None else {LANGUAGE_SLOT: language}
    values.update(slots or {})
    events_list: List[Event] = list(events)
    return Tracker(sender, values, latest, events_list, paused, followup_action,
                   {"name": active_loop} if active_loop else {}, latest_action_name)
