"""The help-center site, its labels and the development sign-in (FastAPI TestClient)."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from bot.accounts.identity import identity_from_authorization
from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.web.app import STATIC_DIR, create_web_app, kb_catalogue
from bot.web.labels import all_labels, labels, page_language
from kb_index.articles import LANGUAGES
from tests.conftest import TEST_SECRET

WIDGET_JS = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")


def settings(tmp_path, environment="development"):
    return Settings(var_dir=tmp_path, environment=environment, jwt_secret=TEST_SECRET,
                    rasa_token="r" * 40, service_token="s" * 40)


class FakeSearch:
    """Returns fixed article ids with lexical scores; records the queries; fails on request."""

    def __init__(self, ids=("screen-sharing", "recording"), error=None, scores=(14.0, 9.0),
                 coverage=0.8):
        self.ids, self.error, self.queries, self.scores = ids, error, [], scores
        self.coverage = coverage

    def __call__(self, query, lang):
        self.queries.append((query, lang))
        if self.error:
            raise self.error
        return [SimpleNamespace(id=i, lexical=s, dense=0.0, coverage=self.coverage * s / 14)
                for i, s in zip(self.ids, self.scores, strict=True)]


@pytest.fixture()
def search():
    return FakeSearch()


@pytest.fixture()
def client(tmp_path, demo_database, search):
    app = create_web_app(settings(tmp_path), search=search,
                         unit_of_work=lambda: UnitOfWork(demo_database))
    return TestClient(app)


def widget_config(html):
    found = re.search(r'<script type="application/json" id="helpbot-config">(.*?)</script>',
                      html, re.DOTALL)
    assert found, "the page has no widget configuration"
    return json.loads(found.group(1))


@pytest.mark.parametrize("accept, expected", [
    ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    ("nb-NO", "nb"),
    ("no", "nb"),
    ("nn-NO,en;q=0.5", "nb"),
    ("ru", "ru"),
    ("de-DE,it;q=0.7", "it"),
    ("de-DE", "en"),
    ("", "en"),
    ("\x00garbage;;,", "en"),
])
def test_the_page_language_follows_the_browser(accept, expected):
    assert page_language(accept) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_exists_in_every_language_with_the_widget(client, lang):
    article = kb_catalogue().by_id[lang]["contact-support"]
    for path in (f"/{lang}/", f"/{lang}/articles", article.url, f"/{lang}/forms",
                 f"/{lang}/search?q=x"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in response.text
        config = widget_config(response.text)
        assert config["lang"] == config["locale"] == lang
        assert config["labels"] == all_labels()[lang]["widget"]
        assert config["chatUrl"] == "http://testserver:5005/webhooks/helpcenter"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert '<script src="/assets/widget.js"' in response.text
        assert 'id="sign-in-as"' in response.text  # development


def test_article_page_renders_the_article_and_links_its_translations(client):
    article = kb_catalogue().by_id["fr"]["contact-support"]
    page = client.get(article.url).text
    assert f"<h1>{article.title}</h1>" in page
    assert "<strong>Contacter le support</strong>" in page  # **bold** in the body
    for lang in LANGUAGES:
        other = kb_catalogue().by_id[lang]["contact-support"]
        assert f'data-switch="{lang}" href="{other.url}"' in page


@pytest.mark.parametrize("path, status", [
    ("/xx/", 404), ("/en/articles/no-such-article", 404), ("/de/articles", 404),
    ("/en/search?q=" + "a" * 5000, 200),
])
def test_unknown_pages_get_a_page_not_a_traceback(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")


NOT_FOUND_TITLES = {lang: labels(lang)["site"]["not_found"] for lang in LANGUAGES}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("mistyped", ["video", "contacts", "forum", "articles/a/b", "x.html"])
def test_a_mistyped_address_gets_the_sites_404_page_in_its_language(client, lang, mistyped):
    response = client.get(f"/{lang}/{mistyped}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert NOT_FOUND_TITLES[lang] in response.text
    assert f'href="/{lang}/"' in response.text  # the way back


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unknown_address_outside_the_languages_is_a_page_for_a_browser(client, lang):
    browser = client.get("/nowhere/at/all", headers={"Accept": "text/html",
                                                     "Accept-Language": lang})
    assert browser.status_code == 404 and NOT_FOUND_TITLES[lang] in browser.text
    api = client.get("/nowhere/at/all", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_redirects_to_the_browser_language_and_to_the_community_page(client):
    root = client.get("/", headers={"Accept-Language": "it-IT"}, follow_redirects=False)
    assert (root.status_code, root.headers["location"]) == (307, "/it/")
    # The forum's old address (``/community?lang=``) leads to the page of that language.
    forum = client.get("/community?lang=ru", follow_redirects=False)
    assert forum.headers["location"] == "/ru/community"
    forum = client.get("/community", headers={"Accept-Language": "fr"},
                       follow_redirects=False)
    assert forum.headers["location"] == "/fr/community"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_self_service_pages_are_pages_not_articles(client, lang):
    for path in (f"/{lang}/videos", f"/{lang}/community", f"/{lang}/contact",
                 f"/{lang}/top-resources", f"/{lang}/release-notes"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in response.text
        assert "<h1>" in response.text


def test_search_shows_the_ranked_articles_and_escapes_the_query(client, search):
    response = client.get("/fr/search", params={"q": "<script>alert(1)</script> écran"})
    assert search.queries == [("<script>alert(1)</script> écran", "fr")]
    page = response.text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; écran" in page
    first = kb_catalogue().by_id["fr"]["screen-sharing"]
    second = kb_catalogue().by_id["fr"]["recording"]
    assert page.index(first.url) < page.index(second.url)


def test_search_says_so_when_the_index_is_missing(tmp_path, demo_database):
    app = create_web_app(settings(tmp_path), search=FakeSearch(error=FileNotFoundError()),
                         unit_of_work=lambda: UnitOfWork(demo_database))
    page = TestClient(app).get("/en/search", params={"q": "screen"}).text
    assert all_labels()["en"]["site"]["search_unavailable"] in page


def site_with(tmp_path, demo_database, search):
    return TestClient(create_web_app(settings(tmp_path), search=search,
                                     unit_of_work=lambda: UnitOfWork(demo_database)))


def no_results(lang):
    """The "no results" label as the autoescaping page renders it."""
    return str(escape(all_labels()[lang]["site"]["no_results"]))


NO_RESULTS_QUERIES = {
    "ru": "рецепт борща с пампушками", "nb": "oppskrift på fårikål",
    "fr": "recette de la tarte tatin", "it": "ricetta della carbonara",
    "en": "recipe for apple pie",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_says_no_results_when_nothing_is_confident(tmp_path, demo_database, lang):
    weak = FakeSearch(ids=("screen-sharing", "recording", "webinars"), scores=(2.9, 2.0, 1.2),
                      coverage=0.3)
    page = site_with(tmp_path, demo_database, weak).get(
        f"/{lang}/search", params={"q": NO_RESULTS_QUERIES[lang]}).text
    assert no_results(lang) in page
    assert 'class="article-list"' not in page
    for article_id in weak.ids:
        assert kb_catalogue().by_id[lang][article_id].url not in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_lists_only_the_results_that_pass_the_threshold(tmp_path, demo_database, lang):
    mixed = FakeSearch(ids=("screen-sharing", "recording", "webinars", "team-chat"),
                       scores=(18.0, 9.5, 8.5, 4.0))
    page = site_with(tmp_path, demo_database, mixed).get(
        f"/{lang}/search", params={"q": "x"}).text
    shown = [i for i in mixed.ids if kb_catalogue().by_id[lang][i].url in page]
    assert shown == ["screen-sharing", "recording"]
    assert no_results(lang) not in page


@pytest.fixture(scope="module")
def lexical_kb():
    """The shipped articles indexed lexical-only, ranked as the site's search box ranks."""
    from kb_index.search import SearchConfig
    from tests.kb_real_index import lexical_kb_index

    index = lexical_kb_index()
    return lambda query, lang: index.search(query, lang, k=10,
                                            config=SearchConfig(dense=False))


SITE_QUERIES = {
    "ru": ("как показать экран", "screen-sharing"),
    "nb": ("hvordan deler jeg skjermen", "screen-sharing"),
    "fr": ("comment partager mon écran", "screen-sharing"),
    "it": ("come condividere lo schermo", "screen-sharing"),
    "en": ("how do I share my screen", "screen-sharing"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_real_search_box_answers_or_says_no_results(tmp_path, demo_database, lexical_kb,
                                                        lang):
    client = site_with(tmp_path, demo_database, lexical_kb)
    nothing = client.get(f"/{lang}/search", params={"q": NO_RESULTS_QUERIES[lang]}).text
    assert no_results(lang) in nothing
    query, expected = SITE_QUERIES[lang]
    found = client.get(f"/{lang}/search", params={"q": query}).text
    assert no_results(lang) not in found
    listed = re.findall(rf'href="(/{lang}/articles/[^"]+)"', found.split("<main", 1)[-1])
    assert kb_catalogue().by_id[lang][expected].url == listed[0]
    assert len(listed) < 10


def test_dev_sign_in_lists_the_demo_users_and_issues_their_tokens(client):
    users = client.get("/dev/users").json()
    assert {u["id"] for u in users} >= {"u-free", "u-biz-admin", "u-ent-plus"}
    response = client.post("/dev/token", json={"user_id": "u-biz-admin"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert identity_from_authorization(f"Bearer {token}", TEST_SECRET).user_id == "u-biz-admin"
    assert response.json()["user"]["plan"] == "business"


@pytest.mark.parametrize("body, status, error", [
    ({"user_id": "u-nobody"}, 404, "unknown_user"),
    ({"user_id": ""}, 422, None),
    ({}, 422, None),
    ("{broken", 422, None),
])
def test_dev_sign_in_refuses_bad_requests(client, body, status, error):
    if isinstance(body, str):
        response = client.post("/dev/token", content=body,
                               headers={"Content-Type": "application/json"})
    else:
        response = client.post("/dev/token", json=body)
    assert response.status_code == status
    if error:
        assert response.json()["error"] == error


def test_dev_sign_in_reports_a_database_that_is_down(tmp_path):
    def broken():
        from sqlalchemy.exc import OperationalError

        raise OperationalError("connect", {}, Exception("database is down"))

    client = TestClient(create_web_app(settings(tmp_path), search=FakeSearch(),
                                       unit_of_work=broken))
    for response in (client.get("/dev/users"),
                     client.post("/dev/token", json={"user_id": "u-free"})):
        assert response.status_code == 503
        assert response.json()["error"] == "accounts_unavailable"


def test_production_has_no_dev_sign_in(tmp_path, monkeypatch):
    production = Settings(var_dir=tmp_path, environment="production", jwt_secret="j" * 40,
                          rasa_token="r" * 40, service_token="s" * 40)

    def must_not_be_called():
        raise AssertionError("production must not read accounts for a dev sign-in")

    client = TestClient(create_web_app(production, search=FakeSearch(),
                                       unit_of_work=must_not_be_called))
    assert client.post("/dev/token", json={"user_id": "u-free"}).status_code == 404
    assert client.get("/dev/users").status_code == 404
    page = client.get("/en/")
    assert page.status_code == 200
    assert 'id="sign-in-as"' not in page.text
    assert widget_config(page.text)["devSignIn"] is False


def test_the_public_chat_url_setting_wins(tmp_path, demo_database):
    configured = settings(tmp_path).copy(
        update={"public_chat_url": "https://chat.example.com/webhooks/helpcenter/"})
    client = TestClient(create_web_app(configured, search=FakeSearch(),
                                       unit_of_work=lambda: UnitOfWork(demo_database)))
    config = widget_config(client.get("/en/").text)
    assert config["chatUrl"] == "https://chat.example.com/webhooks/helpcenter"


def test_every_language_has_the_same_labels_and_placeholders():
    labels = all_labels()
    assert sorted(labels) == sorted(LANGUAGES)
    for lang in LANGUAGES:
        for section, english in labels["en"].items():
            assert labels[lang][section].keys() == english.keys(), (lang, section)
            for key, text in english.items():
                assert (set(re.findall(r"\{\w+\}", labels[lang][section][key]))
                        == set(re.findall(r"\{\w+\}", text))), (lang, section, key)
                assert labels[lang][section][key].strip(), (lang, section, key)


def test_the_widget_uses_only_labels_that_exist():
    used = set(re.findall(r"\bL\.(\w+)", WIDGET_JS))
    used |= {f"channel_{c}" for c in ("live_chat", "web_ticket", "phone", "knowledge_base",
                                      "video_tutorials", "community_forum", "assistant")}
    assert used, "no labels found in widget.js"
    missing = used - all_labels()["en"]["widget"].keys()
    assert not missing


def test_the_widget_never_inserts_received_text_as_html():
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in WIDGET_JS, sink


def test_the_chat_channel_accepts_the_help_center_page_origin(tmp_path):
    from bot.runtime.processes import product_services

    configured = settings(tmp_path).copy(update={"web_port": 8123})
    rasa = next(s for s in product_services(configured) if s.name == "rasa")
    origins = rasa.command[rasa.command.index("--cors") + 1:]
    assert origins == ["http://127.0.0.1:8123", "http://localhost:8123"]
    web = next(s for s in product_services(configured) if s.name == "web")
    assert web.command[1:3] == ["-m", "bot.web"]
    assert web.urls["help center with the chat widget"] == "http://127.0.0.1:8123/"
    explicit = configured.copy(update={"cors_origins": ["https://help.example.com"]})
    assert explicit.widget_origins == ["https://help.example.com"]
