"""The storage step of every Slack click must always come back: a confirmation that never
comes is a lost click. (Found by the Slack pulse test: two of thirty clicks hung when an
answer arrived just as the previous batch's writer finished.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage.answers import AnswerInput, Outcome, Recorded
from storage.writer import AnswerWriter

pytestmark = pytest.mark.timeout(20)
ITEM = AnswerInput(1, 1, "adoption", 1, "adoption", "U1", 3, None, datetime(2025, 1, 6, tzinfo=UTC))


class InstantDatabase:
    """Answers every batch on the next turn of the loop, as a fast database would."""

    sqlite = True

    async def write(self, work: object, items: list[AnswerInput]) -> list[Recorded]:
        await asyncio.sleep(0)
        return [Recorded(Outcome.RECORDED) for _ in items]


def test_answers_one_after_another_all_come_back() -> None:
    async def scenario() -> int:
        writer = AnswerWriter(InstantDatabase())
        done = 0
        for _ in range(50):
            await writer.record(ITEM)  # the next one starts as the last batch's writer ends
            done += 1
        results = await asyncio.gather(*(writer.record(ITEM) for _ in range(200)))
        return done + len(results)

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) == 250
