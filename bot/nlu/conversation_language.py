"""Conversation-level language choice: a pure function over one message's detection.

The NLU language detector describes a single message; only the tracker knows the
conversation. This module combines the two so that short or ambiguous messages
("ok", "hei", "merci"), product names ("Breakout rooms"), URLs and error codes never
flip the language, while a real sentence in another language or an explicit request
("answer in French") does.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping, Optional, TypedDict

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

CHANGE_LANGUAGE_INTENT = "change_language"
# Locale tags that mean Norwegian Bokmål in browsers and help-center URLs.
LOCALE_ALIASES = {"no": "nb", "nn": "nb"}

# Where a detection's ``language`` comes from:
#   detected  lingua on the message's own words (reliable, or clear enough for a first turn)
#   script    only Cyrillic letters: Russian is the one Cyrillic language supported
#   hint      the page/browser locale the client sent (the message itself is ambiguous)
#   lexicon   a short message seen in one language's training examples only ("hei")
#   guess     lingua's best guess on an ambiguous message with nothing else to go on
#   metadata  a training example's own language
#   none      no words at all and no hint
DetectionSource = Literal["detected", "script", "hint", "lexicon", "guess", "metadata", "none"]
# Sources too weak to choose a conversation's first language: English is the fallback.
WEAK_SOURCES = frozenset({"guess", "none"})


class LanguageDetection(TypedDict):
    """What the NLU language detector writes into the parse result under ``language``.

    Attributes:
        language: this message's best guess (a supported code), None when it has no words
            and no hint. Picks the tokenizer; it is not the conversation's language.
        confidence: lingua's confidence for ``language`` on the message's own words,
            0.0-1.0 (glossary terms, URLs and codes removed).
        reliable: strong evidence: a sentence whose function words and letters agree on
            ``language``. Only a reliable message switches the conversation.
        source: see ``DetectionSource``.
        requested: a language the message names ("answer in French"), or None.
    """

    language: Optional[str]
    confidence: float
    reliable: bool
    source: DetectionSource
    requested: Optional[str]


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
        detection: the ``language`` entry of the NLU parse result (a
            ``LanguageDetection`` read back from the tracker), or None when the message
            bypassed NLU (button payloads such as ``/request_human``).
        intent: the predicted intent name of the message.

    Returns:
        One of ``SUPPORTED_LANGUAGES``:
        - an explicit ``change_language`` request wins;
        - a reliable message switches to its language;
        - anything else keeps the conversation's language;
        - on the first turn, an ambiguous message takes its page locale, lexicon or
          clear detection, and English when the detector only guessed ("hello", "ok").
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
    if known_current:
        # Ambiguous message: a product name, "ok", a URL... the conversation stays.
        return known_current
    # First turn: the detector already preferred the page locale to its own guess.
    if detection.get("source") in WEAK_SOURCES:
        return DEFAULT_LANGUAGE
    return str(detected)
