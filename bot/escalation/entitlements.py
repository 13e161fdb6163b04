"""The escalation policy: what support a user is entitled to, from facts we trust.

A pure function of the verified identity and the account database's record. Nothing
the user types reaches it. The rules follow the support guidelines in the seeds:

- Guests: self-service, and an invitation to sign in.
- Basic (free) accounts, and members of any plan: self-service (knowledge base, video
  tutorials, community forum, the assistant).
- Pro owners and admins: a human, by live chat or web ticket.
- Business, Education, Enterprise and API owners and admins: live chat, web ticket and
  phone (the country's number, extension 2; have the personal meeting ID and host key
  ready).
- Every account may use the self-service forms: report abuse, billing question, contact
  sales.
- Owners and admins of paid plans get first-response targets; Premier and Premier+
  accounts also get resolution targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from bot.accounts.store import UserAccount

HANDOFF = "handoff"
SELF_SERVICE = "self_service"

SELF_SERVICE_RESOURCES = ("knowledge_base", "video_tutorials", "community_forum", "assistant")
SELF_SERVICE_FORMS = ("report_abuse", "billing_question", "contact_sales")
PRO_CHANNELS = ("live_chat", "web_ticket")
PHONE_PLANS = frozenset({"business", "education", "enterprise", "api"})
PREMIER_TIERS = frozenset({"premier", "premier_plus"})
ADMIN_ROLES = frozenset({"owner", "admin"})

# Support lines by country; every number takes extension 2.
PHONE_LINES = {
    "US": ("+1.888.799.9666",),
    "AU": ("+61.1800.768.027",),
    "FR": ("+33.800.94.64.64",),
    "IN": ("000.800.050.2040",),
    "JP": ("+81.053.132.0070",),
    "NZ": ("+64.800.475.039",),
    "SG": ("+65.800.321.1249",),
    "GB": ("+44.800.368.7314", "+44.20.7039.8961"),
}
PHONE_EXTENSION = "2"
# Countries without a line of their own are given this one.
FALLBACK_PHONE_COUNTRY = "US"
PHONE_CALL_PREPARATION = ("personal_meeting_id", "host_key")


@dataclass(frozen=True)
class PhoneSupport:
    """How to reach support by phone."""

    country: str
    numbers: Tuple[str, ...]
    extension: str
    local: bool  # False: the account's country has no line, so another country's is given
    prepare: Tuple[str, ...] = PHONE_CALL_PREPARATION


@dataclass(frozen=True)
class Entitlement:
    """The support a user gets, and why."""

    decision: str
    channels: Tuple[str, ...]
    reason: str
    forms: Tuple[str, ...] = SELF_SERVICE_FORMS
    phone: Optional[PhoneSupport] = None
    sign_in_invitation: bool = False
    first_response_targets: bool = False
    resolution_targets: bool = False
    plan: Optional[str] = None
    support_tier: Optional[str] = None
    role: Optional[str] = None


def phone_support(country: str) -> PhoneSupport:
    """The support line for an account's country (ISO 3166 alpha-2)."""
    if country in PHONE_LINES:
        return PhoneSupport(country, PHONE_LINES[country], PHONE_EXTENSION, local=True)
    return PhoneSupport(FALLBACK_PHONE_COUNTRY, PHONE_LINES[FALLBACK_PHONE_COUNTRY],
                        PHONE_EXTENSION, local=False)


def entitlement(user: Optional[UserAccount]) -> Entitlement:
    """Decides the support for a verified user; ``None`` is a guest."""
    if user is None:
        return Entitlement(SELF_SERVICE, SELF_SERVICE_RESOURCES, reason="guest",
                           sign_in_invitation=True)
    plan, tier, role = user.plan, user.support_tier, user.role
    if plan == "basic":
        return Entitlement(SELF_SERVICE, SELF_SERVICE_RESOURCES, reason="free_plan",
                           plan=plan, support_tier=tier, role=role)
    if role not in ADMIN_ROLES:
        return Entitlement(SELF_SERVICE, SELF_SERVICE_RESOURCES, reason="not_an_admin",
                           plan=plan, support_tier=tier, role=role)
    resolution = tier in PREMIER_TIERS
    if plan in PHONE_PLANS:
        return Entitlement(HANDOFF, (*PRO_CHANNELS, "phone"), reason="admin_with_phone",
                           phone=phone_support(user.country), first_response_targets=True,
                           resolution_targets=resolution, plan=plan, support_tier=tier,
                           role=role)
    return Entitlement(HANDOFF, PRO_CHANNELS, reason="pro_admin",
                       first_response_targets=True, resolution_targets=resolution,
                       plan=plan, support_tier=tier, role=role)
