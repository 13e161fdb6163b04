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
from tests.conftest import PROJECT_ROOT, TEST_SECRET

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


# -- teaching through the API (the files are a copy of the project's) -------------------

LOOP = __import__("yaml").safe_load(
    (PROJECT_ROOT / "tests" / "fixtures" / "studio" / "loop.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def content_root(tmp_path_factory):
    import shutil

    root = tmp_path_factory.mktemp("content") / "main"
    for part in ("domain", "data", "tests/nlu_holdout", "tests/fixtures"):
        shutil.copytree(PROJECT_ROOT / part, root / part)
    return root


@pytest.fixture()
def editor_client(tmp_path, studio_database, clock, content_root):
    from bot.studio.api.deps import StudioContext

    app = FastAPI()
    settings = Settings(var_dir=tmp_path, jwt_secret=TEST_SECRET, rasa_token="r" * 40,
                        service_token="s" * 40, content_root=content_root,
                        tracker_store_url=f"sqlite:///{tmp_path / 'none.db'}")
    install_studio(app, settings, lambda: UnitOfWork(studio_database))
    app.state.studio = StudioContext(settings, app.state.studio.unit_of_work, clock)
    client = TestClient(app)
    editor = DEMO["en"]
    client.post("/api/studio/login", json={"editor_id": editor.id, "password": editor.password})
    return client


def decided(factory):
    with UnitOfWork(factory) as uow:
        return uow.editors.decided_keys()


@pytest.mark.parametrize(("lang", "text"), sorted(LOOP["gap"].items()))
def test_teaching_an_intent_writes_the_file_and_marks_the_message(
        editor_client, studio_database, content_root, lang, text):
    key = f"conversation-{lang}@1.000000"
    response = editor_client.post("/api/studio/teach/intent", json={
        "message_key": key, "lang": lang, "text": text, "intent": "ask_question"})
    assert response.status_code == 200, response.text
    assert response.json()["file"].startswith(f"data/nlu/{lang}/")
    assert text in (content_root / response.json()["file"]).read_text(encoding="utf-8")
    assert key in decided(studio_database)
    again = editor_client.post("/api/studio/teach/intent", json={
        "lang": lang, "text": text, "intent": "greet"})
    assert again.status_code == 422 and again.json()["error"] == "invalid_edit"
    assert again.json()["problems"][0]["message"]


@pytest.mark.parametrize("body", [
    {"lang": "de", "text": "hallo", "intent": "greet"},
    {"lang": "en", "text": "", "intent": "greet"},
    {"lang": "en", "text": "\u200b\u200b", "intent": "greet"},
    {"lang": "en", "text": "x" * 5000, "intent": "greet"},
    {"lang": "en", "text": "hello there friend", "intent": "no_such_intent"},
])
def test_a_bad_teaching_request_is_refused_with_a_reason(editor_client, body):
    response = editor_client.post("/api/studio/teach/intent", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_edit")


def test_a_new_article_is_checked_created_in_five_languages_and_marks_its_messages(
        editor_client, studio_database, content_root):
    article = dict(LOOP["article"], id="dual-monitors-api")
    checked = editor_client.post("/api/studio/articles/check", json=article)
    assert checked.status_code == 200 and checked.json()["problems"] == []
    assert sorted(checked.json()["preview"]) == ["en", "fr", "it", "nb", "ru"]
    missing_nb = dict(article, languages={k: v for k, v in article["languages"].items()
                                          if k != "nb"})
    refused = editor_client.post("/api/studio/articles", json=missing_nb)
    assert refused.status_code == 422
    assert any(p["lang"] == "nb" for p in refused.json()["problems"])
    assert not (content_root / "data" / "kb" / "en" / "dual-monitors-api.md").exists()
    created = editor_client.post("/api/studio/articles",
                                 json=dict(article, message_keys=["m1@2.000000"]))
    assert created.status_code == 200, created.text
    assert len(created.json()["files"]) == 5
    assert "m1@2.000000" in decided(studio_database)
