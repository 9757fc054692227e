"""Recurring pulses and digests, and the claims that make each occurrence fire once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Conversation, Occurrence, Schedule
from storage.upsert import insert_ignore


def replace(session: Session, schedule: Schedule) -> list[Schedule]:
    """Store a conversation's schedule of this kind, replacing any earlier one; returns those."""
    earlier = list(
        session.exec(
            select(Schedule).where(
                Schedule.conversation_id == schedule.conversation_id,
                Schedule.kind == schedule.kind,
            )
        )
    )
    for old in earlier:
        session.delete(old)
    session.add(schedule)
    session.flush()
    return earlier


def of_conversation(session: Session, conversation_id: int) -> list[Schedule]:
    return list(
        session.exec(
            select(Schedule)
            .where(Schedule.conversation_id == conversation_id)
            .order_by(col(Schedule.kind), col(Schedule.id))
        )
    )


def remove(session: Session, conversation_id: int, kind: str) -> int:
    result = session.exec(
        sa.delete(Schedule).where(
            col(Schedule.conversation_id) == conversation_id, col(Schedule.kind) == kind
        )
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class Timing:
    """When a schedule occurs, without the rest of its row: all that arming needs."""

    id: int
    kind: str
    days: str
    hour: int
    minute: int
    second: int
    timezone: str
    created_at: datetime


def timings_on_platforms(
    session: Session, platforms: list[str], after_id: int, limit: int
) -> list[Timing]:
    """One page of timings, by id after ``after_id``: plain columns and a page at a time, so
    the database thread holds the interpreter briefly while the event loop waits for it."""
    rows = session.execute(
        sa.select(
            col(Schedule.id),
            col(Schedule.kind),
            col(Schedule.days),
            col(Schedule.hour),
            col(Schedule.minute),
            col(Schedule.second),
            col(Schedule.timezone),
            col(Schedule.created_at),
        )
        .join(Conversation, col(Conversation.id) == col(Schedule.conversation_id))
        .where(col(Conversation.platform).in_(platforms), col(Schedule.id) > after_id)
        .order_by(col(Schedule.id))
        .limit(limit)
    )
    return [Timing(*row) for row in rows]


def get(session: Session, schedule_id: int) -> Schedule | None:
    return session.get(Schedule, schedule_id)


def claim(session: Session, key: str, instance: str, now: datetime) -> bool:
    """Claim an occurrence; exactly one caller across all instances gets True."""
    return insert_ignore(
        session, Occurrence, {"key": key, "claimed_at": now, "instance": instance}, ["key"]
    )


def is_claimed(session: Session, key: str) -> bool:
    return session.get(Occurrence, key) is not None


CLAIMS_READ_AT_ONCE = 900  # below SQLite's 999 bound parameters on old builds


def claimed_among(session: Session, keys: list[str]) -> set[str]:
    """Which of these occurrences are claimed: one query per 900 keys, not one per key."""
    claimed: set[str] = set()
    for start in range(0, len(keys), CLAIMS_READ_AT_ONCE):
        chunk = keys[start : start + CLAIMS_READ_AT_ONCE]
        claimed.update(
            session.scalars(sa.select(col(Occurrence.key)).where(col(Occurrence.key).in_(chunk)))
        )
    return claimed


def by_ids(session: Session, ids: list[int]) -> list[Schedule]:
    found: list[Schedule] = []
    for start in range(0, len(ids), CLAIMS_READ_AT_ONCE):
        chunk = ids[start : start + CLAIMS_READ_AT_ONCE]
        found.extend(session.exec(select(Schedule).where(col(Schedule.id).in_(chunk))))
    return found


def prune_claims(session: Session, before: datetime, limit: int = 500) -> int:
    """Forget up to ``limit`` claims made before ``before`` (one short transaction)."""
    old = sa.select(col(Occurrence.key)).where(col(Occurrence.claimed_at) < before).limit(limit)
    result = session.execute(sa.delete(Occurrence).where(col(Occurrence.key).in_(old)))
    return getattr(result, "rowcount", 0) or 0
