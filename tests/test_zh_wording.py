"""The Chinese catalog renders as a Chinese reader expects: dates, counts, titles, lists and
composed sentences, with commands left in English and Chinese punctuation around them.

Without a compiled zh catalog, or with a broken one, every message falls back to English and
these assertions fail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import phrases
from bot.platforms.text import render
from bot.replies import Confirm, PulseParent, RoundTitle
from bot.when import describe_days
from bot.wording import Listed, Moment, speaking, t, tc

CATALOG = Path(__file__).resolve().parent.parent / "bot" / "locale" / "zh" / "LC_MESSAGES"
# Friday 4 December 2026, 16:00 in Berlin.
AT = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    with speaking("zh"):
        yield


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("moment", "12月4日 周五 16:00"),
        ("short", "周五 16:00"),
        ("day", "12月4日"),
        ("date", "2026年12月4日 周五"),
    ],
    ids=["moment", "short", "day", "date"],
)
def test_dates_read_the_chinese_way(style: str, shown: str) -> None:
    assert str(Moment(AT, BERLIN, style=style)) == shown


def test_a_date_people_act_on_names_its_timezone_in_full_width_brackets() -> None:
    said = phrases.closes(AT, BERLIN)
    assert str(said) == "截止时间：12月4日 周五 16:00（Europe/Berlin）。"


def test_counts_render_with_the_number_in_every_form() -> None:
    assert str(phrases.responses(1)) == "1 份回答"
    assert str(phrases.responses(7)) == "7 份回答"
    assert str(phrases.people_answered(4, 5)) == "5 人中已有 4 人作答。"
    assert str(phrases.trend_over(3)) == "最近 3 轮的变化趋势。"


def test_round_titles_and_levels() -> None:
    assert str(phrases.round_title(RoundTitle(48))) == "平台成熟度脉搏调查 · 第 48 周"
    assert str(phrases.results_title(RoundTitle(48))) == "结果：平台成熟度脉搏调查 · 第 48 周"
    assert str(phrases.choice(3)) == "第 3 级"
    assert str(phrases.choice(None)) == "不确定"


def test_lists_and_weekly_schedules() -> None:
    assert str(Listed(("周一", "周三"))) == "周一、周三"
    assert str(describe_days("mon,wed,fri")) == "每周一、周三和周五"
    assert str(describe_days("thu")) == "每周四"
    assert str(describe_days("mon,tue,wed,thu,fri")) == "每个工作日"


def test_sentences_follow_one_another_without_a_gap() -> None:
    first, second = t("Next: {moment}.", moment="A"), t("(This replaces the earlier schedule.)")
    assert str(t("{first} {second}", first=first, second=second)) == (
        "下一次：A。（已替换之前的定时计划。）"
    )


def test_a_whole_reply_in_the_terminal() -> None:
    parent = PulseParent(1, RoundTitle(49), "快速调查", AT, 5, BERLIN)
    title, detail = render(parent).splitlines()[:2]
    assert title == "平台成熟度脉搏调查 · 第 49 周"
    assert detail.startswith("快速调查：本话题中共 5 道题，")
    assert "12月4日 周五 16:00（Europe/Berlin）截止。" in detail
    assert detail.endswith("回答严格保密：只展示汇总数据，不会显示谁选了什么。")


def test_the_confirmation_names_yes_and_its_chinese_word() -> None:
    shown = render(Confirm(t("Stopped the pulse schedule here."), "forget me confirm"))
    assert "`yes`" in shown and "确认" in shown


def test_example_questions_are_chinese_questions() -> None:
    shown = str(tc("example question", "extrinsic push vs intrinsic pull"))
    assert shown == "外在推动和内在拉动有什么区别"  # the zh model's titles for adoption 2 and 3


# --- the catalog as a whole -------------------------------------------------------------------

_TICKED = re.compile(r"`[^`]*`")
_CJK = r"[\u4e00-\u9fff]"
_ASCII_PUNCTUATION_NEXT_TO_CHINESE = re.compile(f"{_CJK}[,.;:!?()]|[,.;:!?()]{_CJK}")
# Says `yes` where the English says “yes”: the one place the Chinese adds a command.
_ADDS_A_COMMAND = {"Type “yes” to go ahead; anything else cancels."}


def _entries() -> list[tuple[str | None, str, str]]:
    with (CATALOG / "messages.po").open("rb") as source:
        catalog = read_po(source)
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(message.context, ids[0], form) for form in forms]
    return found


def test_commands_in_backticks_stay_exactly_as_in_english() -> None:
    for _, source, translated in _entries():
        if source in _ADDS_A_COMMAND:
            continue
        assert sorted(_TICKED.findall(translated)) == sorted(_TICKED.findall(source)), source


def test_chinese_sentences_use_full_width_punctuation() -> None:
    for context, source, translated in _entries():
        if context == "date pattern":
            continue
        prose = _TICKED.sub("", translated)
        assert not _ASCII_PUNCTUATION_NEXT_TO_CHINESE.search(prose), (source, translated)
