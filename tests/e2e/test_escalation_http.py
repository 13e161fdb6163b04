"""End-to-end: identity, entitlement and the problem report over the help-center channel.

Every demo user, in every language: ask for a person, report a problem, ask what
support they have. The outcome must be exactly the seeds' rules, from the account
database, whatever the user claims.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from bot.accounts.identity import IDENTITY_KEY, issue_token
from tests.e2e.helpers import ADMINS, PHRASES, REPORTS, Chat, assert_language, escalation

pytestmark = pytest.mark.e2e

SELF = ["knowledge_base", "video_tutorials", "community_forum", "assistant"]
CHAT_TICKET = ["live_chat", "web_ticket"]
ALL = ["live_chat", "web_ticket", "phone"]
OUTCOMES = {
    None: ("self_service", SELF),
    "u-free": ("self_service", SELF),
    "u-pro-admin": ("handoff", CHAT_TICKET),
    "u-pro-member": ("self_service", SELF),
    "u-biz-admin": ("handoff", ALL),
    "u-edu-admin": ("handoff", ALL),
    "u-ent-admin": ("handoff", ALL),
    "u-ent-member": ("self_service", SELF),
    "u-api-owner": ("handoff", ALL),
    "u-ent-plus": ("handoff", ALL),
}


def token_for(product, user_id):
    return issue_token(user_id, product.jwt_secret) if user_id else None


@pytest.mark.parametrize("language", list(PHRASES))
@pytest.mark.parametrize("user_id", list(OUTCOMES))
def test_every_demo_user_gets_the_seeds_outcome(product, texts_by_language, user_id,
                                                language):
    decision, channels = OUTCOMES[user_id]
    phrases = PHRASES[language]
    token = token_for(product, user_id)

    # Ask for a person.
    chat = Chat(product, token=token, metadata={"locale": language})
    replies = chat.send(phrases["human"])
    payload = escalation(replies)
    assert payload == {"decision": decision, "channels": channels, "priority": None,
                       "first_response_hours": None, "resolution_hours": None,
                       "ticket_id": None, "agent_language": None}, replies
    assert_language([r["text"] for r in replies if "text" in r], language, texts_by_language)
    if decision == "handoff":
        # The report form starts: its first question, with the product buttons.
        assert any("webinar" in
                   [b["payload"] for b in r.get("buttons", [])] for r in replies), replies

    # Ask to report a problem: the report form for those who may reach a person; how to
    # report it, with no refusal of a person nobody asked for, for everyone else.
    chat = Chat(product, token=token, metadata={"locale": language})
    replies = chat.send(phrases["problem"])
    if decision == "handoff":
        assert escalation(replies)["decision"] == "handoff", replies
    else:
        assert escalation(replies) is None, replies
        assert any(r.get("text") for r in replies), replies

    # What support do I have?
    chat = Chat(product, token=token, metadata={"locale": language})
    replies = chat.send(phrases["support"])
    assert escalation(replies)["channels"] == channels, replies
    assert_language([r["text"] for r in replies if "text" in r], language, texts_by_language)


@pytest.mark.parametrize("language", list(PHRASES))
@pytest.mark.parametrize("user_id", [None, "u-free", "u-pro-member", "u-ent-member"])
def test_claiming_a_plan_changes_nothing(product, user_id, language):
    chat = Chat(product, token=token_for(product, user_id), metadata={"locale": language})
    assert escalation(chat.send(PHRASES[language]["claim"]))["decision"] == "self_service"


def test_client_sent_identity_metadata_is_discarded(product):
    spoof = {"locale": "en", IDENTITY_KEY: {"user_id": "u-ent-plus", "sig": "0" * 64}}
    chat = Chat(product, metadata=spoof)
    assert escalation(chat.send(PHRASES["en"]["human"]))["decision"] == "self_service"
    spoof_with_payload = Chat(product, metadata=spoof)
    replies = spoof_with_payload.send("/request_human")
    assert escalation(replies)["decision"] == "self_service"


def forged_tokens(product):
    now = datetime.now(timezone.utc)
    return {
        "wrong secret": jwt.encode({"sub": "u-ent-plus", "exp": now + timedelta(hours=1)},
                                   "not-the-secret-" * 3, algorithm="HS256"),
        "expired": issue_token("u-ent-plus", product.jwt_secret, now=now - timedelta(days=1)),
        "no expiry": jwt.encode({"sub": "u-ent-plus"}, product.jwt_secret, algorithm="HS256"),
        "unknown user": issue_token("u-nobody", product.jwt_secret),
        "garbage": "abc.def.ghi",
    }


@pytest.mark.parametrize("kind", ["wrong secret", "expired", "no expiry", "unknown user",
                                  "garbage"])
def test_a_bad_token_gets_401_and_leaves_no_trace(product, kind):
    chat = Chat(product, token=forged_tokens(product)[kind])
    response = chat.post(PHRASES["en"]["human"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "Bearer" in response.headers.get("WWW-Authenticate", "")
    tracker = requests.get(f"{product.rasa_url}/conversations/{chat.sender}/tracker",
                           params={"token": product.rasa_token}, timeout=10).json()
    assert not [e for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.parametrize(("first", "second"), [
    ("u-biz-admin", "u-free"), ("u-free", None), (None, "u-ent-plus")])
def test_a_conversation_cannot_be_taken_over(product, first, second):
    chat = Chat(product, token=token_for(product, first))
    chat.send("hello")
    intruder = Chat(product, token=token_for(product, second))
    intruder.sender = chat.sender
    response = intruder.post(PHRASES["en"]["human"])
    assert response.status_code == 403
    assert response.json()["error"] == "conversation_owned_by_another_identity"
    # The owner carries on.
    assert chat.send("thanks")




@pytest.mark.parametrize("language", list(REPORTS))
def test_a_paid_admin_completes_the_report_and_confirms_the_priority(
        product, texts_by_language, language):
    user_id = ADMINS[language]
    chat = Chat(product, token=token_for(product, user_id), metadata={"locale": language})
    assert escalation(chat.send(PHRASES[language]["human"]))["decision"] == "handoff"
    for answer in REPORTS[language]:
        replies = chat.send(answer)
        assert_language([r["text"] for r in replies if "text" in r], language,
                        texts_by_language)
    proposal = replies[-1]
    payloads = [b["payload"] for b in proposal["buttons"]]
    assert payloads[0] == "/affirm" and len(payloads) == 4, proposal
    proposed = next(p for p in ("P1", "P2", "P3", "P4")
                    if f'"{p}"' not in "".join(payloads))
    replies = chat.send("/affirm")
    payload = escalation(replies)
    first = {"P1": 1, "P2": 4, "P3": 24, "P4": 24}[proposed]
    premier = user_id in ("u-ent-admin", "u-ent-plus")
    resolution = {"P1": 4, "P2": 24}.get(proposed) if premier else None
    ticket_id = payload.pop("ticket_id")
    assert ticket_id and ticket_id.startswith("T-"), replies
    # The demo agents speak English, French and Italian, not Russian or Norwegian.
    agent_language = language if language in ("en", "fr", "it") else "en"
    assert payload == {"decision": "handoff", "channels": OUTCOMES[user_id][1],
                       "priority": proposed, "first_response_hours": first,
                       "resolution_hours": resolution,
                       "agent_language": agent_language}, replies


@pytest.mark.parametrize("language", list(REPORTS))
def test_the_user_can_correct_the_priority_or_cancel(product, language):
    token = token_for(product, ADMINS[language])
    chat = Chat(product, token=token, metadata={"locale": language})
    chat.send(PHRASES[language]["human"])
    for answer in REPORTS[language]:
        chat.send(answer)
    payload = escalation(chat.send('/set_priority{"priority": "P1"}'))
    assert (payload["priority"], payload["first_response_hours"]) == ("P1", 1)

    chat = Chat(product, token=token, metadata={"locale": language})
    chat.send(PHRASES[language]["human"])
    chat.send(REPORTS[language][0])
    cancel = {"ru": "отмена", "nb": "avbryt", "fr": "annuler", "it": "annulla",
              "en": "cancel"}[language]
    replies = chat.send(cancel)
    assert not any(r.get("buttons") for r in replies), replies
    # The form is gone: a new question is answered normally.
    assert chat.send(PHRASES[language]["support"])


def test_bad_answers_are_asked_again_in_the_users_language(product, texts_by_language):
    chat = Chat(product, token=token_for(product, "u-biz-admin"), metadata={"locale": "fr"})
    chat.send(PHRASES["fr"]["human"])
    chat.send("webinaire")
    chat.send(REPORTS["fr"][1])
    replies = chat.say("demain matin")
    assert_language(replies, "fr", texts_by_language)
    assert any("pas encore arrivé" in r for r in replies), replies
    replies = chat.send("hier vers 15h")
    assert any(b["payload"] == "/affirm" for r in replies for b in r.get("buttons", []))
