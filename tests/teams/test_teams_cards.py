"""Every reply as an Adaptive Card: schema 1.5, buttons that round-trip to the same action,
and nothing on shared cards that names a person."""

from __future__ import annotations

import base64
import io
import json
import os
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PIL import Image
from teams_dialogue import texts

from bot.handlers import chart
from bot.handlers.knowledge import answer, respond
from bot.model import load_content
from bot.platforms.teams import actions, cards, views
from bot.platforms.teams.pulse_cards import (
    chart_image,
    comment_saved,
    own_view,
    recorded_said,
    shared_question,
)
from bot.replies import (
    AnswerRecorded,
    AspectScore,
    Confirm,
    Digest,
    Notice,
    OwnView,
    PulseParent,
    PulseStatus,
    QuestionCount,
    Refusal,
    RoundSummary,
    RoundTitle,
    SurveyQuestion,
    openable,
)
from bot.understand import understand
from bot.wording import speaking, t

CLOSES = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
LABELS = chart.ChartLabels(
    "Mean level per aspect", "Trend over the last 8 rounds", "mean level", "latest round",
    "previous round", "Aspects below the response threshold are left out.",
)  # fmt: skip
QUESTIONS = [
    "what is level 3 measurement",
    "level 4 adoption",
    "what is level 2",
    "tell me about interfaces",
    "overview",
    "from level 1 to level 3 in operations",
    "compare level 2 and 3",
    "help",
    "what is the meaning of life",
]


def buttons(card: dict) -> list[dict]:
    return list(card.get("actions") or [])


def text_blocks(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "TextBlock" else []
        return own + [t for value in node.values() for t in text_blocks(value)]
    if isinstance(node, list):
        return [t for value in node for t in text_blocks(value)]
    return []


def check(card: dict) -> dict:
    """What every card must be; returns it for more specific checks."""
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    json.dumps(card)  # plain JSON, ready for an attachment
    # Teams' markdown joins lines split by one newline into one paragraph: lines are elements
    # of their own, or items of a real list.
    for block in text_blocks(card):
        assert not re.search(r"(?<!\n)\n(?!\n|- )", block), block
    for button in buttons(card):
        assert button["type"] == "Action.Execute" and button["verb"]
        assert button["data"][actions.KEY] == button["verb"]
        assert button["fallback"] == {
            "type": "Action.Submit",
            "title": button["title"],
            "data": button["data"],
        }
        pressed = {"action": {"type": "Action.Execute", **button}}
        assert actions.parse(button["data"], button["verb"]) or views.parse_view(pressed)
    return card


@pytest.mark.parametrize("question", QUESTIONS)
def test_knowledge_answers_render(model, question) -> None:
    reply = answer(understand(question, model), model)
    check(cards.render(reply))
    assert cards.summary_of(reply)


SEARCHING = [
    "which level mentions SLOs?",
    "teams only use the platform because leadership made it mandatory. where do we stand on "
    "adoption?",
    "Nobody owns the shared tooling, a couple of engineers keep it alive in their spare time. "
    "Where are we?",
    "who wrote this model",
    "are you a bot?",
    "give me a quick self assessment",
    "which level mentions chargebak",
    "黄金路径在哪个级别",
    "各团队用平台只是因为领导强制要求，采纳方面我们在哪？",
    "这个成熟度模型用的是什么许可证",
    "你好",
]


@pytest.mark.parametrize("question", SEARCHING)
def test_searches_render_with_a_button_per_cell(question) -> None:
    reply = respond(question, load_content()).reply
    with speaking(reply.lang):
        card = check(cards.render(reply))
        assert cards.summary_of(reply)
    asked = [actions.parse(b["data"]) for b in buttons(card)]
    cells = openable(reply)
    assert asked == [
        actions.CardAsk(f"level {m.level.number} {m.aspect.key}", reply.lang) for m in cells
    ]
    assert len(buttons(card)) <= 6  # what Teams shows without an overflow menu


def test_matched_words_are_bold_on_the_card() -> None:
    card = cards.render(respond("which level mentions SLOs?", load_content()).reply)
    assert "**SLO**" in texts(card)


def test_a_level_answer_has_its_parts_and_next_steps(model) -> None:
    card = check(cards.render(answer(understand("level 3 measurement", model), model)))
    level = model.aspect("measurement").level(3)
    shown = texts(card)
    assert level.title in shown and level.description in shown
    assert all(item in shown for item in level.characteristics)
    assert model.attribution.line in shown
    follow_ups = {b["title"]: actions.parse(b["data"]) for b in buttons(card)}
    assert follow_ups == {
        # The follow-up answers in the language of the card it was on.
        "Next level": actions.CardAsk("level 4 measurement", "en"),
        "Compare with next": actions.CardAsk("from level 3 to level 4 in measurement", "en"),
    }
    top = check(cards.render(answer(understand("level 4 measurement", model), model)))
    assert buttons(top) == []


def test_a_question_card_answers_back_to_the_same_question(model, surveys) -> None:
    question = surveys.get(surveys.default).questions[0]
    aspect = model.aspect(question.aspect)
    card = check(cards.render(SurveyQuestion(7, question, aspect, 1, 5, responses=4)))
    assert "4 responses" in texts(card) and question.text in texts(card)
    (comment_box,) = [e for e in card["body"] if e["type"] == "Input.Text"]
    pressed = {}
    for button in buttons(card):
        data = {**button["data"], comment_box["id"]: "  a note  "}
        pressed[button["title"]] = actions.parse(data, button["verb"])
    assert pressed["Level 3"] == actions.CardAnswer(7, question.id, 3, "a note")
    assert pressed["Not sure"] == actions.CardAnswer(7, question.id, None, "a note")

    closed = check(cards.render(SurveyQuestion(7, question, aspect, 1, 5, 4, closed=True)))
    assert buttons(closed) == [] and "Closed" in texts(closed)
    assert not [e for e in closed["body"] if e["type"] == "Input.Text"]


def test_the_clickers_card_shows_their_choice_and_lets_them_change_it(model, surveys) -> None:
    question = surveys.get(surveys.default).questions[1]
    shared = SurveyQuestion(7, question, model.aspect(question.aspect), 2, 5, responses=3)
    recorded = AnswerRecorded(question, 2, CLOSES, "Europe/Berlin", comment_saved=True)
    mine = OwnView(shared, True, 2, "**bold** <at>Eve</at>", CLOSES, "Europe/Berlin")
    card = check(own_view(mine, "29:alice", recorded_said(recorded)))
    assert "Recorded: **Level 2** with your comment" in texts(card)
    assert "only you see this" in texts(card) and "3 responses so far" in texts(card)
    chosen = [b for b in buttons(card) if b.get("style") == "positive"]
    assert [b["title"] for b in chosen] == ["✓ Level 2"]
    assert actions.parse(buttons(card)[-1]["data"]) == actions.CardComment(7, question.id, "")
    saved = actions.parse({**buttons(card)[-1]["data"], "comment": "later thoughts"})
    assert saved == actions.CardComment(7, question.id, "later thoughts")
    # The saved comment is shown as written: a TextRun, where no markdown is rendered.
    (shown,) = [e for e in card["body"] if e["type"] == "RichTextBlock"]
    assert shown["inlines"] == [{"type": "TextRun", "text": mine.comment, "italic": True}]
    # It keeps asking Teams for this person's view (after the next edit of the card, too).
    assert card["refresh"]["userIds"] == ["29:alice"]
    assert views.parse_view({"action": card["refresh"]["action"], "trigger": "automatic"}) == (
        views.ViewRequest(7, question.id, automatic=True)
    )
    assert "Comment saved" in texts(check(own_view(mine, "29:alice", comment_saved())))

    closed = check(own_view(replace(mine, question=replace(shared, closed=True)), "29:alice"))
    assert "Your answer: **Level 2**" in texts(closed) and "Closed · 3 responses" in texts(closed)
    assert not buttons(closed) and closed["refresh"]["userIds"] == ["29:alice"]
    # Someone who has not answered sees the shared card.
    other = check(own_view(replace(mine, answered=False, level=None, comment=None), "29:bob"))
    assert "only you see this" not in texts(other) and len(buttons(other)) == 5


def test_the_shared_question_lists_who_answered_and_offers_a_manual_view(model, surveys) -> None:
    question = surveys.get(surveys.default).questions[0]
    shared = SurveyQuestion(7, question, model.aspect(question.aspect), 1, 5, responses=61)
    people = [f"29:person-{n}" for n in range(61)]
    listed = check(shared_question(shared, people[:60], everyone_listed=True))
    assert listed["refresh"]["userIds"] == people[:60]
    assert listed["refresh"]["action"]["verb"] == views.VERB
    assert "Show my answer" not in [b["title"] for b in buttons(listed)]
    crowded = check(shared_question(shared, people, everyone_listed=False))
    assert len(crowded["refresh"]["userIds"]) == views.MAX_USER_IDS
    (manual,) = [b for b in buttons(crowded) if b["title"] == "Show my answer"]
    assert views.parse_view({"action": manual}) == views.ViewRequest(7, question.id, False)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"action": {"type": "Action.Submit", "verb": "view", "data": {"maturitybot": "view"}}},
        {"action": {"type": "Action.Execute", "verb": "view", "data": "x"}},
        {"action": {"type": "Action.Execute", "verb": "view", "data": {"maturitybot": "view"}}},
        {"action": views.refresh(7, "q", [])["action"], "trigger": "sometimes"},
        {"action": {**views.refresh(7, "q", [])["action"], "data": {
            "maturitybot": "view", "round": "7", "question": "q"}}},
        {"action": {**views.refresh(7, "q", [])["action"], "data": {
            "maturitybot": "view", "round": True, "question": "q"}}},
        {"action": {**views.refresh(7, "q", [])["action"], "data": {
            "maturitybot": "view", "round": 7, "question": "q" * 65}}},
    ],
)  # fmt: skip
def test_a_malformed_view_request_is_refused(value: object) -> None:
    assert views.parse_view(value) is None


def test_pulse_and_result_replies_render(model, surveys) -> None:
    scores = tuple(
        AspectScore(a, 3, 3, False, 2.5, 2.0, (0, 2, 1, 0), comments=("needs docs",))
        if i == 0
        else AspectScore(a, 1, 1, True)
        for i, a in enumerate(model.aspects)
    )
    summary = RoundSummary(
        1, RoundTitle(48), CLOSES, CLOSES, 3, 6, scores, 2, scores[0],
        scores[0].aspect.level(3), model.attribution.line,
    )  # fmt: skip
    adoption = model.aspect("adoption")
    replies = [
        Notice(t("No pulse is open here."), heading=t("Schedules here:")),
        Refusal(t("A pulse stays open between a minute and 60 days.")),
        Confirm(t("The comment was empty, so nothing changed."), "forget me confirm"),
        PulseParent(1, RoundTitle(48), "Quick check", CLOSES, 5, "UTC"),
        PulseStatus(
            1,
            RoundTitle(48),
            CLOSES,
            CLOSES,
            3,
            6,
            "UTC",
            (QuestionCount(adoption, "adoption", 3),),
        ),
        summary,
    ]
    for reply in replies:
        check(cards.render(reply))
    shown = texts(cards.render(summary))
    assert "needs docs" in shown and "not enough responses" in shown and "50%" in shown

    # A real chart of eight rounds fits a Teams message (about 28 KB in all): drawn at card
    # width it goes in as it is; a wide one, drawn for a file upload, is shrunk to fit.
    aspects = [(a.key, a.name) for a in model.aspects]
    series = [(f"{d:02d} Nov", {key: 1 + (d * n) % 30 / 10 for n, (key, _) in
              enumerate(aspects)}) for d in range(1, 9)]  # fmt: skip
    for width in (chart.CARD, chart.WIDE):
        png = chart.render(series, aspects, LABELS, width)
        digest = check(cards.render(Digest(summary, rounds_compared=8, chart_png=png)))
        (image,) = [e for e in digest["body"] if e["type"] == "Image"]
        assert image["url"].startswith("data:image/png;base64,iVBORw0KGgo") and image["altText"]
        assert len(json.dumps(digest)) < 28_000
        shown = Image.open(io.BytesIO(base64.b64decode(image["url"].split(",", 1)[1])))
        assert shown.width == chart.CARD
        if width == chart.CARD:
            assert base64.b64decode(image["url"].split(",", 1)[1]) == png
    # Every aspect swinging from level 1 to 4 and back each round is the costliest trend to
    # compress. Where the card leaves too little room for it as drawn, the coarser palette goes
    # in, at the same size; where even that is too large, nothing.
    swinging = [(f"{d:02d} Nov", {key: (1.2 if (d + n) % 2 else 3.8) + n * 0.05 for n, (key, _)
                 in enumerate(aspects)}) for d in range(1, 9)]  # fmt: skip
    png = chart.render(swinging, aspects, LABELS, chart.CARD)
    as_drawn = "data:image/png;base64," + base64.b64encode(png).decode()
    assert chart_image(png, len(as_drawn)) == as_drawn
    coarser = chart_image(png, len(as_drawn) - 1)
    assert coarser and len(coarser) < 0.95 * len(as_drawn)
    shown = Image.open(io.BytesIO(base64.b64decode(coarser.split(",", 1)[1])))
    assert shown.size == Image.open(io.BytesIO(png)).size
    assert chart_image(png, len(coarser) - 1) is None
    no_chart = check(cards.render(Digest(summary, rounds_compared=1)))
    assert not [e for e in no_chart["body"] if e["type"] == "Image"]
    # Noise does not compress: rather than a message Teams would refuse, a note.
    noise = io.BytesIO()
    Image.frombytes("RGB", (1100, 480), os.urandom(1100 * 480 * 3)).save(noise, format="PNG")
    noisy = check(cards.render(Digest(summary, rounds_compared=8, chart_png=noise.getvalue())))
    assert not [e for e in noisy["body"] if e["type"] == "Image"]
    assert "too large for a Teams message" in texts(noisy)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "answer",
        {},
        {"maturitybot": "answer"},
        {"maturitybot": "answer", "round": "x", "question": "adoption", "level": "2"},
        {"maturitybot": "answer", "round": 1, "question": "adoption", "level": "5"},
        {"maturitybot": "answer", "round": True, "question": "adoption", "level": "2"},
        {"maturitybot": "answer", "round": 1, "question": "", "level": "2"},
        {"maturitybot": "ask", "text": "   "},
        {"maturitybot": "delete everything"},
        {"round": 1, "question": "adoption", "level": "2"},  # someone else's card
    ],
)
def test_foreign_or_broken_action_data_is_ignored(data) -> None:
    assert actions.parse(data) is None
