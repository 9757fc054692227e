"""Who is speaking and where: the small values every handler is told about a turn or a click.

They are made at the platform's door from a platform's payload and never repacked after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

# The largest id our id columns hold (INTEGER: 32 bits on PostgreSQL; SQLite's take 64): an id
# from a button or a card beyond it names nothing, and must not reach a query (PostgreSQL
# raises "integer out of range", SQLite OverflowError past 2**63).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Person:
    """Someone talking to the bot, by their platform user id.

    ``locale`` is the language they read (Slack's user locale, Teams' activity locale, the
    terminal's LANG), None when the platform did not say.
    """

    id: str
    name: str = ""
    # Other ids the same person has on the platform (Teams: the 29: id beside the AAD id);
    # an admin may be listed under any of them.
    aliases: tuple[str, ...] = ()
    locale: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True)
class Place:
    """A conversation the bot serves (a channel, group chat or DM), as stored."""

    id: int
    platform: str
    workspace: str
    channel: str
    name: str = ""
    timezone: str = "UTC"
    language: str = "en"
    reference: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name or self.channel


@dataclass(frozen=True)
class MessageRef:
    """Where a posted message lives: the platform's conversation (or thread) and message id."""

    conversation: str
    id: str

    def dumps(self) -> str:
        return json.dumps([self.conversation, self.id])

    @classmethod
    def loads(cls, text: str | None) -> MessageRef | None:
        if not text:
            return None
        try:
            conversation, message_id = json.loads(text)
        except (ValueError, TypeError):
            return None
        return cls(str(conversation), str(message_id))


@dataclass(frozen=True)
class Turn:
    """One message to the bot: its text (platform markup already stripped by the adapter),
    who said it and where. ``thread`` is the message it replied to, when said in a thread: a
    typed answer in a pulse's thread needs no aspect when only one question is left."""

    person: Person
    place: Place
    text: str
    thread: MessageRef | None = None


@dataclass(frozen=True)
class Click:
    """A press on a pulse question's button (or a card's submit), the same from every platform.

    ``place`` is the conversation the press came from, as the platform's own request says —
    never as the button's data says: a click may only answer a round of that conversation.
    ``at`` is when the person pressed, used to keep an older click from overwriting a newer one.
    """

    person: Person
    place: Place
    round_id: int
    question_id: str
    level: int | None  # None: "not sure"
    at: datetime
    comment: str | None = None
