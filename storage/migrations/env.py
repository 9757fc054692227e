"""Alembic environment: migrations run against DATABASE_URL, one instance at a time."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from storage.engine import make_engine
from storage.tables import metadata

# A fixed key for PostgreSQL's advisory lock: several instances starting together take
# turns at migrating instead of racing to create the same tables.
MIGRATION_LOCK = 7_204_519


def run_migrations_online() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"), pool_size=1)
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                )
                connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `maturitybot db upgrade`")
run_migrations_online()
