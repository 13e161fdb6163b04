"""The escalation actions, rasa-sdk style: a Tracker, a CollectingDispatcher, events."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import (
    ActionCancelReport,
    ActionCompleteHandoff,
    ActionExplainSupport,
    ActionProposePriority,
    ActionRequestHuman,
)
from bot import composition
from bot.accounts.identity import GUEST, IDENTITY_KEY, Identity, with_identity
from bot.escalation.priority_classifier import Prediction
from bot.web.labels import all_labels
from tests.conftest import LANGUAGES, TEST_SECRET
from tests.fakes import FakeLiveAgent
from tests.trackers import make_tracker, parse_data, user_event

SENDER = "conversation-1"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


def tracker(user_id=None, lang="en", text="I want to talk to a person",
            intent="request_human", slots=None, metadata=None, entities=()):
    signed = with_identity(metadata or {}, Identity(user_id) if user_id else GUEST, SENDER,
                           TEST_SECRET)
    latest = parse_data(text, intent, entities=entities, metadata=signed)
    return make_tracker(latest, sender=SENDER, language=lang, slots=slots,
                        events=[user_event(latest)])


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


def escalation(messages):
    payloads = [m["custom"]["escalation"] for m in messages if m.get("custom")]
    assert len(payloads) == 1, messages
    return payloads[0]


SELF = ["knowledge_base", "video_tutorials", "community_forum", "assistant"]

# A help-center path or URL (what the widget's richText would make a link), or an
# unfilled `{..._url}` field: never in a text shown with a card, which links the pages.
RAW_PATH = re.compile(r"https?://|/(?:ru|nb|fr|it|en)/|/(?:articles|videos|community|forms|"
                      r"contact)\b|\{\w*_url\}")


def texts_shown_with_a_card(messages):
    return [m["text"] for m in messages if m.get("custom") and m.get("text")]


@pytest.fixture(autouse=True)
def frozen(demo_database):
    composition.override("clock", lambda: NOW)
    yield
    composition.override("clock", None)


@pytest.fixture(autouse=True)
def live_agent():
    service = FakeLiveAgent(online=True, agent_language="en")
    composition.override("live_agent_client", service)
    yield service
    composition.override("live_agent_client", None)


# The seeds' outcome for every demo user.
OUTCOMES = [
    (None, "self_service", SELF, None),
    ("u-free", "self_service", SELF, None),
    ("u-pro-admin", "handoff", ["live_chat", "web_ticket"], None),
    ("u-pro-member", "self_service", SELF, None),
    ("u-biz-admin", "handoff", ["live_chat", "web_ticket", "phone"], "+33.800.94.64.64"),
    ("u-edu-admin", "handoff", ["live_chat", "web_ticket", "phone"], "+1.888.799.9666"),
    ("u-ent-admin", "handoff", ["live_chat", "web_ticket", "phone"], "+44.800.368.7314"),
    ("u-ent-member", "self_service", SELF, None),
    ("u-api-owner", "handoff", ["live_chat", "web_ticket", "phone"], "+81.053.132.0070"),
    ("u-ent-plus", "handoff", ["live_chat", "web_ticket", "phone"], "+65.800.321.1249"),
]


WANT_TO_REPORT = {"en": "I'd like to report a problem with the app",
                  "fr": "je veux signaler un bug dans l'appli",
                  "it": "vorrei segnalare un problema con l'app",
                  "nb": "jeg vil melde fra om en feil",
                  "ru": "хочу сообщить об ошибке в приложении"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("user_id", "decision", "channels", "phone"), OUTCOMES)
def test_reporting_a_problem_never_refuses_a_person_nobody_asked_for(
        user_id, decision, channels, phone, lang):
    messages, events = run(ActionRequestHuman(), tracker(
        user_id, lang, text=WANT_TO_REPORT[lang], intent="report_problem"))
    assert SlotSet("escalation_decision", decision) in events
    if decision == "self_service":
        assert messages == []  # the rule goes on with how to report it
    else:
        assert escalation(messages)["decision"] == "handoff"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("user_id", "decision", "channels", "phone"), OUTCOMES)
def test_request_human_follows_the_seeds(user_id, decision, channels, phone, lang):
    messages, events = run(ActionRequestHuman(), tracker(user_id, lang))
    assert escalation(messages) == {
        "decision": decision, "channels": channels, "priority": None,
        "first_response_hours": None, "resolution_hours": None, "ticket_id": None,
        "agent_language": None}
    assert SlotSet("escalation_decision", decision) in events
    text = messages[0]["text"]
    if phone:
        assert phone in text
    else:
        assert "+1.888" not in text and "+44" not in text
    if decision == "self_service":
        # The card links the pages by name; the text names the contact page, no path.
        assert all_labels()[lang]["site"]["contact_support"] in text
        assert not RAW_PATH.search(text), text


CLAIMS = {
    "ru": "я администратор аккаунта Enterprise с поддержкой Premier+, срочно дайте человека",
    "nb": "jeg er administrator på Enterprise med Premier+, gi meg en person nå",
    "fr": "je suis administrateur d'un compte Enterprise Premier+, passez-moi un humain",
    "it": "sono l'amministratore di un account Enterprise Premier+, voglio un operatore",
    "en": "I'm the admin of an Enterprise account with Premier+, get me a human now",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("user_id", [None, "u-free", "u-pro-member", "u-ent-member"])
def test_claims_about_plan_or_role_change_nothing(user_id, lang):
    claim = tracker(user_id, lang, text=CLAIMS[lang], entities=[
        {"entity": "plan", "value": "enterprise"}, {"entity": "role", "value": "admin"}],
        slots={"plan": "enterprise", "role": "admin", "support_tier": "premier_plus"})
    messages, _ = run(ActionRequestHuman(), claim)
    assert escalation(messages)["decision"] == "self_service"


def test_forged_identity_metadata_is_a_guest():
    forged = tracker(None)
    forged.latest_message["metadata"] = {
        IDENTITY_KEY: {"user_id": "u-ent-plus", "sig": "0" * 64}}
    messages, _ = run(ActionRequestHuman(), forged)
    assert escalation(messages)["decision"] == "self_service"
    assert "sign in" in messages[0]["text"].lower()


def test_database_down_gives_a_clear_answer_not_a_crash(monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken():
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    composition.override("session_factory", broken)
    messages, events = run(ActionRequestHuman(), tracker("u-biz-admin", "fr"))
    assert "vérifier votre compte" in messages[0]["text"]
    assert SlotSet("escalation_decision", "self_service") in events


@pytest.mark.parametrize(
    ("user_id", "lang", "expected"),
    [
        (None, "ru", ["не вошли"]),
        ("u-free", "en", ["Dana Brooks", "owner", "Basic", "free Basic plan"]),
        ("u-pro-admin", "nb", ["Ingrid Halvorsen", "eier", "Pro", "P1 (haster) 1 t"]),
        ("u-ent-admin", "en", ["Premier", "resolution targets", "+44.20.7039.8961"]),
        ("u-ent-plus", "ru", ["Premier+", "P1 — 4 ч", "+65.800.321.1249"]),
        ("u-edu-admin", "it", ["Giulia Romano", "Stati Uniti", "chiave host"]),
    ],
)
def test_what_support_do_i_have(user_id, lang, expected):
    messages, _ = run(ActionExplainSupport(), tracker(user_id, lang, intent="ask_my_plan"))
    for fragment in expected:
        assert fragment in messages[0]["text"]


class FakeClassifier:
    def __init__(self, priority):
        self.priority = priority
        self.calls = []

    def predict(self, text, vector=None):
        self.calls.append((text, vector))
        return Prediction(self.priority, {self.priority: 0.9})


REPORT = {"problem_product": "webinar", "problem_description": "attendees cannot join",
          "problem_time": "2026-11-21T15:00+00:00", "problem_logs": True,
          "problem_request_id": "none"}


def test_proposes_a_priority_with_buttons_for_the_others():
    composition.override("priority_classifier", FakeClassifier("P2"))
    try:
        messages, events = run(ActionProposePriority(),
                               tracker("u-pro-admin", "fr", slots=REPORT))
    finally:
        composition.override("priority_classifier", None)
    assert events == [SlotSet("priority", "P2")]
    assert "P2" in messages[0]["text"] and "4 h" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == "/affirm" and len(payloads) == 4
    assert not any('"P2"' in p for p in payloads)


def test_a_no_to_the_proposal_lists_all_four_priorities():
    rejected = tracker("u-pro-admin", "it", intent="deny", slots=REPORT)
    rejected.events[:0] = [{"event": "action", "name": "action_propose_priority"},
                           {"event": "action", "name": "action_listen"}]
    messages, events = run(ActionProposePriority(), rejected)
    assert events == [] and len(messages[0]["buttons"]) == 4


def test_skipping_the_last_question_still_gets_a_proposal():
    """"Skip" (deny) answers the request-ID question; it is not a "no" to a proposal."""
    composition.override("priority_classifier", FakeClassifier("P3"))
    try:
        skipped = tracker("u-pro-admin", "en", intent="deny", slots=REPORT)
        skipped.events[:0] = [{"event": "action", "name": "problem_report_form"},
                              {"event": "action", "name": "action_listen"}]
        messages, events = run(ActionProposePriority(), skipped)
    finally:
        composition.override("priority_classifier", None)
    assert events == [SlotSet("priority", "P3")]


@pytest.mark.parametrize(
    ("user_id", "priority", "first", "resolution", "due", "resolution_due"),
    [
        ("u-pro-admin", "P3", 24, None, "(by 23 November at 09:00 GMT)", None),
        ("u-biz-admin", "P1", 1, None, "(by 22 November at 10:00 GMT)", None),
        ("u-ent-admin", "P2", 4, 24, "(by 22 November at 13:00 GMT)",
         "(by 23 November at 09:00 GMT)"),
        ("u-ent-plus", "P1", 1, 4, "(by 22 November at 10:00 GMT)",
         "(by 22 November at 13:00 GMT)"),
        ("u-ent-plus", "P4", 24, None, "(by 23 November at 09:00 GMT)", None),
    ],
)
def test_completed_request_carries_priority_targets_and_due_times(
        user_id, priority, first, resolution, due, resolution_due, live_agent):
    messages, events = run(ActionCompleteHandoff(), tracker(
        user_id, "en", intent="affirm", slots={**REPORT, "priority": priority}))
    payload = escalation(messages)
    (ticket,) = live_agent.tickets.values()
    assert (payload["decision"], payload["priority"], payload["first_response_hours"],
            payload["resolution_hours"], payload["ticket_id"], payload["agent_language"]) == (
        "handoff", priority, first, resolution, ticket["id"], "en")
    assert ticket["user_id"] == user_id and ticket["priority"] == priority
    assert ticket["report"]["description"] == "attendees cannot join"
    assert ticket["transcript"] == [{"from": "user", "text": "I want to talk to a person",
                                     "at": None, "lang": "en"}]
    assert ticket["report"]["timezone"] == "UTC"
    assert due in messages[0]["text"] and ticket["id"] in messages[0]["text"]
    if resolution_due:
        assert resolution_due in messages[0]["text"]
    assert SlotSet("problem_description", None) in events
    assert SlotSet("last_ticket_id", ticket["id"]) in events
    assert ConversationPaused() in events


def test_a_retried_completion_is_the_same_ticket(live_agent):
    done = tracker("u-biz-admin", "fr", intent="affirm", slots={**REPORT, "priority": "P2"})
    first, _ = run(ActionCompleteHandoff(), done)
    again, _ = run(ActionCompleteHandoff(), done)
    assert len(live_agent.tickets) == 1
    assert escalation(first)["ticket_id"] == escalation(again)["ticket_id"]


def test_nobody_online_means_an_email_answer_and_no_pause(live_agent):
    live_agent.online = False
    messages, events = run(ActionCompleteHandoff(), tracker(
        "u-ent-plus", "ru", intent="affirm", slots={**REPORT, "priority": "P1"}))
    assert "a.volkov@meridianpacific.example" in messages[0]["text"]
    assert "на другом языке: английский" in messages[0]["text"]  # no Russian-speaking agents
    assert ConversationPaused() not in events


def test_service_down_queues_the_ticket_and_still_registers_it(live_agent):
    live_agent.up = False
    messages, events = run(ActionCompleteHandoff(), tracker(
        "u-pro-admin", "nb", intent="affirm", slots={**REPORT, "priority": "P3"}))
    payload = escalation(messages)
    assert payload["ticket_id"] and payload["ticket_id"] in messages[0]["text"]
    assert "lagret" in messages[0]["text"]
    with composition.unit_of_work() as uow:
        (queued,) = uow.outbox.pending()
        assert queued.kind == "create_ticket" and queued.payload["id"] == payload["ticket_id"]
    assert ConversationPaused() in events


def test_due_times_are_shown_in_the_users_time_zone():
    messages, _ = run(ActionCompleteHandoff(), tracker(
        "u-biz-admin", "fr", intent="affirm", slots={**REPORT, "priority": "P2"},
        metadata={"timezone": "Europe/Paris"}))
    assert "au plus tard le 22 novembre à 14:00 UTC+01:00" in messages[0]["text"]


@pytest.mark.parametrize(
    ("user_id", "slots", "key_text"),
    [
        ("u-pro-admin", {"priority": "P2"}, "no open request"),
        ("u-pro-admin", {**REPORT, "priority": "P9"}, "Which priority"),
        ("u-free", {**REPORT, "priority": "P1"}, "can't be passed"),
    ],
)
def test_completion_refuses_what_it_cannot_do(user_id, slots, key_text):
    messages, _ = run(ActionCompleteHandoff(), tracker(user_id, "en", intent="affirm",
                                                       slots=slots))
    assert key_text in messages[0]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cancel_forgets_the_report(lang):
    messages, events = run(ActionCancelReport(), tracker("u-pro-admin", lang,
                                                         intent="cancel", slots=REPORT))
    assert messages[0]["text"]
    assert SlotSet("problem_description", None) in events
    assert SlotSet("requested_slot", None) in events


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("user_id", [outcome[0] for outcome in OUTCOMES])
def test_no_text_shown_with_a_card_carries_a_raw_path(user_id, lang):
    # Every reply that comes with an escalation card, for every demo user and language:
    # the card links the pages by name, so a path in the text would be a second link.
    replies = []
    replies += run(ActionRequestHuman(), tracker(user_id, lang))[0]
    replies += run(ActionExplainSupport(), tracker(user_id, lang, intent="ask_my_plan"))[0]
    replies += run(ActionCompleteHandoff(), tracker(
        user_id, lang, intent="affirm", slots={**REPORT, "priority": "P2"}))[0]
    texts = texts_shown_with_a_card(replies)
    assert len(texts) == 3, replies
    assert [t for t in texts if RAW_PATH.search(t)] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_database_down_answer_carries_no_raw_path(lang):
    from sqlalchemy.exc import OperationalError

    def broken():
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    composition.override("session_factory", broken)
    messages, _ = run(ActionRequestHuman(), tracker("u-biz-admin", lang))
    (text,) = texts_shown_with_a_card(messages)
    assert not RAW_PATH.search(text), text
