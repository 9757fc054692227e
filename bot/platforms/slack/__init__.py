"""Slack: slack-bolt's AsyncApp behind the core, in HTTP events mode or Socket Mode.

Every slack_bolt and slack_sdk import of the project lives in this package.
"""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.core import Core
from bot.platforms.slack.adapter import SlackAdapter


def create(core: Core, settings: Settings) -> SlackAdapter:
    if not settings.slack_api_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"SLACK_API_URL must be an http(s) URL like https://slack.com/api/, "
            f"got {settings.slack_api_url!r}"
        )
    return SlackAdapter(core, settings)


__all__ = ["SlackAdapter", "create"]
