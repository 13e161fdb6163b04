"""The figures' rollup (bot.reporting): conversations, unanswered topics, votes, watermarks.

Revision ID: 0006_reporting
Revises: 0005_form_submissions
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_reporting"
down_revision = "0005_form_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "report_conversations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallback_messages", sa.Integer(), nullable=False),
        sa.Column("kb_answers", sa.Integer(), nullable=False),
        sa.Column("unanswered_messages", sa.Integer(), nullable=False),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("kb_answered", sa.Boolean(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("sender_id", "start_event_id", name="uq_report_conversation"),
    )
    op.create_index("ix_report_conversations_figures", "report_conversations",
                    ["day", "lang", "plan", "handed_off", "kb_answered", "fallback",
                     "user_messages"])
    op.create_table(
        "report_topics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_topics_conversation", "report_topics",
                    ["sender_id", "start_event_id"])
    op.create_index("ix_report_topics_figures", "report_topics",
                    ["day", "lang", "topic", "messages"])
    op.create_table(
        "report_votes",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("lang", sa.String(5), primary_key=True),
        sa.Column("plan", sa.String(20), primary_key=True),
        sa.Column("article_id", sa.String(100), primary_key=True),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("not_helpful", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("report_state")
    op.drop_table("report_votes")
    op.drop_index("ix_report_topics_figures", table_name="report_topics")
    op.drop_index("ix_report_topics_conversation", table_name="report_topics")
    op.drop_table("report_topics")
    op.drop_index("ix_report_conversations_figures", table_name="report_conversations")
    op.drop_table("report_conversations")
