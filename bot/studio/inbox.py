"""The studio inbox: what users asked and the assistant missed, grouped across languages.

Built from Rasa's stored conversations (the ``events`` table of the SQL tracker store)
and the 👍/👎 votes. ``conversation_misses`` is a pure function over one conversation's
event dicts; ``group_similar`` joins the same question asked in several languages with
the e5 vectors the NLU pipeline stored in each parse result; ``load_inbox`` streams the
tracker store and does both. Every text an editor sees is masked
(``bot.studio.privacy``).
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
    TypedDict,
)

import numpy as np

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.nlu.evaluation import classifier_intent
from bot.studio.privacy import mask_personal_data
from kb_index.embedding import E5_DIMENSIONS, PARSE_KEY, e5_model_id, unpack

Reason = Literal["fallback", "kb_no_hit", "voted_down", "escalated_after_answer",
                 "low_confidence"]
REASONS: Tuple[Reason, ...] = ("fallback", "kb_no_hit", "voted_down",
                               "escalated_after_answer", "low_confidence")
Role = Literal["user", "bot"]

FALLBACK_INTENT = "nlu_fallback"
# Above the FallbackClassifier's threshold (0.5 in config.yml), below this: understood,
# but barely.
LOW_CONFIDENCE = 0.6
KB_ACTION = "action_answer_from_kb"
ARTICLE_SLOT = "kb_article_id"  # actions.kb.ARTICLE_SLOT, without importing rasa_sdk
LANGUAGE_SLOT = "language"  # actions.language.LANGUAGE_SLOT
VOTE_DOWN_INTENT = "kb_not_helpful"
VOTE_INTENTS = frozenset({"kb_helpful", VOTE_DOWN_INTENT})
ESCALATION_INTENTS = frozenset({"request_human", "report_problem"})
ESCALATION_WINDOW = 2  # user turns after a KB answer
CONTEXT_TURNS = 3  # user turns before and after a missed message
ARTICLE_PAYLOAD = '/ask_question{"article_id"'
# Average-linkage cosine on language-centred e5 vectors; measured in
# tests/unit/test_studio_inbox.py (8 questions x 5 languages join exactly from 0.20 to
# 0.25; raw e5 cosine cannot separate them at all).
GROUP_THRESHOLD = 0.22
# A language with fewer vectors than this in the inbox has no reliable mean of its own:
# then every language is centred on its mean over the NLU training examples
# (LANGUAGE_MEANS), and groups need this higher cosine. A batch mean would remove the
# very topic five messages share: the same question once per language never joined.
MIN_LANGUAGE_CENTRE = 3
REFERENCE_THRESHOLD = 0.40
# Per language, the mean e5 query vector of the training examples (data/nlu/<lang>),
# with the model id it was computed with; rebuilt by ``write_language_means``.
LANGUAGE_MEANS = Path(__file__).resolve().parent / "e5_language_means.npz"
DEFAULT_LIMIT = 2000
STREAM_BATCH = 1000
EVENT_TYPES = ("user", "bot", "action", "slot", "session_started")


class ContextLineWire(TypedDict):
    """One line of the conversation around a missed message."""

    role: Role
    text: str  # masked
    target: bool  # the missed message itself


class InboxMessageWire(TypedDict):
    """A missed message as JSON (no vector)."""

    key: str
    sender_id: str
    lang: str
    text: str
    intent: str
    confidence: float
    article_id: Optional[str]
    reasons: List[Reason]
    timestamp: float
    context: List[ContextLineWire]


class InboxGroupWire(TypedDict):
    """A group of similar missed messages as JSON."""

    key: str
    title: str
    size: int
    languages: List[str]
    reasons: List[Reason]
    messages: List[InboxMessageWire]


@dataclass(frozen=True)
class ContextLine:
    """One user or bot message around a missed message (masked)."""

    role: Role
    text: str
    target: bool = False

    def to_wire(self) -> ContextLineWire:
        """Returns the JSON shape."""
        return {"role": self.role, "text": self.text, "target": self.target}


@dataclass(frozen=True)
class InboxMessage:
    """A user message the assistant missed.

    Attributes:
        key: ``"<sender_id>@<timestamp>"``, the same on every load (the editor's
            decisions refer to it).
        sender_id: the conversation.
        lang: the conversation language after this message (the ``language`` slot).
        text: what the user typed, masked.
        intent: the classifier's best real intent (not ``nlu_fallback``).
        confidence: its confidence, 0.0-1.0.
        article_id: the KB article the assistant showed for it, if any.
        reasons: why it is in the inbox, in ``REASONS`` order.
        timestamp: Unix seconds of the user event.
        vector: the message's e5 vector, shape (384,) float32, or None.
        context: up to 3 user turns before and after, with the bot's replies.
    """

    key: str
    sender_id: str
    lang: str
    text: str
    intent: str
    confidence: float
    article_id: Optional[str]
    reasons: Tuple[Reason, ...]
    timestamp: float
    vector: Optional[np.ndarray] = field(default=None, compare=False, repr=False)
    context: Tuple[ContextLine, ...] = ()

    def to_wire(self) -> InboxMessageWire:
        """Returns the JSON shape (without the vector)."""
        return {"key": self.key, "sender_id": self.sender_id, "lang": self.lang,
                "text": self.text, "intent": self.intent,
                "confidence": round(float(self.confidence), 4),
                "article_id": self.article_id, "reasons": list(self.reasons),
                "timestamp": float(self.timestamp),
                "context": [line.to_wire() for line in self.context]}


@dataclass(frozen=True)
class InboxGroup:
    """Similar missed messages, possibly in several languages: one inbox row.

    Attributes:
        key: the key of its earliest message.
        title: the masked text of the message nearest the group's centre.
        messages: newest first.
        languages: sorted language codes.
        reasons: the union, in ``REASONS`` order.
    """

    key: str
    title: str
    messages: Tuple[InboxMessage, ...]
    languages: Tuple[str, ...]
    reasons: Tuple[Reason, ...]

    @property
    def size(self) -> int:
        """How many messages the group holds."""
        return len(self.messages)

    @property
    def latest(self) -> float:
        """The newest message's timestamp."""
        return self.messages[0].timestamp

    def to_wire(self) -> InboxGroupWire:
        """Returns the JSON shape."""
        return {"key": self.key, "title": self.title, "size": self.size,
                "languages": list(self.languages), "reasons": list(self.reasons),
                "messages": [m.to_wire() for m in self.messages]}


class Vote(Protocol):
    """A 👍/👎 vote as ``bot.knowledge.feedback.KBFeedback`` stores it."""

    @property
    def sender_id(self) -> Optional[str]: ...  # noqa: D102

    @property
    def question(self) -> str: ...  # noqa: D102

    @property
    def helpful(self) -> bool: ...  # noqa: D102


def message_key(sender_id: str, timestamp: float) -> str:
    """The stable key of a user message: its conversation and its event timestamp."""
    return f"{sender_id}@{float(timestamp):.6f}"


def normalise(text: str) -> str:
    """Case, punctuation and spacing folded: how a question is matched without vectors."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def is_payload(text: str) -> bool:
    """True for a button payload ("/kb_not_helpful"), which the user did not type."""
    return text.lstrip().startswith("/")


@dataclass
class _Turn:
    """One user event and what followed it until the next user event."""

    event: Mapping[str, Any]
    lang: str = DEFAULT_LANGUAGE
    kb_ran: bool = False
    article_id: Optional[str] = None
    offered_articles: bool = False
    bot_texts: List[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return str(self.event.get("text") or "")

    @property
    def parse_data(self) -> Mapping[str, Any]:
        data = self.event.get("parse_data")
        return data if isinstance(data, dict) else {}

    @property
    def final_intent(self) -> Optional[str]:
        return (self.parse_data.get("intent") or {}).get("name")

    @property
    def typed(self) -> bool:
        return not is_payload(self.text)


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a dict, else an empty one: stored events may lack any part."""
    return value if isinstance(value, dict) else {}


def _detected_language(parse_data: Mapping[str, Any]) -> Optional[str]:
    detection = parse_data.get("language")
    return detection.get("language") if isinstance(detection, dict) else None


def _turns(events: Iterable[Mapping[str, Any]]) -> List[_Turn]:
    """Splits a conversation into user turns, following the ``language`` slot."""
    turns: List[_Turn] = []
    language: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            language = None  # Rasa resets the slots of a new session
        elif kind == "slot" and event.get("name") == LANGUAGE_SLOT:
            language = event.get("value") or None
        if kind == "user":
            turns.append(_Turn(event=event))
        elif not turns:
            continue
        turn = turns[-1]
        if kind == "action" and event.get("name") == KB_ACTION:
            turn.kb_ran = True
        elif kind == "slot" and event.get("name") == ARTICLE_SLOT and event.get("value"):
            turn.article_id = turn.article_id or str(event["value"])
        elif kind == "bot":
            data = _mapping(event.get("data"))
            card = _mapping(_mapping(data.get("custom")).get("kb"))
            if card.get("article_id"):
                turn.article_id = str(card["article_id"])
            buttons = data.get("buttons") or []
            if any(str(b.get("payload", "")).startswith(ARTICLE_PAYLOAD)
                   for b in buttons if isinstance(b, dict)):
                turn.offered_articles = True
            if event.get("text"):
                turn.bot_texts.append(str(event["text"]))
        turn.lang = language or _detected_language(turn.parse_data) or DEFAULT_LANGUAGE
    return turns


# What a button the user pressed is shown as in the context; other payloads ("/intent"
# or an article's button) as the button's intent without its JSON.
PAYLOAD_LABELS = {"/kb_helpful": "👍", "/kb_not_helpful": "👎"}


def _shown(text: str) -> str:
    if not is_payload(text):
        return mask_personal_data(text)
    name = text.split("{", 1)[0]
    return PAYLOAD_LABELS.get(name, f"[{name.lstrip('/')}]")


def _context(turns: Sequence[_Turn], index: int) -> Tuple[ContextLine, ...]:
    lines: List[ContextLine] = []
    for i in range(max(0, index - CONTEXT_TURNS), min(len(turns), index + CONTEXT_TURNS + 1)):
        lines.append(ContextLine("user", _shown(turns[i].text), i == index))
        lines.extend(ContextLine("bot", mask_personal_data(t)) for t in turns[i].bot_texts)
    return tuple(lines)


def _vector(parse_data: Mapping[str, Any]) -> Optional[np.ndarray]:
    return unpack(parse_data.get(PARSE_KEY), e5_model_id(), E5_DIMENSIONS)


def conversation_misses(
    sender_id: str,
    events: Sequence[Mapping[str, Any]],
    voted_down_questions: Optional[Set[str]] = None,
) -> List[InboxMessage]:
    """The typed user messages of one conversation that the assistant missed.

    Args:
        sender_id: the conversation id.
        events: its Rasa events in order, as dicts (``tracker.events`` or the
            ``data`` column of the events table).
        voted_down_questions: ``normalise``d questions this sender voted 👎 (KBFeedback
            rows with ``helpful=False``); a vote marks the message it is about.

    Returns:
        The missed messages in conversation order. Button payloads are never listed,
        but a payload 👎 marks the typed message before it.
    """
    turns = _turns(events)
    voted = voted_down_questions or set()
    reasons: Dict[int, List[Reason]] = {i: [] for i, t in enumerate(turns) if t.typed}
    # The typed message each turn belongs to: payload turns (an article chosen from a
    # button, a vote) continue the last typed one.
    owner: List[Optional[int]] = []
    last_typed: Optional[int] = None
    for i, turn in enumerate(turns):
        if turn.typed and turn.final_intent not in VOTE_INTENTS:
            last_typed = i
        owner.append(i if turn.typed else last_typed)

    article: Dict[int, Optional[str]] = {}
    for i, turn in enumerate(turns):
        target = owner[i]
        if target is not None and turn.article_id and not article.get(target):
            article[target] = turn.article_id

    for i, turn in enumerate(turns):
        if turn.final_intent == VOTE_DOWN_INTENT:
            previous = next((j for j in range(i - 1, -1, -1)
                             if turns[j].typed and turns[j].final_intent not in VOTE_INTENTS),
                            None)
            if previous is not None:
                reasons[previous].append("voted_down")
        if turn.article_id and owner[i] is not None:
            later = turns[i + 1:i + 1 + ESCALATION_WINDOW]
            if any(t.final_intent in ESCALATION_INTENTS for t in later):
                reasons[owner[i]].append("escalated_after_answer")  # type: ignore[index]

    misses: List[InboxMessage] = []
    for i, turn in enumerate(turns):
        if not turn.typed:
            continue
        found = reasons[i]
        intent, confidence = classifier_intent(turn.parse_data)
        if turn.final_intent == FALLBACK_INTENT:
            found.append("fallback")
        elif confidence < LOW_CONFIDENCE:
            found.append("low_confidence")
        if turn.kb_ran and not turn.article_id and not turn.offered_articles:
            found.append("kb_no_hit")
        if normalise(turn.text) in voted:
            found.append("voted_down")
        if not found:
            continue
        timestamp = float(turn.event.get("timestamp") or 0.0)
        misses.append(InboxMessage(
            key=message_key(sender_id, timestamp), sender_id=sender_id, lang=turn.lang,
            text=mask_personal_data(turn.text), intent=intent, confidence=confidence,
            article_id=article.get(i), reasons=tuple(r for r in REASONS if r in found),
            timestamp=timestamp, vector=_vector(turn.parse_data),
            context=_context(turns, i)))
    return misses


def _centred(messages: Sequence[InboxMessage]) -> np.ndarray:
    """Unit vectors with each language's mean removed: e5 vectors carry their language.

    Raw e5 cosine puts "reset my password" and "change my e-mail" in French (0.91)
    closer than "dark mode?" in Russian and Norwegian (0.79).
    """
    vectors = np.stack([np.asarray(m.vector, dtype=np.float64) for m in messages])
    langs = np.array([m.lang for m in messages])
    centred = vectors - vectors.mean(axis=0)
    for lang in sorted(set(langs.tolist())):
        rows = langs == lang
        if rows.sum() >= MIN_LANGUAGE_CENTRE:
            centred[rows] = vectors[rows] - vectors[rows].mean(axis=0)
    return _unit(centred)


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0))


@lru_cache(maxsize=2)
def language_means(path: Path = LANGUAGE_MEANS) -> Optional[Dict[str, np.ndarray]]:
    """The training examples' mean e5 vector per language; None if missing or stale."""
    try:
        with np.load(path) as stored:
            if str(stored["model"]) != e5_model_id():
                return None
            return {lang: np.asarray(stored[lang], dtype=np.float64)
                    for lang in SUPPORTED_LANGUAGES}
    except (OSError, KeyError, ValueError):
        return None


def write_language_means(root: Path, path: Path = LANGUAGE_MEANS) -> None:
    """Recomputes ``LANGUAGE_MEANS`` from ``root/data/nlu/<lang>`` (loads e5 and Rasa)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from kb_index.embedding import e5_queries

    means = {}
    for lang in SUPPORTED_LANGUAGES:
        examples = load_data(str(root / "data" / "nlu" / lang)).training_examples
        texts = sorted({str(m.get("text")) for m in examples if m.get("text")})
        means[lang] = e5_queries(texts).astype(np.float64).mean(axis=0)
    np.savez(path, model=e5_model_id(), **means)
    language_means.cache_clear()


def _centring(messages: Sequence[InboxMessage],
              threshold: float) -> Tuple[np.ndarray, float]:
    """The centred unit vectors to cluster, and the threshold that goes with them."""
    counts = Counter(m.lang for m in messages)
    reference = language_means()
    if reference is None or min(counts.values()) >= MIN_LANGUAGE_CENTRE \
            or any(lang not in reference for lang in counts):
        return _centred(messages), threshold
    vectors = np.stack([np.asarray(m.vector, dtype=np.float64) - reference[m.lang]
                        for m in messages])
    return _unit(vectors), max(threshold, REFERENCE_THRESHOLD)


def _clusters(vectors: np.ndarray, threshold: float) -> List[List[int]]:
    """Average-linkage clusters of unit vectors whose mean cosine is >= threshold."""
    if len(vectors) == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage  # not at import time

    tree = linkage(vectors, method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    clusters: Dict[int, List[int]] = {}
    for index, label in enumerate(labels.tolist()):
        clusters.setdefault(label, []).append(index)
    return sorted(clusters.values(), key=lambda c: c[0])


def _group(messages: Sequence[InboxMessage], title_index: int) -> InboxGroup:
    ordered = sorted(messages, key=lambda m: (-m.timestamp, m.key))
    earliest = min(messages, key=lambda m: (m.timestamp, m.key))
    found = {r for m in messages for r in m.reasons}
    return InboxGroup(key=earliest.key, title=messages[title_index].text,
                      messages=tuple(ordered),
                      languages=tuple(sorted({m.lang for m in messages})),
                      reasons=tuple(r for r in REASONS if r in found))


def group_similar(messages: Sequence[InboxMessage],
                  threshold: float = GROUP_THRESHOLD) -> List[InboxGroup]:
    """Groups the same question asked in any language.

    Args:
        messages: missed messages; those with an e5 vector are clustered (average
            linkage, cosine on language-centred vectors), the others join the group
            holding the same ``normalise``d text, or one of their own.
        threshold: the mean centred cosine within a group, -1.0-1.0.

    Returns:
        Groups sorted by size (largest first), then newest message, then key. The
        result does not depend on the order of ``messages``.
    """
    ordered = sorted(messages, key=lambda m: (m.timestamp, m.key))
    with_vector = [m for m in ordered if m.vector is not None]
    members: List[List[InboxMessage]] = []
    titles: List[int] = []
    by_text: Dict[str, int] = {}
    if with_vector:
        vectors, cut = _centring(with_vector, threshold)
        for cluster in _clusters(vectors, cut):
            centre = vectors[cluster].mean(axis=0)
            scores = vectors[cluster] @ centre
            titles.append(int(np.argmax(scores)))
            members.append([with_vector[i] for i in cluster])
            for i in cluster:
                by_text.setdefault(normalise(with_vector[i].text), len(members) - 1)
    for message in ordered:
        if message.vector is not None:
            continue
        text = normalise(message.text)
        if text not in by_text:
            by_text[text] = len(members)
            members.append([])
            titles.append(0)
        members[by_text[text]].append(message)
    groups = [_group(group, title) for group, title in zip(members, titles, strict=True)]
    return sorted(groups, key=lambda g: (-g.size, -g.latest, g.key))


def _voted_down(votes: Iterable[Vote]) -> Dict[str, Set[str]]:
    """``normalise``d 👎 questions per sender."""
    down: Dict[str, Set[str]] = {}
    for vote in votes:
        if not vote.helpful and vote.sender_id:
            down.setdefault(vote.sender_id, set()).add(normalise(vote.question or ""))
    return down


def _conversations(url: str) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """Streams (sender_id, events) from a tracker store's ``events`` table.

    One query ordered by conversation then id, read in batches (a server-side cursor
    on PostgreSQL): only one conversation's events are held at a time.
    """
    from sqlalchemy import column, select, table

    from bot.storage.engine import engine_if_table_exists

    engine = engine_if_table_exists(url, "events")
    if engine is None:
        return
    try:
        events = table("events", column("id"), column("sender_id"), column("type_name"),
                       column("data"))
        query = (select(events.c.sender_id, events.c.data)
                 .where(events.c.type_name.in_(EVENT_TYPES))
                 .order_by(events.c.sender_id, events.c.id))
        with engine.connect() as connection:
            result = connection.execution_options(
                stream_results=True, yield_per=STREAM_BATCH).execute(query)
            current: Optional[str] = None
            batch: List[Dict[str, Any]] = []
            for sender_id, data in result:
                if sender_id != current:
                    if current is not None:
                        yield current, batch
                    current, batch = sender_id, []
                try:
                    batch.append(json.loads(data) if isinstance(data, str) else dict(data))
                except (ValueError, TypeError):
                    continue  # a damaged row must not hide the rest of the inbox
            if current is not None:
                yield current, batch
    finally:
        engine.dispose()


def load_misses(tracker_store_url: str, feedback: Sequence[Vote],
                decided: Set[str], limit: int = DEFAULT_LIMIT) -> List[InboxMessage]:
    """The newest ``limit`` missed messages of every stored conversation.

    Args:
        tracker_store_url: SQLAlchemy URL of Rasa's SQL tracker store (SQLite or
            PostgreSQL); only read.
        feedback: the stored votes (``KBFeedback`` rows or anything with
            ``sender_id``, ``question`` and ``helpful``).
        decided: message keys an editor already taught or marked "not for us".
        limit: how many of the newest misses to keep (bounds memory and grouping).

    Returns:
        Misses, newest first.
    """
    down = _voted_down(feedback)
    newest: List[Tuple[float, str, InboxMessage]] = []
    for sender_id, events in _conversations(tracker_store_url):
        for miss in conversation_misses(sender_id, events, down.get(sender_id)):
            if miss.key in decided:
                continue
            item = (miss.timestamp, miss.key, miss)
            if len(newest) < limit:
                heapq.heappush(newest, item)
            elif item[:2] > newest[0][:2]:
                heapq.heapreplace(newest, item)
    return [m for _, _, m in sorted(newest, key=lambda x: (-x[0], x[1]))]


def load_inbox(tracker_store_url: str, feedback: Sequence[Vote], decided: Set[str],
               limit: int = DEFAULT_LIMIT,
               threshold: float = GROUP_THRESHOLD) -> List[InboxGroup]:
    """The inbox: the newest ``limit`` misses, grouped across languages.

    Args:
        tracker_store_url: see ``load_misses``.
        feedback: see ``load_misses``.
        decided: see ``load_misses``.
        limit: see ``load_misses``.
        threshold: see ``group_similar``.

    Returns:
        Groups, largest then newest first (``InboxGroup.to_wire`` for JSON).
    """
    return group_similar(load_misses(tracker_store_url, feedback, decided, limit), threshold)
