"""Answer feedback (👍/👎 on KB answers), stored in SQL so editors can see what fails.

A repository over SQLAlchemy (2.0-style queries on 1.4); ``bot.storage.unit_of_work`` commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import Boolean, Column, Integer, String, Text, func, select
from sqlalchemy.orm import Session

from bot.storage.engine import Base, UTCDateTime, utcnow


class KBFeedback(Base):
    """One vote on one KB answer."""

    __tablename__ = "kb_feedback"

    id = Column(Integer, primary_key=True)
    article_id = Column(String(100), nullable=False, index=True)
    lang = Column(String(5), nullable=False)
    question = Column(Text, nullable=False)
    helpful = Column(Boolean, nullable=False)
    sender_id = Column(String(128), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


@dataclass(frozen=True)
class ArticleScore:
    """Votes for one article in one language."""

    article_id: str
    lang: str
    helpful: int
    not_helpful: int


class FeedbackRepository:
    """Stores and reads feedback within one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, feedback: KBFeedback) -> None:
        """Adds a vote; it is written when the unit of work commits."""
        self._session.add(feedback)

    def for_article(self, article_id: str, lang: Optional[str] = None) -> List[KBFeedback]:
        """Returns the votes on an article, newest first."""
        query = select(KBFeedback).where(KBFeedback.article_id == article_id)
        if lang:
            query = query.where(KBFeedback.lang == lang)
        return list(self._session.execute(query.order_by(KBFeedback.id.desc())).scalars())

    def votes(self, helpful: Optional[bool] = None) -> List[KBFeedback]:
        """Returns every vote (only the 👍 or only the 👎 ones if asked), oldest first."""
        query = select(KBFeedback)
        if helpful is not None:
            query = query.where(KBFeedback.helpful == helpful)
        return list(self._session.execute(query.order_by(KBFeedback.id)).scalars())

    def scores(self) -> List[ArticleScore]:
        """Returns helpful / not-helpful counts per article and language, worst first."""
        helpful_votes = func.sum(func.cast(KBFeedback.helpful, Integer))
        all_votes = func.count(KBFeedback.id)
        rows = self._session.execute(
            select(KBFeedback.article_id, KBFeedback.lang, helpful_votes, all_votes)
            .group_by(KBFeedback.article_id, KBFeedback.lang)
        ).all()
        scores = [ArticleScore(article, lang, int(up or 0), int(total) - int(up or 0))
                  for article, lang, up, total in rows]
        return sorted(scores, key=lambda s: (s.helpful - s.not_helpful, s.article_id, s.lang))
