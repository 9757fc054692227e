"""How pulse commands and times are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import commands, when
from bot.commands import Answer, CommandError, ScheduleSet
from bot.platforms.slack.markup import plain as slack_plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("answer adoption 3", Answer("adoption", 3, None)),
        (
            "answer adoption level 3 -- our portal is new",
            Answer("adoption", 3, "our portal is new"),
        ),
        ("answer investment-people L2", Answer("investment-people", 2, None)),
        ("answer ops not sure", Answer("ops", None, None)),
        ("answer measurement ?", Answer("measurement", None, None)),
        ("Answer Metrics four", Answer("metrics", 4, None)),
        # Slack's markup is stripped by the Slack adapter before the text reaches commands.
        (slack_plain("<@U1> answer interfaces iii"), Answer("interfaces", 3, None)),
    ],
)
def test_answers(text: str, expected: Answer) -> None:
    assert commands.parse(text) == expected


def test_bare_answers_in_a_thread() -> None:
    assert commands.answer("3") == Answer(None, 3, None)
    assert commands.answer("level 4 -- note") == Answer(None, 4, "note")
    assert commands.answer("not sure") == Answer(None, None, None)
    with pytest.raises(CommandError, match="1 to 4, not 0"):
        commands.answer("adoption 0")


def test_pulse_start_and_closing_times() -> None:
    start = commands.parse("pulse start deep closes friday 17:00")
    assert start == commands.PulseStart("deep", when.ClosingTime(weekday="fri", hour=17))
    assert commands.parse("pulse start") == commands.PulseStart(None, None)
    assert commands.parse("pulse start closes in 3d").closes.after == timedelta(days=3)
    # Wednesday 25 Nov 2026, 18:00 in Berlin: "friday 17:00" is two days on, in Berlin time.
    now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    closes = when.ClosingTime(weekday="fri", hour=17).resolve(now, "Europe/Berlin")
    assert closes == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    same_day_passed = when.ClosingTime(weekday="wed", hour=9).resolve(now, "Europe/Berlin")
    assert same_day_passed == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_schedules() -> None:
    parsed = commands.parse("pulse schedule every monday 10:00 Europe/Berlin closes after 4d deep")
    assert parsed == ScheduleSet(
        "pulse", when.Weekly("mon", 10, 0, "Europe/Berlin"), "deep", timedelta(days=4)
    )
    assert commands.parse("digest schedule fridays 4pm") == ScheduleSet(
        "digest", when.Weekly("fri", 16, 0, None)
    )
    assert commands.parse("pulse schedule weekdays 9:30 utc").weekly == when.Weekly(
        "mon,tue,wed,thu,fri", 9, 30, "UTC"
    )
    assert commands.parse("pulse schedule every mon and thu 10:00").weekly.days == "mon,thu"
    assert commands.parse("pulse schedule off") == commands.ScheduleOff("pulse")
    assert commands.parse("pulse schedule") == commands.ScheduleList()
    assert commands.parse("pulse schedule every monday 10:00 europe/berlin").weekly.timezone == (
        "Europe/Berlin"
    )


@pytest.mark.parametrize(
    "text",
    [
        "pulse schedule every monday",
        "pulse schedule 10:00",
        "pulse schedule every funday 10:00",
        "pulse schedule every monday 10:00 Nowhere/Special",
        "pulse schedule every monday 13pm",
        "pulse start closes in 90 days",
        "pulse start quick deep",
        "digest later",
    ],
)
def test_malformed_commands_explain_themselves(text: str) -> None:
    with pytest.raises(CommandError) as caught:
        commands.parse(text)
    assert len(str(caught.value)) > 20


def test_questions_are_not_commands() -> None:
    for text in ("what is level 3 measurement", "pulse? what is that", "help", "answers?"):
        assert commands.parse(text) is None
