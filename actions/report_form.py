"""Validation of the problem report form; every message in the user's language."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, now_for
from actions.report_time import corrected_time, time_read_back
from bot import SUPPORTED_LANGUAGES
from bot.channels.user_text import normalize
from bot.escalation.report_form import (
    NO_REQUEST_ID,
    description_blank,
    description_ok,
    match_button,
    match_product,
    request_id,
    yes_or_no,
)
from bot.escalation.time_parser import WhenError, parse_when
from bot.texts.catalogue import render
from kb_index.embedding import PARSE_KEY


def _reject(dispatcher: CollectingDispatcher, key: str, tracker: Tracker,
            slot: str) -> Dict[str, Any]:
    dispatcher.utter_message(**render(key, language(tracker)))
    return {slot: None}


def _unset(value: Any) -> bool:
    # A slot being cleared (a new report starting) is not an answer to validate.
    return value is None


# What a button's payload means for its slot, when the payload is not the value itself.
BUTTON_VALUES: Dict[str, Dict[str, Any]] = {
    "problem_logs": {"/affirm": True, "/deny": False},
    "problem_request_id": {"/deny": NO_REQUEST_ID},
}


def typed_button(slot: str, tracker: Tracker) -> Dict[str, Any]:
    """The slot's value when the user typed one of the asked question's button titles.

    A typed title is a click: "Annet" at the product question is the "Annet" button,
    even though NLU reads it as ``cancel`` (and the slot mapping skips that intent).
    The conversation language's titles are tried first, then the other languages'.

    Args:
        slot: a form slot whose question (``ask_<slot>``) may have buttons.
        tracker: the conversation; only a typed reply to that question counts.

    Returns:
        ``{slot: value}``, or ``{}`` when the reply is no button title.
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    text = str((tracker.latest_message or {}).get("text") or "")
    if not text or text.startswith("/"):
        return {}  # a click: the payload is already its answer
    lang = language(tracker)
    order = [lang] + [other for other in SUPPORTED_LANGUAGES if other != lang]
    buttons = [(str(button["title"]), str(button["payload"]))
               for each in order
               for button in render(f"ask_{slot}", each).get("buttons", [])]
    payload = match_button(text, buttons)
    if payload is None:
        return {}
    return {slot: BUTTON_VALUES.get(slot, {}).get(payload, payload)}


class ValidateProblemReportForm(FormValidationAction):
    """Checks each answer; a bad one is explained and asked again."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "validate_problem_report_form"

    # Typed button titles fill the asked slot whatever the intent (rasa-sdk calls each
    # extract_<slot> before validating); never taken as cancel or deny.
    def extract_problem_product(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[str, Any]:
        """"Annet", "autre", "Qualità video" typed instead of clicking."""
        return typed_button("problem_product", tracker)

    def extract_problem_logs(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[str, Any]:
        """"Ja", "Non", "Sì" typed instead of clicking."""
        return typed_button("problem_logs", tracker)

    def extract_problem_request_id(self, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict
                                   ) -> Dict[str, Any]:
        """"Hopp over", "Passer", "Пропустить" typed instead of clicking."""
        return typed_button("problem_request_id", tracker)

    def validate_problem_product(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        """A button's code or the product's name in any language."""
        if _unset(value):
            return {"problem_product": None}
        product = match_product(str(value)) if value else None
        if product is None:
            return _reject(dispatcher, "report_invalid_product", tracker, "problem_product")
        return {"problem_product": product}

    def validate_problem_description(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict
                                     ) -> Dict[str, Any]:
        """A few words at least; keeps the message's e5 vector for the classifier.

        Judged and stored in the normalised form (``bot.channels.user_text.normalize``): a
        description of only spaces or invisible characters is refused as empty.
        """
        if _unset(value):
            return {"problem_description": None}
        if not isinstance(value, str) or description_blank(value):
            return _reject(dispatcher, "report_description_empty", tracker,
                           "problem_description")
        if not description_ok(value):
            return _reject(dispatcher, "report_description_too_short", tracker,
                           "problem_description")
        vector: Optional[Any] = None
        if tracker.latest_message.get("text") == value:
            vector = tracker.latest_message.get(PARSE_KEY)
        return {"problem_description": normalize(value),
                "problem_description_vector": vector}

    def validate_problem_time(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        """"yesterday around 3pm", a weekday, a date... never in the future."""
        if _unset(value):
            return {"problem_time": None}
        now = now_for(tracker)
        try:
            moment = parse_when(str(value or ""), language(tracker), now)
        except WhenError as error:
            return _reject(dispatcher, f"report_time_{error.code}", tracker, "problem_time")
        return {"problem_time": moment.iso(now)}

    def validate_problem_logs(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        """Yes or no, from the buttons or typed in any language; a new time corrects it."""
        if _unset(value):
            return {"problem_logs": None}
        corrected = corrected_time(tracker, dispatcher)
        if corrected is not None:
            return corrected
        answer = value if isinstance(value, bool) else yes_or_no(str(value or ""))
        if answer is None:
            return _reject(dispatcher, "report_yes_or_no", tracker, "problem_logs")
        return {"problem_logs": answer}

    def validate_problem_request_id(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict
                                    ) -> Dict[str, Any]:
        """An ID like 3F2A-91KD, or "skip"."""
        if _unset(value):
            return {"problem_request_id": None}
        cleaned = request_id(str(value or ""))
        if cleaned is None:
            return _reject(dispatcher, "report_invalid_request_id", tracker,
                           "problem_request_id")
        return {"problem_request_id": cleaned}


class _AskForSlot(Action, ABC):
    """Asks the form's question for one slot, in the user's language.

    Abstract (each subclass names its slot), so the action server does not register it:
    rasa-sdk's executor skips abstract ``Action`` subclasses (``inspect.isabstract``).
    """

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot asked for; the action is ``action_ask_<slot>``."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        """Sends the question (with its buttons)."""
        dispatcher.utter_message(**render(f"ask_{self.slot}", language(tracker)))
        return []


class ActionAskProblemProduct(_AskForSlot):
    """Which product: buttons for video quality, phone, chat, webinar, other."""

    slot = "problem_product"


class ActionAskProblemDescription(_AskForSlot):
    """What happened."""

    slot = "problem_description"


class ActionAskProblemTime(_AskForSlot):
    """When it happened."""

    slot = "problem_time"


class ActionAskProblemLogs(_AskForSlot):
    """Whether logs may be sent: yes / no buttons."""

    slot = "problem_logs"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        """Asks, after saying back the time just understood (so it can be corrected)."""
        message = render("ask_problem_logs", language(tracker))
        read_back = time_read_back(tracker)
        if read_back:
            message["text"] = f"{read_back}\n\n{message['text']}"
        dispatcher.utter_message(**message)
        return []


class ActionAskProblemRequestId(_AskForSlot):
    """An optional request ID, with a skip button."""

    slot = "problem_request_id"
