"""Validation of help-center chat requests: a clear error for every kind of bad input.

The message is normalised here, once, for everything downstream (``bot.channels.user_text``):
NFKC, no invisible characters, single spaces. A message with nothing visible left is
refused like an empty one. Size limits apply to the normalised text; an absurd raw
body is refused before it is even parsed.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, NoReturn, TypedDict, cast

from bot.channels.payloads import as_plain_text
from bot.channels.user_text import normalize

MAX_MESSAGE_CHARS = 2000
# Before normalisation: room for emoji sequences and stray invisibles, not for megabytes.
MAX_RAW_MESSAGE_CHARS = 8 * MAX_MESSAGE_CHARS
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 4096
# Everything above fits in well under this, even with every character \u-escaped.
MAX_BODY_BYTES = 64 * 1024


class ChatErrorBody(TypedDict):
    """The JSON body of every refused request."""

    error: str   # machine-readable code, e.g. "empty_message"
    detail: str  # one English sentence for the developer


class ChatMetadata(TypedDict, total=False):
    """What the widget sends beside the text (other keys pass through unread)."""

    locale: str      # the page's locale tag, e.g. "fr-FR": the first turn's language
    timezone: str    # the browser's IANA zone, e.g. "Europe/Oslo": times in the form
    message_id: str  # the widget's id of the message, the same on every retry
    origin: str      # "suggestion": a greeting suggestion was pressed (not counted as asked)


@dataclass(frozen=True)
class ChatRequest:
    """A validated request: who is writing, what (normalised), and the client's metadata."""

    sender: str
    message: str
    metadata: ChatMetadata


class BadChatRequest(ValueError):
    """The request cannot be processed; ``status`` and ``code`` go back to the client."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def as_json(self) -> ChatErrorBody:
        """Returns the error body sent to the client."""
        return {"error": self.code, "detail": self.detail}


def _reject_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON; Python's parser would accept them.
    raise ValueError(f"{name} is not valid JSON")


def _load_json(body: bytes) -> Any:
    if len(body) > MAX_BODY_BYTES:
        raise BadChatRequest(413, "body_too_large",
                             f"the body has {len(body)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise BadChatRequest(400, "invalid_json", f"body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadChatRequest(400, "invalid_json", "body is nested too deeply") from None


def normalize_message(message: Any) -> str:
    """Validates and normalises the ``message`` field of a chat request.

    Args:
        message: the decoded JSON value of ``message``.

    Returns:
        The normalised text (``bot.channels.user_text.normalize``), never empty.

    Raises:
        BadChatRequest: 400 ``invalid_message`` for a non-string, 400 ``empty_message``
            when nothing visible (or nothing but slashes) is left, 413 ``message_too_long`` above
            ``MAX_MESSAGE_CHARS`` characters after normalisation (or an absurd raw length).
    """
    if not isinstance(message, str):
        raise BadChatRequest(400, "invalid_message", "'message' must be a string")
    if len(message) > MAX_RAW_MESSAGE_CHARS:
        raise BadChatRequest(
            413, "message_too_long",
            f"'message' has {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}")
    text = normalize(message)
    if not as_plain_text(text):
        # Slashes alone are no payload, and no words either.
        if text:
            detail = "'message' has nothing but slashes"
        elif message.strip():
            detail = "'message' has no visible characters (only spaces or invisible ones)"
        else:
            detail = "'message' is empty"
        raise BadChatRequest(400, "empty_message", detail)
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadChatRequest(
            413, "message_too_long",
            f"'message' has {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}")
    return text


def _valid_sender(sender: Any) -> str:
    if not isinstance(sender, str) or not sender.strip():
        raise BadChatRequest(400, "invalid_sender", "'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadChatRequest(
            400, "invalid_sender", f"'sender' is longer than {MAX_SENDER_CHARS} characters")
    # A control character or a lone surrogate cannot be stored as a conversation id.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in sender):
        raise BadChatRequest(400, "invalid_sender",
                             "'sender' must not contain control characters")
    return sender.strip()


def parse_chat_request(body: bytes) -> ChatRequest:
    """Parses and validates the raw body of a chat request.

    Args:
        body: the HTTP request body, expected to be a JSON object with ``sender``,
            ``message`` and optional ``metadata``; at most ``MAX_BODY_BYTES`` bytes.

    Returns:
        The validated request, with the message normalised (``normalize_message``).

    Raises:
        BadChatRequest: with a status code (400 or 413) and a machine-readable code.
    """
    payload = _load_json(body)
    if not isinstance(payload, dict):
        raise BadChatRequest(400, "invalid_json", "body must be a JSON object")

    sender = _valid_sender(payload.get("sender"))
    message = normalize_message(payload.get("message"))

    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadChatRequest(400, "invalid_metadata", "'metadata' must be a JSON object")
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise BadChatRequest(
            413, "metadata_too_large", f"'metadata' is larger than {MAX_METADATA_BYTES} bytes")
    locale = metadata.get("locale")
    if locale is not None and (not isinstance(locale, str) or len(locale) > 35):
        raise BadChatRequest(400, "invalid_locale", "'metadata.locale' must be a locale tag")
    # The known keys' types are checked where they are read (locale above, the time
    # zone by the form, the message id by the relay); anything else passes through.
    return ChatRequest(sender=sender, message=message, metadata=cast(ChatMetadata, metadata))
