"""The rules delivery keeps, free of any state: when a late round still opens, how long to
wait before trying again, and what a failure is called in the log and the row."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from bot.chat import Failure

# How long before a call marked "in flight" a lookup starts (clocks of instances differ).
LOOKUP_MARGIN = timedelta(seconds=30)
# A parent post going out this soon after its round opened is on time, not late (a burst of
# many rounds, or pacing, delays it by seconds); the late rule's minimum does not apply to it.
PROMPT = timedelta(minutes=1)


class Unreachable(Exception):
    """The platform cannot reach the person a private note is for: nothing to retry."""


def default_failure(error: BaseException) -> Failure:
    """Without a platform's opinion: a timeout may have arrived, anything else is retried."""
    return "uncertain" if isinstance(error, TimeoutError) else "retry"


def opens_late(opened_at: datetime, closes_at: datetime, now: datetime, minimum: timedelta) -> bool:
    """Whether a round whose parent post is only going out now still opens: at least half of
    its window must be left, and ``minimum`` too unless the post goes out within PROMPT of
    the opening (a round shorter than ``minimum`` is then not late, only short)."""
    left = closes_at - now
    if left < (closes_at - opened_at) / 2:
        return False
    return left >= minimum or now - opened_at <= PROMPT


def backoff(attempt: int, base: float, most: float) -> float:
    """Exponential with jitter: instances that failed together don't retry in step."""
    wait: float = min(base * 2 ** max(attempt - 1, 0), most)
    return wait * random.uniform(0.5, 1.0)


def reason(error: BaseException) -> str:
    """A short cause for the log and the row: a type and a platform code, never content."""
    code = getattr(error, "code", None) or getattr(error, "error_code", None)
    response: Any = getattr(error, "response", None)
    if code is None and hasattr(response, "get"):  # Slack's answer: {"ok": false, "error": ...}
        try:
            code = response.get("error")
        except Exception:  # a response that is not JSON
            code = None
    return f"{type(error).__name__}: {code}" if isinstance(code, str) else type(error).__name__
