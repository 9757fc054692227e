"""The Slack Web API client: one HTTP session, Slack's base URL from the settings, retries.

slack_sdk retries only connection errors by default; a 429 must be retried too, after the
``Retry-After`` it names, so that nothing queued is dropped when Slack pushes back.

Timeouts: slack_sdk applies its ``timeout`` only to sessions it makes itself; with our own
session, aiohttp's (5 minutes) would rule. The session gets PLATFORM_TIMEOUT instead, and a
timed-out call is never retried here: a post may have arrived, and the deliverer looks first.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.metrics import RATE_LIMIT_RETRIES

RATE_LIMITED_ATTEMPTS = 10  # Retry-After is usually a few seconds; give up only on an outage
CONNECTION_RETRIES = 2


class ConnectionRetries(AsyncConnectionErrorRetryHandler):
    """Retry a connection that failed, but not one that timed out (it may have arrived)."""

    async def _can_retry_async(self, *, error: Exception | None = None, **kwargs: Any) -> bool:
        if isinstance(error, TimeoutError):
            return False
        return bool(await super()._can_retry_async(error=error, **kwargs))


def session(settings: Settings) -> aiohttp.ClientSession:
    """The one HTTP session of the Slack client, with the bounded timeout in force."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.platform_timeout))


class CountedRateLimitRetries(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (it waits ``Retry-After``), counted for /metrics."""

    async def prepare_for_next_attempt_async(self, **kwargs: Any) -> None:
        RATE_LIMIT_RETRIES.labels("slack").inc()
        await super().prepare_for_next_attempt_async(**kwargs)


def web_client(settings: Settings, session: aiohttp.ClientSession | None) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=int(max(settings.platform_timeout, 1)),
        retry_handlers=[
            ConnectionRetries(max_retry_count=CONNECTION_RETRIES),
            CountedRateLimitRetries(max_retry_count=RATE_LIMITED_ATTEMPTS),
        ],
    )


class ResponseUrlError(Exception):
    """Slack refused a message sent to a response_url."""


async def respond_checked(respond: Any, **content: Any) -> None:
    """Bolt's ``respond`` returns Slack's refusal instead of raising, and does not retry a
    429: do both here, so a slash-command answer is neither lost quietly nor dropped."""
    for attempt in range(RATE_LIMITED_ATTEMPTS + 1):
        response = await respond(**content)
        status = getattr(response, "status_code", 200)
        if status != 429 or attempt == RATE_LIMITED_ATTEMPTS:
            break
        RATE_LIMIT_RETRIES.labels("slack").inc()
        headers = getattr(response, "headers", None) or {}
        wait = headers.get("Retry-After") or headers.get("retry-after") or "1"
        await asyncio.sleep(min(float(wait) if str(wait).isdigit() else 1.0, 30.0))
    if status != 200:
        body = str(getattr(response, "body", ""))[:120]
        raise ResponseUrlError(f"response_url answered {status}: {body}")
