"""Work done after Teams was answered.

Teams waits at most 15 s for ``/api/messages`` and retries what takes longer; a round opened
under throttling, or a reply to a service URL that does not answer, can take that long. So a
message is acknowledged as soon as it is read and authenticated, and handled afterwards here:
in arrival order within one conversation (a command typed after another is answered after
it), and waited for at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class AfterAck:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # per conversation: the newest work

    def start(self, conversation: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` after the conversation's earlier work has finished."""
        previous = self._last.get(conversation)

        async def run() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            await work()

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        self._last[conversation] = task
        task.add_done_callback(lambda done: self._finished(conversation, done))

    def _finished(self, conversation: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._last.get(conversation) is task:
            del self._last[conversation]
        if not task.cancelled() and task.exception() is not None:
            log.error("teams: work after the acknowledgement failed", exc_info=task.exception())

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def wait(self, timeout: float) -> None:
        """Let the work under way finish (shutdown), at most ``timeout`` seconds."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        if pending:
            log.warning("teams: shutting down with %d activities still being handled", len(pending))
