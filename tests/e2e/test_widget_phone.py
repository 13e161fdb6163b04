"""The chat widget as a person meets it, in headless Chromium: the greeting and suggested
questions, phone-sized screens (touch emulation), the full-screen modal dialog, and an
accessibility check with axe-core, in every language.

Runs against the product as `make run` starts it (the fixtures of test_widget_browser).
Screenshots go to var/test-artifacts/widget-phone/.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from bot.web.app import kb_catalogue
from tests.conftest import PROJECT_ROOT
from tests.e2e import test_widget_browser as shared
from tests.e2e.test_widget_browser import KB_QUESTIONS, Widget

pytestmark = pytest.mark.e2e

# The browser and the tabs of test_widget_browser, as this module's fixtures.
browser = shared.browser
widget_factory = shared.widget_factory

LANGS = sorted(KB_QUESTIONS)
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "widget-phone"
PHONES = {"360x740": {"width": 360, "height": 740}, "390x844": {"width": 390, "height": 844}}
PHONE = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"width": 1280, "height": 800}


# What is in the page's tab order while the chat is open, and whether it is in the chat.
FOCUS = "() => ({inside: document.getElementById('hb-panel').contains(document.activeElement),"\
        " cls: document.activeElement.className, tag: document.activeElement.tagName})"
# The page's own parts (not the widget): inert or not.
INERT = """() => [...document.body.children]
  .filter(node => node.id !== 'helpbot-widget' && node.tagName !== 'SCRIPT')
  .map(node => node.inert)"""
WIDTHS = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(node => node.getBoundingClientRect().right > window.innerWidth + 0.5
                    && getComputedStyle(node).position !== 'fixed')
    .slice(0, 5).map(node => node.tagName + '.' + node.className + '#' + node.id)})"""


def pages(lang: str) -> Dict[str, str]:
    """The home page, an article and the search page (with results), by name."""
    article = kb_catalogue().by_id[lang]["recording"]
    query = KB_QUESTIONS[lang][0]
    return {"home": "", "article": article.url.split(f"/{lang}/", 1)[1],
            "search": f"search?q={query}"}


def page_config(widget: Widget) -> Dict[str, Any]:
    return widget.page.evaluate(
        "() => JSON.parse(document.getElementById('helpbot-config').textContent)")


def phone(widget_factory: Any, lang: str, name: str, size: str = "390x844") -> Widget:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget = widget_factory(lang, name, viewport=PHONES[size], **PHONE)
    return widget


def inside_viewport(widget: Widget, locator: Any) -> None:
    box = locator.bounding_box()
    size = widget.page.viewport_size
    assert box and size, (box, size)
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"], (box, size)
    assert box["y"] + box["height"] <= size["height"], (box, size)


def assert_greeting(widget: Widget) -> None:
    """The greeting, in the page language, and the page's suggestions under it."""
    labels = widget.labels
    intro = widget.page.locator("#hb-panel .hb-intro")
    intro.wait_for()
    text = intro.inner_text()
    for key in ("greeting", "greeting_answer", "greeting_report", "greeting_person"):
        assert labels[key] in text, (key, text)
    suggestions = (page_config(widget).get("suggestions") or [])[:4]
    assert len(suggestions) >= 3, "the page offers no suggested questions"
    articles = kb_catalogue().by_id[widget.lang]
    for suggestion in suggestions:  # a question of this language's article
        intent, _, entities = suggestion["payload"].partition("{")
        assert intent == "/ask_question", suggestion
        article = articles[json.loads("{" + entities)["article_id"]]
        # Shown with a capital first letter (bot/web/suggestions.question_title).
        questions = [" ".join(q.split()) for q in article.questions]
        questions = [q[:1].upper() + q[1:] for q in questions] + [article.title]
        assert suggestion["title"] in questions, (suggestion, widget.lang)
    titles = [s["title"] for s in suggestions]
    buttons = intro.locator(".hb-suggestions button")
    assert buttons.all_inner_texts() == titles
    group = widget.page.get_by_role("group", name=labels["suggestions"])
    assert group.count() == 1


def shot(widget: Widget, step: str) -> None:
    widget.page.screenshot(path=str(ARTIFACTS / f"{widget.name}-{step}.png"))


def measure_width(widget: Widget) -> None:
    widths = widget.page.evaluate(WIDTHS)
    size = widget.page.viewport_size
    assert size and widths["inner"] == size["width"], widths  # no zooming out to fit
    assert widths["scroll"] <= widths["inner"], widths


@pytest.mark.parametrize("size", sorted(PHONES))
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_fits_a_phone_and_the_chat_is_tappable(widget_factory, lang, size):
    widget = phone(widget_factory, lang, f"fit-{lang}-{size}", size)
    page, labels = widget.page, widget.labels
    for name, path in pages(lang).items():
        widget.goto(path)
        assert page.get_attribute("html", "lang") == lang
        measure_width(widget)
        launcher = page.locator(".hb-launcher")
        inside_viewport(widget, launcher)
        launcher.tap()
        panel = page.get_by_role("dialog", name=labels["title"])
        panel.wait_for(state="visible")
        inside_viewport(widget, panel)
        measure_width(widget)
        assert_greeting(widget)
        close = page.get_by_role("button", name=labels["close"])
        inside_viewport(widget, close)
        if name == "home":
            shot(widget, "open")
        close.tap()
        panel.wait_for(state="hidden")
        launcher.wait_for(state="visible")
    assert widget.errors == [], widget.errors


@pytest.mark.parametrize("lang", LANGS)
def test_full_screen_chat_is_a_modal_dialog(widget_factory, lang):
    widget = phone(widget_factory, lang, f"modal-{lang}")
    page, labels = widget.page, widget.labels
    widget.goto()
    assert page.evaluate(INERT) == [False] * len(page.evaluate(INERT))
    page.locator(".hb-launcher").tap()
    panel = page.locator("#hb-panel")
    panel.wait_for(state="visible")
    assert panel.get_attribute("aria-modal") == "true"
    inert = page.evaluate(INERT)
    assert inert and all(inert), inert  # the page behind: not clickable, not reachable

    # Tab and Shift+Tab go round the dialog.
    page.locator(".hb-send").focus()
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    assert focus["cls"] == "hb-restart", focus  # the first control
    page.keyboard.press("Shift+Tab")
    focus = page.evaluate(FOCUS)
    assert focus["cls"] == "hb-send", focus  # the last one
    seen = set()
    for key in ["Tab"] * 25 + ["Shift+Tab"] * 25:
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        assert focus["inside"], (key, focus)
        seen.add(focus["cls"])
    assert {"hb-restart", "hb-close", "hb-log", "hb-input", "hb-send"} <= seen, seen

    # Escape closes it; the focus is back on the launcher and the page is usable again.
    page.locator("#hb-input").focus()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    focus = page.evaluate(FOCUS)
    assert focus["cls"] == "hb-launcher", focus
    assert not any(page.evaluate(INERT))
    assert panel.get_attribute("aria-modal") == "false"

    # Turning into a wide window while open: floating and not modal; narrow again: modal.
    page.locator(".hb-launcher").tap()
    panel.wait_for(state="visible")
    page.set_viewport_size(DESKTOP)
    page.wait_for_function("() => document.getElementById('hb-panel')"
                           ".getAttribute('aria-modal') === 'false'")
    assert not any(page.evaluate(INERT))
    page.set_viewport_size(PHONES["390x844"])
    page.wait_for_function("() => document.getElementById('hb-panel')"
                           ".getAttribute('aria-modal') === 'true'")
    assert all(page.evaluate(INERT))
    page.get_by_role("button", name=labels["close"]).tap()
    assert not any(page.evaluate(INERT))
    assert widget.errors == [], widget.errors


def test_the_floating_chat_on_a_wide_screen_is_not_modal(widget_factory):
    widget = widget_factory("en", "floating")
    page = widget.page
    widget.goto()
    widget.open()
    panel = page.locator("#hb-panel")
    assert panel.get_attribute("aria-modal") == "false"
    assert not any(page.evaluate(INERT))
    page.locator(".hb-send").focus()
    page.keyboard.press("Tab")  # on to the page (or the browser), not back to the chat
    assert not page.evaluate(FOCUS)["inside"]
    page.locator("#search-q").click()  # the page stays usable beside the chat
    assert panel.is_visible()
    page.locator("#hb-input").focus()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate(FOCUS)["cls"] == "hb-launcher"


@pytest.mark.parametrize("lang", LANGS)
def test_closing_gives_the_focus_back_to_what_opened_the_chat(widget_factory, lang):
    """The contact page's own "open the assistant" button, not the launcher."""
    widget = widget_factory(lang, f"opener-{lang}")
    page = widget.page
    widget.goto("contact")
    opener = page.locator("[data-open-chat]")
    opener.wait_for(state="visible")
    opener.focus()
    page.keyboard.press("Enter")
    page.locator("#hb-panel").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#hb-panel").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-open-chat')")
    widget.open()  # the launcher itself: the focus goes back to it
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUS)["cls"] == "hb-launcher"


@pytest.mark.parametrize("lang", LANGS)
def test_a_paste_longer_than_the_limit_says_it_was_cut(widget_factory, lang):
    widget = widget_factory(lang, f"paste-{lang}")
    page = widget.page
    widget.goto()
    widget.open()
    box = page.locator("#hb-input")
    box.focus()
    # A real paste (Ctrl+V) of 2500 characters: maxlength keeps 2000.
    page.evaluate("""() => {
      const data = new DataTransfer();
      data.setData("text/plain", "a".repeat(2500));
      const box = document.getElementById("hb-input");
      box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                     cancelable: true}));
      box.value = "a".repeat(2000);
      box.dispatchEvent(new InputEvent("input", {inputType: "insertFromPaste",
                                                 bubbles: true}));
    }""")
    cut = widget.labels["pasted_too_long"].replace("{max}", "2000")
    assert page.locator("#hb-counter").text_content() == cut
    page.keyboard.press("Backspace")  # typing on: the usual counter again
    assert page.locator("#hb-counter").text_content() != cut


@pytest.mark.parametrize("lang", LANGS)
def test_opening_sends_nothing_and_a_suggestion_asks_its_question(widget_factory, lang):
    widget = phone(widget_factory, lang, f"suggest-{lang}")
    page, labels = widget.page, widget.labels
    chat: List[Any] = []
    page.on("request", lambda request: chat.append(request)
            if "/webhooks/helpcenter/" in request.url else None)
    widget.goto()
    page.locator(".hb-launcher").tap()
    assert_greeting(widget)
    shot(widget, "greeting")
    page.reload()  # open again after a reload: still only the greeting, still nothing sent
    assert_greeting(widget)
    page.wait_for_timeout(500)
    assert chat == [], [r.url for r in chat]
    assert widget.state()["log"] == []

    suggestions = page_config(widget)["suggestions"]
    title, sent_payload = suggestions[0]["title"], suggestions[0]["payload"]
    with page.expect_request("**/webhook") as sent:
        widget.click(page.locator(".hb-suggestions button").first)
    body = json.loads(sent.value.post_data or "{}")
    assert body["message"] == sent_payload
    # Marked, so that the answer is not counted as asked (bot/web/suggestions.py).
    assert body["metadata"]["origin"] == "suggestion"
    assert [r.url.rsplit("/", 1)[1] for r in chat] == ["webhook"]
    assert page.locator(".hb-user .hb-text").first.inner_text() == title
    card = page.locator(".hb-kb").last
    assert card.get_attribute("lang") == lang
    # The greeting stays on top; its suggestions have done their job.
    assert page.locator(".hb-entries > li").first.get_attribute("class") == "hb-intro hb-bot"
    assert page.locator(".hb-suggestions").count() == 0
    answer = widget.entries.filter(has=card)
    href = card.locator("a").get_attribute("href")
    assert answer.locator(f"a[href='{href}']").count() == 1  # the title, only
    if answer.locator(".hb-buttons button").count():
        assert answer.locator(".hb-related").inner_text() == labels["related_articles"]
    # 👍/👎 are named by their words; the thumbs are drawn, not emoji.
    for key in ("helpful", "not_helpful"):
        button = page.get_by_role("button", name=labels[key], exact=True)
        assert button.count() == 1 and button.locator("svg[aria-hidden='true']").count() == 1
    inside_viewport(widget, page.get_by_role("button", name=labels["close"]))
    measure_width(widget)
    shot(widget, "answer")

    # A new conversation shows the greeting and the suggestions again.
    page.get_by_role("button", name=labels["new_conversation"]).tap()
    assert_greeting(widget)
    assert widget.entries.count() == 0
    assert widget.errors == [], widget.errors


OWN_PAGES = ("contact", "videos", "community", "forms", "top-resources", "release-notes",
             "no-such-page")


def serious(results: Any) -> List[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(" ".join(n["target"]) + " " + n["html"][:160] for n in v["nodes"])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", LANGS)
def test_no_serious_accessibility_violation(widget_factory, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    widget = widget_factory(lang, f"axe-{lang}")
    found = {}
    for name, path in pages(lang).items():
        widget.goto(path)
        if name != "home":  # the chat open (it stays open from page to page)
            if widget.page.locator("#hb-panel").is_hidden():
                widget.open()
        if name == "search":  # with an answer in it
            widget.say(KB_QUESTIONS[lang][0])
            widget.page.locator(".hb-kb").wait_for()
        found[name] = serious(axe.run(widget.page))
    # The answer again, full screen on a phone-sized window (the modal dialog).
    widget.page.set_viewport_size(PHONES["390x844"])
    found["search, full screen"] = serious(axe.run(widget.page))
    widget.page.set_viewport_size(DESKTOP)
    widget.page.locator("#hb-panel .hb-close").click()
    # The site's own pages, and a form sent empty (its error summary and field errors).
    for path in OWN_PAGES:
        widget.goto(path)
        found[path] = serious(axe.run(widget.page))
    widget.goto("forms/report-abuse")
    widget.page.locator("form[data-form] button[type=submit]").click()
    widget.page.locator("[aria-invalid=true]").first.wait_for()
    found["forms/report-abuse, sent empty"] = serious(axe.run(widget.page))
    assert found == {name: [] for name in found}, json.dumps(found, indent=1,
                                                             ensure_ascii=False)
