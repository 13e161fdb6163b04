"""Texts that custom actions send, in every supported language (``bot/messages.yml``)."""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot import DEFAULT_LANGUAGE

MESSAGES_FILE = Path(__file__).with_name("messages.yml")


@lru_cache(maxsize=1)
def catalogue() -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """Returns every message: key -> language -> list of variants."""
    return yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))


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
