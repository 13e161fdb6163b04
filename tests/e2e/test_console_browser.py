"""The agent console in headless Chromium (Debian's, driven by Playwright).

Login, claim, transcript, reply and resolve; user text with <script> and onerror
payloads must render as text. The login form speaks the browser's language (Norwegian
here), the console marco's first language (French), plans and tiers by name; an unread
mark survives a reload. Then the agent's place: the open ticket in the URL and the draft
kept over a reload; unread marks only on tickets free or mine; the reply box on screen at
common window sizes; Alt+R asks first; both deadlines with the time zone named; the
article search busy and cleared between tickets. Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.conftest import PROJECT_ROOT
from tests.e2e.test_widget_browser import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"
SCRIPT = "<script>window.__xss = 1</script>"
IMAGE = "<img src=x onerror=\"window.__xss = 2\">"


@pytest.fixture()
def hostile_ticket(product):
    bot = {"Authorization": f"Bearer {product.service_token}",
           "Idempotency-Key": "browser-console-1"}
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    created = requests.post(f"{product.web_url}/api/tickets", headers=bot, timeout=10, json={
        "id": "T-BROWSER-1", "sender_id": "browser-1", "user_id": "u-biz-admin",
        "user_name": f"Camille {IMAGE}", "account_id": "acct-biz-fr", "plan": "business",
        "support_tier": "standard", "language": "fr", "priority": "P2",
        "first_response_due": due, "report": {"description": SCRIPT},
        "transcript": [{"from": "user", "text": f"bonjour {SCRIPT}"}]})
    assert created.status_code in (200, 201), created.text
    requests.post(f"{product.web_url}/api/tickets/T-BROWSER-1/messages", headers=bot,
                  timeout=10, json={"text": f"still broken {IMAGE}"})
    return "T-BROWSER-1"


def test_console_login_claim_reply_resolve_and_escaping(product, hostile_ticket):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is missing: `make test` installs Debian's chromium"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox"])
        page = browser.new_page(locale="nb-NO")
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{product.web_url}/console")
        # Before login: the browser's language.
        page.locator("#login").wait_for(state="visible")
        assert page.get_attribute("html", "lang") == "nb"
        assert (page.title(), page.inner_text("#login-title")) == ("Agentkonsoll", "Logg inn")
        page.fill("#agent-id", "marco")
        page.fill("#password", "marco-demo-password")
        page.click("#login button[type=submit]")
        row = page.locator("#queue li", has_text=hostile_ticket)
        row.wait_for()
        # Logged in: marco's first language, French; the plan by its name.
        assert page.get_attribute("html", "lang") == "fr"
        assert page.title() == "Console agent"
        assert "File d'attente" in page.inner_text("#queue-title")
        assert "Raccourcis clavier" in page.inner_text("#help-open")
        assert "(Business)" in row.inner_text() and "en attente" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-1-queue.png"))

        # A new message is unread, and still is after a reload; read, it stays read.
        button = row.get_by_role("button")
        requests.post(f"{product.web_url}/api/tickets/{hostile_ticket}/messages", timeout=10,
                      headers={"Authorization": f"Bearer {product.service_token}"},
                      json={"text": "toujours en panne"})
        page.wait_for_function("document.title === '(1) Console agent'")
        assert "unread" in (button.get_attribute("class") or "")
        page.reload()
        row.wait_for()
        assert "unread" in (button.get_attribute("class") or "")
        assert page.title() == "(1) Console agent"
        assert "1 non lue" in page.inner_text("#unread-count")
        button.click()
        page.wait_for_selector("#ticket:not([hidden])")
        page.wait_for_function("document.title === 'Console agent'")
        page.reload()
        row.wait_for()
        assert "unread" not in (button.get_attribute("class") or "")
        assert page.title() == "Console agent"
        row.get_by_role("button").click()
        page.wait_for_selector("#ticket:not([hidden])")
        page.click("#claim")
        page.wait_for_selector("#reply:not([hidden])")
        page.wait_for_function(
            "document.querySelector('#messages').innerText.includes('still broken')")
        page.screenshot(path=str(ARTIFACTS / "console-2-ticket.png"))
        assert "Business, support Standard" in page.inner_text("#user-facts")
        assert "Business (Standard), écrit en français" in page.inner_text("#ticket-meta")
        assert page.inner_text("#resolve").startswith("Résoudre")

        # Hostile text is shown as text, and nothing ran.
        assert SCRIPT in page.inner_text("#report")
        assert SCRIPT in page.inner_text("#transcript")
        assert IMAGE in page.inner_text("#messages")
        assert IMAGE in page.inner_text("#ticket-meta")
        assert page.locator("main script, main img").count() == 0
        assert page.evaluate("window.__xss") is None and dialogs == []

        page.fill("#reply-text", "Bonjour Camille, je regarde.")
        page.click("#reply button[type=submit]")
        page.wait_for_function(
            "document.querySelector('#messages').innerText.includes('je regarde')")
        page.click("#resolve")
        # Asked first (inline), then confirmed.
        page.click("#resolve-confirm button.confirm")
        page.wait_for_selector("#ticket", state="hidden")
        page.screenshot(path=str(ARTIFACTS / "console-3-resolved.png"))
        browser.close()

    bot = {"Authorization": f"Bearer {product.service_token}"}
    ticket = requests.get(f"{product.web_url}/api/tickets/{hostile_ticket}", headers=bot,
                          timeout=10).json()
    assert (ticket["status"], ticket["claimed_by"]) == ("resolved", "marco")
    messages = requests.get(f"{product.web_url}/api/tickets/{hostile_ticket}/messages",
                            headers=bot, timeout=10).json()
    assert [m["author"] for m in messages] == ["user", "user", "agent"]



def make_ticket(product, ticket_id, language="fr", lines=3, resolution=False,
                zone="Asia/Tokyo", transcript=None):
    """A ticket handed over by the assistant, with ``lines`` transcript entries."""
    bot = {"Authorization": f"Bearer {product.service_token}", "Idempotency-Key": ticket_id}
    due = datetime.now(timezone.utc) + timedelta(hours=4)
    body = {"id": ticket_id, "sender_id": f"s-{ticket_id}", "user_id": "u-biz-admin",
            "user_name": "Camille Moreau", "account_id": "acct-biz-fr", "plan": "business",
            "support_tier": "premier" if resolution else "standard", "language": language,
            "priority": "P2", "first_response_due": due.isoformat(),
            "report": {"description": "webinar link broken", "timezone": zone},
            "transcript": transcript or [
                {"from": "user" if n % 2 else "assistant", "text": f"line {n}", "lang": language}
                for n in range(lines)]}
    if resolution:
        body["resolution_due"] = (due + timedelta(hours=20)).isoformat()
    created = requests.post(f"{product.web_url}/api/tickets", headers=bot, timeout=10,
                            json=body)
    assert created.status_code in (200, 201), created.text
    return ticket_id


def agent_session(product, agent):
    session = requests.Session()
    assert session.post(f"{product.web_url}/api/login", timeout=10, json={
        "agent_id": agent, "password": f"{agent}-demo-password"}).status_code == 200
    return session


def finish(product, session, *ticket_ids):
    """Leaves no open ticket for the other tests (claim if free, then resolve)."""
    for ticket_id in ticket_ids:
        session.post(f"{product.web_url}/api/tickets/{ticket_id}/claim", timeout=10)
        session.post(f"{product.web_url}/api/tickets/{ticket_id}/resolve", timeout=10)


def open_console(browser, product, agent, **context):  # noqa: F811
    page = browser.new_context(**{"locale": "en-GB", **context}).new_page()
    page.goto(f"{product.web_url}/console")
    page.fill("#agent-id", agent)
    page.fill("#password", f"{agent}-demo-password")
    page.click("#login button[type=submit]")
    page.locator("#workspace").wait_for(state="visible")
    return page


def test_a_reload_keeps_the_open_ticket_and_the_draft(product, browser):  # noqa: F811
    first, second = make_ticket(product, "T-PLACE-1"), make_ticket(product, "T-PLACE-2")
    page = open_console(browser, product, "marco")
    page.locator("#queue button[data-ticket='T-PLACE-1']").click()
    page.wait_for_function("location.hash === '#T-PLACE-1'")
    page.click("#claim")
    page.locator("#reply").wait_for(state="visible")
    page.fill("#reply-text", "Bonjour, je reg")
    page.reload()
    page.wait_for_function("document.querySelector('#ticket-title').textContent"
                           ".startsWith('T-PLACE-1')")
    page.locator("#reply").wait_for(state="visible")
    assert page.input_value("#reply-text") == "Bonjour, je reg"
    # Another ticket: its own (empty) draft, its own address; back and forward work.
    page.locator("#queue button[data-ticket='T-PLACE-2']").click()
    page.wait_for_function("location.hash === '#T-PLACE-2'")
    page.go_back()
    page.wait_for_function("document.querySelector('#ticket-title').textContent"
                           ".startsWith('T-PLACE-1')")
    assert page.input_value("#reply-text") == "Bonjour, je reg"
    page.go_forward()
    page.wait_for_function("document.querySelector('#ticket-title').textContent"
                           ".startsWith('T-PLACE-2')")
    # A link straight to a ticket opens it.
    page.goto(f"{product.web_url}/console#{first}")
    page.wait_for_function("document.querySelector('#ticket-title').textContent"
                           ".startsWith('T-PLACE-1')")
    page.click("#reply button[type=submit]")
    page.wait_for_function("document.querySelector('#messages').innerText.includes('je reg')")
    # Sent: the draft is gone (cleared once the send is confirmed).
    page.wait_for_function("!Object.keys(sessionStorage).some(k => k.includes('T-PLACE-1'))")
    assert page.input_value("#reply-text") == ""
    page.context.close()
    finish(product, agent_session(product, "marco"), first, second)


def test_other_agents_tickets_are_never_unread(product, browser):  # noqa: F811
    theirs, free = make_ticket(product, "T-UNREAD-1"), make_ticket(product, "T-UNREAD-2")
    marco = agent_session(product, "marco")
    assert marco.post(f"{product.web_url}/api/tickets/{theirs}/claim",
                      timeout=10).status_code == 200
    page = open_console(browser, product, "alice")
    page.locator(f"#queue button[data-ticket='{free}']").wait_for()
    bot = {"Authorization": f"Bearer {product.service_token}"}
    for ticket_id in (theirs, free):
        requests.post(f"{product.web_url}/api/tickets/{ticket_id}/messages", headers=bot,
                      timeout=10, json={"text": "encore là ?"})
    page.wait_for_function("document.title === '(1) Agent console'")
    assert "1 unread" in page.inner_text("#unread-count")
    classes = {t: page.locator(f"#queue button[data-ticket='{t}']").get_attribute("class")
               for t in (theirs, free)}
    assert "unread" not in classes[theirs] and "unread" in classes[free], classes
    page.context.close()
    finish(product, marco, theirs, free)


# The reply box is on screen without scrolling, the conversation scrolls in between.
@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1500, 950), (1920, 1080)])
def test_the_reply_box_is_always_visible(product, browser, width, height):  # noqa: F811
    ticket_id = make_ticket(product, f"T-LAYOUT-{width}", lines=60)
    page = open_console(browser, product, "marco", viewport={"width": width, "height": height})
    page.locator(f"#queue button[data-ticket='{ticket_id}']").click()
    page.click("#claim")
    page.locator("#reply").wait_for(state="visible")
    for selector in ("#reply-text", "#reply button[type=submit]", "#ticket-title"):
        box = page.locator(selector).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
    assert page.evaluate("document.scrollingElement.scrollHeight") <= height
    scroller = page.locator("#ticket-scroll")
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight")
    page.screenshot(path=str(ARTIFACTS / f"console-layout-{width}x{height}.png"))
    # Narrow: one column, nothing wider than the window, the reply still reachable.
    page.set_viewport_size({"width": 480, "height": 800})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 480
    page.locator("#reply-text").scroll_into_view_if_needed()
    assert page.locator("#reply-text").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"console-layout-{width}-narrow.png"), full_page=True)
    page.context.close()
    finish(product, agent_session(product, "marco"), ticket_id)


def test_alt_r_asks_before_resolving(product, browser):  # noqa: F811
    ticket_id = make_ticket(product, "T-CONFIRM-1", resolution=True)
    page = open_console(browser, product, "alice", timezone_id="Europe/Oslo")
    page.locator(f"#queue button[data-ticket='{ticket_id}']").click()
    page.click("#claim")
    page.locator("#reply").wait_for(state="visible")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The deadlines: both, with the agent's time zone named, and the user's local time.
    deadlines = page.inner_text("#ticket-deadlines")
    zone = page.evaluate("new Intl.DateTimeFormat('en-GB', {timeZone: 'Europe/Oslo', "
                         "timeZoneName: 'short'}).formatToParts(new Date())"
                         ".find(p => p.type === 'timeZoneName').value")
    assert "First response due" in deadlines and "Resolution due" in deadlines, deadlines
    assert deadlines.count(zone) >= 2, (zone, deadlines)
    tokyo = page.evaluate("new Date().toLocaleTimeString('en-GB', {timeZone: 'Asia/Tokyo', "
                          "hour: '2-digit', minute: '2-digit'})")
    assert "User's local time" in deadlines and tokyo[:2] in deadlines, deadlines

    page.keyboard.press("Alt+KeyR")
    confirm = page.locator("#resolve-confirm")
    confirm.wait_for(state="visible")
    assert f"Resolve {ticket_id}?" in confirm.inner_text()
    page.keyboard.press("Escape")
    confirm.wait_for(state="hidden")
    assert page.locator("#ticket").is_visible()
    page.keyboard.press("Alt+KeyR")
    confirm.wait_for(state="visible")
    page.keyboard.press("Alt+KeyR")
    page.locator("#ticket").wait_for(state="hidden")
    assert dialogs == []
    page.context.close()
    bot = {"Authorization": f"Bearer {product.service_token}"}
    ticket = requests.get(f"{product.web_url}/api/tickets/{ticket_id}", headers=bot,
                          timeout=10).json()
    assert ticket["status"] == "resolved"


def test_the_article_search_shows_it_is_busy_and_starts_afresh(product, browser):  # noqa: F811
    first, second = make_ticket(product, "T-SEARCH-1"), make_ticket(product, "T-SEARCH-2")
    page = open_console(browser, product, "marco")
    # A slow first search, as the cold model makes it.
    page.route("**/api/kb/search*", lambda route: (time.sleep(1.5), route.continue_()))
    page.locator(f"#queue button[data-ticket='{first}']").click()
    page.fill("#kb-query", "partage d'écran")
    page.press("#kb-query", "Enter")
    page.wait_for_function("document.querySelector('#kb-results')"
                           ".getAttribute('aria-busy') === 'true'")
    assert "Recherche" in page.inner_text("#kb-status")
    page.wait_for_function("document.querySelector('#kb-results')"
                           ".getAttribute('aria-busy') === 'false'", timeout=30_000)
    assert page.locator("#kb-results li").count() > 0
    page.locator(f"#queue button[data-ticket='{second}']").click()
    page.wait_for_function("location.hash === '#T-SEARCH-2'")
    assert page.input_value("#kb-query") == ""
    assert page.locator("#kb-results li").count() == 0
    page.context.close()
    finish(product, agent_session(product, "marco"), first, second)
