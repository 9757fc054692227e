"""Pulse rounds: open, answer, status, remind, close. Platform-neutral; speaks through the
``Chat`` port and keeps everything in storage."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import commands
from bot.chat import Chat, MessageRef
from bot.context import Person, Place, place_of
from bot.handlers.digest import Digests
from bot.metrics import ANSWERS
from bot.model import Question
from bot.replies import (
    AnswerRecorded,
    Notice,
    PulseParent,
    PulseStatus,
    Reply,
    SurveyQuestion,
    private,
)
from bot.services import Services
from bot.understand import understand
from bot.when import ClosingTime, round_title, when
from storage import answers, conversations, rounds
from storage.rounds import PlannedQuestion
from storage.tables import Round, RoundQuestion
from storage.writer import AnswerWriter

log = logging.getLogger(__name__)
COUNT_REFRESH_SECONDS = 1.0
MIN_OPEN = timedelta(minutes=1)


@dataclass(frozen=True)
class RoundInfo:
    """What does not change while a round is open, cached for the click path."""

    round_id: int
    place: Place
    questions: tuple[RoundQuestion, ...]

    def question(self, question_id: str) -> RoundQuestion | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


class Pulses:
    def __init__(self, services: Services, digests: Digests) -> None:
        self.services = services
        self.digests = digests  # a round's summary is the first part of its digest
        self._info: dict[int, asyncio.Future[RoundInfo | None]] = {}
        self._writer = AnswerWriter(services.db)
        self._pending_counts: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._stale: set[tuple[int, str]] = set()

    # --- opening ----------------------------------------------------------------------

    async def start(
        self,
        place: Place,
        person: Person,
        chat: Chat,
        template: str | None = None,
        closing: ClosingTime | None = None,
        close_after: timedelta | None = None,
        schedule_id: int | None = None,
        claim: str | None = None,
    ) -> list[Reply]:
        """Open a round here: the parent post, then every question in its thread."""
        s = self.services
        key = template or s.surveys.default
        survey = s.surveys.get(key)
        if survey is None:
            names = ", ".join(sorted(s.surveys.templates))
            return [private(f"There is no survey template {key!r}. Templates: {names}.")]
        now = s.now()
        closes_at = (
            closing.resolve(now, place.timezone)
            if closing
            else now + (close_after or commands.DEFAULT_CLOSE)
        )
        if closes_at < now + MIN_OPEN:
            return [private("That closing time is in the past; pick a later one.")]
        planned = [
            PlannedQuestion(q.id, q.version, q.aspect, q.text, tuple(q.options))
            for q in survey.questions
        ]
        title = round_title(now, place.timezone)
        opened = await s.db.write(
            _open,
            place.id,
            survey.key,
            title,
            person.id,
            now,
            closes_at,
            planned,
            schedule_id,
            claim,
            s.instance,
        )
        if opened is None:
            return [await self._already_open(place)]
        round_id = opened.id
        try:
            await self._post_round(place, chat, opened, survey.name)
        except Exception:
            # Nobody can see a round whose parent post failed (the bot was removed from the
            # channel, say): take it back instead of leaving an open round behind.
            log.exception("could not post round %s in %s; withdrawing it", round_id, place.label)
            await s.db.write(rounds.withdraw, round_id)
            return [private("I could not post the pulse here, so I did not start it.")]
        s.timetable.round_opened(round_id, closes_at)
        return []

    async def _already_open(self, place: Place) -> Notice:
        existing = await self.services.db.read(rounds.current, place.id)
        if existing is None:  # a scheduled claim was taken by another instance
            return Notice("This pulse was already started.", private=True)
        return Notice(
            f"A pulse is already open here ({existing.title}), closing "
            f"{when(existing.closes_at, place.timezone)}. Use `pulse status` or `pulse close`.",
            private=True,
        )

    async def _post_round(self, place: Place, chat: Chat, round_: Round, survey_name: str) -> None:
        s = self.services
        questions = await s.db.read(rounds.questions, round_.id)
        parent_reply = PulseParent(
            round_.id, round_.title, survey_name, round_.closes_at, len(questions), place.timezone
        )
        parent = await chat.post(place, parent_reply)
        if parent is None:
            raise LookupError(f"{chat.platform} could not post in {place.label}")
        await s.db.write(rounds.set_parent_ref, round_.id, parent.dumps())
        await self._post_questions(place, chat, round_, questions, parent)

    async def _post_questions(
        self,
        place: Place,
        chat: Chat,
        round_: Round,
        questions: list[RoundQuestion],
        parent: MessageRef | None,
    ) -> None:
        """Once the parent is out the round is visible: a question that fails to post is
        logged and the others still go (`pulse status` shows what people can answer)."""
        s = self.services
        for question in questions:
            reply = self._question_reply(round_.id, question, len(questions), 0)
            try:
                if parent is not None:
                    ref = await chat.post_in_thread(place, parent, reply)
                else:
                    ref = await chat.post(place, reply)
            except Exception:
                log.exception("could not post question %s of round %s", question.question_id,
                              round_.id)  # fmt: skip
                continue
            if ref is not None:
                await s.db.write(
                    rounds.set_question_ref, round_.id, question.question_id, ref.dumps()
                )
        self._info.pop(round_.id, None)

    def _question_reply(
        self, round_id: int, question: RoundQuestion, total: int, responses: int, closed=False
    ) -> SurveyQuestion:
        content = self._content(question)
        aspect = self.services.model.aspect(question.aspect)
        return SurveyQuestion(
            round_id, content, aspect, question.position, total, responses, closed=closed
        )

    def _content(self, question: RoundQuestion) -> Question:
        """The question as this round asked it (wording is kept with the round)."""
        return Question(
            id=question.question_id,
            aspect=question.aspect,
            version=question.question_version,
            text=question.text,
            options=json.loads(question.options),
        )

    # --- answering --------------------------------------------------------------------

    async def info(self, round_id: int) -> RoundInfo | None:
        """The round's fixed facts, loaded once even when a burst of clicks asks together."""
        cached = self._info.get(round_id)
        if cached is None:
            cached = asyncio.ensure_future(self.services.db.read(_load_info, round_id))
            self._info[round_id] = cached
        try:
            loaded = await cached
        except Exception:
            self._info.pop(round_id, None)
            raise
        if loaded is None:
            self._info.pop(round_id, None)
        return loaded

    async def answer(
        self,
        person: Person,
        round_id: int,
        question_id: str,
        level: int | None,
        comment: str | None = None,
        at: datetime | None = None,
        chat: Chat | None = None,
    ) -> Reply:
        """Record a click or a typed answer; the reply is for the person only."""
        info = await self.info(round_id)
        question = info.question(question_id) if info else None
        if info is None or question is None:
            return Notice("That question is not part of a pulse I know.", private=True)
        if level is not None and not 1 <= level <= 4:
            return Notice("Levels go from 1 to 4 (or “not sure”).", private=True)
        comment = (comment or "").strip()[:2000] or None
        result = await self._writer.record(
            answers.AnswerInput(
                round_id,
                question_id,
                question.question_version,
                question.aspect,
                person.id,
                level,
                comment,
                at or self.services.now(),
            )
        )
        ANSWERS.labels(result.outcome.value).inc()
        if result.outcome is answers.Outcome.CLOSED:
            return self._closed_notice(info, result.closes_at)
        if result.outcome is answers.Outcome.NO_ROUND:
            return Notice("That pulse no longer exists.", private=True)
        self._refresh_count(info, question, chat)
        return AnswerRecorded(
            self._content(question),
            level,
            result.closes_at,
            info.place.timezone,
            comment_saved=comment is not None,
            changed=result.outcome is answers.Outcome.CHANGED,
        )

    async def comment(self, person: Person, round_id: int, question_id: str, text: str) -> Reply:
        info = await self.info(round_id)
        if info is None or info.question(question_id) is None:
            return Notice("That question is not part of a pulse I know.", private=True)
        text = text.strip()[:2000]
        if not text:
            return Notice("The comment was empty, so nothing changed.", private=True)
        result = await self.services.db.write(
            answers.set_comment, round_id, question_id, person.id, text, self.services.now()
        )
        if result.outcome is answers.Outcome.CLOSED:
            return self._closed_notice(info, result.closes_at)
        if result.outcome is answers.Outcome.NO_ROUND:
            return private("Pick a level (or “Not sure”) first, then add your comment.")
        return Notice(
            "Comment saved. Comments appear in the summary without your name, and only for "
            "aspects with enough responses.",
            private=True,
        )

    def _closed_notice(self, info: RoundInfo, closed_at: datetime | None) -> Notice:
        moment = f" on {when(closed_at, info.place.timezone)}" if closed_at else ""
        return Notice(
            f"Thanks! This pulse closed{moment}, so your answer was not recorded. "
            "Watch for the next one.",
            private=True,
        )

    async def answer_text(
        self, place: Place, person: Person, command: commands.Answer, chat: Chat | None = None
    ) -> Reply:
        """A typed answer: ``answer adoption 3``, or a bare ``3`` in the pulse's thread."""
        current = await self.services.db.read(rounds.current, place.id)
        if current is None:
            latest = await self.services.db.read(rounds.closed_rounds, place.id, 1)
            if latest:
                info = await self.info(latest[0].id)
                return self._closed_notice(info, latest[0].closed_at)
            return private("No pulse is open here. An admin can start one with `pulse start`.")
        info = await self.info(current.id)
        if info is None:  # pragma: no cover - the round was just read
            return Notice("No pulse is open here.", private=True)
        target = await self._target(info, person, command.target)
        if isinstance(target, Notice):
            return target
        return await self.answer(
            person, info.round_id, target.question_id, command.level, command.comment, chat=chat
        )

    async def _target(
        self, info: RoundInfo, person: Person, text: str | None
    ) -> RoundQuestion | Notice:
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
            return Notice(f"Which question? {_answer_hint(questions)}", private=True)
        exact = info.question(text.strip().lower())
        if exact is not None:
            return exact
        aspect = understand(text, self.services.model).aspect
        matching = [q for q in questions if q.aspect == aspect]
        if len(matching) == 1:
            return matching[0]
        if matching:
            ids = ", ".join(q.question_id for q in matching)
            return Notice(
                f"This pulse asks {len(matching)} questions about {aspect}: answer one by id "
                f"({ids}), e.g. `answer {matching[0].question_id} 3`.",
                private=True,
            )
        return private(f"{text!r} is not a question of this pulse. {_answer_hint(questions)}")

    def _refresh_count(self, info: RoundInfo, question: RoundQuestion, chat: Chat | None) -> None:
        """Show the new response count on the question, at most once per the platform's
        interval (a second on Slack, longer on Teams, whose per-thread limits are tighter)."""
        chat = chat or self.services.chat_for(info.place.platform)
        ref = MessageRef.loads(question.message_ref)
        if chat is None or ref is None:
            return
        key = (info.round_id, question.question_id)
        if key in self._pending_counts:
            self._stale.add(key)  # the update under way runs once more when it is done
            return
        self._pending_counts[key] = asyncio.get_running_loop().create_task(
            self._update_count(info, question, ref, chat, key)
        )

    async def _update_count(
        self,
        info: RoundInfo,
        question: RoundQuestion,
        ref: MessageRef,
        chat: Chat,
        key: tuple[int, str],
    ) -> None:
        interval = getattr(chat, "count_interval", COUNT_REFRESH_SECONDS)
        try:
            while True:
                await asyncio.sleep(interval)
                self._stale.discard(key)
                count, closed = await self.services.db.read(
                    rounds.question_state, info.round_id, question.question_id
                )
                # Closed meanwhile (perhaps by another instance): show the closed card, never
                # bring the buttons back.
                reply = self._question_reply(
                    info.round_id, question, len(info.questions), count, closed=closed
                )
                await chat.update(info.place, ref, reply)
                if key not in self._stale:
                    return
        except Exception:
            log.exception("could not update the response count of a question")
        finally:
            del self._pending_counts[key]
            self._stale.discard(key)

    async def flush_counts(self) -> None:
        """Wait for pending count updates (used at shutdown and in tests)."""
        while self._pending_counts:
            await asyncio.gather(*self._pending_counts.values(), return_exceptions=True)

    # --- status, reminders, closing -------------------------------------------------

    async def status(self, place: Place, chat: Chat) -> Reply:
        current = await self.services.db.read(rounds.current, place.id)
        if current is None:
            return private("No pulse is open here. An admin can start one with `pulse start`.")
        counts = await self.services.db.read(answers.counts_by_question, current.id)
        people = await self.services.db.read(answers.answered_by, current.id)
        questions = await self.services.db.read(rounds.questions, current.id)
        members = await _members(chat, place)
        return PulseStatus(
            current.id,
            current.title,
            current.opened_at,
            current.closes_at,
            len(people),
            len(members) if members else None,
            place.timezone,
            tuple((q.question_id, counts.get(q.question_id, 0)) for q in questions),
        )

    async def remind(self, place: Place, chat: Chat) -> Reply:
        s = self.services
        current = await s.db.read(rounds.current, place.id)
        if current is None:
            return Notice("No pulse is open here, so there is nobody to remind.", private=True)
        if not await s.db.write(rounds.mark_reminded, current.id, s.now()):
            return private("I already sent this round's reminder; I only remind once.")
        text = (
            f"Reminder: the platform maturity pulse in {place.label} closes "
            f"{when(current.closes_at, place.timezone)}. It takes about a minute, and only "
            "totals are ever shown."
        )
        members = await _members(chat, place)
        if members is None:  # the platform cannot list members: one reminder for everyone
            parent = MessageRef.loads(current.parent_ref)
            reminder = Notice(text)
            if parent is not None:
                await chat.post_in_thread(place, parent, reminder, broadcast=True)
            else:
                await chat.post(place, reminder)
            return Notice(
                "I can't list this conversation's members, so I posted one reminder.", True
            )
        questions = await s.db.read(rounds.questions, current.id)
        answered = await s.db.read(answers.answered_by, current.id)
        pending = [m for m in members if len(answered.get(m, ())) < len(questions)]
        reached = 0
        for member in pending:
            if await chat.direct(place, member, Notice(text)):
                reached += 1
        people = "person" if reached == 1 else "people"
        return Notice(f"Reminded {reached} {people} who haven't answered yet.", private=True)

    async def close(self, round_id: int, chat: Chat | None = None) -> bool:
        """Close a round once (across instances) and post its summary in the thread."""
        s = self.services
        round_ = await s.db.read(rounds.get, round_id)
        if round_ is None or round_.closed_at is not None:
            return False
        conversation = await s.db.read(conversations.get, round_.conversation_id)
        place = place_of(conversation)
        chat = chat or s.chat_for(place.platform)
        if chat is None:  # an instance serving that platform will close it
            log.warning("round %s is due, but %s is not served here", round_id, place.platform)
            return False
        members = await _members(chat, place)
        closed = await s.db.write(
            _close, round_id, s.now(), len(members) if members else None, s.instance
        )
        if closed is None:
            return False
        self._info.pop(round_id, None)
        for key, task in list(self._pending_counts.items()):
            if key[0] == round_id:
                task.cancel()  # the closed cards below carry the final counts
        summary = await self.digests.summary(closed, place)
        parent = MessageRef.loads(closed.parent_ref)
        if parent is not None:
            await chat.post_in_thread(place, parent, summary, broadcast=True)
        else:
            await chat.post(place, summary)
        await self._mark_questions_closed(closed, place, chat)
        return True

    async def _mark_questions_closed(self, round_: Round, place: Place, chat: Chat) -> None:
        questions = await self.services.db.read(rounds.questions, round_.id)
        counts = await self.services.db.read(answers.counts_by_question, round_.id)
        for question in questions:
            ref = MessageRef.loads(question.message_ref)
            if ref is None:
                continue
            count = counts.get(question.question_id, 0)
            reply = self._question_reply(round_.id, question, len(questions), count, closed=True)
            try:
                await chat.update(place, ref, reply)
            except Exception:
                log.exception("could not mark a question closed")


def _answer_hint(questions: tuple[RoundQuestion, ...]) -> str:
    example = questions[0].question_id if questions else "adoption"
    return f"Answer like `answer {example} 3` (levels 1 to 4, or `not sure`)."


async def _members(chat: Chat | None, place: Place) -> list[str] | None:
    if chat is None:
        return None
    try:
        return await chat.members(place)
    except Exception:
        log.warning("could not list the members of %s", place.label, exc_info=True)
        return None


# --- database work (runs in the storage thread pool) ---------------------------------------


def _open(
    session: object,
    conversation_id: int,
    template: str,
    title: str,
    opened_by: str,
    now: datetime,
    closes_at: datetime,
    planned: list[PlannedQuestion],
    schedule_id: int | None,
    claim: str | None,
    instance: str,
) -> Round | None:
    from storage import schedules

    # The claim and the round commit together: if the process dies in between, neither is
    # kept and the occurrence can still run.
    if claim is not None and not schedules.claim(session, claim, instance, now):
        return None
    return rounds.open_round(
        session, conversation_id, template, title, opened_by, now, closes_at, planned, schedule_id
    )


def _close(
    session: object, round_id: int, now: datetime, members: int | None, instance: str
) -> Round | None:
    from storage import schedules

    if not schedules.claim(session, f"close:{round_id}", instance, now):
        return None
    return rounds.close(session, round_id, now, members)


def _load_info(session: object, round_id: int) -> RoundInfo | None:
    round_ = rounds.get(session, round_id)
    if round_ is None:
        return None
    conversation = conversations.get(session, round_.conversation_id)
    return RoundInfo(
        round_id=round_id,
        place=place_of(conversation),
        questions=tuple(rounds.questions(session, round_id)),
    )
