"""Slack payloads into typed objects, at the door: nothing past the listeners sees a raw dict.

Each parser raises ``PayloadError`` when a field it needs is missing or of the wrong type;
the listener logs that and does nothing else (the request was already acknowledged).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from bot.context import MAX_ID, MessageRef
from bot.platforms.slack.markup import channel_link, plain, typed
from bot.platforms.untrusted import Untrusted, json_object, key_for, seal, unseal
from bot.wording import LANGUAGES

MAX_VALUE = 2000  # Block Kit's limit on a button's value: anything longer was not ours


class PayloadError(Untrusted):
    """A Slack payload without a field we need, or with one of the wrong type."""


def _checked(read: Any, *args: Any) -> Any:
    """``read(*args)``, with an untrusted value's fault reported as the payload's."""
    try:
        return read(*args)
    except PayloadError:
        raise
    except Untrusted as error:
        raise PayloadError(str(error)) from None


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


# Slack's ids (users, channels, teams): a few upper-case letters and digits. Anything else
# names nobody, and must not become a stored conversation or person (columns are bounded).
_ID = re.compile(r"[A-Z0-9]{1,32}")
_EVENT_ID = re.compile(r"[A-Za-z0-9]{1,64}")


def _id(data: Any, *path: str) -> str:
    value = _required(data, *path)
    if not _ID.fullmatch(value):
        raise PayloadError(f"{'.'.join(path)} is not a Slack id")
    return value


def _optional_id(data: Any, *path: str) -> str | None:
    value = _optional(data, *path)
    return value if value is not None and _ID.fullmatch(value) else None


def _is_direct(channel: str, channel_type: str | None) -> bool:
    return channel_type == "im" or channel.startswith("D")


def place_name(channel: str, direct: bool) -> str:
    """What the core calls the conversation; a channel link shows as the channel's name."""
    return "a direct message" if direct else channel_link(channel)


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
    channel = _id(event, "channel")
    return Said(
        team=_optional_id(body, "team_id") or _optional_id(event, "team") or "",
        channel=channel,
        user=_id(event, "user"),
        text=plain(_optional(event, "text") or ""),
        ts=_required(event, "ts"),
        thread_ts=_optional(event, "thread_ts"),
        direct=_is_direct(channel, _optional(event, "channel_type")),
        event_id=_event_id(body),
    )


def _event_id(body: dict[str, Any]) -> str | None:
    """The envelope's event id ("Ev…"), kept to handle a retry once: bounded, like its column."""
    if body.get("event_id") is None:
        return None
    if not isinstance(body["event_id"], str) or not _EVENT_ID.fullmatch(body["event_id"]):
        raise PayloadError("event_id is not a Slack event id")
    return body["event_id"]


def slash_command(body: dict[str, Any]) -> Said:
    channel = _id(body, "channel_id")
    return Said(
        team=_optional_id(body, "team_id") or "",
        channel=channel,
        user=_id(body, "user_id"),
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
    value: str  # as the button carried it: read by choice, level_step or cell_opened
    trigger_id: str | None
    action_ts: float | None
    response_url: str | None


def button(body: dict[str, Any]) -> Pressed:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise PayloadError("missing actions")
    action = actions[0]
    value = action.get("value")
    if not isinstance(value, str):
        raise PayloadError("a button without a value")
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = _optional_id(body, "channel", "id") or _id(container, "channel_id")
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    action_ts = _seconds(action.get("action_ts"))
    return Pressed(
        team=_optional_id(body, "team", "id") or "",
        user=_id(body, "user", "id"),
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


def _seconds(value: object) -> float | None:
    """A Slack timestamp ("1764480000.123456") as seconds, None unless it is one."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{9,11}(\.[0-9]{1,6})?", value):
        return None
    return float(value)


@dataclass(frozen=True)
class Choice:
    """The answer a pulse button carries: round, question and level (None: not sure)."""

    round_id: int
    question_id: str
    level: int | None


_QUESTION_ID = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


def _fields(value: str | dict[str, Any]) -> dict[str, Any]:
    """A button's value: a small JSON object, never more than a button can carry."""
    return value if isinstance(value, dict) else _checked(json_object, value, MAX_VALUE)


def choice(value: str | dict[str, Any], with_level: bool = True) -> Choice:
    value = _fields(value)
    round_id, question_id, level = value.get("r"), value.get("q"), value.get("l")
    if not _is_number(round_id, MAX_ID):
        raise PayloadError("button value without a round")
    if not isinstance(question_id, str) or not _QUESTION_ID.fullmatch(question_id):
        raise PayloadError("button value without a question")
    if with_level and level is not None and not _is_number(level, 4):
        raise PayloadError("button value with a level outside 1-4")
    return Choice(round_id, question_id, level if with_level else None)


def answered(action_id: str, value: str | dict[str, Any], prefix: str) -> Choice:
    """The answer on a pulse button. Its action id names the level too (``prefix`` and the
    level, or ``not_sure``), and Slack sends both as the bot set them: when they disagree,
    the press was not made on one of the bot's buttons, whatever the signature says."""
    picked = choice(value)
    named = "not_sure" if picked.level is None else str(picked.level)
    if action_id != f"{prefix}{named}":
        raise PayloadError("button value and action id name different levels")
    return picked


def _is_number(value: object, high: int) -> TypeGuard[int]:
    """A JSON number from 1 to ``high`` as we put it on a button (never a string or a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= high


@dataclass(frozen=True)
class LevelStep:
    """What "Next level" / "Compare with next" were pressed on, and in which language the
    answer was (the next one speaks it too)."""

    aspect: str
    level: int
    language: str | None = None


def level_step(value: str) -> LevelStep:
    fields = _fields(value)
    aspect, level, language = fields.get("a"), fields.get("l"), fields.get("g")
    if not isinstance(aspect, str) or not _QUESTION_ID.fullmatch(aspect):
        raise PayloadError("button value without an aspect")
    if not _is_number(level, 3):
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


def cell_opened(value: str) -> CellOpened:
    fields = _fields(value)
    aspect, level, language = fields.get("a"), fields.get("l"), fields.get("g")
    if not isinstance(aspect, str) or not _QUESTION_ID.fullmatch(aspect):
        raise PayloadError("button value without an aspect")
    if not _is_number(level, 4):
        raise PayloadError("button value without a level 1-4")
    known = language if isinstance(language, str) and language in LANGUAGES else None
    return CellOpened(aspect, level, known)


# --- the comment modal -------------------------------------------------------------------


def metadata_key(secret: str) -> bytes:
    """The key that seals our modals' private_metadata, derived from a configured secret."""
    return key_for(secret, "slack modal metadata")


MAX_METADATA = 3000  # Slack's limit on a view's private_metadata
MAX_COMMENT_INPUT = 3000  # the form allows 2000; more was not typed into it


@dataclass(frozen=True)
class CommentTarget:
    """Kept in the modal's private_metadata, sealed: the question, who may comment through this
    form, and where to confirm. A changed metadata is refused (``comment_submission``)."""

    round_id: int
    question_id: str
    user: str
    channel: str
    thread_ts: str | None
    language: str | None = None  # the form's, for its error messages

    def dumps(self, key: bytes) -> str:
        fields = {
            "r": self.round_id,
            "q": self.question_id,
            "u": self.user,
            "c": self.channel,
            "t": self.thread_ts,
            "g": self.language,
        }
        return seal(json.dumps(fields, separators=(",", ":")), key)


@dataclass(frozen=True)
class Comment:
    team: str
    user: str
    user_name: str
    target: CommentTarget
    text: str
    # The submitted view ("V…" and its hash): a form closes when accepted, so the same view
    # submitted again is a replayed request, handled once.
    view: str | None = None


def comment_submission(body: dict[str, Any], block_id: str, action_id: str, key: bytes) -> Comment:
    """The comment typed into our modal; its target only as we sealed it, for the person we
    opened it for (a form opened for someone else, or changed metadata, is refused)."""
    view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
    sealed = _required(view, "private_metadata")
    meta = _checked(json_object, _checked(unseal, sealed, key), MAX_METADATA)
    found = choice(meta, with_level=False)
    user = _id(body, "user", "id")
    if meta.get("u") != user:
        raise PayloadError("a comment form opened for someone else")
    text = _input(view, block_id, action_id)
    return Comment(
        team=_optional_id(body, "team", "id") or _optional_id(body, "user", "team_id") or "",
        user=user,
        user_name=_optional(body, "user", "username") or "",
        target=CommentTarget(
            found.round_id,
            found.question_id,
            user,
            _id(meta, "c"),
            meta.get("t") if isinstance(meta.get("t"), str) else None,
            meta.get("g") if meta.get("g") in LANGUAGES else None,
        ),
        text=text,
        view=_view_key(view),
    )


_VIEW_PART = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _view_key(view: dict[str, Any]) -> str | None:
    parts = (view.get("id"), view.get("hash"))
    if all(isinstance(part, str) and _VIEW_PART.fullmatch(part) for part in parts):
        return f"view:{parts[0]}:{parts[1]}"
    return None


def _input(view: dict[str, Any], block_id: str, action_id: str) -> str:
    """A plain text input's value in ``view.state``; empty when the field was left empty."""
    value: Any = view.get("state")
    for key in ("values", block_id, action_id):
        value = value.get(key) if isinstance(value, dict) else None
    text = value.get("value") if isinstance(value, dict) else None
    if text is None:
        return ""
    if not isinstance(text, str) or len(text) > MAX_COMMENT_INPUT:
        raise PayloadError("a comment that is not text of at most 3000 characters")
    return typed(text)
