"""Times as people type them in chat: closing times, durations and weekly schedules.

Every parser raises ``WhenError`` with a message that says what would work instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.wording import Listed, Say, t


class WhenError(ValueError):
    """A time, duration, day or timezone that could not be read; ``message`` says what works."""

    def __init__(self, message: Say) -> None:
        super().__init__(message.message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun", "mon": "mon", "tue": "tue", "tues": "tue", "wed": "wed",
    "thu": "thu", "thur": "thu", "thurs": "thu", "fri": "fri", "sat": "sat", "sun": "sun",
}  # fmt: skip
_UNITS = {
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DURATION = re.compile(r"^(\d{1,4})\s*([a-z]+)$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
MAX_DURATION = timedelta(days=60)


def zone(name: str) -> ZoneInfo:
    """An IANA timezone by name, case-insensitively (``europe/berlin`` works)."""
    found = _known_zone(name)
    if found is None:
        raise WhenError(
            t("I don't know the timezone {name!r}. Use an IANA name like Europe/Berlin.", name=name)
        )
    return found


@lru_cache(maxsize=1024)  # arming thousands of schedules asks for the same few zones
def _known_zone(name: str) -> ZoneInfo | None:
    candidates = [name, "/".join(part.capitalize() for part in name.split("/")), name.upper()]
    for candidate in candidates:
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", candidate) or ".." in candidate:
            break
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


def looks_like_zone(word: str) -> bool:
    return "/" in word or word.upper() in {"UTC", "GMT"}


def duration(text: str) -> timedelta:
    """``3d``, ``36h``, ``90 minutes``, ``1 week``."""
    match = _DURATION.match(text.strip().lower())
    if not match or match.group(2) not in _UNITS:
        raise WhenError(t("I can't read {text!r} as a duration. Try 3d, 36h or 90m.", text=text))
    span = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if not timedelta(minutes=1) <= span <= MAX_DURATION:
        raise WhenError(t("A pulse stays open between a minute and 60 days."))
    return span


def clock(text: str) -> tuple[int, int]:
    """``17:00``, ``9:30``, ``5pm``, ``10am`` → (hour, minute)."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        raise WhenError(t("I can't read {text!r} as a time of day. Try 17:00 or 5pm.", text=text))
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise WhenError(t("{text!r} is not a time: with am/pm the hour is 1 to 12.", text=text))
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise WhenError(t("{text!r} is not a time of day (00:00 to 23:59).", text=text))
    return hour, minute


def day(word: str) -> str:
    """A weekday name in any common form (``friday``, ``fridays``, ``Fri``) → ``fri``."""
    key = word.lower().rstrip(",")
    if key.endswith("s") and key[:-1] in _DAY_NAMES:
        key = key[:-1]
    if key not in _DAY_NAMES:
        raise WhenError(t("I can't read {word!r} as a day. Use monday … sunday.", word=word))
    return _DAY_NAMES[key]


@dataclass(frozen=True)
class ClosingTime:
    """When a round closes: after a duration, or at a weekday and time in the place's zone."""

    after: timedelta | None = None
    weekday: str | None = None
    hour: int = 17
    minute: int = 0

    def resolve(self, now: datetime, timezone: str) -> datetime:
        if self.after is not None:
            return now + self.after
        local = now.astimezone(zone(timezone))
        if self.weekday == "tomorrow":
            days_ahead = 1
        else:
            days_ahead = (DAYS.index(self.weekday or "fri") - local.weekday()) % 7
        target = (local + timedelta(days=days_ahead)).replace(
            hour=self.hour, minute=self.minute, second=0, microsecond=0
        )
        if target <= local:
            target += timedelta(days=7)
        return target.astimezone(UTC)


def closing_time(words: list[str]) -> ClosingTime:
    """``in 3d`` / ``after 36h`` / ``friday 17:00`` / ``fri 5pm`` / ``tomorrow 9:00``."""
    if not words:
        raise WhenError(t("Say when it closes, e.g. `closes in 3d` or `closes friday 17:00`."))
    first, rest = words[0].lower(), words[1:]
    if first in ("in", "after"):
        return ClosingTime(after=duration(" ".join(rest)))
    if _DURATION.match(" ".join(words).lower()):
        return ClosingTime(after=duration(" ".join(words)))
    if first == "tomorrow":
        hour, minute = clock(" ".join(rest)) if rest else (17, 0)
        return ClosingTime(weekday="tomorrow", hour=hour, minute=minute)
    weekday = day(first)
    hour, minute = clock(" ".join(rest)) if rest else (17, 0)
    return ClosingTime(weekday=weekday, hour=hour, minute=minute)


@dataclass(frozen=True)
class Weekly:
    """A recurring time: days of the week (APScheduler's day_of_week) at hour:minute."""

    days: str
    hour: int
    minute: int
    timezone: str | None


def weekly(words: list[str]) -> Weekly:
    """``every monday 10:00 Europe/Berlin``, ``fridays 16:00``, ``weekdays 9am``,
    ``every mon and thu 10:00``, ``daily 9:30 UTC``."""
    if not words:
        raise WhenError(t("Say when, e.g. `every monday 10:00 Europe/Berlin`."))
    days: list[str] = []
    time: tuple[int, int] | None = None
    timezone: str | None = None
    for word in words:
        lower = word.lower().rstrip(",")
        if lower in ("every", "on", "at", "and", "each", ""):
            continue
        if lower in ("daily", "day", "everyday"):
            days += list(DAYS)
        elif lower in ("weekday", "weekdays"):
            days += list(DAYS[:5])
        elif lower.rstrip("s") in _DAY_NAMES or lower in _DAY_NAMES:
            days.append(day(lower))
        elif "," in lower and all(part.rstrip("s") in _DAY_NAMES for part in lower.split(",")):
            days += [day(part) for part in lower.split(",") if part]
        elif _CLOCK.match(lower):
            time = clock(lower)
        elif looks_like_zone(word):
            zone(word)
            timezone = word if word.upper() not in ("UTC", "GMT") else "UTC"
        else:
            raise WhenError(
                t(
                    "I can't read {word!r} in that schedule. Try "
                    "`every monday 10:00 Europe/Berlin` or `fridays 16:00`.",
                    word=word,
                )
            )
    if not days:
        raise WhenError(t("Which day? e.g. `every monday 10:00` or `weekdays 9:30`."))
    if time is None:
        raise WhenError(t("At what time? e.g. `every monday 10:00`."))
    ordered = [d for d in DAYS if d in days]
    if timezone:
        timezone = str(zone(timezone).key)
    return Weekly(",".join(ordered), time[0], time[1], timezone)


def is_unit(word: str) -> bool:
    """A duration's unit (``days`` in ``closes after 4 days``)."""
    return word.lower() in _UNITS


_DAY_NAMES_SHOWN = {
    "mon": t("Monday"), "tue": t("Tuesday"), "wed": t("Wednesday"), "thu": t("Thursday"),
    "fri": t("Friday"), "sat": t("Saturday"), "sun": t("Sunday"),
}  # fmt: skip


def describe_days(days: str) -> Say:
    """``every Monday and Thursday``, ``every weekday``, ``every day``."""
    parts = days.split(",")
    if parts == list(DAYS):
        return t("every day")
    if parts == list(DAYS[:5]):
        return t("every weekday")
    names = [_DAY_NAMES_SHOWN[part] for part in parts if part in _DAY_NAMES_SHOWN]
    if len(names) == 1:
        return t("every {day}", day=names[0])
    return t("every {days} and {last}", days=Listed(tuple(names[:-1])), last=names[-1])


def iso_week(now: datetime, timezone: str) -> int:
    """The week number as the conversation's calendar has it (a round's title)."""
    return now.astimezone(zone(timezone)).isocalendar().week
