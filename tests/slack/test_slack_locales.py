"""Each person's Slack language, learned the way a large workspace needs: the whole workspace
from ``users.list`` at sign-in, a ``user_change`` event for one person, ``users.info`` only for
someone the list did not name, and never twice at once for the same person."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from botprocess import BotProcess
from slack_bot import ADMIN, start_bot
from slack_fake import BOT_USER, FakeSlack
from slack_sdk.web.async_client import AsyncWebClient
from slack_sender import SlackSender

from bot.platforms.slack.locales import Locales

pytestmark = pytest.mark.timeout(120)
CHANNEL = "CLOCALE"
WANG, ANNA = "UWANG", "UANNA"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def locales_of(fake: FakeSlack) -> Locales:
    return Locales(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))


def test_one_question_per_person_however_many_clicks_arrive_together(fake: FakeSlack) -> None:
    fake.locales["UNEW"] = "zh-CN"

    async def five_at_once() -> list[str | None]:
        locales = locales_of(fake)
        found = await asyncio.gather(*(locales.of("UNEW") for _ in range(5)))
        found.append(await locales.of("UNEW"))  # and kept afterwards
        return list(found)

    assert asyncio.run(five_at_once()) == ["zh"] * 6
    assert len(fake.of("users.info")) == 1


def test_the_workspace_is_learned_page_by_page_and_asked_no_more(fake: FakeSlack) -> None:
    fake.page_limit = 2
    fake.locales |= {"U1": "zh-CN", "U2": "en-GB", "U3": "zh-TW", "U4": "fr-FR"}
    fake.people = ["U5"]

    async def learn() -> tuple[bool, list[str | None]]:
        locales = locales_of(fake)
        learned = await locales.learn_workspace()
        return learned, [await locales.of(user) for user in ("U1", "U2", "U3", "U4", "U5")]

    learned, languages = asyncio.run(learn())
    assert learned
    # French is not a language of the bot: that person reads the conversation's language.
    assert languages == ["zh", "en", "zh", None, "en"]
    assert len(fake.of("users.list")) == 3  # five people, two a page
    assert fake.of("users.info") == []


def test_without_the_list_each_person_is_asked_once(fake: FakeSlack) -> None:
    fake.locales["U1"] = "zh-CN"
    fake.fail("users.list", "missing_scope")

    async def learn() -> tuple[bool, str | None, str | None]:
        locales = locales_of(fake)
        learned = await locales.learn_workspace()
        return learned, await locales.of("U1"), await locales.of("U1")

    assert asyncio.run(learn()) == (False, "zh", "zh")
    assert len(fake.of("users.info")) == 1


@pytest.fixture
def bot(fake: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    fake.members[CHANNEL] = [BOT_USER, ADMIN, WANG, ANNA]
    fake.locales |= {WANG: "zh-CN", ANNA: "en-GB"}
    bot = start_bot(fake, database_url, tmp_path)
    fake.wait_calls("users.list")  # the workspace, learned at sign-in
    yield bot
    bot.stop()


def test_private_replies_follow_the_workspace_and_a_changed_language(
    bot: BotProcess, fake: FakeSlack
) -> None:
    slack = SlackSender(bot.url, fake)
    assert slack.command(ADMIN, CHANNEL, "pulse start")[0] == 200
    questions = fake.wait_calls("chat.postMessage", 6, timeout=30)[1:]

    assert slack.press(WANG, questions[0], "pulse_answer_3")[0] == 200
    assert slack.press(ANNA, questions[0], "pulse_answer_2")[0] == 200
    fake.wait_calls("chat.postEphemeral", 2, timeout=30)
    said = {c.params["user"]: c.text for c in fake.of("chat.postEphemeral")}
    assert "已记录" in said[WANG]
    assert "Recorded: Level 2" in said[ANNA]
    assert fake.of("users.info") == []  # the list named both

    # Anna switches Slack to Chinese: Slack says so with user_change, and she is answered in it.
    fake.locales[ANNA] = "zh-CN"
    event = {"type": "user_change", "user": {"id": ANNA, "locale": "zh-CN"}}
    assert slack.event(event)[0] == 200
    assert slack.press(ANNA, questions[1], "pulse_answer_4")[0] == 200
    fake.wait_calls("chat.postEphemeral", 3, timeout=30)
    assert "已记录" in fake.of("chat.postEphemeral")[-1].text
    assert fake.of("users.info") == []
