"""Table-driven tests of the help-center chat request validation."""

from __future__ import annotations

import json

import pytest

from bot.channels.validation import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_RAW_MESSAGE_CHARS,
    BadChatRequest,
    parse_chat_request,
)

# Nothing visible: each alone, repeated, or mixed with spaces is an empty message.
INVISIBLE = [
    "\u200b", "\ufeff", "\u2800", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060",
    "\u2061", "\u2062", "\u2063", "\u2064", "\u00ad", "\u034f", "\u061c", "\u115f",
    "\u1160", "\u3164", "\uffa0", "\u180e", "\u17b4", "\ufe0f", "\ufe0e",
    "\U000e0100", "\U000e0020", "\U000e007f", "\u202a", "\u202b", "\u202c", "\u202d",
    "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufff9", "\U0001d173",
    "\U0001d159", "\x00", "\x07", "\x7f", "\ud800", "\uffff",
]
BLANK = [" \u00a0\u3000\t\u2003 ", "\u2028\u2029\r\n", "\u200b \u00a0\u2800\u3000\ufeff",
         "\u3164\u3164\u3164", "\u200b" * 500, "\u0301", " \u0301\u0308\u20dd "]

# The same question in the five languages, and what arrives with invisible padding.
QUESTIONS = {
    "ru": "Как показать экран в Zoom? Ёлки, не получается!",
    "nb": "Hvordan deler jeg skjermen? Blåbærsyltetøy på tastaturet, ærlig talt.",
    "fr": "Comment partager l'écran ? Ça ne marche pas, c’est gênant.",
    "it": "Come condivido lo schermo? Perché non funziona più?",
    "en": "How do I share my screen? It doesn't work, it's odd.",
}


def body(**fields):
    return json.dumps(fields).encode()


def utf8_body(**fields):
    # Raw UTF-8 rather than \u escapes: a long message still fits in the body limit.
    return json.dumps(fields, ensure_ascii=False).encode()


def chat(message, **fields):
    return body(sender="u1", message=message, **fields)


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'"hello"', 400, "invalid_json"),
        (b"null", 400, "invalid_json"),
        (b'{"sender": "u1", "message": "hi"', 400, "invalid_json"),
        (b'{"sender": "u1", "message": NaN}', 400, "invalid_json"),
        (b'{"sender": "u1", "message": "hi", "metadata": {"x": Infinity}}', 400,
         "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "body_too_large"),
        (b"[" * 20_000 + b"]" * 20_000, 400, "invalid_json"),
        (b" " * (MAX_BODY_BYTES + 1), 413, "body_too_large"),
        (body(message="hi"), 400, "invalid_sender"),
        (body(sender="", message="hi"), 400, "invalid_sender"),
        (body(sender=42, message="hi"), 400, "invalid_sender"),
        (body(sender="x" * 129, message="hi"), 400, "invalid_sender"),
        (body(sender="u\x00", message="hi"), 400, "invalid_sender"),
        (body(sender="u\ud800", message="hi"), 400, "invalid_sender"),
        (body(sender="u1"), 400, "invalid_message"),
        (chat(None), 400, "invalid_message"),
        (chat(["hi"]), 400, "invalid_message"),
        (chat(42), 400, "invalid_message"),
        (chat(True), 400, "invalid_message"),
        (chat({"text": "hi"}), 400, "invalid_message"),
        (chat(""), 400, "empty_message"),
        (chat(" \n\t "), 400, "empty_message"),
        (chat("/"), 400, "empty_message"),
        (chat(" // / "), 400, "empty_message"),
        (chat("\u200b/\u200b"), 400, "empty_message"),
        (chat("a" * (MAX_MESSAGE_CHARS + 1)), 413, "message_too_long"),
        (utf8_body(sender="u1", message="\u200b" * (MAX_RAW_MESSAGE_CHARS + 1)), 413,
         "message_too_long"),
        (chat("hi", metadata="fr"), 400, "invalid_metadata"),
        (chat("hi", metadata={"x": "y" * 5000}), 413, "metadata_too_large"),
        (chat("hi", metadata={"locale": 7}), 400, "invalid_locale"),
    ],
    ids=lambda value: value[:40].decode("utf-8", "replace") if isinstance(value, bytes) else None,
)
def test_bad_requests_get_a_clear_error(raw, status, code):
    with pytest.raises(BadChatRequest) as caught:
        parse_chat_request(raw)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.as_json() == {"error": code, "detail": caught.value.detail}
    assert caught.value.detail


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
@pytest.mark.parametrize("repeat", [1, 3])
def test_an_invisible_message_is_an_empty_message(char, repeat):
    for message in (char * repeat, f" {char} \u00a0{char}"[: 2 + 3 * repeat]):
        with pytest.raises(BadChatRequest) as caught:
            parse_chat_request(chat(message))
        assert (caught.value.status, caught.value.code) == (400, "empty_message")
        assert "visible" in caught.value.detail or "empty" in caught.value.detail


@pytest.mark.parametrize("message", BLANK)
def test_blank_mixtures_are_empty_messages(message):
    with pytest.raises(BadChatRequest) as caught:
        parse_chat_request(chat(message))
    assert caught.value.code == "empty_message"


@pytest.mark.parametrize("lang", list(QUESTIONS))
def test_text_in_every_language_arrives_unchanged(lang):
    assert parse_chat_request(chat(QUESTIONS[lang])).message == QUESTIONS[lang]


@pytest.mark.parametrize("lang", list(QUESTIONS))
@pytest.mark.parametrize("padding", ["\u200b", "\ufeff", "\u2800", "\u3164", "\u202e",
                                     "\u00a0\u3000", "\u2060\u200d"])
def test_invisible_padding_around_and_between_words_is_dropped(lang, padding):
    question = QUESTIONS[lang]
    padded = padding + question.replace(" ", f" {padding}", 2) + padding
    assert parse_chat_request(chat(padded)).message == question


@pytest.mark.parametrize(
    ("lang", "sent", "received"),
    [
        ("ru", "ｚｏｏｍ　не　работает", "zoom не работает"),
        ("nb", "Zoom\u00a0virker\u00a0ikke\u00a0på\u00a0PC", "Zoom virker ikke på PC"),
        ("fr", "Ça ne marche pas\u202f!", "Ça ne marche pas !"),
        ("it", "Non funziona ﬁno a ２ ore fa", "Non funziona fino a 2 ore fa"),
        ("en", "Ｈｏｗ do I re\u00adcord?", "How do I record?"),
    ],
)
def test_compatibility_forms_are_folded(lang, sent, received):
    assert parse_chat_request(chat(sent)).message == received


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("ru", "Спасибо ❤️ 👍🏽"),
        ("nb", "Takk 👩‍💻 🇳🇴"),
        ("fr", "Merci 👨‍👩‍👧‍👦 1️⃣ 🏳️‍🌈"),
        ("it", "Grazie ✌🏻 #️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
        ("en", "Thanks ☺️ ℹ️ 🫠"),
    ],
)
def test_emoji_survive_intact(lang, message):
    assert parse_chat_request(chat(message)).message == message


@pytest.mark.parametrize("lang", list(QUESTIONS))
def test_the_size_limit_counts_the_normalised_text(lang):
    # Invisible padding does not count; visible characters do, in any script.
    word = QUESTIONS[lang][:10]
    fits = (word * (MAX_MESSAGE_CHARS // len(word)))[:MAX_MESSAGE_CHARS]
    padded = utf8_body(sender="u1", message="\u200b" * 5000 + fits)
    assert parse_chat_request(padded).message == fits.strip()
    with pytest.raises(BadChatRequest) as caught:
        parse_chat_request(chat(fits.replace(" ", "x") + "y"))
    assert (caught.value.status, caught.value.code) == (413, "message_too_long")


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
        (body(sender="u1", message="line one\r\n\r\n  line two"), "u1", "line one\nline two",
         {}),
        (body(sender="u1", message="/ how do I share my screen"), "u1",
         "/ how do I share my screen", {}),
    ],
    ids=lambda value: value[:40].decode("utf-8", "replace") if isinstance(value, bytes) else None,
)
def test_good_requests_are_accepted(raw, sender, message, metadata):
    request = parse_chat_request(raw)
    assert (request.sender, request.message, request.metadata) == (sender, message, metadata)
