"""Suggested questions for the widget's greeting: the most-asked articles per language.

Counted from Rasa's stored conversations (the ``events`` table of the SQL tracker store,
``Settings.tracker_store_url``): every ``kb_article_id`` slot event with an article is a
clear KB answer ``action_answer_from_kb`` gave (``actions/kb.py`` sets the slot only
then), in the conversation's language at that moment (the ``language`` slot, reset by
``session_started`` and set again by ``action_session_start``; ``DEFAULT_LANGUAGE`` when
unset, as ``actions.common.language``). Counts cover the last ``WINDOW_DAYS`` and are
cached for ``CACHE_SECONDS``.

An answer to a pressed suggestion does not count: the widget marks that message
(``metadata.origin == SUGGESTION_ORIGIN``), and counting it would keep whatever is
suggested on top for ever.

A language with fewer than ``MIN_ANSWERS`` answers in the window, or a store that is
missing or fails, gets the curated order (``bot.web.site.POPULAR``); a language with
enough answers but fewer than ``COUNT`` distinct articles is padded from that order.

Each suggestion is a button the widget shows under its greeting (``config.suggestions``
in ``widget.js``): the article's most typical question as the title, and the payload
that opens that article directly (``bot.knowledge.answer.article_payload``). Pressing
it starts the conversation; showing it does not.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, TypedDict

from bot import DEFAULT_LANGUAGE
from bot.knowledge.answer import article_payload
from bot.web.site import POPULAR, Catalogue
from kb_index.articles import Article

logger = logging.getLogger(__name__)

COUNT = 4
WINDOW_DAYS = 30
CACHE_SECONDS = 600.0
MIN_ANSWERS = 5  # per language in the window; fewer: the curated order
MAX_TITLE_CHARS = 80  # a longer question is no button title: the article title instead
ARTICLE_SLOT = "kb_article_id"  # actions.kb.ARTICLE_SLOT (bot.web never imports actions)
LANGUAGE_SLOT = "language"  # actions.language.LANGUAGE_SLOT
STREAM_BATCH = 1000
# ``metadata.origin`` of a message the widget sent for a pressed suggestion (widget.js).
SUGGESTION_ORIGIN = "suggestion"

# Per language, article id -> clear KB answers given in the window.
AnswerCounts = Dict[str, Counter]
Clock = Callable[[], float]


class Suggestion(TypedDict):
    """One suggested question in the widget configuration (``config.suggestions``)."""

    title: str  # a question in the page's language, e.g. "Comment enregistrer une réunion ?"
    payload: str  # '/ask_question{"article_id": "recording"}'


def count_answers(events: Iterator[Tuple[str, str, Optional[float], Mapping]],
                  since: float) -> AnswerCounts:
    """Counts clear KB answers per language and article in an ordered event stream.

    Args:
        events: ``(sender_id, type_name, timestamp, event dict)`` rows ordered by
            conversation, then by event id; ``user``, ``slot`` and ``session_started``
            events are enough.
        since: Unix seconds; answers before it are not counted (their language still
            follows the earlier events).

    Returns:
        ``{lang: Counter({article_id: answers})}``; languages without answers absent.
    """
    counts: AnswerCounts = {}
    current: Optional[str] = None
    language = DEFAULT_LANGUAGE
    suggested = False  # the latest user message was a pressed suggestion
    for sender_id, type_name, timestamp, event in events:
        if sender_id != current:
            current, language, suggested = sender_id, DEFAULT_LANGUAGE, False
        if type_name == "user":
            metadata = event.get("metadata")
            suggested = (isinstance(metadata, dict)
                         and metadata.get("origin") == SUGGESTION_ORIGIN)
        elif type_name == "session_started":
            language = DEFAULT_LANGUAGE  # Rasa resets the slots of a new session
        elif type_name == "slot" and event.get("name") == LANGUAGE_SLOT:
            language = str(event.get("value") or DEFAULT_LANGUAGE)
        elif (type_name == "slot" and event.get("name") == ARTICLE_SLOT
              and event.get("value") and (timestamp or 0.0) >= since
              and not suggested):
            counts.setdefault(language, Counter())[str(event["value"])] += 1
    return counts


def _events(url: str, since: float) -> Iterator[Tuple[str, str, Optional[float], Mapping]]:
    """Streams the user, slot and session events of conversations with a slot set since ``since``.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the store cannot be read.
    """
    from sqlalchemy import column, select, table

    from bot.storage.engine import engine_if_table_exists

    engine = engine_if_table_exists(url, "events")
    if engine is None:
        return
    try:
        events = table("events", column("id"), column("sender_id"), column("type_name"),
                       column("timestamp"), column("data"))
        recent = (select(events.c.sender_id).distinct()
                  .where(events.c.type_name == "slot", events.c.timestamp >= since))
        query = (select(events.c.sender_id, events.c.type_name, events.c.timestamp,
                        events.c.data)
                 .where(events.c.type_name.in_(("user", "slot", "session_started")),
                        events.c.sender_id.in_(recent))
                 .order_by(events.c.sender_id, events.c.id))
        with engine.connect() as connection:
            result = connection.execution_options(
                stream_results=True, yield_per=STREAM_BATCH).execute(query)
            for sender_id, type_name, timestamp, data in result:
                try:
                    event = json.loads(data) if isinstance(data, str) else dict(data or {})
                except (ValueError, TypeError):
                    continue  # a damaged row must not hide the others
                if isinstance(event, dict):
                    yield sender_id, type_name, timestamp, event
    finally:
        engine.dispose()


def load_answer_counts(tracker_store_url: str, since: float) -> AnswerCounts:
    """Clear KB answers per language and article since ``since`` (Unix seconds).

    Args:
        tracker_store_url: SQLAlchemy URL of Rasa's SQL tracker store (SQLite or
            PostgreSQL). A missing SQLite file or table counts nothing.
        since: the window's start, Unix seconds.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the store cannot be read.
    """
    return count_answers(_events(tracker_store_url, since), since)


def question_title(article: Article) -> str:
    """The article's most typical question, for a button title.

    Its first ``questions`` entry that is a question (ends with "?") of at most
    ``MAX_TITLE_CHARS`` characters (the first entries are the canonical phrasings),
    with a capital first letter (training questions are often typed in lower case, a
    button is not); else the article's title.
    """
    for question in article.questions:
        text = " ".join(question.split())
        if text.endswith("?") and len(text) <= MAX_TITLE_CHARS:
            return text[:1].upper() + text[1:]
    return article.title


def choose(counts: Counter, available: Sequence[str], default: Sequence[str],
           count: int = COUNT, min_answers: int = MIN_ANSWERS) -> List[str]:
    """The article ids to suggest: most answered first, padded from ``default``.

    Args:
        counts: article id -> answers in the window, for one language.
        available: the ids of the language's articles (others are never suggested).
        default: the curated order.
        count: how many to return (fewer only if fewer articles exist).
        min_answers: below this many answers in total, ``default`` alone.
    """
    known = set(available)
    ranked: List[str] = []
    if sum(counts.values()) >= min_answers:
        rank = {article_id: position for position, article_id in enumerate(default)}
        ranked = sorted((a for a in counts if a in known and counts[a] > 0),
                        key=lambda a: (-counts[a], rank.get(a, len(rank)), a))
    for article_id in [*default, *sorted(known)]:
        if article_id in known and article_id not in ranked:
            ranked.append(article_id)
    return ranked[:count]


class Suggestions:
    """``suggestions(lang)``: the greeting's suggested questions, counts cached.

    Args:
        catalogue: returns the loaded articles (``bot.web.app.kb_catalogue``).
        counts: ``since`` (Unix seconds) to answers per language and article
            (``load_answer_counts`` on the tracker store); may raise anything, which
            counts as no data.
        default: the curated order (article ids).
        window_days: how far back answers count.
        cache_seconds: how long counts are reused.
        clock: Unix seconds (tests pass a fake).
    """

    def __init__(self, catalogue: Callable[[], Catalogue],
                 counts: Callable[[float], AnswerCounts],
                 default: Sequence[str] = POPULAR, window_days: float = WINDOW_DAYS,
                 cache_seconds: float = CACHE_SECONDS, clock: Clock = time.time) -> None:
        self._catalogue = catalogue
        self._counts = counts
        self._default = tuple(default)
        self._window = window_days * 86400.0
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: Optional[Tuple[float, AnswerCounts]] = None

    def answer_counts(self) -> AnswerCounts:
        """The cached counts, refreshed when older than ``cache_seconds``."""
        now = self._clock()
        with self._lock:
            if self._cached is not None and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            try:
                counts = self._counts(now - self._window)
            except Exception:  # noqa: BLE001 - any store failure: the curated order
                logger.warning("suggestions: the tracker store cannot be read; curated order",
                               exc_info=True)
                counts = {}
            self._cached = (now, counts)
            return counts

    def __call__(self, lang: str) -> List[Suggestion]:
        """Up to ``COUNT`` suggestions in ``lang`` (none for a language without articles)."""
        articles = self._catalogue().by_id.get(lang, {})
        ids = choose(self.answer_counts().get(lang, Counter()), list(articles), self._default)
        return [{"title": question_title(articles[i]), "payload": article_payload(i)}
                for i in ids]


def tracker_store_suggestions(tracker_store_url: str,
                              catalogue: Callable[[], Catalogue]) -> Suggestions:
    """The product's suggestions, counted in the tracker store at ``tracker_store_url``."""
    return Suggestions(catalogue, lambda since: load_answer_counts(tracker_store_url, since))
