"""Slack's own settings, checked before anything starts (exit 2 with one line)."""

from __future__ import annotations

from bot.config import ConfigError, Settings


def check(settings: Settings) -> None:
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise ConfigError(
            "SLACK_BOT_TOKEN is set: also set SLACK_SIGNING_SECRET (HTTP events) or "
            "SLACK_APP_TOKEN (Socket Mode)"
        )
    if not settings.slack_api_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"SLACK_API_URL must be an http(s) URL like https://slack.com/api/, "
            f"got {settings.slack_api_url!r}"
        )
