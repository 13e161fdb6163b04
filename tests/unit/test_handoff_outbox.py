"""Handing over with the outbox: nothing is lost when the live-agent service is down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import composition
from bot.handoff.live_agent_client import LiveAgentRefused
from bot.handoff.outbox_worker import deliver_pending
from bot.handoff.records import hand_over, relay_user_message
from tests.fakes import FakeLiveAgent as FakeService

# The outbox is stamped by the injected clock, so the tests hold on any date.
DATES = [
    datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc),
    datetime(2031, 3, 30, 23, 59, 59, tzinfo=timezone.utc),
    datetime(2099, 12, 31, 23, 59, tzinfo=timezone.utc),
    datetime(2001, 1, 1, 0, 0, tzinfo=timezone.utc),
]


def ticket(number=1):
    return {"id": f"T-{number}", "sender_id": "s-1"}


@pytest.fixture()
def uow(demo_database):
    return composition.unit_of_work


def test_live_handoff_when_an_agent_is_online(uow):
    service = FakeService()
    assert hand_over(ticket(), "k1", "s-1", service, uow) == ("live", "fr")
    with uow() as work:
        assert work.handoffs.active("s-1").status == "live"


def test_email_handoff_when_nobody_is_online(uow):
    service = FakeService(online=False, agent_language="en")
    assert hand_over(ticket(), "k1", "s-1", service, uow) == ("email", "en")
    with uow() as work:
        assert work.handoffs.active("s-1").status == "email"


@pytest.mark.parametrize("NOW", DATES, ids=lambda d: d.date().isoformat())
def test_service_down_then_back_delivers_exactly_once_in_order(uow, NOW):
    service = FakeService()
    service.up = False
    clock = [NOW]
    assert hand_over(ticket(), "k1", "s-1", service, uow, lambda: clock[0]) == ("queued", None)
    assert relay_user_message("T-1", "hello?", "m1", service, uow,
                              lambda: clock[0]) is False
    assert relay_user_message("T-1", "still there?", "m2", service, uow,
                              lambda: clock[0]) is False
    assert deliver_pending(uow, service, lambda: clock[0]) == 0  # still down
    with uow() as work:
        assert [i.kind for i in work.outbox.pending()] == [
            "create_ticket", "user_message", "user_message"]
        assert work.outbox.pending()[0].attempts == 1
    service.up = True
    # Backed off: not retried before its time.
    assert deliver_pending(uow, service, lambda: clock[0]) == 0
    clock[0] = NOW + timedelta(seconds=31)
    assert deliver_pending(uow, service, lambda: clock[0]) == 3
    assert deliver_pending(uow, service, lambda: clock[0]) == 0
    assert list(service.tickets) == ["k1"]
    assert service.posted == [("T-1", "hello?"), ("T-1", "still there?")]
    # Later messages go straight through again.
    assert relay_user_message("T-1", "thanks", "m3", service, uow) is True


def test_a_queued_item_is_never_duplicated(uow):
    service = FakeService()
    service.up = False
    hand_over(ticket(), "k1", "s-1", service, uow)
    hand_over(ticket(), "k1", "s-1", service, uow)  # the action retried
    with uow() as work:
        assert len(work.outbox.pending()) == 1


@pytest.mark.parametrize("NOW", DATES, ids=lambda d: d.date().isoformat())
def test_a_refused_item_is_set_aside_and_does_not_block_the_rest(uow, NOW):
    service = FakeService()
    service.up = False
    relay_user_message("T-9", "first", "m1", service, uow, lambda: NOW)
    relay_user_message("T-8", "second", "m2", service, uow, lambda: NOW)
    service.up, service.refuse = True, True
    assert deliver_pending(uow, service, lambda: NOW + timedelta(minutes=5)) == 0
    with uow() as work:
        assert work.outbox.pending() == []


def test_a_refused_ticket_is_reported_to_the_caller(uow):
    service = FakeService()
    service.refuse = True
    with pytest.raises(LiveAgentRefused):
        hand_over(ticket(), "k1", "s-1", service, uow)
