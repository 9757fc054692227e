"""Teams-shaped activities for tests, sent to a running bot's /api/messages.

A test reads as a conversation: ``teams.say(alice, "pulse start")`` in the channel,
``teams.dm(bob, "level 2 adoption")`` in a personal chat, ``teams.click(carol, action)`` on a
card button. What the bot says comes back through the fake connector.
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botprocess import BotProcess
from teams_connector import Call, FakeConnector

TENANT = "tenant-0001"
TEAM = "19:team-platform@thread.tacv2"
CHANNEL = "19:platform-channel@thread.tacv2"
GROUP = "19:group-chat@thread.v2"
BOT = {"id": "28:maturity-bot-id", "name": "maturity-bot"}
MENTION = "<at>maturity-bot</at>"
Json = dict[str, Any]


@dataclass(frozen=True)
class User:
    key: str
    name: str
    locale: str = "en-GB"  # what their Teams client sends with each activity

    @property
    def teams_id(self) -> str:
        return f"29:{self.key}-teams"

    @property
    def aad(self) -> str:
        return f"aad-{self.key}-0000"

    def account(self) -> Json:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}

    @property
    def traces(self) -> tuple[str, ...]:
        """What would identify this person in a message."""
        return (self.name, self.teams_id, self.aad)


def execute_actions(card: Json) -> list[Json]:
    return [a for a in card.get("actions") or [] if a.get("type") == "Action.Execute"]


def action_titled(card: Json, title: str) -> Json:
    found = [a for a in execute_actions(card) if a["title"].lstrip("✓ ") == title]
    assert found, f"no {title!r} action in {[a['title'] for a in execute_actions(card)]}"
    return found[0]


def texts(card: Json) -> str:
    """Every piece of text a person sees on a card."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "placeholder", "altText"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return "\n".join(found)


class Bots:
    """``maturitybot run`` processes for one test; all are stopped when it ends."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[BotProcess] = []

    def start(self, env: dict[str, str], role: str = "all") -> BotProcess:
        bot = BotProcess(env, self.workdir, role=role)
        self.started.append(bot)
        return bot.start()

    def __enter__(self) -> Bots:
        return self

    def __exit__(self, *exc: object) -> None:
        for bot in self.started:
            bot.stop()


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    """A fake Bot Connector for one test (import it into a test module to use it)."""
    with FakeConnector() as fake:
        yield fake


@pytest.fixture
def bots(tmp_path: Path) -> Iterator[Bots]:
    """``maturitybot run`` processes for one test, stopped when it ends."""
    with Bots(tmp_path) as started:
        yield started


class Teams:
    """Teams, as the bot sees it: activities posted to /api/messages."""

    def __init__(self, bot_url: str, connector: FakeConnector) -> None:
        self.bot_url = bot_url
        self.connector = connector
        self._ids = itertools.count(1)
        self.last_sent = b""

    # --- raw requests -------------------------------------------------------------------

    def post(
        self, body: bytes | Json, headers: dict[str, str] | None = None
    ) -> tuple[int, Json | None]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.last_sent = data  # what a replay would send again
        request = urllib.request.Request(
            self.bot_url + "/api/messages",
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw) if raw else None
            except ValueError:
                return error.code, None

    # --- activity shapes ----------------------------------------------------------------

    def _base(self, user: User, conversation: Json, channel_data: Json) -> Json:
        return {
            "id": f"act-{uuid.uuid4().hex[:12]}-{next(self._ids)}",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": user.account(),
            "recipient": dict(BOT),
            "conversation": conversation,
            "channelData": channel_data,
            "locale": user.locale,
        }

    @staticmethod
    def channel_data() -> Json:
        return {
            "teamsChannelId": CHANNEL,
            "teamsTeamId": TEAM,
            "channel": {"id": CHANNEL},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
        }

    def channel_conversation(self, root: str) -> Json:
        return {
            "id": f"{CHANNEL};messageid={root}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        }

    @staticmethod
    def personal_conversation(user: User) -> Json:
        return {"id": f"a:personal-{user.key}", "conversationType": "personal", "tenantId": TENANT}

    @staticmethod
    def group_conversation() -> Json:
        return {"id": GROUP, "conversationType": "groupChat", "isGroup": True, "tenantId": TENANT}

    def message(self, user: User, text: str, conversation: Json, channel_data: Json) -> Json:
        activity = self._base(user, conversation, channel_data)
        activity.update({"type": "message", "text": text, "textFormat": "plain"})
        return activity

    # --- conversation -------------------------------------------------------------------

    def say(self, user: User, text: str, thread: str | None = None) -> Json:
        """An @mention in the channel: a new post, or a reply in the thread of ``thread``."""
        activity = self._base(user, {}, self.channel_data())
        root = thread or activity["id"]
        activity.update(
            {
                "type": "message",
                "conversation": self.channel_conversation(root),
                "text": f"{MENTION} {text}",
                "textFormat": "plain",
                "entities": [
                    {"type": "mention", "text": MENTION, "mentioned": dict(BOT)},
                    {"type": "clientInfo", "locale": "en-GB"},
                ],
            }
        )
        self._expect_ok(activity)
        return activity

    def dm(self, user: User, text: str) -> Json:
        activity = self.message(
            user, text, self.personal_conversation(user), {"tenant": {"id": TENANT}}
        )
        self._expect_ok(activity)
        return activity

    def group(self, user: User, text: str) -> Json:
        activity = self.message(
            user, f"{MENTION} {text}", self.group_conversation(), {"tenant": {"id": TENANT}}
        )
        activity["entities"] = [{"type": "mention", "text": MENTION, "mentioned": dict(BOT)}]
        self._expect_ok(activity)
        return activity

    def install_in_team(self, user: User) -> Json:
        activity = self._base(
            user,
            {"id": CHANNEL, "conversationType": "channel", "isGroup": True, "tenantId": TENANT},
            {**self.channel_data(), "settings": {"selectedChannel": {"id": CHANNEL}}},
        )
        activity.update({"type": "installationUpdate", "action": "add"})
        self._expect_ok(activity)
        return activity

    def click(
        self, user: User, action: Json, on: Call, comment: str | None = None
    ) -> tuple[int, Json]:
        """``Action.Execute`` on the card the bot posted in ``on``: the invoke Teams sends."""
        data = dict(action["data"])
        if comment is not None:
            data["comment"] = comment
        conversation = self._conversation_of(on)
        activity = self._base(user, conversation, self._channel_data_of(conversation))
        activity.update(
            {
                "type": "invoke",
                "name": "adaptiveCard/action",
                "replyToId": on.answered_id,
                "value": {
                    "action": {"type": "Action.Execute", "verb": action["verb"], "data": data},
                    "trigger": "manual",
                },
            }
        )
        status, body = self.post(activity)
        return status, body or {}

    def view(
        self, user: User, on: Call, card: Json, trigger: str = "automatic"
    ) -> tuple[int, Json]:
        """What Teams asks for each person listed in ``card``'s ``refresh`` (trigger
        ``automatic``), or for someone pressing "Show my answer" (``manual``): an invoke
        with the refresh action, from the card's message."""
        action = card["refresh"]["action"]
        conversation = self._conversation_of(on)
        activity = self._base(user, conversation, self._channel_data_of(conversation))
        activity.update(
            {
                "type": "invoke",
                "name": "adaptiveCard/action",
                "replyToId": on.answered_id,
                "value": {
                    "action": {
                        "type": "Action.Execute",
                        "title": action["title"],
                        "verb": action["verb"],
                        "data": action["data"],
                    },
                    "trigger": trigger,
                },
            }
        )
        status, body = self.post(activity)
        return status, body or {}

    def submit(self, user: User, action: Json, on: Call, comment: str | None = None) -> Json:
        """The ``Action.Submit`` fallback of an action: a message with a ``value``."""
        data = dict(action["fallback"]["data"])
        if comment is not None:
            data["comment"] = comment
        conversation = self._conversation_of(on)
        activity = self.message(user, "", conversation, self._channel_data_of(conversation))
        activity.update({"replyToId": on.answered_id, "value": data})
        del activity["text"]
        self._expect_ok(activity)
        return activity

    def _conversation_of(self, call: Call) -> Json:
        if call.conversation.startswith(CHANNEL):
            root = call.conversation.split(";messageid=", 1)[1]
            return self.channel_conversation(root)
        if call.conversation == GROUP:
            return self.group_conversation()
        return {"id": call.conversation, "conversationType": "personal", "tenantId": TENANT}

    def _channel_data_of(self, conversation: Json) -> Json:
        if conversation["conversationType"] == "channel":
            return self.channel_data()
        return {"tenant": {"id": TENANT}}

    def _expect_ok(self, activity: Json) -> None:
        status, body = self.post(activity)
        assert status in (200, 201, 202), (status, body)
