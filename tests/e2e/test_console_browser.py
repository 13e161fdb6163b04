"""The agent console in headless Chromium (Debian's, driven by Playwright).

Login, claim, transcript, reply and resolve; user text with <script> and onerror
payloads must render as text. The login form speaks the browser's language (Norwegian
here), the console marco's first language (French), plans and tiers by name; an unread
mark survives a reload. Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.conftest import PROJECT_ROOT

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
