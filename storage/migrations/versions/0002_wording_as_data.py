"""round titles as data, languages, pending confirmations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:00:00

A round's title was stored as English text ("Platform maturity pulse — week 48"); it becomes
its week number, composed in the reader's language when shown. Conversations and rounds get a
language. ``forget me`` waits for a ``yes`` in ``pending_confirmation``.
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("pulse_round", sa.Column("week", sa.Integer(), nullable=True))
    op.add_column(
        "pulse_round",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="en"),
    )
    connection = op.get_bind()
    rounds = connection.execute(sa.text("SELECT id, title, opened_at FROM pulse_round")).all()
    for round_id, title, opened_at in rounds:
        found = re.search(r"(\d+)\s*$", title or "")
        if isinstance(opened_at, str):  # SQLite hands raw SQL datetimes back as text
            opened_at = datetime.fromisoformat(opened_at)
        week = int(found.group(1)) if found else opened_at.isocalendar().week
        connection.execute(
            sa.text("UPDATE pulse_round SET week = :week WHERE id = :id"),
            {"week": week, "id": round_id},
        )
    if connection.dialect.name == "sqlite":
        # SQLite drops a plain column in place; a batch copy would lose the partial index.
        op.execute("ALTER TABLE pulse_round DROP COLUMN title")
    else:
        op.drop_column("pulse_round", "title")
        op.alter_column("pulse_round", "week", nullable=False)
    op.create_table(
        "pending_confirmation",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("pending_confirmation")
    op.add_column("pulse_round", sa.Column("title", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE pulse_round SET title = 'Platform maturity pulse — week ' || CAST(week AS TEXT)"
    )
    with op.batch_alter_table("pulse_round") as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("week")
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.drop_column("language")
