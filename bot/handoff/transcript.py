"""The conversation before a handoff, as the agent reads it: what the user saw and clicked.

A tracker stores a button click as its payload ("/affirm", "video_quality",
``/rate{"rating": "4"}``); the user saw the button's title ("Yes, that's right",
"Video quality"). ``transcript_entries`` walks the tracker's events once and gives every
user message the title of the button it came from (a button of the bot's latest
message with buttons), every message the conversation language at that moment (for a
user message: the language its own turn set, since the slot follows the message), and
every KB answer its article (id, title, link), so the agent's console can show the
articles offered and the 👍/👎 votes on them.

Pure: no tracker, no database, only the events as dicts (``Tracker.events``).
"""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Sequence, TypedDict

LANGUAGE_SLOT = "language"
MAX_TEXT_CHARS = 2000
VOTE_PAYLOADS = {"/kb_helpful": "up", "/kb_not_helpful": "down"}


class TranscriptArticle(TypedDict):
    """The KB article a bot message offered (its ``custom.kb`` card)."""

    article_id: str
    title: str
    url: str


# Functional syntax: "from" is a keyword. Every key is optional to readers: "from",
# "text" and "at" are what tickets always had; an old ticket's click shows its payload.
TranscriptEntry = TypedDict("TranscriptEntry", {
    "from": str,  # "user" | "assistant"
    "text": str,  # what the user saw: a click's button title, else the message as sent
    "at": Optional[float],  # the event's Unix timestamp (seconds)
    "lang": str,  # the conversation language then: "ru" | "nb" | "fr" | "it" | "en"
    "payload": str,  # a click's payload ("/affirm", "video_quality"), user entries only
    "vote": str,  # "up" | "down": a 👍/👎 click on an answer
    "article": TranscriptArticle,  # the article a KB answer offered
    "buttons": List[str],  # the titles of the buttons offered with the message
}, total=False)


def _buttons(event: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    data = event.get("data") or {}
    buttons = data.get("buttons") if isinstance(data, Mapping) else None
    return [b for b in buttons or [] if isinstance(b, Mapping)]


def _article(event: Mapping[str, Any]) -> Optional[TranscriptArticle]:
    data = event.get("data") or {}
    custom = data.get("custom") if isinstance(data, Mapping) else None
    card = custom.get("kb") if isinstance(custom, Mapping) else None
    if not isinstance(card, Mapping) or not card.get("article_id"):
        return None
    return {"article_id": str(card["article_id"]), "title": str(card.get("title") or ""),
            "url": str(card.get("url") or "")}


def shown_title(text: str, offered: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The title of the offered button whose payload is ``text``, if any.

    Args:
        text: a user message as the tracker stored it, e.g. "/affirm".
        offered: the buttons of the bot's latest message with buttons
            (``{"title", "payload"}`` each).

    Returns:
        The button's title ("Yes, that's right"), or None for a typed message.
    """
    for button in offered:
        if str(button.get("payload") or "") == text and button.get("title"):
            return str(button["title"])
    return None


def transcript_entries(events: Iterable[Mapping[str, Any]], default_language: str = "en",
                       limit: int = 60) -> List[TranscriptEntry]:
    """The transcript of a conversation, oldest first.

    Args:
        events: the tracker's events as dicts (``{"event": "user" | "bot" | "slot", ...}``).
        default_language: the language before any ``language`` slot was set.
        limit: keep only the last ``limit`` entries.

    Returns:
        ``TranscriptEntry`` dicts: ``{"from", "text", "at", "lang", ...}``.
    """
    lines: List[TranscriptEntry] = []
    lang = default_language
    offered: Sequence[Mapping[str, Any]] = []
    # The user message the assistant has not answered yet: the language slot is set after
    # it, in the same turn (from that very message), so the slot is that message's language
    # too (a first "соедините меня…" is Russian, not the default).
    unanswered: Optional[TranscriptEntry] = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == LANGUAGE_SLOT and event.get("value"):
            lang = str(event["value"])
            if unanswered is not None:
                unanswered["lang"] = lang
            continue
        if kind == "bot":
            unanswered = None
            buttons = _buttons(event)
            if buttons:
                offered = buttons
            article = _article(event)
            said = str(event.get("text") or "")
            if not said and article is None and not buttons:
                continue
            entry: TranscriptEntry = {"from": "assistant", "text": said[:MAX_TEXT_CHARS],
                                     "at": event.get("timestamp"), "lang": lang}
            if article is not None:
                entry["article"] = article
            if buttons:
                entry["buttons"] = [str(b.get("title") or "") for b in buttons]
            lines.append(entry)
        elif kind == "user" and event.get("text"):
            said = str(event["text"])
            title = shown_title(said, offered)
            entry = {"from": "user", "text": (title or said)[:MAX_TEXT_CHARS],
                     "at": event.get("timestamp"), "lang": lang}
            if title is not None or said.startswith("/"):
                entry["payload"] = said[:200]
            if said in VOTE_PAYLOADS:
                entry["vote"] = VOTE_PAYLOADS[said]
            lines.append(entry)
            unanswered = entry
    return lines[-limit:]
