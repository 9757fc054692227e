"""Scheduled pulses and digests fire once: across instances, restarts and DST changes."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from harness import Bot, Clock, make_bot
from sqlmodel import select

from bot import occurrences
from bot.replies import Digest, PulseParent, RoundSummary
from bot.scheduler import Scheduler
from bot.services import utc_now
from storage import schedules
from storage.engine import Database
from storage.tables import Round

BERLIN = "Europe/Berlin"
# Monday 23 Nov 2026, 10:00 in Berlin is 09:00 UTC.
MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _rounds(url: str) -> list[tuple]:
    """(id, opened_at, closed_at) of every round, as aware datetimes on both databases."""
    db = Database(url, workers=1)
    found = db.read_now(lambda session: session.exec(select(Round).order_by(Round.id)).all())
    db.close()
    return [(r.id, r.opened_at, r.closed_at) for r in found]


async def _two_bots(url, model, surveys, tmp_path, clock) -> tuple[Bot, Bot]:
    first = await make_bot(url, model, surveys, tmp_path / "a", clock, instance="a")
    second = await make_bot(url, model, surveys, tmp_path / "b", clock, instance="b")
    return first, second


def test_two_instances_fire_one_occurrence_once(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> None:
        clock = Clock(MONDAY_10 - timedelta(hours=1))
        first, second = await _two_bots(database_url, model, surveys, tmp_path, clock)
        reply = await first.text("lead", "pulse schedule every monday 10:00 Europe/Berlin")
        assert "Scheduled: a quick pulse every Monday at 10:00 (Europe/Berlin)" in reply
        assert "Next: Mon 23 Nov 10:00" in reply
        (schedule,) = await first.db.read(schedules.of_conversation, first.place.id)
        clock.set(MONDAY_10 + timedelta(seconds=2))
        await asyncio.gather(
            Scheduler(first.app, ["console"]).fire(schedule.id),
            Scheduler(second.app, ["console"]).fire(schedule.id),
            Scheduler(second.app, ["console"]).fire(schedule.id),
        )
        parents = first.chat.of(PulseParent) + second.chat.of(PulseParent)
        assert len(parents) == 1
        first.close()
        second.close()

    asyncio.run(scenario())
    assert len(_rounds(database_url)) == 1


def test_restart_between_occurrences_loses_none_and_doubles_none(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        clock = Clock(MONDAY_10 - timedelta(days=1))
        bot = await make_bot(database_url, model, surveys, tmp_path / "1", clock)
        await bot.say("lead", "pulse schedule every monday 10:00 Europe/Berlin closes after 2d")
        (schedule,) = await bot.db.read(schedules.of_conversation, bot.place.id)
        clock.set(MONDAY_10 + timedelta(seconds=1))
        await Scheduler(bot.app, ["console"]).fire(schedule.id)
        assert len(bot.chat.of(PulseParent)) == 1
        bot.close()

        # Down for a week; restarted ten minutes after the next occurrence.
        clock.set(MONDAY_10 + timedelta(days=7, minutes=10))
        restarted = await make_bot(database_url, model, surveys, tmp_path / "2", clock)
        scheduler = Scheduler(restarted.app, ["console"])
        await scheduler.close_overdue()  # the first round closed while we were down
        await scheduler.catch_up()
        assert len(restarted.chat.of(RoundSummary)) == 1
        assert len(restarted.chat.of(PulseParent)) == 1
        await scheduler.catch_up()  # a second restart finds nothing new to do
        await Scheduler(restarted.app, ["console"]).fire(schedule.id)
        assert len(restarted.chat.of(PulseParent)) == 1
        restarted.close()

    asyncio.run(scenario())
    opened = [row[1] for row in _rounds(database_url)]
    assert opened == [
        MONDAY_10 + timedelta(seconds=1),
        MONDAY_10 + timedelta(days=7, minutes=10),
    ]


def test_catch_up_runs_recent_and_skips_old(database_url, model, surveys, tmp_path, caplog) -> None:
    async def scenario() -> tuple[int, int]:
        clock = Clock(MONDAY_10 - timedelta(days=1))
        bot = await make_bot(database_url, model, surveys, tmp_path, clock)
        await bot.say("lead", "digest schedule mondays 10:00 Europe/Berlin")
        await bot.say("lead", "pulse schedule every monday 10:00 Europe/Berlin")
        clock.set(MONDAY_10 + timedelta(hours=2))  # missed by two hours: older than 1 h
        with caplog.at_level(logging.INFO, logger="bot.scheduler"):
            await Scheduler(bot.app, ["console"]).catch_up()
        skipped = len(bot.chat.of(PulseParent))
        clock.set(MONDAY_10 + timedelta(days=7, minutes=30))  # missed by 30 minutes
        await Scheduler(bot.app, ["console"]).catch_up()
        caught_up = len(bot.chat.of(PulseParent))
        bot.close()
        return skipped, caught_up

    skipped, caught_up = asyncio.run(scenario())
    assert skipped == 0 and caught_up == 1
    assert "more than PULSE_CATCH_UP" in caplog.text
    assert "pulse:" in caplog.text and "2026-11-23T10:00:00" in caplog.text


def test_dst_weeks_fire_once(database_url, model, surveys, tmp_path) -> None:
    """02:30 Berlin on the nights the clocks change: absent in March, twice in October."""

    async def scenario() -> list[str]:
        clock = Clock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
        bot = await make_bot(database_url, model, surveys, tmp_path, clock)
        await bot.say("lead", "pulse schedule every sunday 02:30 Europe/Berlin closes after 1d")
        (schedule,) = await bot.db.read(schedules.of_conversation, bot.place.id)
        scheduler = Scheduler(bot.app, ["console"])
        # Spring: 02:30 does not exist; APScheduler wakes at 01:30 UTC (03:30 CEST).
        clock.set(datetime(2026, 3, 29, 1, 30, 1, tzinfo=UTC))
        await scheduler.fire(schedule.id)
        await scheduler.close_round(1)
        # Autumn: 02:30 happens at 00:30 UTC and again at 01:30 UTC; APScheduler wakes twice.
        clock.set(datetime(2026, 10, 25, 0, 30, 1, tzinfo=UTC))
        await scheduler.fire(schedule.id)
        clock.set(datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC))
        await scheduler.fire(schedule.id)
        bot.close()
        return [parent.title for parent in bot.chat.of(PulseParent)]

    titles = asyncio.run(scenario())
    assert len(titles) == 2  # one in March, one in October
    assert [row[1].date().isoformat() for row in _rounds(database_url)] == [
        "2026-03-29",
        "2026-10-25",
    ]


def test_occurrences_follow_local_time_across_dst() -> None:
    before = occurrences.following("mon", 10, 0, 0, BERLIN, datetime(2026, 10, 18, tzinfo=UTC))
    after = occurrences.following("mon", 10, 0, 0, BERLIN, datetime(2026, 10, 25, tzinfo=UTC))
    assert before == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    assert after == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # CET, UTC+1
    now = datetime(2026, 10, 26, 9, 0, 30, tzinfo=UTC)
    assert occurrences.latest("mon", 10, 0, 0, BERLIN, now) == after
    assert occurrences.key("pulse", 7, after, BERLIN) == "pulse:7:2026-10-26T10:00:00"
    twice = [datetime(2026, 10, 25, h, 30, tzinfo=UTC) for h in (0, 1)]
    assert {occurrences.key("pulse", 1, t, BERLIN) for t in twice} == {
        "pulse:1:2026-10-25T02:30:00"
    }


@pytest.mark.timeout(60)
def test_real_scheduler_fires_once_across_two_instances(database_url, model, surveys, tmp_path):
    """APScheduler itself, real time: a schedule due in a few seconds, two schedulers."""

    async def scenario() -> tuple[int, list[Path]]:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", utc_now, instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", utc_now, instance="b")
        due = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
        schedule = schedules.Schedule(
            conversation_id=first.place.id, kind="pulse", days="mon,tue,wed,thu,fri,sat,sun",
            hour=due.hour, minute=due.minute, second=due.second, timezone="UTC",
            template="quick", close_after_minutes=60, created_by="lead",
        )  # fmt: skip
        await first.db.write(schedules.replace, schedule)
        running = [Scheduler(b.app, ["console"], sync_seconds=1) for b in (first, second)]
        for scheduler in running:
            await scheduler.start()
        for _ in range(100):
            await asyncio.sleep(0.1)
            if datetime.now(UTC) > due + timedelta(seconds=2):
                break
        for scheduler in running:
            await scheduler.stop()
        posted = len(first.chat.of(PulseParent)) + len(second.chat.of(PulseParent))
        first.close()
        second.close()
        return posted

    assert asyncio.run(scenario()) == 1


@pytest.mark.timeout(60)
def test_rounds_close_on_time_and_after_a_restart(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path / "a", utc_now)
        await bot.say("lead", "pulse start")
        await bot.say("alice", "answer adoption 3")
        soon = datetime.now(UTC) + timedelta(seconds=2)
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE pulse_round SET closes_at = :t"), {"t": soon})
        scheduler = Scheduler(bot.app, ["console"])
        await scheduler.start()  # schedules the close from the stored closing time
        await asyncio.sleep(3.5)
        await scheduler.stop()
        assert len(bot.chat.of(RoundSummary)) == 1
        bot.close()

        # A round that was due while nothing ran closes as soon as a scheduler starts.
        later = await make_bot(database_url, model, surveys, tmp_path / "b", utc_now)
        await later.say("lead", "pulse start")
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE pulse_round SET closes_at = :t WHERE closed_at IS NULL"),
                {"t": datetime.now(UTC) - timedelta(hours=3)},
            )
        engine.dispose()
        scheduler = Scheduler(later.app, ["console"])
        await scheduler.start()
        await scheduler.settled()  # overdue rounds close in the background after start
        await scheduler.stop()
        assert len(later.chat.of(RoundSummary)) == 1
        later.close()

    asyncio.run(scenario())
    assert all(row[2] is not None for row in _rounds(database_url))


def test_scheduled_digest_posts_once(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> int:
        clock = Clock(MONDAY_10 - timedelta(days=3))
        first, second = await _two_bots(database_url, model, surveys, tmp_path, clock)
        await first.say("lead", "pulse start closes in 1d")
        for person, level in (("a", 1), ("b", 2), ("c", 3)):
            await first.say(person, f"answer measurement {level}")
        clock.advance(days=1, minutes=1)
        await Scheduler(first.app, ["console"]).close_overdue()
        await first.say("lead", "digest schedule mondays 10:00 Europe/Berlin")
        (schedule,) = [s for s in await first.db.read(schedules.of_conversation, first.place.id)]
        clock.set(MONDAY_10 + timedelta(seconds=3))
        await asyncio.gather(
            Scheduler(first.app, ["console"]).fire(schedule.id),
            Scheduler(second.app, ["console"]).fire(schedule.id),
        )
        digests = first.chat.of(Digest) + second.chat.of(Digest)
        assert digests[0].chart_png.startswith(b"\x89PNG")
        measurement = digests[0].summary.scores[-1]
        assert (measurement.mean, measurement.median, measurement.distribution) == (
            2.0, 2.0, (1, 1, 1, 0)
        )  # fmt: skip
        first.close()
        second.close()
        return len(digests)

    assert asyncio.run(scenario()) == 1
