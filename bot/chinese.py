"""Chinese questions, read into the tokens the understanding rules know.

People write levels as 第三级, 三级, 3级, 第３级 or L3, and say "what is the difference",
"how do we get to", "the next level" or "give me an overview" with a handful of everyday
phrases. Those phrases are found in the text and turned into the same marker words an English
question carries (``level 3``, ``vs``, ``reach``, ``next``, ``overview``, ``help``); the rest
is segmented with rjieba (the Rust port of jieba), taught the model's own names so that
自助服务解决方案 stays one word. rjieba is imported only when a question contains Chinese:
English questions and ``maturitybot ask``'s cold start never pay for its dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NUMERALS = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10,
}  # fmt: skip
_NUMBER = r"([一二两三四五六七八九十]|\d{1,6})"
_SUFFIX = r"(?:个级别|个等级|级别|等级|层级|阶段|级|层|阶)"
# Levels, most specific first: 第三级 / 第3级; 三级 / 3 级; 级别 3 / 等级三.
_LEVELS = (
    re.compile(rf"第\s*{_NUMBER}\s*{_SUFFIX}"),
    re.compile(rf"{_NUMBER}\s*{_SUFFIX}"),
    re.compile(rf"(?:级别|等级|层级)\s*{_NUMBER}"),
)
# "this level", "the next level", "one level up", "which level": 一 here is not level 1.
_NOT_LEVELS = re.compile(r"[这那每上下高升再哪]\s*一\s*(?:个)?\s*(?:级别|级|层|阶段)")
# Everyday phrases → the marker word the rules know. Longer phrases are looked for first.
_CUES: dict[str, tuple[str, ...]] = {
    "next": (
        "下一级", "下一个级别", "下个级别", "下一阶段", "下一个阶段", "更高一级", "高一级",
        "升一级", "再往上", "往上一级", "之后", "以后", "接下来", "再上一级",
    ),
    "reach": (
        "达到", "到达", "升到", "提升到", "升级到", "迈向", "进阶到", "晋级", "做到", "走到",
        "过渡到", "进入", "怎么到", "如何到", "才能到", "怎样才能", "怎么升", "如何升", "怎么走",
        "要做什么", "需要做什么", "该做什么", "怎么做", "怎么过渡",
    ),
    "vs": ("区别", "差别", "差异", "不同", "对比", "比较", "相比", "异同", "有啥不一样"),
    "overview": (
        "概览", "总览", "整体", "全貌", "全景", "总体", "概况", "所有方面", "全部方面",
        "几个方面", "哪些方面", "五个方面", "都有哪些", "列一下", "整体结构", "成熟度模型",
        "这个模型", "模型是什么", "模型讲",
    ),
    "help": (
        "帮助", "帮忙", "帮我", "求助", "能做什么", "能干什么", "能干啥", "会什么", "会做什么",
        "怎么用", "如何使用", "怎么使用", "使用说明", "用法", "命令", "指令", "问你什么",
        "你好", "您好", "嗨", "哈喽", "机器人",
    ),
}  # fmt: skip
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_LATIN = re.compile(r"[a-z]+[0-9]+[a-z][a-z0-9]*|[a-z]+|[0-9]+")  # log4shell stays one word

_segmenter: Any = None
_taught: set[str] = set()
# Word lists already taught, by identity (each kept, so its id is never reused): the model's
# names arrive with every question, and walking them again each time would cost more than
# segmenting the question.
_lists: dict[int, tuple[str, ...]] = {}


def has_chinese(text: str) -> bool:
    return HAN.search(text) is not None


def language_of(text: str) -> str:
    """The language a question is written in: Chinese as soon as it has Chinese in it."""
    return "zh" if has_chinese(text) else "en"


def fold(text: str) -> str:
    """Full-width to half-width (３ → 3, ＬＥＶＥＬ → level, ，→ ,), lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


def _number(word: str) -> int:
    return _NUMERALS.get(word) or int(word)


def _mark_levels(text: str) -> str:
    text = _NOT_LEVELS.sub(" ", text)
    for pattern in _LEVELS:
        text = pattern.sub(lambda found: f" level {_number(found.group(1))} ", text)
    return text


def markers(text: str) -> list[str]:
    """The marker words the everyday phrases in ``text`` stand for, once each."""
    found: list[str] = []
    for marker, phrases in _CUES.items():
        if any(phrase in text for phrase in phrases):
            found.append(marker)
    return found


def segmenter(words: Iterable[str] = ()) -> Any:
    """rjieba, loaded on first use and taught ``words`` (the model's names) as whole words."""
    global _segmenter
    if _segmenter is None:
        import rjieba  # builds its dictionary once, at import: use that one instance

        _segmenter = rjieba
    if isinstance(words, tuple) and _lists.get(id(words)) is words:
        return _segmenter
    for word in words:
        if word not in _taught and has_chinese(word):
            _segmenter.add_word(word, 100_000, None)
            _taught.add(word)
    if isinstance(words, tuple):
        _lists[id(words)] = words
    return _segmenter


def words(text: str, names: Iterable[str] = ()) -> list[str]:
    """The words of a Chinese (or mixed) text: Han words as rjieba cuts them, taught
    ``names``; Latin words and numbers as they are; punctuation and spaces dropped."""
    found: list[str] = []
    for piece in segmenter(names).cut(text, False):
        if HAN.search(piece):
            found.append(piece)
        else:
            found += _LATIN.findall(piece)
    return found


def tokens(text: str, names: Iterable[str], limit: int) -> list[str]:
    """A Chinese question as understanding tokens: levels as ``level N``, everyday phrases as
    marker words, the rest segmented."""
    folded = fold(text)
    marked = _mark_levels(folded)
    return [*words(marked, names), *markers(folded)][:limit]
