"""Nothing a Teams card carries is trusted (issue 10), with authentication off (anyone may
send any activity): the door answers 4xx to what is not a bounded UTF-8 JSON activity; a
card's round, level and ids are checked (a round of another conversation answers nothing, a
boolean is no level, an id no column holds is refused); and what people type is shown as
typed in the cards everyone sees (no markdown, no ``<at>`` mention)."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from teams_connector import FakeConnector
from teams_dialogue import BOT, CHANNEL, GROUP, TEAM, Teams, User, action_titled, bots, connector

from storage.engine import normalise_url

ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")
BOB = User("bob", "Bob Baker")
QUESTIONS = 5
HOSTILE = "**bold** <at>Ada Admin</at> [click](https://evil.example) _it_"


def stored(database_url: str) -> set[tuple[object, ...]]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT round_id, question_id, user_id, level FROM answer")
            return {tuple(row) for row in connection.execute(query)}
    finally:
        engine.dispose()


def questions_in(connector: FakeConnector, conversation: str, mark: int) -> list:
    def found(calls: list) -> list | None:
        posted = [
            c
            for c in calls
            if c.kind in ("send", "reply")
            and c.conversation.startswith(conversation)
            and "Level 1" in json.dumps(c.card)
        ]
        return posted if len(posted) == QUESTIONS else None

    return connector.wait_for(found, after=mark, what=f"the questions in {conversation}")


def test_forged_cards_change_nothing(database_url, connector, bots) -> None:
    connector.members[TEAM] = [u.account() for u in (ADMIN, ALICE, BOB)] + [dict(BOT)]
    connector.members[GROUP] = connector.members[TEAM]
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "1",
    }
    bot = bots.start(env)
    teams = Teams(bot.url, connector)

    # 10. The door: charset, depth, size and encoding, with authentication off too.
    assert teams.post(b"{}", {"Content-Type": "application/json; charset=bogus"})[0] == 415
    assert teams.post(b"[" * 100_000)[0] == 400
    assert teams.post(b'{"type": "message", "text": "' + b"x" * 300_000 + b'"}')[0] == 413
    assert teams.post(b'{"type": "message", "text": "\xff"}')[0] == 400

    teams.install_in_team(ADMIN)
    mark = connector.mark()
    teams.say(ADMIN, "pulse start")
    channel_questions = questions_in(connector, CHANNEL, mark)
    mark = connector.mark()
    teams.group(ADMIN, "pulse start")
    group_questions = questions_in(connector, GROUP, mark)

    first = channel_questions[0]
    status, body = teams.click(
        ALICE, action_titled(first.card, "Level 3"), on=first, comment=HOSTILE
    )
    assert status == 200 and body["statusCode"] == 200
    (answer,) = stored(database_url)

    # 1. A card of the group chat's round, pressed in the channel: nothing stored.
    group_action = action_titled(group_questions[0].card, "Level 1")
    status, body = teams.click(BOB, group_action, on=first)
    assert status == 200 and "not part of a pulse" in json.dumps(body["value"])

    # 3, 13. Values that are not what the bot put on the card: refused.
    level_three = action_titled(first.card, "Level 3")
    for field, value in (
        ("level", True),
        ("level", "²"),
        ("level", "9" * 5000),
        ("round", 2**31),
        ("round", 2**63),
        ("round", True),
        ("question", "adoption\n"),
        ("comment", {"nested": "x"}),
    ):
        forged = {**level_three, "data": {**level_three["data"], field: value}}
        status, _ = teams.click(BOB, forged, on=first)
        assert 400 <= status < 500, (field, value, status)
    # An account whose id is not an id: no answer, a 4xx or nothing at all.
    activity_bob = User("x" * 300, "Long Id")
    status, _ = teams.click(activity_bob, level_three, on=first)
    assert status < 500
    assert stored(database_url) == {answer}

    # 6. What Alice typed shows as typed in the summary everyone sees.
    mark = connector.mark()
    teams.say(ADMIN, "pulse close")
    summary = connector.wait_for(
        lambda calls: [
            c
            for c in calls
            if c.conversation.startswith(CHANNEL) and "Results" in json.dumps(c.card)
        ],
        after=mark,
        what="the summary",
    )[0]
    shown = json.dumps(summary.card, ensure_ascii=False)
    assert (
        r"\\*\\*bold\\*\\* \\<at\\>Ada Admin\\</at\\> \\[click\\](https://evil.example) \\_it\\_"
        in shown
    )
    assert "<at>" not in shown.replace(r"\\<at\\>", "")
    assert "Traceback" not in bot.logs()

    # 13. A reply to a service URL nobody answers does not hold the request (its failure is
    # logged, as any platform outage is).
    lost = teams.message(BOB, "help", teams.personal_conversation(BOB), {"tenant": {"id": "t"}})
    lost["serviceUrl"] = "http://127.0.0.1:9/"
    started = time.monotonic()
    assert teams.post(lost)[0] < 500
    assert time.monotonic() - started < 2
