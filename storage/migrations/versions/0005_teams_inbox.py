"""teams_inbox: Teams activities recorded before they are acknowledged

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:00:00

A Teams message is acknowledged at once and handled afterwards; the activity is written
here first, so one acknowledged by an instance that then crashed is handled by the next.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_teams_inbox_pending", "teams_inbox", ["handled_at", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_teams_inbox_pending", table_name="teams_inbox")
    op.drop_table("teams_inbox")
