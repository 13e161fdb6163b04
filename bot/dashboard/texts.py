"""The dashboard's own interface texts (``dashboard_texts.yml``), per language.

The page asks for them in the manager's first language (before sign-in: the browser's)
with ``GET /api/dashboard/texts?lang=``. They are the dashboard's alone: this package
never imports the live-agent service, whose console has texts of its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Union

import yaml
from pydantic import BaseModel

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

TEXTS_FILE = Path(__file__).resolve().parent / "dashboard_texts.yml"
TABLES = ("plans", "languages")


class DashboardTexts(BaseModel):
    """The dashboard's interface in one language.

    ``texts`` maps a key to its text, or to its plural forms (``{"one": …, "other": …}``);
    ``{fields}`` are filled by the page. ``plans`` and ``languages`` name the filters'
    codes.
    """

    lang: str
    texts: Dict[str, Union[str, Dict[str, str]]]
    plans: Dict[str, str]
    languages: Dict[str, str]


@lru_cache(maxsize=1)
def all_texts() -> Dict[str, Any]:
    """The file as written: ``{"texts": {key: {lang: text}}, "plans"|"languages": {lang: …}}``.

    Raises:
        ValueError: a text or table lacks a language.
    """
    data: Dict[str, Any] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    missing = [f"texts.{key}.{lang}" for key, by_lang in data["texts"].items()
               for lang in SUPPORTED_LANGUAGES if lang not in by_lang]
    missing += [f"{table}.{lang}" for table in TABLES for lang in SUPPORTED_LANGUAGES
                if lang not in data[table]]
    if missing:
        raise ValueError(f"{TEXTS_FILE}: missing {', '.join(missing)}")
    return data


def dashboard_texts(lang: str) -> DashboardTexts:
    """The interface in ``lang`` (English for an unknown language)."""
    data = all_texts()
    lang = lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    return DashboardTexts(lang=lang,
                          texts={key: by_lang[lang] for key, by_lang in data["texts"].items()},
                          plans=dict(data["plans"][lang]),
                          languages=dict(data["languages"][lang]))
