"""The help-center page and its chat widget in headless Chromium (Debian's, via Playwright).

Everything runs against the product as `make run` starts it: the page and the widget
from the web port, the chat from Rasa's help-center channel (cross-origin, CORS), the
agent side through the live-agent API. Screenshots of every step go to
var/test-artifacts/widget/.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any, Dict, List

import pytest
import requests
import yaml

from bot.web.app import kb_catalogue
from bot.web.labels import LABELS_FILE
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "widget"
LABELS = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
HOSTILE_IMAGE = '<img src=x onerror="window.__xss = 1">'
HOSTILE_SCRIPT = "<script>window.__xss = 2</script>"

# A knowledge-base question per language, and the article that answers it.
KB_QUESTIONS = {
    "en": ("How do I record a meeting?", "recording"),
    "fr": ("J'ai oublié mon mot de passe, comment le réinitialiser ?", "sign-in-password"),
    "it": ("Come condivido lo schermo durante una riunione?", "screen-sharing"),
    "nb": ("Hvordan deler jeg skjermen i et møte?", "screen-sharing"),
    "ru": ("Как запланировать встречу?", "schedule-meeting"),
}
REPORT_FR = ["webinaire", "les participants ne peuvent pas rejoindre le webinaire, le lien "
             "ne fonctionne pas", "hier vers 15h", "oui", "passer"]


def widget_labels(lang: str) -> Dict[str, str]:
    return LABELS[lang]["widget"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is missing: `make test` installs Debian's chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()


class Widget:
    """One browser tab on the help center, driving the chat widget like a person."""

    def __init__(self, browser: Any, product: Any, lang: str, name: str,
                 viewport: Dict[str, int] | None = None, **context: Any) -> None:
        # A browser far from UTC: the widget must send its time zone with every message.
        # `context`: more of the browser context's options (a phone: is_mobile, has_touch).
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800},
                                           timezone_id="Europe/Oslo", **context)
        self.page = self.context.new_page()
        self.product, self.lang, self.name = product, lang, name
        self.labels = widget_labels(lang)
        self.errors: List[str] = []
        self.dialogs: List[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message),
                                               dialog.dismiss()))
        self.steps = 0

    def goto(self, path: str = "") -> None:
        self.page.goto(f"{self.product.web_url}/{self.lang}/{path}")

    def open(self) -> None:
        self.page.get_by_role("button", name=self.labels["launcher"]).click()
        self.page.locator("#hb-panel").wait_for(state="visible")

    def sign_in(self, user_id: str) -> None:
        self.page.locator(f"#sign-in-as option[value='{user_id}']").wait_for(state="attached")
        self.page.select_option("#sign-in-as", user_id)
        # (wait_for_function evaluates strings, which the page's CSP rightly forbids)
        for _ in range(100):
            if self.state()["user"] == user_id:
                return
            self.page.wait_for_timeout(100)
        pytest.fail(f"signing in as {user_id} did not finish")

    @property
    def entries(self) -> Any:
        return self.page.locator("#hb-panel .hb-entry")

    def say(self, text: str, reply: bool = True) -> None:
        """Types a message and presses Enter; waits until the assistant has answered."""
        before = self.entries.count()
        self.page.fill("#hb-input", text)
        self.page.press("#hb-input", "Enter")
        self.wait_idle(before + (2 if reply else 1))

    def click(self, button: Any, reply: bool = True) -> None:
        before = self.entries.count()
        button.click()
        self.wait_idle(before + (2 if reply else 1))

    def wait_idle(self, entries: int) -> None:
        self.entries.nth(entries - 1).wait_for(timeout=90_000)
        self.page.locator(".hb-send:not([disabled])").wait_for(timeout=90_000)
        assert self.page.locator(".hb-failed").count() == 0, self.log_text()

    def log_text(self) -> str:
        return self.page.inner_text("#hb-panel .hb-log")

    def state(self) -> Dict[str, Any]:
        return self.page.evaluate("window.helpbotWidget.state()")

    def shot(self, step: str) -> None:
        self.steps += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.steps}-{step}.png"))

    def assert_nothing_injected(self) -> None:
        widget = self.page.locator("#helpbot-widget")
        assert widget.locator("img, script, iframe").count() == 0
        assert self.page.evaluate("window.__xss") is None
        assert self.dialogs == [] and self.errors == [], (self.dialogs, self.errors)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def widget_factory(browser, product):
    opened: List[Widget] = []

    def make(lang: str, name: str, **options: Any) -> Widget:
        widget = Widget(browser, product, lang, name, **options)
        opened.append(widget)
        return widget

    yield make
    for widget in opened:
        widget.close()


def ask_for_a_person(widget: Widget, user_id: str, text: str) -> Any:
    """Signs in on the home page, asks for a person; returns the escalation card."""
    widget.goto()
    widget.sign_in(user_id)
    widget.open()
    widget.say(text)
    return widget.page.locator(".hb-escalation").last


def agent_session(product: Any) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{product.web_url}/api/login", timeout=10,
                            json={"agent_id": "marco", "password": "marco-demo-password"})
    assert response.status_code == 200, response.text
    return session


@pytest.mark.parametrize("lang", sorted(KB_QUESTIONS))
def test_a_guest_gets_the_article_card_in_the_page_language(widget_factory, lang):
    question, article_id = KB_QUESTIONS[lang]
    article = kb_catalogue().by_id[lang][article_id]
    widget = widget_factory(lang, f"kb-{lang}")
    widget.goto()
    assert widget.page.get_attribute("html", "lang") == lang
    widget.shot("home")
    widget.open()
    with widget.page.expect_request("**/webhook") as sent:
        widget.say(question)
    metadata = json.loads(sent.value.post_data or "{}")["metadata"]
    assert metadata["timezone"] == "Europe/Oslo"
    assert metadata["locale"].split("-")[0] == lang

    card = widget.page.locator(".hb-kb").last
    assert card.get_attribute("data-article-id") == article_id
    assert card.get_attribute("lang") == lang
    title = card.locator(".hb-card-title a")
    assert title.inner_text() == article.title
    assert title.get_attribute("href") == article.url
    # The card's title is the answer's one link to the article.
    answer = widget.entries.filter(has=card)
    assert answer.locator(f"a[href='{article.url}']").count() == 1
    assert card.locator("a").count() == 1
    if answer.locator(".hb-buttons button").count():
        assert answer.locator(".hb-related").inner_text() == widget.labels["related_articles"]
    # The answer's own text is in the page language too: the article's summary.
    assert article.summary in widget.log_text()
    helpful = widget.page.get_by_role("button", name=widget.labels["helpful"], exact=True)
    not_helpful = widget.page.get_by_role("button", name=widget.labels["not_helpful"],
                                          exact=True)
    assert not_helpful.count() == 1
    widget.shot("answer")

    widget.click(helpful)
    assert helpful.get_attribute("aria-pressed") == "true" and helpful.is_disabled()
    widget.shot("feedback")

    title.click()
    widget.page.wait_for_url(f"**{article.url}")
    assert widget.page.inner_text("h1") == article.title
    widget.shot("article")
    widget.assert_nothing_injected()


def test_a_business_admin_reaches_an_agent_then_rates_the_help(widget_factory, product):
    widget = widget_factory("fr", "handoff")
    labels = widget.labels
    card = ask_for_a_person(widget, "u-biz-admin",
                            "je voudrais parler à un conseiller, s'il vous plaît")
    assert card.get_attribute("data-decision") == "handoff"
    assert labels["channel_live_chat"] in card.inner_text()
    assert labels["channel_phone"] in card.inner_text()
    widget.shot("options")
    for answer in REPORT_FR:
        widget.say(answer)
    widget.shot("priority")
    widget.click(widget.entries.last.get_by_role("button").first)

    # Agent mode: "an agent will answer in French", and the ticket on the card.
    banner = widget.page.locator(".hb-banner")
    banner.wait_for(state="visible")
    assert labels["agent_mode"].format(language="français") in banner.inner_text()
    handoff = widget.state()["handoff"]
    ticket_id = handoff["ticket_id"]
    card = widget.page.locator(".hb-escalation").last
    assert ticket_id in card.inner_text()
    assert re.search(r"P[1-4]", card.inner_text())
    assert re.search(labels["first_response"].replace("{hours}", r"\d+"), card.inner_text())
    widget.shot("agent-mode")

    marco = agent_session(product)
    assert marco.post(f"{product.web_url}/api/tickets/{ticket_id}/claim",
                      timeout=10).status_code == 200
    posted = marco.post(f"{product.web_url}/api/tickets/{ticket_id}/messages", timeout=10,
                        json={"text": f"Bonjour Camille, je regarde. {HOSTILE_IMAGE}"})
    assert posted.status_code == 201, posted.text
    agent_line = widget.page.locator(".hb-agent").first
    agent_line.wait_for(timeout=15_000)
    assert f"je regarde. {HOSTILE_IMAGE}" in agent_line.inner_text()
    assert "Marco Ferrand" in agent_line.locator(".hb-who").inner_text()
    assert "Marco Ferrand" in banner.inner_text()
    widget.shot("agent-replied")

    # The user answers; the assistant stays quiet and the agent gets it.
    widget.say("merci, j'attends", reply=False)
    messages = marco.get(f"{product.web_url}/api/tickets/{ticket_id}/messages",
                         timeout=10).json()
    assert [m["text"] for m in messages if m["author"] == "user"][-1] == "merci, j'attends"

    # A reload keeps the conversation and agent mode, and later agent messages arrive.
    shown = widget.log_text()
    widget.page.reload()
    banner.wait_for(state="visible")
    assert widget.log_text() == shown
    marco.post(f"{product.web_url}/api/tickets/{ticket_id}/messages", timeout=10,
               json={"text": "C'est corrigé, le lien fonctionne à nouveau."})
    widget.page.locator(".hb-agent", has_text="C'est corrigé").wait_for(timeout=15_000)
    widget.shot("after-reload")

    assert marco.post(f"{product.web_url}/api/tickets/{ticket_id}/resolve",
                      timeout=10).status_code == 200
    rating = widget.page.locator(".hb-rating")
    rating.wait_for(timeout=15_000)
    banner.wait_for(state="hidden")
    assert labels["back_to_assistant"] in widget.log_text()
    widget.shot("rating-offered")
    widget.click(rating.get_by_role("button", name=labels["rating_value"].format(value=5)))
    widget.shot("rated")
    ticket = marco.get(f"{product.web_url}/api/tickets/{ticket_id}", timeout=10).json()
    assert (ticket["status"], ticket["rating"]) == ("resolved", 5)
    widget.assert_nothing_injected()


def test_a_free_user_gets_self_service_and_no_ticket(widget_factory, product):
    widget = widget_factory("en", "free")
    card = ask_for_a_person(widget, "u-free", "I want to talk to a real person")
    assert card.get_attribute("data-decision") == "self_service"
    text = card.inner_text()
    for channel in ("knowledge_base", "video_tutorials", "community_forum"):
        assert widget.labels[f"channel_{channel}"] in text
    assert widget.labels["ticket"] not in text and widget.labels["priority"] not in text
    assert widget.page.locator(".hb-banner").is_hidden()
    assert widget.state()["handoff"] is None
    widget.shot("self-service")
    # The self-service links in the reply lead to real help-center pages.
    link = widget.entries.locator("a[href='/en/videos']").first
    link.click()
    widget.page.wait_for_url("**/en/videos")
    widget.shot("videos-page")

    bot = {"Authorization": f"Bearer {product.service_token}"}
    tickets = requests.get(f"{product.web_url}/api/tickets", headers=bot, timeout=10,
                           params={"include_resolved": "true"}).json()
    assert [t for t in tickets if t["user_id"] == "u-free"] == []


def test_html_typed_by_the_user_is_shown_as_text(widget_factory):
    widget = widget_factory("en", "escaping")
    widget.goto()
    widget.open()
    widget.say(HOSTILE_IMAGE)
    widget.say(HOSTILE_SCRIPT)
    users = widget.page.locator(".hb-user .hb-text")
    assert [users.nth(0).inner_text(), users.nth(1).inner_text()] == [HOSTILE_IMAGE,
                                                                      HOSTILE_SCRIPT]
    widget.shot("escaped")
    widget.page.reload()
    assert widget.page.locator(".hb-user .hb-text").nth(0).inner_text() == HOSTILE_IMAGE
    widget.assert_nothing_injected()


# Only zero-width, format or blank-braille characters: nothing to send.
INVISIBLE = {"en": "\u200b\u200b", "fr": "\ufeff", "it": "\u2800\u2800",
             "nb": "\u200b \u2060", "ru": "\u200d\u200b"}


@pytest.mark.parametrize("lang", sorted(INVISIBLE))
def test_an_invisible_message_is_refused_in_the_page_language(widget_factory, lang):
    widget = widget_factory(lang, f"invisible-{lang}")
    widget.goto()
    widget.open()
    widget.page.fill("#hb-input", INVISIBLE[lang])
    widget.page.press("#hb-input", "Enter")
    expected = widget.labels["error_empty"]
    widget.page.wait_for_function(
        "text => document.querySelector('#hb-counter').textContent === text", arg=expected)
    assert widget.page.locator(".hb-user").count() == 0


def test_the_conversation_survives_a_reload_and_goes_on(widget_factory):
    widget = widget_factory("it", "reload")
    widget.goto()
    widget.open()
    widget.say(KB_QUESTIONS["it"][0])
    before, sender = widget.log_text(), widget.state()["sender"]
    widget.shot("before-reload")
    widget.page.reload()
    widget.page.locator("#hb-panel").wait_for(state="visible")  # it stays open
    assert widget.log_text() == before and widget.state()["sender"] == sender
    widget.shot("after-reload")
    widget.say("grazie, e come registro una riunione?")
    assert widget.page.locator(".hb-kb").last.get_attribute("data-article-id") == "recording"
    # The assistant remembered the conversation: the same sender id on the server side.
    assert widget.state()["sender"] == sender
    widget.page.goto(widget.page.url.replace("/it/", "/it/articles"))
    widget.page.locator("#hb-panel").wait_for(state="visible")
    assert widget.log_text().startswith(before)


def test_keyboard_only_on_a_phone_sized_screen(widget_factory):
    widget = widget_factory("nb", "keyboard", viewport={"width": 390, "height": 780})
    widget.goto()
    page, labels = widget.page, widget.labels
    launcher = page.get_by_role("button", name=labels["launcher"])
    # Tab through the page until the launcher has the focus: it comes last, after the home
    # page's videos, topics and resources (about 60 stops).
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "hb-launcher":
            break
    else:
        pytest.fail("the chat launcher cannot be reached with Tab")
    assert launcher.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=labels["title"])
    dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "hb-input"
    box = dialog.bounding_box()
    assert box and box["width"] == 390 and box["x"] == 0, box  # the whole narrow screen
    assert page.get_by_role("log", name=labels["log_label"]).count() == 1
    widget.shot("phone-open")

    page.keyboard.type(KB_QUESTIONS["nb"][0])
    before = widget.entries.count()
    page.keyboard.press("Enter")
    widget.wait_idle(before + 2)
    widget.shot("phone-answer")
    # The answer's buttons are reachable and usable with the keyboard.
    helpful = page.get_by_role("button", name=labels["helpful"], exact=True)
    helpful.focus()
    before = widget.entries.count()
    page.keyboard.press("Enter")
    widget.wait_idle(before + 2)
    assert helpful.get_attribute("aria-pressed") == "true"
    page.locator("#hb-input").focus()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.className") == "hb-launcher"
    assert launcher.get_attribute("aria-expanded") == "false"
    widget.shot("phone-closed")


def test_a_failed_send_keeps_the_message_and_retries(widget_factory, product):
    widget = widget_factory("en", "failure")
    widget.goto()
    widget.open()
    held = []
    widget.page.route("**/webhooks/helpcenter/webhook", lambda route: held.append(route))
    widget.page.fill("#hb-input", "How do I record a meeting?")
    widget.page.press("#hb-input", "Enter")
    typing = widget.page.locator(".hb-typing")
    typing.wait_for(state="visible")
    assert typing.inner_text().strip() == widget.labels["typing"]
    assert widget.page.locator(".hb-send").is_disabled()
    widget.shot("typing")
    widget.page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].abort()  # the assistant is unreachable
    failed = widget.page.locator(".hb-failed")
    failed.wait_for()
    assert widget.labels["error_network"] in failed.inner_text()
    assert "How do I record a meeting?" in failed.inner_text()  # nothing lost
    assert typing.inner_text().strip() == ""
    widget.shot("failed")

    widget.page.unroute("**/webhooks/helpcenter/webhook")
    before = widget.entries.count()
    failed.get_by_role("button", name=widget.labels["retry"]).click()
    widget.wait_idle(before + 1)
    assert widget.page.locator(".hb-kb").last.get_attribute("data-article-id") == "recording"
    widget.shot("retried")


def test_a_forged_token_is_refused_and_the_widget_carries_on_as_a_guest(widget_factory):
    widget = widget_factory("fr", "forged")
    widget.goto()
    widget.sign_in("u-biz-admin")
    state = widget.state()
    state["token"] = state["token"][:-4] + "AAAA"
    widget.page.evaluate("state => localStorage.setItem('helpbot.chat.v1', JSON.stringify(state))",
                         state)
    widget.page.reload()
    widget.open()
    widget.page.fill("#hb-input", "bonjour")
    widget.page.press("#hb-input", "Enter")
    failed = widget.page.locator(".hb-failed")
    failed.wait_for()
    assert widget.labels["error_session"] in failed.inner_text()
    assert widget.state()["token"] is None
    assert widget.page.input_value("#sign-in-as") == ""
    widget.shot("refused")


def test_sign_in_as_lists_every_demo_user_and_starts_a_new_conversation(widget_factory):
    widget = widget_factory("en", "sign-in")
    widget.goto()
    widget.open()
    widget.say(KB_QUESTIONS["en"][0])
    sender = widget.state()["sender"]
    options = widget.page.locator("#sign-in-as option")
    options.nth(9).wait_for(state="attached")
    values = options.evaluate_all("options => options.map(o => o.value)")
    assert values[0] == "" and sorted(values[1:]) == sorted([
        "u-free", "u-pro-admin", "u-pro-member", "u-biz-admin", "u-edu-admin",
        "u-ent-admin", "u-ent-member", "u-api-owner", "u-ent-plus"])
    widget.sign_in("u-ent-admin")
    state = widget.state()
    assert state["sender"] != sender and state["log"] == [] and state["token"]
    assert widget.entries.count() == 0
    # Only the greeting, again: it is drawn, not stored.
    assert widget.labels["greeting"] in widget.log_text()
    widget.say("what support do I have?")
    widget.shot("signed-in")


@pytest.mark.parametrize("lang", sorted(KB_QUESTIONS))
def test_a_message_refused_as_someone_elses_goes_on_in_a_new_conversation(widget_factory,
                                                                          lang):
    """403 (the conversation belongs to someone else): the typed words are not lost."""
    question, article = KB_QUESTIONS[lang]
    widget = widget_factory(lang, f"forbidden-{lang}")
    widget.goto()
    widget.open()
    old_sender = widget.state()["sender"]
    refused = []

    def refuse_once(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.post_data_json["sender"])
        route.fulfill(status=403, content_type="application/json",
                      body='{"detail": "this conversation belongs to another user"}')

    widget.page.route("**/webhooks/helpcenter/webhook", refuse_once)
    widget.page.fill("#hb-input", question)
    widget.page.press("#hb-input", "Enter")
    widget.page.locator(".hb-kb").last.wait_for(timeout=90_000)
    assert refused == [old_sender]
    state = widget.state()
    assert state["sender"] != old_sender
    kinds = [(entry["kind"], entry.get("text")) for entry in state["log"]][:2]
    assert kinds == [("notice", widget.labels["error_forbidden"]), ("user", question)]
    assert widget.page.locator(".hb-kb").last.get_attribute("data-article-id") == article
    widget.shot("carried-on")
