"""Arming at start-up with more schedules and open rounds than one page of a read: every
page is armed, other platforms' work is left alone, catch-up runs once across instances,
and occurrences missed for too long are reported in one line."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from harness import Bot, Clock, make_bot

from bot import scheduler as scheduling
from bot.context import Person, Place
from bot.replies import PulseParent, RoundSummary
from bot.scheduler import Scheduler
from bot.when import WhenError, zone
from storage import rounds, schedules
from storage.tables import Schedule

MONDAY_11 = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
PAGE = 3  # rows per read in these tests: several pages of each kind


async def _schedule(bot: Bot, conversation_id: int, hour: int, minute: int) -> int:
    (stored,) = [
        s
        for s in await bot.db.write(
            _replace_and_list,
            Schedule(
                conversation_id=conversation_id, kind="pulse", days="mon", hour=hour,
                minute=minute, second=0, timezone="UTC", template="quick",
                close_after_minutes=60, created_by="lead",
                created_at=bot.clock() - timedelta(days=30),
            ),
        )
    ]  # fmt: skip
    assert stored.id is not None
    return stored.id


async def _open(bot: Bot, place: Place, closes_after: timedelta) -> None:
    assert await bot.app.rounds.start(place, Person("lead"), close_after=closes_after) == []


def _replace_and_list(session, schedule: Schedule) -> list[Schedule]:
    schedules.replace(session, schedule)
    return schedules.of_conversation(session, schedule.conversation_id)


def test_start_arms_every_page_of_schedules_and_open_rounds(
    database_url, model, surveys, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(scheduling, "PAGE_ROWS", PAGE)

    async def scenario() -> None:
        clock = Clock(MONDAY_11 - timedelta(hours=2))
        bot = await make_bot(database_url, model, surveys, tmp_path, clock)
        places = [
            await bot.app.places.place("console", "local", f"C{n:02}", f"#c{n}") for n in range(8)
        ]
        elsewhere = await bot.app.places.place("slack", "T1", "C-other", "#other")
        ids = [await _schedule(bot, place.id, 12, n) for n, place in enumerate(places)]
        await _schedule(bot, elsewhere.id, 12, 30)
        for n, place in enumerate(places[:7]):
            hours = 1 if n < 3 else 48  # the first three will be overdue
            await _open(bot, place, timedelta(hours=hours))
        clock.set(MONDAY_11)
        still_open = [
            r.id for r in await bot.db.read(rounds.open_on_platforms, ["console"]) if r.id
        ]

        scheduler = Scheduler(bot.app, ["console"])
        await scheduler.start()
        await scheduler.settled()
        assert sorted(scheduler._jobs) == sorted(ids)  # three pages, the other platform's not
        armed = sorted(when for when, kind, _, _ in scheduler._heap if kind == "schedule")
        assert armed == [MONDAY_11.replace(hour=12, minute=n) for n in range(8)]
        assert len(bot.chat.of(RoundSummary)) == 3  # the overdue ones, closed once
        left = await bot.db.read(rounds.open_on_platforms, ["console"])
        assert sorted(scheduler._closing) == sorted(r.id for r in left)
        assert len(left) == 4 and set(still_open) >= {r.id for r in left}
        await scheduler.sync()  # a periodic re-sync arms nothing twice
        assert len([entry for entry in scheduler._heap if entry[1] == "schedule"]) == 8
        await scheduler.stop()
        bot.close()

    asyncio.run(scenario())


def test_start_catches_up_once_across_two_instances(
    database_url, model, surveys, tmp_path, monkeypatch
) -> None:
    """Restarted 20 minutes after a Monday 10:40 pulse was due, with an overdue round
    elsewhere: the pulse opens once (on one instance), the round closes once."""
    monkeypatch.setattr(scheduling, "PAGE_ROWS", PAGE)

    async def scenario() -> tuple[int, int]:
        clock = Clock(MONDAY_11 - timedelta(hours=3))
        first = await make_bot(database_url, model, surveys, tmp_path / "a", clock, instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", clock, instance="b")
        late = await first.app.places.place("console", "local", "C-late", "#late")
        for n in range(5):  # more than a page of schedules that are not due
            other = await first.app.places.place("console", "local", f"C{n}", f"#c{n}")
            await _schedule(first, other.id, 15, n)
        await _schedule(first, late.id, 10, 40)
        await _open(first, first.place, timedelta(hours=1))
        clock.set(MONDAY_11)  # 10:40 was missed by 20 minutes
        running = [Scheduler(b.app, ["console"]) for b in (first, second)]
        for scheduler in running:
            await scheduler.start()
        for scheduler in running:
            await scheduler.settled()
            following = [w for w, kind, _, _ in scheduler._heap if kind == "schedule"]
            assert MONDAY_11.replace(hour=10, minute=40) + timedelta(days=7) in following
            await scheduler.stop()
        parents = [p for b in (first, second) for p in b.chat.of(PulseParent) if p is not None]
        summaries = len(first.chat.of(RoundSummary)) + len(second.chat.of(RoundSummary))
        first.close()
        second.close()
        return len(parents) - 1, summaries  # less the round opened by hand above

    caught_up, summaries = asyncio.run(scenario())
    assert caught_up == 1 and summaries == 1


def test_occurrences_missed_too_long_are_reported_in_one_line(
    database_url, model, surveys, tmp_path, caplog
) -> None:
    async def scenario() -> int:
        clock = Clock(MONDAY_11 - timedelta(days=1))
        bot = await make_bot(database_url, model, surveys, tmp_path, clock)
        for n in range(scheduling.SKIPS_NAMED + 2):
            place = await bot.app.places.place("console", "local", f"C{n:02}", f"#c{n}")
            await _schedule(bot, place.id, 9, n)  # two hours before the restart
        clock.set(MONDAY_11)
        with caplog.at_level(logging.INFO, logger="bot.scheduler"):
            await Scheduler(bot.app, ["console"]).catch_up()
        posted = len(bot.chat.of(PulseParent))
        bot.close()
        return posted

    assert asyncio.run(scenario()) == 0
    lines = [r.getMessage() for r in caplog.records if "PULSE_CATCH_UP" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].startswith(f"skipping {scheduling.SKIPS_NAMED + 2} occurrences")
    assert lines[0].endswith(" and 2 more") and "T09:00:00 (missed by 2:00:00)" in lines[0]


@pytest.mark.parametrize("name", ["Nowhere/Atlantis", "../etc"])
def test_an_unknown_timezone_is_refused_every_time_it_is_asked(name: str) -> None:
    for _ in range(2):  # the second look-up is answered from the cache
        with pytest.raises(WhenError):
            zone(name)
    assert zone("europe/berlin") is zone("Europe/Berlin")
