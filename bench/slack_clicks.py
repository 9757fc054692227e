"""Signed Slack button clicks on loopback: ``maturitybot run`` (SQLite) against a bare
slack-bolt AsyncApp on the same stack (bench/bare_bolt.py), in the same run.

Both talk to the same fake Slack Web API (tests/slack/slack_fake.py, its own process).
Per target:
  * throughput: N distinct clicks, ``--in-flight`` requests at a time; clicks/s counted
    until every click is acknowledged, confirmed (chat.postEphemeral reached the fake) and,
    for maturity-bot, recorded in the database; nothing may be lost.
  * latency: an open-loop offered load of ``--rate`` clicks/s for ``--seconds``; each ack's
    latency is timed from the request's scheduled send time (so queueing counts).

    python bench/slack_clicks.py [--clicks 3000] [--in-flight 50] [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "slack"))
from slack_fake import Call  # noqa: E402
from slack_sender import click  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
ADMIN = "UADMIN"
CHANNEL = "CBENCH"
_users = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error status: the server is up
                return
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    name: str
    url: str
    pid: int
    database: Path | None = None  # maturity-bot's SQLite file, to count recorded answers

    def recorded(self) -> int | None:
        if self.database is None:
            return None
        with sqlite3.connect(self.database) as connection:
            return connection.execute("SELECT count(*) FROM answer").fetchone()[0]


class Fake:
    def __init__(self, url: str) -> None:
        self.url = url

    def count(self, method: str) -> int:
        return get_json(f"{self.url}/_calls/{method}?count=1")["count"]

    def calls(self, method: str) -> list[Call]:
        return [
            Call(method, c["params"], None, response=c["response"])
            for c in get_json(f"{self.url}/_calls/{method}")
        ]


def signed(verifier: SignatureVerifier, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
    }
    return body.encode(), headers


def clicks(questions: list[Call], count: int, fake_url: str) -> list[tuple[bytes, dict]]:
    """``count`` presses by fresh people, each on one question: every one a new answer."""
    verifier = SignatureVerifier(SECRET)
    requests = []
    while len(requests) < count:
        user = f"UBENCH{next(_users):06d}"
        for n, question in enumerate(questions):
            if len(requests) < count:
                payload = click(user, question, f"pulse_answer_{1 + n % 4}", fake_url)
                requests.append(signed(verifier, payload))
    return requests


async def throughput(
    target: Target, fake: Fake, requests: list[tuple[bytes, dict]], in_flight: int
) -> dict[str, Any]:
    confirmed_before, recorded_before = fake.count("chat.postEphemeral"), target.recorded()
    cpu_before = cpu_seconds(target.pid)
    statuses: list[int] = []
    pending = iter(requests)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            for body, headers in pending:
                async with session.post(target.url, data=body, headers=headers) as response:
                    await response.read()
                    statuses.append(response.status)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        acked = time.perf_counter() - started
    expected = len(requests)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        confirmed = fake.count("chat.postEphemeral") - confirmed_before
        recorded = (target.recorded() or 0) - (recorded_before or 0)
        if confirmed >= expected and (target.database is None or recorded >= expected):
            break
        await asyncio.sleep(0.02)
    done = time.perf_counter() - started
    cpu = cpu_seconds(target.pid) - cpu_before
    return {
        "server_cpu_ms_per_click": round(1000 * cpu / expected, 2),
        "clicks": expected,
        "ok": statuses.count(200),
        "acked_per_s": round(expected / acked),
        "completed_per_s": round(expected / done),
        "confirmed": fake.count("chat.postEphemeral") - confirmed_before,
        "recorded": None if target.database is None else target.recorded() - recorded_before,
    }


async def latency(
    target: Target, fake: Fake, requests: list[tuple[bytes, dict]], rate: float
) -> dict[str, Any]:
    confirmed_before = fake.count("chat.postEphemeral")
    latencies: list[float] = []
    statuses: list[int] = []
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = loop.time() + 0.2

        async def fire(index: int, body: bytes, headers: dict) -> None:
            scheduled = start + index / rate
            await asyncio.sleep(max(0.0, scheduled - loop.time()))
            async with session.post(target.url, data=body, headers=headers) as response:
                await response.read()
            latencies.append(loop.time() - scheduled)
            statuses.append(response.status)

        await asyncio.gather(*(fire(i, *request) for i, request in enumerate(requests)))
    deadline = time.monotonic() + 60
    while fake.count("chat.postEphemeral") - confirmed_before < len(requests):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    ordered = sorted(latencies)
    return {
        "offered_per_s": rate,
        "clicks": len(requests),
        "ok": statuses.count(200),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
        "max_ms": round(1000 * ordered[-1], 1),
        "confirmed": fake.count("chat.postEphemeral") - confirmed_before,
    }


def start_round(bot_url: str, fake: Fake) -> list[Call]:
    """An admin's ``/maturity pulse start``; returns the five question posts."""
    form = {
        "team_id": "T0001",
        "channel_id": CHANNEL,
        "channel_name": "bench",
        "user_id": ADMIN,
        "user_name": "admin",
        "command": "/maturity",
        "text": "pulse start quick closes in 3d",
        "response_url": f"{fake.url}/response/bench",
        "trigger_id": "trigger-bench",
    }
    body = urlencode(form)
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        bot_url + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=stamp, body=body
            ),
        },
    )
    urllib.request.urlopen(request, timeout=10).close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        questions = [c for c in fake.calls("chat.postMessage") if c.params.get("thread_ts")]
        if len(questions) >= 5:
            return questions
        time.sleep(0.2)
    raise SystemExit("the pulse did not open")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; medians")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", help="measure one target (bare slack-bolt or maturity-bot)")
    parser.add_argument(
        "--profile", type=Path, help="py-spy samples (raw, per thread) of maturity-bot under load"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="slack-bench-"))
    python = sys.executable
    fake_port, bare_port, bot_port = free_port(), free_port(), free_port()
    fake = Fake(f"http://127.0.0.1:{fake_port}")
    processes: list[subprocess.Popen[bytes]] = []
    log = (workdir / "processes.log").open("ab")

    def spawn(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=log)
        processes.append(process)
        return process

    try:
        fake_process = spawn([python, str(ROOT / "tests/slack/slack_fake.py"), str(fake_port)])
        wait_until_up(f"{fake.url}/_calls/auth.test?count=1", fake_process)
        api_url = f"{fake.url}/api/"
        bare = spawn([python, str(ROOT / "bench/bare_bolt.py"), str(bare_port), api_url, SECRET])
        wait_until_up(f"http://127.0.0.1:{bare_port}/healthz", bare)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATURITYBOT_"))}
        env |= {
            "PORT": str(bot_port),
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "MATURITYBOT_ADMINS": ADMIN,
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
            "LOG_LEVEL": "WARNING",
        }
        script = Path(python).with_name("maturitybot")
        bot = spawn(
            [str(script), "run"] if script.exists() else [python, "-m", "bot.cli", "run"], env
        )
        wait_until_up(f"http://127.0.0.1:{bot_port}/healthz", bot)
        questions = start_round(f"http://127.0.0.1:{bot_port}", fake)

        targets = [
            Target("bare slack-bolt", f"http://127.0.0.1:{bare_port}/slack/events", bare.pid),
            Target(
                "maturity-bot",
                f"http://127.0.0.1:{bot_port}/slack/events",
                bot.pid,
                workdir / "bot.db",
            ),
        ]
        runs: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
        chosen = [t for t in targets if not args.only or t.name == args.only]
        for target in chosen:
            warm = clicks(questions, args.warmup, fake.url)
            asyncio.run(throughput(target, fake, warm, args.in_flight))
        # Alternate the targets, so that whatever else the machine does hits both alike.
        for repetition in range(args.repeat):
            for target in chosen:
                load = clicks(questions, args.clicks, fake.url)
                steady = clicks(questions, int(args.rate * args.seconds), fake.url)
                if args.profile and target.database is not None and repetition == 0:
                    profiler = [
                        Path(python).with_name("py-spy"), "record", "--pid", str(bot.pid),
                        "--output", str(args.profile), "--format", "raw", "--rate", "250",
                        "--nonblocking", "--duration", "8", "--threads",
                    ]  # fmt: skip
                    spawn([str(part) for part in profiler])
                runs[target.name].append(
                    {
                        "throughput": asyncio.run(throughput(target, fake, load, args.in_flight)),
                        "latency": asyncio.run(latency(target, fake, steady, args.rate)),
                    }
                )
        results = {name: summarise(found) for name, found in runs.items() if found}
        report(results, args.in_flight)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repetitions; losses added up."""

    def median(phase: str, key: str) -> float:
        return statistics.median(run[phase][key] for run in runs)

    lost = sum(
        run["throughput"]["clicks"]
        - min(
            run["throughput"]["ok"],
            run["throughput"]["confirmed"],
            run["throughput"]["recorded"] or run["throughput"]["confirmed"],
        )
        + run["latency"]["clicks"]
        - min(run["latency"]["ok"], run["latency"]["confirmed"])
        for run in runs
    )
    return {
        "completed_per_s": median("throughput", "completed_per_s"),
        "acked_per_s": median("throughput", "acked_per_s"),
        "cpu_ms_per_click": median("throughput", "server_cpu_ms_per_click"),
        "p50_ms": median("latency", "p50_ms"),
        "p99_ms": median("latency", "p99_ms"),
        "lost": lost,
        "runs": runs,
    }


def report(results: dict[str, Any], in_flight: int) -> None:
    print(
        f"{'':16} {'clicks/s':>9} {'(acked/s)':>10} {'CPU ms/click':>13} {'lost':>5} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:16} {r['completed_per_s']:>9} {r['acked_per_s']:>10} "
            f"{r['cpu_ms_per_click']:>13} {r['lost']:>5} {r['p50_ms']:>8} {r['p99_ms']:>8}"
        )
    for run in zip(*(r["runs"] for r in results.values()), strict=True):
        print("  run:", "  ".join(f"{x['throughput']['completed_per_s']}/s" for x in run))
    if len(results) == 2:
        bare, ours = (r["completed_per_s"] for r in results.values())
        print(f"maturity-bot / bare = {ours / bare:.2f} ({in_flight} in flight, medians)")


if __name__ == "__main__":
    raise SystemExit(main())
