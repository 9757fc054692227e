"""Round summaries and digests: aggregates only, and nothing below the threshold.

A summary is posted in a round's thread when it closes; a digest (summary, trend and chart)
is posted to the channel on request or on a schedule.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.chat import Chat
from bot.context import Place
from bot.handlers.chart import WIDE, ChartLabels, Series, render_first_drawable
from bot.model import MaturityModel
from bot.places import Places
from bot.replies import AspectScore, Digest, Reply, RoundSummary, RoundTitle, private
from bot.services import Services
from bot.wording import Moment, speaking, t, tn
from storage import answers, rounds, scores
from storage.tables import DigestPost, Round, RoundScore

log = logging.getLogger(__name__)
HISTORY = 8  # rounds in a digest's trend


@dataclass(frozen=True)
class _Figures:
    """One aspect's aggregates, whether stored at close or tallied live."""

    responses: int
    scored: int
    mean: float | None
    median: float | None
    distribution: tuple[int, int, int, int]
    questions: str


class Digests:
    def __init__(self, services: Services, places: Places) -> None:
        self.services = services
        self.places = places

    async def latest_results(
        self, platform: str, channels: list[str], limit: int
    ) -> list[tuple[Place, RoundSummary]]:
        """Each channel's latest closed round as a summary (aggregates only), newest first."""
        found = await self.services.db.read(rounds.latest_closed_in, platform, channels, limit)
        results = []
        for conversation, round_ in found:
            place = self.places.place_of(conversation)
            results.append((place, await self.summary(round_, place)))
        return results

    def model(self, round_: Round) -> MaturityModel:
        """The model in the round's language: a summary speaks the language its round did."""
        return self.services.content.model(round_.language)

    async def summary(self, round_: Round, place: Place) -> RoundSummary:
        figures, previous, comments = await self.services.db.read(
            _summary_data,
            round_,
            [a.key for a in self.model(round_).aspects],
            self.services.settings.pulse_min_responses,
        )
        return self._summary(round_, figures, previous, comments)

    def _summary(
        self,
        round_: Round,
        figures: dict[str, _Figures],
        previous: dict[str, _Figures] | None,
        comments: dict[str, list[str]],
    ) -> RoundSummary:
        s = self.services
        model = self.model(round_)
        threshold = s.settings.pulse_min_responses
        results: list[AspectScore] = []
        for aspect in model.aspects:
            mine = figures.get(aspect.key) or _Figures(0, 0, None, None, (0, 0, 0, 0), "")
            if mine.scored < threshold:
                results.append(AspectScore(aspect, mine.responses, mine.scored, hidden=True))
                continue
            before = previous.get(aspect.key) if previous else None
            change, comparable = None, True
            if before is not None and before.scored >= threshold and before.mean is not None:
                comparable = before.questions == mine.questions
                if comparable and mine.mean is not None:
                    change = round(mine.mean - before.mean, 2)
            results.append(
                AspectScore(
                    aspect,
                    mine.responses,
                    mine.scored,
                    hidden=False,
                    mean=mine.mean,
                    median=mine.median,
                    distribution=mine.distribution,
                    change=change,
                    comparable=comparable,
                    comments=tuple(comments.get(aspect.key, ())),
                )
            )
        shown = [score for score in results if not score.hidden and score.mean is not None]
        weakest = min(shown, key=lambda score: score.mean or 0.0) if shown else None
        weakest_next = None
        if weakest is not None and weakest.median is not None and int(weakest.median) < 4:
            weakest_next = weakest.aspect.level(int(weakest.median) + 1)
        assert round_.id is not None
        return RoundSummary(
            round_id=round_.id,
            title=RoundTitle(round_.week),
            opened_at=round_.opened_at,
            closed_at=round_.closed_at,
            respondents=round_.respondents if round_.respondents is not None else 0,
            members=round_.members,
            scores=tuple(results),
            min_responses=threshold,
            weakest=weakest,
            weakest_next=weakest_next,
            attribution=model.attribution.line,
            lang=round_.language,
        )

    async def build(
        self, place: Place, with_chart: bool = True, chart_width: int = WIDE, upto: int = 0
    ) -> Digest | None:
        """The digest of the latest closed round here (or of round ``upto``, for a digest that
        fell due then and goes out late), with its trend; None before any round. The chart is
        drawn ``chart_width`` pixels wide: where it is shown, so it stays legible."""
        s = self.services
        history = await s.db.read(rounds.closed_rounds, place.id, HISTORY + (8 if upto else 0))
        if upto:
            ids = [r.id for r in history]
            history = history[ids.index(upto) :] if upto in ids else history
        history = history[:HISTORY]
        if not history:
            return None
        latest = history[0]
        summary = await self.summary(latest, place)
        chart = None
        if with_chart:
            stored = await s.db.read(scores.stored, [r.id for r in history])
            # The chart is drawn here, once for everyone in the conversation, in the round's
            # language; English stays as the fallback for a character no font can draw.
            choices = []
            for language in dict.fromkeys((latest.language, "en")):
                with speaking(language):
                    series = _trend(
                        list(reversed(history)), stored, s.settings.pulse_min_responses,
                        place.timezone,
                    )  # fmt: skip
                    model = s.content.model(language)
                    aspects = [(a.key, a.name) for a in model.aspects]
                    choices.append((series, aspects, _labels(len(series))))
            chart = await asyncio.to_thread(render_first_drawable, choices, chart_width)
        return Digest(summary, rounds_compared=len(history), chart_png=chart)

    async def post(self, place: Place, chat: Chat) -> Reply | None:
        """Post the digest to the channel now (asked for); a notice when there is none."""
        s = self.services
        digest = await self.build(place, chart_width=getattr(chat, "chart_width", WIDE))
        if digest is None:
            return private(t("No pulse has closed here yet, so there is nothing to digest."))
        await chat.post(place, digest)
        await s.db.write(_record_post, place.id, digest.summary.round_id, s.now())
        return None

    def record_post(
        self, session: Session, conversation_id: int, payload: dict[str, object], now: datetime
    ) -> None:
        """An owed digest went out (bot/delivery/ records it in its own transaction)."""
        round_id = payload.get("round_id")
        _record_post(session, conversation_id, round_id if isinstance(round_id, int) else None, now)


def _summary_data(
    session: Session, round_: Round, aspects: list[str], threshold: int
) -> tuple[dict[str, _Figures], dict[str, _Figures] | None, dict[str, list[str]]]:
    assert round_.id is not None, "a stored round has an id"
    figures = _figures(session, round_)
    previous_round = rounds.previous_closed(session, round_)
    previous = _figures(session, previous_round) if previous_round else None
    visible = [key for key in aspects if key in figures and figures[key].scored >= threshold]
    comments = answers.comments(session, round_.id, visible)
    return figures, previous, comments


def _figures(session: Session, round_: Round) -> dict[str, _Figures]:
    assert round_.id is not None, "a stored round has an id"
    if round_.closed_at is not None:
        stored = scores.stored(session, [round_.id]).get(round_.id, {})
        return {
            key: _Figures(
                s.responses,
                s.scored,
                s.mean,
                s.median,
                (s.level_1, s.level_2, s.level_3, s.level_4),
                s.questions,
            )
            for key, s in stored.items()
        }
    return {
        key: _Figures(t.responses, t.scored, t.mean, t.median, _levels(t.distribution), t.questions)
        for key, t in scores.tally(session, round_.id).items()
    }


def _levels(distribution: list[int]) -> tuple[int, int, int, int]:
    """A tally's answers per level 1-4, as a summary holds them."""
    first, second, third, fourth = distribution
    return first, second, third, fourth


def _trend(
    history: list[Round], stored: dict[int, dict[str, RoundScore]], threshold: int, timezone: str
) -> Series:
    """Per round (oldest first), each aspect's mean, or None where it is below the threshold."""
    series = []
    for round_ in history:
        assert round_.id is not None, "a stored round has an id"
        label = str(Moment(round_.opened_at, timezone, style="day"))
        means = {
            aspect: (score.mean if score.scored >= threshold else None)
            for aspect, score in stored.get(round_.id, {}).items()
        }
        series.append((label, means))
    return series


def _labels(rounds: int) -> ChartLabels:
    """The chart's words in the language in force."""
    return ChartLabels(
        radar_title=str(t("Mean level per aspect")),
        trend_title=str(
            t("The latest round")
            if rounds == 1
            else tn("Trend over the last {n} round", "Trend over the last {n} rounds", rounds)
        ),
        level_axis=str(t("mean level")),
        latest_round=str(t("latest round")),
        previous_round=str(t("previous round")),
        footnote=str(t("Aspects below the response threshold are left out.")),
    )


def _record_post(
    session: Session, conversation_id: int, round_id: int | None, now: datetime
) -> None:
    session.add(DigestPost(conversation_id=conversation_id, round_id=round_id, posted_at=now))
