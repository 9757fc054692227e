"""Every sentence a person reads, in the reader's language.

The gettext convention, as Django and Babel have it: English source strings are the message
ids, each language has a catalog (``bot/locale/<lang>/LC_MESSAGES/messages.po``, compiled to
``.mo`` with ``pybabel compile``), plurals go through ``ngettext``, and the language in force is
a context variable set for each turn and each piece of background work — never a global
switched by whoever ran last.

Handlers do not translate: they return ``Say`` values (a message id and its parameters) and the
renderers turn them into text under the reader's language with ``speaking(lang)``. The marker
functions ``t``, ``tn`` and ``tc`` are what ``pybabel extract`` looks for (see README,
Development). Dates go through ``babel.dates`` in the reader's locale, with patterns that are
themselves catalog messages.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

SOURCE = "en"  # the language the message ids are written in
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"

# What `pybabel extract` looks for (README, Development; the catalog test uses the same).
EXTRACT_KEYWORDS = ("t", "tn:1,2", "tc:1c,2", "tcn:1c,2,3")

_current: ContextVar[str] = ContextVar("maturitybot_language", default=SOURCE)
_escaper: ContextVar[Callable[[str], str] | None] = ContextVar("maturitybot_escaper", default=None)


class Catalog(Protocol):
    """What a compiled catalog offers (``gettext.GNUTranslations``, or a test's own)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str: ...


_catalogs: dict[str, Catalog] = {}


def catalog(language: str) -> Catalog:
    """The compiled catalog of a language, loaded once; the source language needs none."""
    found = _catalogs.get(language)
    if found is None:
        found = _catalogs[language] = _load(language)
    return found


def _load(language: str) -> Catalog:
    if language == SOURCE:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    except OSError:  # no catalog for this language: speak the source language
        return _gettext.NullTranslations()


def install(language: str, translations: Catalog, name: str = "") -> None:
    """Make a language available with the given catalog (the pseudo-locale test uses it)."""
    LANGUAGES.setdefault(language, name or language)
    _catalogs[language] = translations


def normalise(code: str | None) -> str | None:
    """A locale as platforms send it (``zh-CN``, ``zh_Hans``, ``en-GB``) → ``zh``/``en``."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].split(".", 1)[0].lower()
    return base if base in LANGUAGES else None


def language() -> str:
    """The language in force for what is being rendered now."""
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Render in ``language`` inside the block (None keeps the one in force)."""
    if language is None:
        yield
        return
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


# --- what handlers say ---------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A sentence to be said in the reader's language: a message id and its parameters.

    ``str(say)`` renders it in the language in force. Parameters may be plain text (user text,
    content, ids: never translated), numbers, other ``Say`` values, or ``Moment`` dates.
    """

    message: str
    params: tuple[tuple[str, object], ...] = ()
    plural: str | None = None
    count: int | None = None
    context: str | None = None

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        chosen = catalog(language())
        if self.plural is not None and self.count is not None:
            if self.context is not None:
                template = chosen.npgettext(self.context, self.message, self.plural, self.count)
            else:
                template = chosen.ngettext(self.message, self.plural, self.count)
        elif self.context is not None:
            template = chosen.pgettext(self.context, self.message)
        else:
            template = chosen.gettext(self.message)
        if not self.params:
            return template
        return template.format_map({key: show(value) for key, value in self.params})


def t(message: str, **params: object) -> Say:
    """A sentence: ``t("Closes {moment}.", moment=Moment(...))``."""
    return Say(message, tuple(params.items()))


def tn(singular: str, plural: str, n: int, **params: object) -> Say:
    """A sentence whose form depends on a count, available to it as ``{n}``."""
    return Say(singular, (("n", n), *params.items()), plural=plural, count=n)


def tc(context: str, message: str, **params: object) -> Say:
    """A sentence with a context that tells translators (and the catalog) apart uses of it."""
    return Say(message, tuple(params.items()), context=context)


def tcn(context: str, singular: str, plural: str, n: int, **params: object) -> Say:
    return Say(singular, (("n", n), *params.items()), plural=plural, count=n, context=context)


@dataclass(frozen=True)
class Listed:
    """Several parts shown as one list in the reader's language (``a, b``; ``a、b``)."""

    parts: tuple[Say | str, ...]

    def __str__(self) -> str:
        separator = tc("list separator", ", ").text()
        return separator.join(show(part) for part in self.parts)


# --- dates -----------------------------------------------------------------------------------

# Date patterns (CLDR syntax) are catalog messages, so each language writes dates its own way.
_PATTERNS = {
    "moment": lambda: tc("date pattern", "EEE d MMM HH:mm"),
    "short": lambda: tc("date pattern", "EEE HH:mm"),
    "day": lambda: tc("date pattern", "d MMM"),
    "date": lambda: tc("date pattern", "EEE d MMM yyyy"),
}


@dataclass(frozen=True)
class Moment:
    """A point in time to show in a timezone: ``moment`` (Fri 28 Nov 17:00), ``short``
    (Fri 17:00), ``day`` (28 Nov) or ``date`` (Fri 28 Nov 2026), in the reader's locale.
    ``zone_shown`` adds the timezone's name, for times people act on."""

    at: datetime
    timezone: str
    style: str = "moment"
    zone_shown: bool = False

    def __str__(self) -> str:
        pattern = _PATTERNS[self.style]().text()
        shown = _formatted(self.at, self.timezone, pattern, BABEL_LOCALES.get(language(), "en"))
        if self.zone_shown:
            return tc("date with its timezone", "{moment} ({timezone})", moment=shown,
                      timezone=self.timezone).text()  # fmt: skip
        return shown


@lru_cache(maxsize=4096)
def _formatted(at: datetime, timezone: str, pattern: str, locale: str) -> str:
    """A date through Babel, kept: every click of a round confirms the same closing time, and
    formatting costs more than the rest of the confirmation."""
    from babel.dates import format_datetime

    from bot.when import zone

    return format_datetime(at.astimezone(zone(timezone)), pattern, locale=locale)


class Typed(str):
    """Text a person typed (a comment, a question echoed), as a parameter: a renderer whose
    platform reads markup in the whole sentence escapes it there (``escaping``)."""

    __slots__ = ()


@contextmanager
def escaping(escape: Callable[[str], str]) -> Iterator[None]:
    """Inside the block, ``Typed`` parameters are shown through ``escape`` (Teams: the
    card's markdown and ``<at>``); the sentence around them keeps its own markup."""
    token = _escaper.set(escape)
    try:
        yield
    finally:
        _escaper.reset(token)


def show(value: object) -> str:
    """Any parameter as text in the language in force."""
    if isinstance(value, Typed):
        escape = _escaper.get()
        return escape(value) if escape is not None else str.__str__(value)
    if isinstance(value, Say | Moment | Listed):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
