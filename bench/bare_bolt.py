"""The baseline for bench/slack_clicks.py: a bare slack-bolt AsyncApp on the same stack as
``maturitybot run`` (one aiohttp server, the same Bolt adapter functions, one shared client
session): a button press is acknowledged and answered with one chat.postEphemeral.

    python bench/bare_bolt.py PORT SLACK_API_URL SIGNING_SECRET
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def serve(port: int, api_url: str, secret: str) -> None:
    session = aiohttp.ClientSession()
    client = AsyncWebClient(token="xoxb-bench", base_url=api_url, session=session)
    app = AsyncApp(client=client, signing_secret=secret)

    @app.action(re.compile("^pulse_answer_"))
    async def clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postEphemeral(
            channel=body["channel"]["id"], user=body["user"]["id"], text="Recorded"
        )

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await stopping.wait()
    await runner.cleanup()
    await session.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
