"""``maturitybot run``: one asyncio process with every configured platform, the scheduler
and one aiohttp server (/slack/events, /api/messages, /healthz, /metrics); or, by its role,
only the platforms' events or only the scheduled work (``bot/roles.py``)."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import signal
import time
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from bot import event_loop
from bot.config import ConfigError, Settings
from bot.metrics import BACKLOG, OLDEST_SECONDS, REQUEST_SECONDS, exposition
from bot.model import Content
from bot.platforms.adapter import PlatformAdapter
from bot.roles import Role
from storage import outbox
from storage.engine import is_sqlite
from storage.lanes import person_waiting

if TYPE_CHECKING:
    from bot.assembly import Assembly

log = logging.getLogger(__name__)
DB_WORKERS = 8
YOUNG_COLLECTION_AFTER = 10_000  # allocations between two young collections (Python: 700)


def check_platform_settings(settings: Settings) -> None:
    """Refuse to start with missing or contradictory settings (exit 2 with one line): at
    least one platform, and each configured platform's own settings complete."""
    if not settings.slack_enabled and not settings.teams_active:
        raise ConfigError(
            "no chat platform configured: set SLACK_BOT_TOKEN (with SLACK_SIGNING_SECRET or "
            "SLACK_APP_TOKEN) for Slack, or MICROSOFT_APP_ID or TEAMS_ENABLED=true for Teams; "
            "`maturitybot chat` needs neither"
        )
    if settings.slack_enabled:
        from bot.platforms.slack.settings import check as check_slack

        check_slack(settings)
    if settings.teams_active:
        from bot.platforms.teams.settings import check as check_teams

        check_teams(settings)


def check_role(settings: Settings, role: Role) -> None:
    """Processes with a role share the work through the database: SQLite's one write lock
    is for one process."""
    if role is not Role.ALL and is_sqlite(settings.database_url):
        raise ConfigError(
            f"--role {role} shares the work with other processes through PostgreSQL: set "
            "DATABASE_URL to postgresql+psycopg://..., or run one process with --role all "
            "(the default) on SQLite"
        )


def run_server(settings: Settings, content: Content, role: Role = Role.ALL) -> int:
    from bot import logs
    from storage.engine import migrate

    check_platform_settings(settings)
    check_role(settings, role)
    loop_factory = event_loop.loop_factory(settings.event_loop)
    logs.configure(settings)
    migrate(settings.database_url)
    _import_ahead(settings)
    _settle_the_garbage_collector()
    event_loop.run(serve(settings, content, role), loop_factory)
    return 0


def _import_ahead(settings: Settings) -> None:
    """Import what ``serve`` builds before the event loop starts: importing runs hundreds of
    modules' code (slack_bolt, APScheduler, our handlers) and, on the loop, holds its first
    turns up for as long (0.1-0.26 s a piece measured)."""
    names = ["bot.assembly", "bot.scheduler"]
    if settings.slack_enabled:
        names.append("bot.platforms.slack.adapter")
    if settings.teams_active:
        names.append("bot.platforms.teams.adapter")
    for name in names:
        importlib.import_module(name)


def _settle_the_garbage_collector() -> None:
    """The modules, the model and the settings live as long as the process: frozen, the
    garbage collector stops walking them. A full collection walked them all and held the
    interpreter for 50-150 ms, a stall of the event loop wherever it happened to run.
    Young collections come after YOUNG_COLLECTION_AFTER allocations instead of 700: in a
    burst, what lives for a post's few seconds (its task, its row, its round) outlived two
    young collections, reached the old generation, and a full collection of it (40-85 ms)
    ran every two to four seconds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


async def serve(settings: Settings, content: Content, role: Role = Role.ALL) -> None:
    from bot.assembly import assemble
    from bot.scheduler import Scheduler
    from storage.engine import Database

    db = Database(settings.database_url, workers=DB_WORKERS)
    bot = assemble(settings, content, db)
    adapters = _adapters(bot, settings)
    app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=[_timed, _person_waiting])
    app["adapters"] = adapters
    app["db"] = db
    app["role"] = role
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    for adapter in adapters:
        bot.serve(adapter.chat)  # every role speaks: events reply, work posts what is owed
        await adapter.start(app, events=role.answers_events)
    app["bot"] = bot
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    # Health is served from here on; signing in to a platform that does not answer must not
    # hold it (nor the scheduler) up: each adapter keeps trying in the background.
    scheduler = Scheduler(bot, [adapter.name for adapter in adapters])
    app["scheduler"] = scheduler
    try:
        for adapter in adapters:
            await adapter.sign_in()
        # After the server: closing overdue rounds and catching up may post for a while, and
        # /healthz and the platforms' events should not wait for that. Without them (role
        # "events"), what a handler owes goes out at once from here, and what is left over
        # (a platform down) is delivered by a process that runs them.
        if role.runs_schedules:
            bot.delivery.start()
            await scheduler.start()
        log.info(
            "listening on %s:%s with %s (role: %s, event loop: %s)",
            settings.host,
            settings.port,
            ", ".join(a.name for a in adapters),
            role,
            event_loop.name(),
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
    finally:
        log.info("shutting down")
        await scheduler.stop()
        await bot.stop()  # the last counts go out while platforms are up
        for adapter in adapters:
            await adapter.stop()
        await runner.cleanup()
        db.close()


def _adapters(bot: Assembly, settings: Settings) -> list[PlatformAdapter]:
    adapters: list[PlatformAdapter] = []
    if settings.slack_enabled:
        from bot.platforms.slack import create as create_slack

        adapters.append(create_slack(bot, settings))
    if settings.teams_active:
        from bot.platforms.teams import create as create_teams

        adapters.append(create_teams(bot, settings))
    return adapters


async def _healthz(request: web.Request) -> web.Response:
    db = request.app["db"]
    bot: Assembly = request.app["bot"]
    platforms = {adapter.name: adapter.health() for adapter in request.app["adapters"]}
    backlog: dict[str, object] = {}
    try:
        owed = await asyncio.wait_for(db.read(outbox.backlog, bot.services.now()), timeout=5)
        database = "ok"
        age = _age(owed, bot.services.now())
        backlog = {"count": owed.count, "oldest_seconds": age}
    except Exception as error:  # the point of a health check is to report, not to crash
        database = f"error: {type(error).__name__}"
        age = 0.0
    scheduler = request.app.get("scheduler")
    role = request.app.get("role", Role.ALL)
    armed = not role.runs_schedules or (scheduler is not None and scheduler.armed.is_set())
    status = "ok"
    if database != "ok":
        status = "unhealthy"
    elif not armed:
        status = "starting"  # serving already; scheduling is still being armed
    elif age > bot.services.settings.delivery.degraded_after.total_seconds():
        status = "degraded"  # still serving: owed posts wait for a platform to answer
    return web.json_response(
        {
            "status": status,
            "role": str(role),
            "database": database,
            "platforms": platforms,
            "backlog": backlog,
        },
        status=503 if status == "unhealthy" else 200,
    )


def _age(owed: outbox.Backlog, now: datetime) -> float:
    return round((now - owed.oldest).total_seconds(), 1) if owed.oldest is not None else 0.0


@web.middleware
async def _timed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Latency of every request by route (the platform's ack time for events)."""
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        REQUEST_SECONDS.labels(name).observe(time.perf_counter() - started)


@web.middleware
async def _person_waiting(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whoever sent a request waits for its answer: its database work goes before the
    background's (storage/lanes.py), and so does that of the tasks it starts (Bolt runs a
    listener in a task of its own, after the ack)."""
    with person_waiting():
        return await handler(request)


async def _metrics(request: web.Request) -> web.Response:
    bot: Assembly = request.app["bot"]
    try:  # the backlog is the database's, so every instance reports the same figures
        owed = await asyncio.wait_for(bot.services.db.read(outbox.backlog, bot.services.now()), 5)
        BACKLOG.set(owed.count)
        OLDEST_SECONDS.set(_age(owed, bot.services.now()))
    except Exception:
        log.warning("metrics: could not read the backlog", exc_info=True)
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})
