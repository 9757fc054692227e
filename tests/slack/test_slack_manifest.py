"""The shipped Slack manifest asks for exactly what the bot uses."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack.yml"


def test_manifest_matches_what_the_bot_listens_to_and_calls() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    settings, features = manifest["settings"], manifest["features"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
        "user_change",  # a person's new language
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",  # app_mention
        "channels:history",  # message.channels
        "groups:history",  # message.groups
        "im:history",  # message.im
        "chat:write",  # postMessage, update, postEphemeral
        "commands",  # /maturity
        "channels:read",  # conversations.members, users.conversations
        "groups:read",
        "files:write",  # files_upload_v2
        "users:read",  # users.list, users.info, user_change: locales, for private replies
    }
    assert [c["command"] for c in features["slash_commands"]] == ["/maturity"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        features["slash_commands"][0]["url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert 174 <= len(manifest["display_information"]["long_description"]) <= 4000
