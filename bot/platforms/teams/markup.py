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
