"""The managers' dashboard in headless Chromium, against `python -m bot run`.

A few conversations through the chat channel and a ticket that an agent claims, answers,
resolves and the user rates give both sides something to draw. The demo manager signs in
on /dashboard (the sign-in form in the browser's language, French; the board in hers,
English); the cards and plots show; the period switches to 30 days and a language
filter applies; axe finds no serious or critical violation; no user's name or e-mail is
on the page. A non-manager gets the 403 page, in his first language. Screenshots go to
var/test-artifacts/dashboard/.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, List

import pytest
import requests

from bot.accounts.demo import load_demo_accounts
from tests.conftest import PROJECT_ROOT
from tests.e2e.test_widget_browser import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "dashboard"
CAMILLE = next(u for a in load_demo_accounts() for u in a["users"]
               if u["id"] == "u-biz-admin")
MESSAGES = [("dash-en-1", "how do I reset my password"),
            ("dash-en-2", "qwzx vvbn plork"),
            ("dash-fr-1", "je veux partager mon écran"),
            ("dash-nb-1", "my name is Camille Moreau, camille.moreau@lumiere.example")]


def serious(results: Any) -> List[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(" ".join(n["target"]) + " " + n["html"][:160] for n in v["nodes"])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def traffic(product):
    """Conversations for the assistant's side, a rated ticket for the humans'."""
    for sender, text in MESSAGES:
        answer = requests.post(f"{product.rasa_url}/webhooks/helpcenter/webhook", timeout=60,
                               json={"sender": sender, "message": text,
                                     "metadata": {"locale": "en-GB"}})
        assert answer.status_code == 200, answer.text
    bot = {"Authorization": f"Bearer {product.service_token}",
           "Idempotency-Key": "dashboard-browser-1"}
    due = (datetime.now(timezone.utc) + timedelta(hours=4)).isoformat()
    created = requests.post(f"{product.web_url}/api/tickets", headers=bot, timeout=10, json={
        "id": "T-DASH-1", "sender_id": "dash-fr-1", "user_id": CAMILLE["id"],
        "user_name": CAMILLE["name"], "user_email": CAMILLE["email"],
        "account_id": "acct-biz-fr", "plan": "business", "support_tier": "standard",
        "language": "fr", "priority": "P2", "first_response_due": due,
        "report": {"description": f"call {CAMILLE['name']}"},
        "transcript": [{"from": "user", "text": "je veux partager mon écran"}]})
    assert created.status_code in (200, 201), created.text
    marco = requests.Session()
    assert marco.post(f"{product.web_url}/api/login", timeout=10, json={
        "agent_id": "marco", "password": "marco-demo-password"}).status_code == 200
    assert marco.post(f"{product.web_url}/api/tickets/T-DASH-1/claim",
                      timeout=10).status_code == 200
    assert marco.post(f"{product.web_url}/api/tickets/T-DASH-1/messages", timeout=10,
                      json={"text": "Bonjour, je regarde."}).status_code == 201
    assert marco.post(f"{product.web_url}/api/tickets/T-DASH-1/resolve",
                      timeout=10).status_code == 200
    premier = requests.post(f"{product.web_url}/api/tickets", timeout=10, json={
        "id": "T-DASH-2", "sender_id": "dash-en-2", "user_id": "u-ent", "user_name": "",
        "user_email": "", "account_id": "acct-ent", "plan": "enterprise",
        "support_tier": "premier", "language": "en", "priority": "P1",
        "first_response_due": due, "resolution_due": due, "report": {}, "transcript": []},
        headers={**bot, "Idempotency-Key": "dashboard-browser-2"})
    assert premier.status_code in (200, 201), premier.text
    rated = requests.post(f"{product.web_url}/api/tickets/T-DASH-1/rating", headers=bot,
                          timeout=10, json={"rating": 4})
    assert rated.status_code == 200, rated.text
    yield product
    # The other end-to-end tests share the product: leave no open ticket behind.
    for step in ("claim", "resolve"):
        marco.post(f"{product.web_url}/api/tickets/T-DASH-2/{step}", timeout=10)


def test_the_manager_sees_the_dashboard_and_switches_the_period(traffic, browser):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    by = page.get_by_test_id

    first = page.goto(f"{traffic.web_url}/dashboard")
    assert first is not None and first.status == 200
    by("signin").wait_for()
    # Nobody signed in yet: the browser's language.
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#signin-title") == "Connexion en tant que responsable"
    by("signin-agent-id").fill("maria")
    by("signin-password").fill("wrong")
    by("signin-submit").click()
    page.wait_for_function("document.querySelector('#signin-error').textContent !== ''")
    assert by("signin-error").inner_text() == "Identifiant ou mot de passe incorrect."
    by("signin-password").fill("maria-demo-password")
    by("signin-submit").click()
    page.wait_for_selector("body[data-loaded='7|all|all']")
    # Signed in: maria's first language, English.
    assert page.get_attribute("html", "lang") == "en"
    assert page.title() == "helpbot – dashboard"

    # The cards, and every plot drawn: an <svg> with marks, a caption and a table.
    for card in ("containment", "handoff", "kb", "fallback"):
        assert page.locator(f"#card-{card}").inner_text().endswith("%")
    assert int(page.locator("#card-conversations").inner_text()) >= len(MESSAGES)
    for plot in ("plot-rate-containment_rate", "plot-rate-handoff_rate",
                 "plot-rate-kb_answer_rate", "plot-rate-fallback_rate",
                 "plot-first-response", "plot-resolution", "plot-queue", "plot-agents",
                 "plot-csat"):
        drawing = by(plot).locator("svg[role=img]")
        assert drawing.count() == 1, plot
        marks = "path, circle" if "rate" in plot or "queue" in plot else "rect"
        assert drawing.locator(marks).count() > 0, plot
        assert drawing.get_attribute("aria-label"), plot
        assert by(plot).locator("figcaption").inner_text(), plot
        assert by(plot).locator("table").count() == 1, plot
    assert "P1 (target 1 h)" in by("plot-first-response").inner_text()
    agents = by("plot-agents").locator("table").text_content() or ""
    assert "marco" in agents
    ratings = [[cell.strip() for cell in row.locator("td").all_text_contents()]
               for row in by("plot-csat").locator("tbody tr").all()]
    assert ["4", "1"] in ratings, ratings
    page.screenshot(path=str(ARTIFACTS / "01-last-7-days.png"), full_page=True)

    by("period-30").check()
    page.wait_for_selector("body[data-loaded='30|all|all']")
    assert "30 days" in by("period-text").inner_text()
    rate_points = by("plot-rate-containment_rate").locator("svg text.tick")
    assert rate_points.count() > 5
    page.screenshot(path=str(ARTIFACTS / "02-last-30-days.png"), full_page=True)

    by("filter-lang").select_option("en")
    page.wait_for_selector("body[data-loaded='30|en|all']")
    page.screenshot(path=str(ARTIFACTS / "03-english.png"), full_page=True)

    from axe_playwright_python.sync_playwright import Axe

    violations = serious(Axe().run(page))
    assert violations == [], json.dumps(violations, indent=1)

    shown = page.content()
    for personal in (CAMILLE["name"], CAMILLE["email"], "Camille", "dash-en-1"):
        assert personal not in shown
    assert errors == []
    context.close()


def test_an_agent_who_is_not_a_manager_gets_the_403_page(traffic, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{traffic.web_url}/dashboard")
    page.get_by_test_id("signin-agent-id").fill("marco")
    page.get_by_test_id("signin-password").fill("marco-demo-password")
    with page.expect_navigation() as reloaded:
        page.get_by_test_id("signin-submit").click()
    assert reloaded.value is not None and reloaded.value.status == 403
    page.get_by_test_id("forbidden").wait_for()
    # In marco's first language, French, whatever the browser's.
    assert "Réservé aux responsables" in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.get_by_test_id("board").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "04-not-a-manager.png"), full_page=True)
    page.get_by_test_id("logout").click()
    page.get_by_test_id("signin").wait_for()
    context.close()


def signed_in_page(traffic, browser, url="/dashboard"):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{traffic.web_url}/dashboard")
    page.get_by_test_id("signin-agent-id").fill("maria")
    page.get_by_test_id("signin-password").fill("maria-demo-password")
    page.get_by_test_id("signin-submit").click()
    page.wait_for_selector("body[data-loaded]")
    if url != "/dashboard":
        page.goto(f"{traffic.web_url}{url}")
    return page


def test_the_filters_are_in_the_address(traffic, browser):  # noqa: F811
    page = signed_in_page(traffic, browser, "/dashboard?days=30&lang=fr&plan=business")
    page.wait_for_selector("body[data-loaded='30|fr|business']")
    assert page.locator("[data-testid=period-30]").is_checked()
    assert (page.input_value("#lang"), page.input_value("#plan")) == ("fr", "business")
    page.get_by_test_id("filter-lang").select_option("en")
    page.wait_for_selector("body[data-loaded='30|en|business']")
    assert "lang=en" in page.url and "days=30" in page.url and "plan=business" in page.url
    page.get_by_test_id("period-7").check()
    page.wait_for_selector("body[data-loaded='7|en|business']")
    page.go_back()
    page.wait_for_selector("body[data-loaded='30|en|business']")
    assert page.locator("[data-testid=period-30]").is_checked()
    page.go_back()
    page.wait_for_selector("body[data-loaded='30|fr|business']")
    assert page.input_value("#lang") == "fr"
    page.reload()
    page.wait_for_selector("body[data-loaded='30|fr|business']")
    page.context.close()


def test_every_plan_is_offered_and_counts_are_plural_aware(traffic, browser):  # noqa: F811
    page = signed_in_page(traffic, browser, "/dashboard?lang=fr&plan=business")
    page.wait_for_selector("body[data-loaded='7|fr|business']")
    plans = page.locator("#plan option").evaluate_all("options => options.map(o => o.value)")
    assert plans[:8] == ["all", "guest", "basic", "pro", "business", "education",
                         "enterprise", "api"], plans
    figures = page.request.get(f"{traffic.web_url}/api/dashboard/figures"
                               "?days=7&lang=fr&plan=business").json()
    conversations, tickets = figures["cards"]["conversations"], figures["tickets"]
    word = {1: "conversation"}.get(conversations, "conversations")
    text = page.inner_text("[data-testid=period-text]")
    assert f"{conversations} {word}" in text, text
    assert f"{tickets} {'ticket' if tickets == 1 else 'tickets'}" in text, text
    # The queue's "now" is the tickets open now, not the last whole hour's.
    caption = page.get_by_test_id("plot-queue").locator("figcaption").inner_text()
    assert f"now {figures['queue_now']}" in caption, caption
    page.context.close()


def test_one_day_of_data_shows_every_language(traffic, browser):  # noqa: F811
    page = signed_in_page(traffic, browser)
    page.wait_for_selector("body[data-loaded='7|all|all']")
    figures = page.request.get(f"{traffic.web_url}/api/dashboard/figures?days=7").json()
    days = {r["day"] for r in figures["by_language_day"]}
    langs = {r["lang"] for r in figures["by_language_day"]}
    assert len(days) == 1 and len(langs) >= 2, figures["by_language_day"]
    plot = page.get_by_test_id("plot-rate-containment_rate").locator("svg")
    # A mark per language, side by side: no two at the same place.
    marks = plot.locator("[data-lang]").evaluate_all(
        "marks => marks.map(m => [m.dataset.lang, Math.round(m.getBBox().x)])")
    assert {lang for lang, _ in marks} == langs, marks
    assert len({x for _, x in marks}) == len(marks), marks
    page.screenshot(path=str(ARTIFACTS / "05-one-day.png"), full_page=True)
    from axe_playwright_python.sync_playwright import Axe

    assert serious(Axe().run(page)) == []
    page.context.close()


def test_an_unknown_dashboard_address_is_a_page(traffic, browser):  # noqa: F811
    context = browser.new_context(locale="it-IT")
    page = context.new_page()
    answer = page.goto(f"{traffic.web_url}/dashboard/x")
    assert answer is not None and answer.status == 404
    page.get_by_test_id("notfound").wait_for()
    assert page.get_attribute("html", "lang") == "it"
    assert page.locator("a[href='/dashboard']").count() == 1
    context.close()
