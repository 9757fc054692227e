"""``maturitybot run`` wired to the fake Slack, as an operator would configure it."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from botprocess import BotProcess
from slack_fake import FakeSlack
from slack_sender import SECRET

ADMIN = "UADMIN"
BOT_TOKEN = "xoxb-test-0000-token"
APP_TOKEN = "xapp-1-test-token"


def slack_env(fake: FakeSlack, database_url: str, socket_mode: bool = False) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.api_url,
        "MATURITYBOT_ADMINS": ADMIN,
        "DATABASE_URL": database_url,
        "PULSE_MIN_RESPONSES": "3",
        "LOG_LEVEL": "INFO",
    }
    if socket_mode:
        env["SLACK_APP_TOKEN"] = APP_TOKEN
    else:
        env["SLACK_SIGNING_SECRET"] = SECRET
    return env


def start_bot(
    fake: FakeSlack, database_url: str, workdir: Path, socket_mode: bool = False
) -> BotProcess:
    return BotProcess(slack_env(fake, database_url, socket_mode), workdir).start()


def health(bot: BotProcess) -> dict:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        return json.loads(response.read())
