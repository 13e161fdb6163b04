"""The studio's API: sign-in, refusals without a session, bad input (FastAPI TestClient).

The inbox, teaching and retraining routes are tested with their modules
(test_studio_inbox, test_studio_teaching, test_studio_gate) and, end to end, in
tests/e2e/test_studio_browser.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.studio.api import install_studio
from bot.studio.api.deps import SESSION_COOKIE
from bot.studio.editors import load_demo_editors, seed_editors
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
DEMO = {editor.interface_language: editor for editor in load_demo_editors()}


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture(scope="module")
def studio_database(tmp_path_factory):
    """One migrated database with the demo editors (Argon2id hashing is slow on purpose)."""
    from sqlalchemy.orm import sessionmaker

    from bot.storage.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('studio') / 'helpbot.db'}")
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    with UnitOfWork(factory) as uow:
        seed_editors(uow.session)
    yield factory
    engine.dispose()


@pytest.fixture()
def client(tmp_path, studio_database, clock):
    from bot.studio.api.deps import StudioContext

    app = FastAPI()
    settings = Settings(var_dir=tmp_path, jwt_secret=TEST_SECRET, rasa_token="r" * 40,
                        service_token="s" * 40)
    install_studio(app, settings, lambda: UnitOfWork(studio_database))
    app.state.studio = StudioContext(settings, app.state.studio.unit_of_work, clock)
    return TestClient(app)


def test_there_is_a_demo_editor_for_every_interface_language():
    assert sorted(DEMO) == ["en", "fr", "it", "nb", "ru"]


@pytest.mark.parametrize("lang", ["ru", "nb", "fr", "it", "en"])
def test_an_editor_signs_in_and_out(client, lang):
    editor = DEMO[lang]
    response = client.post("/api/studio/login",
                           json={"editor_id": editor.id, "password": editor.password})
    assert response.status_code == 200, response.text
    assert response.json()["interface_language"] == lang
    assert SESSION_COOKIE in response.cookies
    assert client.get("/api/studio/me").json()["id"] == editor.id
    assert client.post("/api/studio/logout").status_code == 200
    assert client.get("/api/studio/me").status_code == 401


def test_a_session_ends_after_twelve_hours(client, clock):
    editor = DEMO["en"]
    client.post("/api/studio/login", json={"editor_id": editor.id, "password": editor.password})
    clock.now = NOW + timedelta(hours=11, minutes=59)
    assert client.get("/api/studio/me").status_code == 200
    clock.now = NOW + timedelta(hours=12, minutes=1)
    assert client.get("/api/studio/me").json()["error"] == "unauthorized"


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"editor_id": "emma", "password": "wrong"}, 401, "bad_credentials"),
    ({"editor_id": "nobody", "password": "emma-demo-password"}, 401, "bad_credentials"),
    ({"editor_id": "", "password": "x"}, 422, "invalid_request"),
    ({"editor_id": "emma"}, 422, "invalid_request"),
    ({"editor_id": "emma", "password": "x" * 10_000}, 422, "invalid_request"),
])
def test_a_bad_sign_in_is_refused_with_a_reason(client, body, status, error):
    response = client.post("/api/studio/login", json=body)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["detail"]


def test_broken_json_is_refused_in_the_studio_format(client):
    response = client.post("/api/studio/login", content=b'{"editor_id": "emma", ',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/studio/me"),
    ("get", "/api/studio/inbox"),
    ("post", "/api/studio/inbox/abc/not-for-us"),
    ("post", "/api/studio/teach/intent"),
    ("post", "/api/studio/teach/question"),
    ("get", "/api/studio/articles/template"),
    ("post", "/api/studio/articles/check"),
    ("post", "/api/studio/articles"),
    ("post", "/api/studio/retrain"),
    ("get", "/api/studio/retrain/latest"),
    ("get", "/api/studio/models"),
    ("post", "/api/studio/models/v1/rollback"),
])
def test_every_route_needs_a_signed_in_editor(client, method, path):
    client.cookies.set(SESSION_COOKIE, "forged-token")
    body = {"lang": "en", "text": "x", "intent": "greet", "article_id": "a", "question": "q"}
    response = getattr(client, method)(path, **({"json": body} if method == "post" else {}))
    assert response.status_code == 401, (path, response.text)
    assert response.json()["error"] == "unauthorized"


def test_the_page_is_served(client):
    response = client.get("/studio")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]


def test_the_web_port_serves_the_studio_before_the_sites_language_pages(tmp_path,
                                                                        studio_database):
    from bot.web.app import create_web_app

    settings = Settings(var_dir=tmp_path, jwt_secret=TEST_SECRET, rasa_token="r" * 40,
                        service_token="s" * 40)
    web = TestClient(create_web_app(settings, unit_of_work=lambda: UnitOfWork(studio_database)),
                     follow_redirects=False)
    for path in ("/studio", "/studio/static/studio.js", "/studio/static/studio-i18n.js"):
        assert web.get(path).status_code == 200, path
    assert web.get("/api/studio/me").json()["error"] == "unauthorized"
