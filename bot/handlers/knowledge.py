"""Questions about the maturity model: an intent in, an answer out. Pure, no storage.

Cell questions are answered from the model directly. A search looks through the model's
content (``bot.search``, with the index the caller provides or one built for the model); when
it finds nothing, the question is answered as it reads without search, or, if that is
nothing either, with the closest things the bot can answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import understand as u
from bot.chinese import language_of
from bot.model import Content, MaturityModel
from bot.replies import (
    AboutAnswer,
    AspectAnswer,
    AssessmentOffer,
    CellMatch,
    CompareAnswer,
    DiagnosisAnswer,
    HelpAnswer,
    LevelAcrossAnswer,
    LevelAnswer,
    OverviewAnswer,
    Reply,
    SearchAnswer,
    SmallTalk,
    UnknownAnswer,
)
from bot.wording import t, tc

if TYPE_CHECKING:
    from bot.search import Hit

# Example questions are sentences too: each language asks them its own way.
EXAMPLES = (
    tc("example question", "what is level 3 measurement"),
    tc("example question", "tell me about adoption"),
    tc("example question", "how do we get from 2 to 3 in operations"),
    tc("example question", "extrinsic push vs intrinsic pull"),
    tc("example question", "which level mentions golden paths?"),
    tc("example question", "is a service catalog level 2 or 3?"),
    tc(
        "example question",
        "we file a ticket for every new database — where are we on interfaces?",
    ),
    tc("example question", "who wrote the model?"),
    tc("example question", "overview"),
)
MENTIONS, SERVICE_CATALOG, WHERE_ARE_WE = EXAMPLES[4], EXAMPLES[5], EXAMPLES[6]
SEARCH_EXAMPLES = (MENTIONS, WHERE_ARE_WE, EXAMPLES[0])
# One useful thing to ask, for each kind of small talk.
_HINTS = {
    "greeting": MENTIONS,
    "thanks": WHERE_ARE_WE,
    "praise": SERVICE_CATALOG,
    "who": EXAMPLES[0],
    "bot": MENTIONS,
    "bye": WHERE_ARE_WE,
    "how are you": SERVICE_CATALOG,
}

Indexer = Callable[[], Any]


@dataclass(frozen=True)
class Answered:
    """A question's answer and the reading it was answered as (for a search that found
    nothing, the reading it fell back to)."""

    intent: u.Intent
    reply: Reply

    @property
    def kind(self) -> str:
        """The intent ``ask --json`` reports: a search that found nothing is answered, and
        reported, as what it fell back to."""
        return kind_of(self.reply)


def respond(text: str, content: Content, lang: str | None = None) -> Answered:
    """Any text → its answer, in the question's language (or ``lang``: a follow-up button
    answers in the language of the answer it was on)."""
    lang = lang or language_of(text)
    model = content.model(lang)
    also = (content.model(),) if lang != content.source else ()
    intent = u.understand(text, model, *also)
    return resolve(intent, model, lang, lambda: content.index(lang))


def answer(
    intent: u.Intent, model: MaturityModel, lang: str | None = None, index: Indexer | None = None
) -> Reply:
    """The reply for a knowledge intent, in ``lang`` (the question's language). ``index``
    gives the search index, when a search needs one (default: one built for ``model``)."""
    return resolve(intent, model, lang, index).reply


def resolve(
    intent: u.Intent, model: MaturityModel, lang: str | None = None, index: Indexer | None = None
) -> Answered:
    """The reply for an intent, with the reading it answers."""
    if intent.kind == u.SEARCH and intent.query is not None:
        return _search(intent, model, lang, index)
    return Answered(intent, _reply(intent, model, lang))


def _reply(intent: u.Intent, model: MaturityModel, lang: str | None) -> Reply:
    line = model.attribution.line
    aspect = model.by_key.get(intent.aspect) if intent.aspect else None
    if intent.kind == u.LEVEL and intent.level:
        generic = model.generic(intent.level)
        if aspect is None:
            rows = tuple((a, a.level(intent.level)) for a in model.aspects)
            return LevelAcrossAnswer(generic, rows, line, lang=lang)
        next_level = aspect.level(intent.level + 1) if intent.level < 4 else None
        return LevelAnswer(aspect, aspect.level(intent.level), generic, next_level, line, lang=lang)
    if intent.kind == u.ASPECT and aspect is not None:
        return AspectAnswer(aspect, tuple(model.levels), line, lang=lang)
    if intent.kind == u.COMPARE and intent.levels:
        low, high = intent.levels
        aspects = (aspect,) if aspect else tuple(model.aspects)
        pairs = tuple((a, a.level(low), a.level(high)) for a in aspects)
        return CompareAnswer(
            aspect, low, high, pairs, (model.generic(low), model.generic(high)), line, lang=lang
        )
    if intent.kind == u.OVERVIEW:
        return OverviewAnswer(model, lang=lang)
    if intent.kind == u.ABOUT:
        return AboutAnswer(model.attribution, intent.topic, lang=lang)
    if intent.kind == u.SMALLTALK:
        topic = intent.topic or "greeting"
        return SmallTalk(topic, _HINTS.get(topic, MENTIONS), lang=lang)
    if intent.kind == u.HELP and intent.topic == u.ASSESS:
        return AssessmentOffer(WHERE_ARE_WE, lang=lang)
    if intent.kind == u.HELP:
        return HelpAnswer(EXAMPLES, lang=lang)
    if intent.out_of_range is not None:
        return UnknownAnswer(
            problem=t("The model has levels 1 to 4, not {number}.", number=intent.out_of_range),
            lang=lang,
        )
    return UnknownAnswer(suggestion=intent.suggestion, examples=SEARCH_EXAMPLES, lang=lang)


def _search(
    intent: u.Intent, model: MaturityModel, lang: str | None, indexer: Indexer | None
) -> Answered:
    from bot import index as indexes  # search only: cell questions never load it
    from bot import search

    index = indexer() if indexer is not None else indexes.for_model(model, lang or "en")
    assert intent.query is not None
    if intent.situation:
        hits = search.fits(
            index, intent.query, intent.aspect, intent.within, intent.named, intent.scope
        )
    else:
        hits = search.find(
            index, intent.query, intent.aspect, intent.within, intent.named, intent.scope
        )
    if not hits:
        if intent.otherwise is not None:
            return resolve(intent.otherwise, model, lang, indexer)
        unknown = u.Intent(u.UNKNOWN, aspect=intent.aspect)
        return Answered(unknown, _nothing_found(intent.query, model, lang, index))
    matches = tuple(_match(model, hit) for hit in hits)
    if intent.situation:
        aspect = model.by_key.get(intent.aspect) if intent.aspect else None
        reply: Reply = DiagnosisAnswer(aspect, matches, model.attribution.line, lang=lang)
    else:
        reply = SearchAnswer(matches, model.attribution.line, lang=lang)
    return Answered(intent, reply)


def _nothing_found(text: str, model: MaturityModel, lang: str | None, index: Any) -> Reply:
    """The fallback: a close model name if one was nearly typed, the cells nearest to the
    words used, and questions the bot can answer."""
    from bot import search

    suggestion = u.suggest(u.tokens_of(text), u.lexicon_for(model))
    closest = tuple(_match(model, hit) for hit in search.closest(index, text))
    return UnknownAnswer(
        suggestion=suggestion, closest=closest, examples=SEARCH_EXAMPLES, lang=lang
    )


def _match(model: MaturityModel, hit: Hit) -> CellMatch:
    aspect = model.aspect(hit.cell[0])
    level = aspect.level(hit.cell[1])
    return CellMatch(aspect, level, model.generic(level.number), hit.quotes, hit.score)


_KINDS: dict[type, str] = {
    LevelAnswer: u.LEVEL,
    LevelAcrossAnswer: u.LEVEL,
    AspectAnswer: u.ASPECT,
    CompareAnswer: u.COMPARE,
    OverviewAnswer: u.OVERVIEW,
    SearchAnswer: u.SEARCH,
    DiagnosisAnswer: u.SEARCH,
    AboutAnswer: u.ABOUT,
    SmallTalk: u.SMALLTALK,
    HelpAnswer: u.HELP,
    AssessmentOffer: u.HELP,
    UnknownAnswer: u.UNKNOWN,
}


def kind_of(reply: Reply) -> str:
    """The intent a knowledge reply answers (``level`` for one level, ``search`` for a
    search or diagnosis, …)."""
    return _KINDS.get(type(reply), u.UNKNOWN)
