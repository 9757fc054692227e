"""What happens to a row once its attempt is over: delivered (and what it made kept), tried
again later, or given up — with the admins told privately when they need to know."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.chat import Chat
from bot.context import MessageRef, Place
from bot.delivery.owing import Owing
from bot.delivery.rules import backoff
from bot.handlers.digest import Digests
from bot.handlers.questions import RoundFacts, question_reply
from bot.metrics import DELIVERED, GIVEN_UP, RETRIED
from bot.services import Services
from storage import answers, outbox, rounds
from storage.outbox import Claimed
from storage.rounds import RoundInfo
from storage.tables import Round

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finishing:
    """A row the platform has, whose delivered mark waits for the next row's transaction
    (``Delivery._start``): a chain of posts then costs one transaction per post."""

    row: Claimed
    record: Callable[[Session], bool]


class Outcomes:
    def __init__(
        self,
        services: Services,
        owing: Owing,
        digests: Digests,
        facts: RoundFacts,
        wake: Callable[[], None],
    ) -> None:
        self.services = services
        self.settings = services.settings.delivery
        self.owing = owing
        self.digests = digests
        self.facts = facts
        self.wake = wake  # the deliverer looks for due rows (something it waited for moved)

    def record(self, row: Claimed, ref: MessageRef | None) -> Callable[[Session], bool]:
        """The delivered mark, with what the post made (a message its round keeps); False
        when it is written after this instance's lease ran out."""
        s = self.services
        post = row.post
        post_id = post.id
        assert post_id is not None
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

        return record

    async def settle(self, finishing: Finishing) -> None:
        """Write a waiting delivered mark on its own (no next row carries it)."""
        self.recorded(finishing.row, await self.services.db.write_grouped(finishing.record))

    async def delivered(
        self, row: Claimed, place: Place, chat: Chat, ref: MessageRef | None, wake: bool = True
    ) -> None:
        """Mark a row delivered now; a summary then marks its round's questions closed."""
        post = row.post
        await self.settle(Finishing(row, self.record(row, ref)))
        if wake:
            self.wake()  # what waited for this row may go now
        if post.kind == "summary" and post.round_id is not None:
            await self.mark_questions_closed(post.round_id, place, chat)

    def recorded(self, row: Claimed, recorded: bool) -> None:
        post = row.post
        if not recorded:
            log.warning("delivery: owed post %s was delivered after its lease ran out", post.id)
        DELIVERED.labels(post.kind).inc()
        if post.round_id is not None and post.kind in ("parent", "question"):
            self.facts.forget(post.round_id)

    async def retry(self, row: Claimed, reason: str, uncertain: bool) -> None:
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

    async def give_up(self, row: Claimed, place: Place, reason: str, tell: bool) -> None:
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
        owing = self.owing

        def stop(session: Session) -> None:
            outbox.give_up(session, post_id, s.instance, reason, s.now())
            if tell and post.kind != "notice":
                about = "uncertain" if reason == "uncertain" else "given_up"
                owing.notices(session, place.id, about, facts, owing.admins(round_), s.now())

        await s.db.write(stop)
        GIVEN_UP.labels(post.kind).inc()
        if tell:
            log.error("delivery: gave up owed post %s (%s): %s", post.id, post.kind, reason)
            self.wake()
        else:
            log.info("delivery: owed post %s (%s) no longer needed: %s", post.id, post.kind, reason)

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
        owing = self.owing

        def take_back(session: Session) -> None:
            rounds.withdraw(session, round_id)
            about = "withdrawn_uncertain" if why == "uncertain" else "withdrawn"
            owing.notices(session, place.id, about, facts, owing.admins(round_), s.now())

        await s.db.write(take_back)
        GIVEN_UP.labels("parent").inc()
        log.error(
            "delivery: round %s withdrawn (%s): its parent post could not go out in time",
            round_.id,
            why,
        )
        self.facts.forget(round_.id)
        self.wake()

    async def mark_questions_closed(self, round_id: int, place: Place, chat: Chat) -> None:
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
