"""Many people answering the same round at once: nothing lost, nothing doubled, latest wins."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage import answers, conversations, rounds
from storage.engine import Database
from storage.rounds import NewRound, PlannedQuestion

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUESTIONS = ["investment", "adoption", "interfaces", "operations", "measurement"]


CONVERSATION = 1  # the first conversation of a fresh database


def _open_round(db: Database) -> int:
    def work(session):
        place = conversations.find_or_create(session, "console", "w", "C1", "", START)
        assert place.id == CONVERSATION
        planned = tuple(PlannedQuestion(q, 1, q) for q in QUESTIONS)
        new = NewRound(place.id, "quick", 48, "en", "lead", START, START + timedelta(days=4),
                       planned)  # fmt: skip
        return rounds.open_round(session, new).id

    return db.write_now(work)


def _answer(round_id, question, user, level, at) -> answers.AnswerInput:
    return answers.AnswerInput(CONVERSATION, round_id, question, 1, question, user, level, None, at)


def _run_threads(count: int, target) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def runner(index: int) -> None:
        barrier.wait()
        try:
            target(index)
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]


def test_twenty_threads_fifty_answers_each(database_url: str) -> None:
    db = Database(database_url, workers=20)
    round_id = _open_round(db)
    outcomes: list[answers.Outcome] = []
    lock = threading.Lock()

    def person(index: int) -> None:
        user = f"user-{index}"
        for n in range(50):
            question = QUESTIONS[n % 5]
            level = (n + index) % 4 + 1
            at = START + timedelta(minutes=1, microseconds=n)
            result = db.write_now(answers.record, _answer(round_id, question, user, level, at))
            with lock:
                outcomes.append(result.outcome)

    _run_threads(20, person)
    assert len(outcomes) == 1000
    assert outcomes.count(answers.Outcome.RECORDED) == 100  # first answer of 20 people x 5
    assert outcomes.count(answers.Outcome.CHANGED) == 900
    with db.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT user_id, question_id, level FROM answer WHERE round_id = :r"),
            {"r": round_id},
        ).all()
    assert len(stored) == 100  # one per person per question, no duplicates
    expected = {
        (f"user-{i}", QUESTIONS[n % 5]): (n + i) % 4 + 1
        for i in range(20)
        for n in range(50)  # the last n for each question wins
    }
    assert {(user, question): level for user, question, level in stored} == expected
    db.close()


def test_latest_click_wins_when_clicks_arrive_out_of_order(database_url: str) -> None:
    """The same people clicking from many threads: the newest click is kept, whatever lands last."""
    db = Database(database_url, workers=20)
    round_id = _open_round(db)
    stamps = itertools.count()
    lock = threading.Lock()
    latest: dict[str, tuple[int, int]] = {}  # user -> (stamp, level)

    def clicks(index: int) -> None:
        for n in range(50):
            user = f"person-{(index + n) % 4}"
            level = (index * 7 + n) % 4 + 1
            with lock:
                stamp = next(stamps)
            # Deliberately shuffle the timestamps against arrival order.
            at = START + timedelta(seconds=1, microseconds=(stamp * 7919) % 100_000)
            db.write_now(answers.record, _answer(round_id, "adoption", user, level, at))
            with lock:
                key = (at, level)
                if user not in latest or key[0] >= latest[user][0]:
                    latest[user] = key

    _run_threads(20, clicks)
    with db.engine.connect() as connection:
        stored = dict(
            connection.execute(
                sa.text("SELECT user_id, level FROM answer WHERE round_id = :r"), {"r": round_id}
            ).all()
        )
    assert stored == {user: level for user, (_, level) in latest.items()}
    db.close()


def test_answers_after_close_are_refused(database_url: str) -> None:
    db = Database(database_url, workers=2)
    round_id = _open_round(db)
    first = db.write_now(answers.record, _answer(round_id, "adoption", "a", 2, START))
    assert first.outcome is answers.Outcome.RECORDED
    assert db.write_now(rounds.close, round_id, START + timedelta(hours=1), None) is not None
    late = db.write_now(
        answers.record, _answer(round_id, "adoption", "a", 4, START + timedelta(hours=2))
    )
    assert late.outcome is answers.Outcome.CLOSED
    assert db.read_now(answers.of_person_in_round, round_id, "a") == {"adoption": 2}
    db.close()


def test_group_commit_keeps_every_answer(database_url: str) -> None:
    """Answers written in shared transactions by the AnswerWriter: each gets its own result."""
    import asyncio

    from storage.writer import AnswerWriter

    db = Database(database_url, workers=4)
    round_id = _open_round(db)

    async def scenario() -> list[answers.Outcome]:
        writer = AnswerWriter(db, max_batch=16)

        async def person(index: int) -> list[answers.Outcome]:
            results = []
            for n in range(50):
                question = QUESTIONS[n % 5]
                item = _answer(
                    round_id, question, f"user-{index}", (n + index) % 4 + 1,
                    START + timedelta(minutes=1, microseconds=n),
                )  # fmt: skip
                results.append((await writer.record(item)).outcome)
            return results

        done = await asyncio.gather(*(person(i) for i in range(20)))
        return [outcome for outcomes in done for outcome in outcomes]

    outcomes = asyncio.run(scenario())
    assert outcomes.count(answers.Outcome.RECORDED) == 100
    assert outcomes.count(answers.Outcome.CHANGED) == 900
    with db.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT user_id, question_id, level FROM answer WHERE round_id = :r"),
            {"r": round_id},
        ).all()
    assert {(u, q): level for u, q, level in stored} == {
        (f"user-{i}", QUESTIONS[n % 5]): (n + i) % 4 + 1 for i in range(20) for n in range(50)
    }
    db.close()
