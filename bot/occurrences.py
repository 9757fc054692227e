"""When a weekly schedule occurs, in its own timezone, with DST handled by zoneinfo.

An occurrence is named by its local wall-clock time ("mon 10:00 in Europe/Berlin"), not by
its UTC instant: on the night clocks go back, 02:30 happens twice, and APScheduler wakes up
twice, but both wake-ups name the same occurrence and the claim lets only one through.
A local time that does not exist (the spring gap) resolves to the instant just after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.when import DAYS, zone

HORIZON_DAYS = 8


def _instant(day: date, hour: int, minute: int, second: int, timezone: str) -> datetime:
    local = datetime.combine(day, time(hour, minute, second), tzinfo=zone(timezone))
    return local.astimezone(UTC)


def _days(days: str) -> set[int]:
    return {DAYS.index(part) for part in days.split(",") if part in DAYS}


def latest(
    days: str, hour: int, minute: int, second: int, timezone: str, now: datetime
) -> datetime | None:
    """The most recent occurrence at or before ``now`` (within the last week), as UTC."""
    weekdays = _days(days)
    today = now.astimezone(zone(timezone)).date()
    for back in range(HORIZON_DAYS):
        day = today - timedelta(days=back)
        if day.weekday() in weekdays:
            instant = _instant(day, hour, minute, second, timezone)
            if instant <= now:
                return instant
    return None


def following(
    days: str, hour: int, minute: int, second: int, timezone: str, now: datetime
) -> datetime | None:
    """The next occurrence strictly after ``now``, as UTC."""
    weekdays = _days(days)
    today = now.astimezone(zone(timezone)).date()
    for ahead in range(HORIZON_DAYS):
        day = today + timedelta(days=ahead)
        if day.weekday() in weekdays:
            instant = _instant(day, hour, minute, second, timezone)
            if instant > now:
                return instant
    return None


def key(kind: str, schedule_id: int, occurrence: datetime, timezone: str) -> str:
    """The claim key of one occurrence: its local wall-clock time, so DST cannot double it."""
    local = occurrence.astimezone(zone(timezone)).replace(tzinfo=None)
    return f"{kind}:{schedule_id}:{local.isoformat(timespec='seconds')}"
