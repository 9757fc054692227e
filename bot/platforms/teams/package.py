"""``maturitybot teams-package``: a Teams app zip to upload ("sideload") or hand to an admin:
manifest.json plus the two icons, drawn on the fly."""

from __future__ import annotations

import json
import re
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.model import MaturityModel
from bot.platforms.teams.icons import colour_icon, outline_icon
from bot.wording import t

MANIFEST_VERSION = "1.22"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
SCOPES = ["team", "groupChat", "personal"]
ACCENT_COLOUR = "#2F6FDE"
# Placeholders: sideloading accepts them; replace them before publishing to an org catalog.
DEVELOPER_URL = "https://example.com/maturity-bot"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
COMMANDS = (
    ("help", t("What I can do")),
    ("what is level 3 measurement", t("One level of one aspect, in detail")),
    ("overview", t("The whole model at a glance")),
    ("pulse start", t("Open a pulse round in this channel (admins)")),
    ("pulse status", t("Responses so far and the closing time")),
    ("pulse close", t("Close the round and post the summary (admins)")),
    ("pulse remind", t("Remind people who have not answered (admins)")),
    ("digest", t("The latest results with a chart")),
    ("my answers", t("What you answered; only you see it")),
    ("forget me", t("Delete every answer you gave")),
)


def app_version() -> str:
    try:
        return version("maturity-bot")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.1.0"


def manifest(settings: Settings, model: MaturityModel) -> dict[str, object]:
    app_id = settings.microsoft_app_id
    if not app_id:
        raise ConfigError(
            "set MICROSOFT_APP_ID to your Azure Bot's app id to build the Teams package"
        )
    if not _GUID.match(app_id):
        raise ConfigError(f"MICROSOFT_APP_ID must be an app id (a GUID), got {app_id!r}")
    attribution = model.attribution
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version(),
        "id": app_id,
        "developer": {
            "name": "maturity-bot",
            "websiteUrl": DEVELOPER_URL,
            "privacyUrl": f"{DEVELOPER_URL}/privacy",
            "termsOfUseUrl": f"{DEVELOPER_URL}/terms",
        },
        "name": {"short": "maturity-bot", "full": str(t("Platform Engineering Maturity bot"))},
        "description": {
            "short": str(t("Explains the platform engineering maturity model; runs team pulses."))[
                :80
            ],
            "full": str(
                t(
                    "Ask about the {model} (5 aspects × 4 levels) and run pulse surveys in a "
                    "channel thread: one question per aspect, confidential answers, aggregate "
                    "results and a digest chart. Model: {attribution}",
                    model=attribution.model,
                    attribution=attribution.line,
                )
            )[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOUR,
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [
                            {"title": title, "description": str(description)[:128]}
                            for title, description in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def write_package(settings: Settings, model: MaturityModel, output: str | Path) -> str:
    """Write the zip; returns its path."""
    built = manifest(settings, model)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(built, indent=2, ensure_ascii=False))
        archive.writestr("color.png", colour_icon())
        archive.writestr("outline.png", outline_icon())
    return str(path)
