"""The event loop a server process runs on: uvloop where it is installed, as uvicorn and
Red-DiscordBot do; ``EVENT_LOOP=asyncio`` keeps the standard library's.

A burst is thousands of posts, each a few database hand-offs, timers and HTTP requests; the
standard loop spends a large share of the event loop's time on its own bookkeeping (timer
heap, ready queue, selector), which uvloop does in C (libuv)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from bot.config import ConfigError

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def run(main: Coroutine[Any, Any, None], factory: LoopFactory | None) -> None:
    """Run ``main`` to completion on a loop from ``factory`` (None: asyncio's own)."""
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


def loop_factory(choice: str) -> LoopFactory | None:
    """What makes the loop ``choice`` names (``auto``: uvloop if it is installed), or None for
    asyncio's default. Raises ConfigError when uvloop is asked for and missing."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError(
                "EVENT_LOOP=uvloop, but uvloop is not installed (pip install uvloop; it is not "
                "available on Windows): install it, or set EVENT_LOOP=auto or asyncio"
            ) from None
        return None
    return uvloop.new_event_loop


def name() -> str:
    """The running loop's kind, for the start-up log: ``uvloop`` or ``asyncio``."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
