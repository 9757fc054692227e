"""Outbound pacing: Slack allows about one message a second per channel.

Every message that shows in a channel (posts, thread replies, edits) goes through the
channel's lane, one at a time, at least ``interval`` apart, in the order asked. A lane never
drops work: a 429 is retried by the client after ``Retry-After`` while the lane waits.
Edits of one message that queue up behind other work are merged: only the newest is sent,
so a busy pulse's response counts cost one edit per message per turn, not one per click.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

Result = TypeVar("Result")
DEFAULT_INTERVAL = 1.0
LANES_KEPT = 2_000  # idle lanes beyond this are dropped (a dropped lane has nothing to wait for)


class _Lane:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # FIFO: waiters acquire in arrival order
        self.last = float("-inf")
        self.users = 0  # calls holding or waiting for the lane


class _Edit:
    """The newest pending edit of one message, and everyone waiting for it."""

    def __init__(self, send: Callable[[], Awaitable[object]]) -> None:
        self.send = send
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class ChannelPacer:
    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = interval
        self._lanes: dict[str, _Lane] = {}
        self._edits: dict[tuple[str, str], _Edit] = {}

    async def send(self, channel: str, call: Callable[[], Awaitable[Result]]) -> Result:
        """Run ``call`` in ``channel``'s lane, ``interval`` after the lane's previous call."""
        lane = self._lanes.get(channel)
        if lane is None:
            if len(self._lanes) >= LANES_KEPT:
                self._drop_idle()
            lane = self._lanes[channel] = _Lane()
        lane.users += 1
        try:
            async with lane.lock:
                wait = lane.last + self.interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    return await call()
                finally:
                    lane.last = time.monotonic()
        finally:
            lane.users -= 1

    def _drop_idle(self) -> None:
        """Forget lanes nobody waits in whose interval has passed: a new lane for the same
        channel would let the next call go at once, exactly as the old one would."""
        now = time.monotonic()
        for channel in [
            name
            for name, lane in self._lanes.items()
            if not lane.users and lane.last + self.interval <= now
        ]:
            del self._lanes[channel]

    async def edit(self, channel: str, message: str, call: Callable[[], Awaitable[object]]) -> None:
        """Like ``send`` for an edit of ``message``; a newer edit still queued replaces it."""
        key = (channel, message)
        pending = self._edits.get(key)
        if pending is not None:
            pending.send = call  # not sent yet: the newest content wins
            await asyncio.shield(pending.done)
            return
        pending = self._edits[key] = _Edit(call)

        async def newest() -> None:
            # From here on a new edit queues behind this one instead of merging into it.
            del self._edits[key]
            await pending.send()

        try:
            await self.send(channel, newest)
        except BaseException as error:
            if self._edits.get(key) is pending:
                del self._edits[key]
            if not pending.done.done():
                pending.done.set_exception(error)
                pending.done.exception()  # mark retrieved: waiters may be gone
            raise
        else:
            pending.done.set_result(None)
