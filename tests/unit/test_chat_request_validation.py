"""Table-driven tests of the help-center chat request validation."""

from __future__ import annotations

import json

import pytest

from bot.channels.validation import (
    MAX_MESSAGE_CHARS,
    BadChatRequest,
    parse_chat_request,
)


def body(**fields):
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (body(message="hi"), 400, "invalid_sender"),
        (body(sender="", message="hi"), 400, "invalid_sender"),
        (body(sender=42, message="hi"), 400, "invalid_sender"),
        (body(sender="x" * 129, message="hi"), 400, "invalid_sender"),
        (body(sender="u1"), 400, "invalid_message"),
        (body(sender="u1", message=None), 400, "invalid_message"),
        (body(sender="u1", message=["hi"]), 400, "invalid_message"),
        (body(sender="u1", message=""), 400, "empty_message"),
        (body(sender="u1", message=" \n\t "), 400, "empty_message"),
        (body(sender="u1", message="a" * (MAX_MESSAGE_CHARS + 1)), 413, "message_too_long"),
        (body(sender="u1", message="hi", metadata="fr"), 400, "invalid_metadata"),
        (body(sender="u1", message="hi", metadata={"x": "y" * 5000}), 413, "metadata_too_large"),
        (body(sender="u1", message="hi", metadata={"locale": 7}), 400, "invalid_locale"),
    ],
)
def test_bad_requests_get_a_clear_error(raw, status, code):
    with pytest.raises(BadChatRequest) as caught:
        parse_chat_request(raw)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.as_json()["detail"]


@pytest.mark.parametrize(
    ("raw", "sender", "message", "metadata"),
    [
        (body(sender="u1", message="  hei  "), "u1", "hei", {}),
        (body(sender="u1", message="ok", metadata=None), "u1", "ok", {}),
        (body(sender="u1", message="ok", metadata={"locale": "xx-YY"}), "u1", "ok",
         {"locale": "xx-YY"}),
        (body(sender="u1", message="a" * MAX_MESSAGE_CHARS), "u1", "a" * MAX_MESSAGE_CHARS, {}),
        (body(sender="u1", message="<script>alert(1)</script>"), "u1",
         "<script>alert(1)</script>", {}),
    ],
)
def test_good_requests_are_accepted(raw, sender, message, metadata):
    request = parse_chat_request(raw)
    assert (request.sender, request.message, request.metadata) == (sender, message, metadata)
