"""Adaptive Cards for pulses: the round's post, each question with its level buttons and
comment box, the clicker's own view after answering, status, the close summary and the
digest with its chart. Shared cards never name a person."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

from bot import phrases
from bot.handlers import chart
from bot.model import Question
from bot.platforms.teams import actions, views
from bot.platforms.teams.kit import (
    Card,
    Element,
    bullets,
    card,
    execute,
    facts,
    heading,
    subtle,
    text,
)
from bot.platforms.text import answer_recorded as recorded_sentence
from bot.replies import (
    AnswerRecorded,
    Digest,
    OwnView,
    PulseParent,
    PulseStatus,
    RoundSummary,
    SurveyQuestion,
)
from bot.wording import Moment, Say, t


def parent(reply: PulseParent) -> Card:
    detail = phrases.round_questions(reply)
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


def question(reply: SurveyQuestion) -> Card:
    return shared_question(reply)


def shared_question(
    reply: SurveyQuestion, user_ids: list[str] | None = None, everyone_listed: bool = True
) -> Card:
    """The question as everyone sees it. With ``user_ids`` (Teams' user-specific views) it
    carries ``refresh``, so each listed person sees their own answer on it, open or closed;
    when not everyone who answered could be listed, a "Show my answer" button does it by hand."""
    body = _shared_body(reply)
    buttons = [] if reply.closed else _answer_buttons(reply.round_id, reply.question.id)
    if user_ids is not None and not everyone_listed:
        buttons.append(_show_mine(reply))
    built = card(body, buttons)
    if user_ids is not None:
        built["refresh"] = views.refresh(reply.round_id, reply.question.id, user_ids)
    return built


def _position(reply: SurveyQuestion) -> Say:
    return t(
        "Question {position} of {total} · {aspect}",
        position=reply.position,
        total=reply.total,
        aspect=reply.aspect.name,
    )


def _shared_body(reply: SurveyQuestion) -> list[Element]:
    body = _question_body(reply.question, _position(reply))
    if reply.closed:
        body.append(subtle(phrases.closed_count(reply.responses)))
        return body
    body.append(_comment_box())
    body.append(
        subtle(
            t(
                "{responses} so far · only totals are ever shown",
                responses=phrases.responses(reply.responses),
            )
        )
    )
    return body


def _show_mine(reply: SurveyQuestion) -> Element:
    return execute(
        views.show_mine(), views.VERB, views.view_data(reply.round_id, reply.question.id)
    )


def own_view(
    view: OwnView, user_id: str, said: Say | None = None, warning: Say | None = None
) -> Card:
    """What one person sees on a question post: the shared card until they answer; then their
    answer highlighted, their comment in the box, while open; their answer on the closed card.
    ``said`` confirms what they just did (a click, a saved comment); ``warning`` says why it
    did not happen (the round closed, nothing to attach a comment to)."""
    built = _own_card(view, user_id, said)
    if warning is not None:
        body = built["body"]
        assert isinstance(body, list)
        body.append(text(warning, color="Attention", weight="Bolder", spacing="Medium"))
    return built


def _own_card(view: OwnView, user_id: str, said: Say | None) -> Card:
    shared = view.question
    if not view.answered:
        return shared_question(shared, [user_id])
    choice = phrases.choice(view.level)
    if shared.closed:
        body = _question_body(shared.question, _position(shared))
        body.append(text(t("Your answer: **{choice}**", choice=choice), weight="Bolder"))
        if view.comment:
            body.append(subtle(t("Your comment:")))
            body.append(_comment_shown(view.comment))
        body.append(subtle(phrases.closed_count(shared.responses)))
        built = card(body)
        built["refresh"] = views.refresh(shared.round_id, shared.question.id, [user_id])
        return built
    mine = t("{position} · your answer, only you see this", position=_position(shared))
    body = _question_body(shared.question, mine)
    body.append(
        text(said or t("Your answer: **{choice}**", choice=choice),
             color="Good", weight="Bolder", spacing="Medium")
    )  # fmt: skip
    body.append(
        subtle(
            t(
                "You can change it until {moment}; the latest click counts.",
                moment=Moment(view.closes_at, view.timezone, style="short"),
            )
        )
    )
    if view.comment:
        body.append(subtle(t("Your comment (saved, shown without your name):")))
        body.append(_comment_shown(view.comment))
    body.append(_comment_box())
    body.append(
        subtle(
            t(
                "{responses} so far · only totals are ever shown",
                responses=phrases.responses(shared.responses),
            )
        )
    )
    buttons = _answer_buttons(shared.round_id, shared.question.id, chosen=view.level)
    buttons.append(
        execute(
            t("Save comment"),
            actions.COMMENT,
            actions.comment_data(shared.round_id, shared.question.id),
        )
    )
    built = card(body, buttons)
    built["refresh"] = views.refresh(shared.round_id, shared.question.id, [user_id])
    return built


def _comment_shown(comment: str) -> Element:
    """A comment as its author wrote it: a TextRun renders no markdown."""
    return {
        "type": "RichTextBlock",
        "spacing": "Small",
        "inlines": [{"type": "TextRun", "text": comment, "italic": True}],
    }


def recorded_said(recorded: AnswerRecorded) -> Say:
    """The confirmation of a click, for the clicker's own view."""
    choice = phrases.choice(recorded.level)
    if recorded.changed and recorded.comment_saved:
        return t("✓ Changed to: **{choice}** with your comment.", choice=choice)
    if recorded.changed:
        return t("✓ Changed to: **{choice}**.", choice=choice)
    if recorded.comment_saved:
        return t("✓ Recorded: **{choice}** with your comment.", choice=choice)
    return t("✓ Recorded: **{choice}**.", choice=choice)


def comment_saved() -> Say:
    return t("✓ Comment saved. It appears in the summary without your name.")


def answer_recorded(reply: AnswerRecorded) -> Card:
    return card([text(recorded_sentence(reply))])


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


def summary(reply: RoundSummary) -> Card:
    return card(_summary_body(reply))


def digest(reply: Digest) -> Card:
    body = _summary_body(reply.summary)
    body.insert(1, subtle(phrases.digest_label(reply.rounds_compared)))
    if reply.chart_png:
        alt = str(t("Each aspect's mean level over the last rounds"))
        picture: Element = {"type": "Image", "url": "", "altText": alt, "size": "Stretch"}
        room = MESSAGE_LIMIT - ENVELOPE - len(json.dumps(card([*body, picture])))
        image = chart_image(reply.chart_png, room)
        too_large = t("The chart is too large for a Teams message; `digest` in Slack shows it.")
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


def status(reply: PulseStatus) -> Card:
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
