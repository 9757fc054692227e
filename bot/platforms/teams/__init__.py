"""Microsoft Teams, through botbuilder-core and botbuilder-integration-aiohttp.

Every Bot Framework import of the product lives in this package, so a move to the
Microsoft 365 Agents SDK touches nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms.teams.settings import check

if TYPE_CHECKING:
    from bot.assembly import Assembly
    from bot.config import Settings
    from bot.platforms.teams.adapter import TeamsAdapter


def create(bot: Assembly, settings: Settings) -> TeamsAdapter:
    """The Teams adapter for ``maturitybot run``."""
    from bot.platforms.teams.adapter import TeamsAdapter

    check(settings)
    return TeamsAdapter(bot, settings)
