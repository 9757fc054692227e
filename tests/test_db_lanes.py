"""The database threads take a person's work first (storage/lanes.py), on SQLite and
PostgreSQL: what a person waits for does not queue behind background work, the mark follows
the tasks a request starts, a group commit stays background work, and a platform's request
is a person's from the server's door on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import Session

from bot.server import _person_waiting
from storage import schedules
from storage.engine import Database
from storage.lanes import PeopleFirst, person_waiting

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
WORKERS = 1  # one thread: the order it takes the work in is the order it ran


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, workers=WORKERS)
    yield database
    database.close()


class Ran:
    """Database work that notes the order in which the threads ran it."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.release = threading.Event()

    def held(self, session: Session) -> None:  # a long background write, like a burst's
        self.release.wait(30)

    def noting(self, name: str) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            claimed = schedules.claim(session, f"occurrence:{name}", "a", NOW)
            self.order.append(name)
            return f"{name}:{claimed}"

        return work


async def _with_every_thread_busy(
    db: Database, ran: Ran, queue: Callable[[], Awaitable[list[Any]]]
) -> list[Any]:
    """Hold every thread, let ``queue`` queue its work meanwhile, then let all of it run."""
    holding = [asyncio.ensure_future(db.write(ran.held)) for _ in range(WORKERS)]
    await asyncio.sleep(0.2)
    queued = asyncio.ensure_future(queue())
    await asyncio.sleep(0.3)  # everything queued, nothing run
    assert ran.order == []
    ran.release.set()
    await asyncio.gather(*holding)
    return list(await queued)


def test_a_persons_work_goes_before_the_background_queued_earlier(db) -> None:
    ran = Ran()

    async def queue() -> list[Any]:
        background = [asyncio.ensure_future(db.write(ran.noting(f"b{n}"))) for n in range(4)]
        await asyncio.sleep(0.1)
        with person_waiting():
            clicked = asyncio.ensure_future(db.write(ran.noting("click")))
        return list(await asyncio.gather(*background, clicked))

    results = asyncio.run(_with_every_thread_busy(db, ran, queue))
    assert ran.order[0] == "click"  # the threads took it first, though it came last
    assert sorted(ran.order[1:]) == ["b0", "b1", "b2", "b3"]  # and lost nothing
    assert results == ["b0:True", "b1:True", "b2:True", "b3:True", "click:True"]
    keys = [f"occurrence:{name}" for name in ("b0", "b1", "b2", "b3", "click")]
    assert db.read_now(schedules.claimed_among, keys) == set(keys)


def test_the_mark_follows_the_tasks_a_person_starts_but_not_a_group_commit(db) -> None:
    ran = Ran()

    async def queue() -> list[Any]:
        waiting = [asyncio.ensure_future(db.write(ran.noting("background")))]
        with person_waiting():
            # A task started by a person's request (Bolt's listener, say) is theirs too...
            waiting.append(asyncio.ensure_future(db.write(ran.noting("started"))))
            # ... but a group commit carries everyone's writes: background, whoever began it.
            waiting.append(asyncio.ensure_future(db.write_grouped(ran.noting("grouped"))))
        await asyncio.sleep(0.1)
        return list(await asyncio.gather(*waiting))

    asyncio.run(_with_every_thread_busy(db, ran, queue))
    assert ran.order == ["started", "background", "grouped"]  # the last two as they came


@pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
def test_a_request_to_the_server_is_a_persons(db) -> None:
    ran = Ran()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=await request.app["db"].write(ran.noting("request")))

    async def queue() -> list[Any]:
        app = web.Application(middlewares=[_person_waiting])
        app["db"] = db
        app.router.add_get("/answer", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        background = asyncio.ensure_future(db.write(ran.noting("background")))
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/answer") as response,
            ):
                return [await response.text(), await background]
        finally:
            await runner.cleanup()

    async def scenario() -> list[Any]:
        return await _with_every_thread_busy(db, ran, queue)

    assert asyncio.run(scenario()) == ["request:True", "background:True"]
    assert ran.order == ["request", "background"]


def test_the_threads_finish_what_was_queued_and_then_refuse_more() -> None:
    pool = PeopleFirst(2, name="test")
    release = threading.Event()
    futures = [pool.submit(release.wait, 5) for _ in range(5)]
    failing = pool.submit(int, "not a number")
    release.set()
    pool.shutdown(wait=True)
    assert [future.result() for future in futures] == [True] * 5
    assert isinstance(failing.exception(), ValueError)  # the caller's, not the thread's
    with pytest.raises(RuntimeError):
        pool.submit(int, "1")
