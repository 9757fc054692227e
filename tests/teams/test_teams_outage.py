"""The Bot Connector goes down around a scheduled pulse: the round appears once after it, and
answering works. A post the connector took in but answered too late is never sent again
blindly: Teams cannot be asked whether it arrived, so the round is withdrawn and the admin is
told privately to check. Real ``maturitybot run`` processes, the fake connector on loopback.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from teams_connector import Call, FakeConnector
from teams_dialogue import (
    BOT,
    CHANNEL,
    TEAM,
    Bots,
    Teams,
    User,
    action_titled,
    bots,
    connector,
    texts,
)

from storage.engine import normalise_url

pytestmark = pytest.mark.timeout(120)
ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")
QUESTIONS = 5


def env(database_url: str) -> dict[str, str]:
    return {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PLATFORM_TIMEOUT": "1",
        "DELIVERY_POLL": "0.2",
        "DELIVERY_BACKOFF": "0.3",
        "DELIVERY_BACKOFF_MAX": "1.5",
        "DELIVERY_LEASE": "5",
    }


def threads(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.kind == "create" and (c.body.get("channelData") or {}).get("channel", {}).get("id")
    ]


def in_thread(parent: Call, calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.conversation == parent.conversation and c.kind == "send"]


def said(call: Call) -> str:
    return "\n".join(texts(card) for card in call.cards)


def schedule_pulse(database_url: str, due: datetime) -> None:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.begin() as db:
            conversation_id = db.execute(
                sa.text("SELECT id FROM conversation WHERE channel = :channel"),
                {"channel": CHANNEL},
            ).scalar_one()
            db.execute(
                sa.text(
                    "INSERT INTO schedule (conversation_id, kind, days, hour, minute, second, "
                    "timezone, template, close_after_minutes, created_by, created_at) VALUES "
                    "(:conversation, 'pulse', :day, :hour, :minute, :second, 'UTC', 'quick', "
                    "60, :admin, :now)"
                ),
                {
                    "conversation": conversation_id,
                    "day": due.strftime("%a").lower(),
                    "hour": due.hour,
                    "minute": due.minute,
                    "second": due.second,
                    "admin": ADMIN.aad,
                    "now": datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1),
                },
            )
    finally:
        engine.dispose()


def installed(database_url: str, connector: FakeConnector, bots: Bots) -> Teams:
    connector.members[TEAM] = [ADMIN.account(), ALICE.account(), dict(BOT)]
    bot = bots.start(env(database_url))
    teams = Teams(bot.url, connector)
    teams.install_in_team(ADMIN)  # the conversation reference is stored
    connector.wait_for(lambda calls: [c for c in calls if c.conversation == CHANNEL])
    return teams


def test_a_scheduled_pulse_inside_a_connector_outage_appears_once_after_it(
    database_url: str, connector: FakeConnector, bots: Bots
) -> None:
    installed(database_url, connector, bots)
    bots.started[-1].stop()
    due = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
    schedule_pulse(database_url, due)
    bot = bots.start(env(database_url))
    teams = Teams(bot.url, connector)
    connector.fault = 503  # from before the pulse until after it
    time.sleep(max((due - datetime.now(UTC)).total_seconds(), 0) + 4)
    assert not threads(connector.snapshot())
    connector.fault = None
    (parent,) = connector.wait_for(threads, timeout=30, what="the parent post")
    connector.wait_for(
        lambda calls: len(in_thread(parent, calls)) >= QUESTIONS, 30, "the questions"
    )
    time.sleep(1.5)  # anything doubled would have shown by now
    calls = connector.snapshot()
    assert len(threads(calls)) == 1
    questions = in_thread(parent, calls)
    assert len(questions) == QUESTIONS
    status, body = teams.click(ALICE, action_titled(questions[0].card, "Level 3"), on=questions[0])
    assert status == 200 and body["statusCode"] == 200
    assert "3" in texts(body["value"])


def test_a_post_teams_took_in_but_answered_late_is_not_sent_again(
    database_url: str, connector: FakeConnector, bots: Bots
) -> None:
    teams = installed(database_url, connector, bots)
    connector.fault, connector.fault_kinds = "hang_after", {"create"}
    mark = connector.mark()
    teams.say(ADMIN, "pulse start")
    connector.wait_for(threads, after=mark, what="the parent post, taken in")
    time.sleep(1.5)  # past the bot's 1 s timeout: it cannot know the post arrived
    connector.fault = None
    # The admin is told privately, in their own chat with the bot.
    connector.wait_for(
        lambda calls: [
            c for c in calls if c.conversation.startswith("a:") and "withdrew" in said(c)
        ],
        after=mark,
        timeout=30,
        what="the note to the admin",
    )
    time.sleep(1.5)
    calls = connector.since(mark)
    assert len(threads(calls)) == 1, "the thread was created twice"
    assert not in_thread(threads(calls)[0], calls)  # no questions under an unknown post
    teams.say(ADMIN, "pulse status")
    connector.wait_for(
        lambda calls: [c for c in calls if "No pulse is open" in said(c)],
        after=mark,
        what="no round open",
    )
