"""``POST /slack/events`` on the shared aiohttp server: events, slash commands and
interactivity all arrive here.

The door is kept before Bolt sees anything: a request without a valid signature from the
last five minutes gets 401; a signed body that is not a Slack payload, or one whose fields
Bolt reads have the wrong types (shape.py), gets 400 (never a 500); and an event nobody
listens to still gets 200, or Slack would retry it.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.platforms.slack.shape import Malformed, check

log = logging.getLogger(__name__)
PATH = "/slack/events"


def _rejected(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


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
        try:  # Bolt parses the body once, for us too: it is the costly part of a click
            bolt_request = AsyncBoltRequest(
                body=body, query=request.query_string, headers=dict(request.headers.items())
            )
        except Exception:  # not JSON, not a form, or not an object: the sender's mistake
            return _rejected(400, "not a Slack payload")
        try:
            check(bolt_request.body)
        except Malformed as error:
            log.info("slack: refused a malformed payload: %s", error)
            return _rejected(400, "not a well-formed Slack payload")
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404 and bolt_request.body.get("type") == "event_callback":
            return web.Response(status=200)  # not ours to handle, but received: no retries
        return await to_aiohttp_response(response)

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        if not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(body, timestamp, signature)
