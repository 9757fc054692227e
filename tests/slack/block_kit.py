"""Block Kit conformance of what the bot sends, checked by slack_sdk's own block models.

The fake Slack runs this on every message, update, ephemeral, response and view the bot
sends, in every Slack test: each block must parse into slack_sdk's model, pass its
``validate_json`` (lengths, counts, required fields) and come back the same from ``to_dict``
(nothing unknown); a message has at most 50 blocks, a view 100. And no text Slack reads as
markup may carry a mention, a broadcast or link markup the bot did not mean: the ``text``
fallback only ever links the bot's own channel names, and no mrkdwn anywhere holds ``<@…>``,
``<!…>`` or ``<#…|…>`` (user text is escaped, so whatever people typed shows as typed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

CHECKED = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response")
VIEWS = ("views.open", "views.publish", "views.update", "views.push")
# In the plain-text fallback: only a channel link the bot wrote, nothing else in angle brackets.
_FALLBACK_MARKUP = re.compile(r"<(?!#[A-Z0-9]+>)")
# Anywhere Slack reads mrkdwn: never a mention or broadcast, never a labelled channel link.
_NOTIFYING = re.compile(r"<[@!]|<#[^>]*\|")


def problems(method: str, params: dict[str, Any]) -> list[str]:
    """What is wrong with one call's payload (nothing for calls without Block Kit)."""
    if method in VIEWS:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        return _view(view) if isinstance(view, dict) else [f"{method}: no view"]
    if method not in CHECKED:
        return []
    found: list[str] = []
    text = params.get("text")
    if isinstance(text, str):
        if _FALLBACK_MARKUP.search(text):
            found.append(f"{method}: markup in the text fallback: {text[:200]!r}")
        if _NOTIFYING.search(text):
            found.append(f"{method}: a mention or broadcast in text: {text[:200]!r}")
    blocks = params.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    if blocks is None:
        return found
    if not isinstance(blocks, list) or len(blocks) > 50:
        return [*found, f"{method}: blocks is not a list of at most 50"]
    return found + [f"{method}: {problem}" for block in blocks for problem in _block(block)]


def _view(view: dict[str, Any]) -> list[str]:
    found: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError) as error:
        found.append(f"view: {error}")
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        found.append("view: more than 100 blocks")
    return found + [problem for block in blocks for problem in _block(block)]


def _block(block: dict[str, Any]) -> list[str]:
    parsed = Block.parse(block)
    if parsed is None:
        return [f"unknown block {block.get('type')!r}"]
    try:
        parsed.validate_json()
    except SlackObjectFormationError as error:
        return [f"{block.get('type')} block: {error}"]
    if parsed.to_dict() != block:
        return [f"{block.get('type')} block changes in slack_sdk's model: {block}"]
    return [
        f"a mention or broadcast in a block: {text[:200]!r}"
        for text in _mrkdwn(block)
        if _NOTIFYING.search(text)
    ]


def _mrkdwn(value: object) -> list[str]:
    """Every mrkdwn text in a block."""
    if isinstance(value, list):
        return [text for item in value for text in _mrkdwn(item)]
    if not isinstance(value, dict):
        return []
    own = (
        [value["text"]]
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str)
        else []
    )
    return own + [
        text for key, item in value.items() if key != "text" or not own for text in _mrkdwn(item)
    ]
