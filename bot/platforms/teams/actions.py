"""The data our Adaptive Card actions carry, both ways: built into cards here, and read back
from ``adaptiveCard/action`` invokes and ``Action.Submit`` messages.

Every action's data has ``"maturitybot": <verb>`` so a submit from some other card (or a
hand-made request) is recognised as not ours and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.platforms.untrusted import Untrusted, whole
from bot.wording import LANGUAGES

KEY = "maturitybot"
ANSWER = "answer"
COMMENT = "comment"
ASK = "ask"
NOT_SURE = "unsure"
COMMENT_INPUT = "comment"  # the id of the comment box; its value arrives in the data
MAX_COMMENT = 2000
_QUESTION_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")


@dataclass(frozen=True)
class CardAnswer:
    round_id: int
    question_id: str
    level: int | None  # None: "not sure"
    comment: str | None


@dataclass(frozen=True)
class CardComment:
    round_id: int
    question_id: str
    text: str


@dataclass(frozen=True)
class CardAsk:
    """A follow-up question, e.g. "Next level" on a level answer, answered in the language of
    the card it was on."""

    text: str
    language: str | None = None


CardAction = CardAnswer | CardComment | CardAsk


def answer_data(round_id: int, question_id: str, level: int | None) -> dict[str, object]:
    return {
        KEY: ANSWER,
        "round": round_id,
        "question": question_id,
        "level": NOT_SURE if level is None else str(level),
    }


def comment_data(round_id: int, question_id: str) -> dict[str, object]:
    return {KEY: COMMENT, "round": round_id, "question": question_id}


def ask_data(text: str, language: str | None = None) -> dict[str, object]:
    return {KEY: ASK, "text": text, "language": language}


def parse(data: object, verb: str | None = None) -> CardAction | None:
    """Our action in ``data`` (an invoke's ``action.data`` or a submit's ``value``), else None:
    the data is the client's, so every field is checked (a round id a column can hold, a
    question id as we write them, a level 1-4 that is not a boolean, text of bounded length)."""
    if not isinstance(data, Mapping):
        return None
    kind = data.get(KEY) or verb
    if kind == ASK:
        text, language = data.get("text"), data.get("language")
        known = language if isinstance(language, str) and language in LANGUAGES else None
        return (
            CardAsk(text.strip()[:500], known) if isinstance(text, str) and text.strip() else None
        )
    if kind not in (ANSWER, COMMENT):
        return None
    question = data.get("question")
    if not isinstance(question, str) or not _QUESTION_ID.fullmatch(question):
        return None
    try:
        round_id = whole(data.get("round"))
        comment = _text(data.get(COMMENT_INPUT))
        if kind == COMMENT:
            return CardComment(round_id, question, comment or "")  # the core says if empty
        raw = data.get("level")
        level = None if raw == NOT_SURE else whole(raw, 1, 4)
    except Untrusted:
        return None
    return CardAnswer(round_id, question, level, comment)


def _text(value: object) -> str | None:
    """A comment box's text; longer than the box allows was not typed into it."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2 * MAX_COMMENT:
        raise Untrusted("a comment that is not text of bounded length")
    return value.strip()[:MAX_COMMENT] or None
