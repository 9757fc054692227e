"""Owed posts (a transactional outbox): what the bot must deliver, claimed with a lease.

A decision to post (opening a round, closing it, a digest falling due) writes its rows here
in the decision's own transaction; deliverers on every instance then claim due rows in
batches, each under a lease, so two instances never work on the same row and a crashed
instance's rows are taken over once its lease runs out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.tables import Conversation, OwedPost, Round
from storage.upsert import ignoring

# Writes go to the table itself (Core), not through the ORM: a burst writes several rows per
# post, and the ORM's bulk-update bookkeeping was a fifth of the bot's CPU.
OWED = cast(sa.Table, sa.inspect(OwedPost).local_table)
PENDING = "pending"
DELIVERED = "delivered"
GIVEN_UP = "given_up"


def _mine(post_id: int, instance: str) -> Any:
    return sa.and_(OWED.c.id == post_id, OWED.c.lease_owner == instance)


# The statements every post runs (marked in flight, then delivered) are built once, with
# their values as parameters: building one and its cache key cost twice what running it did.
_ITS_LEASE = sa.and_(
    OWED.c.id == sa.bindparam("b_post"),
    OWED.c.lease_owner == sa.bindparam("b_instance"),
    OWED.c.state == PENDING,
)
_STARTING = (
    sa.update(OWED)
    .where(_ITS_LEASE)
    .values(
        in_flight_since=sa.bindparam("b_now"),
        lease_until=sa.bindparam("b_until"),
        next_attempt_at=sa.bindparam("b_until"),  # see _leased_until
    )
)
_DELIVERED = (
    sa.update(OWED)
    .where(_ITS_LEASE)
    .values(
        state=DELIVERED,
        message_ref=sa.bindparam("b_ref"),
        lease_owner=None,
        lease_until=None,
        in_flight_since=None,
        finished_at=sa.bindparam("b_now"),
        last_error=None,
    )
)


# A round's parent or question post, marked in flight, returns what may have changed in its
# round since it opened (closed? its parent's reference?) in the same statement: a burst
# posts six a round, and reading the whole round again for each was a statement and an ORM
# load a post. Scalar subqueries, so a round withdrawn meanwhile comes back as NULLs.
ROUNDS = cast(sa.Table, sa.inspect(Round).local_table)


def _of_its_round(column: sa.Column[Any]) -> Any:
    return sa.select(column).where(ROUNDS.c.id == OWED.c.round_id).scalar_subquery()


_STARTING_IN_ROUND = _STARTING.returning(
    _of_its_round(ROUNDS.c.id),
    _of_its_round(ROUNDS.c.closed_at),
    _of_its_round(ROUNDS.c.parent_ref),
)


@dataclass(frozen=True)
class RoundNow:
    """What a round's parent or question post needs to know about it when it goes out."""

    exists: bool
    closed_at: datetime | None
    parent_ref: str | None

    def of(self, opened: Round) -> Round | None:
        """The round read when it opened, as it is now (None: withdrawn meanwhile); ``opened``
        itself while neither changed (a copy costs more than the statement saved)."""
        if not self.exists:
            return None
        if (opened.closed_at, opened.parent_ref) == (self.closed_at, self.parent_ref):
            return opened
        fields = opened.model_dump()
        fields.update(closed_at=self.closed_at, parent_ref=self.parent_ref)
        return Round(**fields)


@dataclass(frozen=True)
class Claimed:
    """A row this instance may now deliver, with the state and message of its dependency."""

    post: OwedPost
    after_state: str | None = None  # None when it depends on nothing
    after_ref: str | None = None

    @property
    def payload(self) -> dict[str, Any]:
        loaded = json.loads(self.post.payload or "{}")
        return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True)
class Backlog:
    count: int
    oldest: datetime | None  # when the oldest undelivered row was owed


@dataclass(frozen=True)
class Owed:
    """A post to owe: where, what (its ``key`` makes it owed once), and for a round's post,
    which round and question."""

    conversation_id: int
    kind: str
    key: str
    round_id: int | None = None
    question_id: str | None = None
    payload: dict[str, Any] | None = None

    def values(self, now: datetime, depends_on: int | None = None) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "kind": self.kind,
            "key": self.key,
            "round_id": self.round_id,
            "question_id": self.question_id,
            "payload": json.dumps(self.payload or {}, sort_keys=True),
            "depends_on": depends_on,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "state": PENDING,
        }


def owe(session: Session, owed: Owed, now: datetime) -> int | None:
    """Record a post owed (once per key); its id, or None when it was owed already."""
    return _insert(session, owed.values(now))


def owe_leased(
    session: Session,
    owed: Owed,
    now: datetime,
    instance: str,
    lease: timedelta,
    depends_on: Claimed | None = None,
) -> Claimed | None:
    """``owe``, already leased to ``instance``: for the caller that delivers it next (an
    opening round, a closing one), so no claim is needed and no other deliverer takes it.
    None when it was owed already."""
    values = owed.values(now, depends_on.post.id if depends_on is not None else None)
    values.update(lease_owner=instance, attempts=1, **_leased_until(now + lease))
    post_id = _insert(session, values)
    if post_id is None:
        return None
    post = OwedPost(id=post_id, **values)
    if depends_on is None:
        return Claimed(post)
    return Claimed(post, depends_on.post.state, depends_on.post.message_ref)


def owe_leased_in_order(
    session: Session, owed: list[Owed], now: datetime, instance: str, lease: timedelta
) -> list[Claimed]:
    """``owe_leased`` for posts that go out in this order (a round's parent, then its
    questions), each after the one before: one INSERT for them all and one UPDATE that
    chains them, where a burst used to spend a statement a post. Keys owed already are
    left out, and the chain closes over them."""
    values = [item.values(now) for item in owed]
    leased = {"lease_owner": instance, "attempts": 1, **_leased_until(now + lease)}
    for row in values:
        row.update(leased)
    dialect = session.get_bind().dialect.name
    inserted = {key: post_id for key, post_id in session.execute(_owing_many(dialect), values)}
    chain: list[Claimed] = []
    for row in values:
        post_id = inserted.get(row["key"])
        if post_id is None:
            continue
        before = chain[-1].post if chain else None
        row["depends_on"] = before.id if before is not None else None
        post = OwedPost(id=post_id, **row)
        chain.append(Claimed(post, before.state, before.message_ref) if before else Claimed(post))
    after = {row.post.id: row.post.depends_on for row in chain[1:]}
    if after:
        session.execute(
            sa.update(OWED)
            .where(OWED.c.id.in_(list(after)))
            .values(depends_on=sa.case(after, value=OWED.c.id))
        )
    return chain


@cache
def _owing_many(dialect: str) -> Any:
    # Run with a list of rows: SQLAlchemy sends them as one INSERT ("insertmanyvalues").
    return ignoring(dialect, OWED, ("key",), "key").returning(OWED.c.id)


def _insert(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless its key is owed already; the new row's id."""
    statement = ignoring(session.get_bind().dialect.name, OWED, ("key",), "id")
    row = session.execute(statement, values).first()
    return int(row[0]) if row is not None else None


def claim(
    session: Session,
    instance: str,
    now: datetime,
    lease: timedelta,
    platforms: list[str],
    limit: int,
    ids: list[int] | None = None,
) -> list[Claimed]:
    """Lease up to ``limit`` due rows on these platforms whose dependency is settled.

    PostgreSQL skips rows another instance holds locked (``FOR UPDATE SKIP LOCKED``);
    SQLite writers hold the database lock (``BEGIN IMMEDIATE``), and the conditional UPDATE
    settles it there. Either way a row is leased by one instance at a time.
    """
    return _claim(session, instance, now, lease, platforms, limit, ids)


def claim_chain(
    session: Session,
    instance: str,
    now: datetime,
    lease: timedelta,
    platforms: list[str],
    ids: list[int],
) -> list[Claimed]:
    """Lease a chain at once (a round's parent, then each question waiting for the one
    before) for a caller that delivers it in this order and stops at the first row not
    delivered: a row may wait for one earlier in ``ids``. Only the leading run is kept;
    rows leased after a gap are released. A chained row's ``after_state`` is what its
    dependency was at the claim (pending): the caller goes on only once it is delivered.
    """
    claimed = _claim(session, instance, now, lease, platforms, len(ids), ids, chained=True)
    by_id = {row.post.id: row for row in claimed}
    run: list[Claimed] = []
    for post_id in ids:
        if post_id not in by_id:
            break
        run.append(by_id.pop(post_id))
    release(session, [post_id for post_id in by_id if post_id is not None], instance, now)
    return run


def _leased_until(until: datetime) -> dict[str, datetime]:
    """A lease's columns: a leased row is not due before its lease runs out, so a claim's scan
    of the due index (state, next_attempt_at) stops short of every row held by a deliverer. In
    a 5,000-pulse burst 1,000-1,800 rows were leased to their openers at any moment, and each
    look for due rows read past all of them. The claim still checks the lease itself."""
    return {"lease_until": until, "next_attempt_at": until}


def _claim(
    session: Session,
    instance: str,
    now: datetime,
    lease: timedelta,
    platforms: list[str],
    limit: int,
    ids: list[int] | None = None,
    chained: bool = False,
) -> list[Claimed]:
    after = aliased(OwedPost)
    settled = sa.or_(col(OwedPost.depends_on).is_(None), col(after.state) != PENDING)
    if chained and ids:
        settled = sa.or_(settled, col(OwedPost.depends_on).in_(ids))
    query = (
        sa.select(col(OwedPost.id))
        .join(Conversation, col(Conversation.id) == OwedPost.conversation_id)
        .outerjoin(after, col(after.id) == col(OwedPost.depends_on))
        .where(
            col(OwedPost.state) == PENDING,
            col(OwedPost.next_attempt_at) <= now,
            sa.or_(col(OwedPost.lease_until).is_(None), col(OwedPost.lease_until) < now),
            col(Conversation.platform).in_(platforms),
            settled,
        )
        .order_by(col(OwedPost.next_attempt_at), col(OwedPost.id))
        .limit(limit)
    )
    if ids is not None:
        query = query.where(col(OwedPost.id).in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OWED)
    found = [row[0] for row in session.execute(query)]
    if not found:
        return []
    session.execute(
        sa.update(OWED)
        .where(
            OWED.c.id.in_(found),
            OWED.c.state == PENDING,
            sa.or_(OWED.c.lease_until.is_(None), OWED.c.lease_until < now),
        )
        .values(lease_owner=instance, attempts=OWED.c.attempts + 1, **_leased_until(now + lease))
    )
    rows = session.execute(
        sa.select(OwedPost, col(after.state), col(after.message_ref))
        .outerjoin(after, col(after.id) == col(OwedPost.depends_on))
        .where(col(OwedPost.id).in_(found), col(OwedPost.lease_owner) == instance)
        .order_by(col(OwedPost.next_attempt_at), col(OwedPost.id))
    ).all()
    return [Claimed(post, state, ref) for post, state, ref in rows]


def release(session: Session, ids: list[int], instance: str, now: datetime) -> None:
    """Give back leased rows this instance claimed but did not try (the caller's word): due
    again for anyone, and the claim does not count as an attempt."""
    if not ids:
        return
    session.execute(
        sa.update(OWED)
        .where(OWED.c.id.in_(ids), OWED.c.lease_owner == instance, OWED.c.state == PENDING)
        .values(
            lease_owner=None, lease_until=None, next_attempt_at=now, attempts=OWED.c.attempts - 1
        )
    )


def starting(
    session: Session, post_id: int, instance: str, now: datetime, lease: timedelta
) -> bool:
    """Just before the platform call: still ours? Then renew the lease, and until this is
    cleared the outcome is unknown. False when the lease ran out and another instance has it."""
    result = session.execute(
        _STARTING, {"b_post": post_id, "b_instance": instance, "b_now": now, "b_until": now + lease}
    )
    return bool(getattr(result, "rowcount", 0))


def starting_in_round(
    session: Session, post_id: int, instance: str, now: datetime, lease: timedelta
) -> RoundNow | None:
    """``starting`` for a round's post, with what may have changed in its round; None when
    the row is no longer ours."""
    row = session.execute(
        _STARTING_IN_ROUND,
        {"b_post": post_id, "b_instance": instance, "b_now": now, "b_until": now + lease},
    ).first()
    if row is None:
        return None
    round_id, closed_at, parent_ref = row
    return RoundNow(round_id is not None, closed_at, parent_ref)


def delivered(
    session: Session, post_id: int, instance: str, ref: str | None, now: datetime
) -> bool:
    result = session.execute(
        _DELIVERED, {"b_post": post_id, "b_instance": instance, "b_ref": ref, "b_now": now}
    )
    return bool(getattr(result, "rowcount", 0))


def retry_at(
    session: Session, post_id: int, instance: str, when: datetime, error: str, uncertain: bool
) -> None:
    """Try again at ``when``; ``uncertain``: the platform may have it (keep in_flight_since)."""
    values: dict[str, Any] = {
        "next_attempt_at": when,
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:80],
    }
    if not uncertain:
        values["in_flight_since"] = None
    session.execute(sa.update(OWED).where(_mine(post_id, instance)).values(**values))


def give_up(session: Session, post_id: int, instance: str, error: str, now: datetime) -> None:
    session.execute(
        sa.update(OWED)
        .where(_mine(post_id, instance))
        .values(
            state=GIVEN_UP,
            lease_owner=None,
            lease_until=None,
            last_error=error[:80],
            finished_at=now,
        )
    )


def backlog(session: Session, now: datetime) -> Backlog:
    """What is owed and not yet delivered, everywhere."""
    count, oldest = session.execute(
        sa.select(sa.func.count(), sa.func.min(col(OwedPost.created_at))).where(
            col(OwedPost.state) == PENDING
        )
    ).one()
    if isinstance(oldest, str):  # SQLite returns an aggregate's datetime as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(count or 0), oldest)


def _settled_before(cutoff: datetime) -> Any:
    """Finished (delivered or given up) before ``cutoff``, and nothing still owed, or
    finished since, depends on it (deleting a row deletes what depends on it)."""
    later = OWED.alias("later")
    waited_for = (
        sa.select(later.c.id)
        .where(
            later.c.depends_on == OWED.c.id,
            sa.or_(later.c.state == PENDING, later.c.finished_at >= cutoff),
        )
        .exists()
    )
    return sa.and_(OWED.c.state != PENDING, OWED.c.finished_at < cutoff, ~waited_for)


def finished_before(session: Session, cutoff: datetime, limit: int) -> list[int]:
    """Pruning, step one (a read, no lock held): up to ``limit`` rows settled before
    ``cutoff``, oldest first."""
    query = sa.select(OWED.c.id).where(_settled_before(cutoff)).order_by(OWED.c.id).limit(limit)
    return list(session.scalars(query))


def forget(session: Session, ids: list[int], cutoff: datetime) -> int:
    """Pruning, step two: delete those rows, checking again (a short write transaction)."""
    if not ids:
        return 0
    result = session.execute(sa.delete(OWED).where(OWED.c.id.in_(ids), _settled_before(cutoff)))
    return getattr(result, "rowcount", 0) or 0


_BY_KEY = select(OwedPost).where(col(OwedPost.key) == sa.bindparam("b_key"))


def by_key(session: Session, key: str) -> OwedPost | None:
    """The post owed under ``key`` (keys are unique), if any."""
    return session.exec(_BY_KEY, params={"b_key": key}).first()


def of_round(session: Session, round_id: int) -> list[OwedPost]:
    return list(
        session.exec(
            select(OwedPost).where(col(OwedPost.round_id) == round_id).order_by(col(OwedPost.id))
        )
    )
