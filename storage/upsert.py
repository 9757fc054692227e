"""Dialect-aware INSERT … ON CONFLICT, the building block of claims and upserts."""

from __future__ import annotations

from typing import Any

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
    statement = (
        insert_for(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(getattr(table, keys[0]))
    )
    return session.execute(statement).first() is not None
