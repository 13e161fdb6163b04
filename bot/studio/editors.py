"""Content editors, their studio sessions, and their decisions about inbox messages.

Stored like the console's agents (Argon2id password hashes, a session cookie whose
SHA-256 is kept), but in the assistant's database: the studio edits the assistant.
A repository over SQLAlchemy (2.0-style queries on 1.4); ``bot.storage.unit_of_work``
commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Literal, Optional, Set

from pydantic import Field
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Text, select
from sqlalchemy.orm import Session

from bot.live_agent.passwords import hash_password, needs_rehash, verify_password
from bot.settings import PROJECT_ROOT
from bot.storage.engine import Base, UTCDateTime, as_utc
from kb_index.data_files import (
    DataFileError,
    DataModel,
    Language,
    RawText,
    duplicates,
    read_yaml_mapping,
    validate,
)
from kb_index.data_files import Text as TextField

DEMO_EDITORS = PROJECT_ROOT / "data" / "demo" / "editors.yml"
SESSION_LIFETIME = timedelta(hours=12)
Decision = Literal["taught", "not_for_us"]


class Editor(Base):
    """A content editor who can sign in to the studio."""

    __tablename__ = "editors"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    password_hash = Column(String(300), nullable=False)
    # Space-separated language codes, e.g. "fr it".
    languages = Column(String(100), nullable=False)
    interface_language = Column(String(5), nullable=False)


class EditorSession(Base):
    """A studio sign-in: the SHA-256 of the cookie's random token."""

    __tablename__ = "editor_sessions"

    token_hash = Column(String(64), primary_key=True)
    editor_id = Column(String(64), ForeignKey("editors.id"), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False)


class InboxDecision(Base):
    """What an editor did with one missed message: taught it, or "not for us"."""

    __tablename__ = "inbox_decisions"
    __table_args__ = (CheckConstraint("decision IN ('taught', 'not_for_us')",
                                      name="ck_inbox_decision_valid"),)

    message_key = Column(String(200), primary_key=True)
    decision = Column(String(20), nullable=False)
    detail = Column(Text, nullable=False)
    editor_id = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)


@dataclass(frozen=True)
class EditorView:
    """A signed-in editor, as the studio shows them."""

    id: str
    name: str
    languages: List[str]
    interface_language: str


def _view(editor: Editor) -> EditorView:
    return EditorView(editor.id, editor.name, editor.languages.split(),
                      editor.interface_language)


def token_hash(token: str) -> str:
    """The stored form of a session token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


class EditorRepository:
    """Editors, sessions and inbox decisions within one database session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def sign_in(self, editor_id: str, password: str, now: datetime) -> Optional[str]:
        """Returns a new session token for the right password, else None.

        An outdated hash is replaced by a fresh Argon2id hash in the same transaction.
        """
        editor = self._session.get(Editor, editor_id)
        if editor is None or not verify_password(password, editor.password_hash):
            return None
        if needs_rehash(editor.password_hash):
            editor.password_hash = hash_password(password)
        token = secrets.token_urlsafe(32)
        self._session.add(EditorSession(token_hash=token_hash(token), editor_id=editor.id,
                                        expires_at=now + SESSION_LIFETIME))
        return token

    def sign_out(self, token: str) -> None:
        """Ends a session (nothing happens for an unknown token)."""
        row = self._session.get(EditorSession, token_hash(token))
        if row is not None:
            self._session.delete(row)

    def editor_for_session(self, token: str, now: datetime) -> Optional[EditorView]:
        """The editor a live session token belongs to; None when unknown or expired."""
        if not token:
            return None
        row = self._session.get(EditorSession, token_hash(token))
        if row is None or as_utc(row.expires_at) < now:
            return None
        editor = self._session.get(Editor, row.editor_id)
        return None if editor is None else _view(editor)

    def decide(self, message_key: str, decision: Decision, detail: str, editor_id: str,
               now: datetime) -> None:
        """Records what was done with an inbox message; the latest decision wins."""
        row = self._session.get(InboxDecision, message_key) or InboxDecision(
            message_key=message_key)
        row.decision, row.detail, row.editor_id, row.created_at = (decision, detail,
                                                                   editor_id, now)
        self._session.add(row)

    def decided_keys(self) -> Set[str]:
        """The keys of every message an editor has taught or set aside."""
        return set(self._session.execute(select(InboxDecision.message_key)).scalars())


class DemoEditorsError(DataFileError):
    """The demo editors file is malformed; each line names the file and the field."""


class DemoEditor(DataModel):
    """A demo content editor."""

    id: TextField
    name: TextField
    password: RawText
    languages: List[Language] = Field(..., min_items=1)
    interface_language: Language


class DemoEditorsFile(DataModel):
    """``data/demo/editors.yml``."""

    editors: List[DemoEditor] = Field(..., min_items=1)


def load_demo_editors(path: Path = DEMO_EDITORS) -> List[DemoEditor]:
    """Reads and checks ``data/demo/editors.yml``.

    Raises:
        DemoEditorsError: (a ``ValueError``) naming the file and every broken field;
            editor ids must be unique.
    """
    data = read_yaml_mapping(path, DemoEditorsError, "editors")
    editors = validate(DemoEditorsFile, data, path, DemoEditorsError).editors
    problems = duplicates((editor.id, f"editors[{number}].id")
                          for number, editor in enumerate(editors))
    if problems:
        raise DemoEditorsError.of(path, problems)
    return editors


def seed_editors(session: Session, path: Path = DEMO_EDITORS) -> int:
    """Creates or updates the demo editors (passwords hashed); returns how many."""
    editors = load_demo_editors(path)
    for entry in editors:
        editor = session.get(Editor, entry.id) or Editor(id=entry.id)
        editor.name = entry.name
        editor.languages = " ".join(entry.languages)
        editor.interface_language = entry.interface_language
        if not editor.password_hash or not verify_password(entry.password,
                                                           editor.password_hash):
            editor.password_hash = hash_password(entry.password)
        session.add(editor)
    return len(editors)
