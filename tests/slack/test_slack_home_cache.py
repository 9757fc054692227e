"""The App Home lists a person's channels once per ten minutes, not once per open: the real
slack_sdk client against the fake Slack on loopback."""

from __future__ import annotations

import asyncio

from harness import make_bot
from slack_fake import FakeSlack
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.home import HomeTab


def test_opening_home_again_reuses_the_channel_list(database_url, model, surveys, tmp_path):
    fake = FakeSlack().start()
    fake.user_channels["UKIM"] = ["C1", "C2"]

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
        home = HomeTab(bot.app, client)
        await home.opened("UKIM")
        home._published.pop("UKIM")  # as if the 30 s since the last publish had passed
        await home.opened("UKIM")
        await home.opened("UKIM")  # within those 30 s: nothing new to publish
        home._channels.pop("UKIM")  # ten minutes later: listed again
        home._published.pop("UKIM")
        await home.opened("UKIM")
        bot.close()

    try:
        asyncio.run(scenario())
        assert len(fake.of("views.publish", user_id="UKIM")) == 3
        assert len(fake.of("users.conversations", user="UKIM")) == 2
    finally:
        fake.stop()
