"""Validation of help-center chat requests: a clear error for every kind of bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 4096


@dataclass(frozen=True)
class ChatRequest:
    """A validated request: who is writing, what, and the client's metadata."""

    sender: str
    message: str
    metadata: Dict[str, Any]


class BadChatRequest(ValueError):
    """The request cannot be processed; ``status`` and ``code`` go back to the client."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def as_json(self) -> Dict[str, Any]:
        """Returns the error body sent to the client."""
        return {"error": self.code, "detail": self.detail}


def parse_chat_request(body: bytes) -> ChatRequest:
    """Parses and validates the raw body of a chat request.

    Args:
        body: the HTTP request body, expected to be a JSON object with ``sender``,
            ``message`` and optional ``metadata``.

    Returns:
        The validated request, with the message stripped of surrounding whitespace.

    Raises:
        BadChatRequest: with a status code and a machine-readable error code.
    """
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadChatRequest(400, "invalid_json", f"body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise BadChatRequest(400, "invalid_json", "body must be a JSON object")

    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadChatRequest(400, "invalid_sender", "'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadChatRequest(
            400, "invalid_sender", f"'sender' is longer than {MAX_SENDER_CHARS} characters")

    message = payload.get("message")
    if not isinstance(message, str):
        raise BadChatRequest(400, "invalid_message", "'message' must be a string")
    message = message.strip()
    if not message:
        raise BadChatRequest(400, "empty_message", "'message' is empty")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadChatRequest(
            413, "message_too_long",
            f"'message' has {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}")

    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadChatRequest(400, "invalid_metadata", "'metadata' must be a JSON object")
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise BadChatRequest(
            413, "metadata_too_large", f"'metadata' is larger than {MAX_METADATA_BYTES} bytes")
    locale = metadata.get("locale")
    if locale is not None and (not isinstance(locale, str) or len(locale) > 35):
        raise BadChatRequest(400, "invalid_locale", "'metadata.locale' must be a locale tag")
    return ChatRequest(sender=sender.strip(), message=message, metadata=metadata)
