"""The site's and the widget's labels (``bot/texts/widget_labels.yml``), per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

from bot import DEFAULT_LANGUAGE
from bot.nlu.conversation_language import locale_to_language
from bot.texts.cldr import language_names

LABELS_FILE = Path(__file__).resolve().parents[1] / "texts" / "widget_labels.yml"


@lru_cache(maxsize=1)
def all_labels() -> Dict[str, Dict[str, Dict[str, str]]]:
    """Every label: ``{lang: {"site"|"widget": {key: text}}}``."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def labels(lang: str) -> Dict[str, Dict[str, str]]:
    """The labels of one language (English for an unknown one)."""
    return all_labels().get(lang) or all_labels()[DEFAULT_LANGUAGE]


def page_language(accept_language: str) -> str:
    """The first supported language of an Accept-Language header, else English."""
    for part in (accept_language or "").split(","):
        language = locale_to_language(part.split(";")[0])
        if language:
            return language
    return DEFAULT_LANGUAGE


def widget_config(lang: str, **extra: Any) -> Dict[str, Any]:
    """What widget.js needs: its labels, language names (CLDR's), and the given settings."""
    return {"lang": lang, "labels": labels(lang)["widget"],
            "languageNames": language_names(lang), **extra}
