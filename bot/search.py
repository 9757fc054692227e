"""A question → the cells of the model that answer it, with the sentences that show why.

The question's own words are looked up in the index (bm25s weights, see ``bot.index``); the
practitioner words it uses ("SLO", "工单") add the model's words for them at a lower weight and
lift the cells where the model describes them. A cell scores, for each word, its best sentence
(so a word repeated across a cell is not counted twice, and a cell that covers more of the
question wins), plus a little for its single best sentence (words found together).

``find`` answers "which level mentions X"; ``fits`` answers "where are we?" from a described
situation: the best levels of one aspect, or the best level of each aspect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from bot import analysis
from bot.cues import ASKING_WORDS, CHINESE_ASKING, ENGLISH_STOP
from bot.index import Index
from bot.passages import TITLE, Quote
from bot.understand import deletion_index, deletions, edit_distance

EXPANSION_WEIGHT = 0.45  # the model's words for a practitioner term, relative to the question's
LIFT = 2.6  # what naming a practitioner term adds to the cells it points to (first one)
LIFT_STEP = 0.2  # and how much less for each cell after the first
NAMED_LIFT = 2.0  # a cell the question names by one of its aliases ("tiger team")
TOGETHER = 0.35  # share of the best single sentence's score added on top
OTHERS = 0.3  # other cells are shown when they score at least this share of the best
ASPECTS_SHOWN = 0.6  # "where are we?" names another aspect from this share of the best one
SECOND_FIT = 0.75  # … and a second level of the named aspect from this share of the first
MAX_HITS = 5
MAX_QUOTES = 2


@dataclass(frozen=True)
class Hit:
    cell: tuple[str, int]
    score: float
    quotes: tuple[Quote, ...]


@dataclass
class _Query:
    weights: dict[str, float]
    lifts: dict[tuple[str, int], float]
    strong: bool  # something in it can make a match on its own


@cache
def _asking_terms() -> frozenset[str]:
    """The words of asking as search terms (stemmed as a question's words are)."""
    stems = {analysis.stem(word) for word in ASKING_WORDS if len(word) > 2}
    return frozenset(stems | ASKING_WORDS | CHINESE_ASKING)


def read(index: Index, text: str, ignore: Iterable[str] = ()) -> _Query:
    """The question as weighted search terms and lifted cells. ``ignore`` are words the
    question uses to name its scope (an aspect's name), not its subject."""
    analysis.teach(index.taught)
    skip = _asking_terms()
    for word in ignore:
        skip = skip | set(analysis.terms(word, index.lang))
    found = list(analysis.spans(text, index.lang))
    weights: dict[str, float] = {}
    strong = False
    for term, _, _ in found:
        if term in skip or term in weights:
            continue
        weights[term] = 1.0
        strong = strong or (term in index.postings and term not in index.weak)
    lifts: dict[tuple[str, int], float] = {}
    said = analysis.terms(text, index.lang, analysis.PHRASE_STOP)
    for gloss in _glosses(index, text, said):
        strong = True
        for word in index.glosses[gloss].expansion:
            weights[word] = max(weights.get(word, 0.0), EXPANSION_WEIGHT)
        for rank, cell in enumerate(index.glosses[gloss].cells):
            lift = LIFT * (1 - LIFT_STEP * rank)
            lifts[cell] = max(lifts.get(cell, 0.0), lift)
    return _Query(weights, lifts, strong)


def _glosses(index: Index, text: str, terms: list[str]) -> list[int]:
    """The vocabulary terms the question says: the longest phrase wins where two overlap."""
    found: list[int] = []
    i = 0
    while i < len(terms):
        for phrase, gloss in index.latin.get(terms[i], ()):
            if tuple(terms[i : i + len(phrase)]) == phrase:
                found.append(gloss)
                i += len(phrase) - 1
                break
        i += 1
    if index.han and analysis.has_han(text):
        said = _han_phrases(index)
        found += [
            said[match.group()] for match in _han_pattern(index).finditer(analysis.fold(text))
        ]
    return list(dict.fromkeys(found))


# Compiled once per index in this process (not pickled): the Chinese phrases, longest first,
# found left to right without overlapping.
_HAN: dict[int, tuple[Index, re.Pattern[str], dict[str, int]]] = {}


def _han_compiled(index: Index) -> tuple[re.Pattern[str], dict[str, int]]:
    found = _HAN.get(id(index))
    if found is None or found[0] is not index:
        said: dict[str, int] = {}
        for phrase, gloss in index.han:
            said.setdefault(phrase, gloss)
        ordered = sorted(said, key=lambda phrase: (-len(phrase), phrase))
        pattern = re.compile("|".join(re.escape(phrase) for phrase in ordered))
        found = _HAN[id(index)] = (index, pattern, said)
    return found[1], found[2]


def _han_pattern(index: Index) -> re.Pattern[str]:
    return _han_compiled(index)[0]


def _han_phrases(index: Index) -> dict[str, int]:
    return _han_compiled(index)[1]


def _score(
    index: Index,
    query: _Query,
    allowed: set[tuple[str, int]] | None,
    named: Iterable[tuple[str, int]] = (),
) -> tuple[dict[tuple[str, int], float], dict[int, float]]:
    # Passages are scored by number and cells by their index in ``index.cells`` (plain ints
    # hash fastest); each word counts its best sentence in a cell, once.
    by_sentence: dict[int, float] = {}
    totals: dict[int, float] = {}
    owner = index.owner
    keys = index.cell_keys
    for term, weight in query.weights.items():
        best: dict[int, float] = {}
        for passage, value in index.postings.get(term, ()):
            cell = owner[passage]
            if allowed is not None and keys[cell] not in allowed:
                continue
            scored = weight * value
            by_sentence[passage] = by_sentence.get(passage, 0.0) + scored
            if scored > best.get(cell, 0.0):
                best[cell] = scored
        for cell, value in best.items():
            totals[cell] = totals.get(cell, 0.0) + value
    together: dict[int, float] = {}
    for passage, value in by_sentence.items():
        cell = owner[passage]
        if value > together.get(cell, 0.0):
            together[cell] = value
    cells = {keys[cell]: value + TOGETHER * together[cell] for cell, value in totals.items()}
    lifts = dict(query.lifts)
    for key in named:
        lifts[key] = lifts.get(key, 0.0) + NAMED_LIFT
    for key, lift in lifts.items():
        if allowed is None or key in allowed:
            cells[key] = cells.get(key, 0.0) + lift
    return cells, by_sentence


def _allowed(
    index: Index, aspect: str | None, levels: Iterable[int] | None
) -> set[tuple[str, int]] | None:
    if aspect is None and levels is None:
        return None
    wanted = set(levels) if levels is not None else None
    return {
        cell
        for cell in index.cells
        if (aspect is None or cell[0] == aspect) and (wanted is None or cell[1] in wanted)
    }


def find(
    index: Index,
    text: str,
    aspect: str | None = None,
    levels: Iterable[int] | None = None,
    named: Iterable[tuple[str, int]] = (),
    ignore: Iterable[str] = (),
) -> list[Hit]:
    """The cells that answer ``text``, best first (at most five), each with the one or two
    sentences that matched; empty when nothing in the question can be found in the model."""
    query = read(index, text, ignore)
    named = tuple(named)
    if not query.strong and not named:
        return []
    cells, sentences = _score(index, query, _allowed(index, aspect, levels), named)
    ranked = sorted(cells.items(), key=lambda item: (-item[1], item[0]))
    if not ranked or ranked[0][1] <= 0:
        return []
    floor = OTHERS * ranked[0][1]
    return [
        Hit(cell, round(score, 3), _quotes(index, cell, sentences, query))
        for cell, score in ranked[:MAX_HITS]
        if score >= floor
    ]


def fits(
    index: Index,
    text: str,
    aspect: str | None = None,
    levels: Iterable[int] | None = None,
    named: Iterable[tuple[str, int]] = (),
    ignore: Iterable[str] = (),
) -> list[Hit]:
    """For a described situation: the best-fitting levels of ``aspect`` (best first), or,
    without one, the best-fitting level of each aspect the description touches."""
    levels = tuple(levels) if levels is not None else None
    named = tuple(named)
    if aspect is not None:
        hits = find(index, text, aspect, levels, named, ignore)
        second = len(hits) > 1 and hits[1].score >= SECOND_FIT * hits[0].score
        return hits[:2] if second else hits[:1]
    query = read(index, text, ignore)
    if not query.strong and not named:
        return []
    cells, sentences = _score(index, query, _allowed(index, None, levels), named)
    if not cells or max(cells.values()) <= 0:
        return []
    best: dict[str, tuple[tuple[str, int], float]] = {}
    for cell, score in cells.items():
        if cell[0] not in best or score > best[cell[0]][1]:
            best[cell[0]] = (cell, score)
    ranked = sorted(best.values(), key=lambda item: (-item[1], item[0]))
    floor = ASPECTS_SHOWN * ranked[0][1]
    return [
        Hit(cell, round(score, 3), _quotes(index, cell, sentences, query))
        for cell, score in ranked
        if score >= floor
    ]


def _quotes(
    index: Index, cell: tuple[str, int], sentences: dict[int, float], query: _Query
) -> tuple[Quote, ...]:
    """The cell's best-matching sentences (not its title line), words that matched marked;
    its description's first sentence when only the vocabulary pointed here."""
    ids = [i for i in index.cells[cell] if index.passages[i].part != TITLE]
    scored = sorted((i for i in ids if sentences.get(i)), key=lambda i: -sentences[i])
    chosen = scored[:MAX_QUOTES] or ids[:1]
    if len(chosen) == 2 and sentences.get(chosen[1], 0) < 0.5 * sentences.get(chosen[0], 0):
        chosen = chosen[:1]
    return tuple(_quote(index, i, query) for i in sorted(chosen))


def _quote(index: Index, number: int, query: _Query) -> Quote:
    passage = index.passages[number]
    if len(analysis.fold(passage.text)) != len(passage.text):
        return Quote(passage.text)  # folding moved the characters: no spans to trust
    found = sorted(
        (start, end) for term, start, end in index.spans[number] if term in query.weights
    )
    marks: list[tuple[int, int]] = []
    for start, end in found:
        # Overlapping words (Chinese search mode cuts 古德哈特定律 and 哈特 both) and words
        # side by side ("cost centre") read better as one mark.
        if marks and not passage.text[marks[-1][1] : start].strip():
            marks[-1] = (marks[-1][0], max(end, marks[-1][1]))
        else:
            marks.append((start, end))
    return Quote(passage.text, tuple(marks))


def closest(index: Index, text: str, limit: int = 3) -> list[Hit]:
    """When nothing matched: the cells of the words the question nearly used ("chargebak",
    "goldn path"), by one or two typing slips from a word of the content."""
    guesses: dict[str, float] = {}
    for word, _, _ in analysis.english_words(analysis.fold(text)):
        if len(word) < 6 or word in ASKING_WORDS or word in ENGLISH_STOP:
            continue
        for term in _near(index, word):
            if term not in index.weak:
                guesses[term] = 1.0
    if not guesses:
        return []
    query = _Query(guesses, {}, True)
    cells, sentences = _score(index, query, None)
    ranked = sorted(cells.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [
        Hit(cell, round(score, 3), _quotes(index, cell, sentences, query)) for cell, score in ranked
    ]


def _slips(word: str) -> int:
    """How many typing slips a word may carry and still be recognised."""
    return 1 if len(word) < 7 else 2


# The content's words by their deletions, built on the first fallback only (once per index in
# this process): a misspelt word is then compared with a handful of candidates, not all.
_NEAR: dict[int, tuple[Index, dict[str, frozenset[str]]]] = {}


def _near(index: Index, word: str) -> set[str]:
    known = _NEAR.get(id(index))
    if known is None or known[0] is not index:
        table = deletion_index((written, _slips(written)) for written in index.surface)
        known = _NEAR[id(index)] = (index, table)
    candidates: set[str] = set()
    for variant in deletions(word, _slips(word)):
        candidates |= known[1].get(variant, frozenset())
    return {
        index.surface[written]
        for written in candidates
        if written[0] == word[0] and edit_distance(word, written) <= _slips(word)
    }
