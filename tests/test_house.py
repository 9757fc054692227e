"""The house keeps its shape: every reply renders on every platform, imports point one way
(platforms -> handlers -> storage; storage never imports bot), and there is no import circle."""

from __future__ import annotations

import ast
import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import replies
from bot.handlers.knowledge import answer
from bot.model import MaturityModel, Surveys
from bot.platforms.slack.blocks import message
from bot.platforms.teams import cards
from bot.platforms.text import render
from bot.understand import understand
from bot.wording import speaking, t

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def one_of_each(model: MaturityModel, surveys: Surveys) -> list[replies.Reply]:
    """A reply of every type the handlers can return."""
    question = surveys.get("quick").questions[1]
    aspect = model.aspect(question.aspect)
    scores = (
        replies.AspectScore(aspect, 4, 4, False, 2.5, 2.5, (1, 1, 1, 1), 0.5, True, ("note",)),
        replies.AspectScore(model.aspects[0], 1, 0, True),
    )
    summary = replies.RoundSummary(
        1, replies.RoundTitle(49), NOW, NOW, 4, 6, scores, 3, scores[0], aspect.level(3), "CC"
    )
    asked = [
        "what is level 3 measurement", "what is level 2", "tell me about adoption", "overview",
        "from 2 to 3 in operations", "help", "what is level 7", "banana bread",
        "which level mentions SLOs?", "who wrote this model", "thanks!",
        "give me a quick self assessment", "which level mentions chargebak",
        "we have a permanent platform team but mostly react to requests, where are we?",
    ]  # fmt: skip
    return [
        *(answer(understand(text, model), model) for text in asked),
        replies.Notice(t("No pulse is open here."), lines=(t("every day"),)),
        replies.Refusal(t("Which pulse command? Try `pulse start`, `pulse status` or `help`.")),
        replies.Confirm(t("You have no stored answers."), "forget me confirm"),
        replies.PulseParent(1, replies.RoundTitle(49), "Quick pulse", NOW, 5, "Europe/Berlin"),
        replies.SurveyQuestion(1, question, aspect, 2, 5, 3),
        replies.SurveyQuestion(1, question, aspect, 2, 5, 3, closed=True),
        replies.AnswerRecorded(question, 3, NOW, "UTC", comment_saved=True, changed=True),
        summary,
        replies.Digest(summary, rounds_compared=3),
        replies.PulseStatus(
            1,
            replies.RoundTitle(49),
            NOW,
            NOW,
            3,
            None,
            "UTC",
            (replies.QuestionCount(aspect, question.id, 3),),
        ),
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_reply_type_renders_on_every_platform(model, surveys, language) -> None:
    made = one_of_each(model, surveys)
    union = typing.get_args(replies.Reply)
    assert {type(reply) for reply in made} == set(union), "a reply type without a case here"
    with speaking(language):
        for reply in made:
            assert render(reply).strip()
            slack = message(reply)
            assert slack["text"] and len(slack.get("blocks", [])) <= 50
            card = cards.render(reply)
            assert card["type"] == "AdaptiveCard" and card["body"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules() -> dict[str, set[str]]:
    graph = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = {m for m in _imports(path) if m.split(".")[0] in ("bot", "storage")}
    return graph


def test_imports_point_one_way() -> None:
    graph = _modules()
    for module, imported in graph.items():
        if module.startswith("storage"):
            assert not [m for m in imported if m.startswith("bot")], f"{module} imports bot"
        if module.startswith(("bot.handlers", "bot.core", "bot.places", "bot.replies")):
            platforms = [m for m in imported if m.startswith("bot.platforms")]
            assert not platforms, f"{module} imports a platform: {platforms}"
    for path in ROOT.joinpath("bot").rglob("*.py"):
        if "platforms" in path.parts:
            continue
        names = _imports(path)
        assert not {n for n in names if n.startswith(("slack_bolt", "slack_sdk", "botbuilder"))}


def test_no_import_circle() -> None:
    """Module-level imports only (those inside functions are deliberate late loads)."""
    graph: dict[str, set[str]] = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text("utf-8"))
        edges = set()
        for node in tree.body:  # top level, not inside functions or TYPE_CHECKING blocks
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                edges.add(node.module)
                edges |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names}
        graph[name] = edges
    known = set(graph)
    graph = {m: {e for e in edges if e in known and e != m} for m, edges in graph.items()}
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [module, nxt]
                raise AssertionError(f"import circle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
