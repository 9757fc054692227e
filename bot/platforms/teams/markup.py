"""Teams message text, both ways: the words a person typed (without ``<at>`` mentions and HTML)
at the door; and text that must not become markup in an Adaptive Card on the way out."""

from __future__ import annotations

import html
import re

_MENTION = re.compile(r"<at\b[^>]{0,200}>.{0,500}?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")


def plain(text: str) -> str:
    """The words of a Teams message: mentions and tags removed, entities decoded."""
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text).replace("\u00a0", " ")


# What Adaptive Card markdown reads inside a line (bold, italic, links, code) and tags such
# as <at>: a backslash makes each one itself (CommonMark escapes any ASCII punctuation).
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~])")


def escape(text: str) -> str:
    """Text a person typed, shown as itself in an Adaptive Card's TextBlock: no bold, link,
    or ``<at>`` mention made of it. Line breaks become spaces: a line of its own starting with
    ``- `` or ``1.`` would open a list (user text never starts a TextBlock)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))
