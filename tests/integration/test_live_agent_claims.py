"""Concurrent claims on real databases: exactly one owner per ticket.

Runs against SQLite and against PostgreSQL (a throwaway server from the machine's
binaries); each case's id says which database it ran on.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.live_agent.models import Agent
from bot.live_agent.passwords import hash_password
from bot.live_agent.service import LiveAgentService, NewTicket, TicketError
from tests.integration.live_agent_db import live_agent_database

AGENTS = 8
TICKETS = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request, tmp_path):
    with live_agent_database(request, tmp_path) as factory:
        with factory() as session:
            password = hash_password("x")
            for number in range(AGENTS):
                session.add(Agent(id=f"agent-{number}", name=f"Agent {number}",
                                  password_hash=password, languages="en", online=True))
            session.commit()
        yield LiveAgentService(factory)


def new_ticket(number: int, key: str) -> NewTicket:
    now = datetime.now(timezone.utc)
    return NewTicket(
        id=f"T-{number}", idempotency_key=key, sender_id=f"s-{number}", user_id="u-biz-admin",
        account_id="acct", plan="business", support_tier="standard", language="fr",
        priority="P2", first_response_due=now + timedelta(hours=4), resolution_due=None,
        report={}, transcript=[])


def test_concurrent_claims_leave_exactly_one_owner(service):
    for number in range(TICKETS):
        service.create_ticket(new_ticket(number, f"key-{number}"))
    barrier = threading.Barrier(AGENTS)
    winners: dict = {number: [] for number in range(TICKETS)}
    lock = threading.Lock()

    def agent(agent_number: int) -> None:
        barrier.wait()
        for number in range(TICKETS):
            try:
                service.claim(f"T-{number}", f"agent-{agent_number}")
            except TicketError as error:
                assert error.status == 409
                continue
            with lock:
                winners[number].append(agent_number)

    with ThreadPoolExecutor(AGENTS) as pool:
        for future in [pool.submit(agent, n) for n in range(AGENTS)]:
            future.result()
    assert all(len(owners) == 1 for owners in winners.values()), winners
    for number, (owner,) in winners.items():
        assert service.ticket(f"T-{number}").claimed_by == f"agent-{owner}"


def test_concurrent_retries_of_one_handoff_create_one_ticket(service):
    barrier = threading.Barrier(AGENTS)

    def retry(_: int) -> tuple:
        barrier.wait()
        ticket, created, _online = service.create_ticket(new_ticket(1, "same-key"))
        return ticket.id, created

    with ThreadPoolExecutor(AGENTS) as pool:
        results = list(pool.map(retry, range(AGENTS)))
    assert {ticket_id for ticket_id, _ in results} == {"T-1"}
    assert sum(created for _, created in results) == 1
    assert len(service.queue()) == 1


# A deadline computed in each seed market's time zone is the same instant when read back
# (SQLite keeps no offset: Moscow's was read 3 hours late), and the queue's breach check
# uses that instant.
@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Oslo", "Europe/Paris",
                                  "Europe/Rome", "Europe/London", "America/New_York"])
def test_a_deadline_in_the_users_time_zone_is_stored_as_the_same_instant(service, zone):
    from zoneinfo import ZoneInfo

    opened = datetime(2026, 12, 1, 6, 23, tzinfo=ZoneInfo(zone))
    ticket = new_ticket(1, f"tz-{zone}")
    ticket = NewTicket(**{**ticket.__dict__, "first_response_due": opened + timedelta(hours=4),
                          "resolution_due": opened + timedelta(hours=24)})
    service.create_ticket(ticket)
    stored = service.ticket("T-1")
    assert stored.first_response_due == opened + timedelta(hours=4)
    assert stored.first_response_due.utcoffset() == timedelta(0)
    assert stored.resolution_due == opened + timedelta(hours=24)
