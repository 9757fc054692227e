"""Teams' own settings, checked before anything starts (exit 2 with one line)."""

from __future__ import annotations

from bot.config import ConfigError, Settings


def check(settings: Settings) -> None:
    managed_identity = settings.microsoft_app_type == "UserAssignedMSI"
    if settings.microsoft_app_id and not settings.microsoft_app_password and not managed_identity:
        raise ConfigError("MICROSOFT_APP_ID is set: also set MICROSOFT_APP_PASSWORD")
    if (
        settings.microsoft_app_type == "SingleTenant"
        and settings.microsoft_app_id
        and not settings.microsoft_app_tenant_id
    ):
        raise ConfigError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
