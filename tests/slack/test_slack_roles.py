"""Two processes share one bot through PostgreSQL (``maturitybot run --role``): one answers
Slack, the other runs the timetable and delivers what is owed. The one that answers never
opens a scheduled round, yet delivers at once what its own commands owe; the one that works
takes no events, yet opens the round that came due and speaks in the channel."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from botprocess import BotProcess
from slack_bot import ADMIN, health, slack_env
from slack_fake import BOT_USER, FakeSlack
from slack_sender import TEAM, SlackSender, buttons

pytestmark = pytest.mark.timeout(120)
STARTED, SCHEDULED = "CSTARTED", "CSCHEDULED"
QUESTIONS = 5  # the quick template: one question per aspect


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    for channel in (STARTED, SCHEDULED):
        fake.members[channel] = [BOT_USER, ADMIN, "UPERSON1"]
    yield fake
    fake.stop()


def posted_in(fake: FakeSlack, channel: str) -> list:
    return fake.of("chat.postMessage", channel=channel)


def schedule_due_in(url: str, channel: str, seconds: int) -> datetime:
    """A channel the bot knows, with a daily pulse ``seconds`` from now (set before any
    process starts, so one that runs schedules would arm it at once)."""
    due = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        conversation = connection.execute(
            sa.text(
                "INSERT INTO conversation (platform, workspace, channel, name, timezone,"
                " created_at) VALUES ('slack', :team, :channel, 'scheduled', 'UTC', :now)"
                " RETURNING id"
            ),
            {"team": TEAM, "channel": channel, "now": due - timedelta(days=1)},
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO schedule (conversation_id, kind, days, hour, minute, second,"
                " timezone, template, close_after_minutes, created_by, created_at) VALUES"
                " (:c, 'pulse', 'mon,tue,wed,thu,fri,sat,sun', :h, :m, :s, 'UTC', 'quick', 60,"
                " :admin, :created)"
            ),
            {"c": conversation, "h": due.hour, "m": due.minute, "s": due.second, "admin": ADMIN,
             "created": due - timedelta(days=1)},
        )  # fmt: skip
    engine.dispose()
    return due


def test_events_and_work_in_two_processes(
    fake: FakeSlack, postgres_url: str, tmp_path: Path
) -> None:
    env = slack_env(fake, postgres_url)
    due = schedule_due_in(postgres_url, SCHEDULED, 6)
    events = BotProcess(env, tmp_path, role="events").start()
    work: BotProcess | None = None
    try:
        assert health(events)["status"] == "ok" and health(events)["role"] == "events"
        slack = SlackSender(events.url, fake)

        # What a command owes goes out at once from the process that took it, in order.
        assert slack.command(ADMIN, STARTED, "pulse start quick")[0] == 200
        started = fake.wait_calls("chat.postMessage", 1 + QUESTIONS, channel=STARTED)
        assert all(q.params["thread_ts"] == started[0].ts for q in started[1:])

        # The schedule comes due while only the events process runs: nothing opens.
        fake.wait_for(lambda: datetime.now(UTC) > due + timedelta(seconds=3), timeout=15)
        assert posted_in(fake, SCHEDULED) == []

        # The work process catches the missed occurrence up and posts the round itself.
        work = BotProcess(env, tmp_path, role="work").start()
        assert health(work)["role"] == "work" and health(work)["status"] == "ok"
        assert health(work)["platforms"]["slack"]["mode"] == "outbound"
        scheduled = fake.wait_calls("chat.postMessage", 1 + QUESTIONS, channel=SCHEDULED)
        assert all(q.params["thread_ts"] == scheduled[0].ts for q in scheduled[1:])
        assert len(posted_in(fake, SCHEDULED)) == 1 + QUESTIONS  # once, not once per process

        # It takes no events: Slack's requests go to the events process only.
        request = urllib.request.Request(work.url + "/slack/events", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 404

        # A click on the round the work process posted is answered by the events process.
        action = next(a for a in buttons(scheduled[1]) if a.startswith("pulse_answer_"))
        assert slack.press("UPERSON1", scheduled[1], action)[0] == 200
        (confirmed,) = fake.wait_calls("chat.postEphemeral", 1)
        assert confirmed.params["user"] == "UPERSON1" and confirmed.params["channel"] == SCHEDULED
    finally:
        assert events.stop() == 0
        if work is not None:
            assert work.stop() == 0


def test_what_the_events_process_could_not_post_the_work_process_delivers(
    fake: FakeSlack, postgres_url: str, tmp_path: Path
) -> None:
    """Slack is down when a command opens a round: the events process, which has no
    deliverer of its own, leaves the posts owed; once Slack is back the work process posts
    them, in order, each once."""
    fast = {"DELIVERY_POLL": "0.2", "DELIVERY_BACKOFF": "0.3", "DELIVERY_BACKOFF_MAX": "1.5"}
    env = slack_env(fake, postgres_url) | fast
    events = BotProcess(env, tmp_path, role="events").start()
    work = BotProcess(env, tmp_path, role="work").start()
    slack = SlackSender(events.url, fake)
    try:
        fake.outage("503")
        assert slack.command(ADMIN, STARTED, "pulse start quick")[0] == 200
        fake.wait_calls("chat.postMessage", 1, status=503, channel=STARTED)
        assert posted_in(fake, STARTED) == []
        fake.outage(None)
        posts = fake.wait_calls("chat.postMessage", 1 + QUESTIONS, timeout=30, channel=STARTED)
        assert all(q.params["thread_ts"] == posts[0].ts for q in posts[1:])
        fake.wait_for(lambda: health(work)["backlog"]["count"] == 0, what="an empty backlog")
        assert len(posted_in(fake, STARTED)) == 1 + QUESTIONS  # each once
    finally:
        assert events.stop() == 0
        assert work.stop() == 0
