"""Slack payloads into typed objects, at the door: nothing past the listeners sees a raw dict.

Each parser raises ``PayloadError`` when a field it needs is missing or of the wrong type;
the listener logs that and does nothing else (the request was already acknowledged).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.context import MessageRef
from bot.platforms.slack.markup import plain
from bot.wording import LANGUAGES


class PayloadError(ValueError):
    """A Slack payload without a field we need, or with one of the wrong type."""


def _optional(data: Any, *path: str) -> str | None:
    """The non-empty string at ``path`` in nested dicts, or None."""
    value = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value else None


def _required(data: Any, *path: str) -> str:
    value = _optional(data, *path)
    if value is None:
        raise PayloadError(f"missing {'.'.join(path)}")
    return value


def _is_direct(channel: str, channel_type: str | None) -> bool:
    return channel_type == "im" or channel.startswith("D")


def place_name(channel: str, direct: bool) -> str:
    """What the core calls the conversation; ``<#C…>`` shows as the channel's name in Slack."""
    return "a direct message" if direct else f"<#{channel}>"


# --- text --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """A message to the bot: a mention, a DM, a reply in a thread, or a slash command."""

    team: str
    channel: str
    user: str
    text: str
    ts: str | None = None  # the message itself (None for a slash command)
    thread_ts: str | None = None  # the thread it was said in, if any
    direct: bool = False
    user_name: str = ""
    response_url: str | None = None  # slash commands answer here
    event_id: str | None = None

    @property
    def thread(self) -> MessageRef | None:
        return MessageRef(self.channel, self.thread_ts) if self.thread_ts else None

    @property
    def reply_thread(self) -> str | None:
        """Where an answer to a channel message goes: its thread, or a new one under it."""
        return None if self.direct else (self.thread_ts or self.ts)


def message_event(body: dict[str, Any]) -> Said:
    event = body.get("event")
    channel = _required(event, "channel")
    return Said(
        team=_optional(body, "team_id") or _optional(event, "team") or "",
        channel=channel,
        user=_required(event, "user"),
        text=plain(_optional(event, "text") or ""),
        ts=_required(event, "ts"),
        thread_ts=_optional(event, "thread_ts"),
        direct=_is_direct(channel, _optional(event, "channel_type")),
        event_id=_optional(body, "event_id"),
    )


def slash_command(body: dict[str, Any]) -> Said:
    channel = _required(body, "channel_id")
    return Said(
        team=_optional(body, "team_id") or "",
        channel=channel,
        user=_required(body, "user_id"),
        text=plain(_optional(body, "text") or "") or "help",  # a bare /maturity asks for help
        direct=_is_direct(channel, None) or body.get("channel_name") == "directmessage",
        user_name=_optional(body, "user_name") or "",
        response_url=_optional(body, "response_url"),
    )


def mentions(body: dict[str, Any], user_id: str | None) -> bool:
    """Whether a message event's raw text mentions this user (the bot)."""
    raw = _optional(body.get("event"), "text") or ""
    return bool(user_id) and f"<@{user_id}" in raw


# --- buttons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pressed:
    """A button press on one of our messages, with where that message lives."""

    team: str
    user: str
    user_name: str
    channel: str
    message_ts: str | None
    thread_ts: str | None
    action_id: str
    value: dict[str, Any]
    trigger_id: str | None
    action_ts: float | None
    response_url: str | None


def button(body: dict[str, Any]) -> Pressed:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise PayloadError("missing actions")
    action = actions[0]
    try:
        value = json.loads(_required(action, "value"))
    except json.JSONDecodeError:
        raise PayloadError("button value is not JSON") from None
    if not isinstance(value, dict):
        raise PayloadError("button value is not an object")
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = _optional(body, "channel", "id") or _required(container, "channel_id")
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    try:
        action_ts = float(action.get("action_ts", ""))  # missing: ValueError
    except (TypeError, ValueError):
        action_ts = None
    return Pressed(
        team=_optional(body, "team", "id") or "",
        user=_required(body, "user", "id"),
        user_name=_optional(body, "user", "username") or _optional(body, "user", "name") or "",
        channel=channel,
        message_ts=_optional(container, "message_ts") or _optional(message, "ts"),
        thread_ts=_optional(message, "thread_ts"),
        action_id=_required(action, "action_id"),
        value=value,
        trigger_id=_optional(body, "trigger_id"),
        action_ts=action_ts,
        response_url=_optional(body, "response_url"),
    )


@dataclass(frozen=True)
class Choice:
    """The answer a pulse button carries: round, question and level (None: not sure)."""

    round_id: int
    question_id: str
    level: int | None


_QUESTION_ID = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


def choice(value: dict[str, Any], with_level: bool = True) -> Choice:
    round_id, question_id, level = value.get("r"), value.get("q"), value.get("l")
    if not isinstance(round_id, int) or isinstance(round_id, bool) or round_id < 1:
        raise PayloadError("button value without a round")
    if not isinstance(question_id, str) or not _QUESTION_ID.match(question_id):
        raise PayloadError("button value without a question")
    if with_level and level is not None and (not isinstance(level, int) or not 1 <= level <= 4):
        raise PayloadError("button value with a level outside 1-4")
    return Choice(round_id, question_id, level if with_level else None)


@dataclass(frozen=True)
class LevelStep:
    """What "Next level" / "Compare with next" were pressed on, and in which language the
    answer was (the next one speaks it too)."""

    aspect: str
    level: int
    language: str | None = None


def level_step(value: dict[str, Any]) -> LevelStep:
    aspect, level, language = value.get("a"), value.get("l"), value.get("g")
    if not isinstance(aspect, str) or not _QUESTION_ID.match(aspect):
        raise PayloadError("button value without an aspect")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 3:
        raise PayloadError("button value without a level below 4")
    known = language if isinstance(language, str) and language in LANGUAGES else None
    return LevelStep(aspect, level, known)


@dataclass(frozen=True)
class CellOpened:
    """What an "Open" button on a search or "where are we?" answer opens, and the language of
    the answer it was on."""

    aspect: str
    level: int
    language: str | None = None


def cell_opened(value: dict[str, Any]) -> CellOpened:
    aspect, level, language = value.get("a"), value.get("l"), value.get("g")
    if not isinstance(aspect, str) or not _QUESTION_ID.match(aspect):
        raise PayloadError("button value without an aspect")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 4:
        raise PayloadError("button value without a level 1-4")
    known = language if isinstance(language, str) and language in LANGUAGES else None
    return CellOpened(aspect, level, known)


# --- the comment modal -------------------------------------------------------------------


@dataclass(frozen=True)
class CommentTarget:
    """Kept in the modal's private_metadata: the question, and where to confirm."""

    round_id: int
    question_id: str
    channel: str
    thread_ts: str | None
    language: str | None = None  # the form's, for its error messages

    def dumps(self) -> str:
        return json.dumps(
            {
                "r": self.round_id,
                "q": self.question_id,
                "c": self.channel,
                "t": self.thread_ts,
                "g": self.language,
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class Comment:
    team: str
    user: str
    user_name: str
    target: CommentTarget
    text: str


def comment_submission(body: dict[str, Any], block_id: str, action_id: str) -> Comment:
    view = body["view"] if isinstance(body.get("view"), dict) else {}
    try:
        meta = json.loads(_required(view, "private_metadata"))
    except json.JSONDecodeError:
        raise PayloadError("modal metadata is not JSON") from None
    if not isinstance(meta, dict):
        raise PayloadError("modal metadata is not an object")
    found = choice(meta, with_level=False)
    values = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
    text = values.get(action_id, {}).get("value") if isinstance(values, dict) else None
    return Comment(
        team=_optional(body, "team", "id") or _optional(body, "user", "team_id") or "",
        user=_required(body, "user", "id"),
        user_name=_optional(body, "user", "username") or "",
        target=CommentTarget(
            found.round_id,
            found.question_id,
            _required(meta, "c"),
            meta.get("t") if isinstance(meta.get("t"), str) else None,
            meta.get("g") if meta.get("g") in LANGUAGES else None,
        ),
        text=text if isinstance(text, str) else "",
    )
