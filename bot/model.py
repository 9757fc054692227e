"""The maturity model and the survey templates as typed, validated objects.

The content lives in YAML (``content/``). Loading it is the one place that may fail on a
person's mistake in a file, so every failure becomes a ``ContentError`` that names the file,
the place (with a line number whenever the YAML can give one) and what is wrong.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

try:  # libyaml is about ten times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

LEVEL_NUMBERS = (1, 2, 3, 4)

Schema = TypeVar("Schema", bound="BaseModel")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]


class ContentError(Exception):
    """A content file is missing, unreadable or does not match the schema."""

    def __init__(self, path: Path, place: str, problem: str) -> None:
        self.path, self.place, self.problem = path, place, problem
        super().__init__(f"{path}: {place}: {problem}" if place else f"{path}: {problem}")


class Strict(BaseModel):
    """A content schema: no unknown fields, no coercion, immutable once loaded."""

    # defer_build: the validation schema is built on first use, so a model read back from
    # the cache never pays for it.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Attribution(Strict):
    """Where the model comes from, and the one line every long answer cites. ``original``
    maps a language code to where the model can be read in that language; ``credit`` is how
    to credit it."""

    model: Text
    version: Text
    authors: Text
    license: Text
    license_url: Text | None = None
    source: Text
    home: Text | None = None
    original: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")], Text] = {}
    credit: Text | None = None
    line: Text


class GenericLevel(Strict):
    """A level's name shared by all aspects: 1 Provisional … 4 Optimizing."""

    number: int = Field(ge=1, le=4)
    name: Text
    aliases: list[Text] = []
    summary: Text


class Level(Strict):
    """One aspect at one level."""

    number: int = Field(ge=1, le=4)
    title: Text
    aliases: list[Text] = []
    description: Text
    characteristics: list[Text] = Field(min_length=3, max_length=6)
    scenarios: list[Text] = Field(min_length=1, max_length=2)
    how_to_get_here: list[Text] = Field(default=[], max_length=4)

    @model_validator(mode="after")
    def _moves_above_level_one(self) -> Level:
        if self.number > 1 and len(self.how_to_get_here) < 2:
            raise ValueError("how_to_get_here needs 2 to 4 moves for levels 2-4")
        return self


class Aspect(Strict):
    """One of the model's aspects with its four levels."""

    key: Key
    name: Text
    synonyms: list[Text] = []
    question: Text
    intro: Text
    levels: list[Level] = Field(min_length=4, max_length=4)

    @model_validator(mode="after")
    def _levels_one_to_four(self) -> Aspect:
        numbers = [level.number for level in self.levels]
        if numbers != list(LEVEL_NUMBERS):
            missing = sorted(set(LEVEL_NUMBERS) - set(numbers))
            detail = f"missing level {missing[0]}" if missing else "levels out of order"
            raise ValueError(f"{detail}: levels must be 1, 2, 3, 4 in order (found {numbers})")
        titles = [level.title.casefold() for level in self.levels]
        if len(set(titles)) != len(titles):
            raise ValueError("level titles must be unique within an aspect")
        return self

    def level(self, number: int) -> Level:
        return self.levels[number - 1]


class MaturityModel(Strict):
    """The whole model: attribution, generic level names and the aspects."""

    attribution: Attribution
    levels: list[GenericLevel] = Field(min_length=4, max_length=4)
    aspects: list[Aspect] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MaturityModel:
        if [level.number for level in self.levels] != list(LEVEL_NUMBERS):
            raise ValueError("levels must be 1, 2, 3, 4 in order")
        _require_unique("aspect key", [aspect.key for aspect in self.aspects])
        return self

    @cached_property
    def by_key(self) -> dict[str, Aspect]:
        return {aspect.key: aspect for aspect in self.aspects}

    def aspect(self, key: str) -> Aspect:
        return self.by_key[key]

    def generic(self, number: int) -> GenericLevel:
        return self.levels[number - 1]


class Question(Strict):
    """One survey question: four options, one per level, in the words of a team member."""

    id: Key
    aspect: Key
    version: int = Field(ge=1)
    text: Text
    options: list[Text] = Field(min_length=4, max_length=4)

    def option(self, level: int) -> str:
        return self.options[level - 1]


class Survey(Strict):
    """A survey template: ``quick`` asks one question per aspect, ``deep`` four."""

    key: Key
    name: Text
    description: Text
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Survey:
        _require_unique("question id", [question.id for question in self.questions])
        return self

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    def for_aspect(self, aspect: str) -> list[Question]:
        return [question for question in self.questions if question.aspect == aspect]


def _require_unique(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


# --- loading -------------------------------------------------------------------------------


def default_content_dir() -> Path:
    """The shipped content: inside the installed package, or next to it in a source tree."""
    packaged = Path(__file__).with_name("_content")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "content"


def load_model(path: Path | None = None, cache_dir: Path | None = None) -> MaturityModel:
    """Load and validate the maturity model file (default: the shipped one).

    With ``cache_dir``, a file already validated (same bytes, same schema code) is read back
    from a pickle instead: no YAML parse and no pydantic schema build, which is most of
    `maturitybot ask`'s start-up. A missing or unusable cache just means validating again.
    """
    path = path or default_content_dir() / "model.yaml"
    if cache_dir is None:
        return load_file(path, MaturityModel)
    try:
        key = _fingerprint(path.read_bytes())
    except OSError:
        return load_file(path, MaturityModel)  # reports the problem with the file
    cached = _cached(cache_dir / f"model-{key}.pickle")
    if cached is not None:
        return cached
    model = load_file(path, MaturityModel)
    _keep(cache_dir / f"model-{key}.pickle", model)
    return model


def _fingerprint(content: bytes) -> str:
    """Changes with the content file and with this schema's code."""
    digest = hashlib.sha256(content)
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:32]


def _cached(path: Path) -> MaturityModel | None:
    try:
        found = pickle.loads(path.read_bytes())  # our own cache, written below
    except Exception:
        return None
    return found if isinstance(found, MaturityModel) else None


def _keep(path: Path, model: MaturityModel) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
    except OSError:
        pass  # a read-only home or a full disk: start-up is slower, nothing else changes


@dataclass(frozen=True)
class Surveys:
    """The survey templates, checked against the model they ask about."""

    templates: dict[str, Survey]
    default: str = "quick"

    def get(self, key: str) -> Survey | None:
        return self.templates.get(key)

    def question(self, question_id: str) -> Question | None:
        for survey in self.templates.values():
            if question_id in survey.by_id:
                return survey.by_id[question_id]
        return None


def load_surveys(model: MaturityModel, directory: Path | None = None) -> Surveys:
    """Load every ``*.yaml`` template in the surveys directory and check it against the model."""
    directory = directory or default_content_dir() / "surveys"
    templates: dict[str, Survey] = {}
    owners: dict[tuple[str, int], tuple[str, Question]] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ContentError(directory, "", "no survey templates (*.yaml) found")
    for path in files:
        survey = load_file(path, Survey)
        if survey.key in templates:
            raise ContentError(path, "key", f"duplicate survey key {survey.key!r}")
        for index, question in enumerate(survey.questions):
            place = f"questions[{index}]"
            if question.aspect not in model.by_key:
                raise ContentError(path, place, f"unknown aspect {question.aspect!r}")
            # The same id may appear in two templates only with the same wording and version.
            earlier = owners.get((question.id, question.version))
            if earlier and earlier[1] != question:
                raise ContentError(
                    path,
                    place,
                    f"question {question.id!r} v{question.version} differs from "
                    f"the one in template {earlier[0]!r}: give the changed wording a new version",
                )
            owners[(question.id, question.version)] = (survey.key, question)
        missing = [key for key in model.by_key if not survey.for_aspect(key)]
        if missing:
            raise ContentError(path, "questions", f"no question for aspect {missing[0]!r}")
        templates[survey.key] = survey
    if "quick" not in templates:
        raise ContentError(directory, "", "the default survey template 'quick' is missing")
    return Surveys(templates)


def load_file(path: Path, schema: type[Schema]) -> Schema:
    """A content file validated against ``schema``; any problem is a ``ContentError`` with the
    file, the place (and line) and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(path, "", f"cannot read: {error}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"line {mark.line + 1}" if mark else ""
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise ContentError(path, place, problem or "invalid YAML") from None
    except yaml.YAMLError as error:
        raise ContentError(path, "", f"invalid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ContentError(path, "line 1", "expected a mapping at the top of the file")
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = [part for part in first["loc"] if not str(part).startswith("function-")]
        raise ContentError(path, _describe(text, location), _explain(first)) from None


def _explain(error: ErrorDetails) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "missing":
        return f"missing field {error['loc'][-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}"
    return message.removeprefix("Value error, ")


def _describe(text: str, location: list[Any]) -> str:
    """Render a validation location as ``aspects[2].levels[0].title (line 41)``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    line = _line_of(text, location)
    if not path:
        return f"line {line}" if line else ""
    return f"{path} (line {line})" if line else path


def _line_of(text: str, location: list[Any]) -> int | None:
    """Walk the YAML node tree along ``location``; the last node reached gives the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in location:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
            if node is None:
                # A missing field: the line of the mapping that lacks it is the best place.
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            break
    return node.start_mark.line + 1 if node is not None else line


class _UniqueKeyLoader(_Loader):
    """A safe loader that refuses duplicate mapping keys instead of keeping the last one."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


_NAME_WORDS = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def normalise_name(text: str) -> str:
    """Lower-case words (and runs of Chinese characters) only: how titles and aliases are
    compared; full-width letters and digits count as their ASCII selves."""
    return " ".join(_NAME_WORDS.findall(unicodedata.normalize("NFKC", text).casefold()))


class Content:
    """The model and the survey templates in every language the bot speaks.

    The source language (English) is loaded at once; another language is loaded the first
    time something is said in it, checked to have the source's structure item for item
    (every cell and list, every question, option, id and version), and kept. A language
    without content files speaks about the source language's content.
    """

    source = "en"

    def __init__(
        self,
        models: dict[str, MaturityModel],
        surveys: dict[str, Surveys] | None = None,
        directory: Path | None = None,
        cache_dir: Path | None = None,
        source_file: Path | None = None,
    ) -> None:
        self.models = dict(models)
        self.surveys = dict(surveys or {})
        self.directory = directory
        self.cache_dir = cache_dir
        self.source_file = source_file or (directory / "model.yaml" if directory else None)
        self.indexes: dict[str, Any] = {}

    def index(self, language: str | None = None) -> Any:
        """The search index of a language's content (``bot.index.Index``): read back from the
        cache when this content was indexed before, else built now. Only questions that need
        a search get here, so cell questions never load it."""
        language = language or self.source
        if language not in self.indexes:
            from bot import index  # search only

            self.indexes[language] = index.for_content(self, language)
        return self.indexes[language]

    def model_file(self, language: str | None = None) -> Path | None:
        """The file a language's model was read from (None for models given in memory)."""
        language = language or self.source
        translated = self._translated("model.yaml", language)
        return translated if translated is not None else self.source_file

    def model(self, language: str | None = None) -> MaturityModel:
        language = language or self.source
        if language not in self.models:
            path = self._translated("model.yaml", language)
            found = load_model(path, self.cache_dir) if path else None
            if found is not None and path is not None:
                check_parallel(self.models[self.source], found, path)
            self.models[language] = found or self.models[self.source]
        return self.models[language]

    def survey_set(self, language: str | None = None) -> Surveys:
        language = language or self.source
        if language not in self.surveys:
            if language == self.source:
                folder = self.directory / "surveys" if self.directory else None
                self.surveys[language] = load_surveys(self.model(), folder)
            elif self._translated("model.yaml", language) is None:
                self.surveys[language] = self.survey_set()
            else:
                assert self.directory is not None
                folder = self.directory / language / "surveys"
                found = load_surveys(self.model(language), folder)
                check_parallel_surveys(self.survey_set(), found, self.directory / language)
                self.surveys[language] = found
        return self.surveys[language]

    def check_all(self, languages: Iterable[str]) -> None:
        """Load and check every language's content now (``run`` and ``chat`` start with it, so
        a broken file stops start-up with its place, not a conversation later), the search
        vocabulary and indexes included (read from the cache, or built once)."""
        for language in languages:
            self.model(language)
            self.survey_set(language)
            self.index(language)

    def _translated(self, name: str, language: str) -> Path | None:
        """A translation's file, if the content directory has one."""
        if self.directory is None or language == self.source:
            return None
        path = self.directory / language / name
        return path if path.is_file() else None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.models)


def load_content(
    model_path: Path | None = None,
    cache_dir: Path | None = None,
    model: MaturityModel | None = None,
) -> Content:
    """The model (already loaded, or from ``model_path``) and its survey templates; other
    languages' content (``<dir>/zh/model.yaml``, ``<dir>/zh/surveys/``) loads when first used."""
    source_file = model_path or default_content_dir() / "model.yaml"
    english = model or load_model(model_path, cache_dir)
    return Content({"en": english}, None, source_file.parent, cache_dir, source_file)


def check_parallel(source: MaturityModel, translation: MaturityModel, path: Path) -> None:
    """A translation has the source's structure: same aspects and levels in the same order,
    and every list of a cell as long as the source's (item i says what item i says there)."""

    def refuse(location: list[Any], problem: str) -> None:
        text = path.read_text(encoding="utf-8")
        raise ContentError(path, _describe(text, location), problem)

    keys = [aspect.key for aspect in source.aspects]
    for index, aspect in enumerate(translation.aspects):
        if index >= len(keys) or aspect.key != keys[index]:
            refuse(["aspects", index, "key"], f"expected aspect {keys[index:index + 1]} here, "
                   f"as in the source model (same aspects in the same order)")  # fmt: skip
    if len(translation.aspects) != len(keys):
        refuse(["aspects"], f"missing aspect {keys[len(translation.aspects)]!r}")
    for a, (mine, theirs) in enumerate(zip(translation.aspects, source.aspects, strict=True)):
        for n, (level, original) in enumerate(zip(mine.levels, theirs.levels, strict=True)):
            for field in ("characteristics", "scenarios", "how_to_get_here"):
                have, want = len(getattr(level, field)), len(getattr(original, field))
                if have != want:
                    refuse(
                        ["aspects", a, "levels", n, field],
                        f"{field} has {have} items; the source model has {want} here (one for one)",
                    )


def check_parallel_surveys(source: Surveys, translation: Surveys, directory: Path) -> None:
    """Same templates, and in each the same questions (ids, aspects, versions, order, four
    options each): answers in either language count in the same round's figures."""
    for key, original in source.templates.items():
        mine = translation.templates.get(key)
        if mine is None:
            raise ContentError(directory / "surveys", "", f"template {key!r} is missing")
        ours = [(q.id, q.aspect, q.version, len(q.options)) for q in mine.questions]
        theirs = [(q.id, q.aspect, q.version, len(q.options)) for q in original.questions]
        for index, (found, wanted) in enumerate(zip(ours, theirs, strict=False)):
            if found != wanted:
                raise ContentError(
                    directory / "surveys" / f"{key}.yaml",
                    f"questions[{index}]",
                    f"expected question {wanted[0]!r} ({wanted[1]}, version {wanted[2]}) as "
                    f"in the source template, found {found[0]!r} ({found[1]}, version "
                    f"{found[2]})",
                )
        if len(ours) != len(theirs):
            raise ContentError(
                directory / "surveys" / f"{key}.yaml",
                "questions",
                f"{len(ours)} questions; the source template has {len(theirs)}",
            )
    extra = set(translation.templates) - set(source.templates)
    if extra:
        raise ContentError(
            directory / "surveys", "", f"template {sorted(extra)[0]!r} is not in the source"
        )
