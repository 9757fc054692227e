"""The deliverer under a burst, on SQLite and PostgreSQL: many conversations in flight at once
(up to DELIVERY_IN_FLIGHT, whatever DELIVERY_BATCH is), each conversation's posts in order,
and nothing posted twice when two deliverers and opening turns work through the same rows."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from harness import Bot, make_bot

from bot.context import Person, Place, Turn
from bot.replies import PulseParent, SurveyQuestion
from storage import outbox

GUARD = 60  # seconds before a test that would hang fails instead (not a speed limit)


async def _down(place: object, reply: object) -> None:
    raise ConnectionRefusedError("platform down")


async def _places(bot: Bot, count: int) -> list[Place]:
    return [
        await bot.app.places.place("console", "local", f"C-{n}", f"#c{n}") for n in range(count)
    ]


async def _open_while_down(bot: Bot, places: list[Place]) -> None:
    """A round in each place while the platform refuses: everything stays owed."""
    bot.chat.post = _down  # type: ignore[method-assign]
    for place in places:
        await bot.app.core.on_text(Turn(Person("lead"), place, "pulse start"))
    del bot.chat.post
    bot.clock.advance(minutes=5)  # past the first retry's backoff


async def _until_nothing_owed(bot: Bot) -> None:
    async def owed() -> int:
        return (await bot.db.read(outbox.backlog, bot.clock())).count

    async def wait() -> None:
        while await owed():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), GUARD)


def _record_order(bots: list[Bot]) -> list[tuple[str, object]]:
    """Every post of every bot in one sequence, as the platform would see them arrive."""
    seen: list[tuple[str, object]] = []
    for bot in bots:
        chat = bot.chat
        post, in_thread = chat.post, chat.post_in_thread

        async def posted(place, reply, post=post):  # type: ignore[no-untyped-def]
            seen.append((place.channel, reply))
            return await post(place, reply)

        async def threaded(place, parent, reply, broadcast=False, in_thread=in_thread):  # type: ignore[no-untyped-def]
            seen.append((place.channel, reply))
            return await in_thread(place, parent, reply, broadcast)

        chat.post = posted  # type: ignore[method-assign]
        chat.post_in_thread = threaded  # type: ignore[method-assign]
    return seen


def _each_once_in_order(seen: list[tuple[str, object]], places: list[Place]) -> None:
    for place in places:
        here = [reply for channel, reply in seen if channel == place.channel]
        assert isinstance(here[0], PulseParent), here
        assert [type(r) for r in here[1:]] == [SurveyQuestion] * 5
        assert [r.position for r in here[1:] if isinstance(r, SurveyQuestion)] == [1, 2, 3, 4, 5]


def test_many_conversations_go_at_once_up_to_the_in_flight_limit(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        places = await _places(bot, 6)
        await _open_while_down(bot, places)
        delivery = bot.app.delivery
        # One row per claim: only claiming again while rows are in flight gets four going.
        delivery.settings = replace(delivery.settings, batch=1, in_flight=4)
        inside, most = 0, 0
        four_inside = asyncio.Event()
        post = bot.chat.post

        async def gated(place, reply):  # type: ignore[no-untyped-def]
            nonlocal inside, most
            inside += 1
            most = max(most, inside)
            if inside >= 4:
                four_inside.set()
            await four_inside.wait()  # held until four conversations are posting together
            inside -= 1
            return await post(place, reply)

        bot.chat.post = gated  # type: ignore[method-assign]
        seen = _record_order([bot])
        delivery.start()
        try:
            await _until_nothing_owed(bot)
        finally:
            await delivery.stop()
        assert most == 4  # four at once, never more than DELIVERY_IN_FLIGHT
        _each_once_in_order(seen, places)
        bot.close()

    asyncio.run(scenario())


def test_two_running_deliverers_post_each_row_once_and_in_order(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", instance="b",
                                clock=first.clock)  # fmt: skip
        places = await _places(first, 8)
        await _open_while_down(first, places)
        await _places(second, 8)  # the second instance knows them too
        for bot in (first, second):
            bot.app.delivery.settings = replace(bot.app.delivery.settings, batch=3)
        seen = _record_order([first, second])
        first.app.delivery.start()
        second.app.delivery.start()
        try:
            await _until_nothing_owed(first)
        finally:
            await first.app.delivery.stop()
            await second.app.delivery.stop()
        assert len(seen) == 8 * 6
        _each_once_in_order(seen, places)
        first.close()
        second.close()

    asyncio.run(scenario())


def test_an_opening_turn_and_another_deliverer_share_a_burst(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", instance="b",
                                clock=first.clock)  # fmt: skip
        places = await _places(first, 8)
        await _places(second, 8)
        seen = _record_order([first, second])
        second.app.delivery.start()  # looks for due rows while the turns deliver theirs
        try:
            await asyncio.gather(
                *(first.app.core.on_text(Turn(Person("lead"), p, "pulse start")) for p in places)
            )
            await _until_nothing_owed(first)
        finally:
            await second.app.delivery.stop()
        assert len(seen) == 8 * 6
        _each_once_in_order(seen, places)
        first.close()
        second.close()

    asyncio.run(scenario())


def test_stopping_as_a_wake_arrives_still_stops(database_url, model, surveys, tmp_path) -> None:
    """Python 3.11's ``wait_for`` returns the result instead of raising when it is cancelled
    in the turn the event it waits on is set: a deliverer waiting for a wake that a finished
    post sets as ``stop`` cancels it must still stop (a full test run once hung here)."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        delivery = bot.app.delivery
        delivery.start()
        await _until_nothing_owed(bot)
        await asyncio.sleep(0.3)  # past the look gap: waiting for a wake or the poll
        delivery.wake()
        await asyncio.wait_for(delivery.stop(), GUARD)
        bot.close()

    asyncio.run(scenario())
