"""The agent console in headless Chromium (Debian's, driven by Playwright).

Login, claim, transcript, reply and resolve; user text with <script> and onerror
payloads must render as text. Screenshots go to var/test-artifacts/.
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
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{product.web_url}/console")
        page.fill("#agent-id", "marco")
        page.fill("#password", "marco-demo-password")
        page.click("#login button[type=submit]")
        row = page.locator("#queue li", has_text=hostile_ticket)
        row.wait_for()
        page.screenshot(path=str(ARTIFACTS / "console-1-queue.png"))
        row.get_by_role("button").click()
        page.wait_for_selector("#ticket:not([hidden])")
        page.click("#claim")
        page.wait_for_selector("#reply:not([hidden])")
        page.wait_for_function(
            "document.querySelector('#messages').innerText.includes('still broken')")
        page.screenshot(path=str(ARTIFACTS / "console-2-ticket.png"))

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
    assert [m["author"] for m in messages] == ["user", "agent"]
