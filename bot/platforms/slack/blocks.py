"""Block Kit rendering of every reply, with the plain-text rendering as the message's ``text``
(what notifications and screen readers show).

Slack's limits are kept here, once: 50 blocks a message, 3000 characters a section, 150 a
header, 75 a button label, 2000 a button value.
"""

from __future__ import annotations

import json
from functools import singledispatch
from typing import Any

from bot.model import Level
from bot.platforms.text import BULLET, first_sentence, render, score_line
from bot.replies import (
    AnswerRecorded,
    AspectAnswer,
    CompareAnswer,
    Confirm,
    Digest,
    HelpAnswer,
    LevelAcrossAnswer,
    LevelAnswer,
    Notice,
    OverviewAnswer,
    PulseParent,
    PulseStatus,
    Refusal,
    Reply,
    RoundSummary,
    SurveyQuestion,
    UnknownAnswer,
)
from bot.when import when

Block = dict[str, Any]

# Action and view ids: the listeners in app.py match on these.
ANSWER_ACTION = "pulse_answer_"  # + level number or "not_sure"
COMMENT_ACTION = "pulse_comment"
NEXT_LEVEL_ACTION = "level_next"
COMPARE_ACTION = "level_compare"
COMMENT_VIEW = "pulse_comment_view"
COMMENT_BLOCK = "comment"
COMMENT_INPUT = "text"

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_TEXT = 3000  # fallback text: notifications show only the start anyway


def message(reply: Reply) -> dict[str, Any]:
    """``text`` and ``blocks`` for chat.postMessage, chat.update, chat.postEphemeral, respond."""
    blocks = render_blocks(reply)
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], _context("(shortened to fit in one message)")]
    text = _cut(render(reply), MAX_TEXT)
    return {"text": text, "blocks": blocks} if blocks else {"text": text}


def escape(text: str) -> str:
    """Content is ours, but ``&``, ``<`` and ``>`` still mean markup to Slack's mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button_value(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


# --- building blocks -----------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, MAX_HEADER)}}


def _section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(markdown, MAX_SECTION)}}


def _context(markdown: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(markdown, 2000)}]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(label, MAX_BUTTON)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _bullets(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"{BULLET} {escape(item)}" for item in items)


# --- answers about the model ---------------------------------------------------------------


@singledispatch
def render_blocks(reply: object) -> list[Block]:
    """Any reply without its own layout: its plain text in one section."""
    return [_section(escape(render(reply)))]


@render_blocks.register
def _(reply: LevelAnswer) -> list[Block]:
    aspect, level, generic = reply.aspect, reply.level, reply.generic
    blocks = [
        _header(f"{aspect.name} · Level {level.number} {generic.name}"),
        _section(f"*{escape(level.title)}*\n{escape(level.description)}"),
        _section(f"*Characteristics*\n{_bullets(level.characteristics)}"),
        _section(f"_Example:_ {escape(level.scenarios[0])}"),
    ]
    nxt = reply.next_level
    if nxt is not None:
        blocks.append(_context(f"Next: Level {nxt.number} — {escape(nxt.title)}"))
        value = button_value(a=aspect.key, l=level.number)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Next level", NEXT_LEVEL_ACTION, value, style="primary"),
                    _button("Compare with next", COMPARE_ACTION, value),
                ],
            }
        )
    else:
        blocks.append(
            _context("This is the top level; the model warns it is not a goal in itself.")
        )
    blocks.append(_context(escape(reply.attribution)))
    return blocks


@render_blocks.register
def _(reply: LevelAcrossAnswer) -> list[Block]:
    generic = reply.generic
    lines = [
        f"*{escape(aspect.name)}*: {escape(level.title)}. "
        f"{escape(first_sentence(level.description))}"
        for aspect, level in reply.rows
    ]
    return [
        _header(f"Level {generic.number} — {generic.name}"),
        _section(escape(generic.summary)),
        _section("\n".join(lines)),
        _context(
            f'Ask about one aspect for the detail, e.g. "level {generic.number} '
            f'{reply.rows[0][0].key}". {escape(reply.attribution)}'
        ),
    ]


@render_blocks.register
def _(reply: AspectAnswer) -> list[Block]:
    aspect = reply.aspect
    levels = "\n".join(
        f"*{level.number}. {escape(generic.name)} — {escape(level.title)}*\n"
        f"{escape(first_sentence(level.description))}"
        for generic, level in zip(reply.generics, aspect.levels, strict=True)
    )
    return [
        _header(aspect.name),
        _section(f"_{escape(aspect.question)}_\n{escape(aspect.intro)}"),
        _section(levels),
        _context(
            f'Ask "level 3 {aspect.key}" for one level in detail. {escape(reply.attribution)}'
        ),
    ]


@render_blocks.register
def _(reply: OverviewAnswer) -> list[Block]:
    model = reply.model
    blocks = [
        _header(f"{model.attribution.model}"),
        _section(
            f"{len(model.aspects)} aspects × 4 levels. Assess each aspect on its own; no level "
            "is good or bad in itself.\n*Levels:* "
            + ", ".join(f"{g.number} {escape(g.name)}" for g in model.levels)
        ),
    ]
    blocks += [_aspect_row(aspect.name, aspect.levels) for aspect in model.aspects]
    blocks.append(_context(escape(model.attribution.line)))
    return blocks


def _aspect_row(name: str, levels: list[Level]) -> Block:
    return _section(f"*{escape(name)}*\n" + " → ".join(escape(level.title) for level in levels))


@render_blocks.register
def _(reply: CompareAnswer) -> list[Block]:
    low_generic, high_generic = reply.generics
    if reply.aspect is None:
        lines = [
            f"*{escape(aspect.name)}*: {escape(low.title)} → {escape(high.title)}\n"
            f"First move: {escape(aspect.level(reply.lower + 1).how_to_get_here[0])}"
            for aspect, low, high in reply.pairs
        ]
        return [
            _header(
                f"From level {reply.lower} {low_generic.name} to {reply.upper} {high_generic.name}"
            ),
            _section("\n".join(lines)),
            _context(escape(reply.attribution)),
        ]
    ((_, low, high),) = reply.pairs
    steps = [reply.aspect.level(n) for n in range(low.number + 1, high.number + 1)]
    moves = "\n".join(
        (f"_To level {step.number} ({escape(step.title)}):_\n" if len(steps) > 1 else "")
        + _bullets(step.how_to_get_here)
        for step in steps
    )
    return [
        _header(f"{reply.aspect.name}: level {low.number} → {high.number}"),
        _section(f"*Level {low.number} — {escape(low.title)}*\n{escape(low.description)}"),
        _section(f"*Level {high.number} — {escape(high.title)}*\n{escape(high.description)}"),
        _section(f"*Moves to get there*\n{moves}"),
        _context(escape(reply.attribution)),
    ]


@render_blocks.register
def _(reply: HelpAnswer) -> list[Block]:
    blocks = [
        _section(
            "I explain the CNCF Platform Engineering Maturity Model and run pulse surveys on "
            "it. Ask me things like:\n" + _bullets(reply.examples)
        )
    ]
    if reply.commands:
        lines = [f"`{escape(command)}` — {escape(meaning)}" for command, meaning in reply.commands]
        blocks.append(_section("*Pulse commands*\n" + "\n".join(lines)))
    return blocks


@render_blocks.register
def _(reply: UnknownAnswer) -> list[Block]:
    return [_section(escape(render(reply)))]


@render_blocks.register
def _(reply: Notice) -> list[Block]:
    if reply.heading:
        return [_section(f"*{escape(reply.heading)}*\n{escape(reply.text)}")]
    return [_section(escape(reply.text))]


@render_blocks.register
def _(reply: Refusal) -> list[Block]:
    return [_section(f":no_entry_sign: {escape(reply.text)}")]


@render_blocks.register
def _(reply: Confirm) -> list[Block]:
    return [_section(f"{escape(reply.text)}\nType “{escape(reply.phrase)}” to go ahead.")]


# --- pulse ---------------------------------------------------------------------------------


@render_blocks.register
def _(reply: PulseParent) -> list[Block]:
    return [
        _header(reply.title),
        _section(
            f"*{escape(reply.template_name)}*: {reply.question_count} questions in this thread, "
            f"closes *{when(reply.closes_at, reply.timezone)}*. Click the level that fits "
            "best; you can change your answer until then."
        ),
        _context("Answers are confidential: only totals are ever shown, never who said what."),
    ]


@render_blocks.register
def _(reply: SurveyQuestion) -> list[Block]:
    question = reply.question
    blocks = [
        _section(
            f"*{reply.position}/{reply.total} · {escape(reply.aspect.name)}*\n"
            f"{escape(question.text)}"
        )
    ]
    count = f"{reply.responses} {'response' if reply.responses == 1 else 'responses'}"
    if reply.closed:
        blocks.append(_context(f"Closed · {count}"))
        return blocks
    buttons = [
        _button(
            f"{number}. {option}" if len(option) + 3 <= MAX_BUTTON else _cut(option, MAX_BUTTON),
            f"{ANSWER_ACTION}{number}",
            button_value(r=reply.round_id, q=question.id, l=number),
        )
        for number, option in enumerate(question.options, 1)
    ]
    buttons.append(
        _button(
            "Not sure", f"{ANSWER_ACTION}not_sure", button_value(r=reply.round_id, q=question.id)
        )
    )
    blocks.append({"type": "actions", "block_id": f"answer:{question.id}", "elements": buttons})
    blocks.append(
        {
            "type": "actions",
            "block_id": f"more:{question.id}",
            "elements": [
                _button(
                    "Add a comment",
                    COMMENT_ACTION,
                    button_value(r=reply.round_id, q=question.id),
                )
            ],
        }
    )
    blocks.append(_context(f"{count} · only totals are shown"))
    return blocks


@render_blocks.register
def _(reply: AnswerRecorded) -> list[Block]:
    return []  # one line, sent on every click: the text alone says it all, and costs least


@render_blocks.register
def _(reply: PulseStatus) -> list[Block]:
    return [_section(escape(render(reply)))]


@render_blocks.register
def _(reply: RoundSummary) -> list[Block]:
    return _summary_blocks(reply)


@render_blocks.register
def _(reply: Digest) -> list[Block]:
    blocks = _summary_blocks(reply.summary)
    if reply.rounds_compared > 1:
        blocks.insert(2, _context(f"Trend over the last {reply.rounds_compared} rounds below."))
    return blocks


def _summary_blocks(summary: RoundSummary) -> list[Block]:
    lines = render(summary).splitlines()
    participation = lines[1] if len(lines) > 1 else ""
    blocks = [_header(summary.title), _context(escape(participation))]
    scores = [escape(score_line(score, summary.min_responses)) for score in summary.scores]
    blocks.append(_section("\n".join(scores)))
    if summary.weakest is not None and summary.weakest_next is not None:
        nxt = summary.weakest_next
        blocks.append(
            _section(
                f"*Weakest: {escape(summary.weakest.aspect.name)}.* Level {nxt.number} "
                f"({escape(nxt.title)}) asks for:\n{_bullets(nxt.how_to_get_here)}"
            )
        )
    comments = [
        f"{BULLET} _{escape(score.aspect.name)}:_ {escape(comment)}"
        for score in summary.scores
        if not score.hidden
        for comment in score.comments
    ]
    if comments:
        blocks.append(_section("*Comments (unattributed)*\n" + "\n".join(comments)))
    if summary.attribution:
        blocks.append(_context(escape(summary.attribution)))
    return blocks


# --- the comment modal ---------------------------------------------------------------------


def comment_view(question_text: str, metadata: str) -> Block:
    """The modal behind "Add a comment"; ``metadata`` says which round and question."""
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Add a comment"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(escape(question_text)),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": "Your comment"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
            _context(
                "Comments appear in the summary without your name, and only for aspects with "
                "enough responses."
            ),
        ],
    }
