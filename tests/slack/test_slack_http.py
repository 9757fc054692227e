"""The Slack door over HTTP: signatures, malformed bodies, mentions, DMs, the slash command,
retried deliveries and rate limits, against ``maturitybot run`` and the fake Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botprocess import BotProcess
from slack_bot import health, start_bot
from slack_fake import FakeSlack
from slack_sender import SlackSender, mention

pytestmark = pytest.mark.timeout(60)
CHANNEL = "CPLATFORM"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("slack-http")
    bot = start_bot(fake, f"sqlite:///{workdir / 'bot.db'}", workdir)
    yield bot
    bot.stop()


@pytest.fixture
def slack(bot: BotProcess, fake: FakeSlack) -> SlackSender:
    return SlackSender(bot.url, fake)


def test_health_reports_http_mode(bot: BotProcess) -> None:
    slack = health(bot)["platforms"]["slack"]
    assert slack["mode"] == "http" and slack["live"] is True and slack["signed_in"] is True


def test_mention_is_answered_in_a_thread_under_it(slack: SlackSender, fake: FakeSlack) -> None:
    event = mention("UALICE", CHANNEL, "what is level 3 adoption")
    assert slack.event(event)[0] == 200
    (posted,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    assert posted.params["channel"] == CHANNEL
    header = posted.blocks()[0]
    assert header["type"] == "header" and "Adoption · Level 3" in header["text"]["text"]
    assert "Level 3" in posted.text  # the plain-text fallback
    # "Next level" answers in place: the same message now shows level 4.
    assert slack.press("UALICE", posted, "level_next")[0] == 200
    (replaced,) = fake.wait_calls("response", replace_original=True)
    assert "Level 4" in replaced.params["blocks"][0]["text"]["text"]
