"""Slack goes down around a scheduled pulse, a close and a digest: what the bot owes is
delivered once Slack answers again, exactly once, through 503s, ``ok: false`` errors, refused
connections and calls that hang past the client's timeout; also when the bot is killed
(kill -9) and restarted during the outage, and with two instances on one PostgreSQL.

Real ``maturitybot run`` processes against the fake Slack, with short timeouts and backoff.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from botprocess import BotProcess
from slack_bot import ADMIN, health, slack_env
from slack_fake import BOT_USER, TEAM, Call, FakeSlack
from slack_sender import SlackSender

from bot.when import DAYS
from storage import conversations
from storage.engine import Database
from storage.tables import Round, Schedule

pytestmark = pytest.mark.timeout(150)
CHANNEL = "COUTAGE"
PEOPLE = ["UONE", "UTWO", "UTHREE"]
QUESTIONS = 5
FAST = {
    "PLATFORM_TIMEOUT": "1",
    "DELIVERY_POLL": "0.2",
    "DELIVERY_BACKOFF": "0.3",
    "DELIVERY_BACKOFF_MAX": "1.5",
    "DELIVERY_LEASE": "5",
    "DELIVERY_DEGRADED_AFTER": "3s",
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.members[CHANNEL] = [BOT_USER, ADMIN, *PEOPLE]
    fake.hang_seconds = 4  # past the bot's 1 s timeout
    yield fake
    fake.outage(None)
    fake.stop()


def start(fake: FakeSlack, database_url: str, workdir: Path) -> BotProcess:
    return BotProcess(slack_env(fake, database_url) | FAST, workdir).start()


def schedule(database_url: str, kind: str, at: datetime) -> None:
    """A schedule of this channel that falls due at ``at`` (UTC, to the second)."""
    db = Database(database_url, workers=1)
    now = datetime.now(UTC)

    def add(session: object) -> None:
        place = conversations.find_or_create(session, "slack", TEAM, CHANNEL, "", now)
        session.add(
            Schedule(
                conversation_id=place.id, kind=kind, days=DAYS[at.weekday()], hour=at.hour,
                minute=at.minute, second=at.second, timezone="UTC", template="quick",
                close_after_minutes=60 if kind == "pulse" else None, created_by=ADMIN,
                created_at=now - timedelta(minutes=1),
            )
        )  # fmt: skip

    db.write_now(add)
    db.close()


def soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


def wait_until(moment: datetime) -> None:
    time.sleep(max((moment - datetime.now(UTC)).total_seconds(), 0))


def posted(fake: FakeSlack) -> tuple[list[dict], list[dict]]:
    """What really is in the channel: top-level posts, and replies in threads."""
    messages = fake.messages.get(CHANNEL, [])
    return (
        [m for m in messages if not m["thread_ts"]],
        [m for m in messages if m["thread_ts"]],
    )


def round_posts(fake: FakeSlack, timeout: float = 30) -> tuple[Call, list[Call]]:
    """The delivered parent and questions (answered calls), once all are out."""
    calls = fake.wait_calls("chat.postMessage", 1 + QUESTIONS, timeout=timeout, channel=CHANNEL)
    parents = [c for c in calls if not c.params.get("thread_ts")]
    assert len(parents) >= 1
    return parents[0], [c for c in calls if c.params.get("thread_ts")]


def metrics(bot: BotProcess) -> dict[str, float]:
    with urllib.request.urlopen(bot.url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("maturitybot_owed"):
            series, value = line.rsplit(" ", 1)
            name = series.split("{")[0]  # summed over labels
            found[name] = found.get(name, 0.0) + float(value)
    return found


def assert_round_once(fake: FakeSlack) -> tuple[Call, list[Call]]:
    fake.wait_for(lambda: len(posted(fake)[1]) >= QUESTIONS, 30, "every question")
    time.sleep(1.5)  # anything doubled would have shown by now
    parents, replies = posted(fake)
    assert len(parents) == 1, f"parents posted: {len(parents)}"
    assert len(replies) == QUESTIONS, f"questions posted: {len(replies)}"
    assert {r["thread_ts"] for r in replies} == {parents[0]["ts"]}
    owed = [m["metadata"]["event_payload"]["owed"] for m in [*parents, *replies]]
    assert len(set(owed)) == len(owed) == 1 + QUESTIONS
    parent, questions = round_posts(fake)
    ok = fake.of("chat.postMessage", channel=CHANNEL)
    assert len(ok) == 1 + QUESTIONS, "a post answered 200 twice"
    return parent, questions


def answer_works(bot: BotProcess, fake: FakeSlack, question: Call) -> None:
    before = len(fake.of("chat.postEphemeral"))
    assert SlackSender(bot.url, fake).press(PEOPLE[0], question, "pulse_answer_3")[0] == 200
    fake.wait_calls("chat.postEphemeral", before + 1, timeout=15)


# Every kind of fault on SQLite; on PostgreSQL a failed call and the ambiguous one (a call that
# hangs after Slack may have taken it), which exercise the other engine's part: the claims and
# the lookup before a retry. The delivery code does not depend on the kind beyond that.
@pytest.mark.parametrize(
    ("database_url", "fault"),
    [
        ("sqlite", "503"),
        ("sqlite", "internal_error"),
        ("sqlite", "refused"),
        ("sqlite", "hang"),
        ("postgresql", "503"),
        ("postgresql", "hang"),
    ],
    indirect=["database_url"],
)
def test_a_scheduled_pulse_inside_an_outage_appears_once_after_it(
    fault: str, fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    due = soon(6)
    schedule(database_url, "pulse", due)
    bot = start(fake, database_url, tmp_path)
    try:
        fake.outage(fault)  # from before the pulse ...
        wait_until(due + timedelta(seconds=4))  # ... until after it
        during = health(bot)
        figures = metrics(bot)
        assert not posted(fake)[0]
        assert during["backlog"]["count"] >= 1 + QUESTIONS
        assert during["status"] == "degraded" and during["backlog"]["oldest_seconds"] >= 3
        assert figures.get("maturitybot_owed_retried_total", 0) >= 1
        assert figures["maturitybot_owed_backlog"] >= 1 + QUESTIONS
        if fault == "hang":  # PLATFORM_TIMEOUT (1 s) is the one in force, not aiohttp's 5 min
            hung = fake.of("chat.postMessage", 504) + fake.of("conversations.history", 504)
            assert len(hung) >= 2  # the first attempt gave up after 1 s; a lookup came next
        back = time.monotonic()
        fake.outage(None)
        _, questions = round_posts(fake)
        took = questions[-1].at - back
        print(f"\n{fault}: all delivered {took:.1f}s after recovery; during: {during['backlog']}")
        _, questions = assert_round_once(fake)
        answer_works(bot, fake, questions[0])
        after = health(bot)
        assert after["backlog"]["count"] == 0 and after["status"] == "ok"
        figures = metrics(bot)
        assert figures["maturitybot_owed_delivered_total"] == 1 + QUESTIONS
        assert figures["maturitybot_owed_oldest_seconds"] == 0
    finally:
        bot.stop()


def test_killed_and_restarted_during_the_outage(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """The parent post reached Slack but its answer never came back (the call hung past the
    timeout); the bot is killed, restarted while Slack is still down, and after recovery
    looks the post up instead of posting it again."""
    due = soon(6)
    schedule(database_url, "pulse", due)
    first = start(fake, database_url, tmp_path)
    try:
        fake.outage("hang_after")
        wait_until(due + timedelta(seconds=2))
        fake.wait_calls("chat.postMessage", 1, channel=CHANNEL)  # Slack took it in
    finally:
        first.kill()
    fake.outage("refused")
    second = start(fake, database_url, tmp_path)  # serves health though Slack is down
    try:
        assert health(second)["platforms"]["slack"]["signed_in"] is False
        time.sleep(2)
        fake.outage(None)
        _, questions = assert_round_once(fake)
        answer_works(second, fake, questions[0])
        fake.wait_for(lambda: health(second)["platforms"]["slack"]["signed_in"], 15, "sign-in")
    finally:
        second.stop()


def test_a_command_while_slack_was_down_since_start_is_served(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """Slack's Web API is down from before the bot starts, so it has not signed in: a
    command is still served (Bolt's own authorization would ask auth.test first and answer
    "please install this app"), and the pulse it started appears once Slack is back."""
    fake.outage("503")
    bot = start(fake, database_url, tmp_path)
    try:
        assert health(bot)["platforms"]["slack"]["signed_in"] is False
        assert SlackSender(bot.url, fake).command(ADMIN, CHANNEL, "pulse start quick")[0] == 200
        (reply,) = fake.wait_calls("response", 1)
        assert "as soon as it is back" in reply.params["text"], reply.params
        fake.outage(None)
        _, questions = assert_round_once(fake)
        answer_works(bot, fake, questions[0])
        fake.wait_for(lambda: health(bot)["platforms"]["slack"]["signed_in"], 15, "sign-in")
    finally:
        assert bot.stop() == 0


def test_a_reminder_inside_an_outage_is_not_spent(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """Slack is down when an admin asks for the reminder: the admin hears that nobody was
    reminded, and once Slack is back the round's one reminder goes out."""
    bot = start(fake, database_url, tmp_path)
    slack = SlackSender(bot.url, fake)

    def replied(words: str) -> bool:
        return any(words in str(c.params.get("text")) for c in fake.of("response"))

    try:
        assert slack.command(ADMIN, CHANNEL, "pulse start quick")[0] == 200
        round_posts(fake)
        fake.outage("503")
        assert slack.command(ADMIN, CHANNEL, "pulse remind")[0] == 200
        fake.wait_for(lambda: replied("nobody was reminded"), 15, "the failed reminder's reply")
        assert not [c for c in fake.of("chat.postMessage") if c.params["channel"] in PEOPLE]
        fake.outage(None)
        assert slack.command(ADMIN, CHANNEL, "pulse remind")[0] == 200
        fake.wait_for(lambda: replied("Reminded 4 people"), 15, "the reminder's reply")
        reminded = {c.params["channel"] for c in fake.of("chat.postMessage")}
        assert {ADMIN, *PEOPLE} <= reminded
    finally:
        assert bot.stop() == 0


def test_a_close_and_a_digest_inside_an_outage_go_out_once_after_it(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    first = start(fake, database_url, tmp_path)
    try:
        assert SlackSender(first.url, fake).command(ADMIN, CHANNEL, "pulse start quick")[0] == 200
        parent, questions = round_posts(fake)
        slack = SlackSender(first.url, fake)
        for person in PEOPLE:
            for question in questions:
                assert slack.press(person, question, "pulse_answer_2")[0] == 200
        fake.wait_calls("chat.postEphemeral", len(PEOPLE) * QUESTIONS, timeout=30)
    finally:
        first.stop()
    # Down from before the closing time and the digest until after both.
    fake.outage("503")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(Round).values(closes_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    due = soon(5)
    schedule(database_url, "digest", due)
    second = start(fake, database_url, tmp_path)
    try:
        wait_until(due + timedelta(seconds=3))
        assert health(second)["backlog"]["count"] == 2  # the summary and the digest
        fake.outage(None)

        def summary_and_digest() -> list[Call] | None:
            found = [
                c for c in fake.of("chat.postMessage", channel=CHANNEL)
                if c.params.get("reply_broadcast") or not c.params.get("thread_ts")
            ]  # fmt: skip
            return found if len(found) >= 3 else None  # the parent, the summary, the digest

        fake.wait_for(summary_and_digest, 30, "the summary and the digest")
        time.sleep(1.5)
        top, replies = posted(fake)
        summaries = [r for r in replies if r["reply_broadcast"]]
        assert len(summaries) == 1 and summaries[0]["thread_ts"] == parent.ts
        digests = [m for m in top if m["ts"] != parent.ts]
        assert len(digests) == 1
        for shown in (summaries[0], digests[0]):  # every answer counted, none lost
            (call,) = [c for c in fake.of("chat.postMessage") if c.response["ts"] == shown["ts"]]
            said = json.dumps(call.blocks(), ensure_ascii=False)
            assert said.count("(3 responses; L1:0 L2:3 L3:0 L4:0)") == QUESTIONS, said[:600]
        assert health(second)["backlog"]["count"] == 0
        # The question cards were marked closed once the summary was out.
        fake.wait_calls("chat.update", QUESTIONS, timeout=15)
    finally:
        second.stop()


def test_two_instances_on_one_postgresql_post_one_round(
    fake: FakeSlack, postgres_url: str, tmp_path: Path
) -> None:
    due = soon(7)
    schedule(postgres_url, "pulse", due)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bots = [start(fake, postgres_url, tmp_path / "a"), start(fake, postgres_url, tmp_path / "b")]
    try:
        fake.outage("internal_error")
        wait_until(due + timedelta(seconds=4))
        fake.outage(None)
        _, questions = assert_round_once(fake)
        answer_works(bots[1], fake, questions[-1])
    finally:
        for bot in bots:
            bot.stop()


def test_a_refused_channel_is_given_up_and_the_admins_told(
    fake: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    bot = start(fake, database_url, tmp_path)
    try:
        fake.fail("chat.postMessage", "channel_not_found")
        assert SlackSender(bot.url, fake).command(ADMIN, CHANNEL, "pulse start quick")[0] == 200
        (reply,) = fake.wait_calls("response")
        assert "could not post the pulse" in reply.params["text"]
        note = fake.wait_calls("chat.postMessage", 1, channel=ADMIN)[0]
        assert "withdrew" in note.text
        fake.wait_for(lambda: health(bot)["backlog"]["count"] == 0, 10, "an empty backlog")
        assert json.dumps(fake.messages.get(CHANNEL, [])) == "[]"
    finally:
        bot.stop()
