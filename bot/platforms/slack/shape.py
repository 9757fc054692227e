"""The shape of a Slack payload, checked at the door before Bolt reads it.

Bolt trusts the payload's shape: it reads ids from ``team``, ``user``, ``channel``,
``event``, ``message`` and ``authorizations``, matches listeners on ``actions[0].action_id``,
``view.callback_id``, ``event.type`` and ``command``, and raises (a 500) when one of them is
a list, a number or missing. A signed payload is Slack's, but signed is not well formed: every
field Bolt reads must have the type Slack documents, or the request gets a 400 here.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Fields Bolt reads as text, wherever they appear in the places it looks.
_TEXT = (
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "thread_ts",
    "response_url",
    "function_execution_id",
    "bot_access_token",
    "context_team_id",
    "context_enterprise_id",
    "callback_id",
    "subtype",
    "text",
    "ts",
    "trigger_id",
    "api_app_id",
    "token",
    "command",
    "user_team",
)
# Fields that name something: text, or an object whose ``id`` is text.
_NAMED = ("enterprise", "team", "user", "channel")
# Objects Bolt looks into for the same fields.
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")
MAX_DEPTH = 24
# Where replies to a command or a click go: a web address, or the bot would post to nowhere.
_URL = re.compile(r"https?://[\x21-\x7e]{1,2000}")


class Malformed(ValueError):
    """A payload Bolt could not read safely."""


def check(body: object) -> None:
    """Raise ``Malformed`` unless ``body`` is a payload Bolt can read without failing."""
    if not isinstance(body, dict):
        raise Malformed("not an object")
    _no_nan(body, 0)
    _common(body, "payload", nested=True)
    kind = body.get("type")
    if kind is None and not isinstance(body.get("command"), str) and "ssl_check" not in body:
        raise Malformed("neither a type nor a command")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise Malformed("an event callback without an event type")
    if "actions" in body or kind in ("block_actions", "interactive_message"):
        _actions(body.get("actions"))
    if "view" in body or kind in ("view_submission", "view_closed"):
        _view(body.get("view"))
    for key in ("response_urls", "authorizations"):
        _list_of_objects(body.get(key), key)


def _common(data: dict[str, Any], where: str, nested: bool) -> None:
    if "type" in data and not isinstance(data["type"], str):
        raise Malformed(f"{where}.type is not text")
    for key in _TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise Malformed(f"{where}.{key} is not text")
    for key in _NAMED:
        value = data.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, dict):
            raise Malformed(f"{where}.{key} is neither text nor an object")
        for inner in ("id", "team_id", "enterprise_id"):
            if value.get(inner) is not None and not isinstance(value[inner], str):
                raise Malformed(f"{where}.{key}.{inner} is not text")
    url = data.get("response_url")
    if url is not None and not _URL.fullmatch(url):
        raise Malformed(f"{where}.response_url is not a web address")
    if "is_ext_shared_channel" in data and not isinstance(data["is_ext_shared_channel"], bool):
        raise Malformed(f"{where}.is_ext_shared_channel is not a boolean")
    if not nested:
        return
    for key in _NESTED:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise Malformed(f"{where}.{key} is not an object")
        _common(value, f"{where}.{key}", nested=key == "event")
    for key in ("function_data", "container", "state"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise Malformed(f"{where}.{key} is not an object")


def _actions(actions: object) -> None:
    if not isinstance(actions, list) or not actions:
        raise Malformed("actions is not a non-empty list")
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            raise Malformed("an action without an action_id")
        for key in ("block_id", "value", "action_ts", "type"):
            if action.get(key) is not None and not isinstance(action[key], str):
                raise Malformed(f"action.{key} is not text")


def _view(view: object) -> None:
    if not isinstance(view, dict) or not isinstance(view.get("type"), str):
        raise Malformed("a view without a type")
    for key in ("callback_id", "private_metadata", "team_id", "app_installed_team_id", "id"):
        if view.get(key) is not None and not isinstance(view[key], str):
            raise Malformed(f"view.{key} is not text")
    state = view.get("state")
    if state is not None and (
        not isinstance(state, dict)
        or not isinstance(state.get("values", {}), dict)
        or not all(isinstance(block, dict) for block in state.get("values", {}).values())
    ):
        raise Malformed("view.state is not an object of blocks")


def _list_of_objects(value: object, key: str) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Malformed(f"{key} is not a list of objects")
    for item in value:
        _common(item, key, nested=False)


def _no_nan(value: object, depth: int) -> None:
    """No NaN or infinity (Python's JSON reads them, Slack never sends them) and no deep
    nesting anywhere."""
    if depth > MAX_DEPTH:
        raise Malformed("nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        raise Malformed("a number that is not finite")
    if isinstance(value, dict):
        for item in value.values():
            _no_nan(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _no_nan(item, depth + 1)
