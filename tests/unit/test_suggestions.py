"""The widget greeting's suggested questions: most-asked articles per language, cached."""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

from bot.channels.payloads import parse_payload, widget_allows
from bot.knowledge.answer import article_payload
from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.web.app import create_web_app, kb_catalogue
from bot.web.site import POPULAR
from bot.web.suggestions import (
    CACHE_SECONDS,
    COUNT,
    SUGGESTION_ORIGIN,
    WINDOW_DAYS,
    Suggestions,
    choose,
    load_answer_counts,
    question_title,
)
from tests.conftest import LANGUAGES, TEST_SECRET

NOW = float(int(time.time()))  # "make test" also runs in 2099 (HELPBOT_TEST_DATE)
DAY = 86400.0
CURATED = {lang: [a for a in POPULAR if a in kb_catalogue().by_id[lang]][:COUNT]
           for lang in LANGUAGES}

# Answers given in the window, per language: (article, how many), and the expected order.
# Ties go to the curated order (audio-not-working is in POPULAR, webinars is not).
ANSWERS = {
    "ru": ([("recording", 4), ("webinars", 1), ("audio-not-working", 1), ("team-chat", 3)],
           ["recording", "team-chat", "audio-not-working", "webinars"]),
    "nb": ([("delete-account", 2), ("breakout-rooms", 5), ("install-update", 3)],
           # three articles only: padded with the curated order
           ["breakout-rooms", "install-update", "delete-account", "contact-support"]),
    "fr": ([("screen-sharing", 6), ("submit-web-ticket", 2), ("recording", 7),
            ("virtual-background", 1), ("webinars", 1)],
           ["recording", "screen-sharing", "submit-web-ticket", "virtual-background"]),
    "it": ([("plans-pricing", 2), ("cancel-subscription", 2), ("join-meeting", 3),
            ("support-plans", 2)],
           ["join-meeting", "support-plans", "cancel-subscription", "plans-pricing"]),
    "en": ([("video-not-working", 2), ("sign-in-password", 9), ("meeting-security", 4)],
           ["sign-in-password", "meeting-security", "video-not-working", "contact-support"]),
}


class Store:
    """Rasa's SQL tracker store ``events`` table (SQLite), written as Rasa writes it."""

    def __init__(self, path):
        self.path, self.url, self.next_id = path, f"sqlite:///{path}", 1
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) "
                       "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, "
                       "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")

    def add(self, sender_id, events):
        with sqlite3.connect(self.path) as db:
            for event in events:
                db.execute("INSERT INTO events (id, sender_id, type_name, timestamp, "
                           "action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                           (self.next_id, sender_id, event["event"], event["timestamp"],
                            event.get("name") if event["event"] == "action" else None,
                            json.dumps(event)))
                self.next_id += 1

    def rows(self):
        with sqlite3.connect(self.path) as db:
            return db.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def slot(name, value, at):
    return {"event": "slot", "name": name, "value": value, "timestamp": at}


def session(lang, at):
    """A new session: Rasa resets the slots, action_session_start sets them again."""
    events = [{"event": "action", "name": "action_session_start", "timestamp": at},
              {"event": "session_started", "timestamp": at}]
    if lang:
        events.append(slot("language", lang, at))
    return events


def answer(article_id, at, then_vote=True):
    """A KB answer as actions/kb.py records it, then a 👍 that clears the slot."""
    events = [{"event": "user", "text": "q", "timestamp": at},
              {"event": "action", "name": "action_answer_from_kb", "timestamp": at},
              slot("kb_article_id", article_id, at), slot("kb_question", "q", at)]
    if then_vote:
        events += [{"event": "user", "text": "/kb_helpful", "timestamp": at + 1},
                   slot("kb_article_id", None, at + 1)]
    return events


@pytest.fixture()
def store(tmp_path):
    store = Store(tmp_path / "conversations.db")
    for lang, (answers, _) in ANSWERS.items():
        for number, (article_id, times) in enumerate(answers):
            for repeat in range(times):
                at = NOW - (number + repeat + 1) * 3600
                store.add(f"{lang}-{article_id}-{repeat}", session(lang, at) + answer(
                    article_id, at + 10))
    return store


def suggestions_from(store, clock=lambda: NOW, **options):
    return Suggestions(kb_catalogue, lambda since: load_answer_counts(store.url, since),
                       clock=clock, **options)


def ids(suggestions):
    return [parse_payload(s["payload"]).entities[0][1] for s in suggestions]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_most_asked_articles_of_the_language_come_first(store, lang):
    assert ids(suggestions_from(store)(lang)) == ANSWERS[lang][1]


def test_the_language_is_the_conversations_at_the_time_of_the_answer(store):
    at = NOW - 100
    # No language slot: the actions answer in English.
    store.add("no-language", [*answer("webinars", at), *answer("webinars", at + 5)])
    # Switched from Russian to Italian mid-conversation.
    store.add("switch", [*session("ru", at), *answer("team-chat", at + 10),
                         slot("language", "it", at + 20), *answer("webinars", at + 30)])
    # A new session resets the slots; action_session_start set none here.
    store.add("new-session", [*session("fr", at), *session(None, at + 40),
                              *answer("webinars", at + 50)])
    counts = load_answer_counts(store.url, NOW - WINDOW_DAYS * DAY)
    assert counts["en"]["webinars"] == 3
    assert counts["ru"]["team-chat"] == 4 and counts["it"]["webinars"] == 1
    assert counts["fr"]["webinars"] == 1  # only the one from ANSWERS


def test_answers_outside_the_window_do_not_count(store):
    old = NOW - (WINDOW_DAYS + 1) * DAY
    for number in range(20):
        store.add(f"old-{number}", session("en", old) + answer("webinars", old + 1))
    # The language was set before the window, the answer is inside it: counted.
    store.add("long", session("nb", old) + answer("webinars", NOW - 50))
    counts = load_answer_counts(store.url, NOW - WINDOW_DAYS * DAY)
    assert "webinars" not in counts["en"] and counts["nb"]["webinars"] == 1


@pytest.mark.parametrize("case", ["no-file", "no-table", "unreachable", "raises", "too-few"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_too_little_data_or_no_store_gives_the_curated_order(tmp_path, lang, case):
    if case == "no-file":
        url = f"sqlite:///{tmp_path / 'missing.db'}"
    elif case == "no-table":
        sqlite3.connect(tmp_path / "empty.db").close()
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    elif case == "unreachable":
        url = "postgresql://nobody@127.0.0.1:1/nothing"
    elif case == "too-few":
        small = Store(tmp_path / "small.db")
        small.add("one", session(lang, NOW - 60) + answer("webinars", NOW - 50))
        url = small.url
    if case == "raises":
        def counts(since):
            raise OSError("disk gone")
    else:
        def counts(since):
            return load_answer_counts(url, since)

    suggested = Suggestions(kb_catalogue, counts, clock=lambda: NOW)(lang)
    assert ids(suggested) == CURATED[lang]
    if case == "no-file":
        assert not (tmp_path / "missing.db").exists()  # reading never creates the store


def test_counts_are_cached_for_ten_minutes(store):
    calls, now = [], [NOW]

    def counts(since):
        calls.append(since)
        return load_answer_counts(store.url, since)

    suggestions = Suggestions(kb_catalogue, counts, clock=lambda: now[0])
    first = suggestions("fr")
    store.add("later", [*session("fr", NOW)] + [
        e for n in range(20) for e in answer("webinars", NOW + n)])
    now[0] += CACHE_SECONDS - 1
    assert suggestions("it") and suggestions("fr") == first and len(calls) == 1
    now[0] += 2
    assert ids(suggestions("fr"))[0] == "webinars" and len(calls) == 2
    assert calls == [NOW - WINDOW_DAYS * DAY, NOW + CACHE_SECONDS + 1 - WINDOW_DAYS * DAY]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_suggestion_is_a_question_in_the_language_that_opens_its_article(store, lang):
    suggested = suggestions_from(store)(lang)
    assert len(suggested) == COUNT
    for suggestion, article_id in zip(suggested, ANSWERS[lang][1], strict=True):
        article = kb_catalogue().by_id[lang][article_id]
        assert suggestion["payload"] == article_payload(article_id)
        payload = parse_payload(suggestion["payload"])
        assert (payload.intent, payload.entities) == ("ask_question",
                                                      (("article_id", article_id),))
        # The help-center channel lets it through without the bot having offered it.
        assert widget_allows(payload, lambda i: i in kb_catalogue().by_id[lang])
        capitalised = [q[:1].upper() + q[1:] for q in article.questions]
        assert suggestion["title"] in (*capitalised, article.title)
        assert suggestion["title"] == question_title(article)
        assert set(suggestion) == {"title", "payload"}


@pytest.mark.parametrize(("questions", "title", "expected"), [
    # A button starts with a capital, whatever the training question's spelling.
    (("how do I record?", "recording stuck"), "Recording", "How do I record?"),
    (("как записать встречу?",), "Запись встречи", "Как записать встречу?"),
    (("recording stuck", "Where are my recordings?"), "Recording",
     "Where are my recordings?"),
    (("recording stuck", "no question here"), "Recording", "Recording"),
    (("x" * 90 + "?", "Short one?"), "Recording", "Short one?"),
])
def test_the_title_is_the_first_short_question(questions, title, expected):
    from types import SimpleNamespace

    assert question_title(SimpleNamespace(questions=questions, title=title)) == expected


@pytest.mark.parametrize(("counts", "expected"), [
    ({}, ["a", "b", "c", "d"]),
    ({"x": 4}, ["a", "b", "c", "d"]),  # fewer than MIN_ANSWERS answers in all
    ({"x": 5}, ["x", "a", "b", "c"]),
    ({"x": 3, "y": 3, "gone": 9}, ["x", "y", "a", "b"]),  # "gone" has no article
    ({"c": 2, "x": 2, "b": 2}, ["b", "c", "x", "a"]),  # ties: curated order, then id
])
def test_choose(counts, expected):
    from collections import Counter

    available = ["a", "b", "c", "d", "e", "x", "y"]
    assert choose(Counter(counts), available, ["a", "b", "c", "d"]) == expected


def widget_config(html):
    found = re.search(r'<script type="application/json" id="helpbot-config">(.*?)</script>',
                      html, re.DOTALL)
    return json.loads(found.group(1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_gives_the_widget_its_suggestions_without_a_conversation(
        tmp_path, demo_database, store, lang):
    settings = Settings(var_dir=tmp_path, environment="development", jwt_secret=TEST_SECRET,
                        rasa_token="r" * 40, service_token="s" * 40,
                        tracker_store_url=store.url)
    client = TestClient(create_web_app(settings, search=lambda q, lang: [], studio=False,
                                       unit_of_work=lambda: UnitOfWork(demo_database)))
    rows = store.rows()
    for path in (f"/{lang}/", f"/{lang}/articles", f"/{lang}/search?q=x"):
        config = widget_config(client.get(path).text)
        assert ids(config["suggestions"]) == ANSWERS[lang][1]
        assert config["suggestions"][0]["title"] == question_title(
            kb_catalogue().by_id[lang][ANSWERS[lang][1][0]])
    assert store.rows() == rows  # showing suggestions stores nothing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_to_a_pressed_suggestion_does_not_count(store, lang):
    """Counting them would keep whatever is suggested on top for ever."""
    at = NOW - 100
    pressed = [{"event": "user", "text": "/ask_question", "timestamp": at,
                "metadata": {"origin": SUGGESTION_ORIGIN, "locale": lang}},
               slot("kb_article_id", "webinars", at + 1)]
    typed_after = [*answer("webinars", at + 10)]
    store.add(f"pressed-{lang}", [*session(lang, at - 1), *pressed, *pressed])
    before = load_answer_counts(store.url, NOW - WINDOW_DAYS * DAY)[lang]["webinars"]
    store.add(f"typed-{lang}", [*session(lang, at - 1), *pressed, *typed_after])
    after = load_answer_counts(store.url, NOW - WINDOW_DAYS * DAY)[lang]["webinars"]
    assert after == before + 1
