"""The Slack platform in ``maturitybot run``: HTTP events on the shared server, or Socket Mode
when an app-level token is set."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot.assembly import Assembly
from bot.config import ConfigError, Settings
from bot.platforms.slack.app import build_app
from bot.platforms.slack.chat import PLATFORM, SlackChat
from bot.platforms.slack.client import web_client
from bot.platforms.slack.inflight import InFlight
from bot.platforms.slack.pacing import ChannelPacer
from bot.platforms.slack.web import PATH, SlackEndpoint

log = logging.getLogger(__name__)
REJECTED_TOKEN = ("invalid_auth", "not_authed", "account_inactive", "token_revoked")
SHUTDOWN_GRACE_SECONDS = 10.0


class SlackAdapter:
    name = PLATFORM

    def __init__(self, bot: Assembly, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self.mode = "socket" if settings.slack_app_token else "http"
        self.client = web_client(settings, session=None)  # the session needs the running loop
        self.chat = SlackChat(self.client, ChannelPacer())
        self.work = InFlight()
        self.app = build_app(bot, self.chat, self.client, settings, self.work)
        self._session: aiohttp.ClientSession | None = None
        self._socket = None  # AsyncSocketModeHandler, in Socket Mode
        self._connecting: asyncio.Task[None] | None = None

    async def start(self, app: web.Application) -> None:
        self._session = aiohttp.ClientSession()
        self.client.session = self._session
        try:
            await self._identify()
        except BaseException:
            await self._session.close()  # exiting: leave no connection behind
            raise
        if self.mode == "http":
            endpoint = SlackEndpoint(self.app, self.settings.slack_signing_secret or "")
            app.router.add_post(PATH, endpoint.handle)
            log.info("Slack: HTTP events on %s", PATH)
            return
        from bot.platforms.slack.socket import CheckedSocketModeHandler

        self._socket = CheckedSocketModeHandler(
            self.app, self.settings.slack_app_token, web_client=self.client
        )
        # Connecting retries on its own until Slack answers; the server starts meanwhile.
        self._connecting = asyncio.create_task(self._socket.connect_async())
        log.info("Slack: Socket Mode")

    async def _identify(self) -> None:
        """Who the bot is (its own user id is never counted as a channel member)."""
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error")
            if code in REJECTED_TOKEN:
                raise ConfigError(
                    f"Slack rejected SLACK_BOT_TOKEN ({code}): set the app's Bot User OAuth "
                    "Token (xoxb-...) from its OAuth & Permissions page"
                ) from None
            log.warning("Slack auth.test failed (%s); will retry on first use", code)
            return
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("Slack is not reachable yet (%s); will retry on first use", error)
            return
        self.chat.bot_user_id = identity.get("user_id")
        log.info("Slack: signed in as %s in team %s", identity.get("user"), identity.get("team"))
        if self.mode == "socket":
            await self._check_app_token()

    async def _check_app_token(self) -> None:
        """A rejected app-level token stops start-up: Socket Mode would retry it forever."""
        try:
            await self.client.apps_connections_open(app_token=self.settings.slack_app_token)
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
        if self._socket is not None:
            await self._socket.close_async()
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        await self.work.wait(SHUTDOWN_GRACE_SECONDS)
        if self._session is not None:
            await self._session.close()

    def health(self) -> dict[str, object]:
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
