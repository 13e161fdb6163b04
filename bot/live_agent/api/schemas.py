"""The live-agent API's wire formats: request bodies (``*In``) and responses (``*Out``).

Field order is the order of the keys on the wire. ``report`` and ``transcript`` are
the assistant's own JSON, stored and shown back as they came: the service does not
interpret them, so they stay free-form objects inside the typed ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Literal, Optional, Type, TypeVar, Union

from pydantic import BaseModel, Field

from bot.live_agent.agent_texts import CannedReply, ConsoleTexts
from bot.live_agent.service import TicketView
from bot.live_agent.ticket_summary import ReportLine, TicketSummary, readable_report, ticket_summary

Priority = Literal["P1", "P2", "P3", "P4"]
TicketStatus = Literal["open", "claimed", "resolved"]
T = TypeVar("T", bound="TicketOut")

# -- requests ----------------------------------------------------------------------------


class TicketIn(BaseModel):
    """A handoff from the assistant."""

    id: str = Field(..., min_length=1, max_length=64)
    sender_id: str = Field(..., min_length=1, max_length=128)
    user_id: str = Field(..., min_length=1, max_length=64)
    user_name: str = Field("", max_length=200)
    user_email: str = Field("", max_length=254)
    account_id: str = Field(..., min_length=1, max_length=64)
    plan: str = Field(..., max_length=20)
    support_tier: str = Field(..., max_length=20)
    language: str = Field(..., min_length=2, max_length=5)
    priority: str = Field(..., regex=r"^P[1-4]$")
    first_response_due: datetime
    resolution_due: Optional[datetime] = None
    report: Dict[str, Any] = Field(default_factory=dict)
    transcript: List[Dict[str, Any]] = Field(default_factory=list)
    # Also sent as the Idempotency-Key header; the header is what counts.
    idempotency_key: Optional[str] = None


class ArticleCard(BaseModel):
    """A KB article as the widget's card shows it, in one language.

    The console fetches it in the user's language from the help center
    (``GET /api/kb/articles/{id}?lang=``) and sends it as an ``"article"`` message.
    """

    article_id: str = Field(..., min_length=1, max_length=100)
    lang: str = Field(..., regex=r"^(ru|nb|fr|it|en)$")
    title: str = Field(..., min_length=1, max_length=300)
    summary: str = Field("", max_length=2000)
    # A help-center path ("/ru/articles/…") or an http(s) URL.
    url: str = Field(..., max_length=500, regex=r"^(/[^/\\]|https?://)")


class MessageIn(BaseModel):
    """A message in a ticket's conversation.

    ``{"text": "…"}`` (optionally with its ``lang``); an agent may instead send
    ``{"canned": "greeting"}`` (the text in the user's language) or
    ``{"kind": "article", "card": {…}}`` (the text is the card's summary or title).
    """

    text: str = ""
    kind: Literal["text", "article"] = "text"
    lang: Optional[str] = Field(None, regex=r"^(ru|nb|fr|it|en)$")
    card: Optional[ArticleCard] = None
    canned: Optional[str] = Field(None, max_length=50)


class RatingIn(BaseModel):
    """The user's satisfaction rating."""

    rating: int


class LoginIn(BaseModel):
    """Console credentials."""

    agent_id: str
    password: str


class OnlineIn(BaseModel):
    """An agent's availability."""

    online: bool


# -- responses ---------------------------------------------------------------------------


class StatusOut(BaseModel):
    """A one-word answer: ``{"status": "ok"}``, ``{"status": "logged out"}``."""

    status: str


class ErrorOut(BaseModel):
    """Every refusal: a stable code and a detail (text, or the validation errors)."""

    error: str
    detail: Union[str, List[Dict[str, Any]]]


class AgentOut(BaseModel):
    """A support agent as the console shows them."""

    id: str
    name: str
    languages: List[str]
    online: bool


class NoAgentOut(BaseModel):
    """``{}``: a login whose agent vanished between the password check and the read-back."""


class TicketOut(BaseModel):
    """A ticket in the queue (no report, no transcript)."""

    id: str
    sender_id: str
    user_id: str
    user_name: str
    account_id: str
    plan: str
    support_tier: str
    language: str
    agent_language: str
    priority: Priority
    status: TicketStatus
    claimed_by: Optional[str]
    first_response_due: datetime
    resolution_due: Optional[datetime]
    created_at: datetime
    breached: bool
    rating: Optional[int]
    claimed_by_name: Optional[str] = None
    claimed_at: Optional[datetime] = None
    last_message_id: int = 0

    @classmethod
    def from_view(cls: Type[T], view: TicketView, **extra: Any) -> T:
        """This model's fields of a ticket (plus ``extra``, e.g. ``agents_online``)."""
        return cls(**{name: getattr(view, name) for name in cls.__fields__
                      if name not in extra}, **extra)


class TicketCreatedOut(TicketOut):
    """The answer to a handoff: the ticket, and whether anyone can take it now."""

    agents_online: bool


class TicketDetailOut(TicketOut):
    """One ticket with the assistant's report and the conversation before the handoff.

    ``report`` and ``transcript`` are as the assistant sent them; ``report_lines`` and
    ``summary`` are the same facts readable in the agent's language (English by default,
    ``?lang=`` for another), times in the user's time zone.
    """

    report: Dict[str, Any]
    transcript: List[Dict[str, Any]]
    report_lines: List[ReportLine]
    summary: TicketSummary

    @classmethod
    def of(cls, view: TicketView, lang: str = "en") -> TicketDetailOut:
        """The ticket with its readable report and summary in ``lang``."""
        return cls.from_view(view, report_lines=readable_report(view.report, lang),
                             summary=ticket_summary(vars(view), lang))


class MessageOut(BaseModel):
    """One message of a ticket's live conversation."""

    id: int
    author: Literal["user", "agent", "system"]
    text: str
    agent_name: Optional[str]
    at: datetime
    kind: Literal["text", "article"] = "text"
    lang: Optional[str] = None  # None: stored before languages were recorded
    card: Optional[ArticleCard] = None
    # A canned reply's text in the reader's language (GET …/messages?lang=); else None.
    agent_text: Optional[str] = None


class CannedReplyOut(BaseModel):
    """A canned reply: ``{"id", "label", "texts": {lang: text}}``."""

    id: str
    label: str
    texts: Dict[str, str]

    @classmethod
    def of(cls, reply: CannedReply) -> CannedReplyOut:
        """The wire form of a reply."""
        return cls(**reply)


class ConsoleTextsOut(BaseModel):
    """The console's own interface in one language: ``{"lang", "texts", tables…}``.

    ``texts`` maps a key to its text, or to its plural forms (``{"one": …, "other": …}``);
    ``{fields}`` are filled by the page. The tables name plan, support-tier and language
    codes as the report does.
    """

    lang: str
    texts: Dict[str, Union[str, Dict[str, str]]]
    plans: Dict[str, str]
    support_tiers: Dict[str, str]
    languages: Dict[str, str]

    @classmethod
    def of(cls, texts: ConsoleTexts) -> ConsoleTextsOut:
        """The wire form of the console's texts."""
        return cls(**texts)


class NotificationOut(BaseModel):
    """A message owed to the user outside the chat (an email when nobody is online)."""

    channel: str
    recipient: str
    subject: str
    body: str
