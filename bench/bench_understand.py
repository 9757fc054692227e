"""Benchmark: questions answered per second in-process, and the cold start of `maturitybot ask`.

Goals (issue 2): >= 5,000 questions/s on one core; `ask` cold start <= 0.3 s.
Run: python bench/bench_understand.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.handlers.knowledge import answer
from bot.model import load_model
from bot.platforms.text import render
from bot.understand import understand

QUESTIONS = [
    "what is level 3 measurement", "L2 adoption", "tell me about operations", "overview",
    "how do we get from 2 to 3 in adoption", "extrinsic push vs intrinsic pull", "scalable",
    "<@U123ABC> what is *level 2* _investment_", "<at>bot</at> level 4 interfaces", "help",
    "measurment level 2", "what comes after scalable in adoption", "managed services",
    "banana bread", "what is level 7", "self-service solutions", "difference between L3 and L4",
    "lvl 1 funding", "third level of interfaces", "quantitative and qualitative",
]  # fmt: skip


def throughput(seconds: float = 3.0) -> float:
    model = load_model()
    for text in QUESTIONS:  # warm the lexicon and the typo index
        render(answer(understand(text, model), model))
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in QUESTIONS:
            render(answer(understand(text, model), model))
        done += len(QUESTIONS)
    return done / (time.perf_counter() - start)


def cold_start(runs: int = 15) -> tuple[float, float, float]:
    """Median and max of `maturitybot ask`, and, measured alternately in the same run, the
    floor no code of ours can go under: the interpreter importing PyYAML and pydantic."""
    script = Path(sys.executable).with_name("maturitybot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    floor = [sys.executable, "-c", "import yaml, pydantic; from pydantic import BaseModel"]
    subprocess.run([*command, "ask", "warm the content cache"], check=True, capture_output=True)
    asks, floors = [], []
    for _ in range(runs):
        for timings, argv in ((asks, [*command, "ask", "what is level 3 measurement"]),
                              (floors, floor)):  # fmt: skip
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            timings.append(time.perf_counter() - start)
    return statistics.median(asks), max(asks), statistics.median(floors)


if __name__ == "__main__":
    rate = throughput()
    median, worst, floor = cold_start()
    print(f"understand+answer+render: {rate:,.0f} questions/s (one core, mixed set of 20)")
    print(
        f"maturitybot ask cold start: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"(python + yaml + pydantic imports alone: {floor * 1000:.0f} ms)"
    )
