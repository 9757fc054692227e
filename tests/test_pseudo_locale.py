"""Pseudo-localisation: with a test language whose catalog wraps every message in ``[!…!]``, a
whole conversation rendered in the terminal, Slack and Teams shows no English of ours outside
the markers. Content from ``content/``, ids, command syntax and what people typed are the only
words allowed to stand outside: anything else did not go through the catalog, and a
translation would leave it in English."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from harness import Bot, make_bot

from bot import commands, wording
from bot.model import Content, MaturityModel, Survey, Surveys
from bot.passages import passages
from bot.platforms.slack import conversation as slack_conversation
from bot.platforms.slack.blocks import message
from bot.platforms.slack.home import home_view
from bot.platforms.slack.markup import escape as slack_escape
from bot.platforms.slack.pulse_blocks import comment_view
from bot.platforms.teams import bot as teams_bot
from bot.platforms.teams import cards
from bot.platforms.teams import chat as teams_chat
from bot.platforms.teams.package import localization
from bot.platforms.teams.pulse_cards import (
    comment_saved,
    own_view,
    recorded_said,
    shared_question,
)
from bot.platforms.text import render
from bot.replies import AnswerRecorded, OwnView, Reply, SurveyQuestion
from bot.wording import speaking

PSEUDO = "xx"
ROOT = Path(__file__).resolve().parent.parent
_MARKED = re.compile(r"\[!(?:(?!\[!|!\]).)*!\]", re.DOTALL)
# Content, whole or cut short (a first sentence, a button label shortened to fit).
_CONTENT = re.compile(r"⟦[^⟦⟧\n]*(?:⟧|$)", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


class PseudoCatalog:
    """Wraps every message the template knows; anything else passes through untouched."""

    def __init__(self) -> None:
        with (ROOT / "bot" / "locale" / "messages.pot").open("rb") as source:
            template = read_po(source)
        self.known: set[tuple[str | None, str]] = set()
        for entry in template:
            for form in entry.id if isinstance(entry.id, tuple) else (entry.id,):
                self.known.add((entry.context, form))

    def _wrap(self, context: str | None, text: str) -> str:
        return f"[!{text}!]" if (context, text) in self.known else text

    def gettext(self, message: str) -> str:
        return self._wrap(None, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._wrap(None, singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return self._wrap(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._wrap(context, singular if n == 1 else plural)


@pytest.fixture(autouse=True)
def pseudo_language() -> Iterator[None]:
    wording.install(PSEUDO, PseudoCatalog(), "pseudo")
    yield
    wording.LANGUAGES.pop(PSEUDO, None)


_IDS = {"key", "id", "aspect", "number", "version", "source", "home"}


def _pseudo(node: Any, field: str = "") -> Any:
    """Content with every text wrapped in ⟦…⟧ (ids, numbers and links left as they are)."""
    if isinstance(node, str):
        return node if field in _IDS else f"⟦{node}⟧"
    if isinstance(node, dict):
        return {key: _pseudo(value, key) for key, value in node.items()}
    if isinstance(node, list):
        return [_pseudo(value, field) for value in node]
    return node


def pseudo_content(model: MaturityModel, surveys: Surveys) -> Content:
    """The shipped content with every sentence marked, so what stands outside the markers
    in a rendering can only be ours."""
    marked = MaturityModel.model_validate(_pseudo(model.model_dump()))
    templates = {
        key: Survey.model_validate(_pseudo(survey.model_dump()))
        for key, survey in surveys.templates.items()
    }
    return Content({"en": marked}, {"en": Surveys(templates)})


def _leftover(shown: str, allowed: str, phrases: tuple[str, ...] = ()) -> set[str]:
    """English words outside the markers that are neither content, ids nor typed text.
    ``phrases`` may stand as a whole (command syntax, what people typed); ``allowed`` are
    single words (ids, names). Bold marks inside quotes (Slack's *, Teams' **, the zero-width
    spaces beside them) are not words, and are set aside first."""
    shown = shown.replace("\u200b", "").replace("*", "")
    for phrase in sorted(phrases, key=len, reverse=True):
        shown = shown.replace(phrase, " ")
    shown = _CONTENT.sub(" ", shown)
    while True:
        stripped = _MARKED.sub(" ", shown)
        if stripped == shown:
            break
        shown = stripped
    allowed_words = {word.lower() for word in _WORD.findall(allowed)}
    return {word for word in _WORD.findall(shown) if word.lower() not in allowed_words}


TYPED = "Mallory says hi via <!channel> — our portal is new"
# Words people typed that the bot repeats back to them (echoes in its error messages).
ECHOED = "happiness blursday frobnicate nonsense words mesurment"
SCENARIO = [
    ("ann", "what is level 3 measurement"),
    ("ann", "level 4 investment"),
    ("ann", "what is level 2"),
    ("ann", "tell me about adoption"),
    ("ann", "overview"),
    ("ann", "from 2 to 3 in operations"),
    ("ann", "compare level 1 and 3"),
    ("ann", "help"),
    ("ann", "what is level 7"),
    ("ann", "mesurment blah"),
    ("ann", "banana bread recipe"),
    ("ann", "which level mentions golden paths"),
    (
        "ann",
        "we have a permanent platform team but mostly react to requests — where are we on "
        "investment?",
    ),
    (
        "ann",
        "Nobody owns the shared tooling; a couple of engineers keep it alive in their spare "
        "time. Where are we?",
    ),
    ("ann", "who wrote this model"),
    ("ann", "thanks!"),
    ("ann", "give me a quick self assessment"),
    ("ann", "which level mentions chargebak"),
    ("ann", "pulse start"),  # refused: not an admin
    ("lead", "pulse start closes in 0m"),
    ("lead", "pulse start nonsense words"),
    ("lead", "pulse frobnicate"),
    ("lead", "pulse start closes blursday"),
    ("lead", "pulse start deep"),
    ("lead", "pulse start"),  # already open
    ("ann", "answer adoption 3"),  # several adoption questions: which one?
    ("ann", "answer happiness 3"),
    ("ann", "answer adoption-discovery 7"),
    ("ann", "answer adoption-discovery"),
    ("ann", f"answer adoption-discovery 3 -- {TYPED}"),
    ("ann", "answer adoption-discovery 2"),
    ("ben", "answer investment-people 2"),
    ("cat", "answer investment-people 4"),
    ("dan", "answer investment-people not sure"),
    ("ben", "answer adoption-discovery 1"),
    ("cat", "answer adoption-discovery 2"),
    ("lead", "pulse status"),
    ("lead", "pulse remind"),
    ("lead", "pulse remind"),
    ("lead", "pulse schedule every monday 10:00 Europe/Berlin closes after 2d"),
    ("lead", "digest schedule mon and thu 16:00"),
    ("lead", "pulse schedule every monday 25:00"),
    ("lead", "pulse schedule"),
    ("lead", "pulse close"),
    ("ann", "answer adoption-discovery 4"),
    ("lead", "digest"),
    ("ann", "digest"),
    ("ann", "my answers"),
    ("ann", "forget me"),
    ("ann", "yes"),
    ("ann", "my answers"),
    ("ann", "forget me"),
    ("lead", "pulse schedule off"),
    ("lead", "digest schedule off"),
    ("lead", "digest schedule off"),
    ("lead", "pulse close"),
    ("lead", "pulse status"),
    ("lead", "pulse remind"),
]


def _run(database_url: str, model: MaturityModel, surveys: Surveys, tmp_path: Path) -> Bot:
    async def scenario() -> Bot:
        content = pseudo_content(model, surveys)
        bot = await make_bot(
            database_url, model, surveys, tmp_path, min_responses=2, content=content
        )
        bot.app.services.settings = replace(bot.app.services.settings, language=PSEUDO)
        bot.app.places.forget(bot.place)
        bot.place = await bot.app.places.place("console", "local", "C-team", "#C-team")
        bot.chat.language = PSEUDO
        for who, text in SCENARIO:
            await bot.say(who, text)
        await bot.app.stop()
        bot.close()
        return bot

    return asyncio.run(scenario())


def card_texts(card: dict[str, Any]) -> str:
    """What a person reads on an Adaptive Card."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "placeholder", "altText"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for key, child in node.items():
                if key != "data":  # what a button sends back, not what it shows
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card)
    return "\n".join(found)


def _slack_texts(content: dict[str, Any]) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "placeholder") and isinstance(value, str):
                    found.append(value)
                elif key not in ("value", "action_id", "block_id", "callback_id"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(content)
    return "\n".join(found)


def _every_rendering(replies: list[Reply]) -> Iterator[tuple[str, str]]:
    with speaking(PSEUDO):
        for reply in replies:
            name = type(reply).__name__
            yield f"text {name}", render(reply)
            yield f"slack {name}", _slack_texts(message(reply))
            yield f"teams {name}", card_texts(cards.render(reply)) + "\n" + cards.summary_of(reply)
            if isinstance(reply, SurveyQuestion):
                yield from _own_views(reply)


def _own_views(question: SurveyQuestion) -> Iterator[tuple[str, str]]:
    """Teams' per-person views of a question card: answered, commented, closed, refused."""
    closes = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    mine = OwnView(question, True, 2, TYPED, closes, "UTC")
    recorded = AnswerRecorded(question.question, 2, closes, "UTC", changed=True)
    yield "teams own view", card_texts(own_view(mine, "29:x", recorded_said(recorded)))
    yield "teams own comment", card_texts(own_view(mine, "29:x", comment_saved()))
    closed = replace(mine, question=replace(question, closed=True))
    yield "teams own closed view", card_texts(own_view(closed, "29:x"))
    yield "teams show mine", card_texts(shared_question(question, ["29:x"], False))


def test_a_whole_conversation_speaks_only_through_the_catalog(
    database_url: str, model: MaturityModel, surveys: Surveys, tmp_path: Path
) -> None:
    bot = _run(database_url, model, surveys, tmp_path)
    replies = [seen.reply for seen in bot.transcript]
    kinds = {type(reply).__name__ for reply in replies}
    assert {"LevelAnswer", "LevelAcrossAnswer", "AspectAnswer", "OverviewAnswer"} <= kinds
    assert {"CompareAnswer", "HelpAnswer", "UnknownAnswer", "Notice", "Refusal"} <= kinds
    assert {"PulseParent", "SurveyQuestion", "AnswerRecorded", "PulseStatus"} <= kinds
    assert {"RoundSummary", "Digest", "Confirm"} <= kinds
    assert {"SearchAnswer", "DiagnosisAnswer", "AboutAnswer", "SmallTalk"} <= kinds
    assert "AssessmentOffer" in kinds

    ids = [q.id for survey in surveys.templates.values() for q in survey.questions]
    allowed = "\n".join(
        [
            *ids,  # question ids and aspect keys are what people type to answer
            *surveys.templates,  # template keys: `pulse start deep`
            ECHOED,
            "maturity-bot Europe Berlin UTC C-team lead ann ben cat dan",
            "no_entry_sign",  # Slack's emoji code on refusals
            str(bot.chat.chart_dir),
        ]
    )
    # Commands keep their English keywords in every language; comments come back as typed;
    # search answers quote the model's sentences (content, split where a sentence ends).
    quoted = tuple(passage.text for passage in passages(pseudo_content(model, surveys).model()))
    phrases = (TYPED, *(line.usage for line in commands.help_lines()), *quoted)
    phrases += tuple(slack_escape(phrase) for phrase in phrases)  # as Slack's mrkdwn shows them
    problems: dict[str, set[str]] = {}
    for where, shown in _every_rendering(replies):
        leftover = _leftover(shown, allowed, phrases)
        if leftover:
            problems.setdefault(where, set()).update(leftover)
    terminal = _leftover(bot.chat.text, allowed, phrases)
    assert not terminal, f"terminal output outside the catalog: {sorted(terminal)}"
    assert not problems, f"English outside the catalog: {problems}"
    assert "[!" in bot.chat.text  # the pseudo language really was in force


def test_platform_surfaces_speak_only_through_the_catalog(
    model: MaturityModel, surveys: Surveys
) -> None:
    """What the adapters say themselves: errors, pointers, the Home tab, the comment form and
    the Teams app package."""
    content = pseudo_content(model, surveys)
    model = content.model()
    allowed = "maturity-bot C1 UTC"
    with speaking(PSEUDO):
        shown = {
            "slack failed": _slack_texts(message(slack_conversation.FAILED)),
            "slack not in channel": _slack_texts(message(slack_conversation.NOT_IN_CHANNEL)),
            "slack home": _slack_texts(home_view(model, [])),
            "slack comment form": _slack_texts(comment_view("⟦question text⟧", "{}")),
            "teams sorry": str(teams_bot.SORRY),
            "teams pointers": f"{teams_chat.PRIVATE_ELSEWHERE} {teams_chat.PRIVATE_UNREACHABLE}",
            "teams unnamed channel": str(teams_bot.UNNAMED_CHANNEL),
            # The manifest is English; each other language is a localization file.
            "teams package": "\n".join(
                value
                for key, value in localization(PSEUDO, model).items()
                if key not in ("$schema", "name.short")
            ),
        }
    problems = {where: _leftover(text, allowed) for where, text in shown.items()}
    problems = {where: words for where, words in problems.items() if words}
    assert not problems, f"English outside the catalog: {problems}"
