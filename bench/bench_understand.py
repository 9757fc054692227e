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


def cold_start(runs: int = 15) -> tuple[float, float]:
    script = Path(sys.executable).with_name("maturitybot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*command, "ask", "what is level 3 measurement"], check=True,
                       capture_output=True)  # fmt: skip
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), max(timings)


if __name__ == "__main__":
    rate = throughput()
    median, worst = cold_start()
    print(f"understand+answer+render: {rate:,.0f} questions/s (one core, mixed set of 20)")
    print(f"maturitybot ask cold start: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms")
