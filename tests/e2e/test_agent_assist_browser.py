"""Agent assist, both sides in headless Chromium (Debian's, driven by Playwright).

A Russian Enterprise Premier+ owner on /ru/ asks for a person and completes the problem
report; Alice (English only) has the console open: the ticket appears by itself with an
unread mark, she opens it (Alt+N) and claims it (Alt+C). The widget says "<name> joined"
in Russian before any agent message; the console shows the summary and a language label
on every line. Alice sends the canned greeting (the user reads it in Russian), searches
the help center in English and sends the top article (the user gets the Russian card,
linking to the Russian page), and resolves (Alt+R). The console with the claimed ticket
has no serious or critical accessibility violation. Then, for a user in each of the five
languages: the offered article, the canned reply and the card sent also read in English
(the agent's language), the search flags the article already voted down, and the summary
says the user's own words are untranslated. Screenshots go to
var/test-artifacts/agent-assist/.
"""

from __future__ import annotations

import json
import re
from typing import Any, List

import pytest
import requests
from playwright.sync_api import expect

from bot.live_agent.agent_texts import canned_text
from bot.web.app import kb_catalogue
from tests.conftest import PROJECT_ROOT
from tests.e2e.helpers import ADMINS, HUMAN, REPORTS
from tests.e2e.test_widget_browser import (  # noqa: F401  (fixtures)
    Widget,
    ask_for_a_person,
    browser,
    widget_factory,
)

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "agent-assist"
USER_ID = ADMINS["ru"]  # u-ent-plus: Alexei Volkov, Enterprise owner, Premier+
USER_NAME = "Alexei Volkov"
AGENT = ("alice", "alice-demo-password", "Alice Turner")
QUERY = "screen sharing"
ARTICLE_ID = "screen-sharing"

# The widget's log as the user sees it: class, entry id, who, text.
ENTRIES = """items => items.map(item => [
  item.className, item.dataset.entryId || null,
  (item.querySelector('.hb-who') || {}).textContent || null,
  (item.querySelector('.hb-text') || {}).textContent || null])"""


def serious(results: Any) -> List[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(" ".join(n["target"]) + " " + n["html"][:160] for n in v["nodes"])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


class Console:
    """The agent console in its own browser context (an English agent in London)."""

    def __init__(self, chromium: Any, product: Any) -> None:
        self.context = chromium.new_context(viewport={"width": 1400, "height": 900},
                                           locale="en-GB", timezone_id="Europe/London")
        self.page = self.context.new_page()
        self.errors: List[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.product = product
        self.steps = 0

    def login(self, agent_id: str, password: str) -> None:
        self.page.goto(f"{self.product.web_url}/console")
        self.page.fill("#agent-id", agent_id)
        self.page.fill("#password", password)
        self.page.click("#login button[type=submit]")
        self.page.locator("#workspace").wait_for(state="visible")
        # Gone after any reload or navigation: "without reload" is checked with it.
        self.page.evaluate("window.__sameDocument = true")

    def same_document(self) -> bool:
        return self.page.evaluate("window.__sameDocument === true")

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def shot(self, step: str) -> None:
        self.steps += 1
        self.page.screenshot(path=str(ARTIFACTS / f"console-{self.steps}-{step}.png"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def console(browser, product):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened = Console(browser, product)
    yield opened
    opened.close()


def widget_shot(widget: Widget, step: str) -> None:
    widget.steps += 1
    widget.page.screenshot(path=str(ARTIFACTS / f"widget-{widget.steps}-{step}.png"))


def test_an_english_agent_helps_a_russian_user_with_canned_replies_and_articles(
        widget_factory, console, product):  # noqa: F811
    agent_id, password, agent_name = AGENT
    console.login(agent_id, password)
    assert console.page.title() == "Agent console"
    assert console.page.get_attribute("html", "lang") == "en"  # alice's language
    console.shot("logged-in")

    # The user: /ru/, signed in as a paid admin, asks for a person, reports, confirms.
    widget = widget_factory("ru", "agent-assist")
    labels = widget.labels
    card = ask_for_a_person(widget, USER_ID, HUMAN["ru"])
    assert card.get_attribute("data-decision") == "handoff", widget.log_text()
    for answer in REPORTS["ru"]:
        widget.say(answer)
    widget.click(widget.entries.last.get_by_role("button").first)  # the priority: yes
    banner = widget.page.locator(".hb-banner")
    banner.wait_for(state="visible")
    assert labels["agent_mode"].format(language="английский") in banner.inner_text()
    assert labels["agent_waiting"] in banner.inner_text()
    ticket_id = widget.state()["handoff"]["ticket_id"]
    assert ticket_id
    widget_shot(widget, "handed-over")

    bot = {"Authorization": f"Bearer {product.service_token}"}
    stored = requests.get(f"{product.web_url}/api/tickets/{ticket_id}", headers=bot,
                          timeout=10).json()
    assert (stored["user_id"], stored["language"], stored["agent_language"],
            stored["plan"]) == (USER_ID, "ru", "en", "enterprise")

    # The agent: the ticket appears without a reload, unread, and the title counts it.
    row = console.page.locator("#queue li", has_text=ticket_id)
    row.wait_for(timeout=15_000)
    assert "unread" in (row.locator("button").get_attribute("class") or "")
    assert "new activity" in row.inner_text() or row.locator(".visually-hidden").count()
    assert f"{USER_NAME} (Enterprise)" in row.inner_text()  # the plan's name, not its code
    assert re.fullmatch(r"\(\d+\) Agent console", console.page.title()), console.page.title()
    assert console.page.locator("#unread-count").is_visible()
    assert console.same_document()
    console.shot("ticket-appeared")

    # Alt+N opens it, Alt+C claims it.
    console.page.keyboard.press("Alt+KeyN")
    console.page.wait_for_function(
        "id => document.querySelector('#ticket-title').textContent.startsWith(id)",
        arg=ticket_id)
    assert console.page.locator("#claim").is_visible()
    assert console.page.locator("#summary").is_hidden()  # not before the claim
    console.page.keyboard.press("Alt+KeyC")
    console.page.locator("#reply").wait_for(state="visible")
    console.page.locator("#summary").wait_for(state="visible")
    console.page.wait_for_function("document.activeElement.id === 'reply-text'")
    assert console.page.title() == "Agent console"  # nothing unread any more
    assert "unread" not in (row.locator("button").get_attribute("class") or "")

    # The widget: "<name> joined", in Russian, before any agent message.
    joined = labels["agent_joined"].format(name=agent_name)
    notice = widget.page.locator(".hb-notice", has_text=joined)
    notice.wait_for(timeout=15_000)
    assert widget.page.locator(".hb-agent").count() == 0
    assert joined in banner.inner_text()
    widget_shot(widget, "agent-joined")

    # The summary: plan, the user's language, the priority; a language on every line.
    headline = console.text("#summary-headline")
    priority = stored["priority"]
    assert "Enterprise" in headline and "writes in Russian" in headline, headline
    assert "answer in English" in headline and f"{priority} –" in headline, headline
    assert "Webinars" in console.text("#summary-what")
    meta = console.text("#ticket-meta")
    assert USER_NAME in meta and "writes in Russian" in meta
    facts = console.text("#user-facts")
    assert "Russian" in facts and "Enterprise, Premier+ support" in facts, facts
    transcript = console.page.locator("#transcript li")
    assert transcript.count() >= len(REPORTS["ru"]) + 1
    badges = console.page.locator("#transcript li > .lang").all_inner_texts()
    assert len(badges) == transcript.count() and set(badges) == {"RU"}, badges
    # The report is written out: the product's name, no raw codes.
    report = console.text("#report")
    assert "Webinars" in report and "webinar\n" not in report, report
    console.shot("claimed")

    # A canned greeting: the agent clicks an English label, the user reads Russian.
    greeting = canned_text("greeting", "ru", USER_NAME, agent_name)
    console.page.get_by_role("button", name="Greeting").click()
    console.page.locator("#messages li.agent").first.wait_for()
    sent = console.page.locator("#messages li.agent").first
    assert greeting in sent.inner_text() and sent.locator(".lang").inner_text() == "RU"
    agent_line = widget.page.locator(".hb-agent", has_text=greeting.split("!")[0])
    agent_line.wait_for(timeout=15_000)
    assert agent_line.locator(".hb-text").inner_text() == greeting
    assert agent_name in agent_line.locator(".hb-who").inner_text()
    widget_shot(widget, "greeting")

    # The KB, searched in English; the top hit goes out as the Russian card.
    english = kb_catalogue().by_id["en"][ARTICLE_ID]
    russian = kb_catalogue().by_id["ru"][ARTICLE_ID]
    console.page.keyboard.press("Alt+KeyK")
    assert console.page.evaluate("document.activeElement.id") == "kb-query"
    console.page.keyboard.type(QUERY)
    console.page.keyboard.press("Enter")
    top = console.page.locator("#kb-results li").first
    top.locator("button").wait_for()
    assert top.locator("button").get_attribute("data-article") == ARTICLE_ID
    assert top.locator("strong").inner_text() == english.title
    assert "(Russian)" in top.locator("button").inner_text()
    console.shot("kb-search")
    top.locator("button").click()
    card_line = console.page.locator("#messages li.agent").nth(1)
    card_line.wait_for()
    assert russian.title in card_line.inner_text() and russian.url in card_line.inner_text()
    assert card_line.locator(".lang").inner_text() == "RU"

    kb = widget.page.locator(".hb-agent .hb-kb")
    kb.wait_for(timeout=15_000)
    assert (kb.get_attribute("lang"), kb.get_attribute("data-article-id")) == ("ru",
                                                                               ARTICLE_ID)
    link = kb.locator(".hb-card-title a")
    assert link.inner_text() == russian.title
    assert link.get_attribute("href") == russian.url and russian.url.startswith(
        "/ru/articles/")
    assert labels["article_label"] in (kb.text_content() or "")
    kb_entry = widget.page.locator(".hb-agent", has=widget.page.locator(".hb-kb"))
    assert agent_name in kb_entry.locator(".hb-who").inner_text()
    widget_shot(widget, "article-card")

    # The order the user saw: the notice first, then the greeting, then the card.
    log = widget.entries.evaluate_all(ENTRIES)
    kinds = [entry[0].split()[1] for entry in log]
    joined_at = next(n for n, entry in enumerate(log) if entry[3] == joined)
    agents = [n for n, kind in enumerate(kinds) if kind == "hb-agent"]
    assert len(agents) == 2 and joined_at < agents[0], log
    assert [entry[3] for entry in log].count(joined) == 1, log
    console.shot("article-sent")

    # The console with a claimed ticket: no serious or critical accessibility violation.
    from axe_playwright_python.sync_playwright import Axe

    violations = serious(Axe().run(console.page))
    assert violations == [], json.dumps(violations, indent=1)

    # Alt+R resolves; the user is back with the assistant and is asked for a rating.
    console.page.locator("#reply-text").focus()
    console.page.keyboard.press("Alt+KeyR")
    # Asked first, inline (no window.confirm); Alt+R again confirms.
    console.page.locator("#resolve-confirm").wait_for(state="visible")
    assert console.page.locator("#ticket").is_visible()
    console.page.keyboard.press("Alt+KeyR")
    console.page.locator("#ticket").wait_for(state="hidden")
    # Out of the queue (a poll already on its way may show it for one more second).
    row.wait_for(state="detached", timeout=5_000)
    console.shot("resolved")
    widget.page.locator(".hb-rating").wait_for(timeout=15_000)
    banner.wait_for(state="hidden")
    assert labels["back_to_assistant"] in widget.log_text()
    widget_shot(widget, "rating-offered")

    ticket = requests.get(f"{product.web_url}/api/tickets/{ticket_id}", headers=bot,
                          timeout=10).json()
    assert (ticket["status"], ticket["claimed_by"]) == ("resolved", agent_id)
    messages = requests.get(f"{product.web_url}/api/tickets/{ticket_id}/messages",
                            headers=bot, timeout=10).json()
    assert [(m["author"], m["kind"], m["lang"]) for m in messages] == [
        ("agent", "text", "ru"), ("agent", "article", "ru")]
    assert messages[1]["card"]["url"] == russian.url
    assert console.same_document()
    assert console.errors == [], console.errors
    widget.assert_nothing_injected()


EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
WHO_KNOWS = {"ru": "Russian", "nb": "Norwegian", "fr": "French", "it": "Italian",
             "en": "English"}


# Alice reads English only; the user writes in each of the five languages. Every article
# and canned reply the user got shows in English too (not when the user's is English).
@pytest.mark.parametrize("lang", ["ru", "nb", "fr", "it", "en"])
def test_an_english_agent_reads_what_the_user_got_in_english(console, product, lang):
    english = kb_catalogue().by_id["en"][ARTICLE_ID]
    theirs = kb_catalogue().by_id[lang][ARTICLE_ID]
    ticket_id = f"T-ASSIST-{lang.upper()}"
    bot = {"Authorization": f"Bearer {product.service_token}", "Idempotency-Key": ticket_id}
    due = "2099-01-01T00:00:00+00:00"
    created = requests.post(f"{product.web_url}/api/tickets", headers=bot, timeout=10, json={
        "id": ticket_id, "sender_id": f"s-{ticket_id}", "user_id": USER_ID,
        "user_name": USER_NAME, "account_id": "acct-ent", "plan": "enterprise",
        "support_tier": "premier_plus", "language": lang, "priority": "P2",
        "first_response_due": due, "report": {"description": "ekran ne rabotaet"},
        "transcript": [
            {"from": "user", "text": "screen", "lang": lang},
            {"from": "assistant", "text": theirs.title, "lang": lang,
             "article": {"article_id": ARTICLE_ID, "title": theirs.title, "url": theirs.url}},
            {"from": "user", "text": "👎", "payload": "/kb_not_helpful", "vote": "down",
             "lang": lang}]})
    assert created.status_code in (200, 201), created.text
    console.login(*AGENT[:2])
    console.page.locator(f"#queue button[data-ticket='{ticket_id}']").click()
    console.page.click("#claim")
    console.page.locator("#summary").wait_for(state="visible")
    other = lang != "en"

    # The offered article: its title as the user saw it, and in English.
    offered = console.page.locator("#summary-articles li").first
    console.page.wait_for_function(
        "([sel, title]) => document.querySelector(sel).innerText.includes(title)",
        arg=["#summary-articles li", theirs.title])
    if other:
        # expect() retries: the summary is redrawn when the poll sees the claim.
        expect(offered.locator(".in-agent-language")).to_contain_text(english.title, timeout=30_000)
        transcript_article = console.page.locator("#transcript li .in-agent-language")
        expect(transcript_article.first).to_contain_text(english.title, timeout=30_000)
    expect(offered).to_contain_text("not helpful", timeout=30_000)
    # What happened: said to be in the user's language, untranslated.
    note = console.text("#summary-what-language")
    assert (f"in {WHO_KNOWS[lang]}, as the user wrote it" in note) == other, note

    # The canned reply: the user's words, then the agent's.
    console.page.get_by_role("button", name="I'm looking into it").click()
    sent = console.page.locator("#messages li.agent").first
    user_text = canned_text("looking_into_it", lang, USER_NAME, "Alice Turner")
    expect(sent).to_contain_text(user_text, timeout=30_000)
    if other:
        expect(sent.locator(".in-agent-language")).to_contain_text(
            canned_text("looking_into_it", "en", USER_NAME, "Alice Turner"), timeout=30_000)
    else:
        assert sent.locator(".in-agent-language").count() == 0

    # The search flags the article already offered and voted down, in words.
    console.page.fill("#kb-query", QUERY)
    console.page.press("#kb-query", "Enter")
    hit = console.page.locator(f"#kb-results li:has(button[data-article='{ARTICLE_ID}'])")
    expect(hit).to_contain_text("already offered (not helpful)", timeout=30_000)
    hit.locator("button").click()
    card = console.page.locator("#messages li.agent").nth(1)
    expect(card).to_contain_text(theirs.title, timeout=30_000)
    if other:
        expect(card.locator(".in-agent-language")).to_contain_text(english.title, timeout=30_000)
    # Each message once (a poll after the send and the timer's could both draw it).
    console.page.wait_for_timeout(1500)
    expect(console.page.locator("#messages li.agent")).to_have_count(2)
    everything = console.text("#conversation") + console.text("#context")
    assert EMOJI.findall(everything) == [], EMOJI.findall(everything)
    console.shot(f"in-english-{lang}")
    from axe_playwright_python.sync_playwright import Axe

    violations = serious(Axe().run(console.page))
    assert violations == [], json.dumps(violations, indent=1)
    console.page.locator("#resolve").click()
    console.page.locator("#resolve-confirm button.confirm").click()
    console.page.locator("#ticket").wait_for(state="hidden")
    assert console.errors == [], console.errors
