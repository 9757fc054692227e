"""Pulse rounds and the questions posted in them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from storage import scores
from storage.tables import Answer, Conversation, Round, RoundQuestion


@dataclass(frozen=True)
class PlannedQuestion:
    question_id: str
    version: int
    aspect: str
    text: str = ""
    options: tuple[str, ...] = ()


def open_round(
    session: Session,
    conversation_id: int,
    template: str,
    title: str,
    opened_by: str,
    opened_at: datetime,
    closes_at: datetime,
    questions: list[PlannedQuestion],
    schedule_id: int | None = None,
) -> Round | None:
    """Open a round with its questions; None when the conversation already has an open one."""
    if current(session, conversation_id) is not None:
        return None
    round_ = Round(
        conversation_id=conversation_id,
        template=template,
        title=title,
        opened_by=opened_by,
        opened_at=opened_at,
        closes_at=closes_at,
        schedule_id=schedule_id,
    )
    try:
        with session.begin_nested():  # the partial unique index settles a race between instances
            session.add(round_)
            session.flush()
    except sa.exc.IntegrityError:
        return None
    for position, question in enumerate(questions, 1):
        session.add(
            RoundQuestion(
                round_id=round_.id,
                question_id=question.question_id,
                question_version=question.version,
                aspect=question.aspect,
                position=position,
                text=question.text,
                options=json.dumps(list(question.options)),
            )
        )
    return round_


def current(session: Session, conversation_id: int) -> Round | None:
    """The conversation's open round, if any."""
    return session.exec(
        select(Round).where(Round.conversation_id == conversation_id, Round.closed_at.is_(None))
    ).first()


def get(session: Session, round_id: int) -> Round | None:
    return session.get(Round, round_id)


def questions(session: Session, round_id: int) -> list[RoundQuestion]:
    return list(
        session.exec(
            select(RoundQuestion)
            .where(RoundQuestion.round_id == round_id)
            .order_by(RoundQuestion.position)
        )
    )


def set_parent_ref(session: Session, round_id: int, ref: str) -> None:
    session.execute(sa.update(Round).where(Round.id == round_id).values(parent_ref=ref))


def set_question_ref(session: Session, round_id: int, question_id: str, ref: str) -> None:
    session.execute(
        sa.update(RoundQuestion)
        .where(RoundQuestion.round_id == round_id, RoundQuestion.question_id == question_id)
        .values(message_ref=ref)
    )


def open_on_platforms(session: Session, platforms: list[str]) -> list[Round]:
    """Open rounds in conversations on these platforms, soonest closing first."""
    return list(
        session.exec(
            select(Round)
            .join(Conversation, Conversation.id == Round.conversation_id)
            .where(Round.closed_at.is_(None), Conversation.platform.in_(platforms))
            .order_by(Round.closes_at)
        )
    )


def closed_rounds(session: Session, conversation_id: int, limit: int) -> list[Round]:
    """The latest closed rounds, newest first."""
    return list(
        session.exec(
            select(Round)
            .where(Round.conversation_id == conversation_id, Round.closed_at.is_not(None))
            .order_by(Round.opened_at.desc(), Round.id.desc())
            .limit(limit)
        )
    )


def close(session: Session, round_id: int, now: datetime, members: int | None) -> Round | None:
    """Close an open round and keep its aggregates; None if it was already closed.

    The UPDATE takes the row lock first, so answers still being written finish before the
    aggregates are computed, and answers arriving after it see the round closed.
    """
    closed = session.execute(
        sa.update(Round)
        .where(Round.id == round_id, Round.closed_at.is_(None))
        .values(closed_at=now, members=members)
    )
    if closed.rowcount != 1:
        return None
    tallies = scores.tally(session, round_id)
    scores.store(session, round_id, tallies)
    respondents = session.scalar(
        sa.select(sa.func.count(sa.distinct(Answer.user_id))).where(Answer.round_id == round_id)
    )
    session.execute(sa.update(Round).where(Round.id == round_id).values(respondents=respondents))
    round_ = session.get(Round, round_id)
    session.refresh(round_)
    return round_


def mark_reminded(session: Session, round_id: int, now: datetime) -> bool:
    """True the first time only: one reminder per round."""
    result = session.execute(
        sa.update(Round)
        .where(Round.id == round_id, Round.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1


def previous_closed(session: Session, round_: Round) -> Round | None:
    """The closed round before this one in the same conversation, with the same template."""
    return session.exec(
        select(Round)
        .where(
            Round.conversation_id == round_.conversation_id,
            Round.template == round_.template,
            Round.closed_at.is_not(None),
            Round.id != round_.id,
            Round.opened_at <= round_.opened_at,
        )
        .order_by(Round.opened_at.desc(), Round.id.desc())
        .limit(1)
    ).first()


def withdraw(session: Session, round_id: int) -> None:
    """Remove a round nobody could see (its parent post failed); it has no answers yet."""
    session.execute(sa.delete(Round).where(Round.id == round_id, Round.parent_ref.is_(None)))


def question_state(session: Session, round_id: int, question_id: str) -> tuple[int, bool]:
    """A question's response count, and whether its round has closed."""
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .where(Answer.round_id == round_id, Answer.question_id == question_id)
    )
    closed_at = session.scalar(sa.select(Round.closed_at).where(Round.id == round_id))
    return count or 0, closed_at is not None


def latest_closed_in(
    session: Session, platform: str, channels: list[str], limit: int
) -> list[tuple[Conversation, Round]]:
    """For these channels, each one's newest closed round (channels without one left out),
    most recently closed first, at most ``limit``: one query."""
    if not channels:
        return []
    newest = (
        sa.select(
            Round.id,
            sa.func.row_number()
            .over(
                partition_by=Round.conversation_id,
                order_by=(Round.opened_at.desc(), Round.id.desc()),
            )
            .label("rank"),
        )
        .join(Conversation, Conversation.id == Round.conversation_id)
        .where(
            Conversation.platform == platform,
            Conversation.channel.in_(channels),
            Round.closed_at.is_not(None),
        )
        .subquery()
    )
    rows = session.exec(
        select(Conversation, Round)
        .join(Round, Round.conversation_id == Conversation.id)
        .join(newest, newest.c.id == Round.id)
        .where(newest.c.rank == 1)
        .order_by(Round.closed_at.desc())
        .limit(limit)
    )
    return [(conversation, round_) for conversation, round_ in rows]


def open_parent_in(
    session: Session, platform: str, channel: str
) -> tuple[Conversation, str | None] | None:
    """A channel's conversation and the stored parent post of its open round (if any)."""
    row = session.exec(
        select(Conversation, Round.parent_ref)
        .outerjoin(Round, (Round.conversation_id == Conversation.id) & Round.closed_at.is_(None))
        .where(Conversation.platform == platform, Conversation.channel == channel)
    ).first()
    return (row[0], row[1]) if row else None
