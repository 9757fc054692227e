"""Several `maturitybot run` processes on one database, and a crash in the middle of a round.

Teams activities are the load here because any instance may receive any of them; the same
holds for Slack's HTTP events, which carry the same data to the same core.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from teams_connector import Call
from teams_dialogue import (
    BOT,
    CHANNEL,
    TEAM,
    Teams,
    User,
    action_titled,
    bots,
    connector,
    texts,
)

from storage.engine import normalise_url

ADMIN = User("admin", "Ada Admin")
PEOPLE = [User(f"p{i}", f"Person {i}") for i in range(8)]


def _threads(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.kind == "create" and (c.body.get("channelData") or {}).get("channel", {}).get("id")
    ]


def _in(conversation: str):
    return lambda calls: [
        c for c in calls if c.conversation == conversation and c.kind in ("send", "reply")
    ]


def _sql(url: str, statement: str, **values: object) -> list[tuple]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), values)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def _wait_for_conversation(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    statement = "SELECT id FROM conversation WHERE channel = :c"
    while not _sql(url, statement, c=CHANNEL):
        assert time.monotonic() < deadline, "the installation was never handled"
        time.sleep(0.1)


def _schedule_in(url: str, seconds: int) -> datetime:
    """A daily pulse whose next occurrence is ``seconds`` from now (UTC)."""
    due = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    ((conversation_id,),) = _sql(url, "SELECT id FROM conversation WHERE channel = :c", c=CHANNEL)
    _sql(
        url,
        "INSERT INTO schedule (conversation_id, kind, days, hour, minute, second, timezone, "
        "template, close_after_minutes, created_by, created_at) VALUES (:c, 'pulse', "
        "'mon,tue,wed,thu,fri,sat,sun', :h, :m, :s, 'UTC', 'quick', 60, :by, :now)",
        c=conversation_id, h=due.hour, m=due.minute, s=due.second, by=ADMIN.aad,
        now=datetime.now(UTC).replace(tzinfo=None),
    )  # fmt: skip
    return due


def _env(url: str) -> dict[str, str]:
    return {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "2",
    }


@pytest.mark.timeout(120)
def test_two_instances_one_database(postgres_url, connector, bots) -> None:
    connector.members[TEAM] = [u.account() for u in (ADMIN, *PEOPLE)] + [dict(BOT)]
    first = bots.start(_env(postgres_url))
    Teams(first.url, connector).install_in_team(ADMIN)  # stores the channel's reference
    _wait_for_conversation(postgres_url)  # activities are handled after their 201
    first.stop()

    # Both instances start with a schedule due in a few seconds: one parent post in total.
    due = _schedule_in(postgres_url, 12)
    a, b = bots.start(_env(postgres_url)), bots.start(_env(postgres_url))
    mark = connector.mark()
    (parent,) = connector.wait_for(_threads, after=mark, timeout=40, what="the scheduled pulse")
    questions = connector.wait_for(
        lambda calls: len(found := _in(parent.conversation)(calls)) == 5 and found, after=mark
    )
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 3)
    assert len(_threads(connector.since(mark))) == 1
    assert _sql(postgres_url, "SELECT count(*) FROM pulse_round") == [(1,)]

    # Answers sent alternately to both instances all land in the same round.
    instances = [Teams(a.url, connector), Teams(b.url, connector)]
    expected = {}
    for n, person in enumerate(PEOPLE):
        for index, question in enumerate(questions):
            level = (n + index) % 4 + 1
            teams = instances[(n + index) % 2]
            status, body = teams.click(
                person, action_titled(question.card, f"Level {level}"), on=question
            )
            assert status == 200 and "Recorded" in texts(body["value"]), body
            expected[(person.aad, index)] = level
    stored = _sql(postgres_url, "SELECT count(*), count(DISTINCT user_id) FROM answer")
    assert stored == [(len(PEOPLE) * 5, len(PEOPLE))]

    # Either instance sees every answer: closing through the other one counts them all.
    mark = connector.mark()
    instances[1].say(ADMIN, "pulse close")
    summary = connector.wait_for(
        lambda calls: [c for c in _in(parent.conversation)(calls) if "Results:" in texts(c.card)],
        after=mark,
    )
    assert f"{len(PEOPLE)} responses" in texts(summary[0].card)
    assert "Participation: 8 of 9 people" in texts(summary[0].card)


@pytest.mark.timeout(120)
def test_events_and_work_in_two_processes(postgres_url, connector, bots) -> None:
    """``--role events`` takes the activities, ``--role work`` posts what the timetable owes
    (through the conversation reference the other one stored) and takes no activity."""
    connector.members[TEAM] = [u.account() for u in (ADMIN, *PEOPLE)] + [dict(BOT)]
    first = bots.start(_env(postgres_url))
    Teams(first.url, connector).install_in_team(ADMIN)
    _wait_for_conversation(postgres_url)
    first.stop()

    due = _schedule_in(postgres_url, 10)
    events = bots.start(_env(postgres_url), role="events")
    mark = connector.mark()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 2)
    assert _threads(connector.since(mark)) == []  # the events process runs no schedule

    work = bots.start(_env(postgres_url), role="work")  # catches the missed occurrence up
    (parent,) = connector.wait_for(_threads, after=mark, timeout=40, what="the scheduled pulse")
    questions = connector.wait_for(
        lambda calls: len(found := _in(parent.conversation)(calls)) == 5 and found, after=mark
    )
    assert Teams(work.url, connector).click(
        PEOPLE[0], action_titled(questions[0].card, "Level 2"), on=questions[0]
    )[0] == 404  # fmt: skip
    status, body = Teams(events.url, connector).click(
        PEOPLE[0], action_titled(questions[0].card, "Level 2"), on=questions[0]
    )
    assert status == 200 and "Recorded" in texts(body["value"]), body
    assert _sql(postgres_url, "SELECT count(*) FROM pulse_round") == [(1,)]


@pytest.mark.timeout(120)
def test_kill_9_in_the_middle_of_a_round(database_url, connector, bots) -> None:
    bot = bots.start(_env(database_url))
    teams = Teams(bot.url, connector)
    teams.install_in_team(ADMIN)
    mark = connector.mark()
    teams.say(ADMIN, "pulse start closes in 1d")
    (parent,) = connector.wait_for(_threads, after=mark, what="the round")
    questions = connector.wait_for(
        lambda calls: len(found := _in(parent.conversation)(calls)) == 5 and found, after=mark
    )
    for person, level in zip(PEOPLE[:3], (1, 3, 4), strict=True):
        teams.click(person, action_titled(questions[0].card, f"Level {level}"), on=questions[0])

    bot.kill()  # no shutdown: as if the machine died
    closes_at = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
    _sql(database_url, "UPDATE pulse_round SET closes_at = :t", t=closes_at.replace(tzinfo=None))

    mark = connector.mark()
    restarted = bots.start(_env(database_url))
    rows = _sql(database_url, "SELECT closed_at FROM pulse_round")
    assert rows == [(None,)], "the round must still be open after the restart"
    assert _sql(database_url, "SELECT count(*) FROM answer") == [(3,)]
    # A click after the restart lands in the same round.
    Teams(restarted.url, connector).click(
        PEOPLE[3], action_titled(questions[0].card, "Level 2"), on=questions[0]
    )
    summary = connector.wait_for(
        lambda calls: [c for c in _in(parent.conversation)(calls) if "Results:" in texts(c.card)],
        after=mark,
        timeout=40,
        what="the summary at the closing time",
    )
    arrived = datetime.now(UTC)
    assert closes_at <= arrived <= closes_at + timedelta(seconds=6)
    assert "4 responses" in texts(summary[0].card)
