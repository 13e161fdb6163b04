"""The live-agent service's texts (``agent_texts.yml``): report labels and canned replies.

Labels are in the agent's language (the console is English for now; every label exists
in the five languages). Canned replies are sent in the user's language, whatever the
agent's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, TypedDict

import yaml

TEXTS = Path(__file__).resolve().parent / "agent_texts.yml"
LANGUAGES = ("ru", "nb", "fr", "it", "en")
FALLBACK = "en"
# The label keys whose value is a table (code -> name).
TABLES = ("products", "plans", "priorities", "languages")


class CannedReply(TypedDict):
    """One canned reply: its console label (English) and its text per language."""

    id: str
    label: str
    texts: Dict[str, str]  # language -> text with {user} and {agent}


class _Format(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=1)
def _texts() -> Dict[str, Dict]:
    with TEXTS.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for lang in LANGUAGES:
        missing = set(data["labels"][FALLBACK]) - set(data["labels"].get(lang, {}))
        if missing:
            raise ValueError(f"{TEXTS}: labels.{lang} lacks {sorted(missing)}")
    for reply_id, reply in data["canned"].items():
        missing = set(LANGUAGES) - set(reply)
        if missing:
            raise ValueError(f"{TEXTS}: canned.{reply_id} lacks {sorted(missing)}")
    return data


def label(key: str, lang: str, **values: str) -> str:
    """A label in ``lang`` (English for an unknown language), with ``{fields}`` filled.

    Args:
        key: e.g. "product", "yes", "headline".
        lang: the agent's language.
        values: the template's fields; a missing one stays as ``{name}``.
    """
    labels = _texts()["labels"]
    template = str(labels.get(lang, labels[FALLBACK])[key])
    return template.format_map(_Format(values)) if values else template


def name_of(table: str, code: str, lang: str) -> str:
    """A code's name from a table of ``TABLES`` ("webinar" -> "Webinars"); else the code."""
    labels = _texts()["labels"]
    return str(labels.get(lang, labels[FALLBACK])[table].get(code, code))


def canned_replies() -> List[CannedReply]:
    """Every canned reply, in the file's order."""
    return [{"id": reply_id, "label": str(reply["label"]),
             "texts": {lang: str(reply[lang]) for lang in LANGUAGES}}
            for reply_id, reply in _texts()["canned"].items()]


def canned_text(reply_id: str, lang: str, user: str, agent: str) -> str:
    """A canned reply in the user's language (English for an unknown one).

    Args:
        reply_id: e.g. "greeting".
        lang: the user's language.
        user: the user's full name; the reply uses the first name (empty: none).
        agent: the agent's full name; the reply uses the first name.

    Raises:
        KeyError: no such reply.
    """
    reply = _texts()["canned"][reply_id]
    text = str(reply.get(lang, reply[FALLBACK]))
    first = (user or "").split(" ")[0]
    text = text.format_map(_Format(user=first, agent=(agent or "").split(" ")[0]))
    # Without a name: "Hi , I'm" -> "Hi, I'm"; "Здравствуйте, !" -> "Здравствуйте!".
    return text.replace(" , ", ", ").replace(", !", "!").replace(" ,", ",")
