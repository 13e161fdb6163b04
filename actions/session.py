"""A new session continues the conversation: a user who comes back finds it where it was.

Rasa starts a new session after ``session_expiration_time`` of silence; its default
``action_session_start`` keeps the slots but drops the running form and un-pauses a
conversation that an agent still holds. This one keeps all three:

- every slot (the language first of all);
- a half-filled problem report, which goes on at the question it was asking;
- a live handoff, which stays paused for as long as its ticket is open.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    EventType,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import composition
from bot.handoff.records import LIVE

logger = logging.getLogger(__name__)


def session_continuation(slots: Mapping[str, Any], active_loop: Optional[str],
                         paused: bool) -> List[EventType]:
    """The events that open a new session carrying the old one's state.

    Args:
        slots: the old session's slot values (None values are not carried).
        active_loop: the form that was running, if any.
        paused: whether an agent still holds the conversation.

    Returns:
        ``session_started``, the slots, the form, the pause, then ``action_listen``:
        the order Rasa's own session start uses, so the user's next message is read
        in the restored state.
    """
    events: List[EventType] = [SessionStarted()]
    events += [SlotSet(name, value) for name, value in slots.items() if value is not None]
    if active_loop:
        events.append(ActiveLoop(active_loop))
    if paused:
        events.append(ConversationPaused())
    events.append(ActionExecuted("action_listen"))
    return events


def handoff_open(sender_id: str, paused_before: bool) -> bool:
    """Whether a live ticket still holds the conversation (the database decides).

    If the database cannot be read, the old session's pause stands: staying silent
    beside an agent is better than answering over them.
    """
    try:
        with composition.unit_of_work() as uow:
            handoff = uow.handoffs.active(sender_id)
            return handoff is not None and handoff.status == LIVE
    except SQLAlchemyError:
        logger.exception("could not read the handoff of %s", sender_id)
        return paused_before


class ActionSessionStart(Action):
    """Starts a new session that keeps the language, the running form and the handoff."""

    def name(self) -> str:
        """Returns the action's name (Rasa's own, overridden here)."""
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Returns the new session's opening events."""
        return session_continuation(tracker.current_slot_values(), tracker.active_loop_name,
                                    handoff_open(tracker.sender_id, tracker.is_paused()))
