"""Rounds opening together, on SQLite and PostgreSQL: while other rounds wait to open on an
instance, a round's questions wait for them (every channel sees its pulse first); they wait
no longer than half the delivery lease or a tenth of the round's window, and an instance
stopped meanwhile leaves them to the next deliverer, each posted once."""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from harness import Bot, make_bot

from bot.context import MessageRef, Person, Place
from bot.replies import PulseParent, Reply, SurveyQuestion
from storage import outbox, rounds

GUARD = 60  # seconds before a test that would hang fails instead (not a speed limit)
CHANNELS = 10


async def _places(bot: Bot, count: int) -> list[Place]:
    return [
        await bot.app.places.place("console", "local", f"C{n:03}", f"#c{n}") for n in range(count)
    ]


def _hold_parent_in(bot: Bot, channel: str) -> tuple[asyncio.Event, asyncio.Event]:
    """The parent post in ``channel`` waits until released (a slow platform, say)."""
    held, release = asyncio.Event(), asyncio.Event()
    post = bot.chat.post

    async def holding(place: Place, reply: Reply) -> MessageRef:
        if place.channel == channel:
            held.set()
            await release.wait()
        return await post(place, reply)

    bot.chat.post = holding  # type: ignore[method-assign]
    return held, release


async def _owed_states(bot: Bot, place: Place) -> list[tuple[str, str, str | None]]:
    opened = await bot.db.read(rounds.current, place.id)
    assert opened is not None and opened.id is not None
    owed = await bot.db.read(outbox.of_round, opened.id)
    return [(row.kind, row.state, row.lease_owner) for row in owed]


def test_a_burst_posts_every_rounds_parent_before_any_question(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        places = await _places(bot, CHANNELS)
        refused = await asyncio.wait_for(
            asyncio.gather(*(bot.app.rounds.start(p, Person("lead")) for p in places)), GUARD
        )
        assert refused == [[]] * CHANNELS
        await asyncio.wait_for(bot.app.delivery.settled(), GUARD)
        kinds = [type(reply) for _, _, reply in bot.chat.calls]
        parents = [n for n, kind in enumerate(kinds) if kind is PulseParent]
        questions = [n for n, kind in enumerate(kinds) if kind is SurveyQuestion]
        assert len(parents) == CHANNELS and len(questions) == CHANNELS * 5
        assert max(parents) < min(questions)
        # each question in its own round's thread, once
        threads = [target for method, target, reply in bot.chat.calls if method == "thread"]
        assert sorted(collections.Counter(threads).values()) == [5] * CHANNELS
        for place in places:
            states = await _owed_states(bot, place)
            assert [(kind, state) for kind, state, _ in states] == [
                ("parent", outbox.DELIVERED)
            ] + [("question", outbox.DELIVERED)] * 5
        bot.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("lease", "window", "most"),
    [(1.0, None, 0.5), (120.0, timedelta(minutes=1), 6.0)],
    ids=["half-the-lease", "a-tenth-of-the-window"],
)
def test_questions_wait_for_other_openings_only_so_long(
    database_url, model, surveys, tmp_path, lease, window, most
) -> None:
    """No longer than half the delivery lease, nor than a tenth of the round's window."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        delivery = bot.app.delivery
        delivery.settings = replace(delivery.settings, lease=lease)
        slow, quick = await _places(bot, 2)
        held, release = _hold_parent_in(bot, slow.channel)
        stuck = asyncio.ensure_future(bot.app.rounds.start(slow, Person("lead")))
        await asyncio.wait_for(held.wait(), GUARD)
        started = time.monotonic()
        assert await bot.app.rounds.start(quick, Person("lead"), close_after=window) == []
        assert bot.chat.of(SurveyQuestion) == []  # the slow round is still opening
        await asyncio.wait_for(delivery.settled(), GUARD)  # ... and still is, yet:
        assert time.monotonic() - started >= most * 0.9
        assert not stuck.done()
        assert len(bot.chat.of(SurveyQuestion)) == 5
        assert {state for _, state, _ in await _owed_states(bot, quick)} == {outbox.DELIVERED}
        release.set()
        assert await asyncio.wait_for(stuck, GUARD) == []
        assert len(bot.chat.of(SurveyQuestion)) == 10
        bot.close()

    asyncio.run(scenario())


def test_an_instance_stopped_while_questions_wait_leaves_them_to_another_once(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", instance="b",
                                clock=first.clock)  # fmt: skip
        slow, quick = await _places(first, 2)
        held, _ = _hold_parent_in(first, slow.channel)
        stuck = asyncio.ensure_future(first.app.rounds.start(slow, Person("lead")))
        await asyncio.wait_for(held.wait(), GUARD)
        assert await first.app.rounds.start(quick, Person("lead")) == []
        await first.app.delivery.stop()  # a restart, while the questions wait
        stuck.cancel()
        states = await _owed_states(first, quick)
        # the parent was marked before the wait; the questions are still leased to "a"
        assert (
            states == [("parent", outbox.DELIVERED, None)] + [("question", outbox.PENDING, "a")] * 5
        )
        assert await second.app.delivery.deliver_due() == 0  # not while the lease holds
        first.clock.advance(seconds=first.app.delivery.settings.lease + 1)
        while await second.app.delivery.deliver_due():
            pass
        assert first.chat.of(SurveyQuestion) == []
        assert len(second.chat.of(SurveyQuestion)) == 5
        assert {state for _, state, _ in await _owed_states(first, quick)} == {outbox.DELIVERED}
        first.close()
        second.close()

    asyncio.run(scenario())


def test_a_round_opened_alone_posts_its_questions_before_start_returns(
    database_url, model, surveys, tmp_path
) -> None:
    """Nothing else opening: the chain is finished in the opener (a person's `pulse start`)."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        assert await bot.app.rounds.start(bot.place, Person("lead")) == []
        assert len(bot.chat.of(SurveyQuestion)) == 5
        assert not bot.app.delivery._chains
        bot.close()

    asyncio.run(scenario())
