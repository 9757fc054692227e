"""Many conversations at once: a same-minute burst on two instances, a restart with open and
overdue rounds, and retention in short batches; each piece of work exactly once, none lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from harness import Bot, Clock, make_bot

from bot import scheduler as scheduling
from bot.context import Person
from bot.replies import PulseParent, RoundSummary
from bot.scheduler import Scheduler
from bot.services import utc_now
from storage import rounds, schedules
from storage.tables import Schedule

CHANNELS = 24


async def _places(bot: Bot, count: int) -> list:
    return [
        await bot.app.places.place("console", "local", f"C{n:03}", f"#c{n}") for n in range(count)
    ]


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text(sql)).scalar_one()
    engine.dispose()
    return int(found)


@pytest.mark.timeout(90)
def test_a_same_second_burst_on_two_instances_opens_and_closes_each_round_once(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> tuple[int, int]:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", utc_now, instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", utc_now, instance="b")
        places = await _places(first, CHANNELS)
        due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        for place in places:
            await first.db.write(
                schedules.replace,
                Schedule(
                    conversation_id=place.id, kind="pulse", days="mon,tue,wed,thu,fri,sat,sun",
                    hour=due.hour, minute=due.minute, second=due.second, timezone="UTC",
                    template="quick", close_after_minutes=60, created_by="lead",
                    created_at=datetime.now(UTC),
                ),
            )  # fmt: skip
        running = [Scheduler(b.app, ["console"], concurrency=3) for b in (first, second)]
        for scheduler in running:
            await scheduler.start()
        for _ in range(150):
            await asyncio.sleep(0.1)
            opened = _count(database_url, "SELECT count(*) FROM pulse_round")
            if opened >= CHANNELS and datetime.now(UTC) > due + timedelta(seconds=1):
                break
        for scheduler in running:
            await scheduler.settled()
            await scheduler.stop()
        parents = len(first.chat.of(PulseParent)) + len(second.chat.of(PulseParent))

        # Restarted with every round due: both instances close them, once each.
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE pulse_round SET closes_at = :t"),
                {"t": datetime.now(UTC) - timedelta(seconds=1)},
            )
        engine.dispose()
        running = [Scheduler(b.app, ["console"], concurrency=3) for b in (first, second)]
        for scheduler in running:
            await scheduler.start()
        for scheduler in running:
            await scheduler.settled()
            await scheduler.stop()
        summaries = len(first.chat.of(RoundSummary)) + len(second.chat.of(RoundSummary))
        first.close()
        second.close()
        return parents, summaries

    parents, summaries = asyncio.run(scenario())
    assert parents == CHANNELS and summaries == CHANNELS
    assert _count(database_url, "SELECT count(DISTINCT conversation_id) FROM pulse_round") == (
        CHANNELS
    )
    assert _count(database_url, "SELECT count(*) FROM pulse_round WHERE closed_at IS NULL") == 0
    opens = "SELECT count(*) FROM occurrence WHERE key LIKE 'pulse:%'"
    assert _count(database_url, opens) == CHANNELS


def test_restart_arms_open_rounds_and_closes_the_overdue_in_the_background(
    database_url, model, surveys, tmp_path
) -> None:
    """Half the rounds are overdue at restart: each closes once across two schedulers, the
    rest are armed in our own index (APScheduler holds only the periodic chores)."""

    async def scenario() -> None:
        clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        first = await make_bot(database_url, model, surveys, tmp_path / "a", clock, instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", clock, instance="b")
        places = await _places(first, CHANNELS)
        for n, place in enumerate(places):
            hours = 1 if n % 2 else 48  # odd ones will be overdue
            refused = await first.app.rounds.start(
                place, Person("lead"), close_after=timedelta(hours=hours)
            )
            assert refused == []
        clock.advance(hours=2)
        running = [Scheduler(b.app, ["console"], concurrency=4) for b in (first, second)]
        for scheduler in running:
            await scheduler.start()
            assert not scheduler.armed.is_set()  # start returns before arming is done
        for scheduler in running:
            await scheduler.settled()
        summaries = len(first.chat.of(RoundSummary)) + len(second.chat.of(RoundSummary))
        assert summaries == CHANNELS // 2
        still_open = await first.db.read(rounds.open_on_platforms, ["console"])
        assert len(still_open) == CHANNELS // 2
        for scheduler in running:
            assert sorted(scheduler._closing) == sorted(r.id for r in still_open)
            assert {job.id for job in scheduler._aps.get_jobs()} == {"sync", "housekeeping"}
            await scheduler.sync()  # a re-sync arms nothing twice
            assert len(scheduler._heap) == CHANNELS // 2
            await scheduler.stop()
        first.close()
        second.close()

    asyncio.run(scenario())
    assert _count(database_url, "SELECT count(*) FROM pulse_round WHERE closed_at IS NULL") == (
        CHANNELS // 2
    )


def test_retention_and_claim_pruning_run_in_short_batches(
    database_url, model, surveys, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(scheduling, "DELETE_BATCH", 7)
    old_people, claims = 100, 30

    async def scenario() -> list[tuple[str, int]]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        bot.app.services.settings = bot.app.services.settings.__class__(
            **{**bot.app.services.settings.__dict__, "pulse_retention_days": 30}
        )
        await bot.say("lead", "pulse start closes in 1d")
        for n in range(old_people):
            await bot.say(f"p{n}", f"answer adoption {n % 4 + 1}")
        bot.clock.advance(days=2)
        await Scheduler(bot.app, ["console"]).close_overdue()
        bot.clock.advance(days=10)
        await bot.say("lead", "pulse start closes in 30d")
        await bot.say("p1", "answer adoption 3")
        bot.clock.advance(days=25)
        for n in range(claims):  # claims made over the past month, one a day
            await bot.db.write(
                schedules.claim, f"pulse:1:day{n}", "x", bot.clock() - timedelta(days=n)
            )
        writes: list[tuple[str, int]] = []
        write = bot.db.write

        async def counted(work, *args):
            result = await write(work, *args)
            writes.append((work.__name__, result))
            return result

        bot.db.write = counted  # type: ignore[method-assign]
        await Scheduler(bot.app, ["console"]).housekeeping()
        bot.close()
        return writes

    writes = asyncio.run(scenario())
    answers = [n for name, n in writes if name == "delete_ids"]
    pruned = [n for name, n in writes if name == "prune_claims"]
    assert sum(answers) == old_people and max(answers) <= 7 and len(answers) >= old_people // 7
    assert max(pruned) <= 7
    assert _count(database_url, "SELECT count(*) FROM answer") == 1  # the open round's
    # Claims older than catch-up can ever read (nine days here) are gone, the rest stay.
    kept = _count(database_url, "SELECT count(*) FROM occurrence WHERE key LIKE 'pulse:1:day%'")
    assert kept == 10  # nine days and the one exactly at the line
    assert sum(pruned) == claims - kept + 1  # and the first round's 35-day-old close claim
    assert _count(database_url, "SELECT count(*) FROM round_score") == 5
