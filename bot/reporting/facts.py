"""One conversation's facts, from its rows of Rasa's ``events`` table (pure functions).

A conversation is a Rasa session: from a sender's ``session_started`` event (or the
``action_session_start`` just before it) to the next one; events before a sender's first
``session_started`` form a session of their own. It is keyed by its sender and the id
of the event that opens it. Only sessions with a user
message count; a session's day is the UTC date of its first user message. Why a session
and not "a sender's events in the window": Rasa starts a new session after 60 minutes
of silence (``session_expiration_time`` in ``domain/conversation.yml``), so a user who
comes back days later with a new problem is a new conversation, and a conversation is
never cut in two by the edge of a report's period.

A new session repeats the old one's slots (``actions.session``): those slot events come
before the session's first user message and are read only for the language, never as a
new KB answer or a new ticket.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.reporting.models import TOPIC_CHARS
from bot.studio.privacy import mask_personal_data

# Names in the domain and the actions (not imported: actions import rasa_sdk).
LANGUAGE_SLOT = "language"  # actions.language.LANGUAGE_SLOT
ARTICLE_SLOT = "kb_article_id"  # actions.kb.ARTICLE_SLOT
QUESTION_SLOT = "kb_question"  # actions.kb.QUESTION_SLOT
TICKET_SLOT = "last_ticket_id"  # actions.handoff.TICKET_SLOT, set by action_complete_handoff
KB_ACTION = "action_answer_from_kb"
SESSION_START_ACTION = "action_session_start"
FALLBACK_INTENT = "nlu_fallback"
# The KB finds no article for a problem report by design (actions.kb): not a miss.
NOT_QUESTIONS = frozenset({"report_problem"})
# The event types a conversation's facts depend on (the others are never read).
EVENT_TYPES = ("user", "action", "slot", "session_started")

# (id, type_name, timestamp, intent_name, action_name, data): a row of ``events``.
EventRow = Tuple[int, str, Optional[float], Optional[str], Optional[str], Optional[str]]


@dataclass
class ConversationFacts:
    """What one conversation (session) did.

    Attributes:
        sender_id: Rasa's conversation id.
        start_event_id: the id of the event that opens the session.
        last_event_id: the id of its last event read so far.
        first_user_at: Unix seconds of its first user message; None if none yet.
        lang: the last ``language`` slot value set in the session (carried over
            included), else the language detected in its first user message, else
            ``DEFAULT_LANGUAGE``.
        user_messages: user events (typed or buttons).
        fallback_messages: user events whose intent is ``nlu_fallback``.
        kb_answers: ``kb_article_id`` slot events with a value after the first user
            message (a clear KB answer each).
        handed_off: a ``last_ticket_id`` slot event with a value after the first user
            message: a ticket was created in this session.
        topics: the masked, normalised text of each unanswered message, in order.
    """

    sender_id: str
    start_event_id: int
    last_event_id: int
    first_user_at: Optional[float] = None
    lang: str = DEFAULT_LANGUAGE
    user_messages: int = 0
    fallback_messages: int = 0
    kb_answers: int = 0
    handed_off: bool = False
    topics: List[str] = field(default_factory=list)

    @property
    def day(self) -> Optional[date]:
        """The UTC date of the first user message (None without one)."""
        if self.first_user_at is None:
            return None
        return datetime.fromtimestamp(self.first_user_at, tz=timezone.utc).date()


def topic_text(text: str) -> str:
    """A message as a topic: personal data masked, case and punctuation folded.

    ``"Hi, my e-mail a.b@x.no is WRONG!"`` -> ``"hi my e mail [email] is wrong"``; at most
    ``TOPIC_CHARS`` characters.
    """
    masked = mask_personal_data(text)
    return " ".join(re.sub(r"[^\w\[\]]+", " ", masked.casefold()).split())[:TOPIC_CHARS]


def _data(row: EventRow) -> Mapping[str, Any]:
    raw = row[5]
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}  # a damaged row must not stop the report
    return value if isinstance(value, dict) else {}


def _detected_language(data: Mapping[str, Any]) -> Optional[str]:
    parse = data.get("parse_data")
    detection = parse.get("language") if isinstance(parse, dict) else None
    value = detection.get("language") if isinstance(detection, dict) else None
    return value if value in SUPPORTED_LANGUAGES else None


@dataclass
class _Turn:
    """One user message and what the assistant did until the next one."""

    text: str
    intent: Optional[str]
    kb_ran: bool = False
    answered: bool = False  # a clear KB answer, or articles offered (kb_question set)

    def unanswered(self) -> bool:
        typed = bool(self.text.strip()) and not self.text.lstrip().startswith("/")
        missed = self.intent == FALLBACK_INTENT or self.kb_ran
        return typed and missed and not self.answered and self.intent not in NOT_QUESTIONS


def split_sessions(rows: Iterable[EventRow]) -> List[List[EventRow]]:
    """A sender's rows (in id order) cut before every session start.

    A session opens with ``session_started``, or with the ``action_session_start``
    action just before it (Rasa writes the two together).
    """
    sessions: List[List[EventRow]] = []
    for row in rows:
        if not sessions:
            sessions.append([])
        elif row[1] == "session_started":
            current = sessions[-1]
            opener = current[-1:] if current and current[-1][4] == SESSION_START_ACTION else []
            if len(current) > len(opener):
                del current[len(current) - len(opener):]
                sessions.append(list(opener))
        sessions[-1].append(row)
    return sessions


def session_facts(sender_id: str, rows: Sequence[EventRow]) -> ConversationFacts:
    """The facts of one session.

    Args:
        sender_id: the conversation id.
        rows: the session's ``events`` rows in id order, non-empty (see ``EventRow``).

    Returns:
        Its facts (``first_user_at`` None if it holds no user message).
    """
    facts = ConversationFacts(sender_id, start_event_id=rows[0][0], last_event_id=rows[-1][0])
    slot_language: Optional[str] = None
    detected: Optional[str] = None
    turn: Optional[_Turn] = None
    for event_id, kind, timestamp, intent, action, _ in rows:
        if kind == "user":
            data = _data((event_id, kind, timestamp, intent, action, _))
            if turn is not None and turn.unanswered():
                facts.topics.append(topic_text(turn.text))
            turn = _Turn(text=str(data.get("text") or ""), intent=intent)
            facts.user_messages += 1
            if facts.first_user_at is None:
                facts.first_user_at = float(timestamp or 0.0)
                detected = _detected_language(data)
            if intent == FALLBACK_INTENT:
                facts.fallback_messages += 1
        elif kind == "slot":
            data = _data((event_id, kind, timestamp, intent, action, _))
            name, value = data.get("name"), data.get("value")
            if name == LANGUAGE_SLOT and value in SUPPORTED_LANGUAGES:
                slot_language = str(value)
            if turn is None or not value:
                continue  # carried over from the previous session, or cleared
            if name == ARTICLE_SLOT:
                facts.kb_answers += 1
                turn.answered = True
            elif name == QUESTION_SLOT:
                turn.answered = True
            elif name == TICKET_SLOT:
                facts.handed_off = True
        elif kind == "action" and action == KB_ACTION and turn is not None:
            turn.kb_ran = True
    if turn is not None and turn.unanswered():
        facts.topics.append(topic_text(turn.text))
    facts.topics = [t for t in facts.topics if t]
    facts.lang = slot_language or detected or DEFAULT_LANGUAGE
    return facts


def sender_facts(sender_id: str, rows: Iterable[EventRow]) -> List[ConversationFacts]:
    """Every session of a sender's rows (in id order), oldest first."""
    return [session_facts(sender_id, session) for session in split_sessions(rows)]

