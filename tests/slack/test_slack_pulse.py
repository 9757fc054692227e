"""A whole pulse in Slack, on SQLite and on PostgreSQL: an admin starts it, a non-admin may
not, many people click, one comments, one types an answer in the thread, the round closes
with a summary, the digest brings its chart, and the App Home shows the results. Nobody's
identity or choice ever shows in a shared message."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from botprocess import BotProcess
from PIL import Image
from slack_bot import ADMIN, start_bot
from slack_fake import BOT_USER, Call, FakeSlack
from slack_sender import SlackSender, buttons, message, view_submission

from bot.handlers import chart

pytestmark = pytest.mark.timeout(120)
CHANNEL = "CPULSE"
PEOPLE = [f"UPERSON{n}" for n in range(1, 7)]
QUESTIONS = 5  # the quick template: one question per aspect


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.members[CHANNEL] = [BOT_USER, ADMIN, *PEOPLE, "UTYPIST"]
    fake.user_channels[PEOPLE[0]] = [CHANNEL, "COTHER"]
    fake.page_limit = 3  # members and channels come in pages, as from a big workspace
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    bot = start_bot(fake, database_url, tmp_path)
    yield bot
    bot.stop()


def shared(fake: FakeSlack) -> list[Call]:
    """Everything the bot showed to the channel: posts and edits."""
    return fake.of("chat.postMessage") + fake.of("chat.update")


def test_a_pulse_from_start_to_digest(bot: BotProcess, fake: FakeSlack) -> None:
    slack = SlackSender(bot.url, fake)

    # A non-admin is refused, privately, and nothing is posted.
    assert slack.command(PEOPLE[0], CHANNEL, "pulse start")[0] == 200
    (refused,) = fake.wait_calls("response")
    assert refused.params["response_type"] == "ephemeral"
    assert "MATURITYBOT_ADMINS" in refused.params["text"] or "admin" in refused.params["text"]
    assert not fake.of("chat.postMessage")

    # The admin starts it: the parent, then each question in its thread, paced.
    assert slack.command(ADMIN, CHANNEL, "pulse start quick")[0] == 200
    posts = fake.wait_calls("chat.postMessage", 1 + QUESTIONS, timeout=30)
    parent, questions = posts[0], posts[1:]
    assert parent.params["channel"] == CHANNEL and "thread_ts" not in parent.params
    assert all(q.params["thread_ts"] == parent.ts for q in questions)
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(posts)]
    assert min(gaps) >= 0.9, f"posts to one channel must be ~1 s apart, got {gaps}"
    for question in questions:
        found = buttons(question)
        assert [f"pulse_answer_{n}" for n in (1, 2, 3, 4)] <= list(found)
        assert "pulse_answer_not_sure" in found and "pulse_comment" in found
        assert all(len(b["text"]["text"]) <= 75 for b in found.values())

    # Everyone clicks every question at once; two change their mind afterwards.
    presses = [
        (person, question, f"pulse_answer_{1 + (i + j) % 4}")
        for i, person in enumerate(PEOPLE)
        for j, question in enumerate(questions)
    ]
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda p: slack.press(*p)[0], presses))
    assert statuses == [200] * len(presses)
    fake.wait_calls("chat.postEphemeral", len(presses), timeout=30)
    # Seeing their confirmation, two people change their mind.
    assert slack.press(PEOPLE[0], questions[0], "pulse_answer_4")[0] == 200
    assert slack.press(PEOPLE[1], questions[0], "pulse_answer_not_sure")[0] == 200
    confirmations = fake.wait_calls("chat.postEphemeral", len(presses) + 2, timeout=30)
    assert len(confirmations) == len(presses) + 2  # each click confirmed once, none lost
    for person in PEOPLE:
        mine = [c for c in confirmations if c.params["user"] == person]
        assert mine and all(c.params["channel"] == CHANNEL for c in mine)
        assert all(c.params["thread_ts"] == parent.ts for c in mine)
    assert any("Changed to: Level 4" in c.text for c in confirmations)
    assert all("Recorded" in c.text or "Changed" in c.text for c in confirmations)

    # Every question message ends up showing its count, and only its count.
    def counted() -> bool:
        latest = {}
        for update in fake.of("chat.update"):
            latest[update.params["ts"]] = update
        return len(latest) == QUESTIONS and all(
            f"{len(PEOPLE)} responses" in json.dumps(u.params["blocks"]) for u in latest.values()
        )

    fake.wait_for(counted, timeout=30, what="response counts on every question")

    # A comment through the modal.
    assert slack.press(PEOPLE[2], questions[1], "pulse_comment")[0] == 200
    (opened,) = fake.wait_calls("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    payload = view_submission(PEOPLE[2], view, "Our portal is new & shiny")
    assert slack.interact(payload)[0] == 200
    fake.wait_for(
        lambda: any("Comment saved" in c.text for c in fake.of("chat.postEphemeral")),
        what="the comment's private confirmation",
    )

    # A typed answer in the thread; a remark in the thread is left alone.
    before = len(fake.of("chat.postEphemeral"))
    remark = message("UTYPIST", CHANNEL, "nice idea, this pulse", thread_ts=parent.ts)
    typed = message("UTYPIST", CHANNEL, "adoption 2 -- typed it", thread_ts=parent.ts)
    assert slack.event(remark)[0] == 200 and slack.event(typed)[0] == 200
    typed_ok = fake.wait_for(
        lambda: [c for c in fake.of("chat.postEphemeral") if c.params["user"] == "UTYPIST"],
        what="the typed answer's confirmation",
    )
    assert len(typed_ok) == 1 and "Level 2" in typed_ok[0].text
    assert len(fake.of("chat.postEphemeral")) == before + 1

    # Reminders go by DM to the members who have not answered everything, never to the bot.
    assert slack.command(ADMIN, CHANNEL, "pulse remind")[0] == 200
    reminded = fake.wait_for(
        lambda: [r for r in fake.of("response") if "Reminded" in r.params.get("text", "")],
        what="the reminder report",
    )
    assert "Reminded 2 people" in reminded[0].params["text"]
    dms = [p for p in fake.of("chat.postMessage") if p.params["channel"].startswith("U")]
    assert sorted(p.params["channel"] for p in dms) == [ADMIN, "UTYPIST"]
    assert all("Reminder" in p.text for p in dms)
    assert len(fake.of("conversations.members")) >= 3  # 9 members, 3 a page

    # Close: the summary in the thread, broadcast to the channel; questions show "Closed".
    assert slack.command(ADMIN, CHANNEL, "pulse close")[0] == 200
    summary = fake.wait_for(
        lambda: [p for p in fake.of("chat.postMessage") if p.params.get("reply_broadcast")],
        timeout=30,
        what="the broadcast summary",
    )[0]
    assert summary.params["thread_ts"] == parent.ts and summary.text.startswith("Results")
    assert "of 8 people" in summary.text  # the channel's members, the bot not counted
    assert "Our portal is new &amp; shiny" in json.dumps(summary.params["blocks"])
    fake.wait_for(
        lambda: (
            sum("Closed" in json.dumps(u.params["blocks"]) for u in fake.of("chat.update"))
            >= QUESTIONS
        ),
        timeout=30,
        what="questions marked closed",
    )

    # Digest: Block Kit in the channel, and the chart through files_upload_v2.
    assert slack.command(ADMIN, CHANNEL, "digest")[0] == 200
    digest = fake.wait_for(
        lambda: [
            p
            for p in fake.of("chat.postMessage")
            if "thread_ts" not in p.params and p is not parent and p.params["channel"] == CHANNEL
        ],
        timeout=30,
        what="the digest post",
    )[0]
    assert digest.params["channel"] == CHANNEL and digest.blocks()[0]["type"] == "header"
    (upload,) = fake.wait_calls("upload", timeout=30)
    assert upload.body.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(upload.body)).size == chart.size(chart.WIDE)
    (complete,) = fake.wait_calls("files.completeUploadExternal", timeout=30)
    assert complete.params["channel_id"] == CHANNEL
    assert len(fake.of("files.getUploadURLExternal")) == 1

    # The App Home shows this channel's results to a member.
    home_event = {"type": "app_home_opened", "user": PEOPLE[0], "channel": "DHOME", "tab": "home"}
    assert slack.event(home_event)[0] == 200
    (published,) = fake.wait_calls("views.publish")
    home = json.dumps(published.params["view"])
    assert f"<#{CHANNEL}>" in home and "median" in home

    # Nobody's identity appears in anything shown to the channel.
    for call in shared(fake):
        if call.params["channel"] != CHANNEL:
            continue  # a reminder DM: the person's own conversation
        content = call.text + json.dumps(call.params.get("blocks", []))
        for person in [*PEOPLE, "UTYPIST", ADMIN]:
            assert person not in content and person.lower() not in content
