"""Answers: one per person per question per round, the latest click winning."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.tables import Answer, Conversation, Round


class Outcome(Enum):
    RECORDED = "recorded"
    CHANGED = "changed"
    CLOSED = "closed"
    NO_ROUND = "no round"
    STALE = "stale"  # a newer answer of the same person is kept: an older click changes nothing


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    closes_at: datetime | None = None


# The round's state and the person's earlier answer, in one round trip. A round of another
# conversation is as good as no round: a click answers only where it was made.
_STATE = sa.select(
    col(Round.closed_at),
    col(Round.closes_at),
    sa.select(col(Answer.id))
    .where(
        col(Answer.round_id) == Round.id,
        col(Answer.question_id) == sa.bindparam("question_id"),
        col(Answer.user_id) == sa.bindparam("user_id"),
    )
    .scalar_subquery(),
).where(
    col(Round.id) == sa.bindparam("round_id"),
    col(Round.conversation_id) == sa.bindparam("conversation_id"),
)
_UPSERTS: dict[str, sa.Executable] = {}


def _upsert(dialect: str) -> sa.Executable:
    """The answer upsert, built once per dialect so the hot path only binds values."""
    if dialect not in _UPSERTS:
        module = postgresql if dialect == "postgresql" else sqlite
        insert = module.insert(Answer)
        _UPSERTS[dialect] = insert.on_conflict_do_update(
            index_elements=["round_id", "question_id", "user_id"],
            set_={
                "level": insert.excluded.level,
                "question_version": insert.excluded.question_version,
                "answered_at": insert.excluded.answered_at,
                "comment": sa.func.coalesce(insert.excluded.comment, Answer.comment),
            },
            # A click that arrives late (or a replayed one) does not overwrite a newer one;
            # RETURNING then gives no row, and the clicker is told.
            where=Answer.answered_at <= insert.excluded.answered_at,
        ).returning(Answer.id)
    return _UPSERTS[dialect]


def _refusal(
    connection: sa.Connection,
    conversation_id: int,
    round_id: int,
    question_id: str,
    user_id: str,
    now: datetime,
) -> tuple[Outcome | None, datetime, bool]:
    """(None, closing time, answered before) when the round takes answers now, else (why not, …).

    On PostgreSQL the round's row is read FOR SHARE, so a concurrent close waits for this answer.
    """
    query = _STATE
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(read=True, of=Round)
    row = connection.execute(
        query,
        {
            "conversation_id": conversation_id,
            "round_id": round_id,
            "question_id": question_id,
            "user_id": user_id,
        },
    ).first()
    if row is None:
        return Outcome.NO_ROUND, now, False
    closed_at, closes_at, previous = row
    if closed_at is not None or closes_at <= now:
        return Outcome.CLOSED, closes_at, previous is not None
    return None, closes_at, previous is not None


@dataclass(frozen=True)
class AnswerInput:
    """One answer to record: who, which question of which round of which conversation, what
    level (None: not sure)."""

    conversation_id: int
    round_id: int
    question_id: str
    question_version: int
    aspect: str
    user_id: str
    level: int | None
    comment: str | None
    at: datetime


def record(session: Session, item: AnswerInput) -> Recorded:
    """Record or replace a person's answer while the round is open."""
    return _record(session.connection(), item)


def record_many(session: Session, items: list[AnswerInput]) -> list[Recorded]:
    """Record several answers in one transaction (group commit); results in the same order.

    Rows are written in key order, so two batches on PostgreSQL take their row locks in the
    same order and cannot deadlock each other.
    """
    connection = session.connection()
    order = sorted(
        range(len(items)),
        key=lambda i: (items[i].round_id, items[i].question_id, items[i].user_id, items[i].at),
    )
    results: list[Recorded | None] = [None] * len(items)
    for index in order:
        results[index] = _record(connection, items[index])
    return results  # type: ignore[return-value]


def _record(connection: sa.Connection, item: AnswerInput) -> Recorded:
    """The hot path of every click: two statements, built once.

    A click without a comment keeps the comment given earlier.
    """
    refusal, closes_at, previous = _refusal(
        connection, item.conversation_id, item.round_id, item.question_id, item.user_id, item.at
    )
    if refusal is not None:
        return Recorded(refusal, closes_at)
    written = connection.execute(
        _upsert(connection.dialect.name),
        {
            "round_id": item.round_id,
            "question_id": item.question_id,
            "user_id": item.user_id,
            "question_version": item.question_version,
            "aspect": item.aspect,
            "level": item.level,
            "comment": item.comment,
            "answered_at": item.at,
        },
    ).first()
    if written is None:
        return Recorded(Outcome.STALE, closes_at)
    return Recorded(Outcome.CHANGED if previous else Outcome.RECORDED, closes_at)


def set_comment(
    session: Session,
    conversation_id: int,
    round_id: int,
    question_id: str,
    user_id: str,
    comment: str,
    now: datetime,
) -> Recorded:
    """Attach a comment to an answer already given (in a round of this conversation)."""
    refusal, closes_at, previous = _refusal(
        session.connection(), conversation_id, round_id, question_id, user_id, now
    )
    if refusal is not None:
        return Recorded(refusal, closes_at)
    if not previous:
        return Recorded(Outcome.NO_ROUND, closes_at)
    session.execute(
        sa.update(Answer)
        .where(
            col(Answer.round_id) == round_id,
            col(Answer.question_id) == question_id,
            col(Answer.user_id) == user_id,
        )
        .values(comment=comment)
    )
    return Recorded(Outcome.CHANGED, closes_at)


def counts_by_question(session: Session, round_id: int) -> dict[str, int]:
    rows = session.execute(
        sa.select(col(Answer.question_id), sa.func.count())
        .where(col(Answer.round_id) == round_id)
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def people_count(session: Session, round_id: int) -> int:
    """How many people answered anything in a round: one aggregate, not every answer."""
    count = session.execute(
        sa.select(sa.func.count(sa.distinct(col(Answer.user_id)))).where(
            col(Answer.round_id) == round_id
        )
    ).scalar_one()
    return int(count)


def done_by(session: Session, round_id: int, questions: int) -> set[str]:
    """Who answered at least ``questions`` questions of a round (reminders skip them)."""
    return set(
        session.scalars(
            sa.select(col(Answer.user_id))
            .where(col(Answer.round_id) == round_id)
            .group_by(col(Answer.user_id))
            .having(sa.func.count(sa.distinct(col(Answer.question_id))) >= questions)
        )
    )


def of_person_in_round(session: Session, round_id: int, user_id: str) -> dict[str, int | None]:
    rows = session.execute(
        sa.select(col(Answer.question_id), col(Answer.level)).where(
            col(Answer.round_id) == round_id, col(Answer.user_id) == user_id
        )
    )
    return {question_id: level for question_id, level in rows}


@dataclass(frozen=True)
class OwnAnswer:
    conversation: str
    week: int
    open: bool
    aspect: str
    question_id: str
    level: int | None
    comment: str | None
    answered_at: datetime


def _on_platform(platform: str) -> sa.ColumnElement[bool]:
    """Answers given in rounds of this platform's conversations: a person id means one person
    only within its platform."""
    return col(Answer.round_id).in_(
        sa.select(col(Round.id))
        .join(Conversation, col(Conversation.id) == Round.conversation_id)
        .where(col(Conversation.platform) == platform)
    )


def of_person(session: Session, platform: str, user_id: str, limit: int = 50) -> list[OwnAnswer]:
    """A person's own answers, newest first: shown only to that person."""
    rows = session.execute(
        sa.select(
            col(Conversation.name),
            col(Conversation.channel),
            col(Round.week),
            col(Round.closed_at),
            col(Answer.aspect),
            col(Answer.question_id),
            col(Answer.level),
            col(Answer.comment),
            col(Answer.answered_at),
        )
        .join(Round, col(Round.id) == Answer.round_id)
        .join(Conversation, col(Conversation.id) == Round.conversation_id)
        .where(col(Answer.user_id) == user_id, col(Conversation.platform) == platform)
        .order_by(col(Answer.answered_at).desc(), col(Answer.id).desc())
        .limit(limit)
    )
    return [
        OwnAnswer(name or channel, week, closed_at is None, aspect, qid, level, comment, at)
        for name, channel, week, closed_at, aspect, qid, level, comment, at in rows
    ]


def count_of_person(session: Session, platform: str, user_id: str) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Answer)
            .where(col(Answer.user_id) == user_id, _on_platform(platform))
        )
        or 0
    )


def forget_person(session: Session, platform: str, user_id: str) -> int:
    """Delete every answer a person gave on this platform. Closed rounds keep their aggregates."""
    result = session.exec(
        sa.delete(Answer).where(col(Answer.user_id) == user_id, _on_platform(platform))
    )
    return result.rowcount or 0


def comments(session: Session, round_id: int, aspects: list[str]) -> dict[str, list[str]]:
    """Comments of a round for the given aspects, in no particular order of people."""
    found: dict[str, list[str]] = defaultdict(list)
    if not aspects:
        return found
    rows = session.execute(
        sa.select(col(Answer.aspect), col(Answer.comment))
        .where(
            col(Answer.round_id) == round_id,
            col(Answer.aspect).in_(aspects),
            col(Answer.comment).is_not(None),
            col(Answer.comment) != "",
        )
        .order_by(col(Answer.aspect), col(Answer.comment))  # sorted, so order reveals nothing
    )
    for aspect, comment in rows:
        found[aspect].append(comment)
    return found


RETENTION_BATCH = 500


def closed_before(session: Session, cutoff: datetime, limit: int = RETENTION_BATCH) -> list[int]:
    """Retention, step one (a read, no lock held): ids of up to ``limit`` answers older
    than ``cutoff`` in rounds that are closed."""
    return list(
        session.scalars(
            sa.select(col(Answer.id))
            .join(Round, col(Round.id) == col(Answer.round_id))
            .where(col(Answer.answered_at) < cutoff, col(Round.closed_at).is_not(None))
            .limit(limit)
        )
    )


def delete_ids(session: Session, ids: list[int]) -> int:
    """Retention, step two: delete those answers by key, a short write transaction (a closed
    round never reopens, so what step one found is still due)."""
    if not ids:
        return 0
    result = session.exec(sa.delete(Answer).where(col(Answer.id).in_(ids)))
    return result.rowcount or 0
