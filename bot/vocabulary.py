"""The practitioner vocabulary (``content/lexicon.yaml``): the words platform engineers use
(SLO, golden path, chargeback, 工单, 内源 …) and what the model calls the same things.

Each term lists what people ``say`` (in any language: a question in Chinese may well say
"SLO"), the model's own words it ``means`` in each language (they widen the search), and the
``cells`` where the model describes it (they lift those cells). It is data, validated like the
rest of ``content/``: a mistake names the file, the place and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from bot.model import ContentError, MaturityModel, Strict, Text, load_file, normalise_name

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
CellKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*-[1-4]$")]


class Term(Strict):
    """One idea in practitioners' words and in the model's."""

    say: list[Text] = Field(min_length=1)
    means: dict[Language, list[Text]] = Field(default_factory=dict)
    cells: list[CellKey] = Field(default_factory=list, max_length=4)

    @property
    def cell_keys(self) -> list[tuple[str, int]]:
        """``[("measurement", 4), …]``, most fitting first."""
        return [(key.rsplit("-", 1)[0], int(key.rsplit("-", 1)[1])) for key in self.cells]


class Vocabulary(Strict):
    terms: list[Term] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_phrase_once(self) -> Vocabulary:
        seen: dict[str, int] = {}
        for index, term in enumerate(self.terms):
            for phrase in term.say:
                key = normalise_name(phrase)
                if key in seen and seen[key] != index:
                    raise ValueError(f"{phrase!r} is said by terms {seen[key]} and {index}")
                seen[key] = index
        return self


def load_vocabulary(path: Path, model: MaturityModel) -> Vocabulary:
    """The vocabulary file, checked against the model its cells point into."""
    vocabulary = load_file(path, Vocabulary)
    for index, term in enumerate(vocabulary.terms):
        for key, _ in term.cell_keys:
            if key not in model.by_key:
                raise ContentError(path, f"terms[{index}].cells", f"unknown aspect {key!r}")
    return vocabulary


def vocabulary_path(model_path: Path) -> Path:
    """Where the vocabulary for a model file lives: beside it."""
    return model_path.with_name("lexicon.yaml")
