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
from typing import Any

from bot import chinese, cues
from bot.cues import word_list
from bot.model import MaturityModel, normalise_name

LEVEL, ASPECT, OVERVIEW, COMPARE, SEARCH, ABOUT, SMALLTALK, HELP, UNKNOWN = (
    "level",
    "aspect",
    "overview",
    "compare",
    "search",
    "about",
    "smalltalk",
    "help",
    "unknown",
)
INTENTS = (LEVEL, ASPECT, OVERVIEW, COMPARE, SEARCH, ABOUT, SMALLTALK, HELP, UNKNOWN)
ASSESS = "assess"  # the topic of a HELP intent that asks to be assessed

# Long inputs are cut: nobody asks a question in more than this, and it bounds the work.
MAX_CHARS = 2000
MAX_TOKENS = 120
MAX_TYPO_TOKEN = 24


@dataclass(frozen=True)
class Intent:
    """What the person asked for. ``levels`` is set (ascending) only for ``compare``.

    A ``search`` carries the question (``query``), whether it describes the asker's own
    situation (``situation``: "where are we?"), the levels it is limited to (``within``: "is X
    level 2 or 3"), cells it names by an alias (``named``), the words that named its aspect
    (``scope``, not searched for), and what to answer when the search finds nothing
    (``otherwise``: the reading the question would have without search). ``topic`` says what
    small talk or a question about the model is about.
    """

    kind: str
    aspect: str | None = None
    level: int | None = None
    levels: tuple[int, int] | None = None
    suggestion: str | None = None
    out_of_range: int | None = None
    query: str | None = None
    situation: bool = False
    within: tuple[int, ...] | None = None
    named: tuple[tuple[str, int], ...] = ()
    scope: tuple[str, ...] = ()
    topic: str | None = None
    otherwise: Intent | None = None


# --- tokens ------------------------------------------------------------------------------------

# A word with a number inside (log4shell, k8s) is one word; L3 and lvl3 split.
_TOKEN = re.compile(r"[a-z]+[0-9]+[a-z][a-z0-9]*|[a-z]+|[0-9]+")


def tokens_of(text: str) -> list[str]:
    """Lower-case word and number tokens; ``L3`` and ``lvl3`` split into a prefix and a number,
    ``log4shell`` stays one word."""
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
_HELP_WORDS = {"help", "commands", "command", "usage", "howto", "start"}
# Words too common to ever be "corrected" into a model word.
_PLAIN_WORDS = {
    "what", "which", "when", "where", "about", "their", "there", "these", "those", "would",
    "should", "could", "does", "tell", "explain", "describe", "means", "mean", "show", "please",
    "thanks", "thank", "level", "levels", "stage", "team", "teams", "platform", "platforms",
    "our", "ours", "your", "with", "from", "that", "this", "have", "into", "then", "than",
    "other", "another", "within", "looks", "like", "look", "today", "doing", "know",
}  # fmt: skip


# Words that shape a question without saying what it is about: a question made only of these
# and the model's names is about the cells it names, never a search.
_GLUE = (
    cues.ENGLISH_STOP
    | cues.ASKING_WORDS
    | cues.CHINESE_ASKING
    | cues.CHINESE_STOP
    | _COMPARE_WORDS
    | _OVERVIEW_WORDS
    | _HELP_WORDS
    | _CLIMB_WORDS
    | _NEXT_WORDS
    | _LEVEL_WORDS
    | set(_NUMBER_WORDS)
    | _CONNECTORS
    | _PLAIN_WORDS
    | word_list(
        """like look mean meaning example examples characteristic characteristics detail details
        describe explain tell show give happen happens need needs take make work works change
        changes move moves step steps difference differences different okay ok briefly quick
        quickly short again more st nd rd th s t re ve ll d m reach next overview vs help can
        you do how use get go going want see read know let us me yes no"""
    )
)


@dataclass(frozen=True)
class _Mention:
    kind: str  # "aspect", "title" or "generic"
    aspect: str | None = None
    level: int | None = None
    alias: bool = False  # a title's alias ("tiger team") or an aspect's synonym ("funding")


@dataclass
class Lexicon:
    """Everything understanding needs from one model, indexed for look-up."""

    phrases: dict[tuple[str, ...], _Mention]
    longest: int
    vocabulary: frozenset[str]
    display: dict[str, str]
    names: tuple[str, ...] = ()  # the Chinese names, for the segmenter to keep whole
    models: tuple[MaturityModel, ...] = field(default=(), repr=False)
    _deletes: dict[str, frozenset[str]] | None = field(default=None, repr=False)
    _known: frozenset[str] | None = field(default=None, repr=False)
    _near: dict[str, frozenset[str]] | None = field(default=None, repr=False)

    @property
    def deletes(self) -> dict[str, frozenset[str]]:
        """Typo index: model words (5+ letters) and their one- or two-letter deletions.

        Built on the first unknown word only, so the fast path and cold start skip it.
        """
        if self._deletes is None:
            self._deletes = deletion_index(
                (word, 2 if len(word) >= 8 else 1) for word in self.vocabulary if len(word) >= 5
            )
        return self._deletes

    @property
    def known(self) -> frozenset[str]:
        """Words of the model's own text: real words that a typo rule must leave alone
        ("capability" is not a misspelt "scalability"). Built on the first unknown word."""
        if self._known is None:
            self._known = frozenset(word for model in self.models for word in _written_words(model))
        return self._known

    @property
    def near(self) -> dict[str, frozenset[str]]:
        """Suggestion index: model words of 4+ letters with two deletions (three from 8)."""
        if self._near is None:
            self._near = deletion_index(
                (word, _suggest_depth(word)) for word in self.vocabulary if len(word) >= 4
            )
        return self._near


def _suggest_depth(word: str) -> int:
    return 3 if len(word) >= 8 else 2


def deletion_index(words: Iterable[tuple[str, int]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for word, depth in words:
        for variant in deletions(word, depth):
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
            for name in (aspect.name, aspect.key):
                add(name, _Mention("aspect", aspect.key))
            for name in aspect.synonyms:
                add(name, _Mention("aspect", aspect.key, alias=True))
            for level in aspect.levels:
                add(level.title, _Mention("title", aspect.key, level.number))
                for alias in level.aliases:
                    add(alias, _Mention("title", aspect.key, level.number, alias=True))
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
        models=models,
    )


def _written_words(model: MaturityModel) -> set[str]:
    """Every word the model's text uses: real words, never "corrected" into a model name."""
    texts = [model.attribution.model]
    for aspect in model.aspects:
        texts += [aspect.question, aspect.intro]
        for level in aspect.levels:
            texts += [level.description, *level.characteristics, *level.scenarios]
            texts += level.how_to_get_here
    return {word for text in texts for word in tokens_of(text.replace("-", " "))}


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


def deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str) -> int:
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
        or token in _GLUE
        or not 5 <= len(token) <= MAX_TYPO_TOKEN
        or not (token.isascii() and token.isalpha())
        or token in lexicon.known
    ):
        return token
    allowed = 2 if len(token) >= 8 else 1
    candidates: set[str] = set()
    for variant in deletions(token, allowed):
        candidates |= lexicon.deletes.get(variant, frozenset())
    best, best_distance = token, allowed + 1
    for candidate in sorted(candidates):
        if candidate[0] != token[0]:
            continue  # people rarely mistype a word's first letter; other words differ there
        distance = edit_distance(token, candidate)
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
    used: set[int] = field(default_factory=set)  # positions of the tokens that named something
    numbered: list[int] = field(default_factory=list)  # levels said with a number
    by_name: list[str] = field(default_factory=list)  # aspects said by name, not a synonym
    name_spans: list[range] = field(default_factory=list)  # where they were said
    # Alias titles ("tiger team") and generic names ("scalable"), with their positions: in a
    # search they are words of the question's subject rather than the cell it asks about.
    soft: list[tuple[_Mention, range]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def _read(tokens: list[str], lexicon: Lexicon) -> _Reading:
    reading = _Reading(words=set(tokens), tokens=tokens)
    i = 0
    while i < len(tokens):
        consumed = _read_level_phrase(tokens, i, reading) or _read_mention(
            tokens, i, lexicon, reading
        )
        if consumed:
            reading.used.update(range(i, i + consumed))
        i += consumed or 1
    if not reading.levels:
        # Bare numbers count as levels only when nothing said "level" ("adoption 3", "2 vs 3"),
        # and not when they number something else ("day 2", "RHEL 9").
        for position, token in enumerate(tokens):
            before = tokens[position - 1] if position else ""
            if before and before not in _GLUE and position - 1 not in reading.used:
                continue
            if token.isdigit() and token in _NUMBER_WORDS:
                _add(reading.levels, _NUMBER_WORDS[token])
                _add(reading.numbered, _NUMBER_WORDS[token])
                reading.used.add(position)
    return reading


def _read_level_phrase(tokens: list[str], i: int, reading: _Reading) -> int:
    """``level 3``, ``l3``, ``lvl three``, ``levels 2 and 3``, ``third level``, ``level III``."""
    token = tokens[i]
    if token in _ORDINALS or token in {"1st", "2nd", "3rd", "4th"}:
        if i + 1 < len(tokens) and tokens[i + 1] in _LEVEL_WORDS:
            _add_level(reading, _NUMBER_WORDS[token])
            return 2
        return 0
    if token.isdigit() and i + 1 < len(tokens) and tokens[i + 1] in {"st", "nd", "rd", "th"}:
        if i + 2 < len(tokens) and tokens[i + 2] in _LEVEL_WORDS and token in _NUMBER_WORDS:
            _add_level(reading, _NUMBER_WORDS[token])
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
            _add_level(reading, _NUMBER_WORDS[word])
            found = True
        elif not (found and word in _CONNECTORS) and word not in _LEVEL_WORDS:
            break
        j += 1
    if not found:
        return 0
    while tokens[j - 1] in _CONNECTORS:  # do not swallow a trailing "and"
        j -= 1
    return j - i


def _add_level(reading: _Reading, level: int) -> None:
    _add(reading.levels, level)
    _add(reading.numbered, level)


def _read_mention(tokens: list[str], i: int, lexicon: Lexicon, reading: _Reading) -> int:
    for size in range(min(lexicon.longest, len(tokens) - i), 0, -1):
        mention = lexicon.phrases.get(tuple(tokens[i : i + size]))
        if mention is None:
            continue
        if mention.kind == "aspect":
            _add(reading.aspects, mention.aspect)
            if mention.alias:
                reading.soft.append((mention, range(i, i + size)))
            else:
                _add(reading.by_name, mention.aspect)
                reading.name_spans.append(range(i, i + size))
        elif mention.kind == "generic":
            _add(reading.levels, mention.level)
            reading.soft.append((mention, range(i, i + size)))
        else:
            reading.titles.append(mention)
            _add(reading.levels, mention.level)
            if mention.alias:
                reading.soft.append((mention, range(i, i + size)))
        return size
    return 0


def _add(items: list[Any], item: object) -> None:
    if item not in items:
        items.append(item)


def understand(text: str, model: MaturityModel, *also: MaturityModel) -> Intent:
    """Turn any text into an intent; never raises. A question with Chinese in it is read by
    ``bot.chinese`` (with ``also``'s names understood too, for mixed questions).

    Small talk and questions about the model itself are recognised first. A question that
    names a cell and says nothing more is read as today ("what is level 3 measurement"); one
    that says more, asks where the model says something, or describes the asker's situation
    is a search (kept to the aspect and levels it names), which falls back to the cell
    reading when nothing is found.
    """
    lexicon = lexicon_for(model, *also)
    clipped = text[:MAX_CHARS]
    latin = tokens_of(clipped)
    if chinese.has_chinese(clipped):
        tokens = chinese.tokens(clipped, lexicon.names, MAX_TOKENS)
        folded = chinese.fold(clipped)
    else:
        tokens, folded = latin, ""
    tokens = [_correct(token, lexicon) for token in tokens]
    reading = _read(tokens, lexicon)
    named_something = bool(reading.aspects or reading.levels or reading.titles)

    talk = cues.small_talk(latin, folded)
    if talk is not None and not named_something:
        return Intent(SMALLTALK, topic=talk)
    mentions = cues.mentions(latin, folded)
    topic = cues.about(latin, folded)
    if topic is not None and not mentions:
        return Intent(ABOUT, topic=topic)

    cell = _cell_intent(reading, tokens)
    asks_where = mentions or cues.asks_where(latin, folded) or _is_it_level(latin, reading)
    subject = _subject(tokens, reading)
    we_ask = cues.asks_where_we_are(latin, folded)
    # A situation: "where are we?", or several things said about "we", or a description of
    # more than one sentence ending in "which level?".
    situation = we_ask or (
        not mentions
        and len(subject) >= 4
        and (cues.speaks_for_a_team(latin, folded) or (asks_where and _clauses(clipped) >= 2))
    )
    if (
        cues.wants_assessment(latin, folded)
        and not named_something
        and not we_ask
        and (folded or set(subject) <= cues.ASSESS_FILLER | _ASSESS_WORDS)
    ):
        return Intent(HELP, topic=ASSESS)
    searching = bool(mentions or situation or asks_where)
    if reading.soft and not searching and not _substantial(subject):
        subject = []  # "intrinsic pul": a typo beside an alias, which names its cell
    if reading.soft and (subject or searching):
        subject += _soft_subject(tokens, reading, alone=not (subject or mentions or situation))
    names_a_cell = any(not title.alias for title in reading.titles) or bool(
        reading.numbered and (reading.by_name or (reading.aspects and not asks_where))
    )
    if situation or (subject and (asks_where or not names_a_cell)):
        return _search(clipped, reading, situation, cell)
    if cell.kind == UNKNOWN and cell.out_of_range is None:
        return Intent(UNKNOWN, suggestion=suggest(tokens, lexicon))
    return cell


def _subject(tokens: list[str], reading: _Reading) -> list[str]:
    """The words that say what the question is about: what is left when the model's names,
    the level numbers and the words of asking are taken away."""
    said = [t for i, t in enumerate(tokens) if i not in reading.used and _says_something(t)]
    return said + _unknown_words(tokens, reading.used)


def _soft_subject(tokens: list[str], reading: _Reading, alone: bool) -> list[str]:
    """Aliases and synonyms as words to search for: "where does the model talk about
    mandates", "which level has a portal". An alias alone with "which level is …" still
    names its cell ("不稳定的是哪一级"); a synonym alone ("portal") is searched for."""
    return [
        tokens[i]
        for mention, span in reading.soft
        if not (alone and mention.kind != "aspect")
        for i in span
    ]


def _substantial(subject: list[str]) -> bool:
    """Enough to search for beside an alias: a word of four letters or more, or Chinese."""
    return any(len(word) >= 4 or not word.isascii() for word in subject)


def _says_something(token: str) -> bool:
    """A word of what the question is about: not glue, not a number, and (in Chinese) more
    than one character: single characters are mostly particles and verbs of asking."""
    return token not in _GLUE and not token.isdigit() and (token.isascii() or len(token) > 1)


# Single characters that are particles, pronouns or verbs of asking, never a word's part.
_PARTICLES = frozenset(
    "的了是在都要也就还有和与把被让给对从到吗呢吧啊呀个这那哪什么怎我你他她它们说讲叫用会能看做干问想请"
)


def _unknown_words(tokens: list[str], used: set[int]) -> list[str]:
    """Runs of single Chinese characters the segmenter did not know as a word ("提工单" cut
    into 提 工 单): a word it has not learnt is still a word of the subject."""
    found: list[str] = []
    run = ""
    for i, token in enumerate([*tokens, ""]):
        if (
            i < len(tokens)
            and i not in used
            and len(token) == 1
            and not token.isascii()
            and token not in _PARTICLES
        ):
            run += token
            continue
        if len(run) > 1:
            found.append(run)
        run = ""
    return found


_CLAUSE_END = re.compile(r"[.;!?。；！？]+(?=\s*\S)")


def _clauses(text: str) -> int:
    """Sentences before the question: "We file tickets. Which level?" has two."""
    return 1 + len(_CLAUSE_END.findall(text.strip()))


def _is_it_level(tokens: list[str], reading: _Reading) -> bool:
    """ "is a service catalog level 2 or 3?", "are scripted upgrades level 4"."""
    return bool(tokens and reading.numbered) and tokens[0] in {"is", "are", "does", "do", "would"}


_ASSESS_WORDS = word_list(
    "assess assessment assessments evaluate evaluation score rate quiz questionnaire benchmark "
    "audit test check"
)


def _search(text: str, reading: _Reading, situation: bool, cell: Intent) -> Intent:
    """A search for what the question says, kept to the aspect it names by name (a synonym
    such as "portal" is searched for, not a scope) and to the levels it names by number."""
    aspect = reading.by_name[0] if len(reading.by_name) == 1 else None
    scope = tuple(reading.tokens[i] for span in reading.name_spans for i in span) if aspect else ()
    if aspect is None and situation:
        aspect, scope = _scoped_synonym(reading)
    # Aliases of more than one word ("tiger team", "cost centre", 强制推行) point to their cell;
    # single words ("pull", "dedicated") are too common to.
    named = tuple(
        (mention.aspect, mention.level)
        for mention, span in reading.soft
        if mention.kind == "title"
        and mention.aspect
        and mention.level
        and (len(span) > 1 or not reading.tokens[span[0]].isascii())
    )
    return Intent(
        SEARCH,
        aspect=aspect,
        query=text,
        situation=situation,
        within=tuple(sorted(reading.numbered)) or None,
        named=tuple(dict.fromkeys(named)),
        scope=scope,
        otherwise=cell if cell.kind != UNKNOWN else None,
    )


# "where are we on funding", "how are we doing for ops", "预算方面我们在哪一级": a synonym
# that says which aspect a described situation is about.
_SCOPE_BEFORE = frozenset({"on", "for", "in", "regarding", "re", "wrt", "of", "about"})
_SCOPE_AFTER = frozenset({"方面", "这块", "上", "这方面", "wise"})


def _scoped_synonym(reading: _Reading) -> tuple[str | None, tuple[str, ...]]:
    tokens = reading.tokens
    found = {
        mention.aspect: span
        for mention, span in reading.soft
        if mention.kind == "aspect"
        and (
            (span.start > 0 and tokens[span.start - 1] in _SCOPE_BEFORE)
            or (span.stop < len(tokens) and tokens[span.stop] in _SCOPE_AFTER)
        )
    }
    if len(found) != 1:
        return None, ()
    ((aspect, span),) = found.items()
    return aspect, tuple(tokens[i] for i in span)


def _cell_intent(reading: _Reading, tokens: list[str]) -> Intent:
    """The question read as asking about the cells it names (today's reading)."""
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
    return Intent(UNKNOWN)  # the suggestion is looked for only when this is the answer


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
        for variant in deletions(token, limit):
            candidates |= lexicon.near.get(variant, frozenset())
        for word in candidates:
            distance = edit_distance(token, word)
            if distance <= limit and (best is None or (distance, word) < best):
                best = (distance, word)
    if best is None:
        return None
    return lexicon.display.get(best[1], best[1])
