"""The Teams inbox: activities recorded before Teams is told they arrived, so that one
acknowledged and then lost with its process is handled by the next (see teams_inbox)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import TeamsInbox
from storage.upsert import insert_ignore


def record(session: Session, key: str, activity: str, now: datetime, until: datetime) -> bool:
    """Keep an activity, held by this instance until ``until``; False when its key was
    recorded before (a retry or a replay), and then nothing is written."""
    values = {"key": key, "activity": activity, "received_at": now, "claimed_until": until}
    return insert_ignore(session, TeamsInbox, values, ["key"])


def hold(session: Session, key: str, until: datetime) -> None:
    """Keep holding an activity still being handled."""
    session.exec(
        sa.update(TeamsInbox)
        .where(col(TeamsInbox.key) == key, col(TeamsInbox.handled_at).is_(None))
        .values(claimed_until=until)
    )


def handled(session: Session, key: str, now: datetime) -> None:
    """Done with: what the person sent is not kept (only the key, to know a retry by)."""
    session.exec(
        sa.update(TeamsInbox).where(col(TeamsInbox.key) == key).values(handled_at=now, activity="")
    )


def claim_oldest(
    session: Session, received_before: datetime, now: datetime, until: datetime
) -> tuple[str, str] | None:
    """The oldest unhandled activity nobody holds, now held by the caller until ``until``:
    its key and JSON. The conditional UPDATE makes two instances never both take it."""
    free = sa.or_(col(TeamsInbox.claimed_until).is_(None), col(TeamsInbox.claimed_until) < now)
    while True:
        row = session.execute(
            sa.select(col(TeamsInbox.key), col(TeamsInbox.activity))
            .where(
                col(TeamsInbox.handled_at).is_(None),
                col(TeamsInbox.received_at) < received_before,
                free,
            )
            .order_by(col(TeamsInbox.received_at), col(TeamsInbox.id))
            .limit(1)
        ).first()
        if row is None:
            return None
        key, activity = row.tuple()
        taken = session.exec(
            sa.update(TeamsInbox)
            .where(col(TeamsInbox.key) == key, col(TeamsInbox.handled_at).is_(None), free)
            .values(claimed_until=until)
        )
        if taken.rowcount == 1:
            return key, activity


def forget_handled_before(session: Session, cutoff: datetime, limit: int | None = None) -> int:
    """Drop activities handled before ``cutoff``; at most ``limit``, to keep the write short."""
    old = sa.select(col(TeamsInbox.id)).where(col(TeamsInbox.handled_at) < cutoff)
    if limit is not None:
        old = old.limit(limit)
    result = session.exec(sa.delete(TeamsInbox).where(col(TeamsInbox.id).in_(old)))
    return result.rowcount or 0
