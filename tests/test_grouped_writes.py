"""Group commit (storage/grouped.py) on SQLite and PostgreSQL: writes waiting together share a
transaction, each caller gets its own result, and one write's failure is only its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from storage import schedules
from storage.engine import Database

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def _counting(db: Database) -> list[int]:
    """How many transactions ``db`` ran (the grouped writer goes through ``db.write``)."""
    ran = [0]
    write = db.write

    async def counted(work: Any, *args: Any) -> Any:
        ran[0] += 1
        return await write(work, *args)

    db.write = counted  # type: ignore[method-assign]
    return ran


def _all_claimed(db: Database, count: int) -> bool:
    keys = [f"occurrence:{n}" for n in range(count)]
    return bool(db.read_now(schedules.claimed_among, keys) == set(keys))


def test_writes_waiting_together_share_a_transaction_and_keep_their_results(db) -> None:
    ran = _counting(db)

    async def scenario() -> list[bool]:
        keys = [f"occurrence:{n % 40}" for n in range(80)]  # each key wanted twice
        writes = [db.write_grouped(schedules.claim, key, "a", NOW) for key in keys]
        return list(await asyncio.gather(*writes))

    claimed = asyncio.run(scenario())
    # Each key's two asks: one wins (which one depends on which transaction ran first).
    assert [claimed[n] + claimed[n + 40] for n in range(40)] == [1] * 40
    assert ran[0] < 10  # 80 writes, a handful of transactions
    assert _all_claimed(db, 40)


def test_a_failing_write_fails_alone_and_leaves_nothing_behind(db) -> None:
    def claim_then_fail(session: Session) -> bool:
        schedules.claim(session, "occurrence:broken", "a", NOW)
        raise ValueError("this write fails after its statement")

    async def scenario() -> list[Any]:
        writes = [db.write_grouped(schedules.claim, f"occurrence:{n}", "a", NOW) for n in range(5)]
        writes.insert(2, db.write_grouped(claim_then_fail))
        return list(await asyncio.gather(*writes, return_exceptions=True))

    results = asyncio.run(scenario())
    assert isinstance(results[2], ValueError)
    assert results[:2] + results[3:] == [True] * 5
    assert not db.read_now(schedules.is_claimed, "occurrence:broken")
    assert _all_claimed(db, 5)


def test_a_write_alone_goes_at_once(db) -> None:
    ran = _counting(db)
    assert asyncio.run(db.write_grouped(schedules.claim, "occurrence:1", "a", NOW)) is True
    assert ran[0] == 1


def test_writes_cancelled_before_their_transaction_began_leave_the_writer_usable(db) -> None:
    async def cancel_everything_early() -> None:
        writes = [
            asyncio.ensure_future(db.write_grouped(schedules.claim, f"occurrence:{n}", "a", NOW))
            for n in range(5)
        ]
        await asyncio.sleep(0)  # the writes are queued, their transactions created, not begun
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()  # as a shutdown does
        await asyncio.gather(*writes, return_exceptions=True)

    asyncio.run(cancel_everything_early())
    later = db.write_grouped(schedules.claim, "occurrence:9", "a", NOW)
    assert asyncio.run(asyncio.wait_for(later, 10)) is True  # not stuck behind what was cancelled
