"""Group commit for answers: clicks that arrive together share one transaction.

A transaction costs far more than the two statements of an answer (on SQLite the session
and commit; on PostgreSQL the commit's flush to disk), so a burst of clicks is written as
one batch while the previous batch commits. Each answer still gets its own result.
SQLite has one writer at a time, so one batch is in flight; PostgreSQL takes several.
"""

from __future__ import annotations

import asyncio

from storage import answers
from storage.answers import AnswerInput, Recorded
from storage.engine import Database

MAX_BATCH = 100


class AnswerWriter:
    def __init__(self, db: Database, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self.parallel = 1 if db.sqlite else 4
        self._queue: list[tuple[AnswerInput, asyncio.Future[Recorded]]] = []
        self._drainers: set[asyncio.Task[None]] = set()

    async def record(self, item: AnswerInput) -> Recorded:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Recorded] = loop.create_future()
        self._queue.append((item, future))
        if len(self._drainers) < self.parallel:
            task = loop.create_task(self._drain())
            self._drainers.add(task)
            task.add_done_callback(self._drainers.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                try:
                    results = await self.db.write(answers.record_many, [item for item, _ in batch])
                except Exception as error:  # every waiter learns of the failure
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            # Leave the set in the same step that found the queue empty: the done-callback
            # runs later, and a record() in between would queue behind a drainer that is gone.
            self._drainers.discard(asyncio.current_task())
