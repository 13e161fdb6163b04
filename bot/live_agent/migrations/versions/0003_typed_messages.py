"""Typed messages: a kind ("text" or "article"), the message's language, an article card.

Messages stored before this revision are plain text in an unknown language
(``kind`` "text", ``lang`` and ``card`` NULL).

Revision ID: la0003
Revises: la0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "la0003"
down_revision = "la0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=False,
                                   server_default="text"))
        batch.add_column(sa.Column("lang", sa.String(5), nullable=True))
        batch.add_column(sa.Column("card", sa.JSON(), nullable=True))
        batch.create_check_constraint("ck_ticket_messages_kind", "kind IN ('text', 'article')")


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_constraint("ck_ticket_messages_kind", type_="check")
        batch.drop_column("card")
        batch.drop_column("lang")
        batch.drop_column("kind")
