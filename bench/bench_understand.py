"""Benchmark: questions answered per second in-process (English and Chinese), and the cold
start of `maturitybot ask` for each.

Goals: >= 5,000 English questions/s and >= 2,000 Chinese questions/s on one core; `ask` cold
start <= 0.3 s for an English question, <= 0.6 s for a Chinese one (content cache warm).
Run: python bench/bench_understand.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.chinese import language_of
from bot.handlers.knowledge import answer
from bot.model import load_content
from bot.platforms.slack.markup import plain as slack_plain
from bot.platforms.teams.markup import plain as teams_plain
from bot.platforms.text import render
from bot.understand import understand
from bot.wording import speaking

ENGLISH = [
    "what is level 3 measurement", "L2 adoption", "tell me about operations", "overview",
    "how do we get from 2 to 3 in adoption", "extrinsic push vs intrinsic pull", "scalable",
    slack_plain("<@U123ABC> what is *level 2* _investment_"),
    teams_plain("<at>bot</at> level 4 interfaces"), "help",
    "measurment level 2", "what comes after scalable in adoption", "managed services",
    "banana bread", "what is level 7", "self-service solutions", "difference between L3 and L4",
    "lvl 1 funding", "third level of interfaces", "quantitative and qualitative",
]  # fmt: skip
CHINESE = [
    "测量的第三级是什么", "度量 L3", "运营第二级", "什么是内在拉动", "介绍一下接口",
    "第二级是什么意思", "运营从2级到3级需要做什么", "采纳第二级和第三级有什么区别",
    "整体介绍一下这个成熟度模型", "你能做什么", "level 3 度量", "接口第３级之后是什么",
    "自定义解决方案是什么", "怎么达到度量第四级", "投入一级和二级的区别", "集中跟踪",
    "adoption 第二级是啥", "可扩展的采纳是什么样", "预算这块是怎么评估的", "随意零散是什么意思",
]  # fmt: skip


def throughput(questions: list[str], seconds: float = 3.0) -> float:
    content = load_content()
    prepared = []
    for text in questions:
        lang = language_of(text)
        also = (content.model(),) if lang != "en" else ()
        prepared.append((text, lang, content.model(lang), also))

    def one_pass() -> None:
        for text, lang, model, also in prepared:
            with speaking(lang):
                render(answer(understand(text, model, *also), model, lang))

    one_pass()  # warm the lexicons, the typo index and the segmenter
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        one_pass()
        done += len(questions)
    return done / (time.perf_counter() - start)


def cold_start(question: str, runs: int = 15) -> tuple[float, float, float]:
    """Median and max of `maturitybot ask`, and, measured alternately in the same run, the
    floor no code of ours can go under: the interpreter importing PyYAML and pydantic."""
    script = Path(sys.executable).with_name("maturitybot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    floor = [sys.executable, "-c", "import yaml, pydantic; from pydantic import BaseModel"]
    subprocess.run([*command, "ask", question], check=True, capture_output=True)  # warm cache
    asks, floors = [], []
    for _ in range(runs):
        for timings, argv in ((asks, [*command, "ask", question]), (floors, floor)):
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            timings.append(time.perf_counter() - start)
    return statistics.median(asks), max(asks), statistics.median(floors)


if __name__ == "__main__":
    for name, questions, ask in (
        ("English", ENGLISH, "what is level 3 measurement"),
        ("Chinese", CHINESE, "测量的第三级是什么"),
    ):
        rate = throughput(questions)
        median, worst, floor = cold_start(ask)
        print(f"{name}: understand+answer+render {rate:,.0f} questions/s (one core, 20 questions)")
        print(
            f"{name}: maturitybot ask cold start median {median * 1000:.0f} ms, max "
            f"{worst * 1000:.0f} ms (python + yaml + pydantic imports alone: {floor * 1000:.0f} ms)"
        )
