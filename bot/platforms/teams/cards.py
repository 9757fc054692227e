"""Adaptive Cards (schema 1.5) for every reply: what Teams shows.

Cards are plain dicts, ready for an attachment or an invoke response. Buttons are
``Action.Execute`` (Universal Actions: the bot answers the clicker alone, in place) with an
``Action.Submit`` fallback for clients that predate 1.5. Shared cards never name a person.
"""

from __future__ import annotations

import base64
import io
from functools import singledispatch

from bot import phrases
from bot.model import Question
from bot.platforms.teams import actions
from bot.platforms.text import answer_recorded, confirm_hint, first_sentence
from bot.platforms.text import render as render_text
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

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
Card = dict[str, object]
Element = dict[str, object]


def card(body: list[Element], actions_: list[Element] | None = None) -> Card:
    built: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions_:
        built["actions"] = actions_
    return built


def text(value: Say | str, **style: object) -> Element:
    return {"type": "TextBlock", "text": str(value), "wrap": True, **style}


def heading(value: Say | str) -> Element:
    return text(value, size="Large", weight="Bolder")


def subtle(value: Say | str, **style: object) -> Element:
    return text(value, **{"isSubtle": True, "spacing": "Small", **style})


def bullets(items: list[str] | tuple[str, ...] | list[Say]) -> Element:
    """A real (markdown) list: plain lines in one TextBlock would run together in Teams."""
    return text("\n".join(f"- {item}" for item in items), spacing="Small")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t_, "value": v} for t_, v in pairs]}


def execute(title: Say | str, verb: str, data: dict[str, object], **style: object) -> Element:
    """A Universal Action, falling back to a submit with the same data on older clients."""
    return {
        "type": "Action.Execute",
        "title": str(title),
        "verb": verb,
        "data": data,
        **style,
        "fallback": {"type": "Action.Submit", "title": str(title), "data": data},
    }


def ask(title: Say | str, question: str) -> Element:
    return execute(title, actions.ASK, actions.ask_data(question))


def summary_of(reply: Reply) -> str:
    """The one line Teams shows in notifications and the activity feed."""
    first = render_text(reply).strip().splitlines()
    return (first[0] if first else "maturity-bot")[:200]


@singledispatch
def render(reply: object) -> Card:
    raise TypeError(f"no card for {type(reply).__name__}")


@render.register
def _(reply: LevelAnswer) -> Card:
    aspect, level, generic = reply.aspect, reply.level, reply.generic
    body = [
        subtle(
            t(
                "{aspect} · {level}",
                aspect=aspect.name,
                level=phrases.level_label(level.number, generic),
            ),
            spacing="None",
        ),
        heading(level.title),
        text(level.description),
        text(phrases.characteristics(), weight="Bolder"),
        bullets(level.characteristics),
        subtle(phrases.example(level.scenarios[0])),
    ]
    buttons: list[Element] = []
    nxt = reply.next_level
    if nxt is not None:
        body.append(text(phrases.next_level(nxt), weight="Bolder"))
        buttons = [
            ask(t("Next level"), f"level {nxt.number} {aspect.key}"),
            ask(
                t("Compare with next"),
                f"from level {level.number} to level {nxt.number} in {aspect.key}",
            ),
        ]
    else:
        body.append(text(phrases.top_level()))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body, buttons)


@render.register
def _(reply: LevelAcrossAnswer) -> Card:
    generic = reply.generic
    body = [heading(phrases.generic_heading(generic)), text(generic.summary)]
    for aspect, level in reply.rows:
        body.append(text(f"{aspect.name}: {level.title}", weight="Bolder", spacing="Medium"))
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(aspect.name, f"level {generic.number} {aspect.key}") for aspect, _ in reply.rows]
    if generic.number < 4:
        buttons.append(ask(t("Next level"), f"level {generic.number + 1}"))
    return card(body, buttons[:6])


@render.register
def _(reply: AspectAnswer) -> Card:
    aspect = reply.aspect
    body = [heading(aspect.name), text(aspect.question, weight="Bolder"), text(aspect.intro)]
    for generic, level in zip(reply.generics, aspect.levels, strict=True):
        body.append(
            text(
                f"{level.number}. {generic.name} — {level.title}", weight="Bolder", spacing="Medium"
            )
        )
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(phrases.choice(n), f"level {n} {aspect.key}") for n in range(1, 5)]
    return card(body, buttons)


@render.register
def _(reply: OverviewAnswer) -> Card:
    model = reply.model
    body = [
        heading(model.attribution.model),
        text(phrases.overview_line(len(model.aspects))),
        facts([(str(phrases.choice(g.number)), g.name) for g in model.levels]),
    ]
    for aspect in model.aspects:
        titles = " → ".join(level.title for level in aspect.levels)
        body.append(text(f"{aspect.name}: {titles}", spacing="Small"))
    body.append(subtle(model.attribution.line, size="Small"))
    buttons = [ask(aspect.name, f"tell me about {aspect.key}") for aspect in model.aspects]
    return card(body, buttons[:6])


@render.register
def _(reply: CompareAnswer) -> Card:
    low_generic, high_generic = reply.generics
    body: list[Element] = []
    if reply.aspect is not None:
        ((_, low, high),) = reply.pairs
        body += [
            subtle(
                t(
                    "{aspect} · from level {low} to {high}",
                    aspect=reply.aspect.name,
                    low=low.number,
                    high=high.number,
                )
            ),
            heading(f"{low.title} → {high.title}"),
            text(phrases.at_level(low, low_generic), weight="Bolder"),
            text(low.description, spacing="None"),
            text(phrases.at_level(high, high_generic), weight="Bolder"),
            text(high.description, spacing="None"),
            text(phrases.moves_heading(), weight="Bolder"),
        ]
        for number in range(low.number + 1, high.number + 1):
            step = reply.aspect.level(number)
            if high.number - low.number > 1:
                body.append(text(phrases.to_level(step), spacing="Small"))
            body.append(bullets(step.how_to_get_here))
    else:
        body.append(
            heading(
                t(
                    "Level {lower} {low} → level {upper} {high}",
                    lower=reply.lower,
                    low=low_generic.name,
                    upper=reply.upper,
                    high=high_generic.name,
                )
            )
        )
        for aspect, low, high in reply.pairs:
            body.append(
                text(
                    f"{aspect.name}: {low.title} → {high.title}", weight="Bolder", spacing="Medium"
                )
            )
            first_move = aspect.level(reply.lower + 1).how_to_get_here[0]
            body.append(subtle(phrases.first_move(first_move)))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body)


@render.register
def _(reply: HelpAnswer) -> Card:
    body = [
        text(phrases.introduction(), weight="Bolder"),
        text(phrases.ask_examples()),
        bullets(reply.examples),
    ]
    if reply.commands:
        body.append(text(phrases.pulse_commands(), weight="Bolder"))
        rows = []
        for command in reply.commands:
            meaning = str(command.meaning)
            if command.admin:
                meaning += f" ({phrases.admins_only()})"
            rows.append((command.usage, meaning))
        body.append(facts(rows))
    return card(body)


@render.register
def _(reply: UnknownAnswer) -> Card:
    return card([text(render_text(reply))])


@render.register
def _(reply: Notice) -> Card:
    body = [text(reply.heading, weight="Bolder")] if reply.heading is not None else []
    if str(reply.text):
        body.append(text(reply.text))
    body += [text(f"• {line}", spacing="Small") for line in reply.lines]
    return card(body)


@render.register
def _(reply: Refusal) -> Card:
    return card([text(reply.text, color="Attention")])


@render.register
def _(reply: Confirm) -> Card:
    return card([text(reply.text), text(confirm_hint(reply))])


@render.register
def _(reply: PulseParent) -> Card:
    detail = tn(
        "{survey}: {n} question in this thread. Closes {moment}.",
        "{survey}: {n} questions in this thread. Closes {moment}.",
        reply.question_count,
        survey=reply.template_name,
        moment=Moment(reply.closes_at, reply.timezone, zone_shown=True),
    )
    return card(
        [heading(phrases.round_title(reply.title)), text(detail), subtle(phrases.confidential())]
    )


def _question_body(question: Question, position: Say) -> list[Element]:
    body = [subtle(position, spacing="None"), text(question.text, weight="Bolder", size="Medium")]
    body += [
        text(f"{n}. {option}", spacing="Small") for n, option in enumerate(question.options, 1)
    ]
    return body


def _answer_buttons(round_id: int, question_id: str, chosen: int | None = -1) -> list[Element]:
    buttons = []
    for level in (1, 2, 3, 4, None):
        title = str(phrases.choice(level))
        style = {"style": "positive"} if level == chosen else {}
        buttons.append(
            execute(
                ("✓ " if level == chosen else "") + title,
                actions.ANSWER,
                actions.answer_data(round_id, question_id, level),
                **style,
            )
        )
    return buttons


def _comment_box() -> Element:
    return {
        "type": "Input.Text",
        "id": actions.COMMENT_INPUT,
        "placeholder": str(t("Optional comment (shown without your name, with enough responses)")),
        "isMultiline": True,
        "maxLength": actions.MAX_COMMENT,
    }


@render.register
def _(reply: SurveyQuestion) -> Card:
    question = reply.question
    position = t(
        "Question {position} of {total} · {aspect}",
        position=reply.position,
        total=reply.total,
        aspect=reply.aspect.name,
    )
    body = _question_body(question, position)
    if reply.closed:
        body.append(subtle(phrases.closed_count(reply.responses)))
        return card(body)
    body.append(_comment_box())
    body.append(
        subtle(
            t(
                "{responses} so far · only totals are ever shown",
                responses=phrases.responses(reply.responses),
            )
        )
    )
    return card(body, _answer_buttons(reply.round_id, question.id))


def answered_card(recorded: AnswerRecorded, round_id: int) -> Card:
    """What the clicker alone sees after answering: their choice, and a way to change it."""
    question = recorded.question
    choice = phrases.choice(recorded.level)
    if recorded.changed and recorded.comment_saved:
        said = t("✓ Changed to: **{choice}** with your comment.", choice=choice)
    elif recorded.changed:
        said = t("✓ Changed to: **{choice}**.", choice=choice)
    elif recorded.comment_saved:
        said = t("✓ Recorded: **{choice}** with your comment.", choice=choice)
    else:
        said = t("✓ Recorded: **{choice}**.", choice=choice)
    body = _question_body(question, t("Your answer · only you see this"))
    body.append(text(said, color="Good", weight="Bolder", spacing="Medium"))
    body.append(
        subtle(
            t(
                "You can change it until {moment}; the latest click counts.",
                moment=Moment(recorded.closes_at, recorded.timezone, style="short"),
            )
        )
    )
    body.append(_comment_box())
    buttons = _answer_buttons(round_id, question.id, chosen=recorded.level)
    buttons.append(
        execute(t("Save comment"), actions.COMMENT, actions.comment_data(round_id, question.id))
    )
    return card(body, buttons)


@render.register
def _(reply: AnswerRecorded) -> Card:
    return card([text(answer_recorded(reply))])


def _summary_body(summary: RoundSummary) -> list[Element]:
    body = [heading(phrases.results_title(summary.title)), text(phrases.participation(summary))]
    rows = [
        (score.aspect.name, str(phrases.score_text(score, summary.min_responses)))
        for score in summary.scores
    ]
    body.append(facts(rows))
    weakest = phrases.weakest(summary)
    if weakest is not None and summary.weakest_next is not None:
        body.append(text(weakest, weight="Bolder", spacing="Medium"))
        body.append(bullets(summary.weakest_next.how_to_get_here))
    comments = [
        phrases.aspect_comment(s.aspect, c) for s in summary.scores if not s.hidden
        for c in s.comments
    ]  # fmt: skip
    if comments:
        body.append(text(phrases.comments_heading(), weight="Bolder"))
        body += [text(f"• {comment}", spacing="Small") for comment in comments]
    if summary.attribution:
        body.append(subtle(summary.attribution, size="Small"))
    return body


@render.register
def _(reply: RoundSummary) -> Card:
    return card(_summary_body(reply))


@render.register
def _(reply: Digest) -> Card:
    body = _summary_body(reply.summary)
    body.insert(1, subtle(phrases.trend_over(reply.rounds_compared)))
    if reply.chart_png:
        image = small_chart(reply.chart_png)
        alt = str(t("Radar of the mean level per aspect, and each aspect's trend"))
        too_large = t("The chart is too large for a Teams message; `digest` in Slack shows it.")
        chart = {"type": "Image", "url": image, "altText": alt, "size": "Stretch"}
        body.insert(3, chart if image else subtle(too_large))
    return card(body)


CHART_WIDTH = 560
CHART_COLOURS = 32
CHART_MAX_BYTES = 20_000  # Teams refuses bot messages over about 28 KB, card included


def small_chart(png: bytes) -> str | None:
    """The chart as a data URI small enough for a Teams message (narrower, 32 colours), or
    None when even that is too large."""
    from PIL import Image  # comes with matplotlib

    with Image.open(io.BytesIO(png)) as original:
        height = round(original.height * CHART_WIDTH / original.width)
        small = original.convert("RGB").resize((CHART_WIDTH, height), Image.Resampling.BOX)
    buffer = io.BytesIO()
    flat = small.quantize(colors=CHART_COLOURS, dither=Image.Dither.NONE)  # dithering bloats
    flat.save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/png;base64,{encoded}" if len(encoded) <= CHART_MAX_BYTES else None


@render.register
def _(reply: PulseStatus) -> Card:
    return card(
        [
            heading(phrases.round_title(reply.title)),
            text(
                t(
                    "Open, closes {moment}.",
                    moment=Moment(reply.closes_at, reply.timezone, zone_shown=True),
                )
            ),
            text(phrases.people_answered(reply.respondents, reply.members)),
            facts(
                [
                    (count.aspect.name, str(phrases.responses(count.responses)))
                    for count in reply.per_question
                ]
            ),
        ]
    )
