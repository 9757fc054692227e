"""The search index and the practitioner vocabulary: built with bm25s's weights, cached by the
content's files and read back without bm25s, never loaded for cell questions; the vocabulary
validated like the rest of content/ and every word of it finding something."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import analysis, search
from bot.handlers.knowledge import respond
from bot.index import NEGATED, Index, build, for_content
from bot.model import Content, ContentError, MaturityModel, default_content_dir, load_content
from bot.passages import TITLE, passages, sentences
from bot.replies import AboutAnswer, SmallTalk, UnknownAnswer
from bot.vocabulary import load_vocabulary

LEXICON = default_content_dir() / "lexicon.yaml"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="module", params=["en", "zh"])
def index(request: pytest.FixtureRequest, content: Content) -> Index:
    model = content.model(request.param)
    return build(model, request.param, load_vocabulary(LEXICON, content.model()))


def test_the_index_keeps_bm25s_weights(content: Content, index: Index) -> None:
    """Each posting is bm25s's score of that term in that passage (lowered where the passage
    says the term under a negation): the export loses nothing."""
    import bm25s

    model = content.model(index.lang)
    read = [list(analysis.readings(p.text, index.lang)) for p in passages(model)]
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    retriever.index([[term for term, *_ in terms] or [""] for terms in read], show_progress=False)
    for term in list(index.postings)[::7]:
        expected = retriever.get_scores([term])
        for passage, weight in index.postings[term]:
            negated = {t for t, *_, n in read[passage] if n} - {
                t for t, *_, n in read[passage] if not n
            }
            factor = NEGATED if term in negated else 1.0
            assert weight == pytest.approx(float(expected[passage]) * factor, rel=1e-5)
        assert sum(1 for value in expected if value > 0) == len(index.postings[term])


def test_every_passage_is_a_sentence_of_its_cell(content: Content) -> None:
    model = content.model()
    found = list(passages(model))
    cells = {(a.key, level.number) for a in model.aspects for level in a.levels}
    assert {p.cell for p in found} == cells
    level = model.aspect("measurement").level(4)
    texts = {p.text for p in found if p.cell == ("measurement", 4) and p.part != TITLE}
    assert set(sentences(level.description)) <= texts
    assert set(level.characteristics) | set(level.how_to_get_here) <= texts
    assert sentences("第一句。第二句！Third one. Fourth.") == [
        "第一句。",
        "第二句！",
        "Third one.",
        "Fourth.",
    ]


def test_a_negated_word_counts_for_less(content: Content) -> None:
    index = build(content.model(), "en")
    moves = [i for i, p in enumerate(index.passages) if "needs no ticket" in p.text]
    (passage,) = moves
    weights = dict(index.postings["ticket"])
    others = [w for i, w in weights.items() if i != passage]
    assert weights[passage] < min(others)


def test_matched_words_are_marked_in_the_quote(content: Content) -> None:
    hits = search.find(for_content(content, "en"), "which level mentions SLOs?")
    assert hits[0].cell == ("measurement", 4)
    marked = [quote.text[a:b] for quote in hits[0].quotes for a, b in quote.marks]
    assert any(word.startswith("SLO") for word in marked)
    hits = search.find(for_content(content, "zh"), "哪一级提到了古德哈特定律")
    marked = [quote.text[a:b] for quote in hits[0].quotes for a, b in quote.marks]
    assert hits[0].cell == ("measurement", 4) and any("古德哈特" in word for word in marked)


def test_nothing_found_offers_the_closest_cells_and_questions(content: Content) -> None:
    nearly = respond("which level mentions chargebak", content).reply
    assert isinstance(nearly, UnknownAnswer)
    assert ("investment", 3) in {match.key for match in nearly.closest}
    nothing = respond("banana bread recipe", content).reply
    assert isinstance(nothing, UnknownAnswer) and not nothing.closest
    assert 2 <= len(nothing.examples) <= 3


def test_the_model_itself_in_both_languages(content: Content) -> None:
    from bot.platforms.text import render
    from bot.wording import speaking

    for question, lang in (("who wrote this model?", "en"), ("这个模型用的什么许可证", "zh")):
        reply = respond(question, content).reply
        assert isinstance(reply, AboutAnswer) and reply.lang == lang
        with speaking(lang):
            text = render(reply)
        attribution = content.model(lang).attribution
        for part in (attribution.authors, attribution.version, attribution.license):
            assert part in text
        assert attribution.credit and attribution.credit in text
        assert set(attribution.original) == {"en", "zh"}
        assert all(url in text for url in attribution.original.values())


@pytest.mark.parametrize(
    ("said", "topic"),
    [("thanks, that helps 🙏", "thanks"), ("are you a bot?", "bot"), ("你是谁？", "who"),
     ("谢谢！", "thanks"), ("good morning", "greeting"), ("bye!", "bye")],
)  # fmt: skip
def test_small_talk_gets_a_friendly_word_and_a_hint(
    content: Content, said: str, topic: str
) -> None:
    reply = respond(said, content).reply
    assert isinstance(reply, SmallTalk) and reply.topic == topic
    assert respond(str(reply.hint), content).kind != "unknown"  # the hint works when asked


# --- the vocabulary ----------------------------------------------------------------------------


def test_every_word_of_the_vocabulary_finds_something(content: Content) -> None:
    """A "means" word the content does not use, or a "say" phrase with no word left to
    match, would be dead weight."""
    vocabulary = load_vocabulary(LEXICON, content.model())
    for lang in ("en", "zh"):
        index = build(content.model(lang), lang, vocabulary)
        for number, term in enumerate(vocabulary.terms):
            for phrase in term.means[lang]:
                found = [w for w in analysis.terms(phrase, lang) if w in index.postings]
                assert found, f"terms[{number}].means.{lang}: {phrase!r} is not in the content"
    for term in vocabulary.terms:  # Chinese phrases are matched as text, English by their words
        for phrase in term.say:
            assert analysis.has_han(phrase) or analysis.terms(phrase, "en", analysis.PHRASE_STOP)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["terms"][0]["cells"].append("happiness-2"), "unknown aspect 'happiness'"),
        (lambda d: d["terms"][0]["cells"].append("adoption-5"), "terms[0].cells[1]"),
        (lambda d: d["terms"][1]["say"].append("spare time"), "'spare time' is said by"),
        (lambda d: d["terms"][0].update(colour="blue"), "unknown field 'colour'"),
    ],
)
def test_a_broken_vocabulary_is_refused_with_its_place(
    tmp_path: Path, model: MaturityModel, change, problem: str
) -> None:
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    change(data)
    broken = tmp_path / "lexicon.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        load_vocabulary(broken, model)
    assert str(broken) in str(refused.value) and problem in str(refused.value)


# --- cached, and loaded only when needed --------------------------------------------------------


def _python(code: str, cache: Path) -> None:
    env = {"MATURITYBOT_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_index_is_cached_and_read_back_without_bm25s(tmp_path: Path) -> None:
    ask = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.handlers.knowledge import respond\n"
        "from bot.model import load_content\n"
        f"c = load_content(cache_dir=Path({str(tmp_path)!r}))\n"
        "a = respond('which level mentions golden paths?', c)\n"
        "assert a.kind == 'search', a.kind\n"
    )
    _python(ask + "assert 'bm25s' in sys.modules\n", tmp_path)  # the first run builds it
    assert len(list(tmp_path.glob("search-en-*.pickle"))) == 1
    _python(ask + "assert 'bm25s' not in sys.modules and 'numpy' not in sys.modules\n", tmp_path)


def test_cell_questions_never_load_the_index(tmp_path: Path) -> None:
    _python(
        "import sys\n"
        "from bot.handlers.knowledge import respond\n"
        "from bot.model import load_content\n"
        "c = load_content()\n"
        "for q in ('what is level 3 measurement', 'tell me about adoption', 'hi', 'help'):\n"
        "    respond(q, c)\n"
        "for name in ('bot.index', 'bm25s', 'numpy', 'Stemmer', 'rjieba'):\n"
        "    assert name not in sys.modules, name\n",
        tmp_path,
    )


def test_a_changed_vocabulary_is_indexed_again(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(default_content_dir(), folder)
    cache = tmp_path / "cache"
    first = for_content(load_content(folder / "model.yaml", cache), "en")
    assert search.find(first, "which level mentions a frobnicator?") == []
    lexicon = folder / "lexicon.yaml"
    data = yaml.safe_load(lexicon.read_text(encoding="utf-8"))
    data["terms"].append({"say": ["frobnicator"], "means": {"en": ["tiger team"]},
                          "cells": ["investment-1"]})  # fmt: skip
    lexicon.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    again = for_content(load_content(folder / "model.yaml", cache), "en")
    assert search.find(again, "which level mentions a frobnicator?")[0].cell == ("investment", 1)
    assert len(list(cache.glob("search-en-*.pickle"))) == 2


def test_a_broken_vocabulary_stops_chat_with_its_place(tmp_path: Path) -> None:
    from conftest import maturitybot

    folder = tmp_path / "content"
    shutil.copytree(default_content_dir(), folder)
    lexicon = folder / "lexicon.yaml"
    lexicon.write_text(
        lexicon.read_text(encoding="utf-8").replace("cells: [investment-1]", "cells: [fun-1]", 1),
        encoding="utf-8",
    )
    result = maturitybot(
        "chat", input="hi\n", env={"MATURITYBOT_CONTENT": str(folder / "model.yaml")}, cwd=tmp_path
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(lexicon) in result.stderr and "unknown aspect 'fun'" in result.stderr
