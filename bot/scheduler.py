"""APScheduler wiring: jobs built from the stored schedules and open rounds.

The database is the source of truth; APScheduler (3.11, in-memory job store) only wakes us
up. Every wake-up claims its occurrence in the database before posting anything, so a restart
or a second instance never posts twice. Each instance re-reads the schedules now and then, so
a change made through another instance reaches every scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import occurrences
from bot.assembly import Assembly
from bot.context import Person
from bot.wording import speaking
from storage import answers, events, rounds, schedules
from storage.tables import Round, Schedule

log = logging.getLogger(__name__)
SYNC_SECONDS = 30
EVENT_MEMORY = timedelta(days=1)


def _signature(schedule: Schedule) -> tuple[object, ...]:
    return (schedule.days, schedule.hour, schedule.minute, schedule.second, schedule.timezone)


class Scheduler:
    """Implements the handlers' ``Timetable``: told when rounds open and schedules change."""

    def __init__(
        self, bot: Assembly, platforms: list[str], sync_seconds: float = SYNC_SECONDS
    ) -> None:
        self.bot = bot
        self.services = bot.services
        self.platforms = platforms
        self.sync_seconds = sync_seconds
        grace = max(int(self.services.settings.pulse_catch_up.total_seconds()), 1)
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        )
        self._jobs: dict[int, tuple[object, ...]] = {}  # schedule id -> trigger signature
        self._tasks: set[asyncio.Task[object]] = set()
        self._sync_lock = asyncio.Lock()

    async def start(self) -> None:
        self.services.timetable = self
        await self.close_overdue()
        await self.sync()
        await self.catch_up()
        self._aps.add_job(self.sync, IntervalTrigger(seconds=self.sync_seconds), id="sync")
        self._aps.add_job(
            self.housekeeping, CronTrigger(hour=3, minute=17, timezone=UTC), id="housekeeping"
        )
        self._aps.start()

    async def stop(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- Timetable ---------------------------------------------------------------------

    def round_opened(self, round_id: int, closes_at: datetime) -> None:
        self._aps.add_job(
            self.close_round,
            DateTrigger(run_date=closes_at),
            args=[round_id],
            id=f"close:{round_id}",
            replace_existing=True,
            misfire_grace_time=None,  # a round closes however late we are
        )

    def schedules_changed(self) -> None:
        self._spawn(self.sync())

    # --- jobs ---------------------------------------------------------------------------

    async def sync(self) -> None:
        """Make the jobs match the stored schedules and open rounds."""
        async with self._sync_lock:
            db = self.services.db
            stored = await db.read(schedules.on_platforms, self.platforms)
            wanted = {schedule.id: schedule for schedule in stored}
            for schedule_id in list(self._jobs):
                if schedule_id not in wanted:
                    self._remove(f"schedule:{schedule_id}")
                    del self._jobs[schedule_id]
            for schedule in stored:
                assert schedule.id is not None, "a stored schedule has an id"
                if self._jobs.get(schedule.id) == _signature(schedule):
                    continue
                trigger = CronTrigger(
                    day_of_week=schedule.days,
                    hour=schedule.hour,
                    minute=schedule.minute,
                    second=schedule.second,
                    timezone=schedule.timezone,
                )
                self._aps.add_job(
                    self.fire,
                    trigger,
                    args=[schedule.id],
                    id=f"schedule:{schedule.id}",
                    replace_existing=True,
                )
                self._jobs[schedule.id] = _signature(schedule)
            for round_ in await self._open_rounds():
                assert round_.id is not None, "a stored round has an id"
                if self._aps.get_job(f"close:{round_.id}") is None:
                    self.round_opened(round_.id, round_.closes_at)

    async def _open_rounds(self) -> list[Round]:
        return await self.services.db.read(rounds.open_on_platforms, self.platforms)

    async def close_overdue(self) -> None:
        """Rounds whose closing time passed while nobody was running close now."""
        now = self.services.now()
        for round_ in await self._open_rounds():
            assert round_.id is not None, "a stored round has an id"
            if round_.closes_at <= now:
                log.info("closing round %s, due %s", round_.id, round_.closes_at.isoformat())
                await self.close_round(round_.id)

    async def catch_up(self) -> None:
        """Run the latest missed occurrence of each schedule if it is recent enough."""
        now = self.services.now()
        limit = self.services.settings.pulse_catch_up
        for schedule in await self.services.db.read(schedules.on_platforms, self.platforms):
            assert schedule.id is not None, "a stored schedule has an id"
            due = _latest(schedule, now)
            if due is None or due < schedule.created_at:
                continue  # nothing missed since the schedule was set (or set again)
            key = occurrences.key(schedule.kind, schedule.id, due, schedule.timezone)
            if await self.services.db.read(schedules.is_claimed, key):
                continue
            if now - due <= limit:
                log.info("catching up %s", key)
                await self._run(schedule, key)
            else:
                log.info("skipping %s: missed by %s, more than PULSE_CATCH_UP", key, now - due)

    async def fire(self, schedule_id: int) -> None:
        """An APScheduler wake-up for a schedule: run the occurrence that is due now."""
        schedule = await self.services.db.read(schedules.get, schedule_id)
        if schedule is None:
            return
        due = _latest(schedule, self.services.now())
        if due is None:  # pragma: no cover - APScheduler only wakes us at an occurrence
            return
        await self._run(
            schedule, occurrences.key(schedule.kind, schedule_id, due, schedule.timezone)
        )

    async def _run(self, schedule: Schedule, key: str) -> None:
        reached = await self.bot.places.reach(schedule.conversation_id)
        if reached is None:
            return
        place, _ = reached
        try:
            # Background work speaks the conversation's language, whatever ran last.
            with speaking(place.language):
                if schedule.kind == "pulse":
                    close_after = timedelta(minutes=schedule.close_after_minutes or 0) or None
                    refused = await self.bot.rounds.start(
                        place,
                        Person(schedule.created_by or "scheduler"),
                        schedule.template,
                        close_after=close_after,
                        schedule_id=schedule.id,
                        claim=key,
                    )
                    if refused:
                        log.info("scheduled pulse %s not opened: %s", key, refused[0])
                else:
                    await self.bot.delivery.digest_due(place, key)
        except Exception:
            log.exception("scheduled %s failed", key)

    async def close_round(self, round_id: int) -> None:
        try:
            await self.bot.rounds.close(round_id)
        except Exception:
            log.exception("closing round %s failed", round_id)

    async def housekeeping(self) -> None:
        """Daily: retention of answers (when set) and forgetting old inbound event ids."""
        s = self.services
        now = s.now()
        forgotten = await s.db.write(events.forget_before, now - EVENT_MEMORY)
        deleted = 0
        if s.settings.pulse_retention_days:
            cutoff = now - timedelta(days=s.settings.pulse_retention_days)
            deleted = await s.db.write(answers.delete_closed_before, cutoff)
        log.info("housekeeping: %s old answers deleted, %s event ids forgotten", deleted, forgotten)

    def _remove(self, job_id: str) -> None:
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _latest(schedule: Schedule, now: datetime) -> datetime | None:
    return occurrences.latest(
        schedule.days, schedule.hour, schedule.minute, schedule.second, schedule.timezone, now
    )
