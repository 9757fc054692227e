"""Block Kit's building blocks and limits, kept here once: 50 blocks a message, 3000
characters a section, 150 a header, 75 a button label, 2000 a button value. Everything
shown is escaped, because Slack reads sections, contexts and ``text`` as mrkdwn."""

from __future__ import annotations

import json
from typing import Any

from bot.platforms.slack.markup import escape
from bot.platforms.text import BULLET
from bot.wording import Say

Block = dict[str, Any]

# Action and view ids: the listeners in app.py match on these.
ANSWER_ACTION = "pulse_answer_"  # + level number or "not_sure"
COMMENT_ACTION = "pulse_comment"
NEXT_LEVEL_ACTION = "level_next"
COMPARE_ACTION = "level_compare"
OPEN_ACTION = "level_open_"  # + the match's place in the answer (ids are unique per message)
COMMENT_VIEW = "pulse_comment_view"
COMMENT_BLOCK = "comment"
COMMENT_INPUT = "text"

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_TEXT = 3000  # fallback text: notifications show only the start anyway


def button_value(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def said(value: Say | str) -> str:
    """Rendered and escaped: catalog sentences carry content and user text in parameters."""
    return escape(str(value))


def header(text: Say | str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(str(text), MAX_HEADER)}}


def section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(markdown, MAX_SECTION)}}


def sections(heading: str, lines: list[str]) -> list[Block]:
    """A heading and lines, split over as many sections as the text needs: a long comment is
    never cut off, and never drops the ones after it."""
    blocks: list[Block] = []
    current = heading
    for line in lines:
        line = cut(line, MAX_SECTION - 1)
        if current and len(current) + 1 + len(line) > MAX_SECTION:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def context(markdown: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(markdown, 2000)}]}


def button(label: Say | str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(str(label), MAX_BUTTON)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def section_with(markdown: str, accessory: Block) -> Block:
    """A section with an element beside its text (a button that opens what it describes)."""
    return {**section(markdown), "accessory": accessory}


def bullets(items: list[str] | tuple[str, ...] | list[Say] | tuple[Say, ...]) -> str:
    return "\n".join(f"{BULLET} {said(item)}" for item in items)
