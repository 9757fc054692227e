"""Scheduling: our own timetable of due work, built from the stored schedules and open rounds.

The database is the source of truth; the timetable only wakes us up. Every wake-up claims
its occurrence in the database before posting anything, so a restart or a second instance
never posts twice. Each instance re-reads the schedules now and then, so a change made
through another instance reaches every scheduler.

Why not one APScheduler job per schedule: with thousands of schedules, arming costs a job
look-up per round (APScheduler scans its pending list while stopped) and a same-minute burst
fires every job in one synchronous pass. Here the armed work is a heap plus our own index,
arming yields to the event loop every few milliseconds, and work due together is run in
batches of bounded concurrency. APScheduler keeps the periodic chores (re-sync, housekeeping).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import occurrences
from bot.assembly import Assembly
from bot.context import Person
from bot.wording import speaking
from storage import answers, events, inbox, outbox, rounds, schedules
from storage.engine import Database
from storage.rounds import Closing
from storage.schedules import Timing
from storage.tables import Schedule

log = logging.getLogger(__name__)
SYNC_SECONDS = 30
EVENT_MEMORY = timedelta(days=1)
OWED_MEMORY = timedelta(days=30)  # settled owed posts are kept this long (what went out)
SLICE_SECONDS = 0.01  # arming yields to the event loop after this much work
DUE_CONCURRENCY = 2000  # opens and closes in flight per instance: each mostly waits on
# its channel's pacing (about a second per post), so many channels go at once...
CLAIMS_LOOK_SECONDS = 0.5  # how often a batch re-reads which of its claims others took
# A scheduled round another running instance opened is closed by that instance; here only
# this much after its closing time, if it is still open then (its opener stopped). When every
# instance closed every round at its closing time, each close was raced by all of them: in a
# 5,000-pulse burst on two instances, half of each one's closing work was lost races.
CLOSE_TAKEOVER = timedelta(seconds=30)
LOOP_BUSY = 0.02  # ...but a new one starts only while the event loop turns within this
LONGEST_SLEEP = 60.0  # re-check the clock at least this often
DELETE_BATCH = 500  # rows per housekeeping transaction
BATCH_PAUSE = 0.005  # between two housekeeping transactions: clicks get the lock first
PAGE_ROWS = 1000  # rows per read while arming: a database thread holds the interpreter
# while it builds a page, and the event loop waits for it in between its own turns
SKIPS_NAMED = 10  # occurrences named in the log line about those missed for too long
Item = TypeVar("Item")


Signature = tuple[str, int, int, int, str, str]  # days, hour, minute, second, zone, kind


Timed = Schedule | Timing


def _signature(schedule: Timed) -> Signature:
    return (
        schedule.days,
        schedule.hour,
        schedule.minute,
        schedule.second,
        schedule.timezone,
        schedule.kind,
    )


@dataclass(frozen=True)
class _Closing:
    closes_at: datetime  # the round's closing time
    at: datetime  # when this instance closes it
    here: bool  # opened by this instance (else learned from the database)


class Scheduler:
    """Implements the handlers' ``Timetable``: told when rounds open and schedules change."""

    def __init__(
        self,
        bot: Assembly,
        platforms: list[str],
        sync_seconds: float = SYNC_SECONDS,
        concurrency: int = DUE_CONCURRENCY,
    ) -> None:
        self.bot = bot
        self.services = bot.services
        self.platforms = platforms
        self.sync_seconds = sync_seconds
        self.concurrency = concurrency
        self._aps = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        # Our own index of what is armed; the heap holds (when, kind, id, generation) and an
        # entry whose generation no longer matches the index is stale and skipped.
        self._jobs: dict[int, Signature] = {}  # schedule id -> trigger signature
        self._generation: dict[int, int] = {}  # schedule id -> generation of its entry
        self._closing: dict[int, _Closing] = {}  # round id -> how its closing is armed
        self._learned_once = False  # the first sync (start-up) has read the open rounds
        self._heap: list[tuple[datetime, str, int, int]] = []
        self._changed = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sync_lock = asyncio.Lock()
        self.armed = asyncio.Event()  # set once schedules and open rounds are armed

    async def start(self) -> None:
        """Arm in the background: the caller (the server) serves events at once."""
        self.services.timetable = self
        self._aps.add_job(self.sync, IntervalTrigger(seconds=self.sync_seconds), id="sync")
        self._aps.add_job(
            self.housekeeping, CronTrigger(hour=3, minute=17, timezone=UTC), id="housekeeping"
        )
        self._aps.start()
        self._spawn(self._tick())
        self._spawn(self._arm())

    async def _arm(self) -> None:
        started = time.perf_counter()
        now = self.services.now()
        stored = await self._timings()
        # What to catch up is decided first: once the overdue rounds are armed (as due now),
        # their closing fills the database threads, and these reads would queue behind it.
        # Both use the same ``now``: up to it catch-up runs, after it the timetable does.
        missed = await self._missed(stored, now)
        await self.sync(stored, now)
        # "Armed" still means caught up (health says "ok" once the missed work is owed).
        await self._each(missed, self._run_missed)
        self.armed.set()
        log.info("scheduling armed in %.2f s", time.perf_counter() - started)

    async def settled(self) -> None:
        """Wait until armed and every piece of work due now has run (tests, benchmarks)."""
        await self.armed.wait()
        while True:
            await asyncio.sleep(0)
            busy = [task for task in self._tasks if task.get_name().startswith("due")]
            if not busy and not self._due_now():
                return
            await asyncio.gather(*busy, return_exceptions=True)
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        # A flag as well as cancelling: Python 3.11's wait_for swallows a cancellation that
        # arrives just as the event it waits for is set.
        self._stopping = True
        self._changed.set()
        if self._aps.running:
            self._aps.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- Timetable ---------------------------------------------------------------------

    def round_opened(self, round_id: int, closes_at: datetime) -> None:
        """A round opened here: this instance closes it at its closing time."""
        self._arm_closing(round_id, _Closing(closes_at, closes_at, here=True))

    def _round_learned(self, closing: Closing) -> None:
        """A round open in the database. At start-up each is armed at its closing time (its
        opener may be this instance before a restart). A scheduled round opened since by
        another instance's scheduler is armed CLOSE_TAKEOVER later, in case that instance
        stops before closing it; one started by hand may come from a process that runs no
        scheduler (``--role events``), so it is armed at its closing time."""
        round_id, closes_at = closing.round_id, closing.closes_at
        armed = self._closing.get(round_id)
        if armed is not None and armed.closes_at == closes_at:
            return
        taken_over = self._learned_once and closing.scheduled
        late = closes_at + CLOSE_TAKEOVER if taken_over else closes_at
        self._arm_closing(round_id, _Closing(closes_at, late, here=False))

    def _arm_closing(self, round_id: int, closing: _Closing) -> None:
        if self._closing.get(round_id) == closing:
            return
        self._closing[round_id] = closing
        heapq.heappush(self._heap, (closing.at, "close", round_id, 0))
        self._changed.set()

    def _forget_closed(self, still_open: set[int]) -> None:
        """Disarm rounds learned from the database that have closed since (elsewhere): no
        read when their takeover time comes. Rounds opened here stay armed: one opened while
        the open rounds were being read is not among them yet."""
        for round_id in [r for r, c in self._closing.items() if not c.here]:
            if round_id not in still_open:
                del self._closing[round_id]

    def schedules_changed(self) -> None:
        self._spawn(self.sync())

    # --- arming ---------------------------------------------------------------------------

    async def sync(self, stored: list[Timing] | None = None, now: datetime | None = None) -> None:
        """Make the armed work match the stored schedules and open rounds. ``stored``: the
        schedules' timings when the caller has just read them; ``now``: arm what comes after
        it (default: the current time)."""
        async with self._sync_lock:
            if stored is None:
                stored = await self._timings()
            wanted = {timing.id for timing in stored}
            for schedule_id in [known for known in self._jobs if known not in wanted]:
                del self._jobs[schedule_id]  # its heap entry is stale from now on
                self._generation.pop(schedule_id, None)
            if now is None:
                now = self.services.now()
            pause = _Slices()
            for timing in stored:
                signature = _signature(timing)
                if self._jobs.get(timing.id) != signature:
                    self._jobs[timing.id] = signature
                    self._arm_schedule(timing, now)
                await pause()
            closings = await self._closings()
            for closing in closings:
                self._round_learned(closing)
                await pause()
            self._forget_closed({closing.round_id for closing in closings})
            self._learned_once = True
            self._changed.set()

    def _arm_schedule(self, schedule: Timed, after: datetime) -> None:
        assert schedule.id is not None
        due = _following(schedule, after)
        generation = self._generation.get(schedule.id, 0) + 1
        self._generation[schedule.id] = generation
        if due is not None:
            heapq.heappush(self._heap, (due, "schedule", schedule.id, generation))

    async def _timings(self) -> list[Timing]:
        """Every stored schedule's timing, read a page at a time."""
        return await self._pages(schedules.timings_on_platforms, lambda timing: timing.id)

    async def _closings(self) -> list[Closing]:
        """Every open round's closing time, read a page at a time."""
        return await self._pages(rounds.closing_times, lambda closing: closing.conversation_id)

    async def _pages(
        self, read_page: Callable[..., list[Item]], position: Callable[[Item], int]
    ) -> list[Item]:
        """All rows of a paged read (``read_page(session, platforms, after, limit)``), each page
        starting after the last row's ``position``."""
        found: list[Item] = []
        while True:
            after = position(found[-1]) if found else 0
            page = await self.services.db.read(read_page, self.platforms, after, PAGE_ROWS)
            found.extend(page)
            if len(page) < PAGE_ROWS:
                return found

    async def _claimed(self, keys: list[str]) -> set[str]:
        """Which of these occurrences are claimed, one short read per chunk of keys."""
        claimed: set[str] = set()
        step = schedules.CLAIMS_READ_AT_ONCE
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            claimed |= await self.services.db.read(schedules.claimed_among, chunk)
        return claimed

    # --- waking up ----------------------------------------------------------------------

    async def _tick(self) -> None:
        """Sleep until the earliest armed work, then hand everything due to a batch."""
        while not self._stopping:
            self._changed.clear()
            now = self.services.now()
            closes, fires = self._pop_due(now)
            if closes or fires:
                self._spawn(self._run_due(closes, fires), name="due")
            delay = LONGEST_SLEEP
            if self._heap:
                delay = min(delay, max((self._heap[0][0] - now).total_seconds(), 0.0))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # not wait_for: see ``stop``
                    await self._changed.wait()

    def _due_now(self) -> bool:
        return bool(self._heap) and self._heap[0][0] <= self.services.now()

    def _pop_due(self, now: datetime) -> tuple[list[int], list[tuple[int, datetime]]]:
        closes: list[int] = []
        fires: list[tuple[int, datetime]] = []
        grace = self.services.settings.pulse_catch_up
        while self._heap and self._heap[0][0] <= now:
            when, kind, ident, generation = heapq.heappop(self._heap)
            if kind == "close":
                armed = self._closing.get(ident)
                if armed is not None and armed.at == when:
                    del self._closing[ident]
                    closes.append(ident)
                continue
            if self._generation.get(ident) != generation:
                continue  # the schedule changed or went away since
            generation += 1
            self._generation[ident] = generation
            days, hour, minute, second, zone, _ = self._jobs[ident]
            following = occurrences.following(days, hour, minute, second, zone, now)
            if following is not None:
                heapq.heappush(self._heap, (following, "schedule", ident, generation))
            if now - when <= grace:
                fires.append((ident, when))
            else:
                log.info("skipping schedule %s at %s: woke too late", ident, when.isoformat())
        return closes, fires

    async def _run_due(self, closes: list[int], fires: list[tuple[int, datetime]]) -> None:
        """A batch of work due together: closes first (they free the channels), then the
        occurrences nobody has claimed yet, in an order of our own so that instances working
        through the same minute mostly meet different claims."""
        if closes:
            random.shuffle(closes)  # a closed round costs the other instance one read
            await self._each(closes, self.close_round)
        if not fires:
            return
        ids = [schedule_id for schedule_id, _ in fires]
        found = {s.id: s for s in await self.services.db.read(schedules.by_ids, ids)}
        todo: list[tuple[Schedule, str]] = []
        for schedule_id, due in fires:
            schedule = found.get(schedule_id)
            if schedule is not None:
                todo.append(
                    (schedule, occurrences.key(schedule.kind, schedule_id, due, schedule.timezone))
                )
        claimed = await self.services.db.read(schedules.claimed_among, [k for _, k in todo])
        todo = [(schedule, key) for schedule, key in todo if key not in claimed]
        random.shuffle(todo)
        waiting = {key for _, key in todo}
        watch = asyncio.get_running_loop().create_task(self._watch_claims(waiting, claimed))

        async def run(item: tuple[Schedule, str]) -> None:
            schedule, key = item
            try:
                if key not in claimed:  # another instance may have taken it meanwhile
                    # Asked again once its turn to open comes (it may wait a while there).
                    await self._run(schedule, key, lambda: key in claimed)
            finally:
                waiting.discard(key)  # watched until it has run

        try:
            await self._each(todo, run)
        finally:
            watch.cancel()

    async def _watch_claims(self, waiting: set[str], claimed: set[str]) -> None:
        """While a batch runs, learn now and then which of its occurrences other instances
        have claimed, so that this one skips them instead of trying each claim in turn."""
        while waiting:
            await asyncio.sleep(CLAIMS_LOOK_SECONDS)
            found = await self.services.db.read(schedules.claimed_among, list(waiting))
            claimed |= found
            waiting -= found  # known from now on: the next look reads fewer keys

    async def _each(self, items: Iterable[Item], work: Callable[[Item], Awaitable[object]]) -> None:
        """Run ``work`` on every item, at most ``concurrency`` at a time."""
        todo = list(items)
        pending = iter(todo)

        async def worker() -> None:
            for item in pending:
                await _loop_free()
                await work(item)

        # No more workers than items: a tick that closes one round used to start 2,000 tasks
        # (a third of a burst's CPU while its rounds were closing one after another).
        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(todo)))))

    # --- the work -----------------------------------------------------------------------

    async def close_overdue(self) -> None:
        """Rounds whose closing time passed while nobody was running close now."""
        now = self.services.now()
        due = [c.round_id for c in await self._closings() if c.closes_at <= now]
        for round_id in due:
            self._closing.pop(round_id, None)
        await self._each(due, self.close_round)

    async def catch_up(self) -> None:
        """Run the latest missed occurrence of each schedule if it is recent enough."""
        missed = await self._missed(await self._timings(), self.services.now())
        await self._each(missed, self._run_missed)

    async def _missed(self, stored: list[Timing], now: datetime) -> list[tuple[Schedule, str]]:
        """Each schedule's latest occurrence by ``now`` that nobody claimed, if recent enough
        to run late, with its claim key; those missed for longer are logged and left."""
        limit = self.services.settings.pulse_catch_up
        missed: list[tuple[int, str, timedelta]] = []  # schedule id, key, missed by
        pause = _Slices()  # thousands of schedules: the loop keeps turning meanwhile
        for timing in stored:
            due = _latest(timing, now)
            if due is not None and due >= timing.created_at:  # missed since it was set
                key = occurrences.key(timing.kind, timing.id, due, timing.timezone)
                missed.append((timing.id, key, now - due))
            await pause()
        claimed = await self._claimed([key for _, key, _ in missed])
        recent: dict[int, str] = {}
        too_old: list[str] = []
        for schedule_id, key, late in missed:
            if key in claimed:
                continue
            if late <= limit:
                log.info("catching up %s", key)
                recent[schedule_id] = key
            else:
                too_old.append(f"{key} (missed by {late})")
        if too_old:  # one line: after a long outage, thousands may be too old
            more = f" and {len(too_old) - SKIPS_NAMED} more" if len(too_old) > SKIPS_NAMED else ""
            log.info(
                "skipping %s occurrences missed by more than PULSE_CATCH_UP: %s%s",
                len(too_old),
                ", ".join(too_old[:SKIPS_NAMED]),
                more,
            )
        if not recent:
            return []
        found = await self.services.db.read(schedules.by_ids, list(recent))
        return [(schedule, recent[schedule.id]) for schedule in found if schedule.id in recent]

    async def _run_missed(self, item: tuple[Schedule, str]) -> None:
        await self._run(*item)

    async def fire(self, schedule_id: int) -> None:
        """A wake-up for one schedule: run the occurrence that is due now."""
        schedule = await self.services.db.read(schedules.get, schedule_id)
        if schedule is None:
            return
        due = _latest(schedule, self.services.now())
        if due is None:  # pragma: no cover - we only wake at an occurrence
            return
        await self._run(
            schedule, occurrences.key(schedule.kind, schedule_id, due, schedule.timezone)
        )

    async def _run(
        self,
        schedule: Schedule,
        key: str,
        claimed_elsewhere: Callable[[], bool] | None = None,
    ) -> None:
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
                        claimed_elsewhere=claimed_elsewhere,
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
        """Daily: retention of answers (when set), old claims, owed posts settled a month
        ago, old inbound event ids and handled Teams activities, each in batches of short
        transactions, so a click never waits long for the write lock."""
        s = self.services
        now = s.now()
        forgotten = await _in_batches(s.db, events.forget_before, now - EVENT_MEMORY)
        forgotten += await _in_batches(s.db, inbox.forget_handled_before, now - EVENT_MEMORY)
        pruned = await _in_batches(s.db, schedules.prune_claims, now - self._claims_kept())
        settled, posts = now - OWED_MEMORY, 0
        while ids := await s.db.read(outbox.finished_before, settled, DELETE_BATCH):
            removed = await s.db.write(outbox.forget, ids, settled)
            if not removed:
                break  # those rows changed meanwhile: the next housekeeping looks again
            posts += removed
            await asyncio.sleep(BATCH_PAUSE)
        deleted = 0
        if s.settings.pulse_retention_days:
            cutoff = now - timedelta(days=s.settings.pulse_retention_days)
            while ids := await s.db.read(answers.closed_before, cutoff, DELETE_BATCH):
                deleted += await s.db.write(answers.delete_ids, ids)
                await asyncio.sleep(BATCH_PAUSE)
        log.info(
            "housekeeping: %s old answers deleted, %s old claims, %s settled owed posts and %s "
            "events forgotten",
            deleted,
            pruned,
            posts,
            forgotten,
        )

    def _claims_kept(self) -> timedelta:
        """Catch-up reads the claim of the latest occurrence within the last week, and only
        while it is younger than PULSE_CATCH_UP: older claims are never read again."""
        look_back = timedelta(days=occurrences.HORIZON_DAYS)
        return max(look_back, self.services.settings.pulse_catch_up) + timedelta(days=1)

    def _spawn(self, work: Coroutine[Any, Any, object], name: str = "work") -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _loop_free() -> None:
    """Wait until one turn of the event loop takes less than LOOP_BUSY. Work started all at
    once runs in lock-step (its channels' pacing wakes every lane at the same moment), and a
    turn that serves thousands of them stalls every click behind it; started as the loop has
    room, the same work spreads out."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0)
        behind = loop.time() - before
        if behind < LOOP_BUSY:
            return
        await asyncio.sleep(behind)


class _Slices:
    """Call after each step of a long loop: yields to the event loop every few ms."""

    def __init__(self) -> None:
        self._since = time.perf_counter()

    async def __call__(self) -> None:
        if time.perf_counter() - self._since >= SLICE_SECONDS:
            await asyncio.sleep(0)
            self._since = time.perf_counter()


async def _in_batches(db: Database, work: Callable[..., int], cutoff: datetime) -> int:
    """Repeat a batched delete until it finds nothing: each transaction is short, so a click
    waiting for the write lock waits for one batch at most."""
    total = 0
    while deleted := await db.write(work, cutoff, DELETE_BATCH):
        total += deleted
        await asyncio.sleep(BATCH_PAUSE)  # let waiting writers in between batches
    return total


def _latest(schedule: Timed, now: datetime) -> datetime | None:
    return occurrences.latest(
        schedule.days, schedule.hour, schedule.minute, schedule.second, schedule.timezone, now
    )


def _following(schedule: Timed, now: datetime) -> datetime | None:
    return occurrences.following(
        schedule.days, schedule.hour, schedule.minute, schedule.second, schedule.timezone, now
    )
