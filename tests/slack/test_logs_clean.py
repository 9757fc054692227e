"""Logs of a whole scenario, as operators collect them: one JSON object a line, and not a
token, secret, comment or answer anywhere in them, even at DEBUG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botprocess import BotProcess
from slack_bot import ADMIN, APP_TOKEN, BOT_TOKEN, slack_env
from slack_fake import BOT_USER, FakeSlack
from slack_sender import SECRET, SlackSender, buttons, message, view_submission

pytestmark = pytest.mark.timeout(120)
CHANNEL = "CLOGS"
PEOPLE = ["ULOG1", "ULOG2", "ULOG3"]
COMMENT = "our portal is confidential-remark-7731"
TYPED = "typed-remark-4417"


def test_a_full_scenario_logs_nothing_secret(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    fake.members[CHANNEL] = [BOT_USER, ADMIN, *PEOPLE]
    env = {
        **slack_env(fake, f"sqlite:///{tmp_path / 'bot.db'}"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
        "TEAMS_ENABLED": "true",
        "MICROSOFT_APP_PASSWORD": "teams-password-that-must-not-leak",
    }
    bot = BotProcess(env, tmp_path).start()
    try:
        slack = SlackSender(bot.url, fake)
        slack.event(message("ULOG1", "DLOG", "what is level 2 adoption", channel_type="im"))
        assert slack.command(ADMIN, CHANNEL, "pulse start")[0] == 200
        posts = fake.wait_calls("chat.postMessage", 6, timeout=30, channel=CHANNEL)
        parent, questions = posts[0], posts[1:]
        for n, person in enumerate(PEOPLE):
            for question in questions:
                action = f"pulse_answer_{n + 1}"
                assert action in buttons(question)
                assert slack.press(person, question, action)[0] == 200
        assert slack.press(PEOPLE[0], questions[1], "pulse_comment")[0] == 200
        (opened,) = fake.wait_calls("views.open")
        view = opened.params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert slack.interact(view_submission(PEOPLE[0], view, COMMENT))[0] == 200
        slack.event(message(PEOPLE[1], CHANNEL, f"adoption 4 -- {TYPED}", thread_ts=parent.ts))
        fake.wait_calls("chat.postEphemeral", 3 * 5 + 2, timeout=30)
        assert slack.command(ADMIN, CHANNEL, "pulse close")[0] == 200
        fake.wait_for(
            lambda: any("Results:" in c.text for c in fake.of("chat.postMessage")),
            what="the summary",
        )
        assert slack.command(ADMIN, CHANNEL, "digest")[0] == 200
        fake.wait_calls("files.completeUploadExternal", timeout=30)
    finally:
        bot.stop()
        fake.stop()

    logs = bot.logs()
    lines = [line for line in logs.splitlines() if line.strip()]
    assert len(lines) > 5
    for line in lines:
        entry = json.loads(line)  # one JSON object a line
        assert {"time", "level", "logger", "message"} <= set(entry)
    for secret in (BOT_TOKEN, SECRET, APP_TOKEN, "teams-password-that-must-not-leak"):
        assert secret not in logs
    for content in (COMMENT, TYPED, "what is level 2 adoption"):
        assert content not in logs
    listening = [m for m in (json.loads(line)["message"] for line in lines) if "listening" in m]
    assert len(listening) == 1 and "event loop: uvloop" in listening[0]  # the whole run on it
