"""Block Kit for pulses: the round's parent post, its questions with a button per level,
status, the close summary, the digest, and the comment form."""

from __future__ import annotations

from bot import phrases
from bot.platforms.slack.kit import (
    ANSWER_ACTION,
    COMMENT_ACTION,
    COMMENT_BLOCK,
    COMMENT_INPUT,
    COMMENT_VIEW,
    MAX_BLOCKS,
    MAX_BUTTON,
    Block,
    bullets,
    button,
    button_value,
    context,
    cut,
    header,
    said,
    section,
    sections,
)
from bot.platforms.slack.markup import escape
from bot.platforms.text import BULLET, render
from bot.replies import (
    AnswerRecorded,
    Digest,
    PulseParent,
    PulseStatus,
    RoundSummary,
    SurveyQuestion,
)
from bot.wording import t


def parent(reply: PulseParent) -> list[Block]:
    detail = phrases.sentences(
        phrases.round_questions(reply),
        t("Click the level that fits best; you can change your answer until then."),
    )
    return [
        header(phrases.round_title(reply.title)),
        section(said(detail)),
        context(said(phrases.confidential())),
    ]


def question(reply: SurveyQuestion) -> list[Block]:
    question = reply.question
    blocks = [
        section(
            f"*{reply.position}/{reply.total} · {escape(reply.aspect.name)}*\n"
            f"{escape(question.text)}"
        )
    ]
    if reply.closed:
        blocks.append(context(said(phrases.closed_count(reply.responses))))
        return blocks
    buttons = [
        button(
            f"{number}. {option}" if len(option) + 3 <= MAX_BUTTON else cut(option, MAX_BUTTON),
            f"{ANSWER_ACTION}{number}",
            button_value(r=reply.round_id, q=question.id, l=number),
        )
        for number, option in enumerate(question.options, 1)
    ]
    buttons.append(
        button(
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
                button(
                    t("Add a comment"),
                    COMMENT_ACTION,
                    button_value(r=reply.round_id, q=question.id),
                )
            ],
        }
    )
    count = t("{responses} · only totals are shown", responses=phrases.responses(reply.responses))
    blocks.append(context(said(count)))
    return blocks


def answer_recorded(reply: AnswerRecorded) -> list[Block]:
    return []  # one line, sent on every click: the text alone says it all, and costs least


def status(reply: PulseStatus) -> list[Block]:
    return [section(escape(render(reply)))]


def summary(reply: RoundSummary) -> list[Block]:
    return summary_blocks(reply)


def digest(reply: Digest) -> list[Block]:
    blocks = summary_blocks(reply.summary)
    if reply.rounds_compared > 1:
        blocks.insert(2, context(said(phrases.trend_over(reply.rounds_compared))))
    return blocks


def summary_blocks(summary: RoundSummary) -> list[Block]:
    blocks = [
        header(phrases.results_title(summary.title)),
        context(said(phrases.participation(summary))),
    ]
    scores = [said(phrases.score_line(score, summary.min_responses)) for score in summary.scores]
    blocks += sections("", [f"{BULLET} {line}" for line in scores])
    weakest = phrases.weakest(summary)
    if weakest is not None and summary.weakest_next is not None:
        blocks.append(
            section(f"*{said(weakest)}*\n{bullets(summary.weakest_next.how_to_get_here)}")
        )
    comments = [
        f"{BULLET} {said(phrases.aspect_comment(score.aspect, comment))}"
        for score in summary.scores
        if not score.hidden
        for comment in score.comments
    ]
    if comments:
        room = MAX_BLOCKS - len(blocks) - 2  # keep the attribution and a note
        shown = sections(f"*{said(phrases.comments_heading())}*", comments)
        if len(shown) > room:
            left_out = t("More comments did not fit in this message.")
            shown = [*shown[: max(room - 1, 0)], context(said(left_out))]
        blocks += shown
    if summary.attribution:
        blocks.append(context(escape(summary.attribution)))
    return blocks


# --- the comment modal ---------------------------------------------------------------------


def comment_view(question_text: str, metadata: str) -> Block:
    """The modal behind "Add a comment"; ``metadata`` says which round and question."""
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": cut(str(t("Add a comment")), 24)},
        "submit": {"type": "plain_text", "text": cut(str(t("Save")), 24)},
        "close": {"type": "plain_text", "text": cut(str(t("Cancel")), 24)},
        "blocks": [
            section(escape(question_text)),
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
            context(
                said(
                    t(
                        "Comments appear in the summary without your name, and only for "
                        "aspects with enough responses."
                    )
                )
            ),
        ],
    }
