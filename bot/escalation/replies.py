"""The replies of the support actions, built from the policy's decision (pure functions).

Every escalation reply carries one payload, ``custom.escalation``::

    {"decision": "handoff" | "self_service", "channels": [...],
     "priority": "P1".."P4" | null, "first_response_hours": int | null,
     "resolution_hours": int | null, "ticket_id": str | null, "agent_language": str | null}
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

from bot.accounts.store import UserAccount
from bot.escalation.entitlements import HANDOFF, Entitlement
from bot.escalation.priority import Targets
from bot.texts.catalogue import render, text
from bot.texts.cldr import format_due, join_and, language_name

TIER_NAMES = {"standard": "Standard", "premier": "Premier", "premier_plus": "Premier+"}
PLAN_NAMES = {"basic": "Basic", "pro": "Pro", "business": "Business",
              "education": "Education", "enterprise": "Enterprise", "api": "API"}


class EscalationCard(TypedDict):
    """``custom.escalation``: what the widget's escalation card shows (``escalationCard``)."""

    decision: str  # "handoff" or "self_service"
    channels: List[str]  # e.g. ["chat", "web_ticket", "phone"] or the self-service pages
    priority: Optional[str]  # P1-P4 once the report is complete
    first_response_hours: Optional[int]
    resolution_hours: Optional[int]
    ticket_id: Optional[str]
    agent_language: Optional[str]  # the language the agent will answer in


class EscalationCustom(TypedDict):
    """The ``custom`` payload of an escalation reply."""

    escalation: EscalationCard


def escalation_payload(entitlement: Entitlement, targets: Optional[Targets] = None,
                       ticket_id: Optional[str] = None,
                       agent_language: Optional[str] = None) -> EscalationCustom:
    """The ``custom`` payload of an escalation reply."""
    return {"escalation": {
        "decision": entitlement.decision,
        "channels": list(entitlement.channels),
        "priority": targets.priority if targets else None,
        "first_response_hours": targets.first_response_hours if targets else None,
        "resolution_hours": targets.resolution_hours if targets else None,
        "ticket_id": ticket_id,
        "agent_language": agent_language,
    }}


def self_service_lines(lang: str) -> List[str]:
    """The self-service offer, by name only.

    The reply's escalation card (the widget's ``escalationCard``) links the pages, the
    forms and the contact page; a path in the text would be the same link twice.
    """
    return [text("esc_resources", lang), text("esc_forms", lang)]


def _contact_lines(entitlement: Entitlement, lang: str) -> List[str]:
    channels = [text(f"channel_{c}", lang) for c in entitlement.channels]
    lines = [text("esc_handoff", lang, channels=join_and(channels, lang))]
    phone = entitlement.phone
    if phone is not None:
        key = "esc_phone" if phone.local else "esc_phone_other_country"
        numbers = join_and(phone.numbers, lang)
        lines.append(text(key, lang, numbers=numbers, extension=phone.extension))
    return lines


def request_human_messages(entitlement: Entitlement, lang: str) -> List[Dict[str, Any]]:
    """The answer to "I want a person": the contact options, or the self-service offer."""
    payload = escalation_payload(entitlement)
    if entitlement.decision == HANDOFF:
        lines = [*_contact_lines(entitlement, lang), text("esc_collect", lang)]
    else:
        intro = {"guest": "esc_guest", "free_plan": "esc_free_plan"}.get(
            entitlement.reason, "esc_not_admin")
        plan = PLAN_NAMES.get(entitlement.plan or "", "")
        lines = [text(intro, lang, plan=plan), *self_service_lines(lang)]
    return [{"text": "\n\n".join(lines), "json_message": payload}]


def support_summary_messages(entitlement: Entitlement, user: Optional[UserAccount],
                             account_name: str, lang: str) -> List[Dict[str, Any]]:
    """The answer to "what support do I have?"."""
    if user is None:
        lines = [text("support_guest", lang), *self_service_lines(lang)]
    else:
        tier = TIER_NAMES[user.support_tier]
        lines = [text("support_signed_in", lang, name=user.name,
                      role=text(f"role_{user.role}", lang), account=account_name,
                      plan=PLAN_NAMES[user.plan], tier=tier)]
        if entitlement.decision == HANDOFF:
            lines += _contact_lines(entitlement, lang)
            lines.append(text("support_first_response_targets", lang))
            if entitlement.resolution_targets:
                lines.append(text("support_resolution_targets", lang, tier=tier))
        else:
            intro = "esc_free_plan" if entitlement.reason == "free_plan" else "esc_not_admin"
            lines += [text(intro, lang, plan=PLAN_NAMES[user.plan]), *self_service_lines(lang)]
    return [{"text": "\n\n".join(lines), "json_message": escalation_payload(entitlement)}]


def priority_proposal_message(priority: str, hours: int, lang: str) -> Dict[str, Any]:
    """Proposes a priority, with buttons to confirm it or pick another."""
    message = render("priority_proposal", lang, priority=priority,
                     meaning=text(f"priority_{priority}", lang), hours=str(hours))
    # The confirm button, then the other priorities.
    message["buttons"] = [b for b in message["buttons"]
                          if f'"{priority}"' not in b["payload"]]
    return message


def handoff_complete_messages(entitlement: Entitlement, targets: Targets, product: str,
                              lang: str, ticket_id: Optional[str] = None,
                              agent_language: Optional[str] = None,
                              delivery: Optional[str] = None,
                              email: str = "") -> List[Dict[str, Any]]:
    """Confirms a completed request: ticket, priority, targets, who answers and how.

    Args:
        entitlement: the user's support entitlement.
        targets: the confirmed priority's targets and due times.
        product: the product code from the report.
        lang: the conversation language.
        ticket_id: the live-agent ticket, if one was created or queued.
        agent_language: the language the agent will answer in.
        email: where the answer goes when nobody is online.
        delivery: ``live`` (an agent joins the chat), ``email`` (nobody online),
            ``queued`` (the service is down; the outbox delivers later), or None (no
            ticket: the contact options only).
    """
    lines = []
    if ticket_id:
        lines.append(text("handoff_ticket", lang, ticket_id=ticket_id))
    lines.append(text("handoff_ready", lang, product=text(f"product_{product}", lang),
                      priority=targets.priority, hours=str(targets.first_response_hours),
                      due=format_due(targets.first_response_due, lang)))
    if targets.resolution_hours is not None and targets.resolution_due is not None:
        lines.append(text("handoff_resolution", lang,
                          tier=TIER_NAMES[entitlement.support_tier or "standard"],
                          hours=str(targets.resolution_hours),
                          due=format_due(targets.resolution_due, lang)))
    if agent_language and agent_language != lang:
        lines.append(text("handoff_agent_language", lang,
                          language=language_name(agent_language, lang)))
    if delivery == "live":
        lines.append(text("handoff_live", lang))
    elif delivery == "email":
        lines.append(text("handoff_email", lang, email=email))
    elif delivery == "queued":
        lines.append(text("handoff_queued", lang))
    else:
        lines += _contact_lines(entitlement, lang)
    payload = escalation_payload(entitlement, targets, ticket_id, agent_language)
    return [{"text": "\n\n".join(lines), "json_message": payload}]
