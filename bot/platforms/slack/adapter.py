"""The Slack platform in ``maturitybot run``: HTTP events on the shared server, or Socket Mode
when an app-level token is set."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.assembly import Assembly
from bot.config import ConfigError, Settings
from bot.platforms.slack.app import build_app
from bot.platforms.slack.chat import PLATFORM, SlackChat
from bot.platforms.slack.client import session as client_session
from bot.platforms.slack.client import web_client
from bot.platforms.slack.inflight import InFlight
from bot.platforms.slack.locales import Locales
from bot.platforms.slack.pacing import ChannelPacer
from bot.platforms.slack.web import PATH, SlackEndpoint

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)
REJECTED_TOKEN = ("invalid_auth", "not_authed", "account_inactive", "token_revoked")
SHUTDOWN_GRACE_SECONDS = 10.0
SIGN_IN_RETRY_SECONDS = 2.0
SIGN_IN_RETRY_MAX_SECONDS = 60.0


class SlackAdapter:
    name = PLATFORM

    def __init__(self, bot: Assembly, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self.mode = "socket" if settings.slack_app_token else "http"
        self.client = web_client(settings, session=None)  # the session needs the running loop
        self.chat = SlackChat(self.client, ChannelPacer())
        self.work = InFlight()
        self.locales = Locales(self.client)
        self.app = build_app(bot, self.chat, self.client, settings, self.work, self.locales)
        self._session: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None  # in Socket Mode
        self._connecting: asyncio.Task[None] | None = None
        self._signing_in: asyncio.Task[None] | None = None
        self._learning: asyncio.Task[None] | None = None  # the workspace's languages
        self._events = True  # takes Slack's events (see ``start``)

    async def start(self, app: web.Application, events: bool = True) -> None:
        self._session = client_session(self.settings)
        self.client.session = self._session
        self._events = events
        if events and self.mode == "http":
            endpoint = SlackEndpoint(self.app, self.settings.slack_signing_secret or "")
            app.router.add_post(PATH, endpoint.handle)
            log.info("Slack: HTTP events on %s", PATH)

    async def sign_in(self) -> None:
        """auth.test once, bounded by PLATFORM_TIMEOUT; while Slack does not answer, again in
        the background (/healthz shows ``signed_in`` once it did)."""
        if not await self._identify():  # a refusal raises; the server's exit closes the rest
            self._signing_in = asyncio.create_task(self._sign_in_later())
        if self._events and self.mode == "socket":
            self._start_socket()

    async def _sign_in_later(self) -> None:
        wait = SIGN_IN_RETRY_SECONDS
        while True:
            await asyncio.sleep(wait)
            try:
                if await self._identify():
                    return
            except ConfigError as error:  # the token was revoked meanwhile: say so, loudly
                log.error("%s", error)
                return
            wait = min(wait * 2, SIGN_IN_RETRY_MAX_SECONDS)

    def _start_socket(self) -> None:
        from bot.platforms.slack.socket import CheckedSocketModeHandler

        self._socket = CheckedSocketModeHandler(
            self.app, self.settings.slack_app_token, web_client=self.client
        )
        # Connecting retries on its own until Slack answers; the server starts meanwhile.
        self._connecting = asyncio.create_task(self._socket.connect_async())  # type: ignore[no-untyped-call]  # Bolt: unannotated
        log.info("Slack: Socket Mode")

    async def _identify(self) -> bool:
        """Who the bot is (its own user id is never counted as a channel member); False when
        Slack did not answer."""
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error")
            if code in REJECTED_TOKEN:
                raise ConfigError(
                    f"Slack rejected SLACK_BOT_TOKEN ({code}): set the app's Bot User OAuth "
                    "Token (xoxb-...) from its OAuth & Permissions page"
                ) from None
            log.warning("Slack auth.test failed (%s); signing in again later", code)
            return False
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("Slack is not reachable yet (%s); signing in again later",
                        type(error).__name__)  # fmt: skip
            return False
        self.chat.identified(identity)
        log.info("Slack: signed in as %s in team %s", identity.get("user"), identity.get("team"))
        if self._learning is None:
            self._learning = asyncio.create_task(self.locales.keep_learning())
        if self.mode == "socket":
            await self._check_app_token()
        return True

    async def _check_app_token(self) -> None:
        """A rejected app-level token stops start-up: Socket Mode would retry it forever."""
        try:
            await self.client.apps_connections_open(app_token=self.settings.slack_app_token or "")
        except SlackApiError as error:
            code = error.response.get("error")
            if code in (*REJECTED_TOKEN, "not_allowed_token_type"):
                raise ConfigError(
                    f"Slack rejected SLACK_APP_TOKEN ({code}): set the app-level token "
                    "(xapp-...) with the connections:write scope, from Basic Information"
                ) from None
            log.warning("Slack apps.connections.open failed (%s); Socket Mode retries", code)
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("Slack is not reachable yet (%s); Socket Mode retries", error)

    async def stop(self) -> None:
        for task in (self._signing_in, self._learning):
            if task is not None:
                task.cancel()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # Bolt: unannotated
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        await self.work.wait(SHUTDOWN_GRACE_SECONDS)
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def health(self) -> dict[str, object]:
        if not self._events:  # speaks only (role "work"): nothing to be live for
            return {"mode": "outbound", "signed_in": self._signed_in}
        if self.mode == "http":
            return {"mode": "http", "live": True, "signed_in": self._signed_in, "path": PATH}
        client = self._socket.client if self._socket is not None else None
        session = client.current_session if client is not None else None
        connected = bool(
            client is not None
            and not client.closed
            and not client.stale
            and session is not None
            and not session.closed
        )
        return {"mode": "socket", "live": connected, "signed_in": self._signed_in}

    @property
    def _signed_in(self) -> bool:
        return self.chat.bot_user_id is not None
