"""The channel's side of a live handoff: relaying, polling, resuming exactly once."""

from __future__ import annotations

import asyncio

import pytest

from bot import composition
from bot.channels.live_relay import relay_if_live, updates
from bot.handoff.live_agent_client import LiveAgentUnavailable
from bot.handoff.records import EMAIL, LIVE
from tests.fakes import FakeLiveAgent


@pytest.fixture()
def service(demo_database):
    return FakeLiveAgent()


def record(status=LIVE):
    with composition.unit_of_work() as uow:
        uow.handoffs.add("T-1", "s-1", status, "fr")


def poll(service, resumed):
    async def resume(sender):
        resumed.append(sender)
        return [{"text": "back"}]

    return asyncio.run(updates("s-1", 0, service, composition.unit_of_work, resume))


def test_messages_are_relayed_only_during_a_live_handoff(service):
    assert relay_if_live("s-1", "hello", 1, service, composition.unit_of_work) is None
    record(EMAIL)
    assert relay_if_live("s-1", "hello", 2, service, composition.unit_of_work) is None
    with composition.unit_of_work() as uow:
        uow.handoffs.add("T-2", "s-2", LIVE, "fr")
    assert relay_if_live("s-2", "hello", 3, service, composition.unit_of_work) == "T-2"
    assert service.posted == [("T-2", "hello")]


def test_no_handoff_means_nothing_to_show(service):
    assert poll(service, []) == {"handoff": None, "messages": [], "replies": []}


def test_agent_messages_and_state(service):
    record()
    service.ticket_state = {"status": "claimed", "claimed_by": "marco"}
    service.conversation = [
        {"id": 1, "author": "user", "text": "hi", "agent_name": None},
        {"id": 2, "author": "agent", "text": "Bonjour", "agent_name": "Marco Ferrand"}]
    state = poll(service, [])
    assert [m["text"] for m in state["messages"]] == ["Bonjour"]
    assert state["handoff"]["status"] == "with_agent"
    assert state["handoff"]["agent_name"] == "Marco Ferrand"


def test_resolution_resumes_the_assistant_exactly_once(service):
    record()
    service.ticket_state = {"status": "resolved", "claimed_by": "marco"}
    resumed = []
    first = poll(service, resumed)
    second = poll(service, resumed)
    assert resumed == ["s-1"]
    assert first["replies"] == [{"text": "back"}] and second["replies"] == []
    assert second["handoff"]["status"] == "resumed"


def test_service_down_is_reported(service):
    record()
    service.up = False
    with pytest.raises(LiveAgentUnavailable):
        poll(service, [])
