"""Text → search terms, the same way for the model's sentences and for a question.

English words are lower-cased, small words dropped and the rest reduced to their Snowball stem
("provisioning" and "provision" meet). Chinese is cut with rjieba in search mode, which also
yields the shorter words inside a long one (内部开发者门户 → 内部, 开发者, 门户, …), so a
question need not use the model's exact compound; Latin words inside Chinese text (SLO, CI/CD,
Kubernetes) are read as English. Each term can be found again in its sentence (``spans``), so
an answer can highlight the words that matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

from bot import chinese
from bot.cues import CHINESE_STOP, ENGLISH_STOP, word_list

_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: the Snowball stemmers, a small C extension

    return Stemmer.Stemmer("english")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def fold(text: str) -> str:
    """Full-width to half-width, lower case: how both sides are compared."""
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def english_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Each Latin word of ``text`` (already folded) with where it stands."""
    for found in _LATIN_WORD.finditer(text):
        word = found.group().replace("’", "'")
        yield word, found.start(), found.end()


def _english_term(word: str, stop: frozenset[str]) -> str | None:
    if word in stop:
        return None
    if word.endswith("'s"):
        word = word[:-2]
    return stem(word) if len(word) > 2 else word


# Negation: "needs no ticket", "without waiting", "不用提工单" say the opposite of their words,
# so the index counts such words for less (see bot.index). A negation reaches the next few
# words, up to a comma or full stop, and not through "not only".
_ENGLISH_NEGATORS = word_list(
    "no not never without nobody none nor cannot can't don't doesn't isn't aren't won't "
    "instead rather"
)
_NOT_NEGATING = frozenset({"only", "just", "merely", "least"})
# Practitioners' phrases are matched keeping their negations: "nobody owns" is not "owns".
PHRASE_STOP = ENGLISH_STOP - _ENGLISH_NEGATORS - {"nobody", "none"}
_ENGLISH_REACH = 3
_ENGLISH_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[,.;:!?()]")
_CHINESE_NEGATORS = tuple(
    word_list("不用 不必 无需 没有 不再 从不 从没 并非 而不是 不是 没 不 无 别")
)
_CHINESE_NOT_NEGATING = tuple(word_list("不只 不止 不仅 不光 不少 不断 不同 不一"))
_CHINESE_REACH = 4  # characters after the negator
_CHINESE_BREAK = re.compile(r"[，。；：、,.;:!?！？]")


def readings(
    text: str, lang: str, stop: frozenset[str] = ENGLISH_STOP
) -> Iterator[tuple[str, int, int, bool]]:
    """Every search term of ``text``: the term, the span it came from, and whether a
    negation covers it."""
    folded = fold(text)
    if lang == "zh" or _HAN.search(folded):
        yield from _chinese_readings(folded, stop)
        return
    reach = 0
    for found in _ENGLISH_TOKEN.finditer(folded):
        word = found.group().replace("’", "'")
        if not word[0].isalnum():
            reach = 0
            continue
        if word in _ENGLISH_NEGATORS:
            reach = _ENGLISH_REACH
            continue
        if reach and word in _NOT_NEGATING:
            reach = 0
        term = _english_term(word, stop)
        if term:
            yield term, found.start(), found.end(), reach > 0
            reach = max(reach - 1, 0)


def _chinese_readings(folded: str, stop: frozenset[str]) -> Iterator[tuple[str, int, int, bool]]:
    negator_end: int | None = None
    for piece, start, end in chinese.segmenter().tokenize(folded, "search"):
        negated = (
            negator_end is not None
            and negator_end <= start <= negator_end + _CHINESE_REACH
            and not _CHINESE_BREAK.search(folded, negator_end, start)
        )
        if not _HAN.search(piece):
            for word, offset, finish in english_words(piece):
                term = _english_term(word, stop)
                if term:
                    yield term, start + offset, start + finish, negated
            continue
        if piece.startswith(_CHINESE_NEGATORS) and not folded.startswith(
            _CHINESE_NOT_NEGATING, start
        ):
            negator_end = end
            if piece in _CHINESE_NEGATORS:
                continue
            negated = False
        if len(piece) > 1 and piece not in CHINESE_STOP:
            yield piece, start, end, negated


def spans(
    text: str, lang: str, stop: frozenset[str] = ENGLISH_STOP
) -> Iterator[tuple[str, int, int]]:
    """Every search term of ``text`` with the span of the characters it came from."""
    for term, start, end, _ in readings(text, lang, stop):
        yield term, start, end


def terms(text: str, lang: str, stop: frozenset[str] = ENGLISH_STOP) -> list[str]:
    """The search terms of ``text``, in order, repeats kept (they count in BM25)."""
    return [term for term, _, _ in spans(text, lang, stop)]


def teach(words: tuple[str, ...]) -> None:
    """Keep these Chinese phrases whole when segmenting (and their parts, in search mode).
    Nothing to teach loads nothing: English never imports the segmenter."""
    if words:
        chinese.segmenter(words)
