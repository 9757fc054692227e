"""Retries for Bot Connector calls: Teams answers 429 when throttling and asks for retries on
412, 502, 503 and 504. Wait as ``Retry-After`` says, else back off exponentially with jitter;
give up only after several tries, so nothing is dropped on a throttled burst."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.metrics import RATE_LIMIT_RETRIES

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})
# A post that failed with 502/504 may still have been made: retrying it could post twice.
# Calls that create something are retried only when Teams refused them outright.
CREATE_RETRY_STATUSES = frozenset({429})
ATTEMPTS = 6
BASE_SECONDS = 0.5
MAX_WAIT_SECONDS = 30.0
Result = TypeVar("Result")


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a failed connector call (msrest wraps the response)."""
    response = getattr(error, "response", None)
    for name in ("status_code", "status"):
        status = getattr(response, name, None)
        if isinstance(status, int):
            return status
    return None


def retry_after(error: BaseException) -> float | None:
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    try:
        raw = headers.get("Retry-After")
    except AttributeError:
        return None
    try:
        return min(max(float(raw), 0.0), MAX_WAIT_SECONDS) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


async def with_backoff(
    operation: Callable[[], Awaitable[Result]],
    what: str,
    attempts: int = ATTEMPTS,
    retry_on: frozenset[int] = RETRY_STATUSES,
) -> Result:
    """Run ``operation``; on a retryable status wait and run it again."""
    for attempt in range(1, attempts + 1):
        try:
            return await operation()
        except Exception as error:
            status = status_of(error)
            if status not in retry_on or attempt == attempts:
                raise
            if status == 429:
                RATE_LIMIT_RETRIES.labels("teams").inc()
            wait = retry_after(error)
            if wait is None:
                wait = min(BASE_SECONDS * 2 ** (attempt - 1), MAX_WAIT_SECONDS)
                wait *= 0.5 + random.random()  # jitter: instances don't retry in step
            log.info("teams: %s got %s, retrying in %.1fs", what, status, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
