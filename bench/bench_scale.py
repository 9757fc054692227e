"""Benchmark: an organisation of thousands of channels (issue 15), with the fake Slack on
loopback and real `maturitybot run` processes.

(a) burst     N pulses scheduled for the same second, on one and on two instances (PostgreSQL):
              time from the due second to the last question posted, from the first closing
              time to the last summary, the longest event-loop stall of any instance and
              how many stalls of all instances were over 100 ms; meanwhile people click
              another channel's round (--burst-clicks a second): how long until each click
              is confirmed, and how many got no ack or no confirmation. --split runs each
              instance as an events and a work process (maturitybot run --role) and
              reports the events processes' stalls apart;
              --nice-work N runs the work processes at a lower CPU priority. The CPU each
              part used meanwhile: the bots, the fake Slack and, when it runs on this
              machine, PostgreSQL. Each channel has --history-weeks earlier weekly rounds
              (default 4; 0: a new organisation).
(b) restart   S schedules and R open rounds (some overdue): time until /healthz answers and
              until it says "ok" (scheduling armed), when the overdue rounds are closed, and
              the longest stall meanwhile.
(c) retention a backlog of A old answers (SQLite, the engine with one write lock) deleted by a
              housekeeping process while people click: click latency p50/p99 (click sent ->
              the private confirmation at the fake Slack), with and without retention running.

Stalls come from a probe task inside each bot process that sleeps 5 ms and records how late it
woke. Goals: burst <= 10 s on two instances with no stall over 100 ms; a restart serves within
2 s and arms within 10 s; click p99 < 50 ms during retention.

Small sizes by default (a quick run); the figures in the README used
    python bench/bench_scale.py --burst 5000 --schedules 10000 --open-rounds 5000 \
        --answers 1000000
PostgreSQL from BENCH_DATABASE_URL or TEST_DATABASE_URL (a schema per run, dropped after).
What a stall is made of, in the bots' logs (kept in BENCH_LOGS=dir): BENCH_WATCHDOG=0.1 prints
the event loop's stack during each stall, BENCH_GC=0.02 each longer garbage collection,
BENCH_PROFILE=file.prof (or .yappi) profiles the process. EVENT_LOOP (asyncio, uvloop) reaches
the bots, to compare the two loops.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "slack")]

PROBE_SECONDS = 0.005
STALL_NOTED = 0.02  # lags above this are kept with their time
STALL_GOAL = 0.1  # the goal: no stall longer than this
QUESTIONS = 5  # the default survey asks one question per aspect
TEAM = "T0001"
LOOK_EVERY = 0.5  # seconds between two looks at the database while a run goes on


# --- inside a bot process -------------------------------------------------------------------


def serve_with_probe() -> int:
    """`maturitybot run` with a loop-lag probe (and cProfile when BENCH_PROFILE is set)."""
    import asyncio

    import bot.server as server
    from bot.cli import main

    original = server.serve
    probe_path = Path(os.environ["BENCH_PROBE"])

    async def probe() -> None:
        worst, noted, long, last_write = 0.0, [], [], 0.0
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            lag = loop.time() - before - PROBE_SECONDS
            worst = max(worst, lag)
            if lag > STALL_NOTED:
                noted.append((time.time(), lag))
            if lag > STALL_GOAL:  # all of them (the last 2,000 noted may not reach back)
                long.append((time.time(), lag))
            if loop.time() - last_write > 0.25:
                state = {"worst": worst, "noted": noted[-2000:], "long": long[-20_000:]}
                probe_path.write_text(json.dumps(state))
                last_write = loop.time()

    async def serve(settings: Any, content: Any, role: Any) -> None:
        loop = asyncio.get_running_loop()
        if os.environ.get("BENCH_SLOW"):  # name what stalls the loop (asyncio's debug mode)
            loop.set_debug(True)
            loop.slow_callback_duration = float(os.environ["BENCH_SLOW"])
        if os.environ.get("BENCH_WATCHDOG"):
            _watchdog(loop, float(os.environ["BENCH_WATCHDOG"]))
        task = loop.create_task(probe())
        try:
            await original(settings, content, role)
        finally:
            task.cancel()

    if os.environ.get("BENCH_GC"):
        _gc_watch(float(os.environ["BENCH_GC"]))
    if os.environ.get("BENCH_DBSTATS"):
        _db_stats(Path(os.environ["BENCH_DBSTATS"]))
    server.serve = serve
    command = ["run", "--role", os.environ.get("BENCH_ROLE", "all")]
    profile_path = os.environ.get("BENCH_PROFILE")
    if not profile_path:
        return main(command)
    if profile_path.endswith(".yappi"):  # CPU of every thread (the database's too)
        import yappi

        yappi.set_clock_type("cpu")
        yappi.start()
        try:
            return main(command)
        finally:
            yappi.stop()
            yappi.get_func_stats().save(profile_path, type="pstat")
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return main(command)
    finally:
        profiler.disable()
        profiler.dump_stats(profile_path)


def _db_stats(path: Path) -> None:
    """Per unit of database work (by function): how many, how long each waited for a
    database thread and how long it ran, and how many of each statement (its first words);
    written to ``path`` every second (one file per process: ``path`` with the pid)."""
    import storage.engine as engine

    path = path.with_name(f"{path.stem}.{os.getpid()}{path.suffix}")

    stats: dict[str, list[float]] = {}
    lock = threading.Lock()
    last = [0.0]

    def timed(run: Any) -> Any:
        def wrapped(self: Any, work: Any, *args: Any) -> Any:
            started = time.perf_counter()
            try:
                return run(self, work, *args)
            finally:
                took = time.perf_counter() - started
                name = getattr(work, "__qualname__", repr(work))
                with lock:
                    entry = stats.setdefault(name, [0, 0.0])
                    entry[0] += 1
                    entry[1] += took
                    if started - last[0] > 1:
                        last[0] = started
                        path.write_text(json.dumps(stats, indent=0, sort_keys=True))

        return wrapped

    statements: dict[str, int] = {}

    def counted(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        shape = " ".join(statement.split())[:120]
        with lock:
            statements[shape] = statements.get(shape, 0) + 1
            stats["statements"] = statements  # type: ignore[assignment]

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", counted)
    engine.Database.read_now = timed(engine.Database.read_now)  # type: ignore[method-assign]
    engine.Database.write_now = timed(engine.Database.write_now)  # type: ignore[method-assign]


def _watchdog(loop: Any, seconds: float) -> None:
    """A thread that prints the event loop thread's stack whenever the loop has not run a
    callback for ``seconds``: what a stall is made of."""
    import traceback

    main = threading.get_ident()
    beat = [time.monotonic()]

    def tick() -> None:
        beat[0] = time.monotonic()
        loop.call_later(0.002, tick)

    def watch() -> None:
        while True:
            time.sleep(seconds / 2)
            late = time.monotonic() - beat[0]
            if late > seconds:
                frame = sys._current_frames().get(main)
                stack = "".join(traceback.format_stack(frame, limit=12)) if frame else ""
                at = time.strftime("%H:%M:%S", time.localtime())
                print(f"STALL {late * 1000:.0f} ms at {at}\n{stack}", file=sys.stderr, flush=True)

    loop.call_soon(tick)
    threading.Thread(target=watch, daemon=True).start()


def _gc_watch(seconds: float) -> None:
    """Print each garbage collection that takes longer than ``seconds``: it holds the
    interpreter, so it stalls the event loop from whichever thread triggered it."""
    import gc

    began = [0.0]

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        took = time.perf_counter() - began[0]
        if took > seconds:
            at = time.strftime("%H:%M:%S", time.localtime())
            line = f"GC generation {info['generation']} {took * 1000:.0f} ms at {at}"
            print(line, file=sys.stderr, flush=True)

    gc.callbacks.append(note)


def housekeep(url: str, days: int) -> None:
    """One housekeeping run, as the daily job of another instance would do it."""
    import asyncio
    from dataclasses import replace

    from bot.assembly import assemble
    from bot.config import load_settings
    from bot.model import load_content, load_model
    from bot.scheduler import Scheduler
    from storage.engine import Database

    settings = replace(load_settings(), database_url=url, pulse_retention_days=days)
    model = load_model(settings.content_path, settings.cache_dir)
    content = load_content(settings.content_path, settings.cache_dir, model)

    async def run() -> None:
        db = Database(url, workers=2)
        bot = assemble(settings, content, db)
        started = time.perf_counter()
        if os.environ.get("BENCH_ONE_DELETE"):  # the way it was: one statement, one lock
            cutoff = datetime.now(UTC) - timedelta(days=days)
            await db.write(
                lambda session: session.execute(
                    sa.text(
                        "DELETE FROM answer WHERE answered_at < :cutoff AND round_id IN"
                        " (SELECT id FROM pulse_round WHERE closed_at IS NOT NULL)"
                    ),
                    {"cutoff": cutoff},
                )
            )
        else:
            await Scheduler(bot, ["slack"]).housekeeping()
        print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
        db.close()

    asyncio.run(run())


# --- around the processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


class Fake:
    """The fake Slack in its own process (a busy bot must not share its GIL with us)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = (workdir / "fake.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "slack" / "slack_fake.py"), str(self.port)],
            stdout=log,
            stderr=log,
        )
        for _ in range(100):
            try:
                get(f"{self.url}/_calls/auth.test?count=1", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the fake Slack did not start")

    def count(self, method: str, channel: str | None = None) -> int:
        only = f"&channel={channel}" if channel else ""
        return int(get(f"{self.url}/_calls/{method}?count=1{only}", timeout=30)[1]["count"])

    def calls(self, method: str, channel: str | None = None) -> list[dict[str, Any]]:
        only = f"?channel={channel}" if channel else ""
        return list(get(f"{self.url}/_calls/{method}{only}", timeout=60)[1])

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Instance:
    """A `maturitybot run` process (``role``: all, or events / work when an instance is split
    in two)."""

    def __init__(
        self,
        fake: Fake,
        url: str,
        workdir: Path,
        name: str,
        role: str = "all",
        nice: int = 0,
        **extra: str,
    ) -> None:
        from slack_sender import SECRET

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.probe = workdir / f"probe-{name}.json"
        env = {key: value for key, value in os.environ.items() if not _is_setting(key)}
        env.update(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench-0000",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.url + "/api/",
                "DATABASE_URL": url,
                "PORT": str(self.port),
                "MATURITYBOT_ADMINS": "UADMIN",
                "LOG_LEVEL": "WARNING",
                "BENCH_PROBE": str(self.probe),
                "BENCH_ROLE": role,
                **extra,
            }
        )
        log = (workdir / f"bot-{name}.log").open("wb")
        self.started = time.time()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=log,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,  # a lower CPU priority
        )
        self.log = workdir / f"bot-{name}.log"
        self.role = role

    def wait(self, status: str = "ok", timeout: float = 120) -> float:
        """Seconds from launch until /healthz answers with ``status`` (any status: "any")."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot exited:\n{self.log.read_text()[-3000:]}")
            try:
                _code, body = get(self.url + "/healthz", timeout=1)
                if status == "any" or (body and body.get("status") == status):
                    return time.time() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"no /healthz {status} within {timeout} s")

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.process.pid)

    def stalls(self, since: float = 0.0, until: float = float("inf")) -> float:
        """The longest stall between ``since`` and ``until`` (NaN: the probe left nothing)."""
        lags = self._lags("noted", since, until)
        return float("nan") if lags is None else max(lags, default=0.0)

    def long_stalls(self, since: float = 0.0, until: float = float("inf")) -> int:
        """How many stalls between ``since`` and ``until`` were longer than STALL_GOAL."""
        return len(self._lags("long", since, until) or [])

    def _lags(self, kind: str, since: float, until: float) -> list[float] | None:
        try:
            data = json.loads(self.probe.read_text())
        except (OSError, ValueError):
            return None
        return [lag for at, lag in data[kind] if since <= at <= until]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if os.environ.get("BENCH_LOGS"):  # keep the bot's log (the run's folder goes)
            kept = Path(os.environ["BENCH_LOGS"])
            kept.mkdir(parents=True, exist_ok=True)
            (kept / self.log.name).write_bytes(self.log.read_bytes())


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system, all threads) a process has used so far (Linux' /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server on this machine: every ``postgres`` process, and
    for the server's own process also its children that have exited (backends come and go
    with connections); NaN where none runs here."""
    processes: dict[str, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue  # it exited meanwhile: its parent counts it from now on
        if head.endswith("(postgres"):
            processes[stat.parent.name] = rest.split()
    ticks = 0
    for fields in processes.values():
        ticks += int(fields[11]) + int(fields[12])
        if fields[1] not in processes:  # the server itself
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK") if processes else float("nan")


def _is_setting(key: str) -> bool:
    prefixes = ("SLACK_", "MICROSOFT_", "MATURITYBOT_", "PULSE_", "DATABASE_URL", "TEAMS_")
    return key.startswith(prefixes)


@contextmanager
def postgres() -> Iterator[str]:
    from conftest import with_schema
    from storage.engine import migrate, normalise_url

    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = with_schema(base, schema)
    try:
        migrate(url)
        yield url
    finally:
        _forget_engine(url)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _conversations(connection: sa.Connection, count: int) -> list[int]:
    now = datetime.now(UTC)
    connection.execute(
        sa.text(
            "INSERT INTO conversation (platform, workspace, channel, name, timezone, created_at)"
            " VALUES ('slack', :team, :channel, :name, 'UTC', :now)"
        ),
        [{"team": TEAM, "channel": f"C{n:06}", "name": f"c{n}", "now": now} for n in range(count)],
    )
    return list(connection.execute(sa.text("SELECT id FROM conversation ORDER BY id")).scalars())


def _schedules(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO schedule (conversation_id, kind, days, hour, minute, second, timezone,"
            " template, close_after_minutes, created_by, created_at) VALUES (:c, 'pulse',"
            " :days, :hour, :minute, :second, 'UTC', NULL, :close, 'UADMIN', :created)"
        ),
        rows,
    )
    if connection.dialect.name == "postgresql":
        # Seeded in one go, the tables have no statistics yet (autovacuum analyses them within
        # a minute or so; a real organisation's grew over months): without them the planner
        # takes every channel for one row and the deliverer's claim loops over all of them.
        connection.execute(sa.text("ANALYZE"))


def _rounds(
    connection: sa.Connection,
    conversation_ids: list[int],
    closes: list[datetime],
    closed: datetime | None = None,
    opened: datetime | None = None,
) -> list[int]:
    from bot.model import load_model, load_surveys

    opened = opened or datetime.now(UTC) - timedelta(hours=1)
    # Each round's parent and questions were posted before the restart: a round without a
    # parent post is withdrawn at closing time, not closed (nobody saw it).
    connection.execute(
        sa.text(
            "INSERT INTO pulse_round (conversation_id, template, week, language, opened_by,"
            " opened_at, closes_at, closed_at, parent_ref) VALUES (:c, 'quick', 48, 'en',"
            " 'UADMIN', :o, :closes, :closed, :parent)"
        ),
        [
            {"c": c, "o": opened, "closes": at, "closed": closed, "parent": _ref(c, 0)}
            for c, at in zip(conversation_ids, closes, strict=True)
        ],
    )
    ids = list(
        connection.execute(
            sa.text("SELECT id FROM pulse_round WHERE opened_at = :o ORDER BY id"), {"o": opened}
        ).scalars()
    )
    survey = load_surveys(load_model()).get(load_surveys(load_model()).default)
    assert survey is not None
    connection.execute(
        sa.text(
            "INSERT INTO round_question (round_id, question_id, question_version, aspect,"
            " position, text, options, message_ref) VALUES (:r, :q, :v, :a, :p, :t, :o, :m)"
        ),
        [
            {
                "m": _ref(r, p + 1),
                "r": r,
                "q": q.id,
                "v": q.version,
                "a": q.aspect,
                "p": p,
                "t": q.text,
                "o": json.dumps(list(q.options)),
            }
            for r in ids
            for p, q in enumerate(survey.questions)
        ],
    )
    return ids


def _history(
    connection: sa.Connection, conversation_ids: list[int], weeks: int, before: datetime
) -> None:
    """``weeks`` earlier weekly rounds in each channel, closed, with their scores and the
    posts they owed (delivered, as the deliverer leaves them): an organisation that has run
    for a while. Its tables are not empty when the burst comes (the planner's choices), and
    each summary reads last week's figures to compare with, as in use."""
    from bot.model import load_model, load_surveys

    survey = load_surveys(load_model()).get(load_surveys(load_model()).default)
    assert survey is not None
    by_aspect: dict[str, list[str]] = {}
    for q in survey.questions:
        by_aspect.setdefault(q.aspect, []).append(f"{q.id}@{q.version}")
    for week in range(1, weeks + 1):
        opened = before - timedelta(days=7 * week)
        closed = opened + timedelta(hours=1)
        count = len(conversation_ids)
        round_ids = _rounds(connection, conversation_ids, [closed] * count, closed, opened)
        connection.execute(
            sa.text(
                "INSERT INTO round_score (round_id, aspect, responses, scored, mean, median,"
                " level_1, level_2, level_3, level_4, questions) VALUES (:r, :a, 8, 7, 2.4,"
                " 2.0, 2, 2, 2, 1, :q)"
            ),
            [
                {"r": r, "a": aspect, "q": ",".join(sorted(ids))}
                for r in round_ids
                for aspect, ids in by_aspect.items()
            ],
        )
        posts = [
            (c, r, kind, question, key, ref)
            for c, r in zip(conversation_ids, round_ids, strict=True)
            for kind, question, key, ref in [
                ("parent", None, f"parent:{r}", _ref(c, 0)),
                *(
                    ("question", q.id, f"question:{r}:{q.id}", _ref(r, p + 1))
                    for p, q in enumerate(survey.questions)
                ),
                ("summary", None, f"summary:{r}", _ref(r, 9)),
            ]
        ]
        connection.execute(
            sa.text(
                "INSERT INTO owed_post (conversation_id, kind, round_id, question_id, payload,"
                " key, created_at, next_attempt_at, attempts, state, message_ref, finished_at)"
                " VALUES (:c, :kind, :r, :q, '{}', :key, :at, :at, 1, 'delivered', :ref, :at)"
            ),
            [
                {"c": c, "r": r, "kind": kind, "q": q, "key": key, "ref": ref, "at": opened}
                for c, r, kind, q, key, ref in posts
            ],
        )


def _ref(number: int, post: int) -> str:
    """A stored message reference (a MessageRef's JSON) of a post made before the run."""
    return json.dumps([f"C{number:06}", f"1700000000.{number:06}{post}"])


_engines: dict[str, sa.Engine] = {}


def _engine(url: str) -> sa.Engine:
    """One engine, and so one pooled connection, per database for all the benchmark's looks:
    a look must not cost the cores it measures (a new connection per look, ten a second,
    forked a PostgreSQL backend each time and cost PostgreSQL seconds of CPU in a burst)."""
    if url not in _engines:
        _engines[url] = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    return _engines[url]


def _forget_engine(url: str) -> None:
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _scalar(url: str, sql: str) -> int:
    return int(_first(url, sql))


# --- (a) the same-minute burst ------------------------------------------------------------


def burst(
    count: int,
    instances: int,
    lead: float,
    window: int = 1,
    split: bool = False,
    clicks: float = 0,
    nice_work: int = 0,
    history_weeks: int = 0,
) -> dict[str, Any]:
    """``split``: each instance is two processes, ``--role events`` and ``--role work``
    (``nice_work``: the work process at this lower CPU priority, as `nice -n` would).
    ``clicks``: people answer a round in one more channel this many times a second, through
    the first instance (its events process), from the due second to the last summary."""

    with postgres() as url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            ids = _conversations(connection, count + 1)  # the last one: where people click
            _history(connection, ids[:count], history_weeks, due)
            _schedules(
                connection,
                [
                    {
                        "c": c,
                        "days": "mon,tue,wed,thu,fri,sat,sun",
                        "hour": due.hour,
                        "minute": due.minute,
                        "second": due.second,
                        "close": window,
                        "created": due - timedelta(days=1),
                    }
                    for c in ids[:count]
                ],
            )
        engine.dispose()
        # The rounds and posts of this run come after the seeded history: an id range is a
        # look along the primary key, where a time range read every seeded row.
        recent = f"id > {_scalar(url, 'SELECT coalesce(max(id), 0) FROM pulse_round')}"
        recent_owed = f"id > {_scalar(url, 'SELECT coalesce(max(id), 0) FROM owed_post')}"
        clicked = f"C{count:06}"
        extra_rounds = 1 if clicks else 0  # the round people click, opened before the burst
        fake = Fake(workdir)
        roles = ["events", "work"] if split else ["all"]
        bots = [
            Instance(fake, url, workdir, f"b{n}{role[0]}", role, nice_work if role == "work" else 0)
            for n in range(instances)
            for role in roles
        ]
        answering = [b for b in bots if b.role != "work"]  # the loops that ack the platforms
        clicker, clicked_during = None, list[Clicks]()
        try:
            for bot in bots:
                bot.wait("ok")
            if clicks:
                clicker = _round_to_click(answering[0].url, fake, clicked)
            if time.time() > due.timestamp():
                raise RuntimeError("the instances armed after the due second: raise --lead")
            cpu_before = [b.cpu_seconds() for b in bots] + [fake.cpu_seconds()]
            postgres_before = _postgres_cpu_seconds()
            done = threading.Event()
            if clicker is not None:
                time.sleep(max(0.0, due.timestamp() - time.time()))
                worker = threading.Thread(
                    target=lambda: clicked_during.append(clicker.run(clicks, until=done.is_set))
                )
                worker.start()
            target = count * QUESTIONS
            # A question given up (its round closed first: a slow machine, one-minute
            # rounds) is settled too; it is reported, and it gets no closed card.
            given_up = (
                "SELECT count(*) FROM owed_post WHERE kind = 'question'"
                f" AND state = 'given_up' AND {recent_owed}"
            )
            # Out (its message recorded in the transaction that marks it) or given up.
            settled = (
                "SELECT count(*) FROM owed_post WHERE kind = 'question'"
                f" AND state != 'pending' AND {recent_owed}"
            )
            _wait(
                lambda: _scalar(url, settled) >= target + QUESTIONS * extra_rounds,
                due.timestamp() + 600,
            )
            # When the last one was marked, from the row: the look above comes every half second.
            last_question = (
                f"SELECT max(finished_at) FROM owed_post WHERE kind = 'question' AND {recent_owed}"
            )
            opened_at = _moment(_first(url, last_question))
            first_close = _moment(
                _first(url, f"SELECT min(closes_at) FROM pulse_round WHERE {recent}")
            )
            summaries = (
                "SELECT count(*) FROM owed_post WHERE kind = 'summary'"
                f" AND state != 'pending' AND {recent_owed}"
            )

            def cards() -> int:  # the closed cards: each summary edits its round's questions
                return fake.count("chat.update") - fake.count("chat.update", clicked)

            def cards_done() -> bool:
                return cards() >= target - _scalar(url, given_up)

            closed_at = _wait(
                lambda: (
                    _scalar(
                        url,
                        "SELECT count(*) FROM pulse_round"
                        f" WHERE closed_at IS NOT NULL AND {recent}",
                    )
                    >= count
                    and _scalar(url, summaries) >= count
                    and cards_done()
                ),
                first_close + 600,
                quiet_after=lambda: _scalar(url, summaries) >= count,
            )
            # A question whose delivered mark was still on its way when its round's summary
            # went out keeps its buttons (a click on it is told the round closed): counted.
            cards_missing = max(0, target - _scalar(url, given_up) - cards())
            done.set()
            if clicker is not None:
                worker.join()
            since = due.timestamp() - 1

            def worst(group: list[Instance], until: float = closed_at) -> float:
                return round(max(b.stalls(since, until) for b in group) * 1000, 1)

            stalls = {
                "worst_stall_ms_opening": worst(bots, opened_at),
                "worst_stall_ms": worst(bots),
                # One number for how often, beside the worst: a rare spike or the loop's usual
                # state.
                "stalls_over_100_ms": sum(b.long_stalls(since, closed_at) for b in bots),
            }
            if split:  # the loops that answer Slack, apart from those that do the burst
                stalls["worst_stall_ms_events"] = worst(answering)
                stalls["stalls_over_100_ms_events"] = sum(
                    b.long_stalls(since, closed_at) for b in answering
                )
            cpu_after = [b.cpu_seconds() for b in bots] + [fake.cpu_seconds()]
            postgres_cpu = _postgres_cpu_seconds() - postgres_before
            posts = fake.count("chat.postMessage") - fake.count("chat.postMessage", clicked)
            rounds = _scalar(url, f"SELECT count(*) FROM pulse_round WHERE {recent}") - extra_rounds
            questions_given_up = _scalar(url, given_up)
            shares = sorted(_split(url))
            timeline = _timeline(url, due, recent_owed)
        finally:
            for bot in bots:
                bot.stop()
            fake.stop()
        found: dict[str, Any] = {
            "pulses": count,
            "instances": instances,
            "processes_per_instance": len(roles),
            "nice_work": nice_work,
            "history_weeks": history_weeks,
            "open_seconds": round(opened_at - due.timestamp(), 2),
            "close_seconds": round(closed_at - first_close, 2),
            **stalls,
            # CPU from the due second to the last summary: what the burst costs, wherever it ran
            "cpu_seconds_bots": round(sum(cpu_after[:-1]) - sum(cpu_before[:-1]), 1),
            "cpu_seconds_fake_slack": round(cpu_after[-1] - cpu_before[-1], 1),
            "cpu_seconds_postgres": round(postgres_cpu, 1),
            "rounds": rounds,
            "opened_per_instance": shares,
            "posts": posts,
            "posts_expected": count * (QUESTIONS + 2),
            "questions_given_up": questions_given_up,  # their round closed before they went
            "closed_cards_missing": cards_missing,
            "seconds_to_half_and_all_by_kind": timeline,
        }
        if clicked_during:  # click sent -> its private confirmation at the fake Slack
            found |= clicked_during[0].figures("clicks", "click_")
        return found


def _round_to_click(bot_url: str, fake: Fake, channel: str) -> _Clicker:
    """A round started by command in ``channel`` (its posts out), and a clicker for it."""
    from slack_fake import Call
    from slack_sdk.signature import SignatureVerifier
    from slack_sender import SECRET, click

    verifier = SignatureVerifier(SECRET)
    _command(bot_url, verifier, channel, "pulse start")
    _wait(lambda: fake.count("chat.postMessage", channel) >= 1 + QUESTIONS, time.time() + 60)
    posted = [
        Call("chat.postMessage", c["params"], None, response=c["response"])
        for c in fake.calls("chat.postMessage", channel)
        if c["params"].get("thread_ts")
    ]
    action = next(
        e["action_id"]
        for b in posted[0].blocks()
        for e in b.get("elements", [])
        if str(e.get("action_id", "")).startswith("pulse_answer")
    )
    return _Clicker(bot_url, fake, verifier, posted[0], action, click)


def _timeline(url: str, due: datetime, recent_owed: str) -> dict[str, list[float]]:
    """When the owed posts of each kind were delivered, in seconds from the due second:
    half of them, and all (does the opening or the pacing hold the burst back?)."""
    with _engine(url).connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT kind,"
                " percentile_cont(0.5) WITHIN GROUP (ORDER BY finished_at - created_at),"
                f" max(finished_at) FROM owed_post WHERE {recent_owed} GROUP BY kind"
            )
        ).all()
    # the median from when each was owed, the last from the due second
    return {
        kind: [round(half.total_seconds(), 2), round(last.timestamp() - due.timestamp(), 2)]
        for kind, half, last in rows
        if half is not None and last is not None
    }


def _moment(stored: Any) -> float:
    """A stored time (UTC, with or without its zone) as seconds since the epoch."""
    moment = datetime.fromisoformat(str(stored))
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()


def _split(url: str) -> list[int]:
    """How many occurrences each instance claimed: is the burst shared?"""
    with _engine(url).connect() as connection:
        counts = connection.execute(
            sa.text("SELECT count(*) FROM occurrence WHERE key LIKE 'pulse:%' GROUP BY instance")
        ).scalars()
        return [int(n) for n in counts]


def _first(url: str, sql: str) -> Any:
    with _engine(url).connect() as connection:
        return connection.execute(sa.text(sql)).scalar_one()


def _wait(done: Any, deadline: float, every: float = LOOK_EVERY, quiet_after: Any = None) -> float:
    """Poll until ``done()``; the wall time it first held. ``quiet_after``: once it holds,
    give ``done`` 30 s more and then go on (the caller reports what is missing)."""
    settled: float | None = None
    while time.time() < deadline:
        if done():
            return time.time()
        if quiet_after is not None and settled is None and quiet_after():
            settled = time.time()
        if settled is not None and time.time() - settled > 30:
            return settled
        time.sleep(every)
    raise RuntimeError("timed out")


# --- (b) restart ----------------------------------------------------------------------------


def restart(schedules: int, open_rounds: int, overdue: int) -> dict[str, Any]:
    with postgres() as url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        now = datetime.now(UTC)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            ids = _conversations(connection, schedules)
            days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            _schedules(
                connection,
                [
                    {
                        "c": c,
                        "days": days[n % 7],
                        "hour": (now.hour + 2 + n % 20) % 24,
                        "minute": n % 60,
                        "second": 0,
                        "close": 60 * 24,
                        "created": now - timedelta(days=30),
                    }
                    for n, c in enumerate(ids)
                ],
            )
            closes = [
                now - timedelta(minutes=5) if n < overdue else now + timedelta(hours=1 + n % 48)
                for n in range(open_rounds)
            ]
            _rounds(connection, ids[:open_rounds], closes)
        engine.dispose()
        fake = Fake(workdir)
        bot = Instance(fake, url, workdir, "r")
        try:
            serve = bot.wait("any")
            armed = bot.wait("ok")
            print(f"restart: armed at {time.strftime('%H:%M:%S')}", file=sys.stderr, flush=True)
            done = _wait(
                lambda: (
                    _scalar(url, "SELECT count(*) FROM pulse_round WHERE closed_at IS NOT NULL")
                    >= overdue
                ),
                time.time() + 600,
                every=0.1,  # a figure of seconds: looked at closely, over one connection
            )
            stall = bot.stalls(bot.started, bot.started + armed)
            stall_all = bot.stalls(bot.started, done)
        finally:
            bot.stop()
            fake.stop()
        return {
            "schedules": schedules,
            "open_rounds": open_rounds,
            "overdue": overdue,
            "serve_seconds": round(serve, 2),
            "armed_seconds": round(armed, 2),
            "overdue_closed_seconds": round(done - bot.started, 2),
            "worst_stall_ms_until_armed": round(stall * 1000, 1),
            "worst_stall_ms_until_closed": round(stall_all * 1000, 1),
        }


# --- (c) retention while people click -----------------------------------------------------


def retention(answers: int, clicks_per_second: float, one_delete: bool = False) -> dict[str, Any]:
    from storage.engine import migrate

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "bench.db"
        url = f"sqlite:///{path}"
        migrate(url)
        people = 1000
        rounds = max(answers // (people * QUESTIONS), 1)
        old = datetime.now(UTC) - timedelta(days=400)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            ids = _conversations(connection, rounds + 1)
            round_ids = _rounds(connection, ids[:rounds], [old] * rounds, closed=old, opened=old)
        engine.dispose()
        _answers_sqlite(path, round_ids, people, old)
        total = _scalar(url, "SELECT count(*) FROM answer")

        fake = Fake(workdir)
        bot = Instance(fake, url, workdir, "c")
        try:
            bot.wait("ok")
            clicker = _round_to_click(bot.url, fake, f"C{rounds:06}")
            calm = clicker.run(seconds=5, rate=clicks_per_second)
            env = {k: v for k, v in os.environ.items() if not _is_setting(k)}
            if one_delete:
                env["BENCH_ONE_DELETE"] = "1"
            keeper = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--housekeep", url],
                stdout=subprocess.PIPE,
                env=env,
            )
            busy = clicker.run(until=lambda: keeper.poll() is not None, rate=clicks_per_second)
            out = keeper.communicate()[0].decode()
            seconds = json.loads(out.strip().splitlines()[-1])["seconds"]
            left = _scalar(url, "SELECT count(*) FROM answer")
        finally:
            bot.stop()
            fake.stop()
        return {
            "mode": "one DELETE (before)" if one_delete else "batches of 500",
            "answers": total,
            "deleted": total - left + len(busy.latencies) + len(calm.latencies),
            "retention_seconds": round(seconds, 1),
            **calm.figures("clicks_calm", "calm_"),
            **busy.figures("clicks_during", "during_"),
        }


def _answers_sqlite(path: Path, round_ids: list[int], people: int, at: datetime) -> None:
    from bot.model import load_model, load_surveys

    surveys = load_surveys(load_model())
    survey = surveys.get(surveys.default)
    assert survey is not None
    connection = sqlite3.connect(path)
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    for round_id in round_ids:
        connection.executemany(
            "INSERT INTO answer (round_id, question_id, question_version, aspect, user_id,"
            " level, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (round_id, q.id, q.version, q.aspect, f"U{p:05}", p % 4 + 1, stamp)
                for q in survey.questions
                for p in range(people)
            ),
        )
    connection.commit()
    connection.close()


def _command(bot_url: str, verifier: Any, channel: str, text: str) -> None:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "command": "/maturity",
            "text": text,
            "user_id": "UADMIN",
            "user_name": "admin",
            "channel_id": channel,
            "channel_name": "bench",
            "team_id": TEAM,
            "response_url": "http://127.0.0.1:9/none",
            "trigger_id": "t1",
        }
    )
    _post(bot_url, verifier, body, "application/x-www-form-urlencoded")


def _post(bot_url: str, verifier: Any, body: str, content_type: str) -> int:
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        bot_url + "/slack/events",
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


class _Clicker:
    """Clicks from distinct people at a steady rate; each click's latency is the time from
    sending it to the private confirmation arriving at the fake Slack (the ack comes first
    and says nothing about the database)."""

    def __init__(
        self, bot_url: str, fake: Fake, verifier: Any, posted: Any, action: str, click: Any
    ) -> None:
        self.bot_url, self.fake, self.verifier = bot_url, fake, verifier
        self.posted, self.action, self.click = posted, action, click
        self.n = 0

    def run(self, rate: float, seconds: float | None = None, until: Any = None) -> Clicks:
        from urllib.parse import urlencode

        sent: dict[str, float] = {}
        failed: list[str] = []  # no ack: an HTTP error, or no answer within the request timeout
        threads: list[threading.Thread] = []
        started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            if (seconds is not None and elapsed >= seconds) or (until and until()):
                break
            self.n += 1
            user = f"UCLICK{self.n:06}"
            payload = self.click(user, self.posted, self.action, self.fake.url)
            body = urlencode({"payload": json.dumps(payload)})

            def send(body: str = body, user: str = user) -> None:
                sent[user] = time.monotonic()
                try:
                    _post(self.bot_url, self.verifier, body, "application/x-www-form-urlencoded")
                except OSError:  # urllib's HTTPError and URLError, and socket timeouts
                    failed.append(user)

            thread = threading.Thread(target=send)
            thread.start()
            threads.append(thread)
            time.sleep(1.0 / rate)
        for thread in threads:
            thread.join()
        time.sleep(1.0)
        confirmed = {
            c["params"].get("user"): c["at"] for c in self.fake.calls("chat.postEphemeral")
        }
        latencies = [confirmed[u] - at for u, at in sent.items() if u in confirmed]
        return Clicks(latencies, sent=len(sent), failed=len(failed))


@dataclass
class Clicks:
    """One run of clicks: the latency of each confirmed click, and how many were sent and how
    many got no ack (so a percentile over the confirmed ones never hides the lost ones)."""

    latencies: list[float]
    sent: int
    failed: int

    @property
    def unconfirmed(self) -> int:
        return self.sent - len(self.latencies)

    def figures(self, count: str, prefix: str) -> dict[str, Any]:
        """``count`` names the counts (``clicks``), ``prefix`` the latencies (``click_``)."""
        return {
            count: len(self.latencies),
            f"{count}_unconfirmed": self.unconfirmed,
            f"{count}_without_ack": self.failed,
            f"{prefix}p50_ms": _pct(self.latencies, 50),
            f"{prefix}p99_ms": _pct(self.latencies, 99),
            f"{prefix}max_ms": round(max(self.latencies, default=0) * 1000, 1),
        }


def _pct(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1] * 1000, 1)


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    if "--serve" in sys.argv:
        raise SystemExit(serve_with_probe())
    if "--housekeep" in sys.argv:
        housekeep(sys.argv[sys.argv.index("--housekeep") + 1], days=30)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["burst", "restart", "retention"], action="append")
    parser.add_argument("--burst", type=int, default=200, help="pulses due in the same second")
    parser.add_argument("--instances", default="1,2", help="instance counts for the burst")
    parser.add_argument("--lead", type=float, default=30, help="seconds to start and arm")
    parser.add_argument(
        "--window",
        type=int,
        default=1,
        help="minutes each burst round stays open (longer: closing does not overlap opening)",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="each burst instance as two processes: --role events and --role work",
    )
    parser.add_argument(
        "--nice-work", type=int, default=0, help="with --split: `nice -n` for the work processes"
    )
    parser.add_argument(
        "--burst-clicks",
        type=float,
        default=20,
        help="clicks a second during the burst, on another channel's round (0: none)",
    )
    parser.add_argument(
        "--history-weeks",
        type=int,
        default=4,
        help="earlier weekly rounds in each channel before the burst (0: a new organisation)",
    )
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--open-rounds", type=int, default=500)
    parser.add_argument("--overdue", type=int, default=None, help="default: a fifth")
    parser.add_argument("--answers", type=int, default=50_000)
    parser.add_argument("--clicks-per-second", type=float, default=20)
    parser.add_argument(
        "--compare-one-delete", action="store_true", help="retention as it was, then batched"
    )
    args = parser.parse_args()
    parts = args.only or ["burst", "restart", "retention"]
    if "burst" in parts:
        for instances in [int(n) for n in args.instances.split(",")]:
            result = burst(
                args.burst,
                instances,
                args.lead,
                args.window,
                args.split,
                args.burst_clicks,
                args.nice_work,
                args.history_weeks,
            )
            print(json.dumps({"burst": result}), flush=True)
    if "restart" in parts:
        overdue = args.overdue if args.overdue is not None else args.open_rounds // 5
        print(
            json.dumps({"restart": restart(args.schedules, args.open_rounds, overdue)}), flush=True
        )
    if "retention" in parts:
        for one in [True, False] if args.compare_one_delete else [False]:
            found = retention(args.answers, args.clicks_per_second, one)
            print(json.dumps({"retention": found}), flush=True)


if __name__ == "__main__":
    main()
