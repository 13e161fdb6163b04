"""Table-driven tests of the conversation-level language choice."""

from __future__ import annotations

import pytest

from bot.language import choose_conversation_language


def detection(language, reliable=True, requested=None, source="detected"):
    return {"language": language, "confidence": 0.9, "reliable": reliable,
            "source": source, "requested": requested}


@pytest.mark.parametrize(
    ("current", "parsed", "intent", "expected"),
    [
        # First turn: take whatever the detector says, even when unsure.
        (None, detection("ru"), "greet", "ru"),
        (None, detection("nb", reliable=False, source="lexicon"), "greet", "nb"),
        (None, detection("fr", reliable=False, source="hint"), "affirm", "fr"),
        # A reliable message in another language switches.
        ("en", detection("it"), "ask_question", "it"),
        # Short or ambiguous messages keep the conversation's language.
        ("ru", detection("nb", reliable=False), "affirm", "ru"),
        ("it", detection("en", reliable=False), "deny", "it"),
        ("nb", detection("fr", reliable=False), "thank", "nb"),
        # Explicit requests switch, whatever language they are written in.
        ("en", detection("en", requested="fr"), "change_language", "fr"),
        ("fr", detection("ru", requested="ru"), "change_language", "ru"),
        # A named language outside a change request is just a mention.
        ("en", detection("en", requested="fr"), "ask_question", "en"),
        # Button payloads bypass NLU: no detection at all.
        ("nb", None, "request_human", "nb"),
        (None, None, "greet", "en"),
        # Garbage never leaks into the slot.
        ("xx", detection("de"), "greet", "en"),
        ("it", detection(None, reliable=False), "greet", "it"),
    ],
)
def test_choose_conversation_language(current, parsed, intent, expected):
    assert choose_conversation_language(current, parsed, intent) == expected
