"""The fake Slack's running counts (what the scale benchmark polls) agree with the calls it
recorded: answered calls only, by method and by channel, in process and over its HTTP view."""

from __future__ import annotations

import json
import urllib.request

import pytest
from slack_fake import FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

pytestmark = pytest.mark.timeout(60)


def test_counts_match_the_recorded_calls() -> None:
    fake = FakeSlack().start()
    try:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        for channel, times in (("C1", 3), ("C2", 2)):
            for n in range(times):
                client.chat_postMessage(channel=channel, text=f"post {n}")
        posted = client.chat_postMessage(channel="C1", text="to edit")
        client.chat_update(channel="C1", ts=posted["ts"], text="edited")
        fake.throttle("chat.postMessage", times=1)  # a 429 is not an answered call
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C2", text="refused")

        for method, channel in [
            ("chat.postMessage", None),
            ("chat.postMessage", "C1"),
            ("chat.postMessage", "C2"),
            ("chat.update", None),
            ("chat.update", "C2"),
        ]:
            match = {"channel": channel} if channel else {}
            expected = len(fake.of(method, **match))
            assert fake.count(method, channel) == expected, (method, channel)
            query = f"?count=1&channel={channel}" if channel else "?count=1"
            with urllib.request.urlopen(f"{fake.url}/_calls/{method}{query}") as answer:
                assert json.load(answer) == {"count": expected}
        assert fake.count("chat.postMessage") == 6
        assert fake.count("chat.postMessage", "C2") == 2
        assert fake.count("chat.update", "C1") == 1
    finally:
        fake.stop()
