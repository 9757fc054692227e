"""``maturitybot teams-package``: a Teams app zip to upload ("sideload") or hand to an admin:
manifest.json plus the two icons, drawn on the fly."""

from __future__ import annotations

import json
import re
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.model import Content, MaturityModel
from bot.platforms.teams.icons import colour_icon, outline_icon
from bot.wording import speaking, t

MANIFEST_VERSION = "1.22"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
SCOPES = ["team", "groupChat", "personal"]
ACCENT_COLOUR = "#2F6FDE"
LOCALIZATION_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.Localization.schema.json"
)
TRANSLATIONS = {"zh": "zh-cn"}  # our language -> Teams' language tag
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
    """The app manifest, in English; ``localization`` gives its other languages."""
    app_id = settings.microsoft_app_id
    if not app_id:
        raise ConfigError(
            "set MICROSOFT_APP_ID to your Azure Bot's app id to build the Teams package"
        )
    if not _GUID.match(app_id):
        raise ConfigError(f"MICROSOFT_APP_ID must be an app id (a GUID), got {app_id!r}")
    with speaking("en"):
        shown = _readable(model)
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version(),
        "id": app_id,
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [
                {"languageTag": tag, "file": f"{tag}.json"} for tag in TRANSLATIONS.values()
            ],
        },
        "developer": {
            "name": "maturity-bot",
            "websiteUrl": DEVELOPER_URL,
            "privacyUrl": f"{DEVELOPER_URL}/privacy",
            "termsOfUseUrl": f"{DEVELOPER_URL}/terms",
        },
        "name": {"short": "maturity-bot", "full": shown["name.full"]},
        "description": {"short": shown["description.short"], "full": shown["description.full"]},
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
                            {"title": title, "description": shown[_command_key(index)]}
                            for index, (title, _) in enumerate(COMMANDS)
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def localization(language: str, model: MaturityModel) -> dict[str, str]:
    """A Teams localization file: the manifest's readable strings in ``language``."""
    with speaking(language):
        return {"$schema": LOCALIZATION_SCHEMA, **_readable(model)}


def _command_key(index: int) -> str:
    return f"bots[0].commandLists[0].commands[{index}].description"


def _readable(model: MaturityModel) -> dict[str, str]:
    """What people read of the app in the store and the compose box, in the language in
    force, by the localization file's keys (command titles stay: they are what to type)."""
    attribution = model.attribution
    shown = {
        "name.short": "maturity-bot",
        "name.full": str(t("Platform Engineering Maturity bot"))[:100],
        "description.short": str(
            t("Explains the platform engineering maturity model; runs team pulses.")
        )[:80],
        "description.full": str(
            t(
                "Ask about the {model} (5 aspects × 4 levels) and run pulse surveys in a "
                "channel thread: one question per aspect, confidential answers, aggregate "
                "results and a digest chart. Model: {attribution}",
                model=attribution.model,
                attribution=attribution.line,
            )
        )[:4000],
    }
    for index, (_, description) in enumerate(COMMANDS):
        shown[_command_key(index)] = str(description)[:128]
    return shown


def write_package(
    settings: Settings, model: MaturityModel, output: str | Path, content: Content | None = None
) -> str:
    """Write the zip (manifest, icons, and a localization file per other language); returns
    its path."""
    built = manifest(settings, model)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(built, indent=2, ensure_ascii=False))
        archive.writestr("color.png", colour_icon())
        archive.writestr("outline.png", outline_icon())
        for language, tag in TRANSLATIONS.items():
            translated = content.model(language) if content else model
            text = json.dumps(localization(language, translated), indent=2, ensure_ascii=False)
            archive.writestr(f"{tag}.json", text)
    return str(path)
