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
# A channel's name as the bot stores it: its link between Unicode isolate marks. Only the bot
# writes these marks (``plain`` removes them from what people type), so only its own channel
# names come out of ``escape`` as links; anything else a person typed stays text.
_OPEN, _CLOSE = "\u2068", "\u2069"
_CHANNEL_LINK = re.compile(f"{_OPEN}&lt;#([A-Z0-9]{{1,24}})&gt;{_CLOSE}")


def channel_link(channel: str) -> str:
    """How a Slack channel is named in stored conversations and sentences about them."""
    return f"{_OPEN}<#{channel}>{_CLOSE}"


def plain(text: str) -> str:
    """The words of a Slack message: entities removed (a link keeps its label), the escapes
    Slack added undone — so ``&lt;!here&gt;`` is the text a person typed, not a broadcast."""
    text = _LABELLED_LINK.sub(r" \1 ", text)
    text = _ENTITY.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return typed(text)


def typed(text: str) -> str:
    """Text a person typed (a message, a comment), without the marks only the bot writes."""
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def escape(text: str) -> str:
    """Text shown as itself wherever Slack reads mrkdwn (``text``, sections, contexts): only
    the bot's own channel names become links (and never a mention or a broadcast)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CHANNEL_LINK.sub(r"<#\1>", text)
