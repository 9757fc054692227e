"""Benchmark: recording answers, and a digest over a large database.

Goals (issue 3): >= 2,000 answers/s on SQLite; the digest of one conversation with 1,000,000
answers stored across 200 conversations in <= 200 ms, on SQLite and on PostgreSQL.

Run: python bench/bench_storage.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
The PostgreSQL run uses a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.assembly import assemble
from bot.config import Settings
from bot.model import load_content
from storage import answers, conversations, rounds
from storage.engine import Database, migrate, normalise_url
from storage.rounds import NewRound, PlannedQuestion
from storage.tables import Answer
from storage.writer import AnswerWriter

ASPECTS = ["investment", "adoption", "interfaces", "operations", "measurement"]
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def answer_rates(url: str, count: int = 5000) -> tuple[float, float]:
    """(one at a time, 64 in flight through the group-commit writer) answers per second."""
    db = Database(url, workers=4)
    now = datetime.now(UTC)

    def open_round(session):
        place = conversations.find_or_create(session, "bench", "w", uuid.uuid4().hex, "", now)
        planned = tuple(PlannedQuestion(a, 1, a) for a in ASPECTS)
        new = NewRound(place.id, "quick", 1, "en", "b", now, now + timedelta(days=1), planned)
        return place.id, rounds.open_round(session, new).id

    place_id, round_id = db.write_now(open_round)
    start = time.perf_counter()
    for i in range(count):
        item = answers.AnswerInput(
            place_id, round_id, "adoption", 1, "adoption", f"s{i}", i % 4 + 1, None, now
        )
        db.write_now(answers.record, item)
    sequential = count / (time.perf_counter() - start)

    async def concurrent() -> float:
        writer = AnswerWriter(db)
        gate = asyncio.Semaphore(64)

        async def one(i: int) -> None:
            async with gate:
                item = answers.AnswerInput(
                    place_id, round_id, ASPECTS[i % 5], 1, ASPECTS[i % 5], f"c{i // 5}",
                    i % 4 + 1, None, now,
                )  # fmt: skip
                result = await writer.record(item)
                assert result.outcome is answers.Outcome.RECORDED

        begin = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return count / (time.perf_counter() - begin)

    grouped = asyncio.run(concurrent())
    db.close()
    return sequential, grouped


def populate(url: str, conversations_count: int = 200, rounds_each: int = 10, people: int = 100):
    """1,000,000 answers: 200 conversations x 10 closed rounds x 100 people x 5 questions."""
    db = Database(url, workers=1)
    planned = tuple(PlannedQuestion(a, 1, a) for a in ASPECTS)

    def conversation_rounds(session, index: int) -> int:
        place = conversations.find_or_create(session, "bench", "w", f"C{index:04d}", "", START)
        connection = session.connection()
        for week in range(rounds_each):
            opened = START + timedelta(weeks=week)
            new = NewRound(
                place.id, "quick", week + 1, "en", "b", opened, opened + timedelta(days=4), planned
            )
            round_ = rounds.open_round(session, new)
            session.flush()
            rows = [
                {
                    "round_id": round_.id,
                    "question_id": aspect,
                    "question_version": 1,
                    "aspect": aspect,
                    "user_id": f"U{person:03d}",
                    "level": None if (person + week) % 17 == 0 else (person * 7 + week + n) % 4 + 1,
                    "comment": f"note {person}" if person % 25 == 0 else None,
                    "answered_at": opened + timedelta(minutes=person),
                }
                for person in range(people)
                for n, aspect in enumerate(ASPECTS)
            ]
            connection.execute(sa.insert(Answer), rows)
            rounds.close(session, round_.id, opened + timedelta(days=4), people + 20)
        return place.id

    ids = [db.write_now(conversation_rounds, i) for i in range(conversations_count)]
    db.close()
    return ids


def digest_times(url: str, conversation_id: int, runs: int = 30) -> tuple[float, float, float]:
    """Median digest without chart, max without chart, and median chart render (ms)."""
    settings = Settings(database_url=url)
    db = Database(url, workers=4)
    bot = assemble(settings, load_content(), db)
    digests = bot.digests

    async def measure() -> tuple[list[float], list[float]]:
        conversation = await db.read(conversations.get, conversation_id)
        place = bot.places.place_of(conversation)
        await digests.build(place)  # warm-up (imports matplotlib once)
        plain, charted = [], []
        for _ in range(runs):
            begin = time.perf_counter()
            digest = await digests.build(place, with_chart=False)
            plain.append(time.perf_counter() - begin)
            assert digest is not None and digest.rounds_compared == 8
            begin = time.perf_counter()
            await digests.build(place, with_chart=True)
            charted.append(time.perf_counter() - begin)
        return plain, charted

    plain, charted = asyncio.run(measure())
    db.close()
    ms = 1000
    return statistics.median(plain) * ms, max(plain) * ms, statistics.median(charted) * ms


def count_answers(url: str) -> int:
    engine = sa.create_engine(normalise_url(url))
    with engine.connect() as connection:
        total = connection.scalar(sa.text("SELECT count(*) FROM answer"))
    engine.dispose()
    return total


def run(label: str, url: str) -> None:
    migrate(url)
    sequential, grouped = answer_rates(url)
    print(f"[{label}] answers: {sequential:,.0f}/s one at a time, {grouped:,.0f}/s grouped (64)")
    begin = time.perf_counter()
    ids = populate(url)
    print(f"[{label}] stored {count_answers(url):,} answers in {time.perf_counter() - begin:.0f} s")
    median, worst, chart = digest_times(url, ids[len(ids) // 2])
    print(
        f"[{label}] digest: median {median:.1f} ms, max {worst:.1f} ms; with chart {chart:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also run on this PostgreSQL (a scratch schema)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            url = sa.engine.make_url(normalise_url(args.postgres)).update_query_dict(
                {"options": f"-csearch_path={schema}"}
            )
            run("postgresql", url.render_as_string(hide_password=False))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    main()
