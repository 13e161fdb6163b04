"""Texts that custom actions send, in every supported language.

The catalogue is ``bot/texts/messages.yml`` (answers from the knowledge base, help options)
plus ``bot/texts/escalation.yml`` (escalation, problem reports, priorities).
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot import DEFAULT_LANGUAGE

MESSAGES_FILES = (Path(__file__).with_name("messages.yml"),
                  Path(__file__).with_name("escalation.yml"))


@lru_cache(maxsize=1)
def catalogue() -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """Returns every message: key -> language -> list of variants."""
    merged: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
    for path in MESSAGES_FILES:
        for key, variants in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path}: message {key!r} is already defined")
            merged[key] = variants
    return merged


def text(key: str, lang: str, **values: Any) -> str:
    """Returns the text of a message's first variant (for messages built from parts)."""
    variants = catalogue()[key]
    return (variants.get(lang) or variants[DEFAULT_LANGUAGE])[0]["text"].format(**values)


def render(key: str, lang: str, rng: random.Random | None = None, **values: str
           ) -> Dict[str, Any]:
    """Returns ``utter_message`` keyword arguments for a message in a language.

    Args:
        key: the message name, e.g. ``kb_answer``.
        lang: the conversation language; unknown languages fall back to English.
        rng: picks among alternative variants (tests pass a seeded one).
        values: fields substituted into the text, e.g. ``title``.

    Raises:
        KeyError: for an unknown message name.
    """
    variants = catalogue()[key]
    options = variants.get(lang) or variants[DEFAULT_LANGUAGE]
    variant = (rng or random).choice(options)
    message: Dict[str, Any] = {"text": variant["text"].format(**values)}
    if variant.get("buttons"):
        message["buttons"] = [dict(button) for button in variant["buttons"]]
    return message
