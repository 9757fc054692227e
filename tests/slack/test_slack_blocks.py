"""Block Kit within Slack's limits for every reply the bot can give, and never a person's
markup smuggled into mrkdwn."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.handlers.knowledge import answer
from bot.model import MaturityModel, Surveys
from bot.platforms.slack.blocks import message
from bot.platforms.slack.home import home_view
from bot.replies import AspectScore, Digest, Notice, RoundSummary, RoundTitle, SurveyQuestion
from bot.understand import understand
from bot.wording import Say

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
