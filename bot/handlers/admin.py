"""Schedules and personal data: who may manage pulses, when they run, and what a person
can see and delete of their own answers."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot import commands, occurrences, phrases
from bot.context import Person, Place
from bot.replies import Confirm, Notice, Refusal, Reply, RoundTitle, private
from bot.services import Services
from bot.when import describe_days
from bot.wording import Moment, Say, Typed, t, tn
from storage import answers, confirmations, conversations, schedules
from storage.tables import Schedule

CONFIRM_WITHIN = timedelta(minutes=5)
FORGET = "forget-me"


def is_admin(services: Services, person: Person) -> bool:
    """Listed in MATURITYBOT_ADMINS under any of the person's ids."""
    return any(services.settings.is_admin(one) for one in person.ids)


def refusal(services: Services, person: Person, command: commands.Command) -> Refusal | None:
    """None when the person may run the command; otherwise a refusal naming the setting."""
    action = commands.admin_action(command)
    if action is None or is_admin(services, person):
        return None
    return Refusal(
        t(
            "Sorry, only pulse admins can {action}. An admin can add your user id ({id}) to "
            "the MATURITYBOT_ADMINS setting.",
            action=action,
            id=person.id,
        )
    )


class Admin:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def set_schedule(
        self, place: Place, person: Person, command: commands.ScheduleSet
    ) -> Reply:
        s = self.services
        surveys = s.content.survey_set(place.language)
        template = command.template or (surveys.default if command.kind == "pulse" else None)
        if template is not None and surveys.get(template) is None:
            return private(t("There is no survey template {key!r}.", key=template))
        timezone = command.weekly.timezone or place.timezone
        close_after = command.close_after or commands.DEFAULT_CLOSE
        if (
            command.kind == "pulse"
            and close_after >= timedelta(days=7)
            and (len(command.weekly.days.split(",")) == 1)
        ):
            return private(t("A weekly pulse must close within 7 days, before the next opens."))
        schedule = Schedule(
            conversation_id=place.id,
            kind=command.kind,
            days=command.weekly.days,
            hour=command.weekly.hour,
            minute=command.weekly.minute,
            timezone=timezone,
            template=template if command.kind == "pulse" else None,
            close_after_minutes=int(close_after.total_seconds() // 60)
            if command.kind == "pulse"
            else None,
            created_by=person.id,
            created_at=s.now(),
        )
        replaced = await s.db.write(_store_schedule, schedule, command.weekly.timezone)
        s.timetable.schedules_changed()
        upcoming = occurrences.following(
            schedule.days, schedule.hour, schedule.minute, 0, timezone, s.now()
        )
        parts = [t("Scheduled: {schedule}.", schedule=describe(schedule))]
        if upcoming is not None:
            parts.append(t("Next: {moment}.", moment=Moment(upcoming, timezone, zone_shown=True)))
        if replaced:
            parts.append(t("(This replaces the earlier schedule.)"))
        return Notice(phrases.sentences(*parts))

    async def list_schedules(self, place: Place) -> Reply:
        found = await self.services.db.read(schedules.of_conversation, place.id)
        if not found:
            return private(
                t(
                    "Nothing is scheduled here. Try `pulse schedule every monday 10:00 "
                    "Europe/Berlin` or `digest schedule fridays 16:00`."
                )
            )
        return Notice(t("Schedules here:"), private=True, lines=tuple(describe(s) for s in found))

    async def schedule_off(self, place: Place, kind: str) -> Reply:
        removed = await self.services.db.write(schedules.remove, place.id, kind)
        self.services.timetable.schedules_changed()
        if kind == "digest":
            if not removed:
                return private(t("There was no digest schedule here."))
            return Notice(t("Stopped the digest schedule here."))
        if not removed:
            return private(t("There was no pulse schedule here."))
        return Notice(t("Stopped the pulse schedule here."))

    async def set_language(self, place: Place, language: str) -> Reply:
        """What everyone here reads from now on (a round already open keeps its own)."""
        await self.services.db.write(conversations.set_language, place.id, language)
        return Notice(
            t(
                "From now on I speak {language} here: pulses, summaries, digests and answers "
                "to everyone. Private replies follow each person's own language.",
                language=phrases.language_name(language),
            ),
            lang=language,
        )

    def show_language(self, place: Place) -> Reply:
        return private(
            t(
                "I speak {language} here. An admin can switch with `language en` or `language zh`.",
                language=phrases.language_name(place.language),
            )
        )

    async def my_answers(self, person: Person, place: Place) -> Reply:
        found = await self.services.db.read(answers.of_person, place.platform, person.id)
        if not found:
            return private(t("You have no stored answers."))
        model = self.services.content.model(person.locale or place.language)
        lines = []
        for item in found:
            aspect = model.by_key.get(item.aspect)
            question = aspect.name if aspect else item.question_id
            if aspect is not None and item.question_id != item.aspect:
                question = f"{aspect.name} · {item.question_id}"
            state = t("open") if item.open else t("closed")
            line = t(
                "{conversation}, {title} ({state}): {question} → {choice}",
                conversation=item.conversation,
                title=phrases.round_title(RoundTitle(item.week)),
                state=state,
                question=question,
                choice=phrases.choice(item.level),
            )
            if item.comment:
                line = t("{answer} — “{comment}”", answer=line, comment=Typed(item.comment))
            lines.append(line)
        return Notice(t("Your answers (only you see this):"), private=True, lines=tuple(lines))

    async def forget_me(self, person: Person, place: Place, confirmed: bool) -> Reply:
        db, s = self.services.db, self.services
        if not confirmed:
            count = await db.read(answers.count_of_person, place.platform, person.id)
            if count == 0:
                return private(t("You have no stored answers, so there is nothing to forget."))
            await db.write(
                confirmations.ask, place.platform, person.id, FORGET, s.now() + CONFIRM_WITHIN
            )
            return Confirm(
                tn(
                    "This deletes the {n} answer you gave, in every conversation. Results of "
                    "closed rounds stay, as totals without names.",
                    "This deletes all {n} answers you gave, in every conversation. Results of "
                    "closed rounds stay, as totals without names.",
                    count,
                ),
                commands.FORGET_CONFIRMATION,
            )
        await db.write(confirmations.cancel, place.platform, person.id)
        deleted = await db.write(answers.forget_person, place.platform, person.id)
        return private(
            tn(
                "Done: I deleted {n} answer of yours.",
                "Done: I deleted {n} answers of yours.",
                deleted,
            )
        )

    async def confirmed(self, person: Person, place: Place) -> Reply | None:
        """``yes``: carry out what waits for this person's confirmation; None if nothing."""
        s = self.services
        action = await s.db.write(confirmations.take, place.platform, person.id, s.now())
        if action == FORGET:
            return await self.forget_me(person, place, confirmed=True)
        return None

    async def cancel_confirmation(self, person: Person, place: Place) -> None:
        """Anything but ``yes`` after a question that asked for it cancels that action."""
        s = self.services
        if await s.db.read(confirmations.waiting, place.platform, person.id):
            await s.db.write(confirmations.cancel, place.platform, person.id)


def describe(schedule: Schedule) -> Say:
    days = describe_days(schedule.days)
    at = f"{schedule.hour:02d}:{schedule.minute:02d}"
    if schedule.kind == "digest":
        return t(
            "a digest {days} at {time} ({timezone})",
            days=days,
            time=at,
            timezone=schedule.timezone,
        )
    minutes = schedule.close_after_minutes or 0
    days_, hours = f"{minutes / 1440:g}", f"{minutes / 60:g}"
    if minutes % 1440 == 0:
        span = tn("{n} day", "{n} days", minutes // 1440)
    elif minutes >= 1440:
        span = t("{days} days", days=days_)
    elif minutes % 60 == 0:
        span = tn("{n} hour", "{n} hours", minutes // 60)
    else:
        span = t("{hours} hours", hours=hours)
    return t(
        "a {template} pulse {days} at {time} ({timezone}), closing after {span}",
        template=schedule.template,
        days=days,
        time=at,
        timezone=schedule.timezone,
        span=span,
    )


def _store_schedule(session: Session, schedule: Schedule, timezone: str | None) -> bool:
    if timezone:  # a schedule that names a timezone sets the conversation's
        conversations.set_timezone(session, schedule.conversation_id, timezone)
    return bool(schedules.replace(session, schedule))
