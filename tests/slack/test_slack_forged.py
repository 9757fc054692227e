"""Nothing a click carries is trusted (issue 10), over real HTTP against ``maturitybot run``,
on SQLite and PostgreSQL: a round of another channel, a boolean level, ids no column holds, a
value of 5,000 digits, a replayed older click, forged modal metadata and payloads Bolt cannot
read change no stored answer, answer 4xx or a polite private notice (never a 5xx, never a lost
ack), and leave no traceback. User text with mentions, broadcasts and link markup is shown
as typed; long comments are all in the summary; channel names show as links."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from botprocess import BotProcess
from slack_bot import ADMIN, start_bot
from slack_fake import BOT_USER, Call, FakeSlack
from slack_sender import SlackSender, click, view_submission

from storage.engine import normalise_url

pytestmark = pytest.mark.timeout(180)
HERE, THERE = "CPULSE", "COTHER"
PEOPLE = ["UANN", "UBEN", "UCAT"]
QUESTIONS = 5


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.members[HERE] = [BOT_USER, ADMIN, *PEOPLE]
    fake.members[THERE] = [BOT_USER, ADMIN, *PEOPLE]
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    bot = start_bot(fake, database_url, tmp_path)
    yield bot
    bot.stop()


def stored(database_url: str) -> set[tuple[int, str, str, int | None, str | None]]:
    """Every stored answer: round, question, person, level, comment."""
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT round_id, question_id, user_id, level, comment FROM answer")
            )
            return {tuple(row) for row in rows}  # type: ignore[misc]
    finally:
        engine.dispose()


def start_round(slack: SlackSender, fake: FakeSlack, channel: str) -> list[Call]:
    before = len(fake.of("chat.postMessage"))
    assert slack.command(ADMIN, channel, "pulse start quick")[0] == 200
    posts = fake.wait_calls("chat.postMessage", before + 1 + QUESTIONS, timeout=30)[before:]
    return [p for p in posts if p.params["channel"] == channel and "thread_ts" in p.params]


def whispers(fake: FakeSlack, user: str) -> list[str]:
    return [c.text for c in fake.of("chat.postEphemeral") if c.params["user"] == user]


def next_whisper(fake: FakeSlack, user: str, seen: int, what: str) -> str:
    found = fake.wait_for(
        lambda: whispers(fake, user)[seen:] or None, timeout=10, what=f"{what} ({user})"
    )
    return found[0]


def with_value(payload: dict[str, Any], value: str) -> dict[str, Any]:
    payload["actions"][0]["value"] = value
    return payload


def test_forged_clicks_change_nothing(bot: BotProcess, fake: FakeSlack, database_url: str) -> None:
    slack = SlackSender(bot.url, fake)
    here = start_round(slack, fake, HERE)
    there = start_round(slack, fake, THERE)
    ann = PEOPLE[0]

    assert slack.press(ann, here[0], "pulse_answer_3")[0] == 200
    assert "Recorded" in next_whisper(fake, ann, 0, "the first answer")
    (answer,) = stored(database_url)
    round_here, question = answer[0], answer[1]
    assert answer[2:4] == (ann, 3)

    # 1. Another channel's round, pressed from this channel: unknown here, nothing stored.
    theirs = click(ann, there[0], "pulse_answer_2", fake.url)["actions"][0]["value"]
    forged = with_value(click(ann, here[0], "pulse_answer_2", fake.url), theirs)
    assert slack.interact(forged)[0] == 200
    assert "not part of a pulse" in next_whisper(fake, ann, 1, "the cross-channel notice")

    # 3, 12, 13. Values that are not what the bot put there: a polite notice, within 3 s.
    values = [
        json.dumps({"r": round_here, "q": question, "l": True}),
        json.dumps({"r": round_here, "q": question, "l": "4"}),
        json.dumps({"r": 2**63, "q": question, "l": 1}),
        json.dumps({"r": 2**31, "q": question, "l": 1}),
        json.dumps({"r": round_here, "q": question, "l": 1})[:-1] + ',"x":' + "9" * 5000 + "}",
        '{"r": ' + "[" * 5000,
        json.dumps({"r": round_here, "q": question + "\n", "l": 1}),
    ]
    for n, value in enumerate(values):
        started = time.monotonic()
        pressed = with_value(click(ann, here[0], "pulse_answer_1", fake.url), value)
        status, _ = slack.interact(pressed)
        assert status == 200 and time.monotonic() - started < 3, (value[:40], status)
        notice = next_whisper(fake, ann, 2 + n, f"the notice for {value[:30]}")
        assert "could not be read" in notice or "not part of a pulse" in notice, notice
    assert stored(database_url) == {answer}

    # 4. A replayed older click (still signed now) never overwrites the newer answer.
    older = click(ann, here[0], "pulse_answer_1", fake.url)
    older["actions"][0]["action_ts"] = f"{time.time() - 65:.6f}"
    assert slack.press(ann, here[0], "pulse_answer_4")[0] == 200
    fake.wait_for(lambda: len(whispers(fake, ann)) >= 10, what="the change to level 4")
    assert slack.interact(older)[0] == 200
    assert "newer answer" in next_whisper(fake, ann, 10, "the stale-click notice")
    assert slack.interact(older)[0] == 200  # and again: a replay changes nothing either
    fake.wait_for(lambda: len(whispers(fake, ann)) >= 12, what="the second stale notice")
    assert {(a[2], a[3]) for a in stored(database_url)} == {(ann, 4)}

    # 5. The comment modal's metadata: another person's form, or changed metadata, refused.
    assert slack.press(ann, here[0], "pulse_comment")[0] == 200
    (opened,) = fake.wait_calls("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    ben_submits = view_submission(PEOPLE[1], view, "not Ann's words")
    changed = view_submission(ann, view, "to the other channel")
    changed["view"]["private_metadata"] = view["private_metadata"].replace(HERE, THERE)
    for payload in (ben_submits, changed):
        status, body = slack.interact(payload)
        assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert {a[4] for a in stored(database_url)} == {None}

    # 4. A comment form submitted again (a replayed request) changes nothing.
    first = view_submission(ann, view, "first thoughts")
    assert slack.interact(first)[0] == 200
    fake.wait_for(lambda: any("Comment saved" in w for w in whispers(fake, ann)), what="saved")
    assert slack.press(ann, here[0], "pulse_comment")[0] == 200
    (_, again) = fake.wait_calls("views.open", 2)
    view_again = again.params["view"]
    view_again = json.loads(view_again) if isinstance(view_again, str) else view_again
    assert slack.interact(view_submission(ann, view_again, "second thoughts"))[0] == 200
    fake.wait_for(
        lambda: sum("Comment saved" in w for w in whispers(fake, ann)) == 2, what="saved again"
    )
    assert slack.interact(first)[0] == 200
    time.sleep(1)
    assert {a[4] for a in stored(database_url)} == {"second thoughts"}

    # 11. Signed but malformed: 400 at the door, before Bolt.
    malformed: list[dict[str, Any]] = [
        {"type": "event_callback", "event": "typed", "team_id": "T0001"},
        {**click(ann, here[0], "pulse_answer_1", fake.url), "actions": []},
        _action_id(click(ann, here[0], "pulse_answer_1", fake.url), ["pulse_answer_1"]),
        {**view_submission(ann, view, "x"), "view": {"callback_id": "pulse_comment_view"}},
        _state(view_submission(ann, view, "x"), {"values": {"comment": ["text"]}}),
        {**click(ann, here[0], "pulse_answer_1", fake.url), "user": ["UANN"]},
    ]
    for payload in malformed:
        assert slack.interact(payload)[0] == 400, payload
    assert slack.send('{"type": NaN}', "application/json")[0] == 400
    deep = '{"type": "event_callback", "event": ' + "[" * 50_000
    assert slack.send(deep, "application/json")[0] == 400

    assert stored(database_url) == {(round_here, question, ann, 4, "second thoughts")}
    assert "Traceback" not in bot.logs() and "OverflowError" not in bot.logs()


def _action_id(payload: dict[str, Any], action_id: object) -> dict[str, Any]:
    payload["actions"][0]["action_id"] = action_id
    return payload


def _state(payload: dict[str, Any], state: object) -> dict[str, Any]:
    payload["view"]["state"] = state
    return payload


def test_what_people_type_is_shown_as_typed(bot: BotProcess, fake: FakeSlack) -> None:
    """Mentions, broadcasts and link markup in comments stay text everywhere (the Block Kit
    check of the fake Slack looks at every payload); two long comments both reach the
    summary; the channel shows as a link in reminders and ``my answers``."""
    slack = SlackSender(bot.url, fake)
    questions = start_round(slack, fake, HERE)
    hostile = "<!channel> <@UADMIN> &lt;!here&gt; <https://evil.example|x> \u2068<#CPULSE>\u2069"
    long_comments = ["A" * 1990 + " first", "B" * 1990 + " second"]
    for n, (person, comment) in enumerate(zip(PEOPLE, [hostile, *long_comments], strict=True)):
        assert slack.press(person, questions[0], "pulse_answer_2")[0] == 200
        next_whisper(fake, person, 0, "the answer's confirmation")  # a comment needs it stored
        assert slack.press(person, questions[0], "pulse_comment")[0] == 200
        opened = fake.wait_calls("views.open", n + 1)[n]
        view = opened.params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert slack.interact(view_submission(person, view, comment))[0] == 200
        fake.wait_for(
            lambda p=person: any("Comment saved" in w for w in whispers(fake, p)),
            what="the comment's confirmation",
        )

    assert slack.command(PEOPLE[0], HERE, "my answers")[0] == 200
    mine = fake.wait_for(
        lambda: [r for r in fake.of("response") if f"<#{HERE}>" in r.params.get("text", "")],
        what="my answers, with the channel as a link",
    )
    assert "&lt;!channel&gt;" in mine[0].params["text"]
    assert slack.command(ADMIN, HERE, "pulse remind")[0] == 200
    reminder = fake.wait_for(
        lambda: [p for p in fake.of("chat.postMessage") if p.params["channel"] == ADMIN],
        what="the reminder DM",
    )[0]
    assert f"<#{HERE}>" in reminder.text and f"<#{HERE}>" in json.dumps(reminder.blocks())

    assert slack.command(ADMIN, HERE, "pulse close")[0] == 200
    summary = fake.wait_for(
        lambda: [p for p in fake.of("chat.postMessage") if p.params.get("reply_broadcast")],
        timeout=30,
        what="the summary",
    )[0]
    shown = json.dumps(summary.blocks(), ensure_ascii=False)
    assert "&lt;!channel&gt;" in summary.text and "<!channel>" not in summary.text
    assert "&lt;!channel&gt; &lt;@UADMIN&gt; &amp;lt;!here&amp;gt;" in shown
    assert "<#CPULSE>" not in shown  # typed isolate marks are removed: no link from user text
    for comment in long_comments:
        assert comment in shown  # whole: split over sections, none dropped
    assert fake.nonconforming == []
