"""Whatever people type, the bot answers: an intent and some text, never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.knowledge import answer
from bot.platforms.text import render
from bot.understand import INTENTS, understand

MODEL_WORDS = st.sampled_from(
    ["level", "L3", "lvl", "iii", "adoption", "vs", "from", "to", "<@U1>", "<at>x</at>", "*",
     "_", "measurment", "self-service", "4", "7", "compare", "next", "-", "help", "\u200b"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(MODEL_WORDS, st.text(max_size=12)), max_size=40).map(" ".join),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_gets_an_intent_and_an_answer(model, text: str) -> None:
    intent = understand(text, model)
    assert intent.kind in INTENTS
    if intent.level is not None:
        assert 1 <= intent.level <= 4
    if intent.levels is not None:
        low, high = intent.levels
        assert 1 <= low < high <= 4
    assert render(answer(intent, model)).strip()


def test_huge_input_is_handled(model) -> None:
    for text in ("a" * 100_000, "level " * 50_000, "measurment" * 10_000, "<" * 50_000 + "@"):
        assert understand(text, model).kind in INTENTS
