"""Answers: one per person per question per round, the latest click winning."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Session

from storage.tables import Answer, Conversation, Round
from storage.upsert import insert_for


class Outcome(Enum):
    RECORDED = "recorded"
    CHANGED = "changed"
    CLOSED = "closed"
    NO_ROUND = "no round"


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    closes_at: datetime | None = None
    responses: int = 0


def _refusal(session: Session, round_id: int, now: datetime) -> tuple[Outcome | None, datetime]:
    """(None, closing time) when the round takes answers now, else (why not, closing time).

    On PostgreSQL the row is read FOR SHARE, so a concurrent close waits for this answer.
    """
    query = sa.select(Round.closed_at, Round.closes_at).where(Round.id == round_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    row = session.execute(query).first()
    if row is None:
        return Outcome.NO_ROUND, now
    closed_at, closes_at = row
    if closed_at is not None or closes_at <= now:
        return Outcome.CLOSED, closes_at
    return None, closes_at


def record(
    session: Session,
    round_id: int,
    question_id: str,
    question_version: int,
    aspect: str,
    user_id: str,
    level: int | None,
    comment: str | None,
    now: datetime,
) -> Recorded:
    """Record or replace a person's answer while the round is open.

    A click that arrives late (an older ``now`` than the stored answer) does not overwrite
    a newer one; a click without a comment keeps the comment given earlier.
    """
    refusal, closes_at = _refusal(session, round_id, now)
    if refusal is not None:
        return Recorded(refusal, closes_at)
    key = (Answer.round_id == round_id, Answer.question_id == question_id)
    previous = session.execute(sa.select(Answer.id).where(*key, Answer.user_id == user_id)).first()
    insert = insert_for(session, Answer).values(
        round_id=round_id,
        question_id=question_id,
        question_version=question_version,
        aspect=aspect,
        user_id=user_id,
        level=level,
        comment=comment,
        answered_at=now,
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["round_id", "question_id", "user_id"],
            set_={
                "level": insert.excluded.level,
                "question_version": insert.excluded.question_version,
                "answered_at": insert.excluded.answered_at,
                "comment": sa.func.coalesce(insert.excluded.comment, Answer.comment),
            },
            where=Answer.answered_at <= insert.excluded.answered_at,
        )
    )
    responses = session.scalar(sa.select(sa.func.count()).select_from(Answer).where(*key))
    outcome = Outcome.CHANGED if previous else Outcome.RECORDED
    return Recorded(outcome, closes_at, responses or 0)


def set_comment(
    session: Session, round_id: int, question_id: str, user_id: str, comment: str, now: datetime
) -> Recorded:
    """Attach a comment to an answer already given."""
    refusal, closes_at = _refusal(session, round_id, now)
    if refusal is not None:
        return Recorded(refusal, closes_at)
    result = session.execute(
        sa.update(Answer)
        .where(
            Answer.round_id == round_id,
            Answer.question_id == question_id,
            Answer.user_id == user_id,
        )
        .values(comment=comment)
    )
    return Recorded(Outcome.CHANGED if result.rowcount else Outcome.NO_ROUND, closes_at)


def count_for_question(session: Session, round_id: int, question_id: str) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Answer)
            .where(Answer.round_id == round_id, Answer.question_id == question_id)
        )
        or 0
    )


def counts_by_question(session: Session, round_id: int) -> dict[str, int]:
    rows = session.execute(
        sa.select(Answer.question_id, sa.func.count())
        .where(Answer.round_id == round_id)
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answered_by(session: Session, round_id: int) -> dict[str, set[str]]:
    """Who answered which questions of a round (for reminders; never shown to anyone)."""
    people: dict[str, set[str]] = defaultdict(set)
    for user_id, question_id in session.execute(
        sa.select(Answer.user_id, Answer.question_id).where(Answer.round_id == round_id)
    ):
        people[user_id].add(question_id)
    return people


def of_person_in_round(session: Session, round_id: int, user_id: str) -> dict[str, int | None]:
    rows = session.execute(
        sa.select(Answer.question_id, Answer.level).where(
            Answer.round_id == round_id, Answer.user_id == user_id
        )
    )
    return {question_id: level for question_id, level in rows}


@dataclass(frozen=True)
class OwnAnswer:
    conversation: str
    round_title: str
    open: bool
    question_id: str
    level: int | None
    comment: str | None
    answered_at: datetime


def of_person(session: Session, user_id: str, limit: int = 50) -> list[OwnAnswer]:
    """A person's own answers, newest first: shown only to that person."""
    rows = session.execute(
        sa.select(
            Conversation.name,
            Conversation.channel,
            Round.title,
            Round.closed_at,
            Answer.question_id,
            Answer.level,
            Answer.comment,
            Answer.answered_at,
        )
        .join(Round, Round.id == Answer.round_id)
        .join(Conversation, Conversation.id == Round.conversation_id)
        .where(Answer.user_id == user_id)
        .order_by(Answer.answered_at.desc(), Answer.id.desc())
        .limit(limit)
    )
    return [
        OwnAnswer(name or channel, title, closed_at is None, qid, level, comment, at)
        for name, channel, title, closed_at, qid, level, comment, at in rows
    ]


def count_of_person(session: Session, user_id: str) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.user_id == user_id)
        )
        or 0
    )


def forget_person(session: Session, user_id: str) -> int:
    """Delete every answer a person gave, everywhere. Closed rounds keep their aggregates."""
    return session.execute(sa.delete(Answer).where(Answer.user_id == user_id)).rowcount or 0


def comments(session: Session, round_id: int, aspects: list[str]) -> dict[str, list[str]]:
    """Comments of a round for the given aspects, in no particular order of people."""
    found: dict[str, list[str]] = defaultdict(list)
    if not aspects:
        return found
    rows = session.execute(
        sa.select(Answer.aspect, Answer.comment)
        .where(
            Answer.round_id == round_id,
            Answer.aspect.in_(aspects),
            Answer.comment.is_not(None),
            Answer.comment != "",
        )
        .order_by(Answer.aspect, Answer.comment)  # sorted, so order reveals nothing
    )
    for aspect, comment in rows:
        found[aspect].append(comment)
    return found


def delete_closed_before(session: Session, cutoff: datetime) -> int:
    """Retention: delete answers older than ``cutoff`` in rounds that are closed."""
    closed = sa.select(Round.id).where(Round.closed_at.is_not(None))
    result = session.execute(
        sa.delete(Answer).where(Answer.answered_at < cutoff, Answer.round_id.in_(closed))
    )
    return result.rowcount or 0
