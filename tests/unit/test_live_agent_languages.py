"""Agents who do not speak the user's language: what the transcript, summary, canned
replies, article cards and the widget's updates carry (table-driven, five languages)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.channels.live_relay import AgentMessage, ArticleCard, updates
from bot.handoff.transcript import transcript_entries
from bot.live_agent.agent_texts import LANGUAGES, canned_replies, canned_text, console_texts
from bot.live_agent.api import schemas
from bot.live_agent.ticket_summary import readable_report, ticket_summary
from tests.unit.test_live_agent_api import BOT, api, clock, service, ticket_body  # noqa: F401

WIDGET = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "widget.js"
CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "live_agent" / "static"

# Per language: the priority question's "yes" button, the product button, a 👎 vote.
CLICKS = {
    "ru": ("Да, всё верно", "Вебинары"), "nb": ("Ja, det stemmer", "Webinarer"),
    "fr": ("Oui, c'est bien ça", "Webinaires"), "it": ("Sì, è corretto", "Webinar"),
    "en": ("Yes, that's right", "Webinars"),
}


def events(lang):
    yes, webinar = CLICKS[lang]
    return [
        {"event": "slot", "name": "language", "value": lang},
        {"event": "user", "text": "audio", "timestamp": 1.0},
        {"event": "bot", "text": "summary", "timestamp": 2.0,
         "data": {"custom": {"kb": {"article_id": "audio-not-working", "lang": lang,
                                    "title": f"Audio {lang}", "url": f"/{lang}/articles/a"}}}},
        {"event": "bot", "text": "helpful?", "timestamp": 3.0,
         "data": {"buttons": [{"title": "👍", "payload": "/kb_helpful"},
                              {"title": "👎", "payload": "/kb_not_helpful"}]}},
        {"event": "user", "text": "/kb_not_helpful", "timestamp": 4.0},
        {"event": "bot", "text": "product?", "timestamp": 5.0,
         "data": {"buttons": [{"title": webinar, "payload": "webinar"}]}},
        {"event": "user", "text": "webinar", "timestamp": 6.0},
        {"event": "bot", "text": "P2?", "timestamp": 7.0,
         "data": {"buttons": [{"title": yes, "payload": "/affirm"},
                              {"title": "No", "payload": "/deny"}]}},
        {"event": "user", "text": "/affirm", "timestamp": 8.0},
        {"event": "user", "text": "/affirm", "timestamp": 9.0},  # typed, after no new buttons
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_transcript_shows_the_titles_the_user_clicked(lang):
    yes, webinar = CLICKS[lang]
    lines = transcript_entries(events(lang))
    users = [line for line in lines if line["from"] == "user"]
    assert [u["text"] for u in users] == ["audio", "👎", webinar, yes, yes]
    assert [u.get("payload") for u in users] == [None, "/kb_not_helpful", "webinar",
                                                  "/affirm", "/affirm"]
    assert users[1]["vote"] == "down"
    assert {line["lang"] for line in lines} == {lang}
    assert lines[1]["article"]["article_id"] == "audio-not-working"


def test_an_unknown_payload_stays_as_sent_and_marked():
    lines = transcript_entries([{"event": "user", "text": "/restart"}])
    assert lines == [{"from": "user", "text": "/restart", "at": None, "lang": "en",
                      "payload": "/restart"}]


def test_a_message_takes_the_language_its_own_turn_set():
    # As Rasa stores it: the user message, then the slot the turn set from it.
    lines = transcript_entries([
        {"event": "user", "text": "соедините меня со специалистом"},
        {"event": "slot", "name": "language", "value": "ru"},
        {"event": "bot", "text": "Чем помочь?"},
        {"event": "user", "text": "hello"},
        {"event": "bot", "text": "Здравствуйте"},
        {"event": "slot", "name": "language", "value": "en"},  # after the reply: later
        {"event": "bot", "text": "Hi"},
    ])
    assert [line["lang"] for line in lines] == ["ru", "ru", "ru", "ru", "en"]


REPORT = {"product": "webinar", "description": "the link is broken",
          "time": "2026-11-30T15:00:00+03:00", "logs": True, "request_id": "none",
          "timezone": "Europe/Moscow"}


@pytest.mark.parametrize(("agent_lang", "product", "yes", "none", "when"), [
    ("en", "Webinars", "Yes", "None given", "30 Nov 2026, 15:00"),
    ("ru", "Вебинары", "Да", "Не указан", "30 нояб. 2026, 15:00"),
    ("nb", "Webinarer", "Ja", "Ikke oppgitt", "30. nov. 2026, 15:00"),
    ("fr", "Webinaires", "Oui", "Non fourni", "30 nov. 2026, 15:00"),
    ("it", "Webinar", "Sì", "Non indicato", "30 nov 2026, 15:00"),
])
def test_the_report_reads_in_the_agents_language(agent_lang, product, yes, none, when):
    lines = {line["key"]: line["value"] for line in readable_report(REPORT, agent_lang)}
    assert (lines["product"], lines["logs"], lines["request_id"]) == (product, yes, none)
    assert lines["time"].replace(" ", " ") == when
    assert not any(v in ("True", "true", "none", REPORT["time"]) for v in lines.values())


@pytest.mark.parametrize(("user_lang", "headline", "vote"), [
    ("ru", "Business plan · writes in Russian · answer in English · P2 – high",
     "not helpful"),
    ("nb", "Business plan · writes in Norwegian · answer in English · P2 – high",
     "not helpful"),
    ("fr", "Business plan · writes in French · P2 – high", "not helpful"),
    ("it", "Business plan · writes in Italian · P2 – high", "not helpful"),
    ("en", "Business plan · writes in English · P2 – high", "not helpful"),
])
def test_the_summary_of_a_ticket_in_each_language(user_lang, headline, vote):
    summary = ticket_summary({
        "plan": "business", "language": user_lang,
        "agent_language": user_lang if user_lang in ("fr", "it", "en") else "en",
        "priority": "P2", "created_at": datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc),
        "report": REPORT, "transcript": transcript_entries(events(user_lang))})
    assert summary["headline"] == headline
    assert summary["what"] == "Webinars: the link is broken (30 Nov 2026, 15:00)"
    assert summary["reported"] == "30 Nov 2026, 16:00"  # the user's time (Moscow)
    assert [(a["title"], a["vote_label"]) for a in summary["articles"]] == [
        (f"Audio {user_lang}", vote)]


# The user's free text cannot be translated here (no network, no MT model): the summary
# says which language it is in when the reader's differs.
@pytest.mark.parametrize(("user_lang", "reader", "note"), [
    ("ru", "en", "in Russian, as the user wrote it (not translated)"),
    ("nb", "en", "in Norwegian, as the user wrote it (not translated)"),
    ("fr", "en", "in French, as the user wrote it (not translated)"),
    ("it", "en", "in Italian, as the user wrote it (not translated)"),
    ("en", "en", ""),
    ("ru", "fr", "en russe, tel que l'utilisateur l'a écrit (non traduit)"),
    ("en", "ru", "на языке: английский, как написал пользователь (без перевода)"),
    ("it", "nb", "på italiensk, slik brukeren skrev det (ikke oversatt)"),
    ("fr", "it", "in francese, come l'ha scritto l'utente (non tradotto)"),
    ("it", "it", ""),
])
def test_the_summary_says_the_users_words_are_not_translated(user_lang, reader, note):
    summary = ticket_summary({"plan": "pro", "language": user_lang, "agent_language": "en",
                              "priority": "P3", "report": REPORT, "transcript": []}, reader)
    assert summary["what_language"] == note


# No emoji-only (or emoji-carrying) label: the console has no emoji font.
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_label_of_the_summary_or_console_is_an_emoji(lang):
    summary = ticket_summary({"plan": "pro", "language": lang, "priority": "P3",
                              "report": REPORT, "transcript": transcript_entries(events(lang))},
                             lang)
    assert [EMOJI.findall(a["vote_label"]) for a in summary["articles"]] == [[]]
    texts = console_texts(lang)["texts"]
    assert {k: v for k, v in texts.items() if EMOJI.search(str(v))} == {}
    for page in ("console.js", "console.html"):
        assert EMOJI.findall((CONSOLE / page).read_text(encoding="utf-8")) == [], page


# The canned reply the agent sent, in the agent's language too (?lang=), to read back.
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_sent_canned_reply_reads_in_the_agents_language(api, lang):  # noqa: F811
    assert api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"},
                    json=ticket_body(language=lang)).status_code == 201
    claim(api)
    api.post("/api/tickets/T-1/messages", json={"canned": "looking_into_it"})
    api.post("/api/tickets/T-1/messages", json={"text": "typed"})
    for reader in LANGUAGES:
        sent = api.get(f"/api/tickets/T-1/messages?lang={reader}").json()
        expected = (None if reader == lang else
                    canned_text("looking_into_it", reader, "Camille Moreau", "Alice Turner"))
        assert [m["agent_text"] for m in sent] == [expected, None], (lang, reader)
    assert api.get("/api/tickets/T-1/messages?lang=de").status_code == 422


def test_an_old_ticket_still_summarises():
    summary = ticket_summary({"plan": "pro", "language": "fr", "agent_language": "fr",
                              "priority": "P3", "report": {"product": "phone"},
                              "transcript": [{"from": "user", "text": "/affirm"}]})
    assert summary["what"] == "Phone calls: None given (None given)"
    assert summary["articles"] == [] and summary["reported"] == ""


@pytest.mark.parametrize(("lang", "expected"), [
    ("ru", "Здравствуйте, Alexei! Меня зовут Alice"),
    ("nb", "Hei, Alexei! Jeg heter Alice"),
    ("fr", "Bonjour Alexei, je suis Alice"),
    ("it", "Ciao Alexei, sono Alice"),
    ("en", "Hi Alexei, I'm Alice"),
])
def test_canned_replies_in_the_users_language(lang, expected):
    assert canned_text("greeting", lang, "Alexei Volkov", "Alice Turner").startswith(expected)
    for reply in canned_replies():
        assert set(reply["texts"]) == set(LANGUAGES)
        assert all("{" not in canned_text(reply["id"], code, "A", "B") for code in LANGUAGES)


def claim(api, agent="alice"):  # noqa: F811
    api.post("/api/login", json={"agent_id": agent, "password": f"{agent}-demo-password"})
    return api.post("/api/tickets/T-1/claim")


@pytest.mark.parametrize(("lang", "start"), [
    ("ru", "Здравствуйте"), ("nb", "Hei"), ("fr", "Bonjour"), ("it", "Ciao"), ("en", "Hi"),
])
def test_an_english_agent_sends_a_canned_reply_and_an_article_in_the_users_language(
        api, lang, start):  # noqa: F811
    assert api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"},
                    json=ticket_body(language=lang)).status_code == 201
    claimed = claim(api)
    assert claimed.status_code == 200
    assert claimed.json()["claimed_by_name"] == "Alice Turner"
    assert claimed.json()["summary"]["product"] == "Webinars"
    canned = api.post("/api/tickets/T-1/messages", json={"canned": "greeting"}).json()
    assert canned["text"].startswith(start) and canned["lang"] == lang
    typed = api.post("/api/tickets/T-1/messages", json={"text": "checking"}).json()
    assert typed["lang"] == "en" and typed["kind"] == "text"
    card = {"article_id": "audio-not-working", "lang": lang, "title": "T", "summary": "S",
            "url": f"/{lang}/articles/audio"}
    article = api.post("/api/tickets/T-1/messages", json={"kind": "article", "card": card})
    assert article.status_code == 201, article.text
    assert (article.json()["kind"], article.json()["card"], article.json()["text"]) == (
        "article", card, "S")
    user = api.post("/api/tickets/T-1/messages", headers=BOT, json={"text": "ok"}).json()
    assert user["lang"] == lang


@pytest.mark.parametrize("body", [
    {"kind": "article"},
    {"kind": "article", "card": {"article_id": "a", "lang": "ru", "title": "t",
                                 "url": "javascript:alert(1)"}},
    {"canned": "no-such-reply"},
])
def test_bad_articles_and_replies_are_refused(api, body):  # noqa: F811
    api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"}, json=ticket_body())
    claim(api)
    assert api.post("/api/tickets/T-1/messages", json=body).status_code in (404, 422)


def test_the_assistant_cannot_send_articles(api):  # noqa: F811
    api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"}, json=ticket_body())
    assert api.post("/api/tickets/T-1/messages", headers=BOT,
                    json={"canned": "greeting"}).status_code == 422


def test_the_queue_carries_the_last_message_id_for_the_unread_mark(api):  # noqa: F811
    api.post("/api/tickets", headers={**BOT, "Idempotency-Key": "k"}, json=ticket_body())
    assert api.get("/api/tickets", headers=BOT).json()[0]["last_message_id"] == 0
    sent = api.post("/api/tickets/T-1/messages", headers=BOT, json={"text": "hi"}).json()
    assert api.get("/api/tickets", headers=BOT).json()[0]["last_message_id"] == sent["id"]


def test_the_canned_replies_are_listed(api):  # noqa: F811
    claim(api)
    replies = api.get("/api/canned").json()
    assert [r["id"] for r in replies] == ["greeting", "looking_into_it", "closing"]


class Service:
    """The live-agent client, faked: a claimed ticket without any message yet."""

    def __init__(self, conversation):
        self.conversation = conversation

    def messages(self, ticket_id, after=0):
        return [m for m in self.conversation if m["id"] > after]

    def ticket(self, ticket_id):
        return {"status": "claimed", "claimed_by": "alice", "claimed_by_name": "Alice Turner"}


def poll_updates(demo_database, conversation):
    from bot import composition

    with composition.unit_of_work() as uow:
        uow.handoffs.add("T-1", "s-1", "live", "en")

    async def resume(sender):
        return []

    return asyncio.run(updates("s-1", 0, Service(conversation), composition.unit_of_work,
                               resume))


def test_the_widget_learns_who_joined_at_the_claim(demo_database):
    state = poll_updates(demo_database, [])
    assert state["handoff"]["status"] == "with_agent"
    assert state["handoff"]["agent_name"] == "Alice Turner"


def test_an_article_reaches_the_widget_typed(demo_database):
    card = {"article_id": "a", "lang": "ru", "title": "Звук", "summary": "S", "url": "/ru/a"}
    state = poll_updates(demo_database, [
        {"id": 1, "author": "agent", "text": "S", "agent_name": "Alice Turner",
         "at": "2026-12-01T00:00:00+00:00", "kind": "article", "lang": "ru", "card": card},
        {"id": 2, "author": "agent", "text": "old", "agent_name": "Alice Turner"}])
    assert state["messages"][0]["card"] == card and state["messages"][0]["kind"] == "article"
    assert state["messages"][1]["kind"] == "text" and state["messages"][1]["card"] is None


def test_the_wire_formats_agree():
    assert set(ArticleCard.__annotations__) == set(schemas.ArticleCard.__fields__)
    assert set(AgentMessage.__annotations__) <= set(schemas.MessageOut.__fields__)
    script = WIDGET.read_text(encoding="utf-8")
    body = script.split("function applyUpdates(", 1)[1].split("\n  function ", 1)[0]
    assert set(re.findall(r"\bmessage\.([a-z_]+)", body)) <= set(AgentMessage.__annotations__)
    assert "agent_joined" in body
