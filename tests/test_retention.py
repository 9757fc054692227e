"""Retention: old answers of closed rounds go; their aggregates and open rounds stay."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from harness import make_bot

from bot.scheduler import Scheduler
from storage import events, outbox
from storage.outbox import Owed


def test_housekeeping_deletes_old_answers_and_keeps_aggregates(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        services = bot.app.services
        services.settings = replace(services.settings, pulse_retention_days=30)
        await bot.say("lead", "pulse start closes in 2d")
        for person, level in (("a", 1), ("b", 2), ("c", 4)):
            await bot.say(person, f"answer adoption {level}")
        await bot.db.write(events.first_delivery, "slack:Ev-old", bot.clock())
        bot.clock.advance(days=3)
        await Scheduler(bot.app, ["console"]).close_overdue()
        bot.clock.advance(days=10)
        await bot.say("lead", "pulse start closes in 30d")  # a second round, still open later
        await bot.say("a", "answer adoption 3")
        bot.clock.advance(days=25)  # first round's answers are 38 days old, the open one's 25
        await Scheduler(bot.app, ["console"]).housekeeping()
        await bot.say("lead", "digest")
        digest = bot.chat.text.split("Results: ")[-1]  # the digest posted last
        assert "Adoption: median 2, mean 2.33 (3 responses; L1:1 L2:1 L3:0 L4:1)" in digest
        bot.close()

    asyncio.run(scenario())
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        left = connection.execute(sa.text("SELECT user_id, level FROM answer")).all()
        scores = connection.scalar(sa.text("SELECT count(*) FROM round_score"))
        remembered = connection.scalar(sa.text("SELECT count(*) FROM processed_event"))
    engine.dispose()
    assert left == [("a", 3)]  # only the open round's answer remains
    assert scores == 5  # the closed round's aggregates, one per aspect
    assert remembered == 0  # inbound event ids are kept for a day


def test_no_retention_setting_keeps_everything(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> int:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start closes in 1d")
        await bot.say("a", "answer adoption 2")
        bot.clock.advance(days=2)
        scheduler = Scheduler(bot.app, ["console"])
        await scheduler.close_overdue()
        bot.clock.advance(days=400)
        await scheduler.housekeeping()
        count = await bot.db.read(
            lambda session: session.connection().scalar(sa.text("SELECT count(*) FROM answer"))
        )
        bot.close()
        return count

    assert asyncio.run(scenario()) == 1


def test_housekeeping_forgets_owed_posts_settled_a_month_ago(
    database_url, model, surveys, tmp_path
) -> None:
    """What went out a month ago is forgotten; a row something still waits for, or that a
    post settled since depends on, stays (deleting a row deletes what depends on it)."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        scheduler = Scheduler(bot.app, ["console"])
        await bot.say("lead", "pulse start closes in 1d")  # round 1: all settled by day 2
        bot.clock.advance(days=2)
        await scheduler.close_overdue()
        await bot.say("lead", "pulse start closes in 30d")  # round 2: its summary on day 32
        first_parent = await bot.db.read(
            lambda session: session.connection().scalar(
                sa.text("SELECT min(id) FROM owed_post WHERE kind = 'parent'")
            )
        )

        def owe_waiting(session) -> None:  # still owed, after round 1's parent post
            waiting = outbox.owe(session, Owed(bot.place.id, "notice", "waiting"), bot.clock())
            session.connection().execute(
                sa.text(
                    "UPDATE owed_post SET depends_on = :parent, next_attempt_at = :later"
                    " WHERE id = :id"
                ),
                {"parent": first_parent, "later": bot.clock() + timedelta(days=400), "id": waiting},
            )

        await bot.db.write(owe_waiting)
        bot.clock.advance(days=30)
        await scheduler.close_overdue()
        bot.clock.advance(days=1)  # day 33: a month ago is day 3
        await scheduler.housekeeping()
        bot.close()

    asyncio.run(scenario())
    kept = _rows(
        database_url,
        "SELECT r.id, o.kind, o.state FROM owed_post o LEFT JOIN pulse_round r"
        " ON r.id = o.round_id ORDER BY o.id",
    )
    first, second = sorted({round_id for round_id, _, _ in kept if round_id is not None})
    assert kept == [
        (first, "parent", "delivered"),  # the waiting notice depends on it
        (second, "parent", "delivered"),  # its summary (a day old) depends on it
        (None, "notice", "pending"),
        (second, "summary", "delivered"),
    ]


def test_housekeeping_keeps_owed_posts_of_the_last_month(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        scheduler = Scheduler(bot.app, ["console"])
        await bot.say("lead", "pulse start closes in 1d")
        bot.clock.advance(days=2)
        await scheduler.close_overdue()
        bot.clock.advance(days=27)  # everything settled 27-29 days ago
        await scheduler.housekeeping()
        bot.close()

    asyncio.run(scenario())
    kinds = [kind for (kind,) in _rows(database_url, "SELECT kind FROM owed_post ORDER BY id")]
    assert kinds == ["parent", *["question"] * 5, "summary"]


def _rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(sql))]
    engine.dispose()
    return rows
