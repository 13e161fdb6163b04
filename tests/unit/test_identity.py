"""Help-center tokens, the signed identity in message metadata, and the chat gate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy.orm import sessionmaker

from bot.accounts.demo import seed_accounts
from bot.accounts.identity import (
    GUEST,
    IDENTITY_KEY,
    Identity,
    InvalidToken,
    identity_from_authorization,
    identity_from_metadata,
    issue_token,
    with_identity,
)
from bot.channels.gate import ChatGate
from bot.channels.validation import BadChatRequest
from bot.storage.engine import make_engine, upgrade
from bot.storage.unit_of_work import UnitOfWork

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def bearer(token):
    return f"Bearer {token}"


def test_a_valid_token_names_the_user():
    assert identity_from_authorization(bearer(issue_token("u-pro-admin", SECRET)),
                                       SECRET) == Identity("u-pro-admin")


def test_no_header_is_a_guest():
    assert identity_from_authorization(None, SECRET) == GUEST
    assert identity_from_authorization("  ", SECRET) == GUEST


def forged(claims, secret=SECRET, algorithm="HS256"):
    return jwt.encode(claims, secret, algorithm=algorithm)


FUTURE = datetime.now(timezone.utc) + timedelta(hours=1)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (bearer(forged({"sub": "u-ent-admin", "exp": FUTURE}, secret="wrong-secret-" * 4)),
         "not valid"),
        (bearer(issue_token("u-free", SECRET, now=datetime.now(timezone.utc)
                            - timedelta(days=2))), "expired"),
        (bearer(forged({"sub": "u-free"})), "not valid"),  # no exp
        (bearer(forged({"exp": FUTURE})), "not valid"),  # no sub
        (bearer(forged({"sub": 42, "exp": FUTURE})), "not valid"),
        (bearer(jwt.encode({"sub": "u-free", "exp": FUTURE}, None, algorithm="none")),
         "not valid"),
        (bearer("not.a.token"), "not valid"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer", "Bearer"),
    ],
    ids=["wrong secret", "expired", "no exp", "no sub", "numeric sub", "alg none",
         "garbage", "basic auth", "empty bearer"],
)
def test_bad_tokens_are_refused_never_downgraded_to_guest(header, reason):
    with pytest.raises(InvalidToken, match=reason):
        identity_from_authorization(header, SECRET)


def test_the_channel_replaces_a_client_sent_identity():
    spoof = {"locale": "fr", IDENTITY_KEY: {"user_id": "u-ent-plus", "sig": "0" * 64}}
    metadata = with_identity(spoof, GUEST, "sender-1", SECRET)
    assert metadata["locale"] == "fr"
    assert metadata[IDENTITY_KEY]["user_id"] is None
    assert identity_from_metadata(metadata, "sender-1", SECRET) == GUEST


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: {**m, IDENTITY_KEY: {**m[IDENTITY_KEY], "user_id": "u-ent-plus"}},
        lambda m: {**m, IDENTITY_KEY: {**m[IDENTITY_KEY], "sig": "f" * 64}},
        lambda m: {**m, IDENTITY_KEY: "u-ent-plus"},
        lambda m: {k: v for k, v in m.items() if k != IDENTITY_KEY},
    ],
    ids=["other user", "bad signature", "not a mapping", "missing"],
)
def test_the_action_side_trusts_only_the_channels_signature(tamper):
    signed = with_identity({}, Identity("u-free"), "sender-1", SECRET)
    assert identity_from_metadata(signed, "sender-1", SECRET) == Identity("u-free")
    assert identity_from_metadata(tamper(signed), "sender-1", SECRET) == GUEST


def test_a_signed_identity_does_not_move_to_another_conversation():
    signed = with_identity({}, Identity("u-ent-admin"), "sender-1", SECRET)
    assert identity_from_metadata(signed, "sender-2", SECRET) == GUEST


@pytest.fixture()
def gate(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    with UnitOfWork(factory) as uow:
        seed_accounts(uow.accounts)
    return ChatGate(SECRET, lambda: UnitOfWork(factory))


def test_gate_admits_users_and_guests_and_binds_conversations(gate):
    token = bearer(issue_token("u-biz-admin", SECRET))
    assert gate.admit(token, "conv-a") == Identity("u-biz-admin")
    assert gate.admit(token, "conv-a") == Identity("u-biz-admin")
    assert gate.admit(None, "conv-b") == GUEST
    assert gate.admit(None, "conv-b") == GUEST


@pytest.mark.parametrize(
    ("first", "second"),
    [("u-biz-admin", "u-free"), ("u-free", None), (None, "u-ent-plus")],
    ids=["user to user", "user to guest", "guest to user"],
)
def test_a_conversation_cannot_change_hands(gate, first, second):
    def header(user):
        return bearer(issue_token(user, SECRET)) if user else None

    gate.admit(header(first), "conv")
    with pytest.raises(BadChatRequest) as refused:
        gate.admit(header(second), "conv")
    assert (refused.value.status, refused.value.code) == (
        403, "conversation_owned_by_another_identity")


def test_gate_refuses_bad_tokens_and_unknown_users_with_401(gate):
    for header in (bearer("garbage"), bearer(issue_token("u-deleted", SECRET))):
        with pytest.raises(BadChatRequest) as refused:
            gate.admit(header, "conv-x")
        assert refused.value.status == 401 and refused.value.code == "invalid_token"
    # A refused request claims nothing: the conversation is still free.
    assert gate.admit(None, "conv-x") == GUEST
