"""Pulse rounds and the questions posted in them, and the transactions that open and
close a round (each one unit of work on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage import schedules, scores
from storage.tables import Answer, Conversation, Round, RoundQuestion


@dataclass(frozen=True)
class PlannedQuestion:
    question_id: str
    version: int
    aspect: str
    text: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewRound:
    """What opening a round needs to know: where, which survey in which language, when."""

    conversation_id: int
    template: str
    week: int
    language: str
    opened_by: str
    opened_at: datetime
    closes_at: datetime
    questions: tuple[PlannedQuestion, ...]
    schedule_id: int | None = None


@dataclass(frozen=True)
class AskedQuestion:
    """A question as a round asked it: its wording is kept with the round."""

    question_id: str
    version: int
    aspect: str
    position: int
    text: str
    options: tuple[str, ...]
    message_ref: str | None


@dataclass(frozen=True)
class RoundInfo:
    """What does not change while a round is open, read once for the click path."""

    round_id: int
    conversation_id: int
    language: str
    questions: tuple[AskedQuestion, ...]

    def question(self, question_id: str) -> AskedQuestion | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


def asked(question: RoundQuestion) -> AskedQuestion:
    return AskedQuestion(
        question_id=question.question_id,
        version=question.question_version,
        aspect=question.aspect,
        position=question.position,
        text=question.text,
        options=tuple(json.loads(question.options)),
        message_ref=question.message_ref,
    )


def open_claimed(session: Session, new: NewRound, claim: str | None, instance: str) -> Round | None:
    """Open a round (with its scheduled occurrence's claim, if any) in one transaction.

    The claim and the round commit together: if the process dies in between, neither is kept
    and the occurrence can still run. None when the claim was taken or a round is open here.
    """
    if claim is not None and not schedules.claim(session, claim, instance, new.opened_at):
        return None
    return open_round(session, new)


def close_claimed(
    session: Session, round_id: int, now: datetime, members: int | None, instance: str
) -> Round | None:
    """Close a round once across instances; None when someone else did (or it was closed)."""
    if not schedules.claim(session, f"close:{round_id}", instance, now):
        return None
    return close(session, round_id, now, members)


def load_info(session: Session, round_id: int) -> RoundInfo | None:
    return with_info(session, round_id)[1]


def with_info(session: Session, round_id: int) -> tuple[Round | None, RoundInfo | None]:
    """The round as stored, and what its questions ask (None when it is gone). Its
    conversation is not read: conversations are never deleted, and a round goes with its
    conversation (ON DELETE CASCADE)."""
    round_ = get(session, round_id)
    if round_ is None or round_.id is None:
        return None, None
    return round_, RoundInfo(
        round_id=round_.id,
        conversation_id=round_.conversation_id,
        language=round_.language,
        questions=tuple(asked(q) for q in questions(session, round_.id)),
    )


def as_opened(round_: Round, new: NewRound) -> RoundInfo:
    """What a round just opened asks, from what opened it (its questions have no messages
    yet): its first posts need not read it back."""
    assert round_.id is not None, "an opened round has an id"
    return RoundInfo(
        round_id=round_.id,
        conversation_id=round_.conversation_id,
        language=round_.language,
        questions=tuple(
            AskedQuestion(q.question_id, q.version, q.aspect, n, q.text, q.options, None)
            for n, q in enumerate(new.questions, 1)
        ),
    )


def open_round(session: Session, new: NewRound) -> Round | None:
    """Open a round with its questions; None when the conversation already has an open one.

    The partial unique index (one open round a conversation) decides, also between instances
    opening at once: one statement, where looking first and inserting in a savepoint took four
    (a burst opens thousands of rounds)."""
    round_ = Round(
        conversation_id=new.conversation_id,
        template=new.template,
        week=new.week,
        language=new.language,
        opened_by=new.opened_by,
        opened_at=new.opened_at,
        closes_at=new.closes_at,
        schedule_id=new.schedule_id,
    )
    values = {name: getattr(round_, name) for name in _OPENED_WITH}
    inserted = session.execute(_opening(session.get_bind().dialect.name), values).first()
    if inserted is None:
        return None
    round_.id = round_id = int(inserted[0])
    if new.questions:
        # Through the table, not as objects: the ORM would flush them with RETURNING of ids
        # nobody here needs (the largest single item in a profile of a burst's bot).
        session.execute(
            sa.insert(_QUESTIONS),
            [
                {
                    "round_id": round_id,
                    "question_id": question.question_id,
                    "question_version": question.version,
                    "aspect": question.aspect,
                    "position": position,
                    "text": question.text,
                    "options": json.dumps(list(question.options)),
                    "message_ref": None,
                }
                for position, question in enumerate(new.questions, 1)
            ],
        )
    return round_


_QUESTIONS = cast(sa.Table, sa.inspect(RoundQuestion).local_table)
_OPENED_WITH = (
    "conversation_id",
    "template",
    "week",
    "language",
    "opened_by",
    "opened_at",
    "closes_at",
    "schedule_id",
)


@cache
def _opening(dialect: str) -> Any:
    """INSERT a round unless its conversation has an open one, built once per database."""
    module = postgresql if dialect == "postgresql" else sqlite
    table = cast(sa.Table, sa.inspect(Round).local_table)
    return (
        module.insert(table)
        .on_conflict_do_nothing(
            index_elements=[table.c.conversation_id], index_where=table.c.closed_at.is_(None)
        )
        .returning(table.c.id)
    )


def current(session: Session, conversation_id: int) -> Round | None:
    """The conversation's open round, if any."""
    return session.exec(
        select(Round).where(
            Round.conversation_id == conversation_id, col(Round.closed_at).is_(None)
        )
    ).first()


def get(session: Session, round_id: int) -> Round | None:
    return session.get(Round, round_id)


def questions(session: Session, round_id: int) -> list[RoundQuestion]:
    return list(
        session.exec(
            select(RoundQuestion)
            .where(RoundQuestion.round_id == round_id)
            .order_by(col(RoundQuestion.position))
        )
    )


# Message references are written through the tables (Core): once per post in a burst, and
# nothing in these sessions holds the rows as objects to keep in step.
_ROUND = cast(sa.Table, sa.inspect(Round).local_table)
_QUESTION = cast(sa.Table, sa.inspect(RoundQuestion).local_table)


# Built once, values as parameters (see storage.outbox): each runs once per post. Names of
# parameters are not column names (SQLAlchemy keeps those for the SET clause).
_SET_PARENT_REF = (
    sa.update(_ROUND)
    .where(_ROUND.c.id == sa.bindparam("b_round"))
    .values(parent_ref=sa.bindparam("b_ref"))
)
_SET_QUESTION_REF = (
    sa.update(_QUESTION)
    .where(
        _QUESTION.c.round_id == sa.bindparam("b_round"),
        _QUESTION.c.question_id == sa.bindparam("b_question"),
    )
    .values(message_ref=sa.bindparam("b_ref"))
)


def set_parent_ref(session: Session, round_id: int, ref: str) -> None:
    session.execute(_SET_PARENT_REF, {"b_round": round_id, "b_ref": ref})


def set_question_ref(session: Session, round_id: int, question_id: str, ref: str) -> None:
    session.execute(
        _SET_QUESTION_REF, {"b_round": round_id, "b_question": question_id, "b_ref": ref}
    )


def open_on_platforms(session: Session, platforms: list[str]) -> list[Round]:
    """Open rounds in conversations on these platforms, soonest closing first."""
    return list(
        session.exec(
            select(Round)
            .join(Conversation, col(Conversation.id) == Round.conversation_id)
            .where(col(Round.closed_at).is_(None), col(Conversation.platform).in_(platforms))
            .order_by(col(Round.closes_at))
        )
    )


@dataclass(frozen=True)
class Closing:
    """When an open round closes: all that arming needs of it."""

    conversation_id: int
    round_id: int
    closes_at: datetime
    scheduled: bool  # opened by a schedule (by some instance's scheduler), not by hand


def closing_times(
    session: Session, platforms: list[str], after_conversation: int, limit: int
) -> list[Closing]:
    """One page of open rounds' closing times, by conversation (each has at most one open
    round, and the partial unique index finds them among any number of closed ones): plain
    columns a page at a time, so a database thread holds the interpreter only briefly."""
    rows = session.execute(
        sa.select(
            col(Round.conversation_id),
            col(Round.id),
            col(Round.closes_at),
            col(Round.schedule_id).is_not(None),
        )
        .join(Conversation, col(Conversation.id) == col(Round.conversation_id))
        .where(
            col(Round.closed_at).is_(None),
            col(Conversation.platform).in_(platforms),
            col(Round.conversation_id) > after_conversation,
        )
        .order_by(col(Round.conversation_id))
        .limit(limit)
    )
    return [
        Closing(conversation_id, round_id, closes_at, bool(scheduled))
        for conversation_id, round_id, closes_at, scheduled in rows
    ]


def closed_rounds(session: Session, conversation_id: int, limit: int) -> list[Round]:
    """The latest closed rounds, newest first."""
    return list(
        session.exec(
            select(Round)
            .where(Round.conversation_id == conversation_id, col(Round.closed_at).is_not(None))
            .order_by(col(Round.opened_at).desc(), col(Round.id).desc())
            .limit(limit)
        )
    )


_COUNT_RESPONDENTS = (
    sa.update(_ROUND)
    .where(_ROUND.c.id == sa.bindparam("b_round"))
    .values(
        respondents=sa.select(sa.func.count(sa.distinct(col(Answer.user_id))))
        .where(col(Answer.round_id) == _ROUND.c.id)
        .scalar_subquery()
    )
    .returning(*_ROUND.c)  # the round as it now is: no read after it
)


def close(session: Session, round_id: int, now: datetime, members: int | None) -> Round | None:
    """Close an open round and keep its aggregates; None if it was already closed.

    The UPDATE takes the row lock first, so answers still being written finish before the
    aggregates are computed, and answers arriving after it see the round closed.
    """
    closed = session.exec(
        sa.update(Round)
        .where(col(Round.id) == round_id, col(Round.closed_at).is_(None))
        .values(closed_at=now, members=members)
    )
    if closed.rowcount != 1:
        return None
    tallies = scores.tally(session, round_id)
    scores.store(session, round_id, tallies)
    row = session.execute(_COUNT_RESPONDENTS, {"b_round": round_id}).one()
    return Round(**row._mapping)


def mark_reminded(session: Session, round_id: int, now: datetime) -> bool:
    """True the first time only: one reminder per round."""
    result = session.exec(
        sa.update(Round)
        .where(col(Round.id) == round_id, col(Round.reminded_at).is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1


def unmark_reminded(session: Session, round_id: int, marked: datetime) -> None:
    """Undo ``mark_reminded`` (made at ``marked``) when the reminder reached nobody."""
    session.exec(
        sa.update(Round)
        .where(col(Round.id) == round_id, col(Round.reminded_at) == marked)
        .values(reminded_at=None)
    )


def previous_closed(session: Session, round_: Round) -> Round | None:
    """The closed round before this one in the same conversation, with the same template."""
    return session.exec(
        select(Round)
        .where(
            Round.conversation_id == round_.conversation_id,
            Round.template == round_.template,
            col(Round.closed_at).is_not(None),
            Round.id != round_.id,
            Round.opened_at <= round_.opened_at,
        )
        .order_by(col(Round.opened_at).desc(), col(Round.id).desc())
        .limit(1)
    ).first()


def withdraw(session: Session, round_id: int) -> None:
    """Remove a round nobody could see (its parent post failed); it has no answers yet."""
    session.execute(
        sa.delete(Round).where(col(Round.id) == round_id, col(Round.parent_ref).is_(None))
    )


def question_state(session: Session, round_id: int, question_id: str) -> tuple[int, bool]:
    """A question's response count, and whether its round has closed."""
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .where(col(Answer.round_id) == round_id, col(Answer.question_id) == question_id)
    )
    closed_at = session.scalar(sa.select(col(Round.closed_at)).where(col(Round.id) == round_id))
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
            col(Round.id),
            sa.func.row_number()
            .over(
                partition_by=col(Round.conversation_id),
                order_by=(col(Round.opened_at).desc(), col(Round.id).desc()),
            )
            .label("rank"),
        )
        .join(Conversation, col(Conversation.id) == Round.conversation_id)
        .where(
            col(Conversation.platform) == platform,
            col(Conversation.channel).in_(channels),
            col(Round.closed_at).is_not(None),
        )
        .subquery()
    )
    rows = session.exec(
        select(Conversation, Round)
        .join(Round, col(Round.conversation_id) == Conversation.id)
        .join(newest, newest.c.id == Round.id)
        .where(newest.c.rank == 1)
        .order_by(col(Round.closed_at).desc())
        .limit(limit)
    )
    return [(conversation, round_) for conversation, round_ in rows]


def open_parent_in(
    session: Session, platform: str, channel: str
) -> tuple[Conversation, str | None] | None:
    """A channel's conversation and the stored parent post of its open round (if any)."""
    row = session.exec(
        select(Conversation, Round.parent_ref)
        .outerjoin(
            Round, (col(Round.conversation_id) == Conversation.id) & col(Round.closed_at).is_(None)
        )
        .where(Conversation.platform == platform, Conversation.channel == channel)
    ).first()
    return (row[0], row[1]) if row else None
