"""Adaptive Cards (schema 1.5) for every reply: what Teams shows.

Cards are plain dicts, ready for an attachment or an invoke response. Buttons are
``Action.Execute`` (Universal Actions: the bot answers the clicker alone, in place) with an
``Action.Submit`` fallback for clients that predate 1.5. Shared cards never name a person.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from functools import singledispatch
from typing import Any

from bot.handlers import chart
from bot.model import Question
from bot.platforms.teams import actions
from bot.platforms.text import first_sentence, score_line
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
from bot.when import short_when, when

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


def text(value: str, **style: object) -> Element:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def heading(value: str) -> Element:
    return text(value, size="Large", weight="Bolder")


def subtle(value: str, **style: object) -> Element:
    return text(value, **{"isSubtle": True, "spacing": "Small", **style})


def bullets(items: list[str] | tuple[str, ...]) -> Element:
    return text("\n".join(f"- {item}" for item in items), spacing="Small")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def execute(title: str, verb: str, data: dict[str, object], **style: object) -> Element:
    """A Universal Action, falling back to a submit with the same data on older clients."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": data,
        **style,
        "fallback": {"type": "Action.Submit", "title": title, "data": data},
    }


def ask(title: str, question: str) -> Element:
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
        subtle(f"{aspect.name} · Level {level.number} {generic.name}", spacing="None"),
        heading(level.title),
        text(level.description),
        text("Characteristics", weight="Bolder"),
        bullets(level.characteristics),
        subtle(f"Example: {level.scenarios[0]}"),
    ]
    buttons: list[Element] = []
    nxt = reply.next_level
    if nxt is not None:
        body.append(text(f"**Next:** Level {nxt.number} — {nxt.title}"))
        buttons = [
            ask("Next level", f"level {nxt.number} {aspect.key}"),
            ask(
                "Compare with next",
                f"from level {level.number} to level {nxt.number} in {aspect.key}",
            ),
        ]
    else:
        body.append(text("This is the top level; the model warns it is not a goal in itself."))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body, buttons)


@render.register
def _(reply: LevelAcrossAnswer) -> Card:
    generic = reply.generic
    body = [heading(f"Level {generic.number} — {generic.name}"), text(generic.summary)]
    for aspect, level in reply.rows:
        body.append(text(f"**{aspect.name}: {level.title}**", spacing="Medium"))
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(aspect.name, f"level {generic.number} {aspect.key}") for aspect, _ in reply.rows]
    if generic.number < 4:
        buttons.append(ask("Next level", f"level {generic.number + 1}"))
    return card(body, buttons[:6])


@render.register
def _(reply: AspectAnswer) -> Card:
    aspect = reply.aspect
    body = [heading(aspect.name), text(aspect.question, weight="Bolder"), text(aspect.intro)]
    for generic, level in zip(reply.generics, aspect.levels, strict=True):
        body.append(text(f"**{level.number}. {generic.name} — {level.title}**", spacing="Medium"))
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(f"Level {n}", f"level {n} {aspect.key}") for n in range(1, 5)]
    return card(body, buttons)


@render.register
def _(reply: OverviewAnswer) -> Card:
    model = reply.model
    body = [
        heading(model.attribution.model),
        text(
            f"{len(model.aspects)} aspects × 4 levels. Assess each aspect on its own; no level "
            "is good or bad in itself."
        ),
        facts([(f"Level {g.number}", g.name) for g in model.levels]),
    ]
    for aspect in model.aspects:
        titles = " → ".join(level.title for level in aspect.levels)
        body.append(text(f"**{aspect.name}:** {titles}", spacing="Small"))
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
            subtle(f"{reply.aspect.name} · from level {low.number} to {high.number}"),
            heading(f"{low.title} → {high.title}"),
            text(f"**At level {low.number} ({low_generic.name}):** {low.description}"),
            text(f"**At level {high.number} ({high_generic.name}):** {high.description}"),
            text("Moves to get there", weight="Bolder"),
        ]
        for number in range(low.number + 1, high.number + 1):
            step = reply.aspect.level(number)
            if high.number - low.number > 1:
                body.append(text(f"To level {step.number} ({step.title}):", spacing="Small"))
            body.append(bullets(step.how_to_get_here))
    else:
        body += [
            heading(
                f"Level {reply.lower} {low_generic.name} → level {reply.upper} {high_generic.name}"
            ),
        ]
        for aspect, low, high in reply.pairs:
            body.append(text(f"**{aspect.name}:** {low.title} → {high.title}", spacing="Medium"))
            first_move = aspect.level(reply.lower + 1).how_to_get_here[0]
            body.append(subtle(f"First move: {first_move}"))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body)


@render.register
def _(reply: HelpAnswer) -> Card:
    body = [
        text(
            "I explain the CNCF Platform Engineering Maturity Model and run pulse surveys on it.",
            weight="Bolder",
        ),
        text("Ask me things like:"),
        bullets(reply.examples),
    ]
    if reply.commands:
        body.append(text("Pulse commands", weight="Bolder"))
        body.append(facts([(command, meaning) for command, meaning in reply.commands]))
    return card(body)


@render.register
def _(reply: UnknownAnswer) -> Card:
    return card([text(render_text(reply))])


@render.register
def _(reply: Notice) -> Card:
    body = [text(reply.heading, weight="Bolder")] if reply.heading else []
    body.append(text(reply.text))
    return card(body)


@render.register
def _(reply: Refusal) -> Card:
    return card([text(reply.text, color="Attention")])


@render.register
def _(reply: Confirm) -> Card:
    return card(
        [text(reply.text), text(f"Type “{reply.phrase}” to go ahead; anything else cancels.")]
    )


@render.register
def _(reply: PulseParent) -> Card:
    return card(
        [
            heading(reply.title),
            text(
                f"{reply.template_name}: {reply.question_count} questions in this thread. "
                f"Closes {when(reply.closes_at, reply.timezone)}."
            ),
            subtle("Answers are confidential: only aggregates are ever shown."),
        ]
    )


def _question_body(question: Question, position: str) -> list[Element]:
    body = [subtle(position, spacing="None"), text(question.text, weight="Bolder", size="Medium")]
    body.append(text("\n".join(f"{n}. {opt}" for n, opt in enumerate(question.options, 1))))
    return body


def _answer_buttons(round_id: int, question_id: str, chosen: int | None = -1) -> list[Element]:
    buttons = []
    for level in (1, 2, 3, 4, None):
        title = "Not sure" if level is None else f"Level {level}"
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
        "placeholder": "Optional comment (shown without your name, with enough responses)",
        "isMultiline": True,
        "maxLength": actions.MAX_COMMENT,
    }


def _count(responses: int) -> str:
    return f"{responses} {'response' if responses == 1 else 'responses'}"


@render.register
def _(reply: SurveyQuestion) -> Card:
    question = reply.question
    position = f"Question {reply.position} of {reply.total} · {reply.aspect.name}"
    body = _question_body(question, position)
    if reply.closed:
        body.append(subtle(f"Closed · {_count(reply.responses)}"))
        return card(body)
    body.append(_comment_box())
    body.append(subtle(f"{_count(reply.responses)} so far · only totals are ever shown"))
    return card(body, _answer_buttons(reply.round_id, question.id))


def answered_card(recorded: AnswerRecorded, round_id: int) -> Card:
    """What the clicker alone sees after answering: their choice, and a way to change it."""
    question = recorded.question
    choice = "Not sure" if recorded.level is None else f"Level {recorded.level}"
    verb = "Changed to" if recorded.changed else "Recorded"
    extra = " with your comment" if recorded.comment_saved else ""
    body = _question_body(question, "Your answer · only you see this")
    body.append(
        text(f"✓ {verb}: **{choice}**{extra}.", color="Good", weight="Bolder", spacing="Medium")
    )
    body.append(
        subtle(
            f"You can change it until {short_when(recorded.closes_at, recorded.timezone)}; "
            "the latest click counts."
        )
    )
    body.append(_comment_box())
    buttons = _answer_buttons(round_id, question.id, chosen=recorded.level)
    buttons.append(
        execute("Save comment", actions.COMMENT, actions.comment_data(round_id, question.id))
    )
    return card(body, buttons)


@render.register
def _(reply: AnswerRecorded) -> Card:
    return card([text(render_text(reply))])


def _summary_body(summary: RoundSummary) -> list[Element]:
    body = [heading(summary.title), text(_participation(summary))]
    rows = []
    for score in summary.scores:
        line = score_line(score, summary.min_responses)
        rows.append((score.aspect.name, line.split(": ", 1)[1] if ": " in line else line))
    body.append(facts(rows))
    if summary.weakest is not None and summary.weakest_next is not None:
        nxt = summary.weakest_next
        body.append(
            text(
                f"**Weakest: {summary.weakest.aspect.name}.** Level {nxt.number} ({nxt.title}) "
                "asks for:",
                spacing="Medium",
            )
        )
        body.append(bullets(nxt.how_to_get_here))
    comments = [(s.aspect.name, c) for s in summary.scores if not s.hidden for c in s.comments]
    if comments:
        body.append(text("Comments (unattributed)", weight="Bolder"))
        body.append(bullets([f"{aspect}: {comment}" for aspect, comment in comments]))
    if summary.attribution:
        body.append(subtle(summary.attribution, size="Small"))
    return body


def _participation(summary: RoundSummary) -> str:
    people = "person" if summary.respondents == 1 else "people"
    if summary.members:
        rate = 100 * summary.respondents / summary.members
        return f"Participation: {summary.respondents} of {summary.members} {people} ({rate:.0f}%)."
    return f"Participation: {summary.respondents} {people}."


@render.register
def _(reply: RoundSummary) -> Card:
    return card(_summary_body(reply))


@render.register
def _(reply: Digest) -> Card:
    body = _summary_body(reply.summary)
    body.insert(1, subtle(f"Digest · trend over {reply.rounds_compared} rounds"))
    if reply.chart_png:
        alt = "Each aspect's mean level over the last rounds"
        picture: Element = {"type": "Image", "url": "", "altText": alt, "size": "Stretch"}
        room = MESSAGE_LIMIT - ENVELOPE - len(json.dumps(card([*body, picture])))
        image = chart_image(reply.chart_png, room)
        too_large = "The chart is too large for a Teams message; `digest` in Slack shows it."
        body.insert(3, {**picture, "url": image} if image else subtle(too_large))
    return card(body)


# Teams refuses a bot message over about 28 KB. The card's image is a data URI inside it, so
# it gets what the rest of the card (2-5 KB: five aspects, their comments) and the activity
# around it (addresses, ids, summary: under 1 KB) leave.
MESSAGE_LIMIT = 28_000
ENVELOPE = 2_000


def chart_image(png: bytes, room: int) -> str | None:
    """The digest's chart as a data URI of at most ``room`` characters, or None where even its
    smallest version is larger.

    ``TeamsChat`` asks for the chart drawn at card width (``chart.CARD``), which goes in as it
    is if it fits. A wider one, drawn for another platform, is shrunk to that width: its text
    blurs, but the card still shows the picture. Either is then tried in a coarser palette,
    which drops the faint grid and keeps the lines and the text: a zig-zag over eight rounds
    costs more bytes than a smooth trend.
    """
    for version in _versions(png):
        uri = "data:image/png;base64," + base64.b64encode(version).decode("ascii")
        if len(uri) <= room:
            return uri
    return None


def _versions(png: bytes) -> Iterator[bytes]:
    from PIL import Image  # comes with matplotlib

    with Image.open(io.BytesIO(png)) as drawn:
        if drawn.width <= chart.CARD:
            yield png
            image = drawn.convert("RGB")
        else:
            height = round(drawn.height * chart.CARD / drawn.width)
            image = drawn.convert("RGB").resize((chart.CARD, height), Image.Resampling.BOX)
            yield _png(image.quantize(colors=32, dither=Image.Dither.NONE))
    # Octree keeps the colours that cover the most pixels and merges the rest, anti-aliasing
    # tones included: fewer distinct runs, fewer bytes (a quarter off a zig-zag of eight
    # rounds). No dithering: it scatters pixels.
    yield _png(image.quantize(16, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE))


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@render.register
def _(reply: PulseStatus) -> Card:
    rate = f" of {reply.members}" if reply.members else ""
    people = "person" if reply.respondents == 1 else "people"
    return card(
        [
            heading(reply.title),
            text(f"Open, closes {when(reply.closes_at, reply.timezone)}."),
            text(f"{reply.respondents}{rate} {people} answered."),
            facts([(qid, _count(count)) for qid, count in reply.per_question]),
        ]
    )
