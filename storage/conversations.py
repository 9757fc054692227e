"""Conversations the bot serves: found or created on first contact."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import Conversation
from storage.upsert import insert_ignore


def find_or_create(
    session: Session, platform: str, workspace: str, channel: str, name: str, now: datetime
) -> Conversation:
    """The conversation's row, created if new. Safe when two instances race to create it."""
    insert_ignore(
        session,
        Conversation,
        {
            "platform": platform,
            "workspace": workspace,
            "channel": channel,
            "name": name,
            "timezone": "UTC",
            "created_at": now,
        },
        ["platform", "workspace", "channel"],
    )
    conversation = session.exec(
        select(Conversation).where(
            Conversation.platform == platform,
            Conversation.workspace == workspace,
            Conversation.channel == channel,
        )
    ).one()
    if name and conversation.name != name:
        conversation.name = name
        session.add(conversation)
    return conversation


def get(session: Session, conversation_id: int) -> Conversation | None:
    return session.get(Conversation, conversation_id)


def find(session: Session, platform: str, channel: str) -> Conversation | None:
    return session.exec(
        select(Conversation).where(
            Conversation.platform == platform, Conversation.channel == channel
        )
    ).first()


def set_timezone(session: Session, conversation_id: int, timezone: str) -> None:
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation_id)
        .values(timezone=timezone)
    )


def set_language(session: Session, conversation_id: int, language: str) -> None:
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation_id)
        .values(language=language)
    )


def save_reference(session: Session, conversation_id: int, reference: str) -> None:
    """Remember how to speak first in this conversation (Teams needs its service URL)."""
    session.execute(
        sa.update(Conversation)
        .where(
            col(Conversation.id) == conversation_id,
            col(Conversation.reference).is_distinct_from(reference),
        )
        .values(reference=reference)
    )


def on_platforms(session: Session, platforms: list[str]) -> list[Conversation]:
    return list(session.exec(select(Conversation).where(col(Conversation.platform).in_(platforms))))
