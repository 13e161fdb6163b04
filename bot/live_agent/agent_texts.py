"""The live-agent service's texts (``agent_texts.yml``): labels, canned replies, console.

Report labels and the console's own texts are in the agent's language (every one exists
in the five languages). Canned replies are sent in the user's language, whatever the
agent's; their buttons are labelled in the agent's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Set, TypedDict, Union

import yaml

TEXTS = Path(__file__).resolve().parent / "agent_texts.yml"
LANGUAGES = ("ru", "nb", "fr", "it", "en")
FALLBACK = "en"
# The label keys whose value is a table (code -> name).
TABLES = ("products", "plans", "support_tiers", "priorities", "languages")
# The tables the console names codes with (the report's own are named server-side).
CONSOLE_TABLES = ("plans", "support_tiers", "languages")
# The plural forms (CLDR categories) a counted text must have, per language; the page
# falls back to "other" for a category a language does not list (French "many").
PLURAL_FORMS: Dict[str, FrozenSet[str]] = {
    "ru": frozenset({"one", "few", "many", "other"}), "nb": frozenset({"one", "other"}),
    "fr": frozenset({"one", "other"}), "it": frozenset({"one", "other"}),
    "en": frozenset({"one", "other"})}
FIELD = re.compile(r"\{(\w+)\}")

# A text of an interface: one string, or its plural forms (category -> string).
Text = Union[str, Dict[str, str]]


class CannedReply(TypedDict):
    """One canned reply: its button's label (the agent's language) and its texts."""

    id: str
    label: str
    texts: Dict[str, str]  # language -> text with {user} and {agent}


class ConsoleTexts(TypedDict):
    """What the console needs to show itself in one language.

    Keys:
        lang: the language of everything below.
        texts: key -> text (or plural forms), ``{fields}`` left for the page.
        plans, support_tiers, languages: code -> name, as the report names them.
    """

    lang: str
    texts: Dict[str, Text]
    plans: Dict[str, str]
    support_tiers: Dict[str, str]
    languages: Dict[str, str]


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
        missing = set(LANGUAGES) - set(reply) | set(LANGUAGES) - set(reply["label"])
        if missing:
            raise ValueError(f"{TEXTS}: canned.{reply_id} lacks {sorted(missing)}")
    problems = [problem for key, texts in data["console"].items() for lang in LANGUAGES
                for problem in text_problems(key, texts, lang)]
    if problems:
        raise ValueError(f"{TEXTS}: console: {'; '.join(problems)}")
    return data


def fields(text: Text) -> Set[str]:
    """The ``{fields}`` of a text (of all its plural forms)."""
    forms = text.values() if isinstance(text, dict) else [text]
    return {name for form in forms for name in FIELD.findall(str(form))}


def text_problems(key: str, texts: Mapping[str, Text], lang: str) -> List[str]:
    """What is wrong with one interface text in ``lang`` (empty: nothing).

    The text is there and not blank, with English's ``{fields}``; a counted text (plural
    forms, as English's is) has ``{count}`` and exactly ``lang``'s forms (``PLURAL_FORMS``).

    Args:
        key: the text's key, for the messages.
        texts: language -> text.
        lang: the language to check.
    """
    english, text = texts.get(FALLBACK), texts.get(lang)
    forms = list(text.values()) if isinstance(text, dict) else [text]
    if text is None or not all(isinstance(form, str) and form.strip() for form in forms):
        return [f"{key} lacks {lang}"]
    problems = []
    if english is not None and fields(text) != fields(english):
        problems.append(f"{key}.{lang} has fields {sorted(fields(text))}, "
                        f"en has {sorted(fields(english))}")
    if isinstance(english, dict) != isinstance(text, dict):
        problems.append(f"{key}.{lang} is counted in one language and not in the other")
    elif isinstance(text, dict):
        if set(text) != PLURAL_FORMS[lang]:
            problems.append(f"{key}.{lang} has forms {sorted(text)}, "
                            f"needs {sorted(PLURAL_FORMS[lang])}")
        if "count" not in fields(text):
            problems.append(f"{key}.{lang} is counted but has no {{count}}")
    return problems


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


def canned_replies(lang: str = FALLBACK) -> List[CannedReply]:
    """Every canned reply, in the file's order, labelled in ``lang`` (the agent's)."""
    return [{"id": reply_id,
             "label": str(reply["label"].get(lang, reply["label"][FALLBACK])),
             "texts": {code: str(reply[code]) for code in LANGUAGES}}
            for reply_id, reply in _texts()["canned"].items()]


def console_texts(lang: str) -> ConsoleTexts:
    """The console's interface in ``lang`` (English for an unknown language)."""
    data = _texts()
    lang = lang if lang in LANGUAGES else FALLBACK
    texts: Dict[str, Text] = {key: by_lang[lang] for key, by_lang in data["console"].items()}
    tables = {table: {code: str(name) for code, name in data["labels"][lang][table].items()}
              for table in CONSOLE_TABLES}
    return {"lang": lang, "texts": texts, "plans": tables["plans"],
            "support_tiers": tables["support_tiers"], "languages": tables["languages"]}


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
