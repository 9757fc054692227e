"""The model's content as the passages search looks through: every description sentence,
characteristic, example and next-level move of every cell, one sentence each where a text has
several, so an answer can quote just the sentence that matched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.model import MaturityModel

# A sentence ends at . ! ? followed by a space and a capital (English), or at 。！？；(Chinese).
_ENGLISH_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_CHINESE_END = re.compile(r"(?<=[。！？；])")

TITLE, DESCRIPTION, CHARACTERISTIC, SCENARIO, MOVE = (
    "title",
    "description",
    "characteristic",
    "scenario",
    "move",
)


@dataclass(frozen=True)
class Passage:
    """One sentence of one cell, and which part of the cell it comes from."""

    aspect: str
    level: int
    part: str
    text: str

    @property
    def cell(self) -> tuple[str, int]:
        return (self.aspect, self.level)


@dataclass(frozen=True)
class Quote:
    """A sentence of the model as an answer shows it: with the spans of the words that
    matched the question (character offsets), for the platform to highlight."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def pieces(self) -> list[tuple[str, bool]]:
        """The sentence as (text, marked) pieces, in order."""
        found, at = [], 0
        for start, end in self.marks:
            if start > at:
                found.append((self.text[at:start], False))
            found.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            found.append((self.text[at:], False))
        return found


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, in either language."""
    pieces: list[str] = []
    for chunk in _ENGLISH_END.split(text.strip()):
        pieces += [piece for piece in _CHINESE_END.split(chunk) if piece.strip()]
    return [piece.strip() for piece in pieces]


def passages(model: MaturityModel) -> Iterator[Passage]:
    """Every passage of the model, cell by cell. The title passage carries the aliases too,
    so "tiger team" or "cost centre" find their cell."""
    for aspect in model.aspects:
        for level in aspect.levels:

            def of(part: str, text: str, key: str = aspect.key, n: int = level.number) -> Passage:
                return Passage(key, n, part, text)

            yield of(TITLE, " · ".join((level.title, *level.aliases)))
            for sentence in sentences(level.description):
                yield of(DESCRIPTION, sentence)
            for item in level.characteristics:
                yield of(CHARACTERISTIC, item)
            for scenario in level.scenarios:
                for sentence in sentences(scenario):
                    yield of(SCENARIO, sentence)
            for move in level.how_to_get_here:
                yield of(MOVE, move)
