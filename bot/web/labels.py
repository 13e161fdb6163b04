"""The site's and the widget's labels (``labels.yml``), per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

from kb_index.articles import LANGUAGES

LABELS_FILE = Path(__file__).resolve().parent / "labels.yml"
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def all_labels() -> Dict[str, Dict[str, Dict[str, str]]]:
    """Every label: ``{lang: {"site"|"widget"|"language_names": {key: text}}}``."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def labels(lang: str) -> Dict[str, Dict[str, str]]:
    """The labels of one language (English for an unknown one)."""
    return all_labels().get(lang) or all_labels()[DEFAULT_LANGUAGE]


def page_language(tag: str) -> str:
    """The supported language of a locale tag or Accept-Language header, else English."""
    for part in (tag or "").split(","):
        code = part.split(";")[0].strip().lower().replace("_", "-").split("-")[0]
        if code in ("no", "nn"):  # the help center is written in Bokmål
            code = "nb"
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def widget_config(lang: str, **extra: Any) -> Dict[str, Any]:
    """What widget.js needs: its labels, language names, and the given settings."""
    chosen = labels(lang)
    return {"lang": lang, "labels": chosen["widget"],
            "languageNames": chosen["language_names"], **extra}
