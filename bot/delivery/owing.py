"""Taking on what is owed: each post becomes an outbox row in the transaction that decides it
(a round opening or closing, a digest falling due, a failure the admins must hear of), so
nothing decided is lost and nothing is posted without being decided."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.metrics import OWED
from bot.services import Services
from storage import outbox
from storage.outbox import Claimed, Owed
from storage.tables import Round


class Owing:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings.delivery

    def round(
        self, session: Session, round_: Round, questions: list[str], now: datetime
    ) -> list[Claimed]:
        """In the transaction that opens ``round_``: its parent post, then each question,
        leased to this instance (the opener delivers them, ``Delivery.begin``)."""
        assert round_.id is not None
        where, round_id = round_.conversation_id, round_.id
        posts = [Owed(where, "parent", _parent_key(round_id), round_id)]
        posts += [
            Owed(where, "question", f"question:{round_id}:{question_id}", round_id, question_id)
            for question_id in questions
        ]
        # Each question after the one before: they appear in order, whoever delivers.
        lease = timedelta(seconds=self.settings.lease)
        owed = outbox.owe_leased_in_order(session, posts, now, self.services.instance, lease)
        assert owed and owed[0].post.kind == "parent", "a new round owes a new parent post"
        OWED.labels("parent").inc()
        OWED.labels("question").inc(len(owed) - 1)
        return owed

    def summary(self, session: Session, round_: Round, now: datetime) -> Claimed | None:
        """In the transaction that closes ``round_``: its summary, after its parent post,
        leased to this instance (the closer delivers it, ``Delivery.deliver_leased``)."""
        assert round_.id is not None
        parent = outbox.by_key(session, _parent_key(round_.id))
        summary = Owed(round_.conversation_id, "summary", f"summary:{round_.id}", round_.id)
        after = Claimed(parent) if parent is not None else None
        owed = self._leased(session, summary, now, depends_on=after)
        if owed is not None:
            OWED.labels("summary").inc()
        return owed

    def _leased(
        self, session: Session, owed: Owed, now: datetime, depends_on: Claimed | None = None
    ) -> Claimed | None:
        lease = timedelta(seconds=self.settings.lease)
        return outbox.owe_leased(session, owed, now, self.services.instance, lease, depends_on)

    def digest(
        self, session: Session, conversation_id: int, round_id: int, key: str, now: datetime
    ) -> int | None:
        """A digest as of ``round_id`` (the latest closed round when it fell due)."""
        digest = Owed(conversation_id, "digest", f"digest:{key}", payload={"round_id": round_id})
        owed = outbox.owe(session, digest, now)
        if owed is not None:
            OWED.labels("digest").inc()
        return owed

    def notices(
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
            payload = {**facts, "about": about, "person": person}
            notice = Owed(conversation_id, "notice", key[:160], payload=payload)
            if outbox.owe(session, notice, now):
                OWED.labels("notice").inc()

    def admins(self, round_: Round | None = None) -> list[str]:
        """Who is told when something owed cannot be delivered: the configured admins and
        whoever opened the round (a schedule's author)."""
        people = sorted(self.services.settings.admins)
        if round_ is not None and round_.opened_by and round_.opened_by != "scheduler":
            people.append(round_.opened_by)
        return people


def _parent_key(round_id: int) -> str:
    return f"parent:{round_id}"
