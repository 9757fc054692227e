"""Block Kit rendering of every reply, with the plain-text rendering as the message's ``text``
(what notifications and screen readers show). Layout only: sentences come from the catalog,
in the language in force; everything else shown (content, user text) is escaped, in the
blocks and in ``text`` alike, because Slack reads both as mrkdwn.

Slack's limits are kept here, once: 50 blocks a message, 3000 characters a section, 150 a
header, 75 a button label, 2000 a button value.
"""

from __future__ import annotations

import json
from functools import singledispatch
from typing import Any

from bot import phrases
from bot.model import Level
from bot.platforms.slack.markup import escape
from bot.platforms.text import BULLET, confirm_hint, first_sentence, render
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
from bot.wording import Moment, Say, t, tn

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
        blocks = [
            *blocks[: MAX_BLOCKS - 1],
            _context(escape(str(t("(shortened to fit in one message)")))),
        ]
    text = _cut(escape(render(reply)), MAX_TEXT)
    return {"text": text, "blocks": blocks} if blocks else {"text": text}


def button_value(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


# --- building blocks -----------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _e(value: Say | str) -> str:
    """Rendered and escaped: catalog sentences carry content and user text in parameters."""
    return escape(str(value))


def _header(text: Say | str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(str(text), MAX_HEADER)}}


def _section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(markdown, MAX_SECTION)}}


def _sections(heading: str, lines: list[str]) -> list[Block]:
    """A heading and lines, split over as many sections as the text needs: a long comment is
    never cut off, and never drops the ones after it."""
    blocks: list[Block] = []
    current = heading
    for line in lines:
        line = _cut(line, MAX_SECTION - 1)
        if current and len(current) + 1 + len(line) > MAX_SECTION:
            blocks.append(_section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(_section(current))
    return blocks


def _context(markdown: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(markdown, 2000)}]}


def _button(label: Say | str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _cut(str(label), MAX_BUTTON)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _bullets(items: list[str] | tuple[str, ...] | list[Say]) -> str:
    return "\n".join(f"{BULLET} {_e(item)}" for item in items)


# --- answers about the model ---------------------------------------------------------------


@singledispatch
def render_blocks(reply: object) -> list[Block]:
    raise TypeError(f"no Block Kit rendering for {type(reply).__name__}")


@render_blocks.register
def _(reply: LevelAnswer) -> list[Block]:
    aspect, level, generic = reply.aspect, reply.level, reply.generic
    blocks = [
        _header(
            t(
                "{aspect} · {level}",
                aspect=aspect.name,
                level=phrases.level_label(level.number, generic),
            )
        ),
        _section(f"*{escape(level.title)}*\n{escape(level.description)}"),
        _section(f"*{_e(phrases.characteristics())}*\n{_bullets(level.characteristics)}"),
        _section(_e(phrases.example(level.scenarios[0]))),
    ]
    nxt = reply.next_level
    if nxt is not None:
        blocks.append(_context(_e(phrases.next_level(nxt))))
        value = button_value(a=aspect.key, l=level.number)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(t("Next level"), NEXT_LEVEL_ACTION, value, style="primary"),
                    _button(t("Compare with next"), COMPARE_ACTION, value),
                ],
            }
        )
    else:
        blocks.append(_context(_e(phrases.top_level())))
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
    hint = t(
        'Ask about one aspect for the detail, e.g. "level {number} {aspect}".',
        number=generic.number,
        aspect=reply.rows[0][0].key,
    )
    return [
        _header(phrases.generic_heading(generic)),
        _section(escape(generic.summary)),
        _section("\n".join(lines)),
        _context(f"{_e(hint)} {escape(reply.attribution)}"),
    ]


@render_blocks.register
def _(reply: AspectAnswer) -> list[Block]:
    aspect = reply.aspect
    levels = "\n".join(
        f"*{level.number}. {escape(generic.name)} — {escape(level.title)}*\n"
        f"{escape(first_sentence(level.description))}"
        for generic, level in zip(reply.generics, aspect.levels, strict=True)
    )
    hint = t('Ask "level 3 {aspect}" for one level in detail.', aspect=aspect.key)
    return [
        _header(aspect.name),
        _section(f"_{escape(aspect.question)}_\n{escape(aspect.intro)}"),
        _section(levels),
        _context(f"{_e(hint)} {escape(reply.attribution)}"),
    ]


@render_blocks.register
def _(reply: OverviewAnswer) -> list[Block]:
    model = reply.model
    levels = ", ".join(f"{g.number} {escape(g.name)}" for g in model.levels)
    blocks = [
        _header(model.attribution.model),
        _section(
            f"{_e(phrases.overview_line(len(model.aspects)))}\n"
            f"*{_e(phrases.levels_heading())}* {levels}"
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
            + _e(phrases.first_move(aspect.level(reply.lower + 1).how_to_get_here[0]))
            for aspect, low, high in reply.pairs
        ]
        heading = t(
            "From level {lower} {low} to {upper} {high}",
            lower=reply.lower,
            low=low_generic.name,
            upper=reply.upper,
            high=high_generic.name,
        )
        return [_header(heading), _section("\n".join(lines)), _context(escape(reply.attribution))]
    ((_, low, high),) = reply.pairs
    steps = [reply.aspect.level(n) for n in range(low.number + 1, high.number + 1)]
    moves = "\n".join(
        (f"_{_e(phrases.to_level(step))}_\n" if len(steps) > 1 else "")
        + _bullets(step.how_to_get_here)
        for step in steps
    )
    heading = t(
        "{aspect}: level {low} → {high}", aspect=reply.aspect.name, low=low.number,
        high=high.number,
    )  # fmt: skip
    return [
        _header(heading),
        _section(
            f"*{_e(phrases.at_level(low, low_generic))}* {escape(low.title)}\n"
            f"{escape(low.description)}"
        ),
        _section(
            f"*{_e(phrases.at_level(high, high_generic))}* {escape(high.title)}\n"
            f"{escape(high.description)}"
        ),
        _section(f"*{_e(phrases.moves_heading())}*\n{moves}"),
        _context(escape(reply.attribution)),
    ]


@render_blocks.register
def _(reply: HelpAnswer) -> list[Block]:
    blocks = [
        _section(
            f"{_e(phrases.introduction())} {_e(phrases.ask_examples())}\n"
            + _bullets(reply.examples)
        )
    ]
    if reply.commands:
        lines = []
        for command in reply.commands:
            meaning = _e(command.meaning)
            if command.admin:
                meaning += f" ({_e(phrases.admins_only())})"
            lines.append(f"`{escape(command.usage)}` — {meaning}")
        blocks += _sections(f"*{_e(phrases.pulse_commands())}*", lines)
    return blocks


@render_blocks.register
def _(reply: UnknownAnswer) -> list[Block]:
    return [_section(escape(render(reply)))]


@render_blocks.register
def _(reply: Notice) -> list[Block]:
    heading = f"*{_e(reply.heading)}*" if reply.heading is not None else ""
    body = [_e(reply.text)] if str(reply.text) else []
    lines = body + [f"{BULLET} {_e(line)}" for line in reply.lines]
    return _sections(heading, lines)


@render_blocks.register
def _(reply: Refusal) -> list[Block]:
    return [_section(f":no_entry_sign: {_e(reply.text)}")]


@render_blocks.register
def _(reply: Confirm) -> list[Block]:
    return [_section(f"{_e(reply.text)}\n{_e(confirm_hint(reply))}")]


# --- pulse ---------------------------------------------------------------------------------


@render_blocks.register
def _(reply: PulseParent) -> list[Block]:
    detail = tn(
        "*{survey}*: {n} question in this thread, closes *{moment}*. Click the level that "
        "fits best; you can change your answer until then.",
        "*{survey}*: {n} questions in this thread, closes *{moment}*. Click the level that "
        "fits best; you can change your answer until then.",
        reply.question_count,
        survey=escape(reply.template_name),
        moment=Moment(reply.closes_at, reply.timezone, zone_shown=True),
    )
    return [
        _header(phrases.round_title(reply.title)),
        _section(str(detail)),
        _context(_e(phrases.confidential())),
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
    if reply.closed:
        blocks.append(_context(_e(phrases.closed_count(reply.responses))))
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
            phrases.not_sure(),
            f"{ANSWER_ACTION}not_sure",
            button_value(r=reply.round_id, q=question.id),
        )
    )
    blocks.append({"type": "actions", "block_id": f"answer:{question.id}", "elements": buttons})
    blocks.append(
        {
            "type": "actions",
            "block_id": f"more:{question.id}",
            "elements": [
                _button(
                    t("Add a comment"),
                    COMMENT_ACTION,
                    button_value(r=reply.round_id, q=question.id),
                )
            ],
        }
    )
    count = t("{responses} · only totals are shown", responses=phrases.responses(reply.responses))
    blocks.append(_context(_e(count)))
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
        blocks.insert(2, _context(_e(phrases.trend_over(reply.rounds_compared))))
    return blocks


def _summary_blocks(summary: RoundSummary) -> list[Block]:
    blocks = [
        _header(phrases.results_title(summary.title)),
        _context(_e(phrases.participation(summary))),
    ]
    scores = [_e(phrases.score_line(score, summary.min_responses)) for score in summary.scores]
    blocks += _sections("", [f"{BULLET} {line}" for line in scores])
    weakest = phrases.weakest(summary)
    if weakest is not None and summary.weakest_next is not None:
        blocks.append(
            _section(f"*{_e(weakest)}*\n{_bullets(summary.weakest_next.how_to_get_here)}")
        )
    comments = [
        f"{BULLET} _{escape(score.aspect.name)}:_ {escape(comment)}"
        for score in summary.scores
        if not score.hidden
        for comment in score.comments
    ]
    if comments:
        room = MAX_BLOCKS - len(blocks) - 2  # keep the attribution and a note
        said = _sections(f"*{_e(phrases.comments_heading())}*", comments)
        if len(said) > room:
            left_out = t("More comments did not fit in this message.")
            said = [*said[: max(room - 1, 0)], _context(_e(left_out))]
        blocks += said
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
        "title": {"type": "plain_text", "text": _cut(str(t("Add a comment")), 24)},
        "submit": {"type": "plain_text", "text": _cut(str(t("Save")), 24)},
        "close": {"type": "plain_text", "text": _cut(str(t("Cancel")), 24)},
        "blocks": [
            _section(escape(question_text)),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": str(t("Your comment"))},
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
            _context(
                _e(
                    t(
                        "Comments appear in the summary without your name, and only for "
                        "aspects with enough responses."
                    )
                )
            ),
        ],
    }
