"""Block Kit within Slack's limits for every reply the bot can give, and never a person's
markup smuggled into mrkdwn."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.handlers.knowledge import answer, respond
from bot.model import Content, MaturityModel, Surveys, load_content
from bot.passages import Quote, passages
from bot.platforms.slack.blocks import message
from bot.platforms.slack.home import home_view
from bot.platforms.slack.kit import OPEN_ACTION
from bot.platforms.slack.payloads import CellOpened, cell_opened
from bot.replies import (
    AspectScore,
    CellMatch,
    Digest,
    Notice,
    RoundSummary,
    RoundTitle,
    SearchAnswer,
    SurveyQuestion,
    openable,
)
from bot.understand import understand
from bot.wording import Say, speaking

QUESTIONS = [
    "what is level 3 adoption",
    "level 4 investment",
    "what is level 2",
    "tell me about measurement",
    "overview",
    "compare level 1 and 4 interfaces",
    "from level 2 to 3",
    "help",
    "gibberish words here",
]


def check_limits(content: dict) -> None:
    blocks = content["blocks"]
    assert 1 <= len(blocks) <= 50 and content["text"]
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
        for element in block.get("elements", []):
            if element["type"] == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element["value"]) <= 2000 and len(element["action_id"]) <= 255


@pytest.mark.parametrize("question", QUESTIONS)
def test_knowledge_answers_fit_slack(model: MaturityModel, question: str) -> None:
    check_limits(message(answer(understand(question, model), model)))


# Searches, "where are we?", the model itself, small talk and the fallback, in both languages.
SEARCHING = [
    "which level mentions SLOs?",
    "we have a permanent platform team paid from the central IT budget but mostly react to "
    "requests — where are we on investment?",
    "Nobody owns the shared tooling, a couple of engineers keep it alive in their spare time. "
    "Where are we?",
    "who wrote this model",
    "thanks, that helps",
    "give me a quick self assessment",
    "which level mentions chargebak",
    "哪一级提到了 SLO？",
    "我们有一个常设的平台团队，经费来自中央 IT 预算，但大部分时间都在响应各种请求。"
    "投入方面我们处于哪一级？",
    "这个模型是谁写的？",
    "谢谢",
]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def open_buttons(content: dict) -> list[dict]:
    return [
        block["accessory"]
        for block in content["blocks"]
        if block.get("accessory", {}).get("type") == "button"
    ]


@pytest.mark.parametrize("question", SEARCHING)
def test_searches_fit_slack_with_a_button_per_cell(content: Content, question: str) -> None:
    reply = respond(question, content).reply
    with speaking(reply.lang):
        shown = message(reply)
    check_limits(shown)
    cells = openable(reply)
    buttons = open_buttons(shown)
    assert len(buttons) == len(cells)
    assert len({b["action_id"] for b in buttons}) == len(buttons)  # unique in the message
    for button, match in zip(buttons, cells, strict=True):
        assert button["action_id"].startswith(OPEN_ACTION)
        opened = cell_opened(json.loads(button["value"]))
        assert opened == CellOpened(match.aspect.key, match.level.number, reply.lang)


def test_the_longest_search_answer_still_fits(model: MaturityModel) -> None:
    longest = sorted(passages(model), key=lambda p: len(p.text))[-10:]
    matches = tuple(
        CellMatch(
            model.aspect(p.aspect),
            model.aspect(p.aspect).level(p.level),
            model.generic(p.level),
            (Quote(p.text, ((0, 5),)), Quote(p.text)),
        )
        for p in longest[:5]
    )
    check_limits(message(SearchAnswer(matches, model.attribution.line)))


def test_matched_words_are_bold_and_user_text_stays_escaped(content: Content) -> None:
    shown = message(respond("which level mentions SLOs?", content).reply)
    assert "*SLO*" in shown["blocks"][0]["text"]["text"]
    zh = respond("哪一级提到了古德哈特定律", content).reply
    with speaking("zh"):
        text = message(zh)["blocks"][0]["text"]["text"]
    # Slack starts bold only after a space: beside Chinese a zero-width space stands in.
    assert "\u200b*古德哈特定律*\u200b" in text


def test_a_level_answer_has_header_characteristics_attribution_and_buttons(
    model: MaturityModel,
) -> None:
    content = message(answer(understand("what is level 2 operations", model), model))
    kinds = [block["type"] for block in content["blocks"]]
    assert kinds[0] == "header" and "context" in kinds and kinds[-1] == "context"
    assert "CC BY 4.0" in content["blocks"][-1]["elements"][0]["text"]
    actions = next(b for b in content["blocks"] if b["type"] == "actions")
    labels = [e["text"]["text"] for e in actions["elements"]]
    assert labels == ["Next level", "Compare with next"]
    # The follow-up answers in the language of the answer it was on.
    assert json.loads(actions["elements"][0]["value"]) == {"a": "operations", "l": 2, "g": "en"}
    top = message(answer(understand("what is level 4 operations", model), model))
    assert not any(b["type"] == "actions" for b in top["blocks"])


def test_every_survey_question_fits_with_one_button_per_level(
    model: MaturityModel, surveys: Surveys
) -> None:
    model_questions = [q for s in surveys.templates.values() for q in s.questions]
    for question in model_questions:
        reply = SurveyQuestion(7, question, model.aspect(question.aspect), 1, 20, 3)
        content = message(reply)
        check_limits(content)
        values = [
            json.loads(e["value"])
            for b in content["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        levels = [v.get("l") for v in values if "l" in v]
        assert levels == [1, 2, 3, 4] and all(v["r"] == 7 for v in values)
        assert "3 responses" in json.dumps(content["blocks"])
        closed = message(SurveyQuestion(7, question, model.aspect(question.aspect), 1, 20, 3, True))
        assert not any(b["type"] == "actions" for b in closed["blocks"])


def test_markup_in_text_is_escaped() -> None:
    said = Say("{text}", (("text", "<!channel> & <@U123>"),))  # user text in a notice
    content = message(Notice(said, private=True))
    assert content["blocks"][0]["text"]["text"] == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_a_long_summary_is_cut_to_fit(model: MaturityModel) -> None:
    scores = tuple(
        AspectScore(a, 9, 9, False, 2.5, 2.5, (2, 2, 3, 2), None, True, ("x" * 1900,) * 5)
        for a in model.aspects
    )
    now = datetime(2025, 1, 6, tzinfo=UTC)
    summary = RoundSummary(1, RoundTitle(2), now, now, 9, 12, scores, 3, attribution="CC BY 4.0")
    check_limits(message(summary))
    check_limits(message(Digest(summary, rounds_compared=4)))
    view = home_view(model, [("C1", summary, "UTC")] * 10)
    assert len(view["blocks"]) <= 100
