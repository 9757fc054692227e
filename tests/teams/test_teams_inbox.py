"""A Teams message acknowledged by an instance that dies before answering it is answered by
the next one: it was recorded before Teams got its 201. One already answered is not answered
again. Real ``maturitybot run`` processes, the fake connector on loopback, kill -9."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from teams_connector import Call, FakeConnector
from teams_dialogue import Bots, Teams, User, bots, connector, texts

from storage.engine import normalise_url

pytestmark = pytest.mark.timeout(90)
ALICE = User("alice", "Alice Archer")


def env(database_url: str) -> dict[str, str]:
    return {"TEAMS_ENABLED": "true", "DATABASE_URL": database_url, "PLATFORM_TIMEOUT": "2"}


def inbox(database_url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as db:
            rows = db.execute(sa.text("SELECT key, handled_at FROM teams_inbox ORDER BY id"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def kept_text(database_url: str) -> list[str]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as db:
            rows = db.execute(sa.text("SELECT activity FROM teams_inbox ORDER BY id"))
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def answers_to(conversation: str, calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.kind in ("send", "reply")
        and c.conversation == conversation
        and "adoption" in "\n".join(texts(card) for card in c.cards).lower()
    ]


def test_a_message_acknowledged_before_a_crash_is_answered_after_the_restart(
    database_url: str, connector: FakeConnector, bots: Bots
) -> None:
    bot = bots.start(env(database_url))
    teams = Teams(bot.url, connector)
    chat = teams.personal_conversation(ALICE)["id"]

    # Answered normally: recorded, handled, and never handled again.
    first = teams.dm(ALICE, "what is level 2 adoption")
    connector.wait_for(lambda calls: answers_to(chat, calls), what="the first answer")
    deadline = time.monotonic() + 10
    while inbox(database_url)[0][1] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inbox(database_url)[0][1] is not None, "the answered message is marked handled"

    # The connector throttles every send for long: the answer is under way when the bot dies.
    connector.fail("POST", "send", 429, times=1000, retry_after="30")
    mark = connector.mark()
    teams.dm(ALICE, "what is level 3 adoption")  # 201 only once it is recorded
    rows = inbox(database_url)
    assert len(rows) == 2 and rows[1][1] is None
    time.sleep(0.5)  # the send is being tried (and refused)
    bot.kill()
    assert not answers_to(chat, connector.since(mark))
    connector.failures.clear()

    mark = connector.mark()
    restarted = bots.start(env(database_url))
    (answer,) = connector.wait_for(
        lambda calls: answers_to(chat, calls), timeout=25, after=mark, what="the late answer"
    )
    assert "level 3" in "\n".join(texts(card) for card in answer.cards).lower()
    deadline = time.monotonic() + 5
    while (
        any(handled is None for _, handled in inbox(database_url)) and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert all(handled is not None for _, handled in inbox(database_url))
    assert kept_text(database_url) == [""] * 2, "what people sent is not kept once handled"

    # The same activity again (Teams retrying, or a replay) changes nothing.
    again = Teams(restarted.url, connector)
    assert again.post(first)[0] == 201
    time.sleep(1.0)
    assert len(answers_to(chat, connector.since(mark))) == 1
    assert len(inbox(database_url)) == 2
