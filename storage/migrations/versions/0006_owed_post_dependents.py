"""owed_post: an index on depends_on, for pruning settled rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:30:00

Housekeeping forgets owed posts settled a month ago. A row is kept while something still
owed depends on it, and deleting a row deletes what depends on it (ON DELETE CASCADE): both
look rows up by depends_on, which had no index.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_owed_post_depends_on", "owed_post", ["depends_on"])


def downgrade() -> None:
    op.drop_index("ix_owed_post_depends_on", table_name="owed_post")
