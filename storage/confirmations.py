"""Actions waiting for the person's ``yes``: asked for once, confirmed once, then gone."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import PendingConfirmation
from storage.upsert import insert_for


def ask(session: Session, platform: str, user_id: str, action: str, expires_at: datetime) -> None:
    """Remember that ``action`` waits for this person's confirmation (replacing any other)."""
    statement = insert_for(session, PendingConfirmation).values(
        platform=platform, user_id=user_id, action=action, expires_at=expires_at
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["platform", "user_id"],
            set_={"action": action, "expires_at": expires_at},
        )
    )


def take(session: Session, platform: str, user_id: str, now: datetime) -> str | None:
    """The action waiting for this person, if it has not expired; it is confirmed only once."""
    found = session.get(PendingConfirmation, (platform, user_id))
    if found is None:
        return None
    action, expires_at = found.action, found.expires_at
    cancel(session, platform, user_id)
    return action if expires_at > now else None


def cancel(session: Session, platform: str, user_id: str) -> None:
    session.execute(
        sa.delete(PendingConfirmation).where(
            col(PendingConfirmation.platform) == platform,
            col(PendingConfirmation.user_id) == user_id,
        )
    )


def waiting(session: Session, platform: str, user_id: str) -> bool:
    return session.get(PendingConfirmation, (platform, user_id)) is not None
