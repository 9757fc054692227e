"""``POST /slack/events`` on the shared aiohttp server: events, slash commands and
interactivity all arrive here.

The door is kept before Bolt sees anything: a request without a valid signature from the
last five minutes gets 401, a signed body that is not a Slack payload gets 400 (never a 500),
and an event nobody listens to still gets 200, or Slack would retry it.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
PATH = "/slack/events"


def _rejected(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def payload_of(body: str, content_type: str) -> dict[str, Any] | None:
    """The Slack payload in a request body, or None when the body is not one."""
    try:
        if content_type == "application/json" or body.lstrip().startswith("{"):
            data = json.loads(body)
        else:
            form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
            data = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, KeyError):
        return None
    if not isinstance(data, dict):
        return None
    if "type" in data or "command" in data or "ssl_check" in data:
        return data
    return None


class SlackEndpoint:
    def __init__(self, app: AsyncApp, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _rejected(400, "body is not UTF-8")
        if not self._signed(body, timestamp, signature):
            return _rejected(401, "invalid signature")
        payload = payload_of(body, request.content_type)
        if payload is None:
            return _rejected(400, "not a Slack payload")
        try:
            bolt_request = AsyncBoltRequest(
                body=body, query=request.query_string, headers=request.headers
            )
        except Exception:  # a payload Bolt cannot read is still the sender's mistake
            log.warning("rejected a signed Slack request Bolt could not read", exc_info=True)
            return _rejected(400, "unreadable Slack payload")
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404 and payload.get("type") == "event_callback":
            return web.Response(status=200)  # not ours to handle, but received: no retries
        return await to_aiohttp_response(response)

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        if not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(body, timestamp, signature)
