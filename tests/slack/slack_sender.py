"""Requests as Slack sends them: signed with the signing secret (slack_sdk's own
``SignatureVerifier.generate_signature``), events as JSON, commands and interactivity as forms.

Payloads for button presses are built from the blocks the bot posted to the fake Slack, the
way a person's click would carry them back.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from slack_fake import TEAM, Call, FakeSlack
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret-0123456789"
_ids = itertools.count(1)


class SlackSender:
    def __init__(self, bot_url: str, fake: FakeSlack, secret: str = SECRET) -> None:
        self.url = bot_url + "/slack/events"
        self.fake = fake
        self.verifier = SignatureVerifier(secret)

    def send(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sign = signature or self.verifier.generate_signature(timestamp=stamp, body=body)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # --- Events API ------------------------------------------------------------------------

    def event(
        self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(envelope(event, event_id))
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.send(body, "application/json", headers=headers if retry else None)

    # --- slash commands and interactivity ----------------------------------------------------

    def command(self, user: str, channel: str, text: str) -> tuple[int, str]:
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "platform",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/maturity",
            "text": text,
            "api_app_id": "A0001",
            "response_url": f"{self.fake.url}/response/cmd-{next(_ids)}",
            "trigger_id": f"trigger-{next(_ids)}",
        }
        return self.send(urlencode(form), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded")

    def press(self, user: str, posted: Call, action_id: str) -> tuple[int, str]:
        """Press the button ``action_id`` on a message the bot posted."""
        return self.interact(click(user, posted, action_id, self.fake.url))


def envelope(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
    }


def message_ts() -> str:
    n = next(_ids)
    return f"{1_600_000_000 + n}.{n:06d}"


def mention(user: str, channel: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": message_ts(),
        "channel": channel,
        "event_ts": message_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    user: str, channel: str, text: str, thread_ts: str | None = None, channel_type: str = "channel"
) -> dict[str, Any]:
    ts = message_ts()
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def buttons(posted: Call) -> dict[str, dict[str, Any]]:
    """The buttons of a posted message, by action id, with the block they sit in."""
    found = {}
    for block in posted.blocks():
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):  # a button beside a section's text
            elements = [*elements, block["accessory"]]
        for element in elements:
            if element.get("type") == "button":
                found[element["action_id"]] = {**element, "block_id": block.get("block_id", "b")}
    return found


def click(user: str, posted: Call, action_id: str, fake_url: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it when ``user`` presses the button."""
    button = buttons(posted)[action_id]
    channel = posted.params["channel"]
    ts = posted.ts
    message: dict[str, Any] = {
        "type": "message",
        "ts": ts,
        "text": posted.params.get("text"),
        "blocks": posted.blocks(),
        "bot_id": "BBOT",
        "user": "UBOT",
    }
    if posted.params.get("thread_ts"):
        message["thread_ts"] = posted.params["thread_ts"]
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"trigger-{next(_ids)}",
        "team": {"id": TEAM, "domain": "test"},
        "channel": {"id": channel, "name": "platform"},
        "message": message,
        "response_url": f"{fake_url}/response/act-{next(_ids)}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": button["block_id"],
                "text": button["text"],
                "value": button["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(user: str, view: dict[str, Any], text: str) -> dict[str, Any]:
    """What Slack sends when ``user`` submits the modal the bot opened with ``view``."""
    values = {
        block["block_id"]: {
            block["element"]["action_id"]: {"type": "plain_text_input", "value": text}
        }
        for block in view["blocks"]
        if block.get("type") == "input"
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": f"trigger-{next(_ids)}",
        "view": {
            "id": f"V{next(_ids):08d}",  # each opened form is a view of its own
            "team_id": TEAM,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "blocks": view["blocks"],
            "state": {"values": values},
            "hash": f"{int(time.time())}.{next(_ids):08d}",
        },
    }
