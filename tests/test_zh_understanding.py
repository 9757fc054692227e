"""How the bot reads Chinese: the question table (tests/data/zh_questions.yaml, 140 questions
written the ways people write them), answered in Chinese, and typed answers in a thread."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import chinese, commands
from bot.handlers.knowledge import answer, respond
from bot.model import Content, load_content
from bot.platforms.text import render
from bot.understand import understand
from bot.wording import speaking

TABLE = yaml.safe_load((Path(__file__).parent / "data" / "zh_questions.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def test_the_table_is_broad() -> None:
    assert len(TABLE) >= 60
    assert {row["intent"] for row in TABLE} == {
        "level", "aspect", "compare", "overview", "help", "smalltalk",
    }  # fmt: skip


@pytest.mark.parametrize("row", TABLE, ids=[row["q"] for row in TABLE])
def test_reads_chinese_questions(content: Content, row: dict) -> None:
    """Read as the bot answers: a question that says more than the cells it names is searched
    for first, and read as the table says when nothing is found."""
    answered = respond(row["q"], content, "zh")
    intent = answered.intent
    levels = list(intent.levels) if intent.levels else None
    assert (answered.kind, intent.aspect, intent.level, levels) == (
        row["intent"], row["aspect"], row["level"], row["levels"],
    )  # fmt: skip


def test_a_chinese_question_is_answered_from_the_chinese_content(content: Content) -> None:
    model = content.model("zh")
    intent = understand("测量的第三级是什么", model, content.model())
    with speaking("zh"):
        text = render(answer(intent, model, "zh"))
    assert "洞察" in text and model.aspect("measurement").level(3).description in text
    assert "Insights" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("采纳 3", commands.Answer("采纳", 3, None)),
        ("度量第三级", commands.Answer("度量", 3, None)),
        ("运营 不确定", commands.Answer("运营", None, None)),
        ("接口 ２级 -- 门户刚上线", commands.Answer("接口", 2, "门户刚上线")),
        ("第四级", commands.Answer(None, 4, None)),
        ("不清楚", commands.Answer(None, None, None)),
    ],
)
def test_typed_answers_in_chinese(text: str, expected: commands.Answer) -> None:
    assert commands.answer(text) == expected


def test_out_of_range_levels_are_refused_in_chinese_too() -> None:
    with pytest.raises(commands.CommandError, match="1 to 4"):
        commands.answer("采纳 第五级")


def test_language_and_confirmations() -> None:
    assert chinese.language_of("level 3 度量") == "zh"
    assert chinese.language_of("what is level 3") == "en"
    assert commands.parse("language zh") == commands.Language("zh")
    assert commands.parse("language 中文") == commands.Language("zh")
    assert commands.parse("确认") == commands.Confirmed()
    with pytest.raises(commands.CommandError):
        commands.parse("language klingon")


def test_segmenter_is_loaded_only_for_chinese(content: Content) -> None:
    """English questions never import rjieba (its dictionary costs a quarter second)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from bot.model import load_content\n"
        "from bot.understand import understand\n"
        "c = load_content()\n"
        "understand('what is level 3 measurement', c.model())\n"
        "assert 'rjieba' not in sys.modules, 'rjieba imported for English'\n"
        "understand('度量第三级', c.model('zh'), c.model())\n"
        "assert 'rjieba' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
