"""Benchmark: the floor under a burst (issue 15) — what the platform calls of N pulses cost by
themselves, with no database, no scheduling and no pacing, on this machine.

Each of N channels gets what a round posts: its parent message, then its five questions in the
parent's thread, one after the other; channels go side by side (--concurrency per process).
The posts go through the bot's own Slack port (``SlackChat``: the real rendering, slack_sdk's
AsyncWebClient and aiohttp, on uvloop) to the fake Slack the burst benchmark uses, from
--processes processes (two: the two instances of the burst). ``--parents-only`` posts only the
parents: the floor under "the last channel's round appears".

Reported: seconds to the last parent and to the last post, and the CPU-seconds of the posting
processes and of the fake Slack. No bot can open the burst faster than these calls take on
the same cores, whatever it does about its database.

    python bench/bench_floor.py --pulses 5000 --processes 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_scale import Fake  # noqa: E402  (the fake Slack, in its own process)

QUESTIONS = 5


def _post_rounds(
    url: str, channels: list[int], concurrency: int, parents_only: bool
) -> dict[str, float]:
    """In a worker process: post the rounds of ``channels``; when the last parent and the
    last post went out (seconds since the epoch)."""
    import asyncio

    import aiohttp

    from bot.context import Place
    from bot.event_loop import loop_factory, run
    from bot.model import load_model, load_surveys
    from bot.platforms.slack.chat import SlackChat
    from bot.platforms.slack.client import web_client
    from bot.platforms.slack.pacing import ChannelPacer
    from bot.replies import PulseParent, RoundTitle, SurveyQuestion

    model = load_model()
    survey = load_surveys(model).templates["quick"]
    closes = datetime.now(UTC) + timedelta(days=3)
    last = {"parent": 0.0, "post": 0.0}

    class Settings:  # what web_client reads
        slack_bot_token = "xoxb-bench"
        slack_api_url = url + "/api/"
        platform_timeout = 30.0

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            chat = SlackChat(web_client(Settings(), session), ChannelPacer(interval=0))  # type: ignore[arg-type]
            todo = iter(channels)

            async def lane() -> None:
                for n in todo:
                    place = Place(n, "slack", "T0001", f"C{n:06}")
                    title = RoundTitle("2026-W49")
                    parent = await chat.post(
                        place, PulseParent(n, title, survey.name, closes, QUESTIONS, "UTC")
                    )
                    last["parent"] = last["post"] = time.time()
                    if parents_only or parent is None:
                        continue
                    for position, question in enumerate(survey.questions, 1):
                        aspect = model.aspect(question.aspect)
                        asked = SurveyQuestion(n, question, aspect, position, QUESTIONS, 0)
                        await chat.post_in_thread(place, parent, asked)
                    last["post"] = time.time()

            await asyncio.gather(*(lane() for _ in range(concurrency)))

    run(main(), loop_factory("auto"))
    return last


def _worker(url: str, channels: list[int], concurrency: int, parents_only: bool, out: Any) -> None:
    out.put(_post_rounds(url, channels, concurrency, parents_only))


def floor(pulses: int, processes: int, concurrency: int, parents_only: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        fake = Fake(Path(tmp))
        try:
            context = multiprocessing.get_context("fork")
            out = context.Queue()
            shares = [list(range(p, pulses, processes)) for p in range(processes)]
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            fake_before = fake.cpu_seconds()
            started = time.time()
            workers = [
                context.Process(
                    target=_worker, args=(fake.url, share, concurrency, parents_only, out)
                )
                for share in shares
            ]
            for worker in workers:
                worker.start()
            lasts = [out.get() for _ in workers]
            for worker in workers:
                worker.join()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            fake_cpu = fake.cpu_seconds() - fake_before
            posts = fake.count("chat.postMessage")
        finally:
            fake.stop()
    cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    return {
        "pulses": pulses,
        "processes": processes,
        "parents_only": parents_only,
        "posts": posts,
        "seconds_to_last_parent": round(max(x["parent"] for x in lasts) - started, 2),
        "seconds_to_last_post": round(max(x["post"] for x in lasts) - started, 2),
        "cpu_seconds_posting": round(cpu, 1),
        "cpu_seconds_fake_slack": round(fake_cpu, 1),
        "cpu_ms_per_post": round(1000 * (cpu + fake_cpu) / max(posts, 1), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulses", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200, help="channels at once per process")
    parser.add_argument("--parents-only", action="store_true")
    args = parser.parse_args()
    found = floor(args.pulses, args.processes, args.concurrency, args.parents_only)
    print(json.dumps({"floor": found}), flush=True)


if __name__ == "__main__":
    main()
