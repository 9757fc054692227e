"""The two lanes of database threads (storage/lanes.py): what a person waits for does not
queue behind background work, on SQLite and PostgreSQL, and a platform's request is in the
person's lane from the server's door on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import Session

from bot.server import _person_waiting
from storage import schedules
from storage.engine import Database
from storage.lanes import person_waiting

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
BACKGROUND_WORKERS = 2


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, workers=BACKGROUND_WORKERS)
    yield database
    database.close()


def _thread(_session: Session) -> str:
    return threading.current_thread().name


def test_a_persons_work_does_not_wait_behind_the_background(db) -> None:
    release = threading.Event()

    def held(session: Session) -> bool:  # a long background write, like a burst's
        release.wait(30)
        return schedules.claim(session, f"occurrence:{threading.get_ident()}", "a", NOW)

    async def scenario() -> tuple[set[asyncio.Task[bool]], bool, list[bool]]:
        # Every background thread busy, and more background work queued behind them.
        background = [asyncio.ensure_future(db.write(held)) for _ in range(BACKGROUND_WORKERS + 3)]
        await asyncio.sleep(0.2)
        with person_waiting():
            clicked = asyncio.ensure_future(db.write(schedules.claim, "click", "a", NOW))
        done, _ = await asyncio.wait({clicked}, timeout=10)
        still_held = not any(task.done() for task in background)
        release.set()
        return done, still_held, await asyncio.gather(*background)

    done, still_held, background_results = asyncio.run(scenario())
    assert len(done) == 1 and next(iter(done)).result() is True  # written, not queued
    assert still_held  # ... while the background was still busy
    assert len(background_results) == BACKGROUND_WORKERS + 3  # and nothing of it was lost
    assert db.read_now(schedules.claimed_among, ["click"]) == {"click"}


def test_the_lane_follows_the_tasks_a_person_starts_but_not_a_group_commit(db) -> None:
    async def scenario() -> dict[str, str]:
        seen = {"outside": await db.read(_thread)}
        with person_waiting():
            seen["inside"] = await db.read(_thread)
            started = asyncio.ensure_future(db.read(_thread))  # e.g. Bolt's listener
            # A group commit carries everyone's writes: background, whoever started it.
            seen["grouped"] = await db.write_grouped(_thread)
        seen["started"] = await started
        return seen

    seen = asyncio.run(scenario())
    assert seen["inside"].startswith("db-person") and seen["started"].startswith("db-person")
    assert not seen["outside"].startswith("db-person")
    assert not seen["grouped"].startswith("db-person")


@pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")
def test_a_request_to_the_server_is_in_the_persons_lane(db) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=await request.app["db"].read(_thread))

    async def scenario() -> str:
        app = web.Application(middlewares=[_person_waiting])
        app["db"] = db
        app.router.add_get("/lane", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/lane") as response,
            ):
                return await response.text()
        finally:
            await runner.cleanup()

    assert asyncio.run(scenario()).startswith("db-person")
