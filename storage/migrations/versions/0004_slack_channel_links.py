"""Slack conversation names as channel links the renderer may show as links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:00:00

A Slack channel's name is stored as its link, ``<#C…>``. Slack output escapes everything it
shows, so the link showed as text in reminders and ``my answers``; the name now sits between
Unicode isolate marks (U+2068 … U+2069), which only the bot writes (they are removed from
what people type), and the Slack renderer shows exactly that as a link.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_OPEN, _CLOSE = "\u2068", "\u2069"


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE conversation SET name = :open || name || :close "
            "WHERE platform = 'slack' AND name LIKE '<#%>'"
        ).bindparams(open=_OPEN, close=_CLOSE)
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE conversation SET name = substr(name, 2, length(name) - 2) "
            "WHERE platform = 'slack' AND name LIKE :pattern"
        ).bindparams(pattern=f"{_OPEN}<#%>{_CLOSE}")
    )
