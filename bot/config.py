"""Settings, read once from the environment and an optional ``.env`` file.

Nothing else in the code reads ``os.environ``: the one ``Settings`` object is passed down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///maturitybot.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing, malformed or contradicts another; the message says how to fix it."""


@dataclass(frozen=True)
class DeliverySettings:
    """How owed posts are delivered through outages (bot/delivery/)."""

    poll: float = 2.0  # seconds between looks for due rows
    backoff: float = 5.0  # first retry after about this long, doubling each time
    backoff_max: float = 60.0  # never waiting longer than this between tries
    lease: float = 120.0  # a claimed row is another instance's again after this long
    batch: int = 20  # rows claimed at once
    in_flight: int = 500  # rows an instance delivers at once (each mostly waits its pacing)
    degraded_after: timedelta = timedelta(minutes=10)  # /healthz: oldest owed post older
    late_min: timedelta = timedelta(minutes=10)  # a late round opens only with this much left


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    content_path: Path | None = None
    admins: frozenset[str] = frozenset()
    pulse_min_responses: int = 3
    pulse_catch_up: timedelta = timedelta(hours=1)
    pulse_retention_days: int | None = None
    port: int = 3000
    host: str = "0.0.0.0"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "MultiTenant"
    teams_enabled: bool = False
    log_format: str = "text"
    log_level: str = "INFO"
    chart_dir: Path = Path("maturitybot-charts")
    cache_dir: Path | None = None
    language: str = "en"  # what conversations read unless `language zh|en` set theirs
    terminal_language: str | None = None  # the terminal's reader (LANG), for `chat`
    # Every call to a platform gives up after this long (and may then have arrived or not).
    platform_timeout: float = 10.0
    event_loop: str = "auto"  # the server's event loop: uvloop when installed (bot/event_loop.py)
    delivery: DeliverySettings = field(default_factory=lambda: DeliverySettings())
    # Secrets never appear in logs; the logging filter masks every value listed here.
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def teams_active(self) -> bool:
        return self.teams_enabled or bool(self.microsoft_app_id)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")
) -> Settings:
    """Build settings from ``.env`` (if present) overlaid by the real environment."""
    values: dict[str, str] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def text(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    app_token = text("SLACK_APP_TOKEN")
    bot_token = text("SLACK_BOT_TOKEN")
    signing_secret = text("SLACK_SIGNING_SECRET")
    if bot_token and text("SLACK_CLIENT_ID") and text("SLACK_CLIENT_SECRET"):
        # slack-bolt reads these two itself and would switch to multi-workspace OAuth installs.
        raise ConfigError(
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, but maturity-bot runs with one "
            "bot token (SLACK_BOT_TOKEN): unset them"
        )
    if app_token and not bot_token:
        raise ConfigError("SLACK_APP_TOKEN is set: also set SLACK_BOT_TOKEN (the xoxb- token)")
    secrets = tuple(
        value
        for value in (bot_token, signing_secret, app_token, text("MICROSOFT_APP_PASSWORD"))
        if value
    )
    content = text("MATURITYBOT_CONTENT")
    return Settings(
        database_url=text("DATABASE_URL") or DEFAULT_DATABASE_URL,
        content_path=Path(content) if content else None,
        admins=frozenset(
            part.strip()
            for part in (text("MATURITYBOT_ADMINS") or "").replace(";", ",").split(",")
            if part.strip()
        ),
        pulse_min_responses=_integer(values, "PULSE_MIN_RESPONSES", 3, minimum=1),
        pulse_catch_up=_duration(values, "PULSE_CATCH_UP", timedelta(hours=1)),
        pulse_retention_days=_optional_integer(values, "PULSE_RETENTION_DAYS", minimum=1),
        port=_integer(values, "PORT", 3000, minimum=0, maximum=65535),
        host=text("HOST") or "0.0.0.0",
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=_with_slash(text("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        microsoft_app_id=text("MICROSOFT_APP_ID"),
        microsoft_app_password=text("MICROSOFT_APP_PASSWORD"),
        microsoft_app_tenant_id=text("MICROSOFT_APP_TENANT_ID"),
        microsoft_app_type=text("MICROSOFT_APP_TYPE") or "MultiTenant",
        teams_enabled=_boolean(values, "TEAMS_ENABLED"),
        log_format=_choice(values, "LOG_FORMAT", ("text", "json")),
        log_level=_choice(values, "LOG_LEVEL", ("INFO", "DEBUG", "WARNING", "ERROR")),
        chart_dir=Path(text("MATURITYBOT_CHART_DIR") or "maturitybot-charts"),
        cache_dir=_cache_dir(text("MATURITYBOT_CACHE_DIR"), text("XDG_CACHE_HOME"), text("HOME")),
        language=_choice(values, "MATURITYBOT_LANGUAGE", ("en", "zh")),
        terminal_language=_terminal_language(values),
        platform_timeout=_seconds(values, "PLATFORM_TIMEOUT", 10.0),
        event_loop=_choice(values, "EVENT_LOOP", ("auto", "uvloop", "asyncio")),
        delivery=DeliverySettings(
            poll=_seconds(values, "DELIVERY_POLL", 2.0),
            backoff=_seconds(values, "DELIVERY_BACKOFF", 5.0),
            backoff_max=_seconds(values, "DELIVERY_BACKOFF_MAX", 60.0),
            lease=_seconds(values, "DELIVERY_LEASE", 120.0),
            batch=_integer(values, "DELIVERY_BATCH", 20, minimum=1, maximum=1000),
            in_flight=_integer(values, "DELIVERY_IN_FLIGHT", 500, minimum=1, maximum=100_000),
            degraded_after=_duration(values, "DELIVERY_DEGRADED_AFTER", timedelta(minutes=10)),
            late_min=_duration(values, "DELIVERY_LATE_MIN", timedelta(minutes=10)),
        ),
        secrets=secrets,
    )


def _terminal_language(values: Mapping[str, str]) -> str | None:
    """The terminal's language, as POSIX programs read it (LC_ALL, LC_MESSAGES, LANG)."""
    from bot.wording import normalise

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = values.get(name, "").strip()
        if value:
            return normalise(value)
    return None


def _cache_dir(explicit: str | None, xdg: str | None, home: str | None) -> Path | None:
    """Where validated content is cached: ``off`` disables it."""
    if explicit:
        return None if explicit.lower() == "off" else Path(explicit)
    if xdg:
        return Path(xdg) / "maturitybot"
    return Path(home) / ".cache" / "maturitybot" if home else None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _integer(
    values: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ConfigError(f"{name} must be {bound}, got {number}")
    return number


def _optional_integer(values: Mapping[str, str], name: str, minimum: int) -> int | None:
    if not values.get(name, "").strip():
        return None
    return _integer(values, name, 0, minimum=minimum)


def _boolean(values: Mapping[str, str], name: str) -> bool:
    raw = values.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(values: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = values.get(name, "").strip()
    if not raw:
        return choices[0]
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(values: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    """Parse ``90s``, ``30m``, ``1h``, ``2d`` or a bare number of seconds."""
    raw = values.get(name, "").strip().lower()
    if not raw:
        return default
    unit = raw[-1] if raw[-1] in _UNITS else "s"
    number = raw[:-1] if raw[-1] in _UNITS else raw
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise ConfigError(f"{name} must be a duration like 30m, 1h or 3600, got {raw!r}") from None
    if seconds < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return timedelta(seconds=seconds)


def _seconds(values: Mapping[str, str], name: str, default: float) -> float:
    """A positive duration in seconds (``30s``, ``2m``, ``0.5``)."""
    seconds = _duration(values, name, timedelta(seconds=default)).total_seconds()
    if seconds <= 0:
        raise ConfigError(f"{name} must be more than zero, got {values.get(name)!r}")
    return seconds
