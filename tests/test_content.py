"""The shipped content is complete, and a broken content file is reported precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.model import ContentError, default_content_dir, load_model, load_surveys

MODEL_FILE = default_content_dir() / "model.yaml"


def test_every_aspect_has_four_complete_levels(model) -> None:
    assert [a.key for a in model.aspects] == [
        "investment", "adoption", "interfaces", "operations", "measurement"
    ]  # fmt: skip
    for aspect in model.aspects:
        assert aspect.question.endswith("?") and aspect.intro
        assert [level.number for level in aspect.levels] == [1, 2, 3, 4]
        titles = [level.title.lower() for level in aspect.levels]
        assert len(set(titles)) == 4
        for level in aspect.levels:
            assert level.description and level.title
            assert 3 <= len(level.characteristics) <= 6
            assert 1 <= len(level.scenarios) <= 2
            assert (level.number == 1) or 2 <= len(level.how_to_get_here) <= 4


def test_titles_are_the_models_own(model) -> None:
    assert model.aspect("measurement").level(3).title == "Insights"
    assert model.aspect("interfaces").level(4).title == "Integrated services"
    names = ["Provisional", "Operational", "Scalable", "Optimizing"]
    assert [g.name for g in model.levels] == names
    assert "Operationalized" in model.generic(2).aliases


def test_attribution_names_source_and_licence(model) -> None:
    line = model.attribution.line
    assert "CC BY 4.0" in line and "https://" in line and "CNCF" in line
    assert "\n" not in line


def test_names_do_not_collide_across_aspects(model) -> None:
    seen: dict[str, str] = {}
    for aspect in model.aspects:
        names = [aspect.name, *aspect.synonyms]
        names += [n for level in aspect.levels for n in (level.title, *level.aliases)]
        for name in names:
            key = name.lower()
            assert seen.setdefault(key, aspect.key) == aspect.key, f"{name!r} used twice"


def test_surveys_cover_every_aspect(model, surveys) -> None:
    quick, deep = surveys.get("quick"), surveys.get("deep")
    assert [q.id for q in quick.questions] == [a.key for a in model.aspects]
    for aspect in model.aspects:
        assert len(deep.for_aspect(aspect.key)) == 4
    for survey in (quick, deep):
        for question in survey.questions:
            assert len(question.options) == 4
            assert all(len(option) <= 75 for option in question.options)  # Slack button text


# --- broken files ------------------------------------------------------------------------------


def _write(tmp_path: Path, data: object | str) -> Path:
    path = tmp_path / "model.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _shipped() -> dict:
    return yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8"))


def test_missing_level_is_reported_with_place(tmp_path: Path) -> None:
    data = _shipped()
    del data["aspects"][1]["levels"][2]
    with pytest.raises(ContentError) as caught:
        load_model(_write(tmp_path, data))
    message = str(caught.value)
    assert "aspects[1].levels" in message and "line" in message
    assert "missing level 3" in message or "at least 4" in message


def test_duplicate_key_is_reported_with_line(tmp_path: Path) -> None:
    text = MODEL_FILE.read_text(encoding="utf-8")
    text = text.replace("  - key: adoption\n", "  - key: adoption\n    key: adoption\n", 1)
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_model(path)
    line = text.splitlines().index("    key: adoption") + 1
    assert f"line {line}" in str(caught.value) and "duplicate key" in str(caught.value)


def test_duplicate_aspect_is_reported(tmp_path: Path) -> None:
    data = _shipped()
    data["aspects"][4]["key"] = "investment"
    with pytest.raises(ContentError, match="duplicate aspect key 'investment'"):
        load_model(_write(tmp_path, data))


def test_wrong_type_is_reported_with_line(tmp_path: Path) -> None:
    data = _shipped()
    data["aspects"][0]["levels"][0]["characteristics"] = "just one string"
    path = _write(tmp_path, data)
    with pytest.raises(ContentError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "aspects[0].levels[0].characteristics" in message
    assert "valid list" in message
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "characteristics: just one string" in text)
    assert f"(line {line})" in message


def test_yaml_syntax_error_is_reported_with_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "attribution:\n  model: [unclosed\nlevels: []\n")
    with pytest.raises(ContentError) as caught:
        load_model(path)
    assert str(caught.value).startswith(f"{path}: line ")


def test_missing_file_and_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="file not found"):
        load_model(tmp_path / "absent.yaml")
    data = _shipped()
    data["aspects"][0]["colour"] = "blue"
    with pytest.raises(ContentError, match="unknown field 'colour'"):
        load_model(_write(tmp_path, data))


def test_survey_for_unknown_aspect_is_refused(tmp_path: Path, model) -> None:
    folder = tmp_path / "surveys"
    folder.mkdir()
    quick = yaml.safe_load((default_content_dir() / "surveys" / "quick.yaml").read_text())
    quick["questions"][0]["aspect"] = "happiness"
    (folder / "quick.yaml").write_text(yaml.safe_dump(quick))
    with pytest.raises(ContentError, match="unknown aspect 'happiness'"):
        load_surveys(model, folder)


def test_changed_wording_needs_a_new_version(tmp_path: Path, model) -> None:
    folder = tmp_path / "surveys"
    folder.mkdir()
    quick = yaml.safe_load((default_content_dir() / "surveys" / "quick.yaml").read_text())
    (folder / "quick.yaml").write_text(yaml.safe_dump(quick))
    quick["key"] = "quick-copy"
    quick["questions"][0]["text"] = "A different wording?"
    (folder / "two.yaml").write_text(yaml.safe_dump(quick))
    with pytest.raises(ContentError, match="new version"):
        load_surveys(model, folder)


def test_validated_model_is_cached_and_invalidated(tmp_path: Path) -> None:
    """A second load reads the cache; a changed file is validated again, errors and all."""
    source = tmp_path / "model.yaml"
    source.write_text(MODEL_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    cache = tmp_path / "cache"
    first = load_model(source, cache)
    (kept,) = cache.glob("model-*.pickle")
    again = load_model(source, cache)
    assert again == first and again is not first
    assert again.aspect("measurement").level(3).title == "Insights"
    kept.write_bytes(b"not a pickle")  # a damaged cache is ignored and rewritten
    assert load_model(source, cache) == first
    source.write_text(source.read_text().replace("title: Insights", "title: [Insights]"))
    with pytest.raises(ContentError, match="title"):
        load_model(source, cache)
