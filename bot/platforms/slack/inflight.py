"""Work still running after Slack was answered, so a shutdown can let it finish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

log = logging.getLogger(__name__)
Listener = TypeVar("Listener", bound=Callable[..., Awaitable[Any]])


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def tracked(self, listener: Listener) -> Listener:
        """Wrap a Bolt listener so its task is known until it ends."""

        @wraps(listener)
        async def run(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                return await listener(*args, **kwargs)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return run  # type: ignore[return-value]

    async def wait(self, timeout: float) -> None:
        running = {task for task in self._tasks if task is not asyncio.current_task()}
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=timeout)
        if pending:
            log.warning("shutting down with %d Slack tasks still running", len(pending))
