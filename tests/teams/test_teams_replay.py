"""A Teams activity is handled once (issue 10, replays): Teams retries what it thinks went
unanswered, and anyone holding a request can send it again. The same activity again, on any
instance, changes nothing: a replayed click or comment leaves the newer answer standing and is
told so, and a replayed message is not answered twice."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from teams_dialogue import BOT, CHANNEL, TEAM, Teams, User, action_titled, bots, connector
from test_teams_forged import questions_in

from storage.engine import normalise_url

ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")


def answers(database_url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT question_id, user_id, level, comment FROM answer")
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def test_a_replayed_activity_changes_nothing(database_url, connector, bots) -> None:
    connector.members[TEAM] = [u.account() for u in (ADMIN, ALICE)] + [dict(BOT)]
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "1",
    }
    teams = Teams(bots.start(env).url, connector)
    teams.install_in_team(ADMIN)
    mark = connector.mark()
    teams.say(ADMIN, "pulse start")
    first = questions_in(connector, CHANNEL, mark)[0]

    status, _ = teams.click(ALICE, action_titled(first.card, "Level 2"), first, "first thought")
    assert status == 200
    replayed = teams.last_sent
    status, _ = teams.click(ALICE, action_titled(first.card, "Level 3"), first, "second thought")
    assert status == 200
    ((question, person, level, comment),) = answers(database_url)
    assert (level, comment) == (3, "second thought")

    status, body = teams.post(replayed)
    assert status == 200 and body is not None
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "nothing changed" in body["value"]
    assert answers(database_url) == [(question, person, 3, "second thought")]

    # A message sent again is not answered again.
    mark = connector.mark()
    teams.say(ALICE, "what is level 2 adoption")
    connector.wait_for(lambda calls: [c for c in calls if c.kind in ("send", "reply")], after=mark)
    said = teams.last_sent
    answered = len([c for c in connector.since(mark) if c.kind in ("send", "reply")])
    assert teams.post(said)[0] == 201
    time.sleep(1.5)  # time enough for a second answer, if there were one
    again = [c for c in connector.since(mark) if c.kind in ("send", "reply")]
    assert len(again) == answered, json.dumps([c.kind for c in again])
