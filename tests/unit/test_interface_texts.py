"""The agent console's and the managers' dashboard's own texts, in the five languages.

Each surface keeps its texts in one file: the console in ``agent_texts.yml``
(``console:``, with the labels' plan, support-tier and language tables), the dashboard in
``dashboard_texts.yml``. Every key exists in every language with English's ``{fields}``
(and a counted text with each language's plural forms); every key the page uses exists,
and every key is used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.accounts.store import PLANS, SUPPORT_TIERS
from bot.dashboard.api import install_dashboard
from bot.dashboard.texts import TEXTS_FILE as DASHBOARD_TEXTS
from bot.live_agent.agent_texts import LANGUAGES, canned_replies, console_texts, text_problems
from bot.live_agent.agent_texts import TEXTS as AGENT_TEXTS
from tests.unit.test_live_agent_api import api, clock, service  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_STATIC = ROOT / "bot" / "live_agent" / "static"
DASHBOARD_STATIC = ROOT / "bot" / "dashboard" / "static"


def console_file() -> Dict[str, Any]:
    return yaml.safe_load(AGENT_TEXTS.read_text(encoding="utf-8"))


def dashboard_file() -> Dict[str, Any]:
    return yaml.safe_load(DASHBOARD_TEXTS.read_text(encoding="utf-8"))


# surface -> (its texts as written: key -> language -> text, its page's HTML and script)
SURFACES: Dict[str, Callable[[], Dict[str, Any]]] = {
    "console": lambda: console_file()["console"],
    "dashboard": lambda: dashboard_file()["texts"],
}
PAGES = {"console": (CONSOLE_STATIC / "console.html", CONSOLE_STATIC / "console.js"),
         "dashboard": (DASHBOARD_STATIC / "dashboard.html", DASHBOARD_STATIC / "dashboard.js")}
# Keys a page looks up by a computed name: t(`error_${code}`) in the console.
COMPUTED = {"console": re.compile(r"error_\w+"), "dashboard": re.compile(r"$^")}


def problems(texts: Dict[str, Any], lang: str) -> List[str]:
    return [problem for key, by_lang in texts.items()
            for problem in text_problems(key, by_lang, lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("surface", SURFACES)
def test_every_text_is_in_every_language_with_the_same_fields(surface, lang):
    texts = SURFACES[surface]()
    assert len(texts) > 50
    assert problems(texts, lang) == []


@pytest.mark.parametrize(("case", "lang", "change", "expected"), [
    ("a key removed", "fr", lambda t: t["queue"].pop("fr"), "queue lacks fr"),
    ("a blank text", "fr", lambda t: t["queue"].update(fr=" "), "queue lacks fr"),
    ("a field renamed", "fr", lambda t: t["due"].update(fr="échéance : {when}"),
     "due.fr has fields ['when'], en has ['date']"),
    ("a plural form missing", "fr", lambda t: t["unread_count"]["fr"].pop("one"),
     "unread_count.fr has forms ['other'], needs ['one', 'other']"),
    ("Russian without few", "ru", lambda t: t["unread_count"]["ru"].pop("few"),
     "unread_count.ru has forms ['many', 'one', 'other'], needs ['few', 'many', 'one', 'other']"),
    ("not counted in one language", "fr",
     lambda t: t["unread_count"].update(fr="{count} non lues"),
     "unread_count.fr is counted in one language and not in the other"),
])
def test_the_check_finds_a_broken_text(case, lang, change, expected):
    texts = SURFACES["console"]()
    assert problems(texts, lang) == []
    change(texts)
    assert expected in problems(texts, lang), case


def used_keys(surface: str) -> set:
    html_file, script_file = PAGES[surface]
    html, script = html_file.read_text(encoding="utf-8"), script_file.read_text(encoding="utf-8")
    in_html = set(re.findall(r'data-t(?:-[\w-]+)?="(\w+)"', html))
    in_script = set(re.findall(r'\bt\(\s*"(\w+)"', script))
    return in_html | in_script


@pytest.mark.parametrize("surface", SURFACES)
def test_every_key_a_page_uses_exists(surface):
    assert used_keys(surface) - set(SURFACES[surface]()) == set()


@pytest.mark.parametrize("surface", SURFACES)
def test_every_key_is_used_by_its_page(surface):
    html_file, script_file = PAGES[surface]
    page = html_file.read_text(encoding="utf-8") + script_file.read_text(encoding="utf-8")
    unused = {key for key in SURFACES[surface]() if f'"{key}"' not in page
              and not COMPUTED[surface].fullmatch(key)}
    assert unused == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_console_names_every_plan_tier_and_language(lang):
    texts = console_texts(lang)
    assert texts["lang"] == lang
    assert set(texts["plans"]) == set(PLANS)
    assert set(texts["support_tiers"]) == set(SUPPORT_TIERS)
    assert set(texts["languages"]) == set(LANGUAGES)
    assert texts["support_tiers"]["premier_plus"] == "Premier+"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dashboard_names_languages_as_the_console_does(lang):
    dashboard = dashboard_file()
    console = console_texts(lang)["languages"]
    # The dashboard's stand alone (a filter's option), so they start with a capital.
    assert dashboard["languages"][lang] == {code: name[0].upper() + name[1:]
                                            for code, name in console.items()}
    assert set(PLANS) | {"guest", "unknown"} == set(dashboard["plans"][lang])


@pytest.mark.parametrize(("lang", "title", "greeting"), [
    ("ru", "Консоль оператора", "Приветствие"), ("nb", "Agentkonsoll", "Hilsen"),
    ("fr", "Console agent", "Message d'accueil"), ("it", "Console operatore", "Saluto"),
    ("en", "Agent console", "Greeting"),
])
def test_the_console_asks_for_its_texts_and_labels_in_the_agents_language(
        api, lang, title, greeting):  # noqa: F811
    answer = api.get(f"/api/console/texts?lang={lang}")  # before login, too
    assert answer.status_code == 200
    assert (answer.json()["lang"], answer.json()["texts"]["title"]) == (lang, title)
    assert answer.json()["plans"]["enterprise"] == "Enterprise"
    assert api.get("/api/console/texts?lang=de").status_code == 422
    api.post("/api/login", json={"agent_id": "alice", "password": "alice-demo-password"})
    labels = [reply["label"] for reply in api.get(f"/api/canned?lang={lang}").json()]
    assert labels == [reply["label"] for reply in canned_replies(lang)]
    assert labels[0] == greeting


@pytest.mark.parametrize(("lang", "heading"), [
    ("ru", "Показатели справочного центра"), ("nb", "Dashbord for hjelpesenteret"),
    ("fr", "Tableau de bord du centre d'aide"), ("it", "Dashboard del centro assistenza"),
    ("en", "Help-center dashboard"),
])
def test_the_dashboard_serves_its_texts_to_anyone(lang, heading):
    app = FastAPI()
    install_dashboard(app, lambda *a: pytest.fail("no figures"),
                      lambda *a: pytest.fail("no tickets"), lambda *a: None)
    client = TestClient(app)
    answer = client.get(f"/api/dashboard/texts?lang={lang}")
    assert answer.status_code == 200
    assert (answer.json()["lang"], answer.json()["texts"]["heading"]) == (lang, heading)
    refused = client.get("/api/dashboard/texts?lang=de")
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_language")


def test_the_dashboards_plans_are_the_accounts_plans():
    from bot.dashboard.figures import PLAN_FILTER

    # guest: not signed in; unknown: a user id without an account (the README's "plan").
    assert PLAN_FILTER == ("guest", *PLANS, "unknown")
