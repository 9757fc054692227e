"""Inbound events already handled: platforms retry, and a retry must do nothing more."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import ProcessedEvent
from storage.upsert import insert_ignore


def first_delivery(session: Session, key: str, now: datetime) -> bool:
    """True the first time ``key`` is seen, on any instance sharing the database."""
    return insert_ignore(session, ProcessedEvent, {"key": key, "received_at": now}, ["key"])


def forget_before(session: Session, cutoff: datetime, limit: int | None = None) -> int:
    """Drop remembered events older than any retry could be (Slack retries within minutes);
    at most ``limit`` of them, so that the write transaction stays short."""
    old = sa.select(col(ProcessedEvent.key)).where(col(ProcessedEvent.received_at) < cutoff)
    if limit is not None:
        old = old.limit(limit)
    result = session.exec(sa.delete(ProcessedEvent).where(col(ProcessedEvent.key).in_(old)))
    return result.rowcount or 0
