"""The message catalog is complete and current: every sentence in the code is in the template,
every language's catalog translates every one of them with the same placeholders, and the
compiled catalogs are built from the current ones."""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

from bot import wording

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "bot" / "locale"


def _key(message_id: object, context: str | None) -> tuple[str | None, str]:
    singular = message_id[0] if isinstance(message_id, tuple | list) else message_id
    return (context, str(singular))


def _in_code() -> set[tuple[str | None, str]]:
    keywords = parse_keywords(list(wording.EXTRACT_KEYWORDS))
    found = extract_from_dir(
        str(ROOT / "bot"), [("**.py", "python")], keywords=keywords, strip_comment_tags=True
    )
    return {_key(message, context) for _, _, message, _, context in found}


def _template() -> set[tuple[str | None, str]]:
    with (LOCALE / "messages.pot").open("rb") as source:
        catalog = read_po(source)
    return {_key(message.id, message.context) for message in catalog if message.id}


def test_the_template_holds_every_sentence_of_the_code() -> None:
    code, template = _in_code(), _template()
    assert code - template == set(), "new sentences: run pybabel extract (README, Development)"
    assert template - code == set(), "sentences gone from the code: run pybabel extract"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", sorted(p.name for p in LOCALE.iterdir() if p.is_dir()))
def test_each_language_translates_every_sentence_alike(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    translated = {_key(m.id, m.context): m for m in catalog if m.id}
    assert set(translated) == _template(), "run pybabel update (README, Development)"
    compiled = gettext.GNUTranslations(
        (LOCALE / language / "LC_MESSAGES" / "messages.mo").open("rb")
    )
    for (context, _), message in translated.items():
        forms = message.string if isinstance(message.string, tuple | list) else [message.string]
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        assert all(forms), f"{language}: {ids[0]!r} is not translated"
        assert not message.fuzzy, f"{language}: {ids[0]!r} is marked fuzzy"
        if context != "date pattern":
            for form in forms:
                assert _fields(form) == _fields(ids[-1]) | (_fields(ids[0]) - {"n"}) or (
                    _fields(form) == _fields(ids[-1])
                ), f"{language}: placeholders differ in {ids[0]!r}"
        if len(ids) == 1:
            found = compiled.pgettext(context, ids[0]) if context else compiled.gettext(ids[0])
            assert found == forms[0], f"{language}: messages.mo is stale; run pybabel compile"


def test_every_sentence_renders_in_the_source_language() -> None:
    """Each message id is a valid format string (a stray brace would fail at run time)."""
    for _, message in _template():
        for name in _fields(message):
            assert name.isidentifier(), f"{message!r} has a bad placeholder {name!r}"
