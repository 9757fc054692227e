"""Answering a pulse: clicks, comments and typed answers, each confirmed to the person alone.

Every answer arrives as one ``Click`` (from a Slack button, a Teams card or a typed
``answer adoption 3``) and is recorded only in a round of the conversation it came from:
a round id carried by a button is the client's word, the conversation is the platform's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import commands
from bot.chinese import language_of
from bot.context import MAX_ID, Click, Person, Place
from bot.handlers.counts import Counts
from bot.handlers.questions import RoundFacts, as_question
from bot.metrics import ANSWERS
from bot.places import Places
from bot.replies import AnswerRecorded, Notice, Reply, private
from bot.services import Services
from bot.understand import understand
from bot.wording import Listed, Moment, Say, Typed, t, tn
from storage import answers, rounds
from storage.answers import AnswerInput, Outcome
from storage.rounds import AskedQuestion, RoundInfo
from storage.writer import AnswerWriter

log = logging.getLogger(__name__)
MAX_COMMENT = 2000


def unknown_question() -> Notice:
    return private(t("That question is not part of a pulse I know."))


def unreadable_click() -> Notice:
    """For a button or card whose data is not what the bot put on it."""
    return private(t("That button could not be read, so nothing changed. Please answer again."))


def _stale() -> Notice:
    return private(
        t("You gave a newer answer to this question, so this earlier click changed nothing.")
    )


class Answers:
    def __init__(
        self, services: Services, places: Places, counts: Counts, facts: RoundFacts
    ) -> None:
        self.services = services
        self.places = places
        self.counts = counts
        self.facts = facts
        self._writer = AnswerWriter(services.db)

    async def click(self, click: Click) -> Reply:
        """Record a click or a typed answer; the reply is for the person only."""
        if not 1 <= click.round_id <= MAX_ID:
            return unknown_question()
        info = await self.facts.get(click.round_id)
        question = info.question(click.question_id) if info else None
        if info is None or question is None or info.conversation_id != click.place.id:
            return unknown_question()
        if click.level is not None and not 1 <= click.level <= 4:
            return private(t("Levels go from 1 to 4 (or “not sure”)."))
        comment = (click.comment or "").strip()[:MAX_COMMENT] or None
        result = await self._writer.record(
            AnswerInput(
                click.place.id,
                click.round_id,
                click.question_id,
                question.version,
                question.aspect,
                click.person.id,
                click.level,
                comment,
                click.at,
            )
        )
        ANSWERS.labels(result.outcome.value).inc()
        if result.outcome is Outcome.CLOSED:
            return self._closed_notice(click.place, result.closes_at)
        if result.outcome is Outcome.NO_ROUND:
            return private(t("That pulse no longer exists."))
        if result.outcome is Outcome.STALE:
            return _stale()
        chat = self.places.chat(click.place.platform)
        if chat is not None:
            self.counts.refresh(info, click.place, question, chat)
        assert result.closes_at is not None
        return AnswerRecorded(
            as_question(question),
            click.level,
            result.closes_at,
            click.place.timezone,
            comment_saved=comment is not None,
            changed=result.outcome is Outcome.CHANGED,
        )

    async def comment(
        self, person: Person, place: Place, round_id: int, question_id: str, text: str
    ) -> Reply:
        if not 1 <= round_id <= MAX_ID:
            return unknown_question()
        info = await self.facts.get(round_id)
        if info is None or info.question(question_id) is None or info.conversation_id != place.id:
            return unknown_question()
        text = text.strip()[:MAX_COMMENT]
        if not text:
            return private(t("The comment was empty, so nothing changed."))
        s = self.services
        result = await s.db.write(
            answers.set_comment, place.id, round_id, question_id, person.id, text, s.now()
        )
        if result.outcome is Outcome.CLOSED:
            return self._closed_notice(place, result.closes_at)
        if result.outcome is Outcome.NO_ROUND:
            return private(t("Pick a level (or “Not sure”) first, then add your comment."))
        return private(
            t(
                "Comment saved. Comments appear in the summary without your name, and only for "
                "aspects with enough responses."
            )
        )

    def _closed_notice(self, place: Place, closed_at: datetime | None) -> Notice:
        if closed_at is None:
            return private(
                t(
                    "Thanks! This pulse closed, so your answer was not recorded. Watch for the "
                    "next one."
                )
            )
        return private(
            t(
                "Thanks! This pulse closed on {moment}, so your answer was not recorded. Watch "
                "for the next one.",
                moment=Moment(closed_at, place.timezone, zone_shown=True),
            )
        )

    async def typed(self, place: Place, person: Person, command: commands.Answer) -> Reply:
        """A typed answer: ``answer adoption 3``, or a bare ``3`` in the pulse's thread."""
        db = self.services.db
        current = await db.read(rounds.current, place.id)
        if current is None or current.id is None:
            latest = await db.read(rounds.closed_rounds, place.id, 1)
            if latest:
                return self._closed_notice(place, latest[0].closed_at)
            return private(t("No pulse is open here. An admin can start one with `pulse start`."))
        info = await self.facts.get(current.id)
        if info is None:  # pragma: no cover - the round was just read
            return private(t("No pulse is open here."))
        target = await self._target(info, person, command.target)
        if isinstance(target, Notice):
            return target
        click = Click(
            person,
            place,
            info.round_id,
            target.question_id,
            command.level,
            self.services.now(),
            command.comment,
        )
        return await self.click(click)

    async def _target(
        self, info: RoundInfo, person: Person, text: str | None
    ) -> AskedQuestion | Notice:
        questions = info.questions
        if text is None:
            if len(questions) == 1:
                return questions[0]
            given = await self.services.db.read(
                answers.of_person_in_round, info.round_id, person.id
            )
            left = [q for q in questions if q.question_id not in given]
            if len(left) == 1:
                return left[0]
            return private(t("Which question? {hint}", hint=_answer_hint(questions)))
        exact = info.question(text.strip().lower())
        if exact is not None:
            return exact
        content = self.services.content
        model = content.model(language_of(text))
        aspect = understand(text, model, content.model()).aspect
        matching = [q for q in questions if q.aspect == aspect]
        if len(matching) == 1:
            return matching[0]
        if matching and aspect is not None:
            return private(
                tn(
                    "This pulse asks {n} question about {aspect}: answer it by id ({ids}), "
                    "e.g. `answer {example} 3`.",
                    "This pulse asks {n} questions about {aspect}: answer one by id ({ids}), "
                    "e.g. `answer {example} 3`.",
                    len(matching),
                    aspect=aspect,
                    ids=Listed(tuple(q.question_id for q in matching)),
                    example=matching[0].question_id,
                )
            )
        return private(
            t(
                "{text!r} is not a question of this pulse. {hint}",
                text=Typed(text[:80]),
                hint=_answer_hint(questions),
            )
        )


def _answer_hint(questions: tuple[AskedQuestion, ...]) -> Say:
    example = questions[0].question_id if questions else "adoption"
    return t("Answer like `answer {example} 3` (levels 1 to 4, or `not sure`).", example=example)
