"""The help center's KB as JSON for the console: search in one language, fetch in another."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.web.kb_api import kb_api_router
from bot.web.site import Catalogue
from bot.web.site_search import SiteResults
from kb_index.articles import Article
from kb_index.search import Hit

TITLES = {"ru": "Нет звука", "nb": "Ingen lyd", "fr": "Pas de son", "it": "Niente audio",
          "en": "No audio"}


def article(lang):
    return Article(id="audio-not-working", lang=lang, title=TITLES[lang], summary=f"s-{lang}",
                   tags=(), questions=(), related=(), slug="audio", body="", path=Path("x"))


@pytest.fixture()
def client():
    catalogue = Catalogue.of([article(lang) for lang in TITLES])

    def search(query, lang):
        hit = Hit(id="audio-not-working", lang=lang, score=1.0, title="", summary="", url="")
        return SiteResults([hit] if "audio" in query else [])

    app = FastAPI()
    app.include_router(kb_api_router(lambda: catalogue, search))
    return TestClient(app)


@pytest.mark.parametrize("lang", list(TITLES))
def test_an_english_search_then_the_article_in_the_users_language(client, lang):
    found = client.get("/api/kb/search", params={"q": "no audio", "lang": "en"}).json()
    assert [h["title"] for h in found["hits"]] == ["No audio"]
    card = client.get(f"/api/kb/articles/{found['hits'][0]['article_id']}",
                      params={"lang": lang}).json()
    assert card == {"article_id": "audio-not-working", "lang": lang, "title": TITLES[lang],
                    "summary": f"s-{lang}", "url": f"/{lang}/articles/audio"}


def test_nothing_found_unknown_article_and_bad_language(client):
    assert client.get("/api/kb/search", params={"q": "zzz", "lang": "en"}).json()["hits"] == []
    assert client.get("/api/kb/articles/nope", params={"lang": "ru"}).status_code == 404
    assert client.get("/api/kb/search", params={"q": "audio", "lang": "de"}).status_code == 422
