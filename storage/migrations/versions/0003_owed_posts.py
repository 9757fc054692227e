"""owed posts: the transactional outbox of what the bot must deliver

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owed_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("depends_on", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("in_flight_since", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("message_ref", sa.Text(), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["pulse_round.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["depends_on"], ["owed_post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_owed_post_due", "owed_post", ["state", "next_attempt_at"])
    op.create_index("ix_owed_post_round", "owed_post", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_owed_post_round", table_name="owed_post")
    op.drop_index("ix_owed_post_due", table_name="owed_post")
    op.drop_table("owed_post")
