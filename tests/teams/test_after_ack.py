"""Work after Teams was answered: in arrival order within a conversation, side by side across
conversations, a failure stops nothing after it, and shutdown waits for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.platforms.teams.inflight import AfterAck


def test_work_runs_in_order_per_conversation(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    def work(name: str, seconds: float, fail: bool = False):
        async def run() -> None:
            await asyncio.sleep(seconds)
            if fail:
                raise RuntimeError(name)
            done.append(name)

        return run

    async def scenario() -> None:
        after = AfterAck()
        after.start("channel", work("status", 0.2))
        after.start("channel", work("broken", 0.0, fail=True))
        after.start("channel", work("remind", 0.0))
        after.start("chat", work("elsewhere", 0.05))
        assert after.running == 4
        await after.wait(5)
        assert after.running == 0

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    # The chat did not wait for the channel; the channel's work kept its order.
    assert done == ["elsewhere", "status", "remind"]
    assert "work after the acknowledgement failed" in caplog.text


def test_shutdown_waits_only_so_long(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        after = AfterAck()
        after.start("channel", lambda: asyncio.sleep(10))
        with caplog.at_level(logging.WARNING):
            await after.wait(0.05)
        assert after.running == 1

    asyncio.run(scenario())
    assert "still being handled" in caplog.text
