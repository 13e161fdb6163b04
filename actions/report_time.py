"""The report form's time, said back to the user and correctable at the next question.

After "when did it happen?" the next question (may we attach the logs?) starts with the
time as understood, in the user's language and time zone ("Noted: yesterday at 22:05.
If that's not right, just type the correct time."). A time typed instead of yes or no
replaces it, is said back again, and the logs question is asked again.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language, now_for
from bot.escalation.report_form import fold, yes_or_no
from bot.escalation.time_parser import NOT_UNDERSTOOD, When, WhenError, describe, parse_when
from bot.texts.catalogue import render, text

TIME_SLOT = "problem_time"
LOGS_SLOT = "problem_logs"


def time_set_this_turn(tracker: Tracker) -> Optional[str]:
    """The report's time (ISO 8601) if this turn set it, else None."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "slot" and event.get("name") == TIME_SLOT:
            value = event.get("value")
            return value if isinstance(value, str) and value else None
    return None


def time_read_back(tracker: Tracker) -> Optional[str]:
    """"Noted: yesterday at 22:05. …" when this turn set the time, else None."""
    value = time_set_this_turn(tracker)
    if value is None:
        return None
    now = now_for(tracker)
    try:
        when = When.from_iso(value, now.tzinfo)
    except ValueError:
        return None  # the raw text, before validation turned it into a moment
    lang = language(tracker)
    return text("report_time_understood", lang, when=describe(when, lang, now))


def corrected_time(tracker: Tracker, dispatcher: CollectingDispatcher
                   ) -> Optional[Dict[str, Any]]:
    """Slot values when the answer to the logs question is a new time, else None.

    "yes"/"no" (typed or from a button) is an answer to the logs question, and so is
    anything that starts with "yes". Anything else that reads as a time ("no, 21:15",
    "i går kl 21") replaces the report's time; one that reads as a time but cannot be
    used ("tomorrow") is explained, and the logs question asked again.
    """
    typed = str(tracker.latest_message.get("text") or "").strip()
    first_word = fold(typed).split(" ")[0].strip(",;:") if typed else ""
    if not typed or typed.startswith("/") or yes_or_no(typed) is not None \
            or yes_or_no(first_word) is True:
        return None
    lang = language(tracker)
    now = now_for(tracker)
    try:
        when = parse_when(typed, lang, now)
    except WhenError as error:
        if error.code == NOT_UNDERSTOOD:
            return None
        dispatcher.utter_message(**render(f"report_time_{error.code}", lang))
        return {LOGS_SLOT: None}
    return {TIME_SLOT: when.iso(now), LOGS_SLOT: None}
