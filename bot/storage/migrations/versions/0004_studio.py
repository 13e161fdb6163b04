"""The editors' studio: editors, their sessions, and what they decided about inbox messages.

Revision ID: 0004_studio
Revises: 0003_handoffs
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_studio"
down_revision = "0003_handoffs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "editors",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("interface_language", sa.String(5), nullable=False),
    )
    op.create_table(
        "editor_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("editor_id", sa.String(64), sa.ForeignKey("editors.id"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbox_decisions",
        sa.Column("message_key", sa.String(200), primary_key=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("editor_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('taught', 'not_for_us')",
                           name="ck_inbox_decision_valid"),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("inbox_decisions")
    op.drop_table("editor_sessions")
    op.drop_table("editors")
