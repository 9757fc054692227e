"""The Teams platform adapter: ``POST /api/messages`` on the shared aiohttp server, served by
botbuilder's ``CloudAdapter`` with ``ConfigurationBotFrameworkAuthentication`` (reusing its
connector clients, see connectors.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from aiohttp import web
from azure.core.exceptions import DeserializationError
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse
from botframework.connector.auth import AuthenticateRequestResult

from bot.assembly import Assembly
from bot.config import Settings
from bot.platforms.teams.bot import MaturityBot
from bot.platforms.teams.chat import PLATFORM, TeamsChat
from bot.platforms.teams.connectors import ReusingAuthentication
from bot.platforms.teams.inflight import AfterAck
from bot.platforms.teams.references import base_conversation

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
SHUTDOWN_WAIT = 10.0  # seconds for activities being handled when the bot stops


def bot_framework_configuration(settings: Settings) -> SimpleNamespace:
    """The attribute names botbuilder's configuration classes read."""
    return SimpleNamespace(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=settings.microsoft_app_password or "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )


class TeamsAdapter:
    name = PLATFORM

    def __init__(self, bot: Assembly, settings: Settings) -> None:
        self.settings = settings
        self.authenticated = bool(settings.microsoft_app_id)
        self.cloud = CloudAdapter(
            ReusingAuthentication(
                bot_framework_configuration(settings), timeout=settings.platform_timeout
            )
        )
        self.chat = TeamsChat(self.cloud, settings.microsoft_app_id or "", bot.places)
        self.bot = MaturityBot(bot, self.chat)
        self.after_ack = AfterAck()

    async def start(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.messages)
        if not self.authenticated:
            log.warning(
                "TEAMS AUTHENTICATION IS OFF: MICROSOFT_APP_ID is not set, so %s accepts "
                "activities from anyone without a Bot Framework token. Use this only on your "
                "own machine (Agents Playground, Bot Framework Emulator); set "
                "MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for Teams.",
                ROUTE,
            )
        else:
            log.info("teams: %s on, Bot Framework tokens required", ROUTE)

    async def sign_in(self) -> None:
        """Bot Framework tokens are fetched on each send; nothing to check up front."""

    async def stop(self) -> None:
        """Let acknowledged activities finish (every connector call has its own HTTP
        session, so there is nothing to close)."""
        await self.after_ack.wait(SHUTDOWN_WAIT)

    def health(self) -> dict[str, object]:
        return {"mode": "http", "route": ROUTE, "auth": self.authenticated, "live": True}

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """One activity in: 4xx for what is not an activity, 401 without a valid token."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "send the activity as application/json")
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "the body is not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return _problem(400, "the body is not a Bot Framework activity")
        try:
            activity = Activity().deserialize(body)
        except DeserializationError:
            return _problem(400, "the body is not a Bot Framework activity")
        # Authentication first, on its own: CloudAdapter.process turns only PermissionError
        # into a 401, and a malformed token raises other errors (jwt's DecodeError) there.
        header = request.headers.get("Authorization", "")
        auth = self.cloud.bot_framework_authentication
        try:
            authenticated = await auth.authenticate_request(activity, header)
        except Exception as error:
            log.info("teams: refused an activity: %s", type(error).__name__)
            return _problem(401, "a valid Bot Framework token is required")
        if activity.type != ActivityTypes.invoke:
            # Acknowledged now, handled after: what it says goes out through the connector.
            conversation = base_conversation(
                activity.conversation.id if activity.conversation else ""
            )
            self.after_ack.start(conversation, lambda: self.handle(authenticated, activity))
            return web.Response(status=201)
        # An invoke's response is what the person sees (their card): answered in the request,
        # which the card work keeps short (no posting in it; counts are refreshed later).
        try:
            invoke = await self.cloud.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("teams: could not process an activity")
            return _problem(500, "internal error")
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(_invoke_body(invoke.body), status=invoke.status)

    async def handle(self, authenticated: AuthenticateRequestResult, activity: Activity) -> None:
        """An acknowledged activity, handled: everything the bot says in answer is posted
        from here. Kept apart so a durable queue can run it later."""
        try:
            await self.cloud.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("teams: could not process an activity")


def _invoke_body(body: object) -> object:
    """The invoke response as JSON. Card responses are built directly: msrest's serializer
    walks every node of the card and cost a third of a click's CPU time."""
    if isinstance(body, AdaptiveCardInvokeResponse):
        return {"statusCode": body.status_code, "type": body.type, "value": body.value}
    return serializer_helper(body)


def _problem(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)
