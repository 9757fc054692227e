"""Text → intent: what a person asks about the maturity model.

No platform knowledge lives here: each platform adapter strips its own markup before text
arrives. Understanding is a few dictionary look-ups over normalised tokens, so it stays
fast (tens of microseconds a question) and can never raise on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot import chinese
from bot.model import MaturityModel, normalise_name

LEVEL, ASPECT, OVERVIEW, COMPARE, HELP, UNKNOWN = (
    "level",
    "aspect",
    "overview",
    "compare",
    "help",
    "unknown",
)
INTENTS = (LEVEL, ASPECT, OVERVIEW, COMPARE, HELP, UNKNOWN)

# Long inputs are cut: nobody asks a question in more than this, and it bounds the work.
MAX_CHARS = 2000
MAX_TOKENS = 120
MAX_TYPO_TOKEN = 24


@dataclass(frozen=True)
class Intent:
    """What the person asked for. ``levels`` is set (ascending) only for ``compare``."""

    kind: str
    aspect: str | None = None
    level: int | None = None
    levels: tuple[int, int] | None = None
    suggestion: str | None = None
    out_of_range: int | None = None


# --- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def tokens_of(text: str) -> list[str]:
    """Lower-case word and number tokens; ``L3`` and ``lvl3`` split into a prefix and a number."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    return _TOKEN.findall(text)[:MAX_TOKENS]


# --- words that carry meaning --------------------------------------------------------------------

_NUMBER_WORDS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "one": 1, "two": 2, "three": 3, "four": 4,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,
}  # fmt: skip
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_LEVEL_WORDS = {"level", "levels", "lvl", "lvls", "lv", "l", "lev", "stage", "stages", "tier"}
_CONNECTORS = {"and", "or", "to", "vs", "versus", "v", "through", "thru", "from", "with", "until"}
_COMPARE_WORDS = {
    "compare", "comparing", "comparison", "vs", "versus", "difference", "differences",
    "differ", "between", "contrast", "from",
}  # fmt: skip
_CLIMB_WORDS = {"reach", "achieve", "get", "move", "go", "advance", "progress", "climb", "become"}
_NEXT_WORDS = {"next", "beyond", "after", "above", "following"}
_OVERVIEW_WORDS = {
    "overview", "model", "maturity", "everything", "summary", "summarise", "summarize", "table",
    "matrix", "aspects", "glance", "framework", "cncf", "all",
}  # fmt: skip
_HELP_WORDS = {"help", "commands", "command", "usage", "howto", "hi", "hello", "hey", "start"}
# Words too common to ever be "corrected" into a model word.
_PLAIN_WORDS = {
    "what", "which", "when", "where", "about", "their", "there", "these", "those", "would",
    "should", "could", "does", "tell", "explain", "describe", "means", "mean", "show", "please",
    "thanks", "thank", "level", "levels", "stage", "team", "teams", "platform", "platforms",
    "our", "ours", "your", "with", "from", "that", "this", "have", "into", "then", "than",
    "other", "another", "within", "looks", "like", "look", "today", "doing", "know",
}  # fmt: skip


@dataclass(frozen=True)
class _Mention:
    kind: str  # "aspect", "title" or "generic"
    aspect: str | None = None
    level: int | None = None


@dataclass
class Lexicon:
    """Everything understanding needs from one model, indexed for look-up."""

    phrases: dict[tuple[str, ...], _Mention]
    longest: int
    vocabulary: frozenset[str]
    display: dict[str, str]
    names: tuple[str, ...] = ()  # the Chinese names, for the segmenter to keep whole
    _deletes: dict[str, frozenset[str]] | None = field(default=None, repr=False)
    _near: dict[str, frozenset[str]] | None = field(default=None, repr=False)

    @property
    def deletes(self) -> dict[str, frozenset[str]]:
        """Typo index: model words (5+ letters) and their one- or two-letter deletions.

        Built on the first unknown word only, so the fast path and cold start skip it.
        """
        if self._deletes is None:
            self._deletes = _deletion_index(
                (word, 2 if len(word) >= 8 else 1) for word in self.vocabulary if len(word) >= 5
            )
        return self._deletes

    @property
    def near(self) -> dict[str, frozenset[str]]:
        """Suggestion index: model words of 4+ letters with two deletions (three from 8)."""
        if self._near is None:
            self._near = _deletion_index(
                (word, _suggest_depth(word)) for word in self.vocabulary if len(word) >= 4
            )
        return self._near


def _suggest_depth(word: str) -> int:
    return 3 if len(word) >= 8 else 2


def _deletion_index(words: Iterable[tuple[str, int]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for word, depth in words:
        for variant in _deletions(word, depth):
            index.setdefault(variant, set()).add(word)
    return {key: frozenset(found) for key, found in index.items()}


_LEXICONS: dict[tuple[int, ...], tuple[tuple[MaturityModel, ...], Lexicon]] = {}


def lexicon_for(model: MaturityModel, *also: MaturityModel) -> Lexicon:
    """The model's lexicon (with the names of ``also``, e.g. the English model's beside the
    Chinese one's for mixed questions), built once per set of model objects."""
    models = (model, *also)
    key = tuple(id(one) for one in models)
    cached = _LEXICONS.get(key)
    if cached is None or any(a is not b for a, b in zip(cached[0], models, strict=True)):
        cached = _LEXICONS[key] = (models, _build_lexicon(models))
    return cached[1]


def _build_lexicon(models: tuple[MaturityModel, ...]) -> Lexicon:
    phrases: dict[tuple[str, ...], _Mention] = {}
    display: dict[str, str] = {}  # a word → the name to suggest when someone nearly typed it

    def add(text: str, mention: _Mention) -> None:
        for variant in _variants(normalise_name(text).split()):
            phrases.setdefault(variant, mention)
            for word in variant:
                display.setdefault(word, text)

    for model in models:
        for aspect in model.aspects:
            mention = _Mention("aspect", aspect.key)
            for name in (aspect.name, aspect.key, *aspect.synonyms):
                add(name, mention)
            for level in aspect.levels:
                for title in (level.title, *level.aliases):
                    add(title, _Mention("title", aspect.key, level.number))
        for generic in model.levels:
            for name in (generic.name, *generic.aliases):
                add(name, _Mention("generic", None, generic.number))

    vocabulary = {word for phrase in phrases for word in phrase}
    vocabulary |= _COMPARE_WORDS | _OVERVIEW_WORDS | _HELP_WORDS | _CLIMB_WORDS | _NEXT_WORDS
    vocabulary |= {"level", "levels", "between", "compare"}
    return Lexicon(
        phrases=phrases,
        longest=max(len(phrase) for phrase in phrases),
        vocabulary=frozenset(vocabulary),
        display=display,
        names=tuple(phrase[0] for phrase in phrases if not phrase[0].isascii()),
    )


_STOP = {"or", "and", "as", "by", "a", "the", "of"}


def _variants(words: list[str]) -> Iterator[tuple[str, ...]]:
    """A name as typed, without its small words, and with its last word singular or plural."""
    if not words:
        return
    forms = [tuple(words)]
    if not words[-1].isascii():  # a Chinese name is one word: no articles, no plurals
        yield from forms
        return
    content = tuple(word for word in words if word not in _STOP)
    if len(content) >= 2 and content != forms[0]:
        forms.append(content)
    for form in list(forms):
        last = form[-1]
        if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
            forms.append((*form[:-1], last[:-1]))
        elif len(last) > 3 and not last.endswith("s"):
            forms.append((*form[:-1], last + "s"))
        if len(form) > 1 and form[0] in {"self", "custom", "extrinsic", "intrinsic"}:
            forms.append((form[0] + form[1], *form[2:]))  # "selfservice", "self-service"
    yield from forms


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _correct(token: str, lexicon: Lexicon) -> str:
    """The nearest model word for a small typo ("measurment"), or the token unchanged."""
    if (
        token in lexicon.vocabulary
        or token in _PLAIN_WORDS
        or not 5 <= len(token) <= MAX_TYPO_TOKEN
        or not (token.isascii() and token.isalpha())
    ):
        return token
    allowed = 2 if len(token) >= 8 else 1
    candidates: set[str] = set()
    for variant in _deletions(token, allowed):
        candidates |= lexicon.deletes.get(variant, frozenset())
    best, best_distance = token, allowed + 1
    for candidate in sorted(candidates):
        distance = _edit_distance(token, candidate)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


# --- reading a question ---------------------------------------------------------------------------


@dataclass
class _Reading:
    aspects: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    titles: list[_Mention] = field(default_factory=list)
    out_of_range: int | None = None
    words: set[str] = field(default_factory=set)


def _read(tokens: list[str], lexicon: Lexicon) -> _Reading:
    reading = _Reading(words=set(tokens))
    i = 0
    while i < len(tokens):
        consumed = _read_level_phrase(tokens, i, reading) or _read_mention(
            tokens, i, lexicon, reading
        )
        i += consumed or 1
    if not reading.levels:
        # Bare numbers count as levels only when nothing said "level" ("adoption 3", "2 vs 3").
        for token in tokens:
            if token.isdigit() and token in _NUMBER_WORDS:
                _add(reading.levels, _NUMBER_WORDS[token])
    return reading


def _read_level_phrase(tokens: list[str], i: int, reading: _Reading) -> int:
    """``level 3``, ``l3``, ``lvl three``, ``levels 2 and 3``, ``third level``, ``level III``."""
    token = tokens[i]
    if token in _ORDINALS or token in {"1st", "2nd", "3rd", "4th"}:
        if i + 1 < len(tokens) and tokens[i + 1] in _LEVEL_WORDS:
            _add(reading.levels, _NUMBER_WORDS[token])
            return 2
        return 0
    if token.isdigit() and i + 1 < len(tokens) and tokens[i + 1] in {"st", "nd", "rd", "th"}:
        if i + 2 < len(tokens) and tokens[i + 2] in _LEVEL_WORDS and token in _NUMBER_WORDS:
            _add(reading.levels, _NUMBER_WORDS[token])
            return 3
        return 0
    if token not in _LEVEL_WORDS:
        return 0
    j = i + 1
    found = False
    while j < len(tokens):
        word = tokens[j]
        if word.isdigit() and word not in _NUMBER_WORDS:
            reading.out_of_range = int(word[:6])
            found = True
        elif word in _NUMBER_WORDS:
            _add(reading.levels, _NUMBER_WORDS[word])
            found = True
        elif not (found and word in _CONNECTORS) and word not in _LEVEL_WORDS:
            break
        j += 1
    if not found:
        return 0
    while tokens[j - 1] in _CONNECTORS:  # do not swallow a trailing "and"
        j -= 1
    return j - i


def _read_mention(tokens: list[str], i: int, lexicon: Lexicon, reading: _Reading) -> int:
    for size in range(min(lexicon.longest, len(tokens) - i), 0, -1):
        mention = lexicon.phrases.get(tuple(tokens[i : i + size]))
        if mention is None:
            continue
        if mention.kind == "aspect":
            _add(reading.aspects, mention.aspect)
        elif mention.kind == "generic":
            _add(reading.levels, mention.level)
        else:
            reading.titles.append(mention)
            _add(reading.levels, mention.level)
        return size
    return 0


def _add(items: list, item: object) -> None:
    if item not in items:
        items.append(item)


def understand(text: str, model: MaturityModel, *also: MaturityModel) -> Intent:
    """Turn any text into an intent; never raises. A question with Chinese in it is read by
    ``bot.chinese`` (with ``also``'s names understood too, for mixed questions)."""
    lexicon = lexicon_for(model, *also)
    if chinese.has_chinese(text[:MAX_CHARS]):
        tokens = chinese.tokens(text[:MAX_CHARS], lexicon.names, MAX_TOKENS)
    else:
        tokens = tokens_of(text)
    tokens = [_correct(token, lexicon) for token in tokens]
    reading = _read(tokens, lexicon)
    words = reading.words | set(tokens)

    aspect = reading.aspects[0] if reading.aspects else None
    if aspect is None and reading.titles:
        aspect = reading.titles[0].aspect
    levels = reading.levels

    if reading.out_of_range is not None and not levels:
        return Intent(UNKNOWN, aspect=aspect, out_of_range=reading.out_of_range)
    if len(levels) >= 2:
        low, high = min(levels), max(levels)
        return Intent(COMPARE, aspect=aspect, levels=(low, high))
    if len(levels) == 1:
        (level,) = levels
        if level > 1 and _wants_to_reach(words):  # "how do we get to level 3": from the one below
            return Intent(COMPARE, aspect=aspect, levels=(level - 1, level))
        if level < 4 and words & _NEXT_WORDS:  # "what comes after scalable": to the one above
            return Intent(COMPARE, aspect=aspect, levels=(level, level + 1))
        return Intent(LEVEL, aspect=aspect, level=level)
    if aspect is not None:
        return Intent(ASPECT, aspect=aspect)
    if words & _OVERVIEW_WORDS:
        return Intent(OVERVIEW)
    if not tokens or words & _HELP_WORDS or words <= {"what", "can", "you", "do", "how", "use"}:
        return Intent(HELP)
    return Intent(UNKNOWN, suggestion=suggest(tokens, lexicon))


def _wants_to_reach(words: set[str]) -> bool:
    return bool(words & {"reach", "achieve", "become"}) or (
        bool(words & _CLIMB_WORDS) and "to" in words
    )


def suggest(tokens: Iterable[str], lexicon: Lexicon) -> str | None:
    """A close model word for the unknown path ("did you mean …?"), or None.

    Looser than typo correction (two edits, three for long words), and looked up through
    deletions rather than compared against every word.
    """
    best: tuple[int, str] | None = None
    for token in tokens:
        if (
            not 4 <= len(token) <= MAX_TYPO_TOKEN
            or token in _PLAIN_WORDS
            or not (token.isascii() and token.isalpha())
        ):
            continue
        candidates: set[str] = set()
        limit = _suggest_depth(token)
        for variant in _deletions(token, limit):
            candidates |= lexicon.near.get(variant, frozenset())
        for word in candidates:
            distance = _edit_distance(token, word)
            if distance <= limit and (best is None or (distance, word) < best):
                best = (distance, word)
    if best is None:
        return None
    return lexicon.display.get(best[1], best[1])
