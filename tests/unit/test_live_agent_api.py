"""The live-agent API: every endpoint, with and without credentials (FastAPI TestClient)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from bot.live_agent.api import create_app
from bot.live_agent.database import seed_agents, upgrade
from bot.live_agent.service import LiveAgentService
from bot.storage.engine import make_engine

TOKEN = "service-token-for-tests-0123456789abcdef"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def service(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    with factory() as session:
        seed_agents(session)
    yield LiveAgentService(factory, clock)
    engine.dispose()


@pytest.fixture()
def api(service):
    return TestClient(create_app(service, TOKEN))


BOT = {"Authorization": f"Bearer {TOKEN}"}


def ticket_body(number=1, language="fr", priority="P2", hours=4):
    return {
        "id": f"T-{number}", "sender_id": f"s-{number}", "user_id": "u-biz-admin",
        "user_name": "Camille Moreau", "user_email": "camille@example.com",
        "account_id": "acct-biz-fr", "plan": "business", "support_tier": "standard",
        "language": language, "priority": priority,
        "first_response_due": (NOW + timedelta(hours=hours)).isoformat(),
        "report": {"product": "webinar", "description": "<script>alert(1)</script>"},
        "transcript": [{"from": "user", "text": "je veux un humain"}],
    }


def create(api, number=1, key=None, **kwargs):
    return api.post("/api/tickets", json=ticket_body(number, **kwargs),
                    headers={**BOT, "Idempotency-Key": key or f"key-{number}"})


def login(api, agent="marco", password="marco-demo-password"):
    response = api.post("/api/login", json={"agent_id": agent, "password": password})
    assert response.status_code == 200, response.text
    return response


def test_create_is_idempotent(api):
    first = create(api, 1)
    assert first.status_code == 201
    assert first.json()["agent_language"] == "fr" and first.json()["agents_online"] is True
    again = create(api, 1)
    assert again.status_code == 200 and again.json()["id"] == "T-1"
    assert len(api.get("/api/tickets", headers=BOT).json()) == 1


@pytest.mark.parametrize(("language", "agent_language"), [
    ("fr", "fr"), ("it", "it"), ("en", "en"), ("ru", "en"), ("nb", "en")])
def test_routing_says_which_language_the_agent_will_use(api, language, agent_language):
    assert create(api, language=language).json()["agent_language"] == agent_language


def test_queue_is_ordered_by_priority_then_due_time(api):
    create(api, 1, priority="P3", hours=24)
    create(api, 2, priority="P1", hours=1)
    create(api, 3, priority="P2", hours=4)
    create(api, 4, priority="P1", hours=0.5)
    queue = api.get("/api/tickets", headers=BOT).json()
    assert [t["id"] for t in queue] == ["T-4", "T-2", "T-3", "T-1"]


def test_a_ticket_past_its_due_time_is_a_breach(api, clock):
    create(api, 1, priority="P1", hours=1)
    assert api.get("/api/tickets", headers=BOT).json()[0]["breached"] is False
    clock.now = NOW + timedelta(hours=2)
    assert api.get("/api/tickets", headers=BOT).json()[0]["breached"] is True


def test_agent_claims_answers_and_resolves(api):
    create(api, 1)
    login(api)
    assert api.post("/api/tickets/T-1/claim").json()["claimed_by"] == "marco"
    assert api.post("/api/tickets/T-1/messages", json={"text": "Bonjour !"}).status_code == 201
    assert api.post("/api/tickets/T-1/messages", headers=BOT,
                    json={"text": "merci"}).json()["author"] == "user"
    messages = api.get("/api/tickets/T-1/messages", params={"after": 0}, headers=BOT).json()
    assert [(m["author"], m["text"], m["agent_name"]) for m in messages] == [
        ("agent", "Bonjour !", "Marco Ferrand"), ("user", "merci", None)]
    assert api.get("/api/tickets/T-1/messages", params={"after": messages[0]["id"]},
                   headers=BOT).json() == messages[1:]
    assert api.post("/api/tickets/T-1/resolve").json()["status"] == "resolved"
    assert api.post("/api/tickets/T-1/rating", headers=BOT, json={"rating": 5}).json()[
        "rating"] == 5


RELAYED = {"ru": "всё ещё не работает", "nb": "det virker fortsatt ikke",
           "fr": "ça ne marche toujours pas", "it": "ancora non funziona",
           "en": "still not working"}


@pytest.mark.parametrize("lang", sorted(RELAYED))
def test_a_relay_retried_with_its_key_reaches_the_agent_once(api, lang):
    create(api, 1)
    text = RELAYED[lang]
    first = api.post("/api/tickets/T-1/messages", json={"text": text},
                     headers={**BOT, "Idempotency-Key": f"msg:{lang}:1"})
    again = api.post("/api/tickets/T-1/messages", json={"text": text},
                     headers={**BOT, "Idempotency-Key": f"msg:{lang}:1"})
    other = api.post("/api/tickets/T-1/messages", json={"text": text},
                     headers={**BOT, "Idempotency-Key": f"msg:{lang}:2"})
    unkeyed = [api.post("/api/tickets/T-1/messages", json={"text": text}, headers=BOT)
               for _ in range(2)]
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    messages = api.get("/api/tickets/T-1/messages", params={"after": 0}, headers=BOT).json()
    # The same words sent twice on purpose (other keys, or none) are kept.
    assert [m["text"] for m in messages] == [text] * 4
    assert all(r.status_code == 201 for r in unkeyed)


def test_a_second_claim_is_refused(api):
    create(api, 1)
    login(api, "marco", "marco-demo-password")
    assert api.post("/api/tickets/T-1/claim").status_code == 200
    other = TestClient(api.app)
    login(other, "alice", "alice-demo-password")
    refused = other.post("/api/tickets/T-1/claim")
    assert refused.status_code == 409 and refused.json()["error"] == "already_claimed"
    assert other.post("/api/tickets/T-1/messages", json={"text": "hi"}).status_code == 403
    assert other.post("/api/tickets/T-1/resolve").status_code == 403


def test_no_agent_online_records_an_email_notification(api, service):
    service.set_online("alice", False)
    service.set_online("marco", False)
    created = create(api, 1)
    assert created.json()["agents_online"] is False
    (email,) = api.get("/api/tickets/T-1/notifications", headers=BOT).json()
    assert email["channel"] == "email" and email["recipient"] == "camille@example.com"
    assert "T-1" in email["subject"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/tickets", None),
    ("post", "/api/tickets", {}),
    ("get", "/api/tickets/T-1", None),
    ("post", "/api/tickets/T-1/claim", None),
    ("get", "/api/tickets/T-1/messages", None),
    ("post", "/api/tickets/T-1/messages", {"text": "x"}),
    ("post", "/api/tickets/T-1/resolve", None),
    ("post", "/api/tickets/T-1/rating", {"rating": 3}),
    ("get", "/api/tickets/T-1/notifications", None),
    ("get", "/api/me", None),
    ("post", "/api/me/online", {"online": True}),
])
@pytest.mark.parametrize("credentials", ["none", "forged token", "forged cookie"])
def test_every_endpoint_refuses_unauthorised_callers(api, method, path, body, credentials):
    create(api, 1)
    client = TestClient(api.app)
    headers = {"Idempotency-Key": "k"}
    if credentials == "forged token":
        headers["Authorization"] = "Bearer not-the-token"
    if credentials == "forged cookie":
        client.cookies.set("helpbot_agent_session", "forged")
    response = getattr(client, method)(path, headers=headers, **(
        {"json": body} if body is not None else {}))
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized"


def test_role_limits(api):
    create(api, 1)
    # The assistant cannot claim or resolve; agents cannot create tickets or rate.
    assert api.post("/api/tickets/T-1/claim", headers=BOT).status_code == 403
    assert api.post("/api/tickets/T-1/resolve", headers=BOT).status_code == 403
    login(api)
    agent_create = api.post("/api/tickets", json=ticket_body(3),
                            headers={"Idempotency-Key": "k3"})
    assert agent_create.status_code == 403
    assert api.post("/api/tickets/T-1/rating", json={"rating": 4}).status_code == 403


def test_bad_input_gets_clear_errors(api):
    assert api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"},
                    content=b"{broken", ).status_code == 422
    bad_priority = ticket_body(1, priority="P7")
    response = api.post("/api/tickets", json=bad_priority,
                        headers={**BOT, "Idempotency-Key": "k"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    missing_key = api.post("/api/tickets", json=ticket_body(1), headers=BOT)
    assert missing_key.status_code == 422
    create(api, 1)
    assert api.get("/api/tickets/T-404", headers=BOT).status_code == 404
    for invisible in ("   ", "\u200b\u200b", "\ufeff\u2060 \u200d", "\u2800", "\n\t"):
        assert api.post("/api/tickets/T-1/messages", headers=BOT,
                        json={"text": invisible}).json()["error"] == "empty_message"
    assert api.post("/api/tickets/T-1/messages", headers=BOT,
                    json={"text": "x" * 5000}).status_code == 413
    assert api.post("/api/tickets/T-1/rating", headers=BOT,
                    json={"rating": 9}).json()["error"] == "invalid_rating"
    assert api.post("/api/login", json={"agent_id": "marco", "password": "nope"}
                    ).status_code == 401


def test_console_page_is_served_and_logout_ends_the_session(api):
    assert api.get("/console").status_code == 200
    login(api)
    assert api.get("/api/me").json()["languages"] == ["fr", "it", "en"]
    api.post("/api/logout")
    assert api.get("/api/me").status_code == 401
