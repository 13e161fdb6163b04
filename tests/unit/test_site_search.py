"""The site's search box: hybrid ranking with the vector from a fake Rasa, lexical fallback.

The index holds a few shipped articles in all five languages, embedded with a bag-of-words
stand-in for e5 (no model is loaded): a "Rasa" vector equal to an article's passage
vector points the dense ranking at that article.
"""

from __future__ import annotations

import json
import logging
import re
import zlib

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.web.app import create_web_app, kb_catalogue
from bot.web.labels import all_labels
from bot.web.site_search import (
    DEFAULT_TIMEOUT,
    RasaVectors,
    SiteResults,
    SiteSearch,
    lexical_hits,
    site_hits,
)
from kb_index.answer_model import NO_ARTICLE, ArticleProbability
from kb_index.articles import load_articles
from kb_index.build import DEFAULT_SOURCE, build_index
from kb_index.embedding import PARSE_KEY, pack
from kb_index.search import KBIndex
from tests.conftest import LANGUAGES, TEST_SECRET

MODEL = "bag-of-words-test"
TOKEN = "r" * 40
RASA = "http://rasa.test:5005"
ARTICLES = ("screen-sharing", "recording", "submit-web-ticket", "sign-in-password",
            "audio-not-working", "contact-support")
NONSENSE = "qwxz vbnm"  # no article shares a word with it


def bag_of_words(texts):
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, zlib.crc32(word.encode()) % 384] += 1.0
        norm = np.linalg.norm(vectors[row])
        vectors[row] /= norm if norm else 1.0
    return vectors


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    articles = [a for a in load_articles(DEFAULT_SOURCE) if a.id in ARTICLES]
    report = build_index(DEFAULT_SOURCE, tmp_path_factory.mktemp("kb"), embed=bag_of_words,
                         articles=articles, embedding_model=MODEL)
    # As the web process loads it (``composition.site_kb_searcher``): it cannot embed.
    return KBIndex.load(report.path, embed_query=None)


def article_vector(index, article_id, lang):
    """The first passage vector of an article (its title and summary)."""
    docs = index.index["docs"]
    for row, number in enumerate(index.index["passage_doc"]):
        if (docs[number]["id"], docs[number]["lang"]) == (article_id, lang):
            return index.vectors[row]
    raise KeyError(article_id)


class FakeRasa:
    """Rasa's ``POST /model/parse``: a fixed vector, or a failure; records the requests."""

    def __init__(self, vector=None, fail=None, status=200, body=None):
        self.vector, self.fail, self.status, self.body = vector, fail, status, body
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        if self.fail is not None:
            raise self.fail
        if self.body is not None:
            return httpx.Response(self.status, content=self.body)
        text = json.loads(request.content)["text"]
        parsed = {"text": text, "intent": {"name": "ask_question", "confidence": 0.9}}
        if self.vector is not None:
            parsed[PARSE_KEY] = pack(self.vector, MODEL)
        return httpx.Response(self.status, json=parsed)

    def vectors(self, **options):
        return RasaVectors(RASA, TOKEN, transport=httpx.MockTransport(self), **options)


def site(tmp_path, demo_database, index, rasa):
    settings = Settings(var_dir=tmp_path, environment="development", jwt_secret=TEST_SECRET,
                        rasa_token=TOKEN, service_token="s" * 40)
    search = SiteSearch(lambda: index, rasa.vectors().payload)
    return TestClient(create_web_app(settings, search=search, studio=False,
                                     unit_of_work=lambda: UnitOfWork(demo_database)))


def listed(page, lang):
    """The article URLs a results page lists, in order."""
    main = page.split("<main", 1)[-1]
    return re.findall(rf'href="(/{lang}/articles/[^"]+)"', main)


def url(lang, article_id):
    return kb_catalogue().by_id[lang][article_id].url


# -- the vector from Rasa ---------------------------------------------------------------

def test_the_vector_comes_from_rasa_parse_with_the_token_and_is_cached():
    rasa = FakeRasa(vector=np.ones(384, dtype=np.float32) / np.sqrt(384))
    vectors = rasa.vectors()
    payload = vectors.payload("how do I share my screen")
    assert payload is not None and payload["model"] == MODEL
    (request,) = rasa.requests
    assert (request.method, request.url.path) == ("POST", "/model/parse")
    assert request.url.params["token"] == TOKEN
    assert json.loads(request.content) == {"text": "how do I share my screen"}
    assert vectors.payload("how do I share my screen") == payload
    assert len(rasa.requests) == 1  # the same query again: no second parse


@pytest.mark.parametrize("rasa", [
    FakeRasa(fail=httpx.ConnectError("connection refused")),
    FakeRasa(fail=httpx.ReadTimeout("slow")),
    FakeRasa(status=401, body=b'{"status": "failure"}'),
    FakeRasa(status=500, body=b"oops"),
    FakeRasa(status=200, body=b"not json"),
    FakeRasa(status=200, body=b"[1, 2]"),
    FakeRasa(),  # parsed, but no vector (a model without the e5 featurizer)
], ids=["down", "slow", "token-refused", "error", "not-json", "not-an-object", "no-vector"])
def test_rasa_failures_give_no_vector_and_no_retry_for_a_while(rasa):
    now = [100.0]
    vectors = rasa.vectors(retry_after=15.0, clock=lambda: now[0])
    assert vectors.payload("screen") is None
    assert vectors.payload("audio") is None
    assert len(rasa.requests) == 1  # a hung Rasa costs one timeout, not one per search
    now[0] += 16.0
    assert vectors.payload("audio") is None
    assert len(rasa.requests) == 2


def test_the_parse_call_has_a_short_timeout():
    rasa = FakeRasa(vector=np.ones(384, dtype=np.float32) / np.sqrt(384))
    rasa.vectors().payload("x")
    timeouts = rasa.requests[0].extensions["timeout"]
    assert DEFAULT_TIMEOUT <= 2.0
    assert timeouts["connect"] == timeouts["read"] == DEFAULT_TIMEOUT


@pytest.mark.parametrize(("rasa", "level"), [
    (FakeRasa(status=401, body=b"{}"), logging.WARNING),  # wrong token: a config error
    (FakeRasa(fail=httpx.ConnectError("refused")), logging.INFO),  # down: quiet
])
def test_a_refused_token_is_a_warning_an_outage_is_not(rasa, level, caplog):
    caplog.set_level(logging.INFO, logger="bot.web.site_search")
    assert rasa.vectors().payload("x") is None
    assert [r.levelno for r in caplog.records] == [level]


# -- ranking -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_vector_ranks_an_article_no_word_of_the_query_names(index, lang):
    vector = article_vector(index, "recording", lang)
    assert lexical_hits(index, NONSENSE, lang) == []
    hits = site_hits(index, NONSENSE, lang, vector)
    assert [h.id for h in hits][:1] == ["recording"]
    assert {h.lang for h in hits} == {lang}


class FakeAnswerModel:
    """The chat's answer model, certain of one article."""

    def __init__(self, article_id):
        self.article_id = article_id

    def probabilities(self, text, vector):
        return [ArticleProbability(self.article_id, 0.9), ArticleProbability(NO_ARTICLE, 0.1)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_chat_answer_comes_first_and_nothing_repeats(index, lang):
    # The words name one article, the answer model picks another: the chat's answer
    # leads, the hybrid search's lexical match follows, nothing twice.
    chat = KBIndex(index=index.index, vectors=index.vectors, embed_query=None,
                   answer_model=FakeAnswerModel("audio-not-working"))
    words = kb_catalogue().by_id[lang]["sign-in-password"].title
    vector = article_vector(index, "sign-in-password", lang)
    ids = [h.id for h in site_hits(chat, words, lang, vector)]
    assert ids[:2] == ["audio-not-working", "sign-in-password"]
    assert len(ids) == len(set(ids))
    # Without a chat answer, the hybrid ranking alone.
    assert [h.id for h in site_hits(index, words, lang, vector)][:1] == ["sign-in-password"]


def test_the_web_process_index_cannot_embed(index, tmp_path):
    from bot import composition

    build_index(DEFAULT_SOURCE, tmp_path, embed=bag_of_words, embedding_model=MODEL,
                articles=[a for a in load_articles(DEFAULT_SOURCE) if a.id == "recording"])
    searcher = composition._searcher_without_embedding(tmp_path)
    assert searcher.index().embed_query is None
    # A foreign product name the glossary localises: an index that can embed would embed
    # the localised query again; this one keeps the assistant's vector.
    rasa = FakeRasa(vector=article_vector(index, "screen-sharing", "ru"))
    results = SiteSearch(lambda: index, rasa.vectors().payload)("screen share не работает", "ru")
    assert [h.id for h in results.hits][:1] == ["screen-sharing"] and not results.degraded


# -- the page ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_lists_what_the_vector_finds(tmp_path, demo_database, index, lang):
    rasa = FakeRasa(vector=article_vector(index, "recording", lang))
    response = site(tmp_path, demo_database, index, rasa).get(
        f"/{lang}/search", params={"q": NONSENSE})
    assert response.status_code == 200
    assert listed(response.text, lang)[:1] == [url(lang, "recording")]
    assert 'data-ranking="hybrid"' in response.text
    assert len(rasa.requests) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rasa_down_falls_back_to_the_lexical_ranking_quietly(tmp_path, demo_database, index,
                                                             lang):
    client = site(tmp_path, demo_database, index,
                  FakeRasa(fail=httpx.ConnectError("connection refused")))
    title = kb_catalogue().by_id[lang]["screen-sharing"].title
    found = client.get(f"/{lang}/search", params={"q": title})
    assert found.status_code == 200
    assert listed(found.text, lang)[:1] == [url(lang, "screen-sharing")]
    assert 'data-ranking="lexical"' in found.text
    labels = all_labels()[lang]["site"]
    assert str(escape(labels["search_unavailable"])) not in found.text
    nothing = client.get(f"/{lang}/search", params={"q": NONSENSE})
    assert nothing.status_code == 200
    assert str(escape(labels["no_results"])) in nothing.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_language_comes_first(tmp_path, demo_database, index, lang):
    # An English product name typed on another language's page: that page's article.
    rasa = FakeRasa(vector=article_vector(index, "screen-sharing", lang))
    page = site(tmp_path, demo_database, index, rasa).get(
        f"/{lang}/search", params={"q": "screen sharing"}).text
    shown = listed(page, lang)
    assert shown[:1] == [url(lang, "screen-sharing")]
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    other = {u for u in re.findall(r'href="(/[a-z]{2}/articles/[^"]+)"', main)
             if not u.startswith(f"/{lang}/")}
    assert other == set()


def test_a_search_result_object_is_listed_as_it_is(tmp_path, demo_database, index):
    class Fixed:
        def __call__(self, query, lang):
            return SiteResults([index.article("contact-support", lang),
                                index.article("recording", lang)], degraded=True)

    settings = Settings(var_dir=tmp_path, environment="development", jwt_secret=TEST_SECRET,
                        rasa_token=TOKEN, service_token="s" * 40)
    client = TestClient(create_web_app(settings, search=Fixed(), studio=False,
                                       unit_of_work=lambda: UnitOfWork(demo_database)))
    page = client.get("/it/search", params={"q": "x"}).text
    assert listed(page, "it") == [url("it", "contact-support"), url("it", "recording")]
    assert 'data-ranking="lexical"' in page
