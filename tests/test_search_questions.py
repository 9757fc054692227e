"""Questions that do not name a cell, as engineers ask them (tests/data/search_questions.yaml):
content searches, "where are we?", the model itself, small talk and nonsense, in English and
Chinese. Nine in ten must be answered right in each language; the misses are listed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.chinese import language_of
from bot.handlers.knowledge import Answered, respond
from bot.model import Content, load_content
from bot.replies import DiagnosisAnswer, SearchAnswer, openable

TABLE = yaml.safe_load(
    (Path(__file__).parent / "data" / "search_questions.yaml").read_text(encoding="utf-8")
)
REPLIES = {"search": SearchAnswer, "diagnosis": DiagnosisAnswer}
REQUIRED = 0.9


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def miss(row: dict, answered: Answered) -> str | None:
    """Why the answer is wrong for the row, or None when it is right."""
    if answered.kind != row["intent"]:
        return f"intent {answered.kind}"
    if row["intent"] != "search":
        return None
    if not isinstance(answered.reply, REPLIES[row["reply"]]):
        return f"a {type(answered.reply).__name__}"
    found = [f"{match.aspect.key}-{match.level.number}" for match in openable(answered.reply)]
    if not 1 <= len(found) <= 5:
        return f"{len(found)} matches"
    if found[0] not in row["cells"]:
        return f"best {found[0]} (then {found[1:3]})"
    if row.get("aspect") and any(not cell.startswith(row["aspect"] + "-") for cell in found):
        return f"outside {row['aspect']}: {found}"
    if row.get("levels") and any(int(cell[-1]) not in row["levels"] for cell in found):
        return f"outside levels {row['levels']}: {found}"
    return None


def test_the_table_is_broad_and_bilingual() -> None:
    by_language = {"en": 0, "zh": 0}
    for row in TABLE:
        by_language[language_of(row["q"])] += 1
    assert len(TABLE) >= 80 and min(by_language.values()) >= 40, by_language
    kinds = {(row["intent"], row.get("reply")) for row in TABLE}
    assert {("search", "search"), ("search", "diagnosis"), ("about", None)} <= kinds
    assert {("smalltalk", None), ("unknown", None), ("level", None)} <= kinds
    for row in TABLE:
        if row["intent"] == "search":
            assert row["cells"] and all(cell[-1] in "1234" for cell in row["cells"]), row


@pytest.mark.parametrize("language", ["en", "zh"])
def test_nine_in_ten_are_answered_right(content: Content, language: str) -> None:
    rows = [row for row in TABLE if language_of(row["q"]) == language]
    misses = []
    for row in rows:
        why = miss(row, respond(row["q"], content))
        if why is not None:
            misses.append(f"{row['q']!r}: {why}, wanted {row.get('cells', row['intent'])}")
    right = 1 - len(misses) / len(rows)
    print(f"\n{language}: {right:.0%} of {len(rows)} right")  # shown with pytest -s
    assert right >= REQUIRED, f"{right:.0%} right; misses:\n" + "\n".join(misses)


def test_a_question_that_names_an_aspect_stays_in_it(content: Content) -> None:
    answered = respond("we file tickets for everything, where are we on interfaces?", content)
    assert answered.intent.aspect == "interfaces"
    assert {match.aspect.key for match in openable(answered.reply)} == {"interfaces"}
    answered = respond("接口方面：什么都要提工单，我们在哪一级？", content)
    assert {match.aspect.key for match in openable(answered.reply)} == {"interfaces"}
    # by a synonym that says which aspect the situation is about
    for asked in (
        "we get money from a central budget and mostly answer tickets. where are we on funding?",
        "预算方面：我们有常设团队，但总在响应请求，我们在哪一级？",
    ):
        answered = respond(asked, content)
        assert answered.intent.aspect == "investment"
        assert {match.aspect.key for match in openable(answered.reply)} == {"investment"}
    # a synonym that is what is searched for does not narrow the search
    answered = respond("which level mentions a developer portal?", content)
    assert answered.intent.aspect is None
    assert {"adoption", "interfaces"} <= {m.aspect.key for m in openable(answered.reply)}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_questions_the_bot_suggests_work_as_suggested(content: Content, language: str) -> None:
    """Help, small talk hints and the fallback suggest questions: in each language, asking
    them gets the answer they stand for, never the fallback."""
    from bot.handlers import knowledge
    from bot.wording import speaking

    with speaking(language):
        asked = [(str(example), example) for example in knowledge.EXAMPLES]
    searches = (knowledge.MENTIONS, knowledge.SERVICE_CATALOG, knowledge.WHERE_ARE_WE)
    for text, example in asked:
        kind = respond(text, content).kind
        assert kind != "unknown", text
        assert (kind == "search") == (example in searches), text
    assert respond(asked[0][0], content).kind == "level"


def test_is_it_level_two_or_three_keeps_to_those_levels(content: Content) -> None:
    for question in ("is a service catalog level 2 or 3?", "服务目录算第二级还是第三级？"):
        answered = respond(question, content)
        assert answered.kind == "search"
        assert {match.level.number for match in openable(answered.reply)} <= {2, 3}
