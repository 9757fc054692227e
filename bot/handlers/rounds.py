"""Pulse rounds: open, status, remind, close. Platform-neutral; speaks through the ``Chat``
port of the round's conversation, reached through the directory, and keeps everything in
storage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import commands, phrases
from bot.chat import Chat
from bot.context import MessageRef, Person, Place
from bot.delivery import Delivery
from bot.handlers.counts import Counts
from bot.handlers.digest import Digests
from bot.handlers.questions import RoundFacts
from bot.places import Places
from bot.replies import Notice, PulseStatus, QuestionCount, Reply, RoundTitle, private
from bot.services import Services
from bot.when import ClosingTime, iso_week
from bot.wording import Listed, Moment, t, tn
from storage import answers, outbox, rounds
from storage.outbox import Claimed
from storage.rounds import NewRound, PlannedQuestion
from storage.tables import Round

log = logging.getLogger(__name__)
MIN_OPEN = timedelta(minutes=1)
REMINDERS_AT_ONCE = 8
OPENING_AT_ONCE = 16  # rounds between their opening transaction and their parent post


class Rounds:
    def __init__(
        self,
        services: Services,
        places: Places,
        digests: Digests,
        counts: Counts,
        facts: RoundFacts,
        delivery: Delivery,
    ) -> None:
        self.services = services
        self.places = places
        self.digests = digests  # a round's summary is the first part of its digest
        self.counts = counts
        self.facts = facts
        self.delivery = delivery  # what a round owes its conversation goes through it
        self._opening = asyncio.Semaphore(OPENING_AT_ONCE)

    # --- opening ----------------------------------------------------------------------

    async def start(
        self,
        place: Place,
        person: Person,
        template: str | None = None,
        closing: ClosingTime | None = None,
        close_after: timedelta | None = None,
        schedule_id: int | None = None,
        claim: str | None = None,
        claimed_elsewhere: Callable[[], bool] | None = None,
    ) -> list[Reply]:
        """Open a round here: the parent post, then every question in its thread.
        ``claim``: the scheduled occurrence it opens; ``claimed_elsewhere``: asked once the
        round's turn to open comes, whether another instance has claimed that occurrence
        meanwhile (then nothing is done and nothing said)."""
        s = self.services
        chat = self.places.chat(place.platform)
        if chat is None:  # pragma: no cover - turns and schedules come from served platforms
            log.warning("no chat port for %s; not opening a round", place.platform)
            return []
        surveys = s.content.survey_set(place.language)
        key = template or surveys.default
        survey = surveys.get(key)
        if survey is None:
            names = Listed(tuple(sorted(surveys.templates)))
            return [
                private(
                    t(
                        "There is no survey template {key!r}. Templates: {names}.",
                        key=key,
                        names=names,
                    )
                )
            ]
        # A burst opens a few rounds at a time, each up to its parent post: one round after
        # another opens and is posted promptly, where all at once would each wait for all the
        # others (the database's threads serve them in turn) and every parent post would be
        # late. The round's time starts inside: a round waiting here has not opened yet.
        async with self._opening:
            # In a burst, thousands wait here; another instance takes many of their
            # occurrences meanwhile, and an opening transaction that loses its claim is lost.
            if claimed_elsewhere is not None and claimed_elsewhere():
                return []
            now = s.now()
            closes_at = (
                closing.resolve(now, place.timezone)
                if closing
                else now + (close_after or commands.DEFAULT_CLOSE)
            )
            if closes_at < now + MIN_OPEN:
                return [private(t("That closing time is in the past; pick a later one."))]
            new = NewRound(
                conversation_id=place.id,
                template=survey.key,
                week=iso_week(now, place.timezone),
                language=place.language,
                opened_by=person.id,
                opened_at=now,
                closes_at=closes_at,
                questions=tuple(
                    PlannedQuestion(q.id, q.version, q.aspect, q.text, tuple(q.options))
                    for q in survey.questions
                ),
                schedule_id=schedule_id,
            )
            delivery = self.delivery

            def open_and_owe(session: Session) -> tuple[Round | None, list[Claimed]]:
                # The round, its occurrence's claim and the posts it owes commit together.
                opened = rounds.open_claimed(session, new, claim, s.instance)
                if opened is None or opened.id is None:
                    return None, []
                questions = [q.question_id for q in new.questions]
                return opened, delivery.owe.round(session, opened, questions, now)

            opened, owed = await s.db.write(open_and_owe)
            if opened is None or opened.id is None:
                return [await self._already_open(place)]
            # Its posts go out without reading it back.
            delivery.plans.keep(opened.id, rounds.as_opened(opened, new))
            delivery.plans.remember(opened)
            s.timetable.round_opened(opened.id, closes_at)
            chain = await delivery.begin(owed)
        parent = (await delivery.finish(chain)).get(owed[0].post.id or 0)
        if parent == outbox.GIVEN_UP:
            # Nobody can see a round whose parent post was refused (the bot was removed from
            # the channel, say): the deliverer took it back.
            return [private(t("I could not post the pulse here, so I did not start it."))]
        if parent != outbox.DELIVERED:
            return [
                private(
                    t(
                        "The chat platform is not answering right now: the pulse is started "
                        "and will appear here as soon as it is back."
                    )
                )
            ]
        return []

    async def _already_open(self, place: Place) -> Notice:
        existing = await self.services.db.read(rounds.current, place.id)
        if existing is None:  # a scheduled claim was taken by another instance
            return private(t("This pulse was already started."))
        return private(
            t(
                "A pulse is already open here ({title}), closing {moment}. Use `pulse status` "
                "or `pulse close`.",
                title=phrases.round_title(RoundTitle(existing.week)),
                moment=Moment(existing.closes_at, place.timezone, zone_shown=True),
            )
        )

    # --- status, reminders, closing -------------------------------------------------

    async def status(self, place: Place) -> Reply:
        db = self.services.db
        current = await db.read(rounds.current, place.id)
        if current is None or current.id is None:
            return private(t("No pulse is open here. An admin can start one with `pulse start`."))
        counts = await db.read(answers.counts_by_question, current.id)
        people = await db.read(answers.people_count, current.id)
        info = await self.facts.get(current.id)
        members = await _members(self.places.chat(place.platform), place)
        model = self.services.content.model(current.language)
        return PulseStatus(
            current.id,
            RoundTitle(current.week),
            current.opened_at,
            current.closes_at,
            people,
            len(members) if members else None,
            place.timezone,
            tuple(
                QuestionCount(model.aspect(q.aspect), q.question_id, counts.get(q.question_id, 0))
                for q in (info.questions if info else ())
            ),
        )

    async def remind(self, place: Place) -> Reply:
        s = self.services
        chat = self.places.chat(place.platform)
        current = await s.db.read(rounds.current, place.id)
        if current is None or current.id is None or chat is None:
            return private(t("No pulse is open here, so there is nobody to remind."))
        marked = s.now()
        if not await s.db.write(rounds.mark_reminded, current.id, marked):
            return private(t("I already sent this round's reminder; I only remind once."))
        reminder = Notice(
            t(
                "Reminder: the platform maturity pulse in {place} closes {moment}. It takes "
                "about a minute, and only totals are ever shown.",
                place=place.label,
                moment=Moment(current.closes_at, place.timezone, zone_shown=True),
            ),
            lang=current.language,  # a round's posts speak the language it opened in
        )
        members = await _members(chat, place)
        if members is None:  # the platform cannot list members: one reminder for everyone
            parent = MessageRef.loads(current.parent_ref)
            try:
                if parent is not None:
                    await chat.post_in_thread(place, parent, reminder, broadcast=True)
                else:
                    await chat.post(place, reminder)
            except Exception:
                log.warning("could not post the reminder in %s", place.label, exc_info=True)
                return await self._not_reminded(current.id, marked)
            return private(t("I can't list this conversation's members, so I posted one reminder."))
        questions = await s.db.read(rounds.questions, current.id)
        done = await s.db.read(answers.done_by, current.id, len(questions))
        waiting = [m for m in members if m not in done]
        pending = iter(waiting)
        reached = 0

        async def send() -> None:  # several at once; each person's lane paces itself
            nonlocal reached
            for member in pending:
                try:
                    sent = await chat.direct(place, member, reminder)
                except Exception:
                    log.warning("could not remind a person in %s", place.label, exc_info=True)
                    sent = False
                reached += bool(sent)  # after the await: a concurrent sender may have counted

        await asyncio.gather(*(send() for _ in range(REMINDERS_AT_ONCE)))
        if waiting and not reached:
            return await self._not_reminded(current.id, marked)
        return private(
            tn(
                "Reminded {n} person who hasn't answered yet.",
                "Reminded {n} people who haven't answered yet.",
                reached,
            )
        )

    async def _not_reminded(self, round_id: int, marked: datetime) -> Reply:
        """Nobody got the reminder (the platform is down, say): the round's one reminder is
        not spent, so that it can be sent once the platform answers again."""
        await self.services.db.write(rounds.unmark_reminded, round_id, marked)
        return private(
            t(
                "I could not reach anyone, so nobody was reminded; the chat platform may be "
                "having trouble. Try `pulse remind` again in a few minutes."
            )
        )

    async def close(self, round_id: int) -> bool:
        """Close a round once (across instances) and post its summary in the thread."""
        s = self.services
        round_ = await s.db.read(rounds.get, round_id)
        if round_ is None or round_.closed_at is not None:
            return False
        reached = await self.places.reach(round_.conversation_id)
        if reached is None:  # an instance serving that platform will close it
            log.warning("round %s is due, but its platform is not served here", round_id)
            return False
        place, chat = reached
        if round_.parent_ref is None:
            # Its parent post never went out (an outage longer than the window): nobody saw
            # it, so it is withdrawn rather than closed, and the admins are told.
            await self.delivery.outcomes.withdraw(round_, place, "closing time came first")
            return False
        members = await _members(chat, place)
        delivery = self.delivery

        def close_and_owe(session: Session) -> tuple[Round | None, Claimed | None]:
            closed = rounds.close_claimed(
                session, round_id, s.now(), len(members) if members else None, s.instance
            )
            if closed is None:
                return None, None
            return closed, delivery.owe.summary(session, closed, s.now())

        closed, summary = await s.db.write(close_and_owe)
        if closed is None:
            return False
        self.facts.forget(round_id)
        self.counts.cancel(round_id)
        delivery.plans.remember(closed)  # its summary need not read it back
        if summary is not None:
            await delivery.deliver_leased([summary])
        return True


async def _members(chat: Chat | None, place: Place) -> list[str] | None:
    if chat is None:
        return None
    try:
        return await chat.members(place)
    except Exception:
        log.warning("could not list the members of %s", place.label, exc_info=True)
        return None
