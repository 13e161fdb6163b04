"""Which "/…" messages may reach Rasa as button payloads, and what the rest become.

Rasa treats any message that starts with "/" as a hard-coded prediction: its
``RegexMessageHandler`` (``YAMLStoryReader.unpack_regex_message``) matches
``^/<intent>[@confidence][{entities}]`` on the stripped text and, when the intent is in
the domain, replaces NLU's intent and entities with the ones in the text. A client could
therefore trigger any intent and set any entity (``/ask_question{"article_id": "../x"}``),
and a question typed as "/ how do I share my screen" was never searched.

The help-center channel lets a "/" message through unchanged only when it is

- a payload of a button the bot offered in this conversation (the buttons of the bot's
  messages in the last ``OFFER_TURNS`` turns of the tracker), or
- one of the payloads the widget's buttons send (``FIXED_INTENTS`` without entities;
  ``/set_priority`` P1-P4; ``/rate`` 1-5; ``/ask_question`` with an existing article id).

Anything else is plain text: the leading slashes and spaces are removed, so Rasa runs it
through NLU ("/ how do I share my screen" -> "how do I share my screen";
``/request_human{"x": 1}`` -> ``request_human{"x": 1}``, which no longer starts with "/").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

from bot.settings import get_settings

INTENT_MESSAGE_PREFIX = "/"  # rasa.shared.constants.INTENT_MESSAGE_PREFIX
OFFER_TURNS = 3
KB_LANGUAGES = ("ru", "nb", "fr", "it", "en")

# Buttons without entities: help options, yes/no, the search button, 👍/👎.
FIXED_INTENTS = frozenset({
    "affirm", "deny", "ask_question", "request_human", "report_problem", "ask_my_plan",
    "kb_helpful", "kb_not_helpful",
})
PRIORITIES = frozenset({"P1", "P2", "P3", "P4"})
RATINGS = frozenset({"1", "2", "3", "4", "5"})
# Same rule as kb_index.articles.ID_PATTERN (a test checks), without importing the index.
ARTICLE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ARTICLE_ID_CHARS = 64

_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]*)(?P<entities>\{.*\})?", re.DOTALL)
_LEADING = re.compile(r"^[\s/]+")


@dataclass(frozen=True)
class Payload:
    """A parsed button payload: ``/intent`` or ``/intent{"entity": "value", ...}``.

    Entity values are kept as strings (a rating of 4 and "4" are the same button).
    """

    intent: str
    entities: Tuple[Tuple[str, str], ...] = ()

    def text(self) -> str:
        """The payload as Rasa expects it, e.g. ``/rate{"rating": "4"}``."""
        if not self.entities:
            return INTENT_MESSAGE_PREFIX + self.intent
        return INTENT_MESSAGE_PREFIX + self.intent + json.dumps(dict(self.entities),
                                                                ensure_ascii=False)


def parse_payload(text: str) -> Optional[Payload]:
    """Parses a strict button payload; None for anything else.

    Args:
        text: a message, e.g. ``/set_priority{"priority": "P2"}``.

    Returns:
        The payload when ``text`` is exactly "/" + an identifier, optionally followed by
        a JSON object of string (or integer) values; None otherwise (spaces after the
        slash, ``@confidence``, nested values, trailing text...).
    """
    match = _PAYLOAD.fullmatch(text.strip())
    if match is None:
        return None
    raw = match.group("entities")
    if raw is None:
        return Payload(match.group("intent"))
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    entities = []
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return None
        entities.append((name, str(value)))
    return Payload(match.group("intent"), tuple(sorted(entities)))


def is_payload(text: str) -> bool:
    """Whether a message is a button payload (``/intent`` or ``/intent{...}``), not words."""
    return parse_payload(text) is not None


def article_exists(article_id: str, root: Optional[Path] = None) -> bool:
    """Whether ``<root>/<lang>/<article_id>.md`` exists in some language.

    ``root`` defaults to the content root's ``data/kb`` (where the studio writes new
    articles). The id is checked against the article id pattern first, so no path can
    escape ``root`` ("../../etc" is simply not an id).
    """
    if len(article_id) > MAX_ARTICLE_ID_CHARS or not ARTICLE_ID.fullmatch(article_id):
        return False
    if root is None:
        root = get_settings().content_root / "data" / "kb"
    return any((root / lang / f"{article_id}.md").is_file() for lang in KB_LANGUAGES)


def widget_allows(payload: Payload, known_article: Callable[[str], bool]) -> bool:
    """Whether a payload is one the widget's buttons may send in any conversation.

    Args:
        payload: the parsed payload.
        known_article: says whether an article id exists (``article_exists``).
    """
    entities = dict(payload.entities)
    if not entities:
        return payload.intent in FIXED_INTENTS
    if len(entities) != 1:
        return False
    if payload.intent == "set_priority":
        return entities.get("priority") in PRIORITIES
    if payload.intent == "rate":
        return entities.get("rating") in RATINGS
    if payload.intent == "ask_question":
        article_id = entities.get("article_id")
        return article_id is not None and known_article(article_id)
    return False


def offered_payloads(events_newest_first: Iterable[Mapping[str, Any]],
                     turns: int = OFFER_TURNS) -> FrozenSet[str]:
    """The button payloads of the bot's messages in the last ``turns`` user turns.

    Args:
        events_newest_first: tracker events as dicts (``Event.as_dict()``), newest first;
            read lazily, only as far back as needed.
        turns: how many user messages to look back over.

    Returns:
        The payload strings of every button (and quick reply) the bot sent meanwhile.
    """
    found = set()
    users = 0
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            users += 1
            if users >= turns:
                break
        elif kind == "bot":
            data = event.get("data") or {}
            for key in ("buttons", "quick_replies"):
                for button in data.get(key) or []:
                    payload = button.get("payload") if isinstance(button, dict) else None
                    if isinstance(payload, str):
                        found.add(payload)
    return frozenset(found)


def as_plain_text(text: str) -> str:
    """The message without its leading slashes and spaces, so Rasa reads it as words."""
    return _LEADING.sub("", text)


def screen_message(text: str, offered: Iterable[str],
                   known_article: Callable[[str], bool] = article_exists) -> str:
    """What Rasa gets for a normalised message.

    Args:
        text: the normalised message.
        offered: payloads the bot offered in this conversation (``offered_payloads``).
        known_article: says whether an article id exists.

    Returns:
        ``text`` unchanged when it does not start with "/"; the payload (the offered
        string itself, or the canonical form of a widget payload) when it is allowed;
        otherwise the text without leading slashes, which may be empty ("/").
    """
    if not text.startswith(INTENT_MESSAGE_PREFIX):
        return text
    payload = parse_payload(text)
    if payload is not None:
        by_payload: Dict[Payload, str] = {}
        for candidate in offered:
            parsed = parse_payload(candidate)
            if parsed is not None:
                by_payload.setdefault(parsed, candidate)
        if payload in by_payload:
            return by_payload[payload]
        if widget_allows(payload, known_article):
            return payload.text()
    return as_plain_text(text)
