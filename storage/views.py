"""What one person's view of a round's question needs: the question's count and state, their
own answer, and who answered most recently (platforms that show each respondent their own
view of a shared post, such as Teams, list those people on the post)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import Answer, Round


@dataclass(frozen=True)
class QuestionView:
    """A question of a round as one person sees it."""

    responses: int
    closed: bool
    closes_at: datetime
    answered: bool
    level: int | None  # None: "not sure" (or not answered)
    comment: str | None


def question_view(
    session: Session, conversation_id: int, round_id: int, question_id: str, user_id: str
) -> QuestionView | None:
    """None when the round is not one of this conversation: a view is shown only where the
    round was asked."""
    round_ = session.execute(
        sa.select(col(Round.closed_at), col(Round.closes_at)).where(
            col(Round.id) == round_id, col(Round.conversation_id) == conversation_id
        )
    ).one_or_none()
    if round_ is None:
        return None
    responses = session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .where(col(Answer.round_id) == round_id, col(Answer.question_id) == question_id)
    )
    own = session.execute(
        sa.select(col(Answer.level), col(Answer.comment)).where(
            col(Answer.round_id) == round_id,
            col(Answer.question_id) == question_id,
            col(Answer.user_id) == user_id,
        )
    ).one_or_none()
    return QuestionView(
        responses=responses or 0,
        closed=round_.closed_at is not None,
        closes_at=round_.closes_at,
        answered=own is not None,
        level=own.level if own is not None else None,
        comment=own.comment if own is not None else None,
    )


def recent_respondents(session: Session, round_id: int, question_id: str, limit: int) -> list[str]:
    """Who answered the question, the most recent answer first, at most ``limit``."""
    rows = session.scalars(
        sa.select(col(Answer.user_id))
        .where(col(Answer.round_id) == round_id, col(Answer.question_id) == question_id)
        .order_by(col(Answer.answered_at).desc(), col(Answer.id).desc())
        .limit(limit)
    )
    return list(rows)
