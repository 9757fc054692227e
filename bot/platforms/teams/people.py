"""Who a Teams account is, for the core.

A Teams user has two ids: the Bot Framework ``29:`` id (per bot) and the Entra ID (AAD) object
id. The person id is the AAD object id when Teams sends one, so it stays the same in every
team and chat. ``MATURITYBOT_ADMINS`` may list either: when only the ``29:`` id is listed, that
id becomes the person id, so the core's admin check (which sees one id) still matches.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.context import Person


@dataclass(frozen=True)
class Account:
    """A Teams user as the connector names them."""

    teams_id: str  # "29:..."
    aad_id: str | None = None
    name: str = ""

    def person_id(self, admins: Collection[str]) -> str:
        if self.teams_id in admins and (self.aad_id is None or self.aad_id not in admins):
            return self.teams_id
        return self.aad_id or self.teams_id

    def person(self, admins: Collection[str]) -> Person:
        return Person(self.person_id(admins), self.name)


def account_of(channel_account: object) -> Account | None:
    """From a botbuilder ``ChannelAccount`` / ``TeamsChannelAccount``; None without an id."""
    teams_id = getattr(channel_account, "id", None)
    if not isinstance(teams_id, str) or not teams_id:
        return None
    aad = getattr(channel_account, "aad_object_id", None) or None
    name = getattr(channel_account, "name", None) or ""
    return Account(teams_id, aad if isinstance(aad, str) else None, name)
