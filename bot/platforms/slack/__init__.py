"""Slack: slack-bolt's AsyncApp behind the core, in HTTP events mode or Socket Mode.

Every slack_bolt and slack_sdk import of the project lives in this package.
"""

from __future__ import annotations

from bot.config import Settings
from bot.core import Core
from bot.platforms.slack.adapter import SlackAdapter


def create(core: Core, settings: Settings) -> SlackAdapter:
    return SlackAdapter(core, settings)


__all__ = ["SlackAdapter", "create"]
