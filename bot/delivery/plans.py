"""What an owed row sends, decided when it goes out: the post in the language of its place,
built from the round as it is then, or the reason it is no longer useful."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.chat import Chat
from bot.context import MessageRef, Place
from bot.delivery.notices import notice_text
from bot.delivery.rules import Unreachable, opens_late
from bot.handlers.digest import Digests
from bot.handlers.questions import question_reply
from bot.replies import Notice, PulseParent, Reply, RoundTitle
from bot.services import Services
from storage import rounds
from storage.outbox import Claimed
from storage.rounds import RoundInfo
from storage.tables import Round

ASKS_KEPT = 10_000  # rounds whose questions are kept for their posts (a burst's worth)


ROUND_CLOSED = "round closed"  # a question no longer asked


@dataclass(frozen=True)
class Plan:
    """A platform call to make, and the thread it posts in (where a lookup would search)."""

    send: Callable[[], Awaitable[MessageRef | None]]
    thread: MessageRef | None = None


@dataclass(frozen=True)
class Useless:
    """The row is no longer worth sending; ``withdraw``: the round nobody saw, taken back
    (the late rule) rather than only this row given up."""

    reason: str
    withdraw: Round | None = None


@dataclass(frozen=True)
class Started:
    """A round's row marked in flight, with the round as that transaction read it."""

    round_: Round | None
    info: RoundInfo | None


class Plans:
    def __init__(self, services: Services, digests: Digests) -> None:
        self.services = services
        self.digests = digests
        self.settings = services.settings.delivery
        self._asks: dict[int, RoundInfo] = {}  # round id -> what it asks (see known)
        self._opened: dict[int, Round] = {}  # round id -> the round as first read (see opened)

    def known(self, round_id: int) -> RoundInfo | None:
        """What a round asks, when read before: fixed once it opened (a burst pays for every
        query, so it is read with the round the first time only)."""
        return self._asks.get(round_id)

    def keep(self, round_id: int, asks: RoundInfo) -> None:
        _bounded(self._asks, round_id, asks)

    def opened(self, round_id: int) -> Round | None:
        """The round as it opened, closed, or was read for an earlier post: its next post
        then only reads what may have changed since (``outbox.starting_in_round``)."""
        return self._opened.get(round_id)

    def remember(self, round_: Round) -> None:
        if round_.id is not None:
            _bounded(self._opened, round_.id, round_)

    async def plan(
        self, row: Claimed, place: Place, chat: Chat, started: Started | None = None
    ) -> Plan | Useless:
        """What to send for this row; ``started``: its round, as read when it was marked."""
        post = row.post
        payload = row.payload
        if post.kind == "notice":
            person = str(payload.get("person", ""))
            notice = Notice(notice_text(payload))

            async def tell() -> MessageRef | None:
                if not await chat.direct(place, person, notice):
                    raise Unreachable("person not reachable")
                return None

            return Plan(tell)
        if post.kind == "digest":
            digest = await self.digests.build(
                place, chart_width=chat.chart_width, upto=int(payload.get("round_id") or 0)
            )
            if digest is None:
                return Useless("nothing to digest")
            return Plan(lambda: chat.post(place, digest))
        if started is not None:
            round_, info = started.round_, started.info
        elif post.round_id:
            round_, info = await self._round(post.round_id)
        else:
            round_, info = None, None
        if round_ is None or round_.id is None:
            return Useless("round withdrawn")
        if post.kind == "parent":
            return self._parent(place, chat, round_, info)
        if post.kind == "question":
            parent = MessageRef.loads(round_.parent_ref)
            asked = info.question(post.question_id or "") if info else None
            if round_.closed_at is not None or info is None or asked is None or parent is None:
                return Useless(ROUND_CLOSED)
            reply: Reply = question_reply(self.services, info, asked)
            return Plan(lambda: chat.post_in_thread(place, parent, reply), parent)
        if post.kind == "summary":
            summary = await self.digests.summary(round_, place)
            thread = MessageRef.loads(round_.parent_ref)
            if thread is not None:
                return Plan(
                    lambda: chat.post_in_thread(place, thread, summary, broadcast=True), thread
                )
            return Plan(lambda: chat.post(place, summary))
        return Useless(f"unknown kind {post.kind}")

    async def _round(self, round_id: int) -> tuple[Round | None, RoundInfo | None]:
        """The round as stored now, and what it asks."""
        db = self.services.db
        asks = self.known(round_id)
        if asks is not None:
            return await db.read(rounds.get, round_id), asks
        round_, asks = await db.read(rounds.with_info, round_id)
        if asks is not None:
            self.keep(round_id, asks)
        return round_, asks

    def _parent(
        self, place: Place, chat: Chat, round_: Round, info: RoundInfo | None
    ) -> Plan | Useless:
        """A round's parent post, or — when too little of its window is left — its withdrawal
        (the late rule, ``opens_late``: open late with the original close time while at
        least half the window, and DELIVERY_LATE_MIN, remain)."""
        now = self.services.now()
        assert round_.id is not None
        if round_.closed_at is not None or not opens_late(
            round_.opened_at, round_.closes_at, now, self.settings.late_min
        ):
            return Useless("late", withdraw=round_)
        survey = self.services.content.survey_set(round_.language).get(round_.template)
        reply = PulseParent(
            round_.id,
            RoundTitle(round_.week),
            survey.name if survey is not None else round_.template,
            round_.closes_at,
            len(info.questions) if info else 0,
            place.timezone,
            lang=round_.language,
        )
        return Plan(lambda: chat.post(place, reply))


def _bounded(kept: dict[int, Any], key: int, value: Any) -> None:
    """Keep ``value`` under ``key``, forgetting the oldest entry past ASKS_KEPT."""
    if key not in kept and len(kept) >= ASKS_KEPT:
        kept.pop(next(iter(kept)))
    kept[key] = value
