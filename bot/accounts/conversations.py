"""Which identity owns each help-center conversation.

A conversation (Rasa sender id) belongs to the identity that sent its first message: a
user id, or the guest marker. Nobody else may continue it, so a leaked or guessed
sender id does not expose another user's conversation or act with their plan.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import Column, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.engine import Base, UTCDateTime, utcnow

GUEST = "guest"


class ConversationOwner(Base):
    """The identity that started a conversation."""

    __tablename__ = "conversation_owners"

    sender_id = Column(String(128), primary_key=True)
    owner = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class ConversationRepository:
    """Claims conversations for identities within one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def owner(self, sender_id: str) -> Optional[str]:
        """Returns who owns a conversation, or None if it has not started."""
        row = self._session.get(ConversationOwner, sender_id)
        return None if row is None else str(row.owner)

    def claim(self, sender_id: str, owner: str) -> bool:
        """Makes ``owner`` the owner of a new conversation; True if they own it now.

        Two first messages racing for one sender id: the primary key lets exactly one
        insert win, and the loser sees the winner's row. Call it first in its unit of
        work: a lost race rolls the session back.
        """
        existing = self.owner(sender_id)
        if existing is not None:
            return existing == owner
        try:
            self._session.add(ConversationOwner(sender_id=sender_id, owner=owner))
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            return self.owner(sender_id) == owner
        return True
