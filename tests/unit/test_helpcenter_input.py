"""The help-center channel end to end, without a server: what reaches Rasa, what is refused.

``HelpCenterInput.handle_chat`` is the whole ``POST /webhook``; Rasa's message handler,
the tracker store and the live-agent relay are fakes.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from bot.accounts.identity import IDENTITY_KEY, issue_token
from bot.channels import helpcenter
from bot.channels.gate import ChatGate
from bot.channels.helpcenter import HelpCenterInput
from tests.conftest import LANGUAGES, TEST_SECRET

INVISIBLE_MESSAGES = ["\u200b", "\ufeff", "\u2800", "\u3164 \u115f", "\u200b\u00a0\u2060",
                      "\u202e\u202c", "\ufe0f", "\U000e0020"]
SLASH_QUESTIONS = {
    "ru": ("/ как показать экран", "как показать экран"),
    "nb": ("/ hvordan deler jeg skjermen", "hvordan deler jeg skjermen"),
    "fr": ("/comment partager mon écran", "comment partager mon écran"),
    "it": ("// come condivido lo schermo", "come condivido lo schermo"),
    "en": ("/ how do I share my screen", "how do I share my screen"),
}
GREETINGS = {"ru": "Привет! Ёлка 🎄", "nb": "Hei, blåbær 👋🏽", "fr": "Bonjour, ça va ?",
             "it": "Ciao, perché?", "en": "Hi, it's me 👩‍💻"}


class FakeUnitOfWork:
    owners: dict = {}

    def __init__(self):
        self.accounts = SimpleNamespace(user_account=lambda user_id: (
            object() if user_id == "u-known" else None))
        self.conversations = SimpleNamespace(claim=self.claim)

    def claim(self, sender_id, owner):
        return self.owners.setdefault(sender_id, owner) == owner

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeTrackerStore:
    def __init__(self, events=(), error=None):
        self.events, self.error = list(events), error

    async def retrieve(self, sender_id):
        if self.error:
            raise self.error
        return SimpleNamespace(events=self.events)


class Rasa:
    """Records what reaches Rasa and answers "ok"; or fails like a broken assistant."""

    def __init__(self, fail=False):
        self.received, self.fail = [], fail

    async def __call__(self, message):
        if self.fail:
            raise RuntimeError("model exploded")
        self.received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")


@pytest.fixture()
def relayed(monkeypatch):
    """What reached the live agent; no agent holds the conversation."""
    sent = []

    async def relay(sender_id, text, message_id=None):
        sent.append((sender_id, text))
        return None

    monkeypatch.setattr(helpcenter, "relay_to_agent", relay)
    FakeUnitOfWork.owners = {}
    return sent


@pytest.fixture()
def live(monkeypatch):
    """An agent holds the conversation: what reached the agent, and the tracker log."""
    sent, logged, ids = [], [], []

    async def relay(sender_id, text, message_id=None):
        sent.append((sender_id, text))
        ids.append(message_id)
        return "T-1"

    async def log(agent, message):
        logged.append(message.text)

    monkeypatch.setattr(helpcenter, "relay_to_agent", relay)
    monkeypatch.setattr(helpcenter, "log_during_handoff", log)
    FakeUnitOfWork.owners = {}
    return SimpleNamespace(sent=sent, logged=logged, ids=ids)


@pytest.mark.parametrize(("sent", "relayed"), [
    ("m-42", "m-42"), ("", None), ("x" * 65, None), (42, None), (None, None)])
def test_the_widgets_message_id_keys_the_relay_so_a_retry_arrives_once(live, sent, relayed):
    body = message("still broken")
    body["metadata"]["message_id"] = sent
    assert post(body).status == 200
    assert live.ids == [relayed]


def post(body, rasa=None, authorization=None, store=None):
    channel = HelpCenterInput(ChatGate(TEST_SECRET, FakeUnitOfWork))
    agent = SimpleNamespace(tracker_store=store or FakeTrackerStore())
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return asyncio.run(channel.handle_chat(raw, authorization, agent, rasa or Rasa()))


def message(text, lang="en", sender="s1", **extra):
    return {"sender": sender, "message": text, "metadata": {"locale": lang}, **extra}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("text", INVISIBLE_MESSAGES)
def test_an_invisible_message_is_refused_and_reaches_no_one(relayed, lang, text):
    rasa = Rasa()
    reply = post(message(text, lang), rasa)
    assert (reply.status, reply.body["error"]) == (400, "empty_message")
    assert rasa.received == [] and relayed == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rasa_gets_the_normalised_text(relayed, lang):
    rasa = Rasa()
    padded = "\u200b" + GREETINGS[lang].replace(" ", "\u00a0\u2060 ") + "\ufeff"
    reply = post(message(padded, lang), rasa)
    assert reply.status == 200 and reply.body == [{"recipient_id": "s1", "text": "ok"}]
    assert [m.text for m in rasa.received] == [GREETINGS[lang]]
    assert relayed == [("s1", GREETINGS[lang])]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_slash_question_reaches_rasa_as_words(relayed, lang):
    typed, question = SLASH_QUESTIONS[lang]
    rasa = Rasa()
    assert post(message(typed, lang), rasa).status == 200
    assert [m.text for m in rasa.received] == [question]
    assert relayed == [("s1", typed)]  # a live agent reads what was typed


@pytest.mark.parametrize(
    ("typed", "received"),
    [
        ('/request_human{"x":1}', 'request_human{"x":1}'),
        ('/ask_question{"article_id": "../../etc"}', 'ask_question{"article_id": "../../etc"}'),
        ('/set_priority{"priority": "P9"}', 'set_priority{"priority": "P9"}'),
        ("/restart", "restart"),
        ('/kb_helpful', '/kb_helpful'),
        ('/set_priority{"priority":"P2"}', '/set_priority{"priority": "P2"}'),
    ],
)
def test_only_allowed_payloads_stay_payloads(relayed, typed, received):
    rasa = Rasa()
    assert post(message(typed), rasa).status == 200
    assert [m.text for m in rasa.received] == [received]


# During a live handoff every "/…" is text: for the agent as typed, for the tracker as
# plain words, and never a prediction (Rasa's paused tracker wakes up on /restart).
WAKE_UP_ATTEMPTS = ["/restart", "/session_start", '/rate{"rating": "5"}', "/kb_helpful",
                    '/request_human{"x": 1}', "/greet", "/back"]


@pytest.mark.parametrize("typed", WAKE_UP_ATTEMPTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_typed_during_a_handoff_wakes_the_assistant(live, typed, lang):
    rasa = Rasa()
    for text in (typed, GREETINGS[lang]):
        reply = post(message(text, lang), rasa)
        assert (reply.status, reply.body) == (200, [])
    assert rasa.received == []
    assert live.sent == [("s1", typed), ("s1", GREETINGS[lang])]
    assert [text.startswith("/") for text in live.logged] == [False, False]


def test_a_message_the_log_could_not_keep_is_a_503_not_a_silent_loss(live, monkeypatch):
    async def broken(agent, message):
        raise RuntimeError("tracker store down")

    monkeypatch.setattr(helpcenter, "log_during_handoff", broken)
    reply = post(message("are you there?"))
    assert (reply.status, reply.body["error"]) == (503, "assistant_unavailable")


def offer(payload):
    return [UserUttered("hi"), BotUttered("Pick one", {"buttons": [
        {"title": "This one", "payload": payload}]})]


def test_a_button_the_bot_offered_in_this_conversation_passes(relayed):
    rasa = Rasa()
    payload = '/pick_plan{"plan": "pro"}'
    assert post(message(payload), rasa, store=FakeTrackerStore(offer(payload))).status == 200
    post(message('/pick_plan{"plan": "enterprise"}'), rasa,
         store=FakeTrackerStore(offer(payload)))
    assert [m.text for m in rasa.received] == [payload, 'pick_plan{"plan": "enterprise"}']


def test_an_unreadable_tracker_leaves_the_widget_buttons_working(relayed):
    rasa = Rasa()
    broken = FakeTrackerStore(error=RuntimeError("database down"))
    post(message("/kb_not_helpful"), rasa, store=broken)
    post(message('/pick_plan{"plan": "pro"}'), rasa, store=broken)
    assert [m.text for m in rasa.received] == ["/kb_not_helpful", 'pick_plan{"plan": "pro"}']


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{broken", 400, "invalid_json"),
        (b"[" * 30_000 + b"]" * 30_000, 400, "invalid_json"),
        (b"x" * 70_000, 413, "body_too_large"),
        (message(42), 400, "invalid_message"),
        (message(None), 400, "invalid_message"),
        (message(["hei"]), 400, "invalid_message"),
        (message("x" * 2001), 413, "message_too_long"),
        (message("/"), 400, "empty_message"),
        ({"message": "hi"}, 400, "invalid_sender"),
    ],
    ids=["broken", "deep", "huge body", "number", "null", "list", "too long", "slash",
         "no sender"],
)
def test_bad_input_gets_a_clear_error_and_reaches_no_one(relayed, body, status, code):
    rasa = Rasa()
    reply = post(body, rasa)
    assert (reply.status, reply.body["error"]) == (status, code)
    assert reply.body["detail"] and rasa.received == [] and relayed == []


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {issue_token('u-known', 'not-the-secret-' * 3)}", "Bearer abc.def.ghi",
     "Basic dTpw", "Bearer ", f"Bearer {issue_token('u-nobody', TEST_SECRET)}"],
    ids=["wrong secret", "garbage", "not bearer", "empty", "unknown user"],
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_forged_token_is_refused_before_anything_happens(relayed, authorization, lang):
    rasa = Rasa()
    reply = post(message(GREETINGS[lang], lang), rasa, authorization=authorization)
    assert (reply.status, reply.body["error"]) == (401, "invalid_token")
    assert reply.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    assert rasa.received == [] and relayed == []


def test_a_signed_in_user_gets_signed_identity_and_others_cannot_write_in(relayed):
    rasa = Rasa()
    token = f"Bearer {issue_token('u-known', TEST_SECRET)}"
    spoof = message("hei", "nb", sender="c1")
    spoof["metadata"][IDENTITY_KEY] = {"user_id": "u-ent-plus", "sig": "0" * 64}
    assert post(spoof, rasa, authorization=token).status == 200
    assert rasa.received[0].metadata[IDENTITY_KEY]["user_id"] == "u-known"
    intruder = post(message("hei", "nb", sender="c1"), rasa)
    assert (intruder.status, intruder.body["error"]) == (403,
                                                         "conversation_owned_by_another_identity")
    assert len(rasa.received) == 1


def test_a_failing_assistant_is_a_503(relayed):
    reply = post(message("hello"), Rasa(fail=True))
    assert (reply.status, reply.body["error"]) == (503, "assistant_unavailable")


def route(channel, uri, method):
    """The channel's handler of one route (the blueprint as Rasa mounts it)."""
    blueprint = channel.blueprint(Rasa())
    return next(r.handler for r in blueprint._future_routes
                if r.uri == uri and method in r.methods)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_is_answered_before_the_warm_up_and_the_probe_says_so(relayed, lang):
    channel = HelpCenterInput(ChatGate(TEST_SECRET, FakeUnitOfWork))
    request = SimpleNamespace(body=json.dumps(message(GREETINGS[lang], lang)).encode(),
                              headers={}, app=SimpleNamespace(ctx=SimpleNamespace()))
    reply = asyncio.run(route(channel, "/webhook", "POST")(request))
    assert reply.status == 503 and json.loads(reply.body)["error"] == "assistant_unavailable"
    assert asyncio.run(route(channel, "/", "GET")(request)).status == 503
    assert relayed == []  # the message reached no one; the widget keeps it to retry
    channel.warm = True
    assert asyncio.run(route(channel, "/", "GET")(request)).status == 200


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_database_outage_at_admission_is_a_503_to_retry(relayed, monkeypatch, lang):
    from sqlalchemy.exc import OperationalError

    def down(self, sender_id, owner):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(FakeUnitOfWork, "claim", down)
    rasa = Rasa()
    reply = post(message(GREETINGS[lang], lang), rasa)
    assert (reply.status, reply.body["error"]) == (503, "assistant_unavailable")
    assert rasa.received == [] and relayed == []
