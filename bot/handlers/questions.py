"""A round's question as a reply: its wording as the round asked it, its aspect's name in the
round's language. Shared by opening, answering, live counts and closing."""

from __future__ import annotations

import asyncio

from bot.model import Question
from bot.replies import SurveyQuestion
from bot.services import Services
from storage import rounds
from storage.rounds import AskedQuestion, RoundInfo

MAX_ROUNDS_KEPT = 5_000  # open rounds' facts kept per process; the oldest go first


def as_question(asked: AskedQuestion) -> Question:
    """The question as this round asked it (wording is kept with the round)."""
    return Question(
        id=asked.question_id,
        aspect=asked.aspect,
        version=asked.version,
        text=asked.text,
        options=list(asked.options),
    )


def question_reply(
    services: Services,
    info: RoundInfo,
    asked: AskedQuestion,
    responses: int = 0,
    closed: bool = False,
) -> SurveyQuestion:
    aspect = services.content.model(info.language).aspect(asked.aspect)
    return SurveyQuestion(
        info.round_id,
        as_question(asked),
        aspect,
        asked.position,
        len(info.questions),
        responses,
        closed=closed,
        lang=info.language,
    )


class RoundFacts:
    """Each open round's fixed facts, read once even when a burst of clicks asks together."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._loading: dict[int, asyncio.Future[RoundInfo | None]] = {}

    async def get(self, round_id: int) -> RoundInfo | None:
        cached = self._loading.get(round_id)
        if cached is None:
            if len(self._loading) >= MAX_ROUNDS_KEPT:
                self._loading.pop(next(iter(self._loading)))
            cached = asyncio.ensure_future(self.services.db.read(rounds.load_info, round_id))
            self._loading[round_id] = cached
        try:
            loaded = await cached
        except Exception:
            self._loading.pop(round_id, None)
            raise
        if loaded is None:
            self._loading.pop(round_id, None)
        return loaded

    def forget(self, round_id: int) -> None:
        """Read the round again next time (its question posts changed, or it closed)."""
        self._loading.pop(round_id, None)
