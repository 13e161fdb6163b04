"""The humans' figures: indexes on the tickets' times, and the manager role.

Revision ID: la0004
Revises: la0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "la0004"
down_revision = "la0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_claimed_at", "tickets", ["claimed_at"])
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("manager", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("manager")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
    op.drop_index("ix_tickets_claimed_at", table_name="tickets")
    op.drop_index("ix_tickets_created_at", table_name="tickets")
