"""The deliverer: claims due rows and delivers them, one conversation's in order."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session

from bot.chat import Chat, Failure, Receipts, delivering
from bot.context import Place
from bot.delivery.outcomes import Finishing, Outcomes
from bot.delivery.owing import Owing
from bot.delivery.plans import ROUND_CLOSED, Plan, Plans, Started, Useless
from bot.delivery.rules import LOOKUP_MARGIN, Unreachable, default_failure, reason
from bot.handlers.digest import Digests
from bot.handlers.questions import RoundFacts
from bot.places import Places
from bot.services import Services
from bot.wording import speaking
from storage import outbox, rounds, schedules
from storage.outbox import Claimed
from storage.rounds import RoundInfo
from storage.tables import Round

log = logging.getLogger(__name__)
LOOK_GAP = 0.1  # seconds between two looks for due rows (see _run)


@dataclass
class Chain:
    """Rows leased together for one caller to deliver in order (``Delivery.begin``)."""

    rows: list[Claimed]
    states: dict[int, str] = field(default_factory=dict)  # row id -> state, as delivered
    reached: tuple[Place, Chat] | None = None
    stopped: bool = False
    finishing: Finishing | None = None  # the last row delivered, not yet marked


class Delivery:
    """The deliverer of one instance. ``owe`` takes on posts in their deciding transaction;
    ``begin``/``finish`` deliver what the caller leased; the loop delivers the rest."""

    def __init__(
        self, services: Services, places: Places, digests: Digests, facts: RoundFacts
    ) -> None:
        self.services = services
        self.places = places
        self.settings = services.settings.delivery
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Rows claimed here and not finished, each conversation's in claim order.
        self._queues: dict[int, collections.deque[Claimed]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._held = 0
        self.owe = Owing(services)
        self.plans = Plans(services, digests)
        self.outcomes = Outcomes(services, self.owe, digests, facts, self.wake)

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
            return self.owe.digest(session, place.id, latest[0].id, claim, now)

        owed = await s.db.write(claim_and_owe)
        if owed is None:
            return False
        await self.deliver_now([owed])
        return True

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
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation
            # (``stop``) that arrives in the turn the wake is set, and the loop never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.poll):
                    await self._wake.wait()

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
            await self.outcomes.settle(finishing)

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
            await s.db.write(outbox.release, rest, s.instance, s.now())
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
            await self.outcomes.settle(finishing)
            finishing = None
        reached = reached or await self.places.reach(post.conversation_id)
        if reached is None:  # pragma: no cover - claims only take platforms served here
            await self.outcomes.retry(row, "not served here", uncertain=False)
            return outbox.PENDING
        place, chat = reached
        if given_up:
            await self.outcomes.give_up(row, place, "what it waited for was given up", tell=False)
            return outbox.GIVEN_UP
        with speaking(place.language):
            started: Started | None = None
            if quick:
                started = await self._start(row, finishing)
                if started is None:
                    log.info("delivery: owed post %s went to another instance meanwhile", post.id)
                    return outbox.PENDING
            try:
                plan = await self.plans.plan(row, place, chat, started)
            except Exception:
                log.exception("delivery: could not prepare owed post %s (%s)", post.id, post.kind)
                await self.outcomes.retry(row, "could not prepare", uncertain=False)
                return outbox.PENDING
            if isinstance(plan, Useless):
                if plan.withdraw is not None:
                    await self.outcomes.withdraw(plan.withdraw, place, plan.reason)
                else:
                    await self.outcomes.give_up(row, place, plan.reason, tell=False)
                if plan.reason == ROUND_CLOSED and _question(finishing) and post.round_id:
                    # The question before went out with its buttons, and its message was
                    # only recorded just now: the summary's edit of the round's cards may
                    # have missed it. Editing a closed card again changes nothing.
                    await self.outcomes.mark_questions_closed(post.round_id, place, chat)
                return outbox.GIVEN_UP
            return await self._attempt(row, place, chat, plan, wake, started is not None, chain)

    async def _start(self, row: Claimed, finishing: Finishing | None = None) -> Started | None:
        """Mark a round's row in flight (``outbox.starting``) and read its round in the same
        transaction, after marking the previous row of its chain delivered (``finishing``): a
        burst pays for every transaction. None when the row is no longer ours."""
        s = self.services
        post = row.post
        post_id, round_id = post.id, post.round_id
        assert post_id is not None and round_id is not None
        known = self.plans.known(round_id)
        # A parent or question reads what may have changed in its round since it was read
        # before; a summary too, over the round as closing left it (its counts are final).
        opened = self.plans.opened(round_id)
        if post.kind == "summary" and (opened is None or opened.closed_at is None):
            opened = None
        now = s.now()
        lease = timedelta(seconds=self.settings.lease)

        def start(session: Session) -> tuple[bool | None, bool, Round | None, RoundInfo | None]:
            recorded = finishing.record(session) if finishing is not None else None
            if known is not None and opened is not None:
                as_now = outbox.starting_in_round(session, post_id, s.instance, now, lease)
                if as_now is None:
                    return recorded, False, None, None
                return recorded, True, as_now.of(opened), known
            if not outbox.starting(session, post_id, s.instance, now, lease):
                return recorded, False, None, None
            if known is not None:  # what it asks is fixed once it opened
                return recorded, True, rounds.get(session, round_id), known
            return recorded, True, *rounds.with_info(session, round_id)

        try:
            recorded, ours, round_, info = await s.db.write_grouped(start)
        except Exception:
            if finishing is not None:  # the platform has it: mark it on its own
                await self.outcomes.settle(finishing)
            raise
        if finishing is not None:
            self.outcomes.recorded(finishing.row, bool(recorded))
        if not ours:
            return None
        if known is None and info is not None:
            self.plans.keep(round_id, info)
        if round_ is not None and round_ is not opened:  # read, or changed since: the next
            self.plans.remember(round_)  # post of its round starts from this one
        return Started(round_, info)

    async def _attempt(
        self,
        row: Claimed,
        place: Place,
        chat: Chat,
        plan: Plan,
        wake: bool = True,
        started: bool = False,
        chain: Chain | None = None,
    ) -> str:
        """Send a planned row (``plan.thread``: where a lookup searches); ``started``: it is
        marked in flight already (``_start``); ``chain``: where its delivered mark may wait
        for the chain's next row."""
        s = self.services
        post = row.post
        assert post.id is not None
        receipts = chat if isinstance(chat, Receipts) else None
        if post.in_flight_since is not None:  # the last attempt may have arrived
            if receipts is None or not receipts.finds_delivered:
                await self.outcomes.give_up(row, place, "uncertain", tell=True)
                return outbox.GIVEN_UP
            try:
                found = await receipts.find_delivered(
                    place, plan.thread, str(post.id), post.in_flight_since - LOOKUP_MARGIN
                )
            except Exception as error:
                await self.outcomes.retry(row, f"lookup: {type(error).__name__}", uncertain=True)
                return outbox.PENDING
            if found is not None:
                log.info("delivery: owed post %s (%s) had arrived", post.id, post.kind)
                await self.outcomes.delivered(row, place, chat, found, wake)
                return outbox.DELIVERED
        lease = timedelta(seconds=self.settings.lease)
        if not started and not await s.db.write(
            outbox.starting, post.id, s.instance, s.now(), lease
        ):
            log.info("delivery: owed post %s went to another instance meanwhile", post.id)
            return outbox.PENDING
        marked = delivering.set(str(post.id))
        try:
            async with asyncio.timeout(self.settings.lease * 0.8):
                ref = await plan.send()
        except Exception as error:
            if isinstance(error, Unreachable):
                failure: Failure = "permanent"
            else:
                failure = receipts.failure(error) if receipts else default_failure(error)
            why = reason(error)
            if failure == "permanent":
                await self.outcomes.give_up(row, place, why, tell=True)
                return outbox.GIVEN_UP
            await self.outcomes.retry(row, why, uncertain=failure == "uncertain")
            return outbox.PENDING
        finally:
            delivering.reset(marked)
        if ref is None and post.kind != "notice":
            await self.outcomes.retry(row, "no message made", uncertain=False)
            return outbox.PENDING
        if chain is not None and not wake and post.kind in ("parent", "question"):
            # More of its chain comes next: its mark goes in the next row's transaction.
            chain.finishing = Finishing(row, self.outcomes.record(row, ref))
        else:
            await self.outcomes.delivered(row, place, chat, ref, wake)
        return outbox.DELIVERED


def _question(finishing: Finishing | None) -> bool:
    """Whether the row whose delivered mark went with this row's start is a question."""
    return finishing is not None and finishing.row.post.kind == "question"
