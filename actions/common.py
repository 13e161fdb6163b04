"""Reading the tracker: language, intent, entities, and the verified user."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Optional, Tuple

from rasa_sdk import Tracker

from actions.language import LANGUAGE_SLOT
from bot import DEFAULT_LANGUAGE, composition
from bot.accounts.identity import identity_from_metadata
from bot.accounts.store import UserAccount
from bot.escalation.time_parser import time_zone


def language(tracker: Tracker) -> str:
    """The conversation language."""
    return tracker.get_slot(LANGUAGE_SLOT) or DEFAULT_LANGUAGE


def intent(tracker: Tracker) -> Optional[str]:
    """The latest user message's intent."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity(tracker: Tracker, name: str) -> Optional[str]:
    """The latest message's first value of an entity."""
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def metadata(tracker: Tracker) -> dict:
    """The latest user message's metadata (set by the channel)."""
    value = tracker.latest_message.get("metadata")
    return value if isinstance(value, dict) else {}


def verified_user(tracker: Tracker) -> Tuple[Optional[UserAccount], str]:
    """The signed-in user from the channel's signed metadata, and their account's name.

    Nothing the user typed is consulted: a forged or missing identity is a guest.
    """
    identity = identity_from_metadata(metadata(tracker), tracker.sender_id,
                                      composition.identity_secret())
    if identity.is_guest or identity.user_id is None:
        return None, ""
    with composition.unit_of_work() as uow:
        user = uow.accounts.user_account(identity.user_id)
        name = uow.accounts.account_name(user.account_id) if user else ""
    return user, name


def user_timezone(tracker: Tracker) -> tzinfo:
    """The time zone the widget reported (IANA name), else UTC; never raises."""
    return time_zone(metadata(tracker).get("timezone"))


def now_for(tracker: Tracker) -> datetime:
    """The current time in the user's time zone."""
    return composition.clock().astimezone(user_timezone(tracker))
