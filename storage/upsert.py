"""Dialect-aware INSERT … ON CONFLICT, the building block of claims and upserts."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_for(session: Session, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT for the session's database."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def insert_ignore(session: Session, table: Any, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert unless a row with the same ``keys`` exists; True when this call inserted it.

    RETURNING tells the two apart on both databases (psycopg reports no rowcount here).
    """
    statement = ignoring(session.get_bind().dialect.name, table, tuple(keys))
    return session.execute(statement, values).first() is not None


@cache
def ignoring(dialect: str, table: Any, keys: tuple[str, ...], returning: str = "") -> Any:
    """INSERT … ON CONFLICT (``keys``) DO NOTHING RETURNING ``returning`` (default: the first
    key) into ``table`` (a table or a model), built once per database: claims and owed posts
    are written several times per round in a burst, and building a statement and its cache
    key cost more CPU than running it. The values come as parameters."""
    module = postgresql if dialect == "postgresql" else sqlite
    core = table if isinstance(table, sa.Table) else sa.inspect(table).local_table
    return (
        module.insert(core)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(core.c[returning or keys[0]])
    )
