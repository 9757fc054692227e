"""Benchmark: questions answered per second in-process, cell questions and searches, English
and Chinese, and the cold start of `maturitybot ask` for each kind.

Goals: >= 5,000 English cell questions/s and >= 2,000 Chinese ones on one core; >= 1,000
search questions/s (content searches, "where are we?", the model itself, small talk); `ask`
cold start <= 0.3 s for an English cell question, <= 0.6 s for a Chinese one (content and
search index caches warm). Each question goes the whole way: understood, answered (searched
when it needs to be) and rendered as plain text.
Run: python bench/bench_understand.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.handlers.knowledge import respond
from bot.model import load_content
from bot.platforms.slack.markup import plain as slack_plain
from bot.platforms.teams.markup import plain as teams_plain
from bot.platforms.text import render
from bot.wording import speaking

ENGLISH = [
    "what is level 3 measurement", "L2 adoption", "tell me about operations", "overview",
    "how do we get from 2 to 3 in adoption", "extrinsic push vs intrinsic pull", "scalable",
    slack_plain("<@U123ABC> what is *level 2* _investment_"),
    teams_plain("<at>bot</at> level 4 interfaces"), "help",
    "measurment level 2", "what comes after scalable in adoption", "managed services",
    "investment L1", "what is level 7", "self-service solutions", "difference between L3 and L4",
    "lvl 1 funding", "third level of interfaces", "quantitative and qualitative",
]  # fmt: skip
CHINESE = [
    "测量的第三级是什么", "度量 L3", "运营第二级", "什么是内在拉动", "介绍一下接口",
    "第二级是什么意思", "运营从2级到3级需要做什么", "采纳第二级和第三级有什么区别",
    "整体介绍一下这个成熟度模型", "你能做什么", "level 3 度量", "接口第３级之后是什么",
    "自定义解决方案是什么", "怎么达到度量第四级", "投入一级和二级的区别", "集中跟踪",
    "adoption 第二级是啥", "可扩展的采纳是什么样", "预算这块是怎么评估的", "随意零散是什么意思",
]  # fmt: skip
SEARCH_ENGLISH = [
    "which level mentions SLOs?", "Where does chargeback come up in the model?",
    "is a service catalog level 2 or 3?", "which level talks about golden paths",
    "where do DORA metrics fit in?", "inner source — which level is that?",
    "teams fork our templates and then can't pull in upstream fixes. where is that described?",
    "we have a permanent platform team paid from the central IT budget but mostly react to "
    "requests — where are we on investment?",
    "To get a database you file a ticket and wait a few days; every capability has its own "
    "process. Which interfaces level?",
    "Nobody owns the shared tooling, a couple of engineers keep it alive in their spare time. "
    "Where are we?",
    "product teams open PRs against our platform repo. where does that put us?",
    "canary releases and automatic rollbacks — which level?", "backstage", "leading indicators?",
    "who wrote this model", "what licence is the maturity model under?",
    "thanks, that helps 🙏", "are you a bot?", "give me a quick self assessment",
    "which level mentions chargebak",
]  # fmt: skip
SEARCH_CHINESE = [
    "哪一级提到了 SLO？",
    "模型里哪里讲到了 chargeback（按使用量内部结算）？",
    "服务目录算第二级还是第三级？",
    "黄金路径在哪个级别",
    "DORA 指标对应模型里的哪一级",
    "内源是哪一级的内容",
    "领导强制要求大家用平台，这在模型里是哪一级",
    "什么事都要提工单，模型里怎么说",
    "金丝雀发布、自动回滚对应哪一级？",
    "数据孤岛",
    "我们有一个常设的平台团队，经费来自中央 IT 预算，但大部分时间都在响应各种请求。"
    "投入方面我们处于哪一级？",
    "共享工具没人负责，就几个工程师业余时间在维护，我们大概在哪一级？",
    "要个数据库得提工单等好几天，每种能力的申请流程都不一样。接口方面我们是哪一级？",
    "反馈全靠大家在群里吐槽，从没做过调查，决策基本靠感觉。度量方面我们处在什么水平？",
    "这个模型是谁写的？",
    "原文在哪里可以看到",
    "谢谢，很有帮助🙏",
    "你是机器人吗",
    "早上好",
    "今天北京天气怎么样",
]  # fmt: skip


def throughput(questions: list[str], seconds: float = 3.0) -> float:
    content = load_content()

    def one_pass() -> None:
        for text in questions:
            reply = respond(text, content).reply
            with speaking(reply.lang):
                render(reply)

    one_pass()  # warm the lexicons, the typo index, the segmenter and the search indexes
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        one_pass()
        done += len(questions)
    return done / (time.perf_counter() - start)


def cold_start(question: str, runs: int = 11) -> tuple[float, float, float]:
    """Median and max of `maturitybot ask`, and, measured alternately in the same run, the
    floor no code of ours can go under: the interpreter importing PyYAML and pydantic."""
    script = Path(sys.executable).with_name("maturitybot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    floor = [sys.executable, "-c", "import yaml, pydantic; from pydantic import BaseModel"]
    # As installed: byte code written (an environment that forbids it would make every run
    # compile every module, which no installed copy does).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    for warm in ([*command, "ask", question], floor):  # the caches and byte code
        subprocess.run(warm, check=True, capture_output=True, env=env)
    asks, floors = [], []
    for _ in range(runs):
        for timings, argv in ((asks, [*command, "ask", question]), (floors, floor)):
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=env)
            timings.append(time.perf_counter() - start)
    return statistics.median(asks), max(asks), statistics.median(floors)


if __name__ == "__main__":
    for name, questions in (
        ("English cell questions", ENGLISH),
        ("Chinese cell questions", CHINESE),
        ("English searches", SEARCH_ENGLISH),
        ("Chinese searches", SEARCH_CHINESE),
    ):
        rate = throughput(questions)
        print(f"{name}: understand+answer+render {rate:,.0f} questions/s (one core, 20 questions)")
    for name, ask in (
        ("English cell question", "what is level 3 measurement"),
        ("English search", "which level mentions golden paths?"),
        ("Chinese cell question", "测量的第三级是什么"),
        ("Chinese search", "哪一级提到了黄金路径？"),
    ):
        median, worst, floor = cold_start(ask)
        print(
            f"{name}: maturitybot ask cold start median {median * 1000:.0f} ms, max "
            f"{worst * 1000:.0f} ms (python + yaml + pydantic imports alone: {floor * 1000:.0f} ms)"
        )
