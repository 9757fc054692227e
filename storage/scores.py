"""Aggregates of a round, per aspect: the only results anyone ever sees.

An aspect's score is the mean of its questions' mean answers; its median and distribution
count every level answer given to its questions. "Not sure" counts as a response, never
towards a score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col

from storage.tables import Answer, RoundQuestion, RoundScore


@dataclass
class AspectTally:
    aspect: str
    responses: int = 0  # people who answered any of the aspect's questions
    scored: int = 0  # of those, people who gave at least one level (not only "not sure")
    distribution: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    question_sums: dict[str, list[int]] = field(default_factory=dict)  # id -> [sum, count]
    questions: str = ""

    @property
    def mean(self) -> float | None:
        means = [total / count for total, count in self.question_sums.values() if count]
        return sum(means) / len(means) if means else None

    @property
    def median(self) -> float | None:
        return median_of(self.distribution)


def median_of(distribution: list[int] | tuple[int, ...]) -> float | None:
    """Median level of a distribution over levels 1-4 (halves when the count is even)."""
    total = sum(distribution)
    if total == 0:
        return None

    def nth(n: int) -> int:  # the n-th smallest answer, 0-based
        for level, count in enumerate(distribution, 1):
            if n < count:
                return level
            n -= count
        raise AssertionError("unreachable")

    middle = total // 2
    return float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2


# A round's tally runs once per closing round, thousands at the same minute: its queries are
# built once (building a statement and its cache key cost about what running it does).
_ROUND: sa.BindParameter[int] = sa.bindparam("b_round", type_=sa.Integer)
_QUESTIONS = (
    sa.select(
        col(RoundQuestion.aspect),
        col(RoundQuestion.question_id),
        col(RoundQuestion.question_version),
    )
    .where(col(RoundQuestion.round_id) == _ROUND)
    .order_by(col(RoundQuestion.position))
)
_PEOPLE = (
    sa.select(
        col(Answer.aspect),
        sa.func.count(sa.distinct(col(Answer.user_id))),
        sa.func.count(sa.distinct(sa.case((col(Answer.level).is_not(None), col(Answer.user_id))))),
    )
    .where(col(Answer.round_id) == _ROUND)
    .group_by(Answer.aspect)
)
_LEVELS = (
    sa.select(col(Answer.aspect), col(Answer.question_id), col(Answer.level), sa.func.count())
    .where(col(Answer.round_id) == _ROUND, col(Answer.level).is_not(None))
    .group_by(col(Answer.aspect), col(Answer.question_id), col(Answer.level))
)


def tally(session: Session, round_id: int) -> dict[str, AspectTally]:
    """Aggregate a round's answers (open or closed) per aspect, in three indexed queries."""
    tallies: dict[str, AspectTally] = {}
    signatures: dict[str, list[str]] = defaultdict(list)
    which = {"b_round": round_id}
    for aspect, question_id, version in session.execute(_QUESTIONS, which):
        tallies.setdefault(aspect, AspectTally(aspect))
        signatures[aspect].append(f"{question_id}@{version}")
    for aspect, ids in signatures.items():
        tallies[aspect].questions = ",".join(sorted(ids))

    for aspect, responses, scored in session.execute(_PEOPLE, which):
        entry = tallies.setdefault(aspect, AspectTally(aspect))
        entry.responses, entry.scored = responses, scored

    for aspect, question_id, level, count in session.execute(_LEVELS, which):
        entry = tallies.setdefault(aspect, AspectTally(aspect))
        entry.distribution[level - 1] += count
        sums = entry.question_sums.setdefault(question_id, [0, 0])
        sums[0] += level * count
        sums[1] += count
    return tallies


def store(session: Session, round_id: int, tallies: dict[str, AspectTally]) -> None:
    """Keep a closed round's aggregates; they stay when retention deletes the answers."""
    for entry in tallies.values():
        session.add(
            RoundScore(
                round_id=round_id,
                aspect=entry.aspect,
                responses=entry.responses,
                scored=entry.scored,
                mean=entry.mean,
                median=entry.median,
                level_1=entry.distribution[0],
                level_2=entry.distribution[1],
                level_3=entry.distribution[2],
                level_4=entry.distribution[3],
                questions=entry.questions,
            )
        )


def stored(session: Session, round_ids: list[int]) -> dict[int, dict[str, RoundScore]]:
    """Stored aggregates for closed rounds, by round and aspect."""
    result: dict[int, dict[str, RoundScore]] = defaultdict(dict)
    if round_ids:
        for score in session.scalars(
            sa.select(RoundScore).where(col(RoundScore.round_id).in_(round_ids))
        ):
            result[score.round_id][score.aspect] = score
    return result
