"""Adaptive Cards' building blocks (schema 1.5): plain dicts, ready for an attachment or an
invoke response. Buttons are ``Action.Execute`` (Universal Actions: the bot answers the
clicker alone, in place) with an ``Action.Submit`` fallback for clients that predate 1.5."""

from __future__ import annotations

from bot.platforms.teams import actions
from bot.wording import Say, language

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
Card = dict[str, object]
Element = dict[str, object]


def card(body: list[Element], actions_: list[Element] | None = None) -> Card:
    built: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions_:
        built["actions"] = actions_
    return built


def text(value: Say | str, **style: object) -> Element:
    return {"type": "TextBlock", "text": str(value), "wrap": True, **style}


def heading(value: Say | str) -> Element:
    return text(value, size="Large", weight="Bolder")


def subtle(value: Say | str, **style: object) -> Element:
    return text(value, **{"isSubtle": True, "spacing": "Small", **style})


def bullets(items: list[str] | tuple[str, ...] | list[Say] | tuple[Say, ...]) -> Element:
    """A real (markdown) list: plain lines in one TextBlock would run together in Teams."""
    return text("\n".join(f"- {item}" for item in items), spacing="Small")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t_, "value": v} for t_, v in pairs]}


def execute(title: Say | str, verb: str, data: dict[str, object], **style: object) -> Element:
    """A Universal Action, falling back to a submit with the same data on older clients."""
    return {
        "type": "Action.Execute",
        "title": str(title),
        "verb": verb,
        "data": data,
        **style,
        "fallback": {"type": "Action.Submit", "title": str(title), "data": data},
    }


def ask(title: Say | str, question: str) -> Element:
    """A follow-up question; its answer speaks the language of this card."""
    return execute(title, actions.ASK, actions.ask_data(question, language()))
