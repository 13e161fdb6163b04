"""What users send with the help center's self-service forms, in the assistant's database.

A repository over SQLAlchemy (2.0-style queries on 1.4); ``bot.storage.unit_of_work``
commits. Each submission gets a reference (``F-`` and eight characters) that the
confirmation page shows and the user quotes when they write again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Optional

from sqlalchemy import (
    CheckConstraint,
    Column,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Session

from bot.storage.engine import Base, UTCDateTime, as_utc, utcnow

FORM_KINDS = ("report-abuse", "billing-discrepancy", "contact-sales")
# No 0/O or 1/I/L: a reference read out on the phone cannot be misheard as another.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8


class FormSubmission(Base):
    """One sent form: which form, in which language, the reply address and every field."""

    __tablename__ = "form_submissions"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_form_submissions_reference"),
        CheckConstraint("kind IN ('report-abuse', 'billing-discrepancy', 'contact-sales')",
                        name="ck_form_submission_kind"),
        CheckConstraint("status IN ('new', 'in_progress', 'closed')",
                        name="ck_form_submission_status"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(12), nullable=False)
    kind = Column(String(40), nullable=False)
    lang = Column(String(5), nullable=False)
    email = Column(String(254), nullable=False)
    # The form's fields as a JSON object (field name to the text typed, normalised).
    fields = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="new")
    created_at = Column(UTCDateTime(), nullable=False)


@dataclass(frozen=True)
class StoredSubmission:
    """A submission as read back."""

    reference: str
    kind: str
    lang: str
    email: str
    fields: Dict[str, str]
    status: str
    created_at: datetime


def new_reference() -> str:
    """A random reference such as ``F-7KQ2MXH9`` (about 40 bits)."""
    return "F-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class FormSubmissionRepository:
    """Stores and reads form submissions in the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, kind: str, lang: str, email: str, fields: Dict[str, str]) -> str:
        """Stores a submission.

        Args:
            kind: the form, one of ``FORM_KINDS``.
            lang: the page's language.
            email: the address to reply to.
            fields: every field of the form, validated and normalised.

        Returns:
            The new submission's reference.
        """
        reference = new_reference()
        while self.get(reference) is not None:  # 31**8 references: practically never
            reference = new_reference()
        self._session.add(FormSubmission(
            reference=reference, kind=kind, lang=lang, email=email,
            fields=json.dumps(fields, ensure_ascii=False, sort_keys=True), status="new",
            created_at=utcnow()))
        self._session.flush()
        return reference

    def get(self, reference: str) -> Optional[StoredSubmission]:
        """The submission with that reference, or None."""
        row = self._session.execute(
            select(FormSubmission).where(FormSubmission.reference == reference)
        ).scalar_one_or_none()
        if row is None:
            return None
        return StoredSubmission(reference=row.reference, kind=row.kind, lang=row.lang,
                                email=row.email, fields=json.loads(row.fields),
                                status=row.status, created_at=as_utc(row.created_at))
