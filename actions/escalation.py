"""Asking for a person: entitlement, priority, and the completed request.

The plan and role come from the account database for the identity the channel
verified (``actions.common.verified_user``); slots never carry them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import intent, language, now_for, user_timezone, verified_user
from bot import DEFAULT_LANGUAGE, composition
from bot.escalation.entitlements import HANDOFF, SELF_SERVICE, entitlement
from bot.escalation.priority import FIRST_RESPONSE_HOURS, PRIORITIES, targets
from bot.escalation.replies import (
    escalation_payload,
    handoff_complete_messages,
    priority_proposal_message,
    request_human_messages,
    self_service_lines,
    support_summary_messages,
)
from bot.handoff.live_agent_client import LiveAgentRefused, TicketPayload
from bot.handoff.records import hand_over
from bot.handoff.transcript import TranscriptEntry, transcript_entries
from bot.texts.catalogue import render, text

logger = logging.getLogger(__name__)

DECISION_SLOT = "escalation_decision"
PRIORITY_SLOT = "priority"
REPORT_SLOTS = ("problem_product", "problem_description", "problem_time", "problem_logs",
                "problem_request_id", "problem_description_vector")


def _account_unavailable(dispatcher: CollectingDispatcher, lang: str) -> List[EventType]:
    dispatcher.utter_message(
        text="\n\n".join([text("esc_account_unavailable", lang), *self_service_lines(lang)]),
        json_message=escalation_payload(entitlement(None)))
    return [SlotSet(DECISION_SLOT, SELF_SERVICE)]


def transcript(tracker: Tracker, limit: int = 60) -> List[TranscriptEntry]:
    """The conversation so far, for the agent: who said what, when, in which language.

    A click reads as the title of the button the user saw, not its payload
    (``bot.handoff.transcript``).
    """
    return transcript_entries(tracker.events, DEFAULT_LANGUAGE, limit)


def ticket_payload(tracker: Tracker, user: Any, due: Any, lang: str) -> TicketPayload:
    """The live-agent ticket for the completed report.

    The ticket id derives from the conversation, the report and the priority, so a
    retried completion is the same ticket (and the same idempotency key).
    """
    report = {slot.removeprefix("problem_"): tracker.get_slot(slot)
              for slot in REPORT_SLOTS if slot != "problem_description_vector"}
    fingerprint = json.dumps([tracker.sender_id, report, due.priority], sort_keys=True,
                             default=str)
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()
    return {
        "id": f"T-{digest[:10].upper()}",
        "idempotency_key": f"{tracker.sender_id}:{digest[:32]}",
        "sender_id": tracker.sender_id,
        "user_id": user.user_id, "user_name": user.name, "user_email": user.email,
        "account_id": user.account_id, "plan": user.plan,
        "support_tier": user.support_tier, "language": lang, "priority": due.priority,
        "first_response_due": due.first_response_due.isoformat(),
        "resolution_due": due.resolution_due.isoformat() if due.resolution_due else None,
        # The user's time zone (IANA name) lets the console show times as the user lives them.
        "report": {**report, "timezone": getattr(user_timezone(tracker), "key", None) or "UTC"},
        "transcript": transcript(tracker),
    }


def clear_report() -> List[EventType]:
    """Events that forget the report, so the next one starts fresh."""
    return [SlotSet(slot, None) for slot in (*REPORT_SLOTS, PRIORITY_SLOT)]


class ActionRequestHuman(Action):
    """Offers a person to those entitled, and self-service to everyone else."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Decides from the verified account; a handoff goes on to the report form."""
        lang = language(tracker)
        try:
            user, _ = verified_user(tracker)
        except SQLAlchemyError:
            logger.exception("account lookup failed for %s", tracker.sender_id)
            return _account_unavailable(dispatcher, lang)
        decision = entitlement(user)
        # Someone reporting a problem who may not reach a person gets how to report it
        # (the rule's next response), not a refusal of the person they did not ask for.
        if not (decision.decision == SELF_SERVICE and intent(tracker) == "report_problem"):
            for message in request_human_messages(decision, lang):
                dispatcher.utter_message(**message)
        return [SlotSet(DECISION_SLOT, decision.decision), *clear_report()]


class ActionExplainSupport(Action):
    """Answers "what support do I have?" from the account database."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_explain_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Describes the plan, role, channels and targets of the signed-in user."""
        lang = language(tracker)
        try:
            user, account_name = verified_user(tracker)
        except SQLAlchemyError:
            logger.exception("account lookup failed for %s", tracker.sender_id)
            return _account_unavailable(dispatcher, lang)
        for message in support_summary_messages(entitlement(user), user, account_name, lang):
            dispatcher.utter_message(**message)
        return []


class ActionProposePriority(Action):
    """Classifies the report as P1-P4 and asks the user to confirm or correct it."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_propose_priority"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Proposes a priority; after a "no", lists all four to choose from."""
        lang = language(tracker)
        description = tracker.get_slot("problem_description")
        rejected = intent(tracker) == "deny" and previous_action(tracker) == self.name()
        if rejected or not description:
            dispatcher.utter_message(**render("priority_choose", lang))
            return []
        try:
            classifier = composition.priority_classifier()
            vector = classifier_vector(tracker)
            priority = classifier.predict(description, vector).priority
        except Exception:  # the user can still choose; never lose the report
            logger.exception("priority classification failed")
            dispatcher.utter_message(**render("priority_choose", lang))
            return []
        dispatcher.utter_message(
            **priority_proposal_message(priority, FIRST_RESPONSE_HOURS[priority], lang))
        return [SlotSet(PRIORITY_SLOT, priority)]


def previous_action(tracker: Tracker) -> Any:
    """The bot's last action before the latest user message (not counting listening)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in (
                "action_listen", None):
            return event.get("name")
    return None


def classifier_vector(tracker: Tracker) -> Any:
    """The description's e5 vector saved by the form validation, if usable."""
    from kb_index.embedding import e5_model_id, unpack

    return unpack(tracker.get_slot("problem_description_vector"), e5_model_id(), 384)


class ActionCompleteHandoff(Action):
    """Completes the request with the confirmed priority, its targets and due times."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_complete_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Re-checks the entitlement, then confirms priority, targets and contacts."""
        lang = language(tracker)
        if not tracker.get_slot("problem_description"):
            dispatcher.utter_message(**render("priority_nothing_pending", lang))
            return [SlotSet(PRIORITY_SLOT, None)]
        priority = tracker.get_slot(PRIORITY_SLOT)
        if priority not in PRIORITIES:
            dispatcher.utter_message(**render("priority_choose", lang))
            return [SlotSet(PRIORITY_SLOT, None)]
        try:
            user, _ = verified_user(tracker)
        except SQLAlchemyError:
            logger.exception("account lookup failed for %s", tracker.sender_id)
            return _account_unavailable(dispatcher, lang)
        decision = entitlement(user)
        if decision.decision != HANDOFF:
            dispatcher.utter_message(text=text("handoff_not_entitled", lang),
                                     json_message=escalation_payload(decision))
            return [SlotSet(DECISION_SLOT, decision.decision), *clear_report()]
        due = targets(priority, decision.resolution_targets, now_for(tracker))
        product = tracker.get_slot("problem_product") or "other"
        ticket = ticket_payload(tracker, user, due, lang)
        try:
            delivery, agent_language = hand_over(
                ticket, ticket["idempotency_key"], tracker.sender_id,
                composition.live_agent_client(), composition.unit_of_work)
        except LiveAgentRefused:
            logger.exception("live-agent service refused ticket %s", ticket["id"])
            dispatcher.utter_message(**render("handoff_failed", lang))
            return []
        for message in handoff_complete_messages(
                decision, due, product, lang, ticket_id=ticket["id"],
                agent_language=agent_language, delivery=delivery,
                email=user.email if user else ""):
            dispatcher.utter_message(**message)
        events: List[EventType] = [*clear_report(), SlotSet("last_ticket_id", ticket["id"])]
        if delivery in ("live", "queued"):
            # The agent takes over: the assistant stays silent until the ticket is resolved.
            events.append(ConversationPaused())
        return events


class ActionCancelReport(Action):
    """Stops the report and forgets its answers."""

    def name(self) -> str:
        """Returns the action's name, as listed in the domain."""
        return "action_cancel_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        """Confirms the cancellation in the user's language."""
        dispatcher.utter_message(**render("report_cancelled", language(tracker)))
        return [*clear_report(), SlotSet("requested_slot", None)]
