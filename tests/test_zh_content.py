"""The Chinese content mirrors the English one item for item, and its names are unambiguous."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.model import MaturityModel, Surveys, load_model, load_surveys

CONTENT = Path(__file__).resolve().parent.parent / "content"
QUESTIONS = Path(__file__).resolve().parent / "data" / "zh_questions.yaml"
INTENTS = ("level", "aspect", "compare", "overview", "help", "smalltalk")
PARALLEL_LISTS = ("characteristics", "scenarios", "how_to_get_here")

# Two CJK characters (or full-width punctuation) with a space between: what YAML folding does
# to Chinese prose written over several lines.
_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_FOLDED_SPACE = re.compile(f"{_CJK} {_CJK}")


@pytest.fixture(scope="module")
def en() -> MaturityModel:
    return load_model(CONTENT / "model.yaml")


@pytest.fixture(scope="module")
def zh() -> MaturityModel:
    return load_model(CONTENT / "zh" / "model.yaml")


@pytest.fixture(scope="module")
def en_surveys(en: MaturityModel) -> Surveys:
    return load_surveys(en, CONTENT / "surveys")


@pytest.fixture(scope="module")
def zh_surveys(zh: MaturityModel) -> Surveys:
    return load_surveys(zh, CONTENT / "zh" / "surveys")


def _fold(text: str) -> str:
    """How a person's spelling is compared: full-width folded to ASCII, case ignored."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _owners(model: MaturityModel) -> dict[str, list[str]]:
    """Every name a reader may match, with each place (aspect, cell, generic level) using it."""
    owners: dict[str, list[str]] = {}

    def add(owner: str, names: list[str]) -> None:
        for name in {_fold(n) for n in names}:
            owners.setdefault(name, []).append(owner)

    for generic in model.levels:
        add(f"level {generic.number}", [generic.name, *generic.aliases])
    for aspect in model.aspects:
        add(aspect.key, [aspect.key, aspect.name, *aspect.synonyms])
        for level in aspect.levels:
            add(f"{aspect.key} {level.number}", [level.title, *level.aliases])
    return owners


# --- parallel structure ------------------------------------------------------------------------


def test_same_aspects_and_levels(en: MaturityModel, zh: MaturityModel) -> None:
    assert [a.key for a in zh.aspects] == [a.key for a in en.aspects]
    assert [g.number for g in zh.levels] == [g.number for g in en.levels]
    for en_aspect, zh_aspect in zip(en.aspects, zh.aspects, strict=True):
        assert [lv.number for lv in zh_aspect.levels] == [lv.number for lv in en_aspect.levels]


def test_every_list_matches_item_for_item(en: MaturityModel, zh: MaturityModel) -> None:
    differences = []
    for en_aspect, zh_aspect in zip(en.aspects, zh.aspects, strict=True):
        for en_level, zh_level in zip(en_aspect.levels, zh_aspect.levels, strict=True):
            for field in PARALLEL_LISTS:
                en_count = len(getattr(en_level, field))
                zh_count = len(getattr(zh_level, field))
                if en_count != zh_count:
                    place = f"{zh_aspect.key} {zh_level.number} {field}"
                    differences.append(f"{place}: en {en_count}, zh {zh_count}")
    assert not differences


def test_surveys_match_the_english_ones(en_surveys: Surveys, zh_surveys: Surveys) -> None:
    assert sorted(zh_surveys.templates) == sorted(en_surveys.templates)
    for key, en_survey in en_surveys.templates.items():
        zh_survey = zh_surveys.templates[key]
        shape = [(q.id, q.aspect, q.version, len(q.options)) for q in en_survey.questions]
        assert [(q.id, q.aspect, q.version, len(q.options)) for q in zh_survey.questions] == shape


def test_survey_options_fit_on_a_button(zh_surveys: Surveys) -> None:
    for survey in zh_surveys.templates.values():
        for question in survey.questions:
            long = [option for option in question.options if len(option) > 40]
            assert not long, f"{question.id}: {long}"


# --- names -------------------------------------------------------------------------------------


def test_no_name_is_shared_between_places(zh: MaturityModel) -> None:
    shared = {name: places for name, places in _owners(zh).items() if len(places) > 1}
    assert not shared


def test_official_translation_defects_are_fixed(zh: MaturityModel) -> None:
    # The official zh table calls Interfaces L3 "custom solutions" and copies Erratic and
    # Intrinsic pull into the Operations and Measurement headings (fact sheet, section 4.3).
    interfaces_3 = zh.aspect("interfaces").level(3)
    assert "自助" in interfaces_3.title and "自定义解决方案" in interfaces_3.aliases
    assert zh.aspect("operations").name == "运营"
    copied = {"临时-不稳定", "临时—不稳定", "内在拉力", "专职团队"}
    for key in ("operations", "measurement"):
        for level in zh.aspect(key).levels:
            assert not copied & {level.title, *level.aliases}, (key, level.number)


def test_attribution_is_one_line_with_source_and_licence(zh: MaturityModel) -> None:
    line = zh.attribution.line
    assert "CC BY 4.0" in line and zh.attribution.source in line and "\n" not in line
    assert "转述" in line  # it says the text is our paraphrase, not a translation


def test_chinese_prose_has_no_folded_spaces(zh: MaturityModel, zh_surveys: Surveys) -> None:
    texts = [zh.attribution.line, *(g.summary for g in zh.levels)]
    for aspect in zh.aspects:
        texts += [aspect.question, aspect.intro]
        for level in aspect.levels:
            texts.append(level.description)
            texts += [item for field in PARALLEL_LISTS for item in getattr(level, field)]
    for survey in zh_surveys.templates.values():
        texts += [q.text for q in survey.questions]
        texts += [option for q in survey.questions for option in q.options]
    assert not [text for text in texts if _FOLDED_SPACE.search(text)]


def test_guiding_questions_are_questions(zh: MaturityModel) -> None:
    assert all(aspect.question.endswith("？") for aspect in zh.aspects)


# --- the question table for understanding Chinese ----------------------------------------------


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def test_question_table_is_well_formed_and_broad(questions: list[dict], zh: MaturityModel) -> None:
    assert len(questions) >= 80
    for row in questions:
        assert set(row) == {"q", "intent", "aspect", "level", "levels"}, row
        assert row["intent"] in INTENTS and row["q"].strip()
        assert row["aspect"] is None or row["aspect"] in zh.by_key
        if row["intent"] == "compare":
            low, high = row["levels"]
            assert 1 <= low < high <= 4 and row["level"] is None, row
        else:
            assert row["levels"] is None, row
            assert (row["level"] is not None) == (row["intent"] == "level"), row
    for intent in INTENTS[:-1]:  # greetings (small talk) are a row or two; the rest ten each
        assert sum(row["intent"] == intent for row in questions) >= 10, intent
    mixed = [row for row in questions if re.search(r"[A-Za-z0-9\uff01-\uff5e]", row["q"])]
    assert len(mixed) >= 10
    cells = {(r["aspect"], r["level"]) for r in questions if r["intent"] == "level" and r["aspect"]}
    assert len(cells) == 20


def test_questions_name_only_what_they_expect(questions: list[dict], zh: MaturityModel) -> None:
    """Every model name found in a question points at the expected aspect and level(s)."""
    owners = _owners(zh)
    wrong = []
    for row in questions:
        text = _fold(row["q"])
        found = {place for name, places in owners.items() if name in text for place in places}
        aspects = {place.split()[0] for place in found if not place.startswith("level ")}
        numbers = {int(place.split()[1]) for place in found if " " in place}
        if row["levels"]:
            expected_levels = set(row["levels"])
        else:
            expected_levels = {row["level"]} if row["level"] else set()
        if aspects != ({row["aspect"]} if row["aspect"] else set()):
            wrong.append((row["q"], "aspects", sorted(aspects)))
        if not numbers <= expected_levels:
            wrong.append((row["q"], "levels", sorted(numbers)))
    assert not wrong
