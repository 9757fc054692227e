"""Socket Mode through a fake Socket Mode server: the bot opens the connection with its app
token, acknowledges each envelope on the socket and answers through the Web API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from botprocess import BotProcess
from slack_bot import APP_TOKEN, health, start_bot
from slack_fake import TEAM, FakeSlack
from slack_sender import envelope, mention

pytestmark = pytest.mark.timeout(60)
CHANNEL = "CSOCKET"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake: FakeSlack, tmp_path: Path) -> Iterator[BotProcess]:
    bot = start_bot(fake, f"sqlite:///{tmp_path / 'bot.db'}", tmp_path, socket_mode=True)
    yield bot
    bot.stop()


def acked(fake: FakeSlack, envelope_id: str) -> list[dict]:
    return [m for m in fake.socket_received if m.get("envelope_id") == envelope_id]


def test_an_event_over_socket_mode_is_acked_and_answered(bot: BotProcess, fake: FakeSlack) -> None:
    fake.wait_for(lambda: fake.socket_connected, what="the bot's Socket Mode connection")
    opened = fake.of("apps.connections.open")  # the start-up check, then the connection
    assert len(opened) == 2 and all(call.token == APP_TOKEN for call in opened)
    fake.wait_for(lambda: health(bot)["platforms"]["slack"]["live"], what="live health")
    assert health(bot)["platforms"]["slack"]["mode"] == "socket"

    event = mention("USOCK", CHANNEL, "what is level 2 measurement")
    fake.socket_send(
        {
            "envelope_id": "env-event-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": envelope(event),
        }
    )
    fake.wait_for(lambda: acked(fake, "env-event-1"), what="the envelope's ack")
    (answer,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    assert answer.params["channel"] == CHANNEL and "Measurement" in answer.text


def test_a_slash_command_over_socket_mode(bot: BotProcess, fake: FakeSlack) -> None:
    fake.wait_for(lambda: fake.socket_connected, what="the bot's Socket Mode connection")
    command = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "channel_name": "platform",
        "user_id": "USOCK",
        "user_name": "sock",
        "command": "/maturity",
        "text": "overview",
        "response_url": f"{fake.url}/response/socket-1",
        "trigger_id": "trigger-socket",
    }
    fake.socket_send(
        {
            "envelope_id": "env-command-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": command,
        }
    )
    fake.wait_for(lambda: acked(fake, "env-command-1"), what="the command's ack")
    (answer,) = fake.wait_calls("response", response_id="socket-1")
    assert answer.params["response_type"] == "ephemeral" and "5 aspects" in answer.params["text"]
    assert urlencode  # the same form fields Slack sends over HTTP, here as a JSON object


def test_a_malformed_payload_over_socket_mode_is_acked_and_goes_no_further(
    bot: BotProcess, fake: FakeSlack
) -> None:
    """The same shape check as the HTTP door: acknowledged (no resend), not read by Bolt."""
    fake.wait_for(lambda: fake.socket_connected, what="the bot's Socket Mode connection")
    for n, payload in enumerate(
        [
            {"type": "event_callback", "event": "typed"},
            {"type": "block_actions", "actions": [], "user": {"id": "USOCK"}},
            {"type": "view_submission", "view": {"callback_id": "pulse_comment_view"}},
        ]
    ):
        fake.socket_send({"envelope_id": f"env-bad-{n}", "type": "interactive", "payload": payload})
        fake.wait_for(lambda n=n: acked(fake, f"env-bad-{n}"), what="the envelope's ack")
    assert "Traceback" not in bot.logs()
    assert bot.logs().count("refused a malformed Socket Mode payload") == 3
