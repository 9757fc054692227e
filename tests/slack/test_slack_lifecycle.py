"""Starting and restarting: a rejected token stops the bot with one line; an event Slack
retries after a restart is still handled once (the dedupe lives in the database)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botprocess import free_port
from slack_bot import slack_env, start_bot
from slack_fake import FakeSlack
from slack_sender import SlackSender, mention

from conftest import maturitybot

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_a_rejected_bot_token_exits_2_with_one_line(fake: FakeSlack, tmp_path: Path) -> None:
    fake.fail("auth.test", "invalid_auth")
    env = slack_env(fake, f"sqlite:///{tmp_path / 'bot.db'}")
    env.update({"PORT": str(free_port()), "HOST": "127.0.0.1"})
    result = maturitybot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "SLACK_BOT_TOKEN" in last and "invalid_auth" in last
    assert "Traceback" not in result.stderr


def test_a_rejected_app_token_exits_2_with_one_line(fake: FakeSlack, tmp_path: Path) -> None:
    """Socket Mode would retry a bad app-level token forever; start-up refuses it instead."""
    fake.fail("apps.connections.open", "invalid_auth")
    env = slack_env(fake, f"sqlite:///{tmp_path / 'bot.db'}", socket_mode=True)
    env.update({"PORT": str(free_port()), "HOST": "127.0.0.1"})
    result = maturitybot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "SLACK_APP_TOKEN" in last and "invalid_auth" in last
    assert "Traceback" not in result.stderr


def test_a_slack_api_url_that_is_not_http_exits_2(fake: FakeSlack, tmp_path: Path) -> None:
    env = slack_env(fake, f"sqlite:///{tmp_path / 'bot.db'}")
    env.update({"PORT": str(free_port()), "HOST": "127.0.0.1", "SLACK_API_URL": "slack.com/api"})
    result = maturitybot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_API_URL" in result.stderr.strip().splitlines()[-1]


def test_a_retry_after_a_restart_is_handled_once(fake: FakeSlack, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    event = mention("URESTART", "CRESTART", "what is level 2 adoption")
    first = start_bot(fake, database, tmp_path)
    try:
        assert SlackSender(first.url, fake).event(event, event_id="EvAcrossRestart")[0] == 200
        fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    finally:
        first.stop()
    second = start_bot(fake, database, tmp_path)
    try:
        retry = SlackSender(second.url, fake).event(event, event_id="EvAcrossRestart", retry=1)
        assert retry[0] == 200
        time.sleep(0.8)
        assert len(fake.of("chat.postMessage", thread_ts=event["ts"])) == 1
        fresh = mention("URESTART", "CRESTART", "overview")
        SlackSender(second.url, fake).event(fresh)
        fake.wait_calls("chat.postMessage", thread_ts=fresh["ts"])  # the new process works
    finally:
        second.stop()
