"""Who closes a scheduled round when several instances run: the one that opened it, at its
closing time; another only CLOSE_TAKEOVER later, if the round is still open then (its opener
stopped). A round started by hand, perhaps in a process without a scheduler, is closed on
time by whoever learns of it. A scheduled opening that another instance claimed while it
waited for its turn does nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from harness import Bot, Clock, make_bot

from bot import scheduler as scheduling
from bot.context import Person
from bot.replies import PulseParent, RoundSummary
from bot.scheduler import Scheduler
from storage import rounds, schedules
from storage.tables import Schedule

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WINDOW = timedelta(hours=1)


class _Instances:
    """Two instances on one database; the schedulers started here stop with them."""

    def __init__(self, first: Bot, second: Bot) -> None:
        self.first, self.second = first, second
        self.schedulers: list[Scheduler] = []

    async def started(self, bot: Bot) -> Scheduler:
        scheduler = Scheduler(bot.app, ["console"])
        await scheduler.start()
        await scheduler.settled()
        self.schedulers.append(scheduler)
        return scheduler


@asynccontextmanager
async def _two(database_url, model, surveys, tmp_path, clock: Clock) -> AsyncIterator[_Instances]:
    first = await make_bot(database_url, model, surveys, tmp_path / "a", clock, instance="a")
    second = await make_bot(database_url, model, surveys, tmp_path / "b", clock, instance="b")
    instances = _Instances(first, second)
    try:
        yield instances
    finally:
        for scheduler in instances.schedulers:
            await scheduler.stop()
        first.close()
        second.close()


async def _open_here(bot: Bot, scheduled: bool = True) -> int:
    """A round opened in ``bot``'s process: as its scheduler opens one (with its schedule),
    or by hand."""
    schedule_id = await _schedule(bot) if scheduled else None
    opened = await bot.app.rounds.start(
        bot.place, Person("lead"), close_after=WINDOW, schedule_id=schedule_id
    )
    assert opened == []
    current = await bot.db.read(rounds.current, bot.place.id)
    assert current is not None and current.id is not None
    return current.id


async def _schedule(bot: Bot) -> int:
    """A weekly schedule that falls due at none of the times these tests look at."""
    schedule = Schedule(
        conversation_id=bot.place.id, kind="pulse", days="mon", hour=15, minute=0, second=0,
        timezone="UTC", template="quick", close_after_minutes=60, created_by="lead",
        created_at=MONDAY_10 - timedelta(days=30),
    )  # fmt: skip
    schedule_id = await bot.db.write(_stored, schedule)
    assert schedule_id is not None
    return schedule_id


def _stored(session, schedule: Schedule) -> int | None:
    schedules.replace(session, schedule)
    return schedule.id


def _due(scheduler: Scheduler, at: datetime) -> list[int]:
    closes, _ = scheduler._pop_due(at)
    return closes


async def _close_due(scheduler: Scheduler, at: datetime) -> list[int]:
    """The rounds ``scheduler`` closes at ``at``, closed."""
    closes = _due(scheduler, at)
    await scheduler._run_due(closes, [])
    return closes


def test_the_opener_closes_its_round_and_the_other_instance_only_forgets_it(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        clock = Clock(MONDAY_10)
        async with _two(database_url, model, surveys, tmp_path, clock) as two:
            opener, other = await two.started(two.first), await two.started(two.second)
            round_id = await _open_here(two.first)
            closes_at = MONDAY_10 + WINDOW
            await other.sync()  # the periodic re-sync learns of it
            assert opener._closing[round_id].at == closes_at
            assert other._closing[round_id].at == closes_at + scheduling.CLOSE_TAKEOVER

            at_closing = closes_at + timedelta(seconds=1)
            clock.set(at_closing)
            assert _due(other, at_closing) == []  # not raced by the other instance
            assert await _close_due(opener, at_closing) == [round_id]
            assert len(two.first.chat.of(RoundSummary)) == 1

            await other.sync()  # closed elsewhere: disarmed, so not even read later
            assert round_id not in other._closing
            later = closes_at + scheduling.CLOSE_TAKEOVER + timedelta(seconds=1)
            assert _due(other, later) == []
            assert two.second.chat.of(RoundSummary) == []

    asyncio.run(scenario())


def test_a_round_whose_opener_stopped_is_closed_by_another_instance_after_the_takeover(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        clock = Clock(MONDAY_10)
        async with _two(database_url, model, surveys, tmp_path, clock) as two:
            opener, other = await two.started(two.first), await two.started(two.second)
            round_id = await _open_here(two.first)
            await opener.stop()  # the opener stops before the round's closing time
            await other.sync()
            closes_at = MONDAY_10 + WINDOW
            assert _due(other, closes_at + timedelta(seconds=1)) == []
            takeover = closes_at + scheduling.CLOSE_TAKEOVER
            clock.set(takeover)
            assert await _close_due(other, takeover) == [round_id]
            assert len(two.second.chat.of(RoundSummary)) == 1
            closed = await two.second.db.read(rounds.get, round_id)
            assert closed is not None and closed.closed_at is not None

    asyncio.run(scenario())


def test_a_round_started_by_hand_elsewhere_is_closed_on_time_by_whoever_learns_of_it(
    database_url, model, surveys, tmp_path
) -> None:
    """Started in a process that runs no scheduler (``--role events``): nobody else would
    close it at its closing time."""

    async def scenario() -> None:
        clock = Clock(MONDAY_10)
        async with _two(database_url, model, surveys, tmp_path, clock) as two:
            events, work = two.first, two.second
            scheduler = await two.started(work)
            round_id = await _open_here(events, scheduled=False)
            await scheduler.sync()
            closes_at = MONDAY_10 + WINDOW
            assert scheduler._closing[round_id].at == closes_at
            at_closing = closes_at + timedelta(seconds=1)
            clock.set(at_closing)
            assert await _close_due(scheduler, at_closing) == [round_id]
            assert len(work.chat.of(RoundSummary)) == 1

    asyncio.run(scenario())


def test_rounds_open_at_start_up_are_armed_at_their_closing_time(
    database_url, model, surveys, tmp_path
) -> None:
    """After a restart nobody else may be running: what was open closes on time."""

    async def scenario() -> None:
        clock = Clock(MONDAY_10)
        async with _two(database_url, model, surveys, tmp_path, clock) as two:
            round_id = await _open_here(two.first)  # before a restart, say
            restarted = await two.started(two.second)
            assert restarted._closing[round_id].at == MONDAY_10 + WINDOW

    asyncio.run(scenario())


def test_a_scheduled_opening_claimed_elsewhere_while_it_waited_does_nothing(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        clock = Clock(MONDAY_10)
        bot = await make_bot(database_url, model, surveys, tmp_path, clock)
        claim = "pulse:1:2026-11-23T10:00:00"
        refused = await bot.app.rounds.start(
            bot.place, Person("scheduler"), claim=claim, claimed_elsewhere=lambda: True
        )
        assert refused == []  # nothing to say: the other instance opens it
        assert await bot.db.read(rounds.current, bot.place.id) is None
        assert await bot.db.read(schedules.claimed_among, [claim]) == set()
        assert bot.chat.of(PulseParent) == []
        # Unclaimed elsewhere, the same call opens the round and claims the occurrence.
        assert (
            await bot.app.rounds.start(
                bot.place, Person("scheduler"), claim=claim, claimed_elsewhere=lambda: False
            )
            == []
        )
        assert await bot.db.read(rounds.current, bot.place.id) is not None
        assert await bot.db.read(schedules.claimed_among, [claim]) == {claim}
        assert len(bot.chat.of(PulseParent)) == 1
        bot.close()

    asyncio.run(scenario())
