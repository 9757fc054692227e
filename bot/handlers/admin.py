"""Schedules and personal data: who may manage pulses, when they run, and what a person
can see and delete of their own answers."""

from __future__ import annotations

from datetime import timedelta

from bot import commands, occurrences
from bot.context import Person, Place
from bot.replies import Confirm, Notice, Refusal, Reply, private
from bot.services import Services
from bot.when import describe_days, when
from storage import answers, conversations, schedules
from storage.tables import Schedule

ADMIN_ACTIONS = {
    commands.PulseStart: "start a pulse",
    commands.PulseClose: "close a pulse",
    commands.PulseRemind: "send reminders",
    commands.ScheduleSet: "change schedules",
    commands.ScheduleOff: "change schedules",
    commands.ScheduleList: "see schedules",
}


def is_admin(services: Services, person: Person) -> bool:
    """Listed in MATURITYBOT_ADMINS under any of the person's ids."""
    return any(services.settings.is_admin(one) for one in person.ids)


def refusal(services: Services, person: Person, command: object) -> Refusal | None:
    """None when the person may run the command; otherwise a refusal naming the setting."""
    action = ADMIN_ACTIONS.get(type(command))
    if action is None or is_admin(services, person):
        return None
    return Refusal(
        f"Sorry, only pulse admins can {action}. An admin can add your user id "
        f"({person.id}) to the MATURITYBOT_ADMINS setting."
    )


class Admin:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def set_schedule(
        self, place: Place, person: Person, command: commands.ScheduleSet
    ) -> Reply:
        s = self.services
        template = command.template or (s.surveys.default if command.kind == "pulse" else None)
        if template is not None and s.surveys.get(template) is None:
            return Notice(f"There is no survey template {template!r}.", private=True)
        timezone = command.weekly.timezone or place.timezone
        close_after = command.close_after or commands.DEFAULT_CLOSE
        if (
            command.kind == "pulse"
            and close_after >= timedelta(days=7)
            and (len(command.weekly.days.split(",")) == 1)
        ):
            return private("A weekly pulse must close within 7 days, before the next opens.")
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
        text = f"Scheduled: {describe(schedule)}."
        upcoming = occurrences.following(
            schedule.days, schedule.hour, schedule.minute, 0, timezone, s.now()
        )
        if upcoming is not None:
            text += f" Next: {when(upcoming, timezone)}."
        if replaced:
            text += " (This replaces the earlier schedule.)"
        return Notice(text)

    async def list_schedules(self, place: Place) -> Reply:
        found = await self.services.db.read(schedules.of_conversation, place.id)
        if not found:
            return Notice(
                "Nothing is scheduled here. Try `pulse schedule every monday 10:00 "
                "Europe/Berlin` or `digest schedule fridays 16:00`.",
                private=True,
            )
        lines = [f"• {describe(schedule)}" for schedule in found]
        return Notice("\n".join(lines), private=True, heading="Schedules here:")

    async def schedule_off(self, place: Place, kind: str) -> Reply:
        removed = await self.services.db.write(schedules.remove, place.id, kind)
        self.services.timetable.schedules_changed()
        if not removed:
            return Notice(f"There was no {kind} schedule here.", private=True)
        return Notice(f"Stopped the {kind} schedule here.")

    async def my_answers(self, person: Person) -> Reply:
        found = await self.services.db.read(answers.of_person, person.id)
        if not found:
            return Notice("You have no stored answers.", private=True)
        lines = []
        for item in found:
            choice = "Not sure" if item.level is None else f"Level {item.level}"
            state = "open" if item.open else "closed"
            note = f" — “{item.comment}”" if item.comment else ""
            lines.append(
                f"• {item.conversation}, {item.round_title} ({state}): "
                f"{item.question_id} → {choice}{note}"
            )
        return Notice("\n".join(lines), private=True, heading="Your answers (only you see this):")

    async def forget_me(self, person: Person, confirmed: bool) -> Reply:
        db = self.services.db
        if not confirmed:
            count = await db.read(answers.count_of_person, person.id)
            if count == 0:
                return private("You have no stored answers, so there is nothing to forget.")
            return Confirm(
                f"This deletes all {count} answers you gave, in every conversation. Results "
                "of closed rounds stay, as totals without names.",
                commands.FORGET_CONFIRMATION,
            )
        deleted = await db.write(answers.forget_person, person.id)
        return Notice(f"Done: I deleted {deleted} answers of yours.", private=True)


def describe(schedule: Schedule) -> str:
    days = describe_days(schedule.days)
    at = f"{schedule.hour:02d}:{schedule.minute:02d} ({schedule.timezone})"
    if schedule.kind == "digest":
        return f"a digest {days} at {at}"
    closes = timedelta(minutes=schedule.close_after_minutes or 0)
    hours = closes.total_seconds() / 3600
    span = f"{hours / 24:g} days" if hours >= 24 else f"{hours:g} hours"
    return f"a {schedule.template} pulse {days} at {at}, closing after {span}"


def _store_schedule(session: object, schedule: Schedule, timezone: str | None) -> bool:
    if timezone:  # a schedule that names a timezone sets the conversation's
        conversations.set_timezone(session, schedule.conversation_id, timezone)
    return bool(schedules.replace(session, schedule))
