"""The studio API's wire formats: request bodies (``*In``) and responses (``*Out``).

The page (``bot/studio/static/studio.js``) reads exactly these shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, Field

Lang = Literal["ru", "nb", "fr", "it", "en"]
Reason = Literal["fallback", "kb_no_hit", "voted_down", "escalated_after_answer",
                 "low_confidence"]


class ProblemOut(BaseModel):
    """One thing wrong with an edit: the field, its language, and what to do."""

    field: str
    lang: Optional[str] = None
    message: str


class ErrorOut(BaseModel):
    """Every refusal."""

    error: str
    detail: str
    problems: List[ProblemOut] = []
    # FastAPI's parse errors, for a body that does not parse.
    details: Optional[list] = None
    # The running job, when a second retrain is refused.
    job_id: Optional[str] = None


class StatusOut(BaseModel):
    """A plain acknowledgement."""

    status: str


# -- sign-in ---------------------------------------------------------------------------


class LoginIn(BaseModel):
    """Editor id and password."""

    editor_id: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=200)


class EditorOut(BaseModel):
    """The signed-in editor."""

    id: str
    name: str
    languages: List[str]
    interface_language: str


# -- inbox -----------------------------------------------------------------------------


class TurnOut(BaseModel):
    """A turn around a missed message (personal data masked)."""

    author: Literal["user", "bot"]
    text: str
    intent: Optional[str] = None
    confidence: Optional[float] = None
    current: bool = False


class InboxMessageOut(BaseModel):
    """One message the assistant missed."""

    key: str
    sender: str
    lang: str
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    reasons: List[Reason]
    article_id: Optional[str]
    article_title: Optional[str]
    at: datetime
    context: List[TurnOut]


class InboxGroupOut(BaseModel):
    """Similar missed messages, across languages, as one row."""

    key: str
    size: int
    languages: List[str]
    reasons: List[Reason]
    title: str
    messages: List[InboxMessageOut]


class IntentOut(BaseModel):
    """An intent an editor can teach, with what it means."""

    name: str
    description: str


class ArticleRefOut(BaseModel):
    """An article an editor can add a question to."""

    id: str
    title: str


class InboxOut(BaseModel):
    """``GET /api/studio/inbox``."""

    groups: List[InboxGroupOut]
    intents: List[IntentOut]
    articles: Dict[str, List[ArticleRefOut]]


# -- teaching --------------------------------------------------------------------------


class TeachIntentIn(BaseModel):
    """Confirm or correct the intent of a message: adds a training example."""

    message_key: Optional[str] = Field(None, max_length=200)
    lang: Lang
    text: str = Field(..., max_length=2000)
    intent: str = Field(..., min_length=1, max_length=100)


class TeachQuestionIn(BaseModel):
    """Add a message to an article's questions."""

    message_key: Optional[str] = Field(None, max_length=200)
    lang: Lang
    article_id: str = Field(..., min_length=1, max_length=100)
    question: str = Field(..., max_length=2000)


class EditOut(BaseModel):
    """A saved edit: the file it changed, relative to the project."""

    status: Literal["ok"] = "ok"
    file: str
    detail: str


class ArticleTextIn(BaseModel):
    """One language of a new article."""

    title: str = Field("", max_length=300)
    summary: str = Field("", max_length=2000)
    body: str = Field("", max_length=50_000)
    questions: List[str] = Field(default_factory=list, max_items=200)
    # This language's tags and URL name; empty: the draft's tags, and the id.
    tags: List[str] = Field(default_factory=list, max_items=50)
    slug: str = Field("", max_length=100)


class ArticleDraftIn(BaseModel):
    """A new article in five languages."""

    id: str = Field("", max_length=100)
    tags: List[str] = Field(default_factory=list, max_items=50)
    related: List[str] = Field(default_factory=list, max_items=20)
    languages: Dict[str, ArticleTextIn] = Field(default_factory=dict)
    # The inbox messages the article answers: marked taught when it is created.
    message_keys: List[str] = Field(default_factory=list, max_items=100)


class CatalogueOut(BaseModel):
    """Whether the article is one the catalogue asks for."""

    listed: bool
    detail: str


class DraftCheckOut(BaseModel):
    """``POST /api/studio/articles/check``: problems and the preview, as the editor types."""

    problems: List[ProblemOut]
    preview: Dict[str, str]
    catalogue: CatalogueOut


class ArticleCreatedOut(BaseModel):
    """The five files a new article was written to."""

    status: Literal["ok"] = "ok"
    files: List[str]


# -- retraining and models -------------------------------------------------------------


class RetrainStartedOut(BaseModel):
    """``POST /api/studio/retrain``."""

    job_id: str


class RollbackOut(BaseModel):
    """``POST /api/studio/models/{version}/rollback``."""

    status: Literal["ok"] = "ok"
    version: str
