"""Delivering owed posts: every instance runs a deliverer over the outbox (storage/outbox.py).

A deliverer claims due rows in batches under a lease, renders each in its conversation's
language and posts it through the platform's ``Chat`` port, and records the message it made
(a round's parent post becomes the thread its questions wait for). A failure is retried with
exponential backoff and jitter, across restarts and instances, until the post is delivered
or no longer useful; then it is given up and the admins are told privately.

Exactly once: a row is marked "in flight" before the platform call and cleared when the
outcome is known. A row still in flight at its next attempt (a timeout, a crash) may have
arrived: where the platform can look (Slack: message metadata), it is looked up before
anything is posted again; where it cannot (Teams), it is not posted again blindly.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import phrases
from bot.chat import Chat, Failure, Receipts, delivering
from bot.context import MessageRef, Place
from bot.handlers.digest import Digests
from bot.handlers.questions import RoundFacts, question_reply
from bot.metrics import DELIVERED, GIVEN_UP, OWED, RETRIED
from bot.places import Places
from bot.replies import Notice, PulseParent, Reply, RoundTitle
from bot.services import Services
from bot.wording import Say, speaking, t
from storage import answers, outbox, rounds, schedules
from storage.outbox import Claimed
from storage.rounds import RoundInfo
from storage.tables import Round

log = logging.getLogger(__name__)
# How long before a call marked "in flight" a lookup starts (clocks of instances differ).
LOOKUP_MARGIN = timedelta(seconds=30)
# A parent post going out this soon after its round opened is on time, not late (a burst of
# many rounds, or pacing, delays it by seconds); the late rule's minimum does not apply to it.
PROMPT = timedelta(minutes=1)
LOOK_GAP = 0.1  # seconds between two looks for due rows (see _run)
ASKS_KEPT = 10_000  # rounds whose questions are kept for their posts (a burst's worth)


class Unreachable(Exception):
    """The platform cannot reach the person a private note is for: nothing to retry."""


def default_failure(error: BaseException) -> Failure:
    """Without a platform's opinion: a timeout may have arrived, anything else is retried."""
    return "uncertain" if isinstance(error, TimeoutError) else "retry"


@dataclass(frozen=True)
class Finishing:
    """A row the platform has, whose delivered mark waits for the next row's transaction
    (``Delivery._start``): a chain of posts then costs one transaction per post."""

    row: Claimed
    record: Callable[[Session], bool]


@dataclass
class Chain:
    """Rows leased together for one caller to deliver in order (``Delivery.begin``)."""

    rows: list[Claimed]
    states: dict[int, str] = field(default_factory=dict)  # row id -> state, as delivered
    reached: tuple[Place, Chat] | None = None
    stopped: bool = False
    finishing: Finishing | None = None  # the last row delivered, not yet marked


@dataclass(frozen=True)
class Started:
    """A round's row marked in flight, with the round as that transaction read it."""

    round_: Round | None
    info: RoundInfo | None


class Delivery:
    def __init__(
        self, services: Services, places: Places, digests: Digests, facts: RoundFacts
    ) -> None:
        self.services = services
        self.places = places
        self.digests = digests
        self.facts = facts
        self.settings = services.settings.delivery
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Rows claimed here and not finished, each conversation's in claim order.
        self._queues: dict[int, collections.deque[Claimed]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._held = 0
        self._asks: dict[int, RoundInfo] = {}  # round id -> what it asks (see _round)

    # --- taking on what is owed ---------------------------------------------------------

    def owe_round(
        self, session: Session, round_: Round, questions: list[str], now: datetime
    ) -> list[Claimed]:
        """In the transaction that opens ``round_``: its parent post, then each question,
        leased to this instance (the opener delivers them, ``begin``)."""
        assert round_.id is not None
        lease = timedelta(seconds=self.settings.lease)
        instance = self.services.instance
        parent = outbox.owe_leased(
            session,
            instance,
            lease,
            round_.conversation_id,
            "parent",
            f"parent:{round_.id}",
            now,
            round_id=round_.id,
        )
        assert parent is not None, "a new round owes a new parent post"
        owed = [parent]
        for question_id in questions:
            # Each question after the one before: they appear in order, whoever delivers.
            found = outbox.owe_leased(
                session,
                instance,
                lease,
                round_.conversation_id,
                "question",
                f"question:{round_.id}:{question_id}",
                now,
                round_id=round_.id,
                question_id=question_id,
                depends_on=owed[-1],
            )
            if found is not None:
                owed.append(found)
        OWED.labels("parent").inc()
        OWED.labels("question").inc(len(owed) - 1)
        return owed

    def owe_summary(self, session: Session, round_: Round, now: datetime) -> Claimed | None:
        """In the transaction that closes ``round_``: its summary, after its parent post,
        leased to this instance (the closer delivers it, ``deliver_leased``)."""
        assert round_.id is not None
        parent = next((p for p in outbox.of_round(session, round_.id) if p.kind == "parent"), None)
        owed = outbox.owe_leased(
            session,
            self.services.instance,
            timedelta(seconds=self.settings.lease),
            round_.conversation_id,
            "summary",
            f"summary:{round_.id}",
            now,
            round_id=round_.id,
            depends_on=Claimed(parent) if parent is not None else None,
        )
        if owed is not None:
            OWED.labels("summary").inc()
        return owed

    def owe_digest(
        self, session: Session, conversation_id: int, round_id: int, key: str, now: datetime
    ) -> int | None:
        """A digest as of ``round_id`` (the latest closed round when it fell due)."""
        owed = outbox.owe(
            session,
            conversation_id,
            "digest",
            f"digest:{key}",
            now,
            payload={"round_id": round_id},
        )
        if owed is not None:
            OWED.labels("digest").inc()
        return owed

    async def digest_due(self, place: Place, claim: str) -> bool:
        """A scheduled digest: its occurrence claimed and the digest owed in one transaction,
        then delivered (now, or once the platform answers). False when nothing was owed."""
        s = self.services
        now = s.now()

        def claim_and_owe(session: Session) -> int | None:
            if not schedules.claim(session, claim, s.instance, now):
                return None
            latest = rounds.closed_rounds(session, place.id, 1)
            if not latest or latest[0].id is None:
                return None  # nothing has closed here yet: no digest is owed
            return self.owe_digest(session, place.id, latest[0].id, claim, now)

        owed = await s.db.write(claim_and_owe)
        if owed is None:
            return False
        await self.deliver_now([owed])
        return True

    def owe_notices(
        self,
        session: Session,
        conversation_id: int,
        about: str,
        facts: dict[str, object],
        people: list[str],
        now: datetime,
    ) -> None:
        """A private note to each of ``people`` (the admins) about what happened here."""
        for person in dict.fromkeys(people):
            key = f"notice:{about}:{facts.get('key', '')}:{person}"
            if outbox.owe(
                session,
                conversation_id,
                "notice",
                key[:160],
                now,
                payload={**facts, "about": about, "person": person},
            ):
                OWED.labels("notice").inc()

    def admins(self, round_: Round | None = None) -> list[str]:
        """Who is told when something owed cannot be delivered: the configured admins and
        whoever opened the round (a schedule's author)."""
        people = sorted(self.services.settings.admins)
        if round_ is not None and round_.opened_by and round_.opened_by != "scheduler":
            people.append(round_.opened_by)
        return people

    # --- the deliverer ------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        workers = [self._task, *self._workers.values()]
        for task in workers:
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in workers if t is not None), return_exceptions=True)
        self._task = None

    def wake(self) -> None:
        """Look for due rows now (something was owed, or a platform came back)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # a wake from here on is seen by the next look
            try:
                await self.fill()
            except Exception:
                log.exception("delivery: looking for owed posts failed")
            # Every row finished wakes the loop; a burst finishes hundreds a second, and each
            # look is a query over all that is owed: look at most this often.
            await asyncio.sleep(LOOK_GAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.poll)

    async def fill(self) -> int:
        """Claim due rows, a batch at a time, while this instance holds fewer than
        DELIVERY_IN_FLIGHT, and start delivering each at once; how many were claimed. Rows of
        one conversation go one after the other (in order); conversations go side by side.
        Each row finished wakes the loop, which then claims again: a conversation's next
        question, chained behind the one just posted, is due from then on."""
        taken = 0
        while True:
            room = min(self.settings.in_flight - self._held, self.settings.batch)
            if room <= 0:
                return taken
            claimed = await self._claim(limit=room)
            self._hand_out(claimed)
            taken += len(claimed)
            if len(claimed) < room:
                return taken

    async def deliver_due(self) -> int:
        """Claim one batch of due rows and deliver it; how many were claimed."""
        claimed = await self._claim()
        self._hand_out(claimed)
        await self.settled()
        return len(claimed)

    async def settled(self) -> None:
        """Until every row handed out here is finished."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    def _hand_out(self, claimed: list[Claimed]) -> None:
        for row in claimed:
            conversation = row.post.conversation_id
            self._queues.setdefault(conversation, collections.deque()).append(row)
            self._held += 1
            if conversation not in self._workers:
                self._workers[conversation] = asyncio.get_running_loop().create_task(
                    self._work_through(conversation)
                )

    async def _work_through(self, conversation: int) -> None:
        """Deliver one conversation's claimed rows in the order they were claimed."""
        queue = self._queues[conversation]
        try:
            reached = await self.places.reach(conversation)  # once for all its rows
            while queue:
                try:
                    await self._deliver(queue[0], reached=reached)
                except Exception:
                    # The row stays leased; once the lease runs out it is tried again.
                    log.exception("delivery: owed post %s failed", queue[0].post.id)
                finally:
                    queue.popleft()
                    self._held -= 1
                    self.wake()  # room for another row
        finally:
            self._held -= len(queue)  # cancelled: those rows' leases run out
            del self._queues[conversation]
            del self._workers[conversation]

    async def deliver_now(self, owed: list[int]) -> dict[int, str]:
        """Try these rows at once, in order (a round's parent, then its questions), and stop
        at the first that is not delivered: the loop takes over from there. The whole chain
        is leased in one claim, so no deliverer, here or elsewhere, takes its later rows."""
        return await self.deliver_leased(await self._claim(owed, chain=True))

    async def deliver_leased(self, rows: list[Claimed]) -> dict[int, str]:
        """``deliver_now`` for rows this instance leased when it owed them."""
        return await self.finish(await self.begin(rows))

    async def begin(self, rows: list[Claimed]) -> Chain:
        """The first step of ``deliver_leased``: deliver the chain's first row. ``finish``
        delivers the rest."""
        chain = Chain(rows)
        if chain.rows:
            first = chain.rows[0].post.conversation_id
            chain.reached = await self.places.reach(first)
            await self._next(chain)
        return chain

    async def finish(self, chain: Chain) -> dict[int, str]:
        try:
            while await self._next(chain):
                pass
        finally:
            await self._mark(chain)
        return chain.states

    async def _mark(self, chain: Chain) -> None:
        """Mark the chain's last delivered row, when no next row's transaction did."""
        finishing, chain.finishing = chain.finishing, None
        if finishing is not None:
            recorded = await self.services.db.write_grouped(finishing.record)
            self._recorded(finishing.row, recorded)

    async def _next(self, chain: Chain) -> bool:
        """Deliver the chain's next row; False once it is done or has stopped."""
        done = len(chain.states)
        if done == len(chain.rows) or chain.stopped:
            return False
        row = chain.rows[done]
        assert row.post.id is not None
        last = done == len(chain.rows) - 1
        # The next row here is ours already: only the end of the chain wakes the loop.
        state = await self._deliver(row, wake=last, reached=chain.reached, chain=chain)
        chain.states[row.post.id] = state
        if state != outbox.DELIVERED:
            chain.stopped = True
            rest = [r.post.id for r in chain.rows[done + 1 :] if r.post.id is not None]
            s = self.services
            await s.db.write(outbox.release, rest, s.instance)
            self.wake()
        return not chain.stopped

    async def _claim(
        self, ids: list[int] | None = None, limit: int | None = None, chain: bool = False
    ) -> list[Claimed]:
        s = self.services
        platforms = list(self.places.chats)
        if not platforms:
            return []
        lease = timedelta(seconds=self.settings.lease)
        if chain and ids:
            return await s.db.write(outbox.claim_chain, s.instance, s.now(), lease, platforms, ids)
        return await s.db.write(
            outbox.claim,
            s.instance,
            s.now(),
            lease,
            platforms,
            len(ids) if ids is not None else limit or self.settings.batch,
            ids,
        )

    # --- one row --------------------------------------------------------------------------

    async def _deliver(
        self,
        row: Claimed,
        wake: bool = True,
        reached: tuple[Place, Chat] | None = None,
        chain: Chain | None = None,
    ) -> str:
        """Deliver one claimed row; ``reached``: its conversation, when the caller has it;
        ``chain``: the chain it belongs to (its previous row's mark goes with this row's)."""
        post = row.post
        assert post.id is not None
        finishing = chain.finishing if chain is not None else None
        if chain is not None:
            chain.finishing = None
        # Questions are chained for their order only: one given up does not stop the next.
        given_up = row.after_state == outbox.GIVEN_UP and post.kind != "question"
        quick = post.in_flight_since is None and post.round_id is not None and not given_up
        if finishing is not None and not quick:
            self._recorded(finishing.row, await self.services.db.write_grouped(finishing.record))
            finishing = None
        reached = reached or await self.places.reach(post.conversation_id)
        if reached is None:  # pragma: no cover - claims only take platforms served here
            await self._retry(row, "not served here", uncertain=False)
            return outbox.PENDING
        place, chat = reached
        if given_up:
            await self._give_up(row, place, "what it waited for was given up", tell=False)
            return outbox.GIVEN_UP
        with speaking(place.language):
            started: Started | None = None
            if quick:
                started = await self._start(row, finishing)
                if started is None:
                    log.info("delivery: owed post %s went to another instance meanwhile", post.id)
                    return outbox.PENDING
            try:
                planned = await self._plan(row, place, chat, started)
            except Exception:
                log.exception("delivery: could not prepare owed post %s (%s)", post.id, post.kind)
                await self._retry(row, "could not prepare", uncertain=False)
                return outbox.PENDING
            if planned is None:
                return outbox.GIVEN_UP  # no longer useful; _plan said why
            send, thread = planned
            return await self._attempt(
                row, place, chat, send, thread, wake, started is not None, chain
            )

    async def _start(self, row: Claimed, finishing: Finishing | None = None) -> Started | None:
        """Mark a round's row in flight (``outbox.starting``) and read its round in the same
        transaction, after marking the previous row of its chain delivered (``finishing``): a
        burst pays for every transaction. None when the row is no longer ours."""
        s = self.services
        post = row.post
        post_id, round_id = post.id, post.round_id
        assert post_id is not None and round_id is not None
        known = self._asks.get(round_id)
        now = s.now()
        lease = timedelta(seconds=self.settings.lease)

        def start(session: Session) -> tuple[bool | None, bool, Round | None, RoundInfo | None]:
            recorded = finishing.record(session) if finishing is not None else None
            if not outbox.starting(session, post_id, s.instance, now, lease):
                return recorded, False, None, None
            if known is not None:  # what it asks is fixed once it opened
                return recorded, True, rounds.get(session, round_id), known
            return recorded, True, *rounds.with_info(session, round_id)

        try:
            recorded, ours, round_, info = await s.db.write_grouped(start)
        except Exception:
            if finishing is not None:  # the platform has it: mark it on its own
                self._recorded(finishing.row, await s.db.write(finishing.record))
            raise
        if finishing is not None:
            self._recorded(finishing.row, bool(recorded))
        if not ours:
            return None
        if known is None and info is not None:
            self._keep_asks(round_id, info)
        return Started(round_, info)

    async def _attempt(
        self,
        row: Claimed,
        place: Place,
        chat: Chat,
        send: Callable[[], Awaitable[MessageRef | None]],
        thread: MessageRef | None,
        wake: bool = True,
        started: bool = False,
        chain: Chain | None = None,
    ) -> str:
        """Send a planned row; ``started``: it is marked in flight already (``_start``);
        ``chain``: where its delivered mark may wait for the chain's next row."""
        s = self.services
        post = row.post
        assert post.id is not None
        receipts = chat if isinstance(chat, Receipts) else None
        if post.in_flight_since is not None:  # the last attempt may have arrived
            if receipts is None or not receipts.finds_delivered:
                await self._give_up(row, place, "uncertain", tell=True)
                return outbox.GIVEN_UP
            try:
                found = await receipts.find_delivered(
                    place, thread, str(post.id), post.in_flight_since - LOOKUP_MARGIN
                )
            except Exception as error:
                await self._retry(row, f"lookup: {type(error).__name__}", uncertain=True)
                return outbox.PENDING
            if found is not None:
                log.info("delivery: owed post %s (%s) had arrived", post.id, post.kind)
                await self._delivered(row, place, chat, found, wake)
                return outbox.DELIVERED
        lease = timedelta(seconds=self.settings.lease)
        if not started and not await s.db.write(
            outbox.starting, post.id, s.instance, s.now(), lease
        ):
            log.info("delivery: owed post %s went to another instance meanwhile", post.id)
            return outbox.PENDING
        marked = delivering.set(str(post.id))
        try:
            ref = await asyncio.wait_for(send(), timeout=self.settings.lease * 0.8)
        except Exception as error:
            if isinstance(error, Unreachable):
                failure: Failure = "permanent"
            else:
                failure = receipts.failure(error) if receipts else default_failure(error)
            reason = _reason(error)
            if failure == "permanent":
                await self._give_up(row, place, reason, tell=True)
                return outbox.GIVEN_UP
            await self._retry(row, reason, uncertain=failure == "uncertain")
            return outbox.PENDING
        finally:
            delivering.reset(marked)
        if ref is None and post.kind != "notice":
            await self._retry(row, "no message made", uncertain=False)
            return outbox.PENDING
        await self._delivered(row, place, chat, ref, wake, chain)
        return outbox.DELIVERED

    async def _plan(
        self, row: Claimed, place: Place, chat: Chat, started: Started | None = None
    ) -> tuple[Callable[[], Awaitable[MessageRef | None]], MessageRef | None] | None:
        """What to send for this row, and the thread it goes in; None when it is no longer
        useful (and was given up). ``started``: its round, as read when it was marked."""
        s = self.services
        post = row.post
        payload = row.payload
        if post.kind == "notice":
            person = str(payload.get("person", ""))
            notice = Notice(_notice_text(payload))

            async def tell() -> MessageRef | None:
                if not await chat.direct(place, person, notice):
                    raise Unreachable("person not reachable")
                return None

            return tell, None
        if post.kind == "digest":
            digest = await self.digests.build(
                place, chart_width=chat.chart_width, upto=int(payload.get("round_id") or 0)
            )
            if digest is None:
                await self._give_up(row, place, "nothing to digest", tell=False)
                return None
            return (lambda: chat.post(place, digest)), None
        if started is not None:
            round_, info = started.round_, started.info
        elif post.round_id:
            round_, info = await self._round(post.round_id)
        else:
            round_, info = None, None
        if round_ is None or round_.id is None:
            await self._give_up(row, place, "round withdrawn", tell=False)
            return None
        if post.kind == "parent":
            return await self._plan_parent(row, place, chat, round_, info)
        if post.kind == "question":
            parent = MessageRef.loads(round_.parent_ref)
            asked = info.question(post.question_id or "") if info else None
            if round_.closed_at is not None or info is None or asked is None or parent is None:
                await self._give_up(row, place, "round closed", tell=False)
                return None
            reply: Reply = question_reply(s, info, asked)
            return (lambda: chat.post_in_thread(place, parent, reply)), parent
        if post.kind == "summary":
            summary = await self.digests.summary(round_, place)
            thread = MessageRef.loads(round_.parent_ref)
            if thread is not None:
                return (lambda: chat.post_in_thread(place, thread, summary, broadcast=True)), thread
            return (lambda: chat.post(place, summary)), None
        await self._give_up(row, place, f"unknown kind {post.kind}", tell=False)
        return None

    async def _round(self, round_id: int) -> tuple[Round | None, RoundInfo | None]:
        """The round as stored now, and what it asks: fixed once it opened, so read with the
        round the first time only (a burst pays for every query)."""
        db = self.services.db
        asks = self._asks.get(round_id)
        if asks is not None:
            return await db.read(rounds.get, round_id), asks
        round_, asks = await db.read(rounds.with_info, round_id)
        if asks is not None:
            self._keep_asks(round_id, asks)
        return round_, asks

    def _keep_asks(self, round_id: int, asks: RoundInfo) -> None:
        if len(self._asks) >= ASKS_KEPT:
            self._asks.pop(next(iter(self._asks)))  # the oldest
        self._asks[round_id] = asks

    async def _plan_parent(
        self, row: Claimed, place: Place, chat: Chat, round_: Round, info: RoundInfo | None
    ) -> tuple[Callable[[], Awaitable[MessageRef | None]], None] | None:
        """A round's parent post, or — when too little of its window is left — its withdrawal
        (the late rule, ``opens_late``: open late with the original close time while at
        least half the window, and DELIVERY_LATE_MIN, remain)."""
        s = self.services
        now = s.now()
        assert round_.id is not None
        if round_.closed_at is not None or not opens_late(
            round_.opened_at, round_.closes_at, now, self.settings.late_min
        ):
            await self.withdraw(round_, place, "late")
            return None
        surveys = s.content.survey_set(round_.language)
        survey = surveys.get(round_.template)
        reply = PulseParent(
            round_.id,
            RoundTitle(round_.week),
            survey.name if survey is not None else round_.template,
            round_.closes_at,
            len(info.questions) if info else 0,
            place.timezone,
            lang=round_.language,
        )
        return (lambda: chat.post(place, reply)), None

    async def withdraw(self, round_: Round, place: Place, why: str) -> None:
        """Take back a round nobody has seen, and tell the admins privately."""
        s = self.services
        assert round_.id is not None
        facts: dict[str, object] = {
            "key": f"round:{round_.id}",
            "place": place.label,
            "week": round_.week,
            "what": "parent",
        }

        round_id = round_.id

        def take_back(session: Session) -> None:
            rounds.withdraw(session, round_id)
            about = "withdrawn_uncertain" if why == "uncertain" else "withdrawn"
            self.owe_notices(session, place.id, about, facts, self.admins(round_), s.now())

        await s.db.write(take_back)
        GIVEN_UP.labels("parent").inc()
        log.error(
            "delivery: round %s withdrawn (%s): its parent post could not go out in time",
            round_.id,
            why,
        )
        self.facts.forget(round_.id)
        self.wake()

    # --- outcomes -------------------------------------------------------------------------

    async def _delivered(
        self,
        row: Claimed,
        place: Place,
        chat: Chat,
        ref: MessageRef | None,
        wake: bool = True,
        chain: Chain | None = None,
    ) -> None:
        """Mark a row delivered, with what it made (a message the round keeps). A round's
        post with more of its chain to come leaves the mark to the next row (``Finishing``)."""
        s = self.services
        post = row.post
        assert post.id is not None
        post_id = post.id
        now = s.now()
        text = ref.dumps() if ref is not None else None

        def record(session: Session) -> bool:
            if not outbox.delivered(session, post_id, s.instance, text, now):
                return False  # our lease ran out and someone else took over
            if text is not None and post.round_id is not None:
                if post.kind == "parent":
                    rounds.set_parent_ref(session, post.round_id, text)
                elif post.kind == "question" and post.question_id:
                    rounds.set_question_ref(session, post.round_id, post.question_id, text)
            if post.kind == "digest":
                self.digests.record_post(session, post.conversation_id, row.payload, now)
            return True

        if chain is not None and not wake and post.kind in ("parent", "question"):
            chain.finishing = Finishing(row, record)
            return
        self._recorded(row, await s.db.write_grouped(record))
        if wake:
            self.wake()  # what waited for this row may go now
        if post.kind == "summary" and post.round_id is not None:
            await self._mark_questions_closed(post.round_id, place, chat)

    def _recorded(self, row: Claimed, recorded: bool) -> None:
        post = row.post
        if not recorded:
            log.warning("delivery: owed post %s was delivered after its lease ran out", post.id)
        DELIVERED.labels(post.kind).inc()
        if post.round_id is not None and post.kind in ("parent", "question"):
            self.facts.forget(post.round_id)

    async def _retry(self, row: Claimed, reason: str, uncertain: bool) -> None:
        s = self.services
        post = row.post
        assert post.id is not None
        wait = backoff(post.attempts, self.settings.backoff, self.settings.backoff_max)
        await s.db.write(
            outbox.retry_at,
            post.id,
            s.instance,
            s.now() + timedelta(seconds=wait),
            reason,
            uncertain,
        )
        RETRIED.labels(post.kind).inc()
        log.warning(
            "delivery: owed post %s (%s) attempt %s failed (%s%s); retrying in %.1fs",
            post.id,
            post.kind,
            post.attempts,
            reason,
            ", may have arrived" if uncertain else "",
            wait,
        )

    async def _give_up(self, row: Claimed, place: Place, reason: str, tell: bool) -> None:
        """No longer useful, or refused for good: stop, and (``tell``) let the admins know."""
        s = self.services
        post = row.post
        assert post.id is not None
        round_ = await s.db.read(rounds.get, post.round_id) if post.round_id else None
        if post.kind == "parent" and round_ is not None and round_.parent_ref is None:
            await self.withdraw(round_, place, reason)
            return
        facts: dict[str, object] = {
            "key": f"post:{post.id}",
            "place": place.label,
            "what": post.kind,
            "reason": reason,
        }
        if round_ is not None:
            facts["week"] = round_.week

        post_id = post.id

        def stop(session: Session) -> None:
            outbox.give_up(session, post_id, s.instance, reason, s.now())
            if tell and post.kind != "notice":
                about = "uncertain" if reason == "uncertain" else "given_up"
                self.owe_notices(session, place.id, about, facts, self.admins(round_), s.now())

        await s.db.write(stop)
        GIVEN_UP.labels(post.kind).inc()
        if tell:
            log.error("delivery: gave up owed post %s (%s): %s", post.id, post.kind, reason)
            self.wake()
        else:
            log.info("delivery: owed post %s (%s) no longer needed: %s", post.id, post.kind, reason)

    async def _mark_questions_closed(self, round_id: int, place: Place, chat: Chat) -> None:
        """Best effort, like every edit: the summary said it; the cards say it too."""
        s = self.services

        def read(session: Session) -> tuple[RoundInfo | None, dict[str, int]]:
            info = rounds.load_info(session, round_id)
            return info, answers.counts_by_question(session, round_id) if info else {}

        info, counts = await s.db.read(read)
        if info is None:
            return
        for question in info.questions:
            ref = MessageRef.loads(question.message_ref)
            if ref is None:
                continue
            reply = question_reply(s, info, question, counts.get(question.question_id, 0), True)
            try:
                await chat.update(place, ref, reply)
            except Exception:
                log.warning("could not mark a question closed", exc_info=True)


def opens_late(opened_at: datetime, closes_at: datetime, now: datetime, minimum: timedelta) -> bool:
    """Whether a round whose parent post is only going out now still opens: at least half of
    its window must be left, and ``minimum`` too unless the post goes out within PROMPT of
    the opening (a round shorter than ``minimum`` is then not late, only short)."""
    left = closes_at - now
    if left < (closes_at - opened_at) / 2:
        return False
    return left >= minimum or now - opened_at <= PROMPT


def backoff(attempt: int, base: float, most: float) -> float:
    """Exponential with jitter: instances that failed together don't retry in step."""
    wait: float = min(base * 2 ** max(attempt - 1, 0), most)
    return wait * random.uniform(0.5, 1.0)


def _reason(error: BaseException) -> str:
    """A short cause for the log and the row: a type and a platform code, never content."""
    code = getattr(error, "code", None) or getattr(error, "error_code", None)
    response: Any = getattr(error, "response", None)
    if code is None and hasattr(response, "get"):  # Slack's answer: {"ok": false, "error": ...}
        try:
            code = response.get("error")
        except Exception:  # a response that is not JSON
            code = None
    return f"{type(error).__name__}: {code}" if isinstance(code, str) else type(error).__name__


def _notice_text(payload: dict[str, object]) -> Say:
    place = str(payload.get("place", ""))
    week = payload.get("week")
    title = phrases.round_title(RoundTitle(int(week))) if isinstance(week, int) else ""
    what = _what(str(payload.get("what", "")))
    about = payload.get("about")
    if about == "withdrawn_uncertain":
        return t(
            "I may have posted the pulse in {place} ({title}), but the chat platform did not "
            "answer in time, so I can't tell. Rather than post it twice, I withdrew the round: "
            "if it is not there, start it again with `pulse start`.",
            place=place,
            title=title,
        )
    if about == "withdrawn":
        return t(
            "The pulse due in {place} ({title}) could not be posted while enough of its window "
            "was left (the chat platform was not answering), so I withdrew it. Start one with "
            "`pulse start` if you still want it.",
            place=place,
            title=title,
        )
    if about == "uncertain":
        return t(
            "I may have posted {what} in {place}: the platform did not answer in time, so I "
            "don't know, and I won't post it again blindly. Please check the conversation.",
            what=what,
            place=place,
        )
    return t(
        "I could not post {what} in {place} and gave up ({reason}).",
        what=what,
        place=place,
        reason=str(payload.get("reason", "")),
    )


def _what(kind: str) -> Say:
    if kind == "question":
        return t("a question of the pulse")
    if kind == "summary":
        return t("the pulse's summary")
    if kind == "digest":
        return t("the digest")
    return t("the pulse")
