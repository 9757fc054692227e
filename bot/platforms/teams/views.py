"""Teams' user-specific card views for a round's question posts.

The shared question card carries ``refresh``: an ``Action.Execute`` (verb ``view``, the round
and question in its data) and ``userIds``, the people who answered (most recent first, at
most Teams' 60). For each listed person Teams asks the bot for their own view (an
``adaptiveCard/action`` invoke with ``trigger: "automatic"``) whenever it shows the card,
also after the bot edits it (a count refresh, closing). The answer is the card with their
own answer on it. Where more people answered than ``userIds`` holds (or some could not be
listed), the shared card also offers "Show my answer", which sends the same invoke by hand.

The invoke is the client's word, read here: the action's type and verb, whole numbers and
short strings in its data, a known trigger. Whose view it is comes from the activity's
sender, never from the data; the conversation from the activity (checked in ``Views``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.platforms.teams import actions
from bot.wording import Say, t

VERB = "view"
MAX_USER_IDS = 60  # Teams refreshes a card automatically for at most 60 listed people
TRIGGERS = ("automatic", "manual")
MAX_QUESTION_ID = 64


@dataclass(frozen=True)
class ViewRequest:
    round_id: int
    question_id: str
    automatic: bool


def view_data(round_id: int, question_id: str) -> dict[str, object]:
    return {actions.KEY: VERB, "round": round_id, "question": question_id}


def show_mine() -> Say:
    return t("Show my answer")


def refresh(round_id: int, question_id: str, user_ids: list[str]) -> dict[str, object]:
    """The card's ``refresh`` section: who gets their own view, and how to ask for it."""
    return {
        "action": {
            "type": "Action.Execute",
            "title": str(show_mine()),
            "verb": VERB,
            "data": view_data(round_id, question_id),
        },
        "userIds": user_ids[:MAX_USER_IDS],
    }


def parse_view(value: object) -> ViewRequest | None:
    """A request for one's own view in an invoke's ``value``; None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    pressed = value.get("action")
    if not isinstance(pressed, Mapping) or pressed.get("type") != "Action.Execute":
        return None
    data = pressed.get("data")
    if pressed.get("verb") != VERB or not isinstance(data, Mapping):
        return None
    if data.get(actions.KEY) != VERB:
        return None
    trigger = value.get("trigger", "manual")  # the Agents Playground sends none
    if trigger not in TRIGGERS:
        return None
    round_id, question = data.get("round"), data.get("question")
    if isinstance(round_id, bool) or not isinstance(round_id, int) or round_id <= 0:
        return None
    if not isinstance(question, str) or not 0 < len(question) <= MAX_QUESTION_ID:
        return None
    return ViewRequest(round_id, question, automatic=trigger == "automatic")


def submitted_view(value: object) -> ViewRequest | None:
    """The same request from the ``Action.Submit`` fallback of "Show my answer" (a message
    whose ``value`` is the action's data)."""
    if not isinstance(value, Mapping) or value.get(actions.KEY) != VERB:
        return None
    return parse_view({"action": {"type": "Action.Execute", "verb": VERB, "data": value}})


def is_view(value: object) -> bool:
    """Whether an invoke asks for a view at all (valid or not): its verb is ours."""
    if not isinstance(value, Mapping):
        return False
    pressed = value.get("action")
    return isinstance(pressed, Mapping) and pressed.get("verb") == VERB
