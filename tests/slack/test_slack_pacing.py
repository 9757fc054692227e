"""Per-channel pacing: one message at a time, ``interval`` apart, in order; edits of one
message waiting in the lane are merged; other channels never wait."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.platforms.slack.pacing import ChannelPacer

INTERVAL = 0.1


def run(coroutine):
    return asyncio.run(coroutine)


def test_posts_to_one_channel_are_spaced_and_ordered() -> None:
    async def scenario() -> list[tuple[str, float]]:
        pacer, sent = ChannelPacer(INTERVAL), []

        async def post(n: int) -> int:
            sent.append((n, time.monotonic()))
            return n

        results = await asyncio.gather(*(pacer.send("C1", lambda n=n: post(n)) for n in range(5)))
        assert results == [0, 1, 2, 3, 4]
        return sent

    sent = run(scenario())
    assert [n for n, _ in sent] == [0, 1, 2, 3, 4]
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(sent)]
    assert min(gaps) >= INTERVAL * 0.95


def test_other_channels_do_not_wait() -> None:
    async def scenario() -> float:
        pacer = ChannelPacer(1.0)

        async def post() -> None:
            return None

        await pacer.send("C1", post)
        started = time.monotonic()
        await pacer.send("C2", post)
        return time.monotonic() - started

    assert run(scenario()) < 0.2


def test_queued_edits_of_one_message_are_merged_newest_wins() -> None:
    async def scenario() -> list[str]:
        pacer, sent = ChannelPacer(INTERVAL), []

        async def send(label: str) -> None:
            sent.append(label)

        await pacer.send("C1", lambda: send("post"))  # the lane is now busy for INTERVAL
        edits = [pacer.edit("C1", "ts1", lambda n=n: send(f"count {n}")) for n in range(1, 6)]
        await asyncio.gather(*edits, pacer.edit("C1", "ts2", lambda: send("other message")))
        await pacer.edit("C1", "ts1", lambda: send("count 6"))  # after the merge: sent again
        return sent

    assert run(scenario()) == ["post", "count 5", "other message", "count 6"]


def test_a_failure_reaches_its_caller_and_the_lane_goes_on() -> None:
    async def scenario() -> list[str]:
        pacer, sent = ChannelPacer(INTERVAL), []

        async def boom() -> None:
            raise RuntimeError("slack said no")

        async def fine() -> None:
            sent.append("fine")

        with pytest.raises(RuntimeError):
            await pacer.send("C1", boom)
        waiting = [pacer.edit("C1", "ts", boom), pacer.edit("C1", "ts", boom)]
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        await pacer.send("C1", fine)
        return sent

    assert run(scenario()) == ["fine"]


def test_idle_lanes_are_forgotten_and_busy_ones_kept(monkeypatch) -> None:
    """Thousands of channels and people do not grow the pacer; a lane in use stays."""
    from bot.platforms.slack import pacing

    monkeypatch.setattr(pacing, "LANES_KEPT", 10)

    async def scenario() -> tuple[int, list[float]]:
        pacer = ChannelPacer(INTERVAL)
        times: list[float] = []

        async def busy() -> None:
            times.append(time.monotonic())

        async def three() -> None:
            await asyncio.gather(*(pacer.send("BUSY", busy) for _ in range(3)))

        first = asyncio.create_task(three())
        await asyncio.sleep(0)
        for n in range(20):
            await pacer.send(f"C{n}", lambda: asyncio.sleep(0))
        await asyncio.sleep(INTERVAL * 1.2)  # C0..C19 are idle now; BUSY still waits
        for n in range(20, 40):
            await pacer.send(f"C{n}", lambda: asyncio.sleep(0))
        await first
        return sorted(pacer._lanes), times

    lanes, times = run(scenario())
    assert "C0" not in lanes and "C19" not in lanes and "C39" in lanes
    assert len(lanes) <= 22
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= INTERVAL * 0.95  # the busy lane kept its spacing throughout
