"""Slack: slack-bolt's AsyncApp behind the core, in HTTP events mode or Socket Mode.

Every slack_bolt and slack_sdk import of the project lives in this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.platforms.slack.settings import check

if TYPE_CHECKING:
    from bot.assembly import Assembly
    from bot.platforms.slack.adapter import SlackAdapter


def create(bot: Assembly, settings: Settings) -> SlackAdapter:
    from bot.platforms.slack.adapter import SlackAdapter

    check(settings)
    return SlackAdapter(bot, settings)


__all__ = ["create"]
