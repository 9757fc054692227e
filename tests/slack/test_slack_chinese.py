"""Slack in Chinese, on SQLite and PostgreSQL: an admin sets the channel's language to Chinese,
and the pulse, its questions, the summary, the digest and the reminders read in Chinese; in the
same channel a person whose Slack language is English gets their own confirmations and notices
in English, and a Chinese reader gets theirs in Chinese. A question is answered in its own
language whoever asks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botprocess import BotProcess
from slack_bot import ADMIN, start_bot
from slack_fake import BOT_USER, Call, FakeSlack
from slack_sender import SlackSender, buttons, mention

pytestmark = pytest.mark.timeout(120)
CHANNEL = "CZHONG"
WANG, ANNA, LI = "UWANG", "UANNA", "ULI"  # Chinese, English and Chinese Slack languages


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.members[CHANNEL] = [BOT_USER, ADMIN, WANG, ANNA, LI]
    fake.locales.update({ADMIN: "zh-CN", WANG: "zh-CN", ANNA: "en-GB", LI: "zh-CN"})
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    bot = start_bot(fake, database_url, tmp_path)
    yield bot
    bot.stop()


def whispers_to(fake: FakeSlack, user: str) -> list[Call]:
    return [c for c in fake.of("chat.postEphemeral") if c.params["user"] == user]


def responses(fake: FakeSlack) -> list[str]:
    return [str(r.params.get("text")) for r in fake.of("response")]


def test_a_chinese_channel_with_an_english_reader(bot: BotProcess, fake: FakeSlack) -> None:
    slack = SlackSender(bot.url, fake)

    # Only an admin may change the language; the refusal speaks the person's language.
    assert slack.command(ANNA, CHANNEL, "language zh")[0] == 200
    fake.wait_for(lambda: any("only pulse admins" in t for t in responses(fake)))
    assert slack.command(ADMIN, CHANNEL, "language zh")[0] == 200
    fake.wait_for(lambda: any("从现在起，我在这里说中文" in t for t in responses(fake)))

    # The round opens in Chinese: the parent, the questions, the buttons.
    assert slack.command(ADMIN, CHANNEL, "pulse start")[0] == 200
    posts = fake.wait_calls("chat.postMessage", 6, timeout=30)
    parent, questions = posts[0], posts[1:]
    assert "平台成熟度脉搏调查" in parent.text
    assert "我们组织里的团队为什么用内部平台？" in questions[1].text
    labels = [b["text"]["text"] for b in buttons(questions[0]).values()]
    assert "不确定" in labels and "添加评论" in labels

    # Each clicker is told in their own language.
    for person, level in ((WANG, 3), (ANNA, 2), (LI, 3)):
        assert slack.press(person, questions[1], f"pulse_answer_{level}")[0] == 200
    fake.wait_calls("chat.postEphemeral", 3, timeout=30)
    assert "已记录" in whispers_to(fake, WANG)[0].text
    assert "Recorded: Level 2" in whispers_to(fake, ANNA)[0].text
    assert "已记录" in whispers_to(fake, LI)[0].text

    # A question is answered in the language it was asked in, in the mention's thread.
    assert slack.event(mention(ANNA, CHANNEL, "what is level 3 measurement"))[0] == 200
    assert slack.event(mention(WANG, CHANNEL, "度量的第三级是什么"))[0] == 200

    def answered() -> bool:
        said = [p.text for p in fake.of("chat.postMessage") if p.params.get("thread_ts")]
        return any(t.startswith("Measurement · Level 3 Scalable — Insights") for t in said) and any(
            t.startswith("度量 · 第 3 级（可扩展）——洞察") for t in said
        )

    fake.wait_for(answered, what="both answers, each in its question's language")

    # Private commands answer each in their own language.
    assert slack.command(ANNA, CHANNEL, "my answers")[0] == 200
    assert slack.command(WANG, CHANNEL, "my answers")[0] == 200
    fake.wait_for(lambda: any("Your answers" in t for t in responses(fake)))
    fake.wait_for(lambda: any("你的回答（仅你可见）" in t for t in responses(fake)))

    # Reminders go out in the round's language.
    assert slack.command(ADMIN, CHANNEL, "pulse remind")[0] == 200
    dms = fake.wait_for(
        lambda: [p for p in fake.of("chat.postMessage") if p.params["channel"].startswith("U")],
        what="the reminder DMs",
    )
    assert all("提醒" in dm.text for dm in dms)

    # The summary and the digest: Chinese, with the chart.
    assert slack.command(ADMIN, CHANNEL, "pulse close")[0] == 200
    summary = fake.wait_for(
        lambda: [p for p in fake.of("chat.postMessage") if p.params.get("reply_broadcast")],
        timeout=30,
        what="the summary",
    )[0]
    assert summary.text.startswith("结果：平台成熟度脉搏调查")
    assert "采纳：中位数 3，平均值 2.67" in summary.text
    assert slack.command(ADMIN, CHANNEL, "digest")[0] == 200
    fake.wait_calls("upload", timeout=30)
    digest = [p for p in fake.of("chat.postMessage") if "参与情况" in p.text]
    assert len(digest) >= 2  # the summary, then the digest
    # An answer after close: each in their own language.
    assert slack.press(ANNA, questions[1], "pulse_answer_4")[0] == 200
    fake.wait_for(lambda: any("This pulse closed" in c.text for c in whispers_to(fake, ANNA)))
