"""Relayed user messages carry an idempotency key: a retried relay is stored once.

Revision ID: la0002
Revises: la0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "la0002"
down_revision = "la0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_ticket_messages_idempotency_key",
                                       ["ticket_id", "idempotency_key"])


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_constraint("uq_ticket_messages_idempotency_key", type_="unique")
        batch.drop_column("idempotency_key")
