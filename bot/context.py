"""Who is speaking and where: what every handler is told about a turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.chat import Chat, MessageRef


@dataclass(frozen=True)
class Person:
    """Someone talking to the bot, by their platform user id."""

    id: str
    name: str = ""
    # Other ids the same person has on the platform (Teams: the 29: id beside the AAD id);
    # an admin may be listed under any of them.
    aliases: tuple[str, ...] = ()

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
    reference: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name or self.channel


def place_of(conversation: Any) -> Place:
    """A stored conversation row as the ``Place`` handlers work with."""
    return Place(
        id=conversation.id,
        platform=conversation.platform,
        workspace=conversation.workspace,
        channel=conversation.channel,
        name=conversation.name,
        timezone=conversation.timezone,
        reference=conversation.reference,
    )


@dataclass(frozen=True)
class Turn:
    """One message to the bot: its text, who said it, where, and how to answer there.

    ``thread`` is the message the text was a reply to, when it was said in a thread: a typed
    answer in a pulse's thread needs no aspect when only one question is left.
    """

    person: Person
    place: Place
    text: str
    chat: Chat
    thread: MessageRef | None = None
