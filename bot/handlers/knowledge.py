"""Questions about the maturity model: an intent in, an answer out. Pure, no storage."""

from __future__ import annotations

from bot import understand as u
from bot.model import MaturityModel
from bot.replies import (
    AspectAnswer,
    CompareAnswer,
    HelpAnswer,
    LevelAcrossAnswer,
    LevelAnswer,
    OverviewAnswer,
    Reply,
    UnknownAnswer,
)
from bot.wording import t, tc

# Example questions are sentences too: each language asks them its own way.
EXAMPLES = (
    tc("example question", "what is level 3 measurement"),
    tc("example question", "tell me about adoption"),
    tc("example question", "how do we get from 2 to 3 in operations"),
    tc("example question", "extrinsic push vs intrinsic pull"),
    tc("example question", "what is scalable"),
    tc("example question", "overview"),
)


def answer(intent: u.Intent, model: MaturityModel, lang: str | None = None) -> Reply:
    """The reply for a knowledge intent, in ``lang`` (the question's language)."""
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
    if intent.kind == u.HELP:
        return HelpAnswer(EXAMPLES, lang=lang)
    if intent.out_of_range is not None:
        return UnknownAnswer(
            problem=t("The model has levels 1 to 4, not {number}.", number=intent.out_of_range),
            lang=lang,
        )
    return UnknownAnswer(suggestion=intent.suggestion, lang=lang)
