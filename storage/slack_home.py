"""What a Slack App Home shows: the latest closed round of each conversation a person is in."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.tables import Conversation, Round


def latest_closed(
    session: Session, platform: str, channels: list[str], limit: int
) -> list[tuple[Conversation, Round]]:
    """For these channels, each one's newest closed round (channels without one left out),
    most recently closed first, at most ``limit``."""
    if not channels:
        return []
    newest: list[tuple[Conversation, Round]] = []
    found = session.exec(
        select(Conversation).where(
            Conversation.platform == platform, Conversation.channel.in_(channels)
        )
    )
    for conversation in found:
        round_ = session.exec(
            select(Round)
            .where(Round.conversation_id == conversation.id, Round.closed_at.is_not(None))
            .order_by(Round.opened_at.desc(), Round.id.desc())
            .limit(1)
        ).first()
        if round_ is not None:
            newest.append((conversation, round_))
    newest.sort(key=lambda pair: pair[1].closed_at, reverse=True)
    return newest[:limit]
