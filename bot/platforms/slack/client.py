"""The Slack Web API client: one HTTP session, Slack's base URL from the settings, retries.

slack_sdk retries only connection errors by default; a 429 must be retried too, after the
``Retry-After`` it names, so that nothing queued is dropped when Slack pushes back.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.metrics import RATE_LIMIT_RETRIES

TIMEOUT_SECONDS = 30
RATE_LIMITED_ATTEMPTS = 10  # Retry-After is usually a few seconds; give up only on an outage
CONNECTION_RETRIES = 2


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
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
            CountedRateLimitRetries(max_retry_count=RATE_LIMITED_ATTEMPTS),
        ],
    )
