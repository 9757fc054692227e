"""Owed posts in the console adapter, on SQLite and PostgreSQL: the late rule (a round opens
late only while half its window is left, else it is withdrawn and the admins are told), two
deliverers never post the same row, and what is owed survives a platform that refuses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from harness import make_bot

from bot.delivery import backoff, opens_late
from bot.platforms.text import render
from bot.replies import Notice, PulseParent, SurveyQuestion
from storage import outbox

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_late_rule() -> None:
    opened, closes = MONDAY, MONDAY + timedelta(hours=4)
    ten = timedelta(minutes=10)
    assert opens_late(opened, closes, MONDAY + timedelta(hours=1), ten)
    assert opens_late(opened, closes, MONDAY + timedelta(hours=2), ten)  # exactly half left
    assert not opens_late(opened, closes, MONDAY + timedelta(hours=2, seconds=1), ten)
    short = MONDAY + timedelta(minutes=12)  # half of a short window is under the minimum
    assert not opens_late(opened, short, MONDAY + timedelta(minutes=5), ten)
    # A round shorter than the minimum is not late when its parent goes out promptly.
    one_minute = MONDAY + timedelta(minutes=1)
    assert opens_late(opened, one_minute, MONDAY + timedelta(seconds=5), ten)
    assert not opens_late(opened, one_minute, MONDAY + timedelta(seconds=31), ten)


def test_backoff_grows_to_its_bound_with_jitter() -> None:
    waits = [backoff(n, 5.0, 300.0) for n in range(1, 12)]
    assert 2.5 <= waits[0] <= 5.0
    assert 20.0 <= waits[3] <= 40.0
    assert all(150.0 <= w <= 300.0 for w in waits[7:])


async def _down(place: object, reply: object) -> None:
    raise ConnectionRefusedError("platform down")


def test_a_round_too_late_to_open_is_withdrawn_and_the_admins_told(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        bot.chat.post = _down
        replies = await bot.say("lead", "pulse start closes in 2h")
        assert "not answering right now" in render(replies[0])
        del bot.chat.post
        bot.clock.advance(minutes=61)  # less than half of the two hours is left
        while await bot.app.delivery.deliver_due():
            pass
        assert bot.chat.of(PulseParent) == []
        assert bot.chat.of(SurveyQuestion) == []
        (note,) = [r for m, who, r in bot.chat.calls if m == "direct" and who == "lead"]
        assert isinstance(note, Notice) and "withdrew" in render(note)
        assert "No pulse is open here" in await bot.text("someone", "pulse status")
        backlog = await bot.db.read(outbox.backlog, bot.clock())
        assert backlog.count == 0
        bot.close()

    asyncio.run(scenario())


def test_a_round_still_in_time_opens_late_with_its_closing_time(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        bot.chat.post = _down
        await bot.say("lead", "pulse start closes in 2h")
        del bot.chat.post
        bot.clock.advance(minutes=30)
        while await bot.app.delivery.deliver_due():
            pass
        (parent,) = bot.chat.of(PulseParent)
        assert parent.closes_at == MONDAY + timedelta(hours=2)
        assert [q.position for q in bot.chat.of(SurveyQuestion)] == [1, 2, 3, 4, 5]
        bot.close()

    asyncio.run(scenario())


def test_a_short_round_opens_when_the_platform_answers(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start closes in 5m")  # shorter than DELIVERY_LATE_MIN
        assert len(bot.chat.of(PulseParent)) == 1
        assert [q.position for q in bot.chat.of(SurveyQuestion)] == [1, 2, 3, 4, 5]
        assert [r for m, who, r in bot.chat.calls if m == "direct"] == []
        bot.close()

    asyncio.run(scenario())


def test_two_deliverers_post_each_row_once(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> None:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", instance="b",
                                clock=first.clock)  # fmt: skip
        first.chat.post = _down
        await first.say("lead", "pulse start")
        del first.chat.post
        first.clock.advance(minutes=5)
        for _ in range(10):  # both look for due rows at the same time, again and again
            await asyncio.gather(
                first.app.delivery.deliver_due(), second.app.delivery.deliver_due()
            )
        parents = first.chat.of(PulseParent) + second.chat.of(PulseParent)
        questions = first.chat.of(SurveyQuestion) + second.chat.of(SurveyQuestion)
        assert len(parents) == 1
        assert sorted(q.position for q in questions) == [1, 2, 3, 4, 5]
        first.close()
        second.close()

    asyncio.run(scenario())
