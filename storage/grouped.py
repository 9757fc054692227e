"""Group commit: many small writes from many coroutines, committed in one transaction.

A burst of rounds posts thousands of messages, and each post needs a short transaction (its
mark in flight, its delivered mark). What such a transaction costs is mostly not its
statements but everything around them: a hop to a database thread, a session, a connection,
BEGIN and COMMIT. Here the writes that are waiting while a transaction runs go together in
the next one, in the order they came, so under load a transaction carries dozens of them and
when things are quiet a write goes alone, at once.

Each write keeps its own outcome. When the shared transaction fails (one write's error, a
deadlock, a lost connection), every write in it is run again in a transaction of its own,
so one failure is only its own caller's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from storage.lanes import background

if TYPE_CHECKING:
    from storage.engine import Database

log = logging.getLogger(__name__)
MOST_AT_ONCE = 64  # writes in one transaction: long ones hold their row locks longer
TRANSACTIONS_AT_ONCE = 2  # shared transactions running side by side


@dataclass(frozen=True)
class _Waiting:
    work: Callable[..., Any]
    args: tuple[Any, ...]
    done: asyncio.Future[Any]


class GroupedWrites:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[_Waiting] = []
        self._running: set[asyncio.Task[None]] = set()

    async def write(self, work: Callable[..., Any], *args: Any) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(work, args, done))
        self._start()
        return await done

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._running = {task for task in self._running if task.get_loop() is loop}
        if len(self._running) >= TRANSACTIONS_AT_ONCE:
            return  # a running transaction's end starts the next group (``_finished``)
        # Writes whose caller gave up (cancelled, or of an event loop that has ended) go nowhere.
        self._waiting = [
            w for w in self._waiting if not w.done.done() and w.done.get_loop() is loop
        ]
        while self._waiting and len(self._running) < TRANSACTIONS_AT_ONCE:
            group, self._waiting = self._waiting[:MOST_AT_ONCE], self._waiting[MOST_AT_ONCE:]
            # Whoever's write started it, a group is background work (storage/lanes.py).
            task = loop.create_task(self._commit(group), context=background())
            self._running.add(task)
            # A callback, not a ``finally``: it runs even for a task cancelled before it began.
            task.add_done_callback(partial(self._finished, group))

    def _finished(self, group: list[_Waiting], task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        for waiting in group:  # the task was cancelled: its callers must not wait forever
            if not waiting.done.done():
                waiting.done.cancel()
        if not task.get_loop().is_closed():
            self._start()

    async def _commit(self, group: list[_Waiting]) -> None:
        if len(group) == 1:
            await self._alone(group[0])
            return
        try:
            results = await self._db.write(_together, group)
        except Exception:
            log.info("grouped writes: %d written one by one after a failure", len(group))
            for waiting in group:
                await self._alone(waiting)
            return
        for waiting, result in zip(group, results, strict=True):
            if not waiting.done.done():  # its caller may have been cancelled
                waiting.done.set_result(result)

    async def _alone(self, waiting: _Waiting) -> None:
        try:
            result = await self._db.write(waiting.work, *waiting.args)
        except Exception as error:
            if not waiting.done.done():
                waiting.done.set_exception(error)
        else:
            if not waiting.done.done():
                waiting.done.set_result(result)


def _together(session: Session, group: list[_Waiting]) -> list[Any]:
    return [waiting.work(session, *waiting.args) for waiting in group]
