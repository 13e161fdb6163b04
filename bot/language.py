"""Conversation-level language choice: a pure function over one message's detection.

The NLU language detector describes a single message; only the tracker knows the
conversation. This module combines the two so that short or ambiguous messages
("ok", "hei", "merci") never flip the language, while an explicit request does.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

CHANGE_LANGUAGE_INTENT = "change_language"
# Locale tags that mean Norwegian Bokmål in browsers and help-center URLs.
LOCALE_ALIASES = {"no": "nb", "nn": "nb"}


def locale_to_language(locale: Any) -> str | None:
    """Maps a locale tag such as ``nb-NO``, ``fr_FR`` or ``no`` to a supported code."""
    if not isinstance(locale, str) or not locale.strip():
        return None
    primary = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
    primary = LOCALE_ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else None


def choose_conversation_language(
    current: str | None,
    detection: Mapping[str, Any] | None,
    intent: str | None,
) -> str:
    """Returns the language the assistant should answer in after this message.

    Args:
        current: the conversation's language so far, or None on the first turn.
        detection: the ``language`` entry of the NLU parse result, or None when the
            message bypassed NLU (button payloads such as ``/request_human``).
        intent: the predicted intent name of the message.

    Returns:
        One of ``SUPPORTED_LANGUAGES``.

    """
    known_current = current if current in SUPPORTED_LANGUAGES else None
    if not detection:
        return known_current or DEFAULT_LANGUAGE

    requested = detection.get("requested")
    if intent == CHANGE_LANGUAGE_INTENT and requested in SUPPORTED_LANGUAGES:
        return str(requested)

    detected = detection.get("language")
    if detected not in SUPPORTED_LANGUAGES:
        return known_current or DEFAULT_LANGUAGE
    if detection.get("reliable"):
        return str(detected)
    # Ambiguous message: keep the conversation's language; on the first turn the
    # detector's best guess (which already honours the locale hint) is all we have.
    return known_current or str(detected)
