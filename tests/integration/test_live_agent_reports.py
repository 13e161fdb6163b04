"""The humans' figures (``bot.live_agent.reports``) on six tickets worked out by hand.

Judged at NOW = 2026-11-11 12:00 UTC, over 2026-11-10 and 2026-11-11. Each ticket's
comment says what it counts as; the expected tables below are counted from them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from bot.live_agent.api import create_app
from bot.live_agent.models import Agent, Ticket
from bot.live_agent.reports import judge, ticket_report
from bot.live_agent.service import LiveAgentService
from tests.integration.live_agent_db import live_agent_database

D1 = datetime(2026, 11, 10, tzinfo=timezone.utc)
D2 = D1 + timedelta(days=1)
NOW = D2 + timedelta(hours=12)
TOKEN = "service-token-for-tests-0123456789abcdef"


def h(day, hours, minutes=0):
    return day + timedelta(hours=hours, minutes=minutes)


# id: (created, language, plan, tier, priority, first_due, first_at, claimed_by, claimed_at,
#      resolution_due, resolved_at, rating)
TICKETS = {
    # first response met (P2); resolved D1 by marco; rated 5
    "T1": (h(D1, 9), "fr", "pro", "standard", "P2", h(D1, 13), h(D1, 10), "marco",
           h(D1, 9, 30), None, h(D1, 15), 5),
    # first response late (P1 breached); resolved D2 by alice; rated 2
    "T2": (h(D1, 10), "fr", "pro", "standard", "P1", h(D1, 11), h(D1, 11, 30), "alice",
           h(D1, 11, 20), None, h(D2, 9), 2),
    # no first response, due D2 06:00 < NOW (P3 breached); Premier, not yet due (pending)
    "T3": (h(D1, 22), "ru", "enterprise", "premier", "P3", h(D2, 6), None, None, None,
           h(D1, 70), None, None),
    # P2 met; Premier+ resolved in 2 h before its due time (met); rated 4
    "T4": (h(D2, 8), "ru", "enterprise", "premier_plus", "P2", h(D2, 12), h(D2, 8, 30),
           "marco", h(D2, 8, 10), h(D2, 16), h(D2, 10), 4),
    # P4 not due yet (pending); Premier due D2 11:00, unresolved at NOW (breached)
    "T5": (h(D2, 9), "en", "business", "premier", "P4", h(D2, 60), None, "alice",
           h(D2, 9, 10), h(D2, 11), None, None),
    # P1 due 12:30 > NOW (pending); standard: no resolution target
    "T6": (h(D2, 11, 30), "en", "business", "standard", "P1", h(D2, 12, 30), None, None,
           None, None, None, None),
}

# (day, language, plan): tickets, {priority: (met, breached, pending)}, premier
# (met, breached, pending), premier resolved, their mean hours, {rating: n}
EXPECTED_DAYS = {
    ("2026-11-10", "fr", "pro"): (2, {"P1": (0, 1, 0), "P2": (1, 0, 0)}, (0, 0, 0), 0, None,
                                 {"5": 1, "2": 1}),
    ("2026-11-10", "ru", "enterprise"): (1, {"P3": (0, 1, 0)}, (0, 0, 1), 0, None, {}),
    ("2026-11-11", "en", "business"): (2, {"P4": (0, 0, 1), "P1": (0, 0, 1)}, (0, 1, 0),
                                       0, None, {}),
    ("2026-11-11", "ru", "enterprise"): (1, {"P2": (1, 0, 0)}, (1, 0, 0), 1, 2.0, {"4": 1}),
}
# hour h -> tickets open at h + 1 h (created before it, not resolved before it)
EXPECTED_QUEUE = {h(D1, 0): 0, h(D1, 8): 0, h(D1, 9): 1, h(D1, 10): 2, h(D1, 14): 2,
                  h(D1, 15): 1, h(D1, 22): 2, h(D2, 8): 3, h(D2, 9): 3, h(D2, 10): 2,
                  h(D2, 11): 3}
# (day, agent): (claimed, resolved)
EXPECTED_AGENTS = {("2026-11-10", "alice"): (1, 0), ("2026-11-10", "marco"): (1, 1),
                   ("2026-11-11", "alice"): (1, 1), ("2026-11-11", "marco"): (1, 1)}


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request, tmp_path):
    with live_agent_database(request, tmp_path) as sessions:
        with sessions() as session:
            session.execute(insert(Ticket.__table__), [
                {"id": key, "idempotency_key": key, "sender_id": f"s-{key}",
                 "user_id": "u", "user_name": "Name", "user_email": "e@x.no",
                 "account_id": "a", "plan": plan, "support_tier": tier, "language": lang,
                 "agent_language": lang, "priority": priority, "first_response_due": due,
                 "resolution_due": resolution_due, "report": {}, "transcript": [],
                 "status": "resolved" if resolved else ("claimed" if agent else "open"),
                 "claimed_by": agent, "created_at": created, "claimed_at": claimed,
                 "first_response_at": first, "resolved_at": resolved, "breached": False,
                 "rating": rating}
                for key, (created, lang, plan, tier, priority, due, first, agent, claimed,
                          resolution_due, resolved, rating) in TICKETS.items()])
            session.commit()
        yield sessions


def test_the_figures_worked_out_by_hand(factory):
    with factory() as session:
        report = ticket_report(session, D1.date(), D2.date() + timedelta(days=1), NOW)
    days = {(r.day, r.language, r.plan): (
        r.tickets,
        {p: (c.met, c.breached, c.pending) for p, c in r.first_response.items()
         if (c.met, c.breached, c.pending) != (0, 0, 0)},
        (r.resolution_premier.met, r.resolution_premier.breached,
         r.resolution_premier.pending),
        r.resolved_premier, r.resolution_hours_premier, {k: v for k, v in r.csat.items() if v})
        for r in report.days}
    assert days == EXPECTED_DAYS
    queue = {datetime.fromisoformat(p.at): p.open for p in report.queue}
    assert len(queue) == 36  # the hours D1 00:00 .. D2 11:00, ended by NOW (D2 12:00)
    assert {at: queue[at] for at in EXPECTED_QUEUE} == EXPECTED_QUEUE
    assert {(a.day, a.agent_id): (a.claimed, a.resolved) for a in report.agents} == \
        EXPECTED_AGENTS
    assert [r.rated for r in report.days] == [2, 0, 0, 1]
    assert "Name" not in report.json() and "e@x.no" not in report.json()


@pytest.mark.parametrize(("done", "due", "verdict"), [
    (h(D1, 1), h(D1, 2), "met"), (h(D1, 2), h(D1, 2), "met"), (h(D1, 3), h(D1, 2), "breached"),
    (None, NOW - timedelta(seconds=1), "breached"), (None, NOW, "pending"),
    (None, None, "pending"),
])
def test_a_target_is_met_breached_or_pending(done, due, verdict):
    assert judge(done, due, NOW) == verdict


def test_the_route_is_for_the_assistant_and_managers(factory):
    api = TestClient(create_app(LiveAgentService(factory, lambda: NOW), TOKEN))
    period = "?since=2026-11-10&until=2026-11-12"
    assert api.get(f"/api/reports/tickets{period}").status_code == 401
    ok = api.get(f"/api/reports/tickets{period}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert len(ok.json()["days"]) == 4 and ok.json()["now"] == NOW.isoformat()
    assert api.post("/api/login", json={"agent_id": "marco",
                                        "password": "marco-demo-password"}).status_code == 200
    refused = api.get(f"/api/reports/tickets{period}")
    assert (refused.status_code, refused.json()["error"]) == (403, "managers_only")
    with factory() as session:
        session.execute(update(Agent).where(Agent.id == "marco").values(manager=True))
        session.commit()
    assert api.get(f"/api/reports/tickets{period}").status_code == 200
    backwards = api.get("/api/reports/tickets?since=2026-11-12&until=2026-11-10",
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert backwards.status_code == 422


def test_an_empty_period_has_no_rows(factory):
    with factory() as session:
        report = ticket_report(session, date(2025, 1, 1), date(2025, 1, 2), NOW)
    assert report.days == [] and report.agents == [] and [p.open for p in report.queue] == [0] * 24
