"""Slack's mrkdwn, both ways: what people typed, without Slack's markup, at the door; and
text that must not become markup on the way out.

Slack sends typed ``<``, ``>`` and ``&`` escaped, and mentions, channel links, broadcasts and
links as ``<…>`` entities. The bot reads the words a person typed; it never repeats an entity,
so nobody can mention or notify others through it.
"""

from __future__ import annotations

import re

_LABELLED_LINK = re.compile(r"<(?:https?|mailto):[^|>]{0,2000}\|([^>]{0,500})>")
_ENTITY = re.compile(r"<[@#!][^>]{0,500}>|<(?:https?|mailto):[^>]{0,2000}>")


def plain(text: str) -> str:
    """The words of a Slack message: entities removed (a link keeps its label), the escapes
    Slack added undone — so ``&lt;!here&gt;`` is the text a person typed, not a broadcast."""
    text = _LABELLED_LINK.sub(r" \1 ", text)
    text = _ENTITY.sub(" ", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Text shown as itself wherever Slack reads mrkdwn (``text``, sections, contexts)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
