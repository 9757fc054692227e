"""A whole pulse in a Teams channel: the real ``maturitybot run`` process, real botbuilder, a
fake Bot Connector on loopback, on SQLite and PostgreSQL.

Q&A by @mention and in a personal chat; an admin opens a round (a new channel thread, the
questions in it); people answer with card buttons and see only their own choice; the shared
cards show counts only; reminders reach only those who haven't answered; close, a late click,
the digest with its chart; then a restart, after which a scheduled pulse is posted from the
stored conversation reference alone.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from PIL import Image
from teams_connector import Call, FakeConnector
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

from bot.handlers import chart
from storage.engine import normalise_url

ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")
BOB = User("bob", "Bob Baker")
CAROL = User("carol", "Carol Cole")
DAVE = User("dave", "Dave Dunn")
PEOPLE = (ADMIN, ALICE, BOB, CAROL, DAVE)
QUESTIONS = 5  # the default ("quick") template: one per aspect


def to(conversation: str) -> object:
    """Messages the bot sent into ``conversation``."""
    return lambda calls: [
        c for c in calls if c.conversation == conversation and c.kind in ("send", "reply")
    ]


def new_thread(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.kind == "create" and (c.body.get("channelData") or {}).get("channel", {}).get("id")
    ]


def in_thread_of(parent: Call) -> object:
    return to(parent.conversation)


def updates_of(call: Call) -> object:
    return lambda calls: [
        c for c in calls if c.kind == "update" and c.activity_id == call.answered_id
    ]


def dms(connector: FakeConnector, calls: list[Call]) -> list[tuple[str | None, Call]]:
    """Messages into 1:1 chats the bot opened, with whose chat it was."""
    return [
        (connector.person_of(c.conversation), c)
        for c in calls
        if c.kind in ("send", "reply") and c.conversation.startswith("a:1on1-")
    ]


def test_a_pulse_in_a_teams_channel(database_url, connector, bots, model) -> None:
    connector.members[TEAM] = [u.account() for u in PEOPLE] + [dict(BOT)]
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "2",
    }
    bot = bots.start(env)
    teams = Teams(bot.url, connector)

    # Not an activity: 400/415, and the bot carries on.
    assert teams.post(b"{not json")[0] == 400
    assert teams.post(b"[1, 2]")[0] == 400
    assert teams.post(b"hello", headers={"Content-Type": "text/plain"})[0] == 415

    # Installed in the team: a hello in the channel, the reference stored.
    teams.install_in_team(ADMIN)
    (hello,) = connector.wait_for(to(CHANNEL), what="the welcome")
    assert "pulse start" in texts(hello.card)

    # Q&A by @mention: the answer goes into the thread of the question.
    asked = teams.say(ALICE, "what is level 3 measurement")
    (answer,) = connector.wait_for(to(asked["conversation"]["id"]), what="the answer")
    card = answer.card
    level = model.aspect("measurement").level(3)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert level.title in texts(card) and level.characteristics[0] in texts(card)
    assert "CC BY 4.0" in texts(card)
    next_level = action_titled(card, "Next level")
    assert next_level["fallback"]["type"] == "Action.Submit"
    action_titled(card, "Compare with next")
    status, shown = teams.click(ALICE, next_level, on=answer)
    assert status == 200 and shown["type"] == "application/vnd.microsoft.card.adaptive"
    assert model.aspect("measurement").level(4).title in texts(shown["value"])

    # A personal chat works the same, without a mention.
    teams.dm(BOB, "level 2 adoption")
    (personal,) = connector.wait_for(to("a:personal-bob"), what="the personal answer")
    assert model.aspect("adoption").level(2).title in texts(personal.card)

    # Not an admin: refused privately (a new 1:1 chat), a mention-free pointer in the thread.
    mark = connector.mark()
    refused = teams.say(ALICE, "pulse start")
    private = connector.wait_for(lambda calls: dms(connector, calls), after=mark)
    assert [who for who, _ in private] == [ALICE.teams_id]
    assert "only pulse admins" in texts(private[0][1].card)
    (pointer,) = connector.wait_for(to(refused["conversation"]["id"]), after=mark)
    assert "private chat" in texts(pointer.card)
    assert not new_thread(connector.since(mark))

    # The admin opens a round: a new thread in the channel, the questions in it. The first
    # question is throttled once (429 with Retry-After) and still arrives exactly once.
    mark = connector.mark()
    connector.fail("POST", "send", 429, retry_after="1")
    teams.say(ADMIN, "pulse start")
    (parent,) = connector.wait_for(new_thread, after=mark, what="the round's thread")
    assert parent.conversation == f"{CHANNEL};messageid={parent.answered_id}"
    assert parent.body["activity"]["attachments"][0]["content"]["version"] == "1.5"
    assert "Platform maturity pulse" in texts(parent.body["activity"]["attachments"][0]["content"])
    questions = connector.wait_for(
        lambda calls: len(found := in_thread_of(parent)(calls)) == QUESTIONS and found,
        after=mark,
        what="the questions",
    )
    assert not connector.failures[0].times  # the 429 was served, then the retry went through
    assert len({texts(q.card) for q in questions}) == QUESTIONS
    assert all("0 responses" in texts(q.card) for q in questions)
    first = questions[0]
    assert {a["title"] for a in first.card["actions"]} == {
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
        "Not sure",
    }
    assert all(a["fallback"]["type"] == "Action.Submit" for a in first.card["actions"])
    assert any(e["type"] == "Input.Text" for e in first.card["body"])

    # The first count update meets a 502 and is retried (no Retry-After: backoff with jitter).
    connector.fail("PUT", "update", 502)

    # People answer with the buttons; each sees only their own choice.
    def choose(user: User, question: Call, title: str, comment: str | None = None) -> str:
        status, body = teams.click(
            user, action_titled(question.card, title), on=question, comment=comment
        )
        assert status == 200 and body["statusCode"] == 200, body
        return texts(body["value"])

    seen = choose(ALICE, first, "Level 3")
    assert "Recorded: **Level 3**" in seen and "only you see this" in seen
    assert "Changed to: **Level 2**" in choose(ALICE, first, "Level 2")
    for question in questions[1:]:
        choose(ALICE, question, "Level 3")
    for question in questions:
        choose(BOB, question, "Not sure" if question is questions[-1] else "Level 2")
    seen = choose(CAROL, first, "Level 4", comment="our golden paths need docs")
    assert "with your comment" in seen
    assert ALICE.name not in seen and BOB.name not in seen

    # The Action.Submit fallback: recorded too, confirmed in Carol's 1:1 chat only.
    mark = connector.mark()
    teams.submit(CAROL, action_titled(questions[1].card, "Level 1"), on=questions[1])
    (confirmed,) = connector.wait_for(lambda calls: dms(connector, calls), after=mark)
    assert confirmed[0] == CAROL.teams_id and "Recorded: Level 1" in texts(confirmed[1].card)
    assert not in_thread_of(parent)(connector.since(mark))  # no pointer for a button press

    # The shared card shows the count, updated in place (PUT), and nothing else.
    connector.wait_for(
        lambda calls: any("3 responses" in texts(c.card) for c in updates_of(first)(calls)),
        timeout=35,  # Teams counts are refreshed at most every 10 s per question
        what="the count on the first question",
    )

    assert all(not failure.times for failure in connector.failures)
    with urllib.request.urlopen(bot.url + "/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'maturitybot_rate_limit_retries_total{platform="teams"} 1.0' in metrics

    # Status, reminders: the member list is paged; only those not done are reminded, 1:1.
    # Messages are acknowledged first and handled after, in order per conversation.
    mark = connector.mark()
    asked = teams.say(ADMIN, "pulse status")
    connector.wait_for(to(asked["conversation"]["id"]), after=mark, what="the status")
    mark = connector.mark()
    teams.say(ADMIN, "pulse remind")
    connector.wait_for(
        lambda calls: [c for _, c in dms(connector, calls) if "Reminded 3 people" in texts(c.card)],
        after=mark,
        what="the reminders",
    )
    pages = [c for c in connector.since(mark) if c.kind == "members" and c.conversation == TEAM]
    assert len(pages) == 3  # six accounts, two a page
    reminded = {
        who for who, c in dms(connector, connector.since(mark)) if "Reminder:" in texts(c.card)
    }
    assert reminded == {ADMIN.teams_id, CAROL.teams_id, DAVE.teams_id}
    told = [
        c
        for who, c in dms(connector, connector.since(mark))
        if "Reminded 3 people" in texts(c.card)
    ]
    assert len(told) == 1

    # Close: the summary in the thread, the questions marked closed.
    mark = connector.mark()
    closing = teams.say(ADMIN, "pulse close")
    # Typed in the channel, the command is answered where it was typed (after the summary
    # may have gone out: messages are handled after their acknowledgement).
    connector.wait_for(to(closing["conversation"]["id"]), after=mark, what="the close reply")
    summary = connector.wait_for(
        lambda calls: [c for c in in_thread_of(parent)(calls) if "Results:" in texts(c.card)],
        after=mark,
    )
    assert "our golden paths need docs" in texts(summary[0].card)
    closed = connector.wait_for(
        lambda calls: (
            len(found := [c for c in calls if c.kind == "update" and "Closed" in texts(c.card)])
            == QUESTIONS
            and found
        ),
        after=mark,
    )
    assert not closed[0].card.get("actions")

    # A click after close: a polite card for the clicker, nothing else changes.
    mark = connector.mark()
    status, late = teams.click(DAVE, action_titled(first.card, "Level 4"), on=first)
    assert (
        status == 200
        and "closed" in texts(late["value"])
        and "not recorded" in texts(late["value"])
    )
    time.sleep(1.5)  # a click on a closed round schedules no count update at all
    assert connector.since(mark) == []

    # The digest: a new channel post, the chart inside the card as a PNG image, drawn at the
    # card's width rather than shrunk from the wide one.
    mark = connector.mark()
    teams.say(ADMIN, "digest")
    (digest,) = connector.wait_for(new_thread, after=mark, what="the digest")
    content = digest.body["activity"]["attachments"][0]["content"]
    images = [e for e in content["body"] if e["type"] == "Image"]
    assert images and images[0]["url"].startswith("data:image/png;base64,")
    png = base64.b64decode(images[0]["url"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).size == chart.size(chart.CARD)

    # Nothing anyone sees in the channel names or identifies a person.
    for call in connector.snapshot():
        if not call.conversation.startswith(CHANNEL):
            continue
        activity = call.body.get("activity", call.body)
        shown = "\n".join([texts(card) for card in call.cards] + [activity.get("summary") or ""])
        for person in PEOPLE:
            for trace in person.traces:
                assert trace not in shown, (trace, call)

    # After a restart the bot speaks first: a scheduled pulse from the stored reference.
    bot.stop()
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.begin() as db:
            conversation_id, reference = db.execute(
                sa.text("SELECT id, reference FROM conversation WHERE channel = :channel"),
                {"channel": CHANNEL},
            ).one()
            stored = json.loads(reference)
            assert stored["service_url"] == connector.url and stored["channel_id"] == CHANNEL
            due = datetime.now(UTC) + timedelta(seconds=5)
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
                    "now": datetime.now(UTC).replace(tzinfo=None),
                },
            )
    finally:
        engine.dispose()
    mark = connector.mark()
    bots.start(env)
    (scheduled,) = connector.wait_for(new_thread, after=mark, timeout=30, what="scheduled pulse")
    assert "Platform maturity pulse" in texts(
        scheduled.body["activity"]["attachments"][0]["content"]
    )
    connector.wait_for(
        lambda calls: len(in_thread_of(scheduled)(calls)) == QUESTIONS,
        after=mark,
        what="the scheduled round's questions",
    )
