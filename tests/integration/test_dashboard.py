"""The managers' dashboard's API and page (``bot.dashboard``) on the hand-computed sets.

The assistant's side is the ten conversations of ``test_reporting`` (rolled up by the
dashboard itself); the humans' side the six tickets of ``test_live_agent_reports``,
served by a real live-agent app over HTTP (uvicorn in a thread), with the dashboard
installed on the same app as ``make run`` does: the console's sign-in cookie is the
dashboard's. Judged at NOW = 2026-11-11 12:00 UTC.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from typing import Any, Dict, Iterator, List

import pytest
import requests
import uvicorn
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import insert

from bot.accounts.demo import load_demo_accounts
from bot.dashboard.api import install_dashboard
from bot.dashboard.sources import AGENT_SESSION_COOKIE, AssistantFigures, TicketFigures
from bot.live_agent.api import create_app
from bot.live_agent.api.deps import SESSION_COOKIE
from bot.live_agent.models import Ticket
from bot.live_agent.reports import ticket_report
from bot.live_agent.service import LiveAgentService
from bot.reporting.figures import assistant_report
from bot.storage.engine import make_engine, upgrade
from tests.conftest import free_port
from tests.integration import test_live_agent_reports as humans
from tests.integration import test_reporting as assistant
from tests.integration.live_agent_db import live_agent_database

NOW = humans.NOW
TITLES = {("screen-sharing", "en"): "Share your screen",
          ("reset-password", "en"): "Reset your password"}
DEMO_USERS = [u for a in load_demo_accounts() for u in a["users"]]
# Personal data that must never reach the dashboard: the demo users' names and e-mails,
# the hand-made set's users, and what people typed about themselves.
PERSONAL = ([u["name"] for u in DEMO_USERS] + [u["email"] for u in DEMO_USERS]
            + ["John", "Smith", "912 34 567", "ivan@example.com", "Kari", "Ivan", "k@x.no",
               "i@x.ru", "+47 955 55 555", "s-en-pro", "u_pro", "u_ent"])


class Served:
    """A live-agent app with the dashboard installed, served on a free port."""

    def __init__(self, app: Any, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning", ws="none"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def personal_conversations() -> List[Dict[str, Any]]:
    """Two demo users who type their e-mail and phone, unanswered (a topic twice)."""
    rows = []
    for number, person in enumerate(DEMO_USERS[:2]):
        moment = assistant.at(assistant.D2, 18, number)
        for event in [*assistant.start(moment),
                      assistant.user(moment + 1, f"my name is {person['name']}, write to "
                                     f"{person['email']} or call +47 955 55 555",
                                     "nlu_fallback"),
                      assistant.slot(moment + 2, "language", "nb"),
                      *assistant.kb(moment + 3, None)]:
            data = event.as_dict()
            rows.append({"sender_id": f"s-person-{number}", "type_name": event.type_name,
                         "timestamp": data.get("timestamp"),
                         "intent_name": (data.get("parse_data") or {}).get("intent", {}
                                                                           ).get("name"),
                         "action_name": data.get("name"), "data": json.dumps(data)})
    return rows


@pytest.fixture()
def served(tmp_path) -> Iterator[Dict[str, Any]]:
    tracker = make_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    db = make_engine(f"sqlite:///{tmp_path / 'helpbot.db'}")
    SQLTrackerStore.Base.metadata.create_all(tracker)
    upgrade(db)
    assistant.fill_assistant_db(db)
    assistant.add_events(tracker, assistant.event_rows())
    request = type("Param", (), {"param": "sqlite"})()
    with live_agent_database(request, tmp_path) as factory:
        with factory() as session:
            session.execute(insert(Ticket.__table__), [
                {"id": key, "idempotency_key": key, "sender_id": f"s-{key}",
                 "user_id": DEMO_USERS[n]["id"], "user_name": DEMO_USERS[n]["name"],
                 "user_email": DEMO_USERS[n]["email"], "account_id": "a", "plan": plan,
                 "support_tier": tier, "language": lang, "agent_language": lang,
                 "priority": priority, "first_response_due": due,
                 "resolution_due": resolution_due,
                 "report": {"description": f"call me at +47 955 55 555, "
                                           f"{DEMO_USERS[n]['email']}"},
                 "transcript": [{"from": "user", "text": DEMO_USERS[n]["name"]}],
                 "status": "resolved" if resolved else ("claimed" if agent else "open"),
                 "claimed_by": agent, "created_at": created, "claimed_at": claimed,
                 "first_response_at": first, "resolved_at": resolved, "breached": False,
                 "rating": rating}
                for n, (key, (created, lang, plan, tier, priority, due, first, agent, claimed,
                              resolution_due, resolved, rating))
                in enumerate(humans.TICKETS.items())])
            session.commit()
        app = create_app(LiveAgentService(factory, lambda: NOW), humans.TOKEN)
        port = free_port()
        install_dashboard(app, AssistantFigures(lambda: (tracker, db)),
                          TicketFigures(f"http://127.0.0.1:{port}"),
                          lambda article, lang: TITLES.get((article, lang)),
                          clock=lambda: NOW)
        with Served(app, port) as server:
            yield {"url": server.url, "tracker": tracker, "db": db, "factory": factory}
    tracker.dispose()
    db.dispose()


def signed_in(url: str, agent: str) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(f"{url}/api/login", timeout=10,
                          json={"agent_id": agent, "password": f"{agent}-demo-password"})
    assert answer.status_code == 200, answer.text
    return browser


def test_the_cookie_is_the_consoles():
    assert AGENT_SESSION_COOKIE == SESSION_COOKIE


def test_a_manager_sees_the_figures_of_both_engines(served):
    url = served["url"]
    maria = signed_in(url, "maria")
    answer = maria.get(f"{url}/api/dashboard/figures?days=7", timeout=30)
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert (figures["since"], figures["until"]) == ("2026-11-05", "2026-11-12")
    assert len(figures["day_list"]) == 7
    # The assistant's side: the engine's rows, summed (10 conversations by hand).
    engine = assistant_report(served["db"], date(2026, 11, 5), date(2026, 11, 12))
    total = sum(r["conversations"] for r in engine["days"])
    handoffs = sum(r["handoffs"] for r in engine["days"])
    assert (total, handoffs) == (10, 1)
    assert figures["cards"] == {
        "conversations": 10, "contained": 9, "handoffs": 1, "kb_answered": 3, "fallback": 4,
        "containment_rate": 0.9, "handoff_rate": 0.1, "kb_answer_rate": 0.3,
        "fallback_rate": 0.4}
    italian = [r for r in figures["by_language_day"] if r["lang"] == "it"]
    assert italian == [{"lang": "it", "day": "2026-11-11", "conversations": 3,
                        "containment_rate": 1.0, "handoff_rate": 0.0, "kb_answer_rate": 0.0,
                        "fallback_rate": 0.6667}]
    assert figures["articles"] == [
        {"article_id": "reset-password", "title": "Reset your password", "helpful": 0,
         "not_helpful": 1},
        {"article_id": "screen-sharing", "title": "Share your screen", "helpful": 2,
         "not_helpful": 0}]
    assert [(t["lang"], t["topic"]) for t in figures["topics"]] == [("it", "xyzzy plugh")]
    # The humans' side: the live-agent engine's report, summed over the days.
    with served["factory"]() as session:
        tickets = ticket_report(session, date(2026, 11, 5), date(2026, 11, 12), NOW)
    assert figures["tickets"] == sum(d.tickets for d in tickets.days) == 6
    assert [(r["priority"], r["target_hours"], r["met"], r["breached"], r["pending"])
            for r in figures["first_response"]] == [
        ("P1", 1, 0, 1, 1), ("P2", 4, 2, 0, 0), ("P3", 24, 0, 1, 0), ("P4", 24, 0, 0, 1)]
    assert figures["resolution"] == {"target_hours": {"P1": 4, "P2": 24}, "met": 1,
                                     "breached": 1, "pending": 1, "resolved": 1,
                                     "mean_hours": 2.0}
    assert [(r["rating"], r["tickets"]) for r in figures["csat"]] == [
        (1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert (figures["rated"], figures["csat_mean"]) == (3, 3.67)
    assert figures["agents"] == [{"agent_id": "alice", "claimed": 2, "resolved": 1},
                                 {"agent_id": "marco", "claimed": 2, "resolved": 2}]
    assert figures["queue"] == [p.dict() for p in tickets.queue]
    assert len(figures["queue"]) == 6 * 24 + 12 and figures["queue"][-1]["open"] == 3
    # Every plan for the filter, data or not (test_the_plan_filter_lists_every_plan).
    assert figures["plans"] == ["guest", "basic", "pro", "business", "education",
                                "enterprise", "api", "unknown"]
    assert figures["queue_now"] == 3


def test_the_filters_and_the_period(served):
    url = served["url"]
    maria = signed_in(url, "maria")
    italian = maria.get(f"{url}/api/dashboard/figures?days=7&lang=it", timeout=30).json()
    assert (italian["cards"]["conversations"], italian["cards"]["fallback_rate"]) == (3, 0.6667)
    assert italian["tickets"] == 0 and italian["articles"] == []
    pro = maria.get(f"{url}/api/dashboard/figures?days=7&plan=pro", timeout=30).json()
    assert (pro["cards"]["conversations"], pro["cards"]["handoffs"], pro["tickets"]) == (2, 1, 2)
    assert [(r["priority"], r["met"], r["breached"]) for r in pro["first_response"]
            if r["met"] or r["breached"]] == [("P1", 0, 1), ("P2", 1, 0)]
    assert pro["topics"] == []  # the Italian guests' topic is not a pro one
    month = maria.get(f"{url}/api/dashboard/figures?days=30", timeout=30).json()
    assert (month["since"], month["period_days"], len(month["day_list"])) == (
        "2026-10-13", 30, 30)
    assert month["cards"]["conversations"] == 10
    assert maria.get(f"{url}/api/dashboard/figures?days=14", timeout=30).status_code == 422
    assert maria.get(f"{url}/api/dashboard/figures?lang=de", timeout=30).status_code == 422


def test_an_agent_who_is_not_a_manager_gets_403(served):
    url = served["url"]
    marco = signed_in(url, "marco")
    refused = marco.get(f"{url}/api/dashboard/figures", timeout=30)
    assert (refused.status_code, refused.json()["error"]) == (403, "managers_only")
    page = marco.get(f"{url}/dashboard", timeout=30)
    assert page.status_code == 403 and 'data-state="forbidden"' in page.text
    # The words come in marco's first language (the page asks for them).
    assert 'data-t="forbidden_title"' in page.text
    texts = marco.get(f"{url}/api/dashboard/texts?lang=fr", timeout=30).json()
    assert texts["texts"]["forbidden_title"] == "Réservé aux responsables"


def test_nobody_signed_in_gets_the_sign_in_form(served):
    url = served["url"]
    anonymous = requests.get(f"{url}/api/dashboard/figures", timeout=30)
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    page = requests.get(f"{url}/dashboard", timeout=30)
    assert page.status_code == 200 and 'data-state="signin"' in page.text
    stale = requests.get(f"{url}/api/dashboard/figures", timeout=30,
                         cookies={AGENT_SESSION_COOKIE: "not-a-session"})
    assert stale.status_code == 401
    assert 'data-state="signin"' in requests.get(
        f"{url}/dashboard", cookies={AGENT_SESSION_COOKIE: "not-a-session"}, timeout=30).text
    maria = signed_in(url, "maria")
    assert 'data-state="board"' in maria.get(f"{url}/dashboard", timeout=30).text
    maria.post(f"{url}/api/logout", timeout=10)
    assert maria.get(f"{url}/api/dashboard/figures", timeout=30).status_code == 401


def test_no_personal_data_on_the_dashboard(served):
    assistant.add_events(served["tracker"], personal_conversations())
    url = served["url"]
    maria = signed_in(url, "maria")
    shown = []
    for query in ("days=7", "days=30", "days=7&lang=nb", "days=7&plan=guest"):
        answer = maria.get(f"{url}/api/dashboard/figures?{query}", timeout=30)
        assert answer.status_code == 200
        shown.append(answer.text)
    # The two people's text is a topic now, masked.
    topics = json.loads(shown[0])["topics"]
    assert ("nb", "my name is [name] write to [email] or call [phone]") in [
        (t["lang"], t["topic"]) for t in topics]
    for asset in ("/dashboard", "/dashboard/static/dashboard.js",
                  "/dashboard/static/dashboard.html"):
        shown.append(maria.get(f"{url}{asset}", timeout=30).text)
    everything = "\n".join(shown)
    found = [p for p in PERSONAL if p.casefold() in everything.casefold()]
    assert found == []


def test_an_unreachable_live_agent_service_is_a_502(tmp_path):
    tickets = TicketFigures(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert tickets(date(2026, 11, 5), date(2026, 11, 12), "token").status == 0
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    install_dashboard(app, lambda *a: pytest.fail("no figures without the humans'"),
                      tickets, lambda *a: None)
    client = TestClient(app, cookies={AGENT_SESSION_COOKIE: "token"})
    answer = client.get("/api/dashboard/figures")
    assert (answer.status_code, answer.json()["error"]) == (502, "live_agent_unavailable")
    assert 'data-state="unavailable"' in client.get("/dashboard").text


def test_the_web_port_serves_the_dashboard_before_the_site(tmp_path, demo_database):
    from fastapi.testclient import TestClient

    from bot.storage.unit_of_work import UnitOfWork
    from bot.web.app import create_web_app
    from tests.unit.test_web_site import FakeSearch, settings

    web = TestClient(create_web_app(settings(tmp_path), search=FakeSearch(), studio=False,
                                    unit_of_work=lambda: UnitOfWork(demo_database)))
    page = web.get("/dashboard")
    assert page.status_code == 200 and 'data-state="signin"' in page.text
    assert web.get("/dashboard/static/dashboard.js").status_code == 200
    assert web.get("/api/dashboard/figures").status_code == 401


# Tickets created (minutes relative to NOW) and resolved (None: open): "now" counts what
# is open at NOW, which the last whole hour (ended at 12:00) may not have seen yet.
@pytest.mark.parametrize(("created", "resolved", "added"), [
    (0, None, 1),     # created at NOW, in an hour not ended: only "now" has it
    (-5, None, 1),    # created before NOW, open
    (-50, -10, 0),    # created and resolved before NOW
    (-5, 30, 1),      # resolved after NOW: still open now
    (10, None, 0),    # created after NOW (a clock skew): not open yet
])
def test_the_queue_now_is_what_is_open_now(served, created, resolved, added):
    from datetime import timedelta

    with served["factory"]() as session:
        at = NOW + timedelta(minutes=created)
        session.execute(insert(Ticket.__table__), [{
            "id": "T-NOW", "idempotency_key": "T-NOW", "sender_id": "s-now",
            "user_id": "u", "user_name": "", "user_email": "", "account_id": "a",
            "plan": "pro", "support_tier": "standard", "language": "en",
            "agent_language": "en", "priority": "P3", "first_response_due": NOW,
            "resolution_due": None, "report": {}, "transcript": [],
            "status": "open" if resolved is None else "resolved", "claimed_by": None,
            "created_at": at, "claimed_at": None, "first_response_at": None,
            "resolved_at": None if resolved is None else NOW + timedelta(minutes=resolved),
            "breached": False, "rating": None}])
        session.commit()
        expected = ticket_report(session, date(2026, 11, 5), date(2026, 11, 12), NOW)
    figures = signed_in(served["url"], "maria").get(
        f"{served['url']}/api/dashboard/figures?days=7", timeout=30).json()
    # Three of the hand-made tickets are open at NOW (the last whole hour says so too).
    assert figures["queue"][-1]["open"] == 3 + (added if created < 0 and (
        resolved is None or resolved >= 0) else 0)
    assert figures["queue_now"] == expected.open_now == 3 + added


def test_the_plan_filter_lists_every_plan(served):
    from bot.accounts.store import PLANS

    figures = signed_in(served["url"], "maria").get(
        f"{served['url']}/api/dashboard/figures?days=7&plan=education", timeout=30).json()
    # Every plan an account may have (the accounts' constraint), data or not; "unknown"
    # only because this data has a user without an account.
    assert figures["plans"] == ["guest", *PLANS, "unknown"]
    assert figures["cards"]["conversations"] == 0 and figures["plan"] == "education"


@pytest.mark.parametrize(("query", "error"), [
    ("plan=<script>alert(1)</script>", "invalid_plan"),
    ("plan=gold", "invalid_plan"),
    ("plan=", "invalid_plan"),
    ("lang=de", "invalid_language"),
    ("lang=<b>", "invalid_language"),
    ("days=14", "invalid_period"),
    ("days=abc", "invalid_period"),
    ("days=", "invalid_period"),
])
def test_unknown_filters_are_refused_clearly(served, query, error):
    answer = signed_in(served["url"], "maria").get(
        f"{served['url']}/api/dashboard/figures?{query}", timeout=30)
    assert (answer.status_code, answer.json()["error"]) == (422, error), answer.text
    assert "<" not in answer.text and isinstance(answer.json()["detail"], str)


@pytest.mark.parametrize(("path", "accept", "status", "kind"), [
    ("/dashboard/x", "text/html,application/xhtml+xml", 404, "text/html"),
    ("/dashboard/a/b/c", "text/html", 404, "text/html"),
    ("/dashboard/x", "application/json", 404, "application/json"),
    ("/dashboard/x", "*/*", 404, "application/json"),
    ("/dashboard", "text/html", 200, "text/html"),
])
def test_an_unknown_dashboard_address_is_a_page_for_browsers(served, path, accept, status,
                                                              kind):
    answer = requests.get(f"{served['url']}{path}", headers={"Accept": accept}, timeout=30)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith(kind)
    if kind == "text/html" and status == 404:
        assert 'data-state="notfound"' in answer.text
