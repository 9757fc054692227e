"""What a burst no longer pays for, and what it must still keep, on SQLite and PostgreSQL: an
opening round owes its posts already leased to the instance that opened it (no other
deliverer takes them, no claim is needed); a chain's delivered mark rides in its next post's
transaction and is kept even when that post fails; a pooled PostgreSQL connection is pinged
only after sitting unused, and then a dead one is replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from harness import make_bot

import storage.engine as engine_module
from bot.context import MessageRef, Person, Place, Turn
from bot.replies import PulseParent, Reply, SurveyQuestion
from storage import outbox, rounds
from storage.engine import Database

GUARD = 60  # seconds before a test that would hang fails instead (not a speed limit)


def test_an_opening_round_owes_its_posts_leased_to_its_opener(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        first = await make_bot(database_url, model, surveys, tmp_path / "a", instance="a")
        second = await make_bot(database_url, model, surveys, tmp_path / "b", instance="b",
                                clock=first.clock)  # fmt: skip
        held, release = asyncio.Event(), asyncio.Event()
        post = first.chat.post

        async def holding(place: Place, reply: Reply) -> MessageRef:
            held.set()
            await release.wait()  # the parent post is on its way
            return await post(place, reply)

        first.chat.post = holding  # type: ignore[method-assign]
        turn = asyncio.ensure_future(
            first.app.core.on_text(Turn(Person("lead"), first.place, "pulse start"))
        )
        await asyncio.wait_for(held.wait(), GUARD)
        opened = await first.db.read(rounds.current, first.place.id)
        assert opened is not None and opened.id is not None
        owed = await first.db.read(outbox.of_round, opened.id)
        assert [row.kind for row in owed] == ["parent"] + ["question"] * 5
        assert {(row.lease_owner, row.attempts) for row in owed} == {("a", 1)}
        now = first.clock()
        taken = await second.db.write(
            outbox.claim, "b", now, timedelta(minutes=5), ["console"], 100
        )
        assert taken == []  # another deliverer finds nothing to take
        release.set()
        await asyncio.wait_for(turn, GUARD)
        owed = await first.db.read(outbox.of_round, opened.id)
        assert {row.state for row in owed} == {outbox.DELIVERED}
        assert len(first.chat.of(SurveyQuestion)) == 5
        assert second.chat.calls == []
        first.close()
        second.close()

    asyncio.run(scenario())


def test_a_chains_delivered_mark_is_kept_when_its_next_post_fails(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        in_thread = bot.chat.post_in_thread

        async def third_refused(place, parent, reply, broadcast=False):  # type: ignore[no-untyped-def]
            if isinstance(reply, SurveyQuestion) and reply.position == 3:
                raise ConnectionRefusedError("platform down")
            return await in_thread(place, parent, reply, broadcast)

        bot.chat.post_in_thread = third_refused  # type: ignore[method-assign]
        await bot.app.core.on_text(Turn(Person("lead"), bot.place, "pulse start"))
        opened = await bot.db.read(rounds.current, bot.place.id)
        assert opened is not None and opened.id is not None
        owed = await bot.db.read(outbox.of_round, opened.id)
        states = [(row.kind, row.state, row.message_ref is not None) for row in owed]
        assert states == [
            ("parent", outbox.DELIVERED, True),
            ("question", outbox.DELIVERED, True),
            ("question", outbox.DELIVERED, True),  # marked in the failed post's transaction
            ("question", outbox.PENDING, False),
            ("question", outbox.PENDING, False),
            ("question", outbox.PENDING, False),
        ]
        assert owed[3].in_flight_since is None  # refused: it did not arrive
        info = await bot.db.read(rounds.load_info, opened.id)
        assert info is not None
        refs = [q.message_ref is not None for q in info.questions]
        assert refs == [True, True, False, False, False]
        bot.close()

    asyncio.run(scenario())


def test_a_round_closed_while_its_questions_go_out_stops_asking(
    database_url, model, surveys, tmp_path
) -> None:
    """A question reads its round's closing in the transaction that marks it in flight (not
    the round as its parent post read it): once another instance has closed the round, the
    questions not yet posted are given up, and the cards already out are marked closed (the
    second question's message was recorded only with the third's start, so the closing
    instance's summary may not have seen it)."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        in_thread = bot.chat.post_in_thread

        async def closed_after_the_second(place, parent, reply, broadcast=False):  # type: ignore[no-untyped-def]
            ref = await in_thread(place, parent, reply, broadcast)
            if isinstance(reply, SurveyQuestion) and reply.position == 2:
                opened = await bot.db.read(rounds.current, bot.place.id)
                assert opened is not None and opened.id is not None
                assert await bot.db.write(rounds.close, opened.id, bot.clock(), None)
            return ref

        bot.chat.post_in_thread = closed_after_the_second  # type: ignore[method-assign]
        await bot.app.core.on_text(Turn(Person("lead"), bot.place, "pulse start"))
        assert [q.position for q in bot.chat.of(SurveyQuestion, "thread")] == [1, 2]
        owed = await bot.db.read(outbox.of_round, bot.chat.of(SurveyQuestion)[0].round_id)
        assert [row.state for row in owed] == [outbox.DELIVERED] * 3 + [outbox.GIVEN_UP] + [
            outbox.PENDING
        ] * 2
        edited = bot.chat.of(SurveyQuestion, "update")
        assert sorted(q.position for q in edited if q.closed) == [1, 2]
        bot.close()

    asyncio.run(scenario())


def test_a_round_closed_before_its_parent_goes_out_is_not_posted(
    database_url, model, surveys, tmp_path
) -> None:
    """The opener knows what its round asks without reading it back, but its parent post
    still reads, in the transaction that marks it in flight, whether the round closed."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        timetable = bot.app.services.timetable
        armed = timetable.round_opened

        def closed_at_once(round_id: int, closes_at: datetime) -> None:
            armed(round_id, closes_at)  # another instance closes it before its parent post
            assert bot.db.write_now(rounds.close, round_id, bot.clock(), None) is not None

        timetable.round_opened = closed_at_once  # type: ignore[method-assign]
        said = await bot.text("lead", "pulse start")
        assert "could not post the pulse here" in said
        assert bot.chat.of(PulseParent) == [] and bot.chat.of(SurveyQuestion) == []
        bot.close()

    asyncio.run(scenario())


def _backend_pid(db: Database) -> int:
    return int(
        db.read_now(
            lambda session: session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        )
    )


def _terminate(url: str, pid: int) -> None:
    admin = sa.create_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_pooled_connection_is_pinged_and_replaced_when_dead(
    postgres_url, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(postgres_url, workers=1)
    try:
        before = _backend_pid(db)
        _terminate(postgres_url, before)  # a database restart, or an idle timeout
        monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.0)  # it has sat long enough
        after = _backend_pid(db)
        assert after != before
    finally:
        db.close()


def test_a_connection_in_steady_use_is_not_pinged(postgres_url) -> None:
    """The other side of the rule (and what the ping saves): a connection handed out again
    at once is used as it is, so a dead one fails the work instead of being replaced."""
    db = Database(postgres_url, workers=1)
    try:
        _terminate(postgres_url, _backend_pid(db))
        with pytest.raises(sa.exc.OperationalError):
            _backend_pid(db)
        assert _backend_pid(db) > 0  # the pool dropped it: the next one is fresh
    finally:
        db.close()


def test_a_closing_rounds_summary_waits_for_its_parent_post(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.app.core.on_text(Turn(Person("lead"), bot.place, "pulse start"))
        opened = await bot.db.read(rounds.current, bot.place.id)
        assert opened is not None and opened.id is not None
        await bot.app.core.on_text(Turn(Person("lead"), bot.place, "pulse close"))
        owed = {row.kind: row for row in await bot.db.read(outbox.of_round, opened.id)}
        assert owed["summary"].depends_on == owed["parent"].id  # in its thread, after it
        found = await bot.db.read(outbox.by_key, f"parent:{opened.id}")
        assert found is not None and found.id == owed["parent"].id
        assert await bot.db.read(outbox.by_key, "parent:0") is None
        bot.close()

    asyncio.run(scenario())


def test_a_leased_row_is_due_for_others_only_once_its_lease_runs_out(database_url) -> None:
    """A lease moves the row's due time to its end (the claim's scan of the due index then
    stops short of every leased row); a row given back is due again at once."""
    from storage import conversations
    from storage.outbox import Owed

    db = Database(database_url)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    lease = timedelta(minutes=2)
    try:
        place = db.write_now(conversations.find_or_create, "console", "w", "c", "c", now)
        owed = Owed(place.id, "notice", "leased")
        held = db.write_now(outbox.owe_leased, owed, now, "a", lease)
        assert held is not None and held.post.id is not None
        post_id = held.post.id
        (row,) = db.read_now(lambda s: list(s.execute(sa.select(outbox.OWED))))
        assert row.next_attempt_at.replace(tzinfo=None) == (now + lease).replace(tzinfo=None)

        def claim(instance: str, at: datetime) -> list[int | None]:
            taken = db.write_now(outbox.claim, instance, at, lease, ["console"], 10)
            return [c.post.id for c in taken]

        assert claim("b", now + lease - timedelta(seconds=1)) == []
        assert db.write_now(outbox.starting, post_id, "a", now + timedelta(seconds=30), lease)
        assert claim("b", now + lease + timedelta(seconds=1)) == []  # renewed when in flight
        assert claim("b", now + timedelta(seconds=30) + lease + timedelta(seconds=1)) == [post_id]
        later = now + timedelta(minutes=10)
        db.write_now(outbox.release, [post_id], "b", later)
        assert claim("c", later) == [post_id]  # given back: due at once, for anyone
    finally:
        db.close()


def test_a_rounds_posts_are_owed_together_each_after_the_one_before(database_url) -> None:
    """A round's posts are owed in one INSERT and chained in one UPDATE (a statement a post
    was most of a burst's writes): each waits for the one before, all leased to the opener.
    A key owed already is left out, untouched, and the chain closes over it."""
    from storage import conversations
    from storage.outbox import Owed
    from storage.tables import OwedPost

    db = Database(database_url)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    lease = timedelta(minutes=2)
    try:
        place = db.write_now(conversations.find_or_create, "console", "w", "c", "c", now)
        assert db.write_now(outbox.owe, Owed(place.id, "question", "q2"), now) is not None
        posts = [Owed(place.id, "parent", "p")] + [
            Owed(place.id, "question", key) for key in ("q1", "q2", "q3")
        ]
        statements: list[str] = []

        def counted(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement.split()[0])

        sa.event.listen(db.engine, "before_cursor_execute", counted)
        chain = db.write_now(outbox.owe_leased_in_order, posts, now, "a", lease)
        sa.event.remove(db.engine, "before_cursor_execute", counted)
        assert statements.count("INSERT") == 1 and statements.count("UPDATE") == 1

        stored = {
            row.key: row
            for row in db.read_now(lambda s: list(s.exec(sa.select(OwedPost)).scalars()))
        }
        assert [row.post.key for row in chain] == ["p", "q1", "q3"]
        assert [row.post.id for row in chain] == [stored[key].id for key in ("p", "q1", "q3")]
        assert stored["p"].depends_on is None
        assert stored["q1"].depends_on == stored["p"].id
        assert stored["q3"].depends_on == stored["q1"].id
        assert [row.post.depends_on for row in chain] == [None, stored["p"].id, stored["q1"].id]
        assert [row.after_state for row in chain] == [None, outbox.PENDING, outbox.PENDING]
        for key in ("p", "q1", "q3"):
            assert (stored[key].lease_owner, stored[key].attempts) == ("a", 1)
        assert (stored["q2"].lease_owner, stored["q2"].depends_on) == (None, None)
        # Leased: another instance's claim takes only the row owed before.
        taken = db.write_now(outbox.claim, "b", now, lease, ["console"], 10)
        assert [row.post.key for row in taken] == ["q2"]
    finally:
        db.close()


def test_closing_returns_the_round_as_it_now_is(database_url, model, surveys, tmp_path) -> None:
    """The closing UPDATE returns the round (no read after it): closed, with its members and
    respondents, exactly as a fresh read finds it."""

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.app.core.on_text(Turn(Person("lead"), bot.place, "pulse start"))
        opened = await bot.db.read(rounds.current, bot.place.id)
        assert opened is not None and opened.id is not None and opened.respondents is None
        closed = await bot.db.write(rounds.close, opened.id, bot.clock(), 7)
        assert closed is not None
        assert (closed.members, closed.respondents, closed.closed_at) == (7, 0, bot.clock())
        assert closed == await bot.db.read(rounds.get, opened.id)
        assert await bot.db.write(rounds.close, opened.id, bot.clock(), 7) is None  # once
        bot.close()

    asyncio.run(scenario())
