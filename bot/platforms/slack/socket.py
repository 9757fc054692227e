"""Socket Mode's door: the same shape check as the HTTP door (shape.py) before Bolt reads an
envelope's payload. Slack's own connection is authenticated; a payload Bolt cannot read is
still acknowledged (so Slack does not resend it) and goes no further."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.platforms.slack.shape import Malformed, check
from storage.lanes import person_waiting

log = logging.getLogger(__name__)


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        try:
            check(req.payload)
        except Malformed as error:
            log.info("slack: refused a malformed Socket Mode payload: %s", error)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        with person_waiting():  # as for a request over HTTP (server.py)
            await super().handle(client, req)
