"""Block Kit rendering of every reply, with the plain-text rendering as the message's ``text``
(what notifications and screen readers show). Layout only: sentences come from the catalog,
in the language in force; everything else shown (content, user text) is escaped, in the
blocks and in ``text`` alike, because Slack reads both as mrkdwn. Pulses have their own
module (pulse_blocks.py); the building blocks and limits are in kit.py.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from bot import phrases
from bot.model import Level
from bot.passages import Quote
from bot.platforms.slack import pulse_blocks
from bot.platforms.slack.kit import (
    COMPARE_ACTION,
    MAX_BLOCKS,
    MAX_TEXT,
    NEXT_LEVEL_ACTION,
    OPEN_ACTION,
    Block,
    bullets,
    button,
    button_value,
    context,
    cut,
    header,
    said,
    section,
    section_with,
    sections,
)
from bot.platforms.slack.markup import escape
from bot.platforms.text import (
    BULLET,
    asked_as,
    cell_line,
    command_meaning,
    confirm_hint,
    first_sentence,
    render,
)
from bot.replies import (
    AboutAnswer,
    AnswerRecorded,
    AspectAnswer,
    AssessmentOffer,
    CellMatch,
    CompareAnswer,
    Confirm,
    DiagnosisAnswer,
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
    SearchAnswer,
    SmallTalk,
    SurveyQuestion,
    UnknownAnswer,
)
from bot.wording import language, t


def message(reply: Reply) -> dict[str, Any]:
    """``text`` and ``blocks`` for chat.postMessage, chat.update, chat.postEphemeral, respond."""
    blocks = render_blocks(reply)
    if len(blocks) > MAX_BLOCKS:
        blocks = [
            *blocks[: MAX_BLOCKS - 1],
            context(escape(str(t("(shortened to fit in one message)")))),
        ]
    text = cut(escape(render(reply)), MAX_TEXT)
    return {"text": text, "blocks": blocks} if blocks else {"text": text}


# --- answers about the model ---------------------------------------------------------------


@singledispatch
def render_blocks(reply: object) -> list[Block]:
    raise TypeError(f"no Block Kit rendering for {type(reply).__name__}")


@render_blocks.register
def _(reply: LevelAnswer) -> list[Block]:
    aspect, level, generic = reply.aspect, reply.level, reply.generic
    blocks = [
        header(
            t(
                "{aspect} · {level}",
                aspect=aspect.name,
                level=phrases.level_label(level.number, generic),
            )
        ),
        section(f"*{escape(level.title)}*\n{escape(level.description)}"),
        section(f"*{said(phrases.characteristics())}*\n{bullets(level.characteristics)}"),
        section(said(phrases.example(level.scenarios[0]))),
    ]
    nxt = reply.next_level
    if nxt is not None:
        blocks.append(context(said(phrases.next_level(nxt))))
        value = button_value(a=aspect.key, l=level.number, g=language())
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button(t("Next level"), NEXT_LEVEL_ACTION, value, style="primary"),
                    button(t("Compare with next"), COMPARE_ACTION, value),
                ],
            }
        )
    else:
        blocks.append(context(said(phrases.top_level())))
    blocks.append(context(escape(reply.attribution)))
    return blocks


@render_blocks.register
def _(reply: LevelAcrossAnswer) -> list[Block]:
    generic = reply.generic
    lines = [
        said(
            t(
                "{aspect}: {title}. {sentence}",
                aspect=f"*{aspect.name}*",
                title=level.title,
                sentence=first_sentence(level.description),
            )
        )
        for aspect, level in reply.rows
    ]
    hint = t(
        'Ask about one aspect for the detail, e.g. "level {number} {aspect}".',
        number=generic.number,
        aspect=asked_as(reply.rows[0][0]),
    )
    return [
        header(phrases.generic_heading(generic)),
        section(escape(generic.summary)),
        section("\n".join(lines)),
        context(f"{said(hint)} {escape(reply.attribution)}"),
    ]


@render_blocks.register
def _(reply: AspectAnswer) -> list[Block]:
    aspect = reply.aspect
    levels = "\n".join(
        f"*{level.number}. {escape(generic.name)} — {escape(level.title)}*\n"
        f"{escape(first_sentence(level.description))}"
        for generic, level in zip(reply.generics, aspect.levels, strict=True)
    )
    hint = t('Ask "level 3 {aspect}" for one level in detail.', aspect=asked_as(aspect))
    return [
        header(aspect.name),
        section(f"_{escape(aspect.question)}_\n{escape(aspect.intro)}"),
        section(levels),
        context(f"{said(hint)} {escape(reply.attribution)}"),
    ]


@render_blocks.register
def _(reply: OverviewAnswer) -> list[Block]:
    model = reply.model
    levels = ", ".join(f"{g.number} {escape(g.name)}" for g in model.levels)
    blocks = [
        header(model.attribution.model),
        section(
            f"{said(phrases.overview_line(len(model.aspects)))}\n"
            f"*{said(phrases.levels_heading())}* {levels}"
        ),
    ]
    blocks += [_aspect_row(aspect.name, aspect.levels) for aspect in model.aspects]
    blocks.append(context(escape(model.attribution.line)))
    return blocks


def _aspect_row(name: str, levels: list[Level]) -> Block:
    return section(f"*{escape(name)}*\n" + " → ".join(escape(level.title) for level in levels))


@render_blocks.register
def _(reply: CompareAnswer) -> list[Block]:
    low_generic, high_generic = reply.generics
    if reply.aspect is None:
        lines = [
            said(phrases.labelled(f"*{aspect.name}*", f"{low.title} → {high.title}"))
            + "\n"
            + said(phrases.first_move(aspect.level(reply.lower + 1).how_to_get_here[0]))
            for aspect, low, high in reply.pairs
        ]
        heading = t(
            "From level {lower} {low} to {upper} {high}",
            lower=reply.lower,
            low=low_generic.name,
            upper=reply.upper,
            high=high_generic.name,
        )
        return [header(heading), section("\n".join(lines)), context(escape(reply.attribution))]
    ((_, low, high),) = reply.pairs
    steps = [reply.aspect.level(n) for n in range(low.number + 1, high.number + 1)]
    moves = "\n".join(
        (f"_{said(phrases.to_level(step))}_\n" if len(steps) > 1 else "")
        + bullets(step.how_to_get_here)
        for step in steps
    )
    heading = t(
        "{aspect}: level {low} → {high}", aspect=reply.aspect.name, low=low.number,
        high=high.number,
    )  # fmt: skip
    return [
        header(heading),
        section(
            f"*{said(phrases.at_level(low, low_generic))}* {escape(low.title)}\n"
            f"{escape(low.description)}"
        ),
        section(
            f"*{said(phrases.at_level(high, high_generic))}* {escape(high.title)}\n"
            f"{escape(high.description)}"
        ),
        section(f"*{said(phrases.moves_heading())}*\n{moves}"),
        context(escape(reply.attribution)),
    ]


@render_blocks.register
def _(reply: HelpAnswer) -> list[Block]:
    blocks = [
        section(
            said(phrases.sentences(phrases.introduction(), phrases.ask_examples()))
            + "\n"
            + bullets(reply.examples)
        )
    ]
    if reply.commands:
        lines = []
        for command in reply.commands:
            meaning = said(command_meaning(command))
            lines.append(f"`{escape(command.usage)}` — {meaning}")
        blocks += sections(f"*{said(phrases.pulse_commands())}*", lines)
    return blocks


# --- search, "where are we?", the model itself, small talk ---------------------------------------

_ZERO_WIDTH_SPACE = "\u200b"


def quoted(quote: Quote) -> str:
    """A quote as a Slack block quote, the words that matched in bold. Slack starts bold only
    after a space or punctuation, so next to a Chinese character a zero-width space stands in."""
    text = ""
    for piece, hit in quote.pieces():
        if not hit:
            text += escape(piece)
            continue
        before = _ZERO_WIDTH_SPACE if text and not text[-1].isascii() else ""
        text += f"{before}*{escape(piece)}*{_ZERO_WIDTH_SPACE}"
    return f"> {phrases.quoted(text)}"  # the sentence is escaped above, the quote marks are ours


def open_button(match: CellMatch, place: int) -> Block:
    """ "Open": the cell's full answer, in the language of this answer."""
    value = button_value(a=match.aspect.key, l=match.level.number, g=language())
    return button(t("Open"), f"{OPEN_ACTION}{place}", value)


def _match_section(heading: str, match: CellMatch, place: int, quotes: int = 2) -> Block:
    lines = [heading, *(quoted(quote) for quote in match.quotes[:quotes])]
    return section_with("\n".join(lines), open_button(match, place))


@render_blocks.register
def _(reply: SearchAnswer) -> list[Block]:
    best, *others = reply.matches
    blocks = [_match_section(f"*1. {said(cell_line(best))}*", best, 0)]
    if others:
        blocks.append(context(said(phrases.also_in_the_model())))
    for number, match in enumerate(others, 2):
        blocks.append(_match_section(f"*{number}. {said(cell_line(match))}*", match, number - 1, 1))
    blocks.append(context(escape(reply.attribution)))
    return blocks


@render_blocks.register
def _(reply: DiagnosisAnswer) -> list[Block]:
    blocks: list[Block] = []
    if reply.aspect is not None:
        best, *others = reply.fits
        level = phrases.level_name(best.generic, best.level)
        blocks.append(_match_section(said(phrases.fits_closest(reply.aspect, level)), best, 0))
        for place, match in enumerate(others, 1):
            other = phrases.level_name(match.generic, match.level)
            blocks.append(_match_section(said(phrases.also_close(other)), match, place, 0))
    else:
        blocks.append(section(said(phrases.fits_best())))
        for place, match in enumerate(reply.fits):
            heading = f"*{place + 1}. {said(cell_line(match))}*"
            blocks.append(_match_section(heading, match, place))
    blocks.append(context(said(phrases.only_a_hint())))
    blocks.append(context(escape(reply.attribution)))
    return blocks


@render_blocks.register
def _(reply: AboutAnswer) -> list[Block]:
    attribution = reply.attribution
    lines = [said(line) for line in phrases.about_lines(attribution)]
    blocks = [header(attribution.model), section("\n".join(lines))]
    links = [
        f"<{escape(url)}|{said(phrases.language_name(code))}>"
        for code, url in attribution.original.items()
    ]
    if links:
        heading = said(phrases.heading_line(phrases.read_the_original()))
        blocks.append(section(f"*{heading}* " + " · ".join(links)))
    blocks.append(context(said(phrases.our_own_words())))
    return blocks


@render_blocks.register
def _(reply: SmallTalk) -> list[Block]:
    return [
        section(said(phrases.small_talk(reply.topic))),
        context(said(phrases.try_asking(reply.hint))),
    ]


@render_blocks.register
def _(reply: AssessmentOffer) -> list[Block]:
    return [
        section(
            f"{said(phrases.cannot_assess())}\n{said(phrases.describe_and_ask(reply.example))}"
        ),
        section(said(phrases.real_assessment())),
    ]


@render_blocks.register
def _(reply: UnknownAnswer) -> list[Block]:
    if not reply.closest:
        return [section(escape(render(reply)))]
    heading = phrases.sentences(phrases.not_understood(), phrases.closest_heading())
    blocks = [section(said(heading))]
    for place, match in enumerate(reply.closest):
        heading_line = f"*{place + 1}. {said(cell_line(match))}*"
        blocks.append(_match_section(heading_line, match, place, 0))
    return blocks


@render_blocks.register
def _(reply: Notice) -> list[Block]:
    heading = f"*{said(reply.heading)}*" if reply.heading is not None else ""
    body = [said(reply.text)] if str(reply.text) else []
    lines = body + [f"{BULLET} {said(line)}" for line in reply.lines]
    return sections(heading, lines)


@render_blocks.register
def _(reply: Refusal) -> list[Block]:
    return [section(f":no_entry_sign: {said(reply.text)}")]


@render_blocks.register
def _(reply: Confirm) -> list[Block]:
    return [section(f"{said(reply.text)}\n{said(confirm_hint(reply))}")]


for kind, layout in (
    (PulseParent, pulse_blocks.parent),
    (SurveyQuestion, pulse_blocks.question),
    (AnswerRecorded, pulse_blocks.answer_recorded),
    (PulseStatus, pulse_blocks.status),
    (RoundSummary, pulse_blocks.summary),
    (Digest, pulse_blocks.digest),
):
    render_blocks.register(kind, layout)
