"""The escalation policy and the response targets, table-driven."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.accounts.store import UserAccount
from bot.escalation.entitlements import entitlement, phone_support
from bot.escalation.priority import targets


def user(plan, tier="standard", role="owner", country="US"):
    return UserAccount(user_id="u", name="n", email="e@x", role=role, language="en",
                       account_id="a", plan=plan, support_tier=tier, country=country)


SELF = ("knowledge_base", "video_tutorials", "community_forum", "assistant")
CHAT_TICKET = ("live_chat", "web_ticket")
WITH_PHONE = ("live_chat", "web_ticket", "phone")


@pytest.mark.parametrize(
    ("who", "decision", "channels", "reason"),
    [
        (None, "self_service", SELF, "guest"),
        (user("basic", role="owner"), "self_service", SELF, "free_plan"),
        (user("basic", role="admin"), "self_service", SELF, "free_plan"),
        (user("basic", role="member"), "self_service", SELF, "free_plan"),
        (user("pro", role="owner"), "handoff", CHAT_TICKET, "pro_admin"),
        (user("pro", role="admin"), "handoff", CHAT_TICKET, "pro_admin"),
        (user("pro", role="member"), "self_service", SELF, "not_an_admin"),
        *[(user(plan, role=role), "handoff", WITH_PHONE, "admin_with_phone")
          for plan in ("business", "education", "enterprise", "api")
          for role in ("owner", "admin")],
        *[(user(plan, role="member"), "self_service", SELF, "not_an_admin")
          for plan in ("business", "education", "enterprise", "api")],
        (user("enterprise", "premier_plus", role="member"), "self_service", SELF,
         "not_an_admin"),
    ],
)
def test_who_gets_a_human(who, decision, channels, reason):
    result = entitlement(who)
    assert (result.decision, result.channels, result.reason) == (decision, channels, reason)
    # Every account, and guests, may use the self-service forms.
    assert result.forms == ("report_abuse", "billing_question", "contact_sales")
    assert result.sign_in_invitation is (who is None)
    assert (result.phone is not None) is ("phone" in channels)
    assert result.first_response_targets is (decision == "handoff")


@pytest.mark.parametrize(
    ("tier", "resolution"),
    [("standard", False), ("premier", True), ("premier_plus", True)],
)
def test_only_premier_tiers_get_resolution_targets(tier, resolution):
    assert entitlement(user("enterprise", tier, "admin")).resolution_targets is resolution
    assert entitlement(user("pro", tier, "owner")).resolution_targets is resolution
    assert entitlement(user("enterprise", tier, "member")).resolution_targets is False


@pytest.mark.parametrize(
    ("country", "numbers", "local"),
    [
        ("US", ("+1.888.799.9666",), True),
        ("AU", ("+61.1800.768.027",), True),
        ("FR", ("+33.800.94.64.64",), True),
        ("IN", ("000.800.050.2040",), True),
        ("JP", ("+81.053.132.0070",), True),
        ("NZ", ("+64.800.475.039",), True),
        ("SG", ("+65.800.321.1249",), True),
        ("GB", ("+44.800.368.7314", "+44.20.7039.8961"), True),
        ("IT", ("+1.888.799.9666",), False),
        ("NO", ("+1.888.799.9666",), False),
    ],
)
def test_phone_line_for_the_accounts_country(country, numbers, local):
    phone = phone_support(country)
    assert (phone.numbers, phone.local, phone.extension) == (numbers, local, "2")
    assert phone.prepare == ("personal_meeting_id", "host_key")


OPENED = datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("priority", "premier", "first", "resolution"),
    [
        ("P1", False, 1, None), ("P2", False, 4, None),
        ("P3", False, 24, None), ("P4", False, 24, None),
        ("P1", True, 1, 4), ("P2", True, 4, 24),
        ("P3", True, 24, None), ("P4", True, 24, None),
    ],
)
def test_targets_and_due_times(priority, premier, first, resolution):
    result = targets(priority, premier, OPENED)
    assert (result.first_response_hours, result.resolution_hours) == (first, resolution)
    assert result.first_response_due == OPENED + timedelta(hours=first)
    assert result.resolution_due == (
        None if resolution is None else OPENED + timedelta(hours=resolution))


def test_targets_refuse_bad_input():
    with pytest.raises(ValueError, match="unknown priority"):
        targets("P5", False, OPENED)
    with pytest.raises(ValueError, match="timezone"):
        targets("P1", False, datetime(2026, 11, 22, 9, 30))
