"""The editors' studio, end to end in headless Chromium, against `python -m bot run`.

The full loop of issue 14: a question the help center has no article for is asked in
five languages through the widget; it appears in the studio's inbox as one group; an
editor writes the article and adds the other languages' messages to its questions;
retrains; the gate passes; the model and KB index are promoted without a restart; the
same questions are now answered, and a conversation open during the promotion goes on.
Then a candidate without one language's training data is refused.

The product runs on a copy of the content (``HELPBOT_CONTENT_ROOT``), model and KB
index, so the repository's files are never edited. Screenshots go to
var/test-artifacts/studio/.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot import SUPPORTED_LANGUAGES
from kb_index.build import DEFAULT_BUILD, current_version
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import running_product
from tests.e2e.test_widget_browser import Widget, browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts" / "studio"
LOOP = yaml.safe_load((PROJECT_ROOT / "tests" / "fixtures" / "studio" / "loop.yml")
                      .read_text(encoding="utf-8"))
GAP: Dict[str, str] = LOOP["gap"]
ARTICLE: Dict[str, Any] = LOOP["article"]
EDITOR = ("ingrid", "ingrid-demo-password")  # Norwegian interface
FIRST = "nb"  # the message the editor starts the article from
RETRAIN_TIMEOUT_S = 25 * 60


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def content(tmp_path_factory, trained_model) -> Path:
    """A copy of what editors edit and what is served: data, model, KB index."""
    root = tmp_path_factory.mktemp("content")
    for part in ("domain", "data", "tests/nlu_holdout", "tests/fixtures"):
        shutil.copytree(PROJECT_ROOT / part, root / part)
    shutil.copy(PROJECT_ROOT / "config.yml", root / "config.yml")
    (root / "models").mkdir()
    shutil.copy(trained_model, root / "models" / "helpbot.tar.gz")
    live = current_version(DEFAULT_BUILD)
    assert live is not None, "no KB index: run `make kb`"
    shutil.copytree(live, root / "kb_build" / live.name)
    (root / "kb_build" / "CURRENT").write_text(live.name, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def studio_product(content, tmp_path_factory):
    """`python -m bot run` serving the copy; the e5 vector cache is the project's."""
    yield from running_product(
        tmp_path_factory.mktemp("var"), content / "models" / "helpbot.tar.gz",
        HELPBOT_CONTENT_ROOT=str(content), HELPBOT_KB_BUILD_DIR=str(content / "kb_build"),
        HELPBOT_E5_CACHE=str(PROJECT_ROOT / "var" / "cache"))


class Studio:
    """The studio page in its own browser context, driven like an editor would."""

    def __init__(self, browser: Any, product: Any) -> None:  # noqa: F811
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: List[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.product = product
        self.shots = 0

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def shot(self, name: str) -> None:
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}.png"),
                             full_page=True)

    def sign_in(self, editor_id: str, password: str) -> None:
        self.page.goto(f"{self.product.web_url}/studio")
        self.by("signin-editor-id").fill(editor_id)
        self.by("signin-password").fill(password)
        self.by("signin-password").press("Enter")
        self.by("me-name").wait_for(timeout=60_000)

    def group_with(self, text: str) -> Any:
        """The inbox group holding a message with this text (reloads until it shows)."""
        for _ in range(20):
            if self.by("inbox-refresh").is_hidden():
                self.by("nav-inbox").click()  # which loads the inbox too
            # One load at a time, and read only once it is drawn: a second load drawn
            # under the reading would regroup (grouping depends on the batch).
            self.page.wait_for_function(
                "() => !document.getElementById('inbox-list').hasAttribute('aria-busy')",
                timeout=60_000)
            with self.page.expect_response(lambda r: "/api/studio/inbox" in r.url,
                                           timeout=60_000):
                self.by("inbox-refresh").click()
            self.page.wait_for_function(
                "() => !document.getElementById('inbox-list').hasAttribute('aria-busy')",
                timeout=60_000)
            groups = self.by("inbox-group").filter(has_text=text)
            if groups.count():
                return groups.first
        pytest.fail(f"{text!r} never reached the inbox:\n" + self.page.inner_text("main"))

    def close(self) -> None:
        self.context.close()


def assert_no_article(widget: Widget) -> None:
    reply = widget.page.locator("#hb-panel .hb-entry").last
    assert widget.page.locator(".hb-kb").count() == 0, widget.log_text()
    assert reply.inner_text().strip()


def ask(widget: Widget, text: str) -> None:
    widget.say(text)
    # A KB answer is followed by "was it helpful?": wait for the whole reply.
    widget.page.wait_for_timeout(500)


def test_the_full_loop_from_a_missed_question_to_a_promoted_model(
        browser, studio_product, content):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    served = content / "models" / "helpbot.tar.gz"
    served_before = sha256(served)

    # 1. A conversation that stays open through the promotion.
    keeper = Widget(browser, studio_product, "en", "studio-keeper")
    keeper.goto()
    keeper.open()
    ask(keeper, "How do I record a meeting?")
    assert keeper.page.locator(".hb-kb").last.get_attribute("data-article-id") == "recording"

    # 2. The same gap in five languages: no article answers it.
    widgets = {}
    for lang in SUPPORTED_LANGUAGES:
        widget = Widget(browser, studio_product, lang, f"studio-user-{lang}")
        widget.goto()
        widget.open()
        ask(widget, GAP[lang])
        assert_no_article(widget)
        widgets[lang] = widget

    # 3. The inbox shows them as one group, in five languages.
    studio = Studio(browser, studio_product)
    studio.sign_in(*EDITOR)
    group = studio.group_with(GAP[FIRST])
    if group.get_by_test_id("inbox-group-toggle").get_attribute("aria-expanded") != "true":
        group.get_by_test_id("inbox-group-toggle").click()
    messages = group.get_by_test_id("inbox-message")
    langs = set(messages.evaluate_all("nodes => nodes.map(node => node.dataset.lang)"))
    assert langs == set(SUPPORTED_LANGUAGES), studio.page.inner_text("main")
    studio.shot("inbox-group")

    # 4a. A new article, started from the Norwegian message.
    group.locator(f"[data-testid=inbox-message][data-lang={FIRST}]").get_by_test_id(
        "action-new-article").click()
    studio.by("article-id").fill(ARTICLE["id"])
    studio.by("article-tags").fill(", ".join(ARTICLE["tags"]))
    studio.by("article-related").fill(", ".join(ARTICLE["related"]))
    for lang, text in ARTICLE["languages"].items():
        studio.by(f"article-tab-{lang}").click()
        studio.by(f"article-title-{lang}").fill(text["title"])
        studio.by(f"article-summary-{lang}").fill(text["summary"])
        studio.by(f"article-body-{lang}").fill(text["body"])
        questions = studio.by(f"article-questions-{lang}")
        already = questions.input_value().strip()
        questions.fill("\n".join(([already] if already else []) + text["questions"]))
    studio.page.wait_for_timeout(1500)  # the checks run as the editor types
    assert studio.by("article-problem").count() == 0, studio.by("article-problems").inner_text()
    studio.shot("new-article")
    with studio.page.expect_response(lambda r: r.url.endswith("/api/studio/articles"),
                                     timeout=60_000) as created:
        studio.by("article-create").click()
    assert created.value.status == 200, created.value.text()
    for lang in SUPPORTED_LANGUAGES:
        assert (content / "data" / "kb" / lang / "dual-monitors.md").is_file()
    # The message the article was started from has left the inbox; the other four wait.
    group = studio.group_with(GAP["en"])
    messages = group.get_by_test_id("inbox-message")
    assert FIRST not in messages.evaluate_all("nodes => nodes.map(node => node.dataset.lang)")
    assert GAP[FIRST] in (content / "data" / "kb" / FIRST / "dual-monitors.md").read_text(
        encoding="utf-8")

    # 4b. The other languages' messages become questions of the new article.
    for lang in SUPPORTED_LANGUAGES:
        if lang == FIRST:
            continue
        # The page's own reload after the previous save can re-render the group closed
        # under the click (a known quirk, see the issue note): open it and click again.
        for attempt in range(4):
            group = studio.group_with(GAP[lang])
            toggle = group.get_by_test_id("inbox-group-toggle")
            if toggle.get_attribute("aria-expanded") != "true":
                toggle.click()
            message = group.locator(f"[data-testid=inbox-message][data-lang={lang}]")
            try:
                message.get_by_test_id("action-question").click(timeout=5_000)
                break
            except PlaywrightTimeout:
                assert attempt < 3, studio.page.inner_text("main")
        studio.by("article-select").select_option(ARTICLE["id"])
        with studio.page.expect_response(lambda r: "/api/studio/teach/question" in r.url,
                                         timeout=60_000) as answer:
            studio.by("question-submit").click()
        assert answer.value.status == 200, answer.value.text()
        studio.by("note").filter(has_text=f"data/kb/{lang}/dual-monitors.md").wait_for()
        assert GAP[lang] in (content / "data" / "kb" / lang / "dual-monitors.md").read_text(
            encoding="utf-8")
    studio.shot("inbox-taught")

    # 5. Retrain: the gate passes and the candidate is promoted.
    started = time.monotonic()
    studio.by("nav-retrain").click()
    studio.by("retrain-button").click()
    state = studio.by("retrain-state")
    deadline = time.monotonic() + RETRAIN_TIMEOUT_S
    while state.get_attribute("data-state") in (None, "", "running"):
        assert time.monotonic() < deadline, studio.page.inner_text("main")
        studio.page.wait_for_timeout(2000)
    loop_seconds = time.monotonic() - started
    studio.shot("retrain-report")
    assert state.get_attribute("data-state") == "promoted", studio.page.inner_text("main")
    assert studio.by("report-table").count() == 4
    assert "undefined" not in studio.by("report").inner_text()
    assert studio.by("report-chart").count() == 4
    print(f"\nretrain from the button to the promoted model: {loop_seconds:.0f} s")
    assert sha256(served) != served_before

    # 6. The same questions are answered now, with the new article, in every language.
    for lang, widget in widgets.items():
        ask(widget, GAP[lang])
        card = widget.page.locator(".hb-kb").last
        assert card.get_attribute("data-article-id") == ARTICLE["id"], (lang, widget.log_text())
        # The new article has its page in the help center.
        href = card.locator(".hb-card-title a").get_attribute("href")
        page = requests.get(requests.compat.urljoin(studio_product.web_url + "/", href),
                            timeout=30)
        assert page.status_code == 200, (lang, href)
        assert ARTICLE["languages"][lang]["title"] in page.text
        widget.shot("answered-after-retrain")

    # 7. The conversation open during the promotion goes on, and kept its history.
    ask(keeper, "How do I share my screen?")
    assert keeper.page.locator(".hb-kb").last.get_attribute("data-article-id") == \
        "screen-sharing"
    sender = keeper.state()["sender"]
    tracker = requests.get(
        f"{studio_product.rasa_url}/conversations/{sender}/tracker",
        params={"token": studio_product.settings.rasa_token}, timeout=30).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert "How do I record a meeting?" in said and "How do I share my screen?" in said

    # 8. The history lists the new model in service, and the one before it.
    studio.by("nav-history").click()
    rows = studio.by("history-row")
    rows.first.wait_for()
    assert rows.count() >= 2
    assert studio.page.locator("[data-testid=history-row].in-service").count() == 1
    studio.shot("history")
    assert studio.errors == [] and all(w.errors == [] for w in widgets.values())
    for widget in [keeper, *widgets.values()]:
        widget.close()
    studio.close()


NAV_INBOX = {"en": "Inbox", "fr": "À traiter", "it": "Da rivedere", "nb": "Til gjennomgang",
             "ru": "Входящие"}


@pytest.mark.parametrize(("editor", "lang"), [
    ("olga", "ru"), ("ingrid", "nb"), ("chloe", "fr"), ("giulia", "it"), ("emma", "en")])
def test_each_editor_gets_the_studio_in_their_language_and_by_keyboard(
        browser, studio_product, editor, lang):  # noqa: F811
    studio = Studio(browser, studio_product)
    page = studio.page
    page.goto(f"{studio_product.web_url}/studio")
    # Signing in with the keyboard alone: type, Tab, type, Enter.
    studio.by("signin-editor-id").focus()
    page.keyboard.type(editor)
    page.keyboard.press("Tab")
    page.keyboard.type(f"{editor}-demo-password")
    page.keyboard.press("Enter")
    studio.by("me-name").wait_for(timeout=60_000)  # a loaded CI machine took over 30 s
    assert page.evaluate("document.documentElement.lang") == lang
    assert studio.by("nav-inbox").inner_text().strip() == NAV_INBOX[lang]
    # No label is missing: a missing one would show its key (e.g. "nav_inbox").
    for screen in ("nav-inbox", "nav-article", "nav-retrain", "nav-history"):
        studio.by(screen).focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        texts = page.locator("main :is(h1, h2, h3, label, button, th, legend)").all_inner_texts()
        assert not [t for t in texts if re.fullmatch(r"[a-z]+(_[a-z]+)+", t.strip())], texts
    studio.shot(f"signed-in-{lang}")
    assert studio.errors == []
    studio.close()


def test_what_an_editor_typed_survives_the_end_of_the_session(browser, studio_product):  # noqa: F811
    text = "il mio pappagallo preme i tasti durante le riunioni"
    reply = requests.post(f"{studio_product.rasa_url}/webhooks/helpcenter/webhook",
                          json={"sender": "studio-session-end", "message": text}, timeout=60)
    assert reply.ok, reply.text
    studio = Studio(browser, studio_product)
    studio.sign_in("giulia", "giulia-demo-password")
    group = studio.group_with(text)
    if group.get_by_test_id("inbox-group-toggle").get_attribute("aria-expanded") != "true":
        group.get_by_test_id("inbox-group-toggle").click()
    group.locator("[data-testid=inbox-message][data-lang=it]").get_by_test_id(
        "action-question").click()
    studio.by("article-select").select_option("audio-not-working")
    studio.by("question-text").fill("il pappagallo mi toglie il muto dalla tastiera")
    studio.context.clear_cookies()  # the session ends (signed out elsewhere, or expired)
    studio.by("question-submit").click()
    studio.by("signin-password").wait_for()
    studio.by("signin-editor-id").fill("giulia")
    studio.by("signin-password").fill("giulia-demo-password")
    studio.by("signin-password").press("Enter")
    studio.by("question-text").wait_for()
    assert studio.by("question-text").input_value() == \
        "il pappagallo mi toglie il muto dalla tastiera"
    assert studio.by("article-select").input_value() == "audio-not-working"
    studio.shot("dialog-after-sign-in")
    studio.close()


def test_a_candidate_without_one_languages_training_data_is_refused(studio_product, content):
    """`python -m bot retrain` on data without the Italian examples: exit 3, nothing served."""
    served = content / "models" / "helpbot.tar.gz"
    served_before = sha256(served)
    kb_before = (content / "kb_build" / "CURRENT").read_text(encoding="utf-8")
    italian = content / "data" / "nlu" / "it"
    kept = content / "it-nlu-removed"
    shutil.move(str(italian), str(kept))
    italian.mkdir()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "retrain", "--by", "test", "--job-id", "broken"],
            cwd=PROJECT_ROOT, env=studio_product.env, capture_output=True, text=True,
            timeout=RETRAIN_TIMEOUT_S)
    finally:
        shutil.rmtree(italian)
        shutil.move(str(kept), str(italian))
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    status = json.loads((Path(studio_product.var_dir) / "studio" / "jobs" / "broken" /
                         "status.json").read_text(encoding="utf-8"))
    assert status["state"] == "refused"
    assert any(reason.startswith("it: intent F1 fell") for reason in
               status["report"]["reasons"]), status["report"]["reasons"]
    assert not any(row["lang"] != "it" and not row["ok"] and row["measure"] == "intent_f1"
                   for row in status["report"]["rows"])
    assert sha256(served) == served_before
    assert (content / "kb_build" / "CURRENT").read_text(encoding="utf-8") == kb_before
    print("\nrefused candidate:", {s["name"]: s["seconds"] for s in status["steps"]})
