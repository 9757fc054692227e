"""How the bot reads questions: a table of phrasings people really type, read as the bot
answers them (a question that says more than the cells it names is searched for first, and
read as below when the search finds nothing)."""

from __future__ import annotations

import pytest

from bot.handlers.knowledge import respond
from bot.model import Content, load_content
from bot.platforms.slack.markup import plain as slack_plain
from bot.platforms.teams.markup import plain as teams_plain
from bot.replies import UnknownAnswer

L, A, OV, C, H, U = "level", "aspect", "overview", "compare", "help", "unknown"
S = "smalltalk"

# (text, intent, aspect, level-or-levels)
CASES = [
    # every aspect × level, by number, in many spellings and orders
    ("what is level 1 investment", L, "investment", 1),
    ("investment level 2", L, "investment", 2),
    ("L3 investment", L, "investment", 3),
    ("lvl 4 investment", L, "investment", 4),
    ("adoption at level one", L, "adoption", 1),
    ("level two adoption", L, "adoption", 2),
    ("third level of adoption", L, "adoption", 3),
    ("adoption level IV", L, "adoption", 4),
    ("interfaces L1", L, "interfaces", 1),
    ("Interfaces, level 2?", L, "interfaces", 2),
    ("what does level III look like for interfaces", L, "interfaces", 3),
    ("4th level interfaces", L, "interfaces", 4),
    ("operations level 1", L, "operations", 1),
    ("ops L2", L, "operations", 2),
    ("Level-3 Operations?", L, "operations", 3),
    ("level four operations", L, "operations", 4),
    ("measurement level i", L, "measurement", 1),
    ("lvl2 metrics", L, "measurement", 2),
    ("what is level 3 measurement", L, "measurement", 3),
    ("MEASUREMENT LEVEL 4!!!", L, "measurement", 4),
    # by aspect-specific title (every one of the 20)
    ("voluntary or temporary", L, "investment", 1),
    ("what does a dedicated team mean", L, "investment", 2),
    ("platform as a product", L, "investment", 3),
    ("enabled ecosystem", L, "investment", 4),
    ("erratic", L, "adoption", 1),
    ("extrinsic push", L, "adoption", 2),
    ("intrinsic pull", L, "adoption", 3),
    ("participatory adoption", L, "adoption", 4),
    ("custom processes", L, "interfaces", 1),
    ("standard tooling", L, "interfaces", 2),
    ("self-service solutions", L, "interfaces", 3),
    ("self service", L, "interfaces", 3),
    ("integrated services", L, "interfaces", 4),
    ("by request", L, "operations", 1),
    ("centrally tracked", L, "operations", 2),
    ("what is centrally enabled", L, "operations", 3),
    ("managed services", L, "operations", 4),
    ("ad hoc", L, "measurement", 1),
    ("consistent collection", L, "measurement", 2),
    ("insights", L, "measurement", 3),
    ("quantitative and qualitative", L, "measurement", 4),
    # by generic level name, with and without an aspect
    ("scalable", L, None, 3),
    ("what is provisional", L, None, 1),
    ("operationalized", L, None, 2),
    ("optimising", L, None, 4),
    ("scalable adoption", L, "adoption", 3),
    ("optimizing ops", L, "operations", 4),
    ("provisional funding", L, "investment", 1),
    ("operational measurement", L, "measurement", 2),
    ("Optimized interfaces", L, "interfaces", 4),
    # a level across all aspects
    ("what is level 3", L, None, 3),
    ("level 1", L, None, 1),
    ("tell me about the second level", L, None, 2),
    # aspects by name, plural/singular and synonyms
    ("tell me about adoption", A, "adoption", None),
    ("investment", A, "investment", None),
    ("funding", A, "investment", None),
    ("ops", A, "operations", None),
    ("operation", A, "operations", None),
    ("metrics", A, "measurement", None),
    ("explain the interface aspect", A, "interfaces", None),
    ("how do we measure", A, "measurement", None),
    # compare
    ("how do we get from 2 to 3 in adoption", C, "adoption", (2, 3)),
    ("extrinsic push vs intrinsic pull", C, "adoption", (2, 3)),
    ("compare level 1 and 2 for operations", C, "operations", (1, 2)),
    ("difference between L3 and L4 measurement", C, "measurement", (3, 4)),
    ("2 vs 3 interfaces", C, "interfaces", (2, 3)),
    ("levels 2 and 3 in investment", C, "investment", (2, 3)),
    ("how do we reach level 3 in measurement", C, "measurement", (2, 3)),
    ("what comes after scalable in adoption", C, "adoption", (3, 4)),
    ("by request versus centrally tracked", C, "operations", (1, 2)),
    ("from ad hoc to insights", C, "measurement", (1, 3)),
    ("how do we get to level 2 investment", C, "investment", (1, 2)),
    ("compare level 3 and level 1", C, None, (1, 3)),
    ("dedicated team -> as product", C, "investment", (2, 3)),
    # overview
    ("overview", OV, None, None),
    ("show me the whole model", OV, None, None),
    ("what is the platform engineering maturity model", OV, None, None),
    ("all aspects please", OV, None, None),
    ("summary", OV, None, None),
    # help
    ("help", H, None, None),
    ("what can you do?", H, None, None),
    # greetings are small talk now (they were help), and get a friendly word and a hint
    ("hi", S, None, None),
    ("hello", S, None, None),
    ("", H, None, None),
    (slack_plain("<@U0BOT>"), H, None, None),
    # unknown
    ("banana bread recipe", U, None, None),
    ("what is level 7", U, None, None),
    ("level 9 investment", U, "investment", None),
    ("qwertyuiop", U, None, None),
    # Slack and Teams markup, stripped by each platform's adapter before understanding
    (slack_plain("<@U123ABC> what is *level 2* _investment_"), L, "investment", 2),
    (teams_plain("<at>maturity-bot</at> level 4 interfaces"), L, "interfaces", 4),
    (teams_plain("<at>Maturity Bot</at>&nbsp;tell me about ~adoption~"), A, "adoption", None),
    (slack_plain("<@U1> `L1` measurement"), L, "measurement", 1),
    (slack_plain("<#C123|platform> <https://example.com|link> level 3 ops"), L, "operations", 3),
    (teams_plain("<p>what is <b>level 2</b> measurement</p>"), L, "measurement", 2),
    # small typos
    ("measurment level 2", L, "measurement", 2),
    ("mesurement", A, "measurement", None),
    ("adoptoin", A, "adoption", None),
    ("investmnet level 4", L, "investment", 4),
    ("operatoins l1", L, "operations", 1),
    ("interfcaes level 3", L, "interfaces", 3),
    ("scalabel adoption", L, "adoption", 3),
    ("intrinsic pul", L, "adoption", 3),
    ("maneged services", L, "operations", 4),
    ("levle 3 measurement", L, "measurement", 3),
]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def test_table_is_broad() -> None:
    assert len(CASES) >= 100
    pairs = {(aspect, level) for _, kind, aspect, level in CASES if kind == L and aspect}
    assert len(pairs) == 20
    assert {kind for _, kind, _, _ in CASES} == {L, A, OV, C, H, U, S}


@pytest.mark.parametrize(
    ("text", "kind", "aspect", "level"), CASES, ids=[c[0] or "empty" for c in CASES]
)
def test_understands(content, text: str, kind: str, aspect: str | None, level) -> None:
    answered = respond(text, content, "en")
    intent = answered.intent
    assert (answered.kind, intent.aspect) == (kind, aspect)
    if kind == C:
        assert intent.levels == level
        assert intent.level is None
    else:
        assert intent.level == level
        assert intent.levels is None


def test_unknown_suggests_a_close_word(content) -> None:
    said = respond("what about mesaurmnet", content).reply
    assert isinstance(said, UnknownAnswer) and said.suggestion == "Measurement"
    assert respond("xyzzy investmant plugh", content).intent.aspect == "investment"
    nearly = respond("tell me about adopshun", content).reply
    assert isinstance(nearly, UnknownAnswer)
    assert nearly.suggestion == "Adoption"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # real words are not "corrected" into the model's names
        ("every capability has its own process", "search"),
        ("our capability catalogue", "search"),
        ("scalability of the cluster", "level"),  # an alias of Scalable, as before
        # "model" alone does not mean the overview
        ("who wrote this model", "about"),
        ("Where does chargeback come up in the model?", "search"),
        ("what is the platform engineering maturity model", "overview"),
    ],
)
def test_real_words_and_the_word_model(content, text: str, kind: str) -> None:
    assert respond(text, content).kind == kind


def test_out_of_range_level_is_explained(content) -> None:
    from bot.platforms.text import render

    text = render(respond("what is level 7", content).reply)
    assert "levels 1 to 4" in text
