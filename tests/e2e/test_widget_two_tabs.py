"""Two tabs of one browser, one conversation (headless Chromium, Debian's, via Playwright).

Both tabs share localStorage (one browser context). A paid admin reaches a live agent in
tab 1; the agent answers; tab 2 is opened and the user goes on there; the agent resolves.
Both tabs must then show the same log, in the same order, nothing twice, the "back to the
assistant" notice and the rating prompt exactly once; a rating given in tab 1 shows in
tab 2. Every language, the whole path. Screenshots go to var/test-artifacts/two-tabs/.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from typing import Any, Callable, Dict, List

import pytest
import requests
import yaml

from bot.web.labels import LABELS_FILE
from tests.conftest import PROJECT_ROOT
from tests.e2e.helpers import ADMINS, HUMAN, REPORTS

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "two-tabs"
LABELS = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))

# What the user types in tab 2 while the agent holds the conversation.
FROM_TAB_2 = {"ru": "пишу из второй вкладки", "nb": "jeg skriver fra den andre fanen",
              "fr": "j'écris depuis le deuxième onglet", "it": "scrivo dalla seconda scheda",
              "en": "writing from the second tab"}

# Each entry of the log as the user sees it: its kind, who, its text, its buttons (with
# their pressed / disabled state), and whether it failed.
ENTRIES = """items => items.map(item => [
  item.className,
  item.dataset.entryId || null,
  (item.querySelector('.hb-who') || {}).textContent || null,
  (item.querySelector('.hb-text') || {}).textContent || null,
  Array.from(item.querySelectorAll('.hb-buttons button'), b =>
    [b.textContent, b.getAttribute('aria-pressed'), b.disabled]),
])"""


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


class Tab:
    """One tab of the shared browser context, on the help center's home page."""

    def __init__(self, context: Any, product: Any, lang: str, name: str) -> None:
        self.page = context.new_page()
        self.product, self.lang, self.name = product, lang, name
        self.labels = LABELS[lang]["widget"]
        self.errors: List[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.steps = 0

    def goto(self) -> None:
        self.page.goto(f"{self.product.web_url}/{self.lang}/")

    def open(self) -> None:
        self.page.get_by_role("button", name=self.labels["launcher"]).click()
        self.page.locator("#hb-panel").wait_for(state="visible")

    def sign_in(self, user_id: str) -> None:
        self.page.locator(f"#sign-in-as option[value='{user_id}']").wait_for(state="attached")
        self.page.select_option("#sign-in-as", user_id)
        wait_until(lambda: self.state()["user"] == user_id, f"{self.name}: signed in")

    @property
    def entries(self) -> Any:
        return self.page.locator("#hb-panel .hb-entry")

    def say(self, text: str, reply: bool = True) -> None:
        """Types a message and presses Enter; waits until the assistant has answered."""
        before = self.entries.count()
        self.page.fill("#hb-input", text)
        self.page.press("#hb-input", "Enter")
        self.wait_idle(before + (2 if reply else 1))

    def click(self, button: Any) -> None:
        before = self.entries.count()
        button.click()
        self.wait_idle(before + 2)

    def wait_idle(self, entries: int) -> None:
        self.entries.nth(entries - 1).wait_for(timeout=90_000)
        self.page.locator(".hb-send:not([disabled])").wait_for(timeout=90_000)
        assert self.page.locator(".hb-failed").count() == 0, self.log_text()

    def log_text(self) -> str:
        return self.page.inner_text("#hb-panel .hb-log")

    def log(self) -> List[Any]:
        return self.entries.evaluate_all(ENTRIES)

    def texts(self, selector: str) -> List[str]:
        return self.page.locator(f"#hb-panel {selector}").all_text_contents()

    def state(self) -> Dict[str, Any]:
        return self.page.evaluate("window.helpbotWidget.state()")

    def shot(self, step: str) -> None:
        self.steps += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.steps}-{step}.png"))


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            assert result, f"timed out waiting for: {what}"
            return result
        time.sleep(0.1)


def agent_session(product: Any) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{product.web_url}/api/login", timeout=10,
                            json={"agent_id": "marco", "password": "marco-demo-password"})
    assert response.status_code == 200, response.text
    return session


def assert_same_log(tab1: Tab, tab2: Tab) -> List[Any]:
    """Both tabs show the same entries in the same order, none of them twice."""
    def same() -> bool:
        return tab1.log() == tab2.log()

    try:
        wait_until(same, "both tabs showing the same log", timeout=10)
    except AssertionError:
        first, second = tab1.log(), tab2.log()
        assert first == second, ("the tabs' logs differ",
                                 {"tab 1": first, "tab 2": second})
    shown = tab1.log()
    # Nothing twice: no id twice, and no agent message, notice or rating prompt twice.
    ids = [entry[1] for entry in shown if entry[1] is not None]
    once = [entry[3] for entry in shown
            if entry[0].split()[1] in ("hb-agent", "hb-notice")] + [
        repr(entry[4]) for entry in shown if is_rating(entry)]
    duplicated = [key for key, count in (Counter(ids) + Counter(once)).items() if count > 1]
    assert not duplicated, ("entries shown twice", duplicated, shown)
    return shown


def is_rating(entry: List[Any]) -> bool:
    return bool(entry[4]) and all(button[0].startswith("★") for button in entry[4])


@pytest.mark.parametrize("lang", sorted(ADMINS))
def test_two_tabs_show_one_conversation_through_a_live_handoff(browser, product, lang):
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  timezone_id="Europe/Oslo")
    try:
        run_two_tabs(context, product, lang)
    finally:
        context.close()


def run_two_tabs(context: Any, product: Any, lang: str) -> None:
    tab1 = Tab(context, product, lang, f"{lang}-tab1")
    labels = tab1.labels
    tab1.goto()
    tab1.sign_in(ADMINS[lang])
    tab1.open()
    tab1.say(HUMAN[lang])
    assert tab1.page.locator(".hb-escalation").last.get_attribute("data-decision") == "handoff"
    for answer in REPORTS[lang]:
        tab1.say(answer)
    tab1.click(tab1.entries.last.get_by_role("button").first)  # the proposed priority
    banner1 = tab1.page.locator(".hb-banner")
    banner1.wait_for(state="visible", timeout=15_000)
    ticket_id = tab1.state()["handoff"]["ticket_id"]
    assert ticket_id
    tab1.shot("handoff")

    # The agent claims the ticket and answers twice.
    marco = agent_session(product)
    api = f"{product.web_url}/api/tickets/{ticket_id}"
    assert marco.post(f"{api}/claim", timeout=10).status_code == 200
    agent_texts = [f"[{lang}] agent message one", f"[{lang}] agent message two"]
    for text in agent_texts:
        assert marco.post(f"{api}/messages", json={"text": text}, timeout=10).status_code == 201
    wait_until(lambda: tab1.texts(".hb-agent .hb-text") == agent_texts,
               "tab 1 showing both agent messages")

    # A second tab: the same conversation, the same agent mode, the same sign-in.
    tab2 = Tab(context, product, lang, f"{lang}-tab2")
    tab2.goto()
    tab2.page.locator("#hb-panel").wait_for(state="visible")  # open, as in tab 1
    tab2.page.locator(".hb-banner").wait_for(state="visible")
    assert tab2.page.input_value("#sign-in-as") == ADMINS[lang]
    assert_same_log(tab1, tab2)
    tab2.shot("opened")

    # The user goes on in tab 2: the agent gets it, and tab 1 shows it too.
    tab2.say(FROM_TAB_2[lang], reply=False)
    wait_until(lambda: [m["text"] for m in marco.get(f"{api}/messages", timeout=10).json()
                        if m["author"] == "user"] == [FROM_TAB_2[lang]],
               "the agent receiving the message typed in tab 2")
    wait_until(lambda: FROM_TAB_2[lang] in tab1.texts(".hb-user .hb-text"),
               "tab 1 showing the message typed in tab 2")

    # The agent answers again, then resolves the ticket.
    agent_texts.append(f"[{lang}] agent message three")
    assert marco.post(f"{api}/messages", json={"text": agent_texts[-1]},
                      timeout=10).status_code == 201
    for tab in (tab1, tab2):
        wait_until(lambda tab=tab: tab.texts(".hb-agent .hb-text") == agent_texts,
                   f"{tab.name} showing the third agent message")
    assert marco.post(f"{api}/resolve", timeout=10).status_code == 200

    for tab in (tab1, tab2):
        wait_until(lambda tab=tab: tab.page.locator("#hb-panel .hb-rating").count() >= 1,
                   f"{tab.name} showing the rating prompt")
        tab.page.locator(".hb-banner").wait_for(state="hidden", timeout=15_000)
    # Two more poll rounds: a late or repeated delivery would show up by now.
    tab1.page.wait_for_timeout(3500)
    tab1.shot("resolved")
    tab2.shot("resolved")

    shown = assert_same_log(tab1, tab2)
    for tab in (tab1, tab2):
        assert tab.texts(".hb-agent .hb-text") == agent_texts, tab.name
        assert tab.texts(".hb-notice .hb-text").count(labels["back_to_assistant"]) == 1
        rating = tab.page.locator("#hb-panel .hb-rating")
        assert rating.count() == 1, tab.name
        assert rating.get_by_role("button").count() == 5, tab.name
        assert not rating.get_by_role("button").first.is_disabled(), tab.name
    # In order: the user's request, the assistant's replies, the agent, the user from
    # tab 2, the agent again, back to the assistant, the rating prompt last.
    kinds = [entry[0].split()[1] for entry in shown]
    texts = [entry[3] for entry in shown]
    assert kinds[0] == "hb-user" and texts[0] == HUMAN[lang]
    assert "hb-bot" in kinds and "hb-escalation" in kinds
    agent_at = [texts.index(text) for text in agent_texts]
    user_at = texts.index(FROM_TAB_2[lang])
    back_at = texts.index(labels["back_to_assistant"])
    rating_at = next(i for i, entry in enumerate(shown) if is_rating(entry))
    assert agent_at[0] < agent_at[1] < user_at < agent_at[2] < back_at < rating_at, shown
    assert rating_at == len(shown) - 1, shown

    # The user rates in tab 1: tab 2 shows the choice and the assistant's thanks too.
    five = tab1.page.locator("#hb-panel .hb-rating").get_by_role(
        "button", name=labels["rating_value"].format(value=5))
    tab1.click(five)
    wait_until(lambda: tab2.page.locator("#hb-panel .hb-rating button[aria-pressed='true']")
               .count() == 1, "tab 2 showing the rating given in tab 1")
    pressed = tab2.page.locator("#hb-panel .hb-rating button[aria-pressed='true']")
    assert pressed.get_attribute("aria-label") == labels["rating_value"].format(value=5)
    assert pressed.is_disabled()
    rated = assert_same_log(tab1, tab2)
    assert len(rated) == len(shown) + 2  # "★ 5" and the assistant's thanks
    assert rated[-2][0].split()[1] == "hb-user" and rated[-2][3] == "★ 5"
    assert rated[-1][0].split()[1] == "hb-bot" and rated[-1][3]
    tab2.shot("rated")
    ticket = marco.get(api, timeout=10).json()
    assert (ticket["status"], ticket["rating"]) == ("resolved", 5)
    assert tab1.errors == [] and tab2.errors == [], (tab1.errors, tab2.errors)
    # Every entry has its own stable id, the same in both tabs; an agent's message
    # keeps the server's.
    assert all(entry[1] for entry in rated), rated
    messages = marco.get(f"{api}/messages", timeout=10).json()
    assert [entry[1] for entry in rated if entry[0].split()[1] == "hb-agent"] == [
        f"agent-{m['id']}" for m in messages if m["author"] == "agent"]


def test_two_tabs_share_replies_feedback_a_restart_and_the_sign_in(browser, product):
    """Without a handoff: what one tab sends, chooses or resets shows in the other at once."""
    context = browser.new_context(timezone_id="Europe/Oslo")
    try:
        tab1 = Tab(context, product, "en", "shared-tab1")
        tab1.goto()
        tab1.open()
        tab2 = Tab(context, product, "en", "shared-tab2")
        tab2.goto()
        tab2.page.locator("#hb-panel").wait_for(state="visible")

        # Asked in tab 1: the question and the answer (its card and buttons) in tab 2 too.
        tab1.say("How do I record a meeting?")
        wait_until(lambda: tab2.page.locator(".hb-kb").count() == 1,
                   "tab 2 showing the answer given in tab 1")
        assert tab2.page.locator(".hb-kb").get_attribute("data-article-id") == "recording"
        assert_same_log(tab1, tab2)

        # Feedback given in tab 2: pressed, and closed, in tab 1 as well.
        helpful = tab2.page.get_by_role("button", name=tab2.labels["helpful"], exact=True)
        tab2.click(helpful)
        pressed = tab1.page.get_by_role("button", name=tab1.labels["helpful"], exact=True)
        wait_until(lambda: pressed.get_attribute("aria-pressed") == "true",
                   "tab 1 showing the feedback given in tab 2")
        assert pressed.is_disabled()
        assert_same_log(tab1, tab2)
        assert tab1.errors == [] and tab2.errors == []

        # A new conversation started in tab 1 is the one tab 2 shows.
        sender = tab1.state()["sender"]
        tab1.page.get_by_role("button", name=tab1.labels["new_conversation"]).click()
        wait_until(lambda: tab2.entries.count() == 0, "tab 2 starting the new conversation")
        assert tab2.state()["sender"] == tab1.state()["sender"] != sender

        # Signing in in tab 2 signs in tab 1 (a new conversation again).
        tab2.sign_in("u-pro-admin")
        wait_until(lambda: tab1.page.input_value("#sign-in-as") == "u-pro-admin",
                   "tab 1 showing the user signed in in tab 2")
        assert tab1.state()["sender"] == tab2.state()["sender"]
        tab1.say("what kind of support do I have?")
        wait_until(lambda: tab2.page.locator(".hb-card.hb-escalation").count() == 1,
                   "tab 2 showing the signed-in user's answer")
        assert_same_log(tab1, tab2)
        assert tab1.errors == [] and tab2.errors == []
    finally:
        context.close()
