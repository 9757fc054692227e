"""/healthz says "starting" while scheduling is being armed, "ok" once it is: events are
served from the first moment, and an operator can tell the two apart."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from harness import make_bot

from bot.scheduler import Scheduler
from bot.server import _healthz

# The server keys its application by name, as bot/server.py does.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")


def test_health_is_starting_until_scheduling_is_armed(database_url, model, surveys, tmp_path):
    async def scenario() -> list[tuple[int, str]]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        scheduler = Scheduler(bot.app, ["console"])
        app = web.Application()
        app["adapters"], app["db"], app["scheduler"] = [], bot.db, scheduler
        app["bot"] = bot.app
        app.router.add_get("/healthz", _healthz)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        seen = []
        async with aiohttp.ClientSession() as session:

            async def health() -> None:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    seen.append((response.status, (await response.json())["status"]))

            await health()
            await scheduler.start()
            await scheduler.armed.wait()
            await health()
        await scheduler.stop()
        await runner.cleanup()
        bot.close()
        return seen

    assert asyncio.run(scenario()) == [(200, "starting"), (200, "ok")]
