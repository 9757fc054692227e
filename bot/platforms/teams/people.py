"""Who a Teams account is, for the core.

A Teams user has two ids: the Bot Framework ``29:`` id (per bot) and the Entra ID (AAD) object
id. The person id is always the AAD object id when Teams sends one, so it stays the same in
every team and chat (and in every answer); the ``29:`` id travels along as an alias, so
``MATURITYBOT_ADMINS`` may list either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.context import Person


@dataclass(frozen=True)
class Account:
    """A Teams user as the connector names them."""

    teams_id: str  # "29:..."
    aad_id: str | None = None
    name: str = ""

    @property
    def person_id(self) -> str:
        return self.aad_id or self.teams_id

    def person(self) -> Person:
        aliases = (self.teams_id,) if self.aad_id else ()
        return Person(self.person_id, self.name, aliases)


# A Teams or AAD id: letters, digits and a little punctuation, at most a stored person id's
# length. Anything else (markup, spaces, 5,000 characters) names nobody.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:_@.=+/-]{0,127}")
MAX_NAME = 255


def account_of(channel_account: object) -> Account | None:
    """From a botbuilder ``ChannelAccount`` / ``TeamsChannelAccount``; None without a valid
    id (an AAD id that is not an id counts as none sent at all: the activity is refused)."""
    teams_id = getattr(channel_account, "id", None)
    if not isinstance(teams_id, str) or not _ID.fullmatch(teams_id):
        return None
    aad = getattr(channel_account, "aad_object_id", None) or None
    if aad is not None and (not isinstance(aad, str) or not _ID.fullmatch(aad)):
        return None
    name = getattr(channel_account, "name", None) or ""
    return Account(teams_id, aad, name[:MAX_NAME] if isinstance(name, str) else "")
