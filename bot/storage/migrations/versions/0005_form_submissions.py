"""The help center's self-service forms: what users sent.

Revision ID: 0005_form_submissions
Revises: 0004_studio
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_form_submissions"
down_revision = "0004_studio"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference", name="uq_form_submissions_reference"),
        sa.CheckConstraint("kind IN ('report-abuse', 'billing-discrepancy', 'contact-sales')",
                           name="ck_form_submission_kind"),
        sa.CheckConstraint("status IN ('new', 'in_progress', 'closed')",
                           name="ck_form_submission_status"),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("form_submissions")
