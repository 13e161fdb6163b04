"""One unit of work over every repository: commit on success, roll back on error."""

from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from bot.accounts.conversations import ConversationRepository
from bot.accounts.store import AccountRepository
from bot.handoff.records import HandoffRepository, OutboxRepository
from bot.knowledge.feedback import FeedbackRepository
from bot.studio.editors import EditorRepository
from bot.web.form_submissions import FormSubmissionRepository


class UnitOfWork:
    """Opens a session and exposes the repositories that share it.

    Usage::

        with UnitOfWork(session_factory) as uow:
            uow.feedback.add(...)
    """

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.feedback = FeedbackRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.handoffs = HandoffRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.editors = EditorRepository(self.session)
        self.form_submissions = FormSubmissionRepository(self.session)
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
