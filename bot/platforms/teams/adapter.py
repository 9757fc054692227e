"""The Teams platform adapter: ``POST /api/messages`` on the shared aiohttp server, served by
botbuilder's ``CloudAdapter`` with ``ConfigurationBotFrameworkAuthentication`` (reusing its
connector clients, see connectors.py)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable
from datetime import timedelta
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
from bot.platforms.teams.markup import escape as card_text
from bot.platforms.teams.references import base_conversation
from bot.platforms.untrusted import too_deep
from bot.wording import escaping, normalise, speaking, t
from storage import inbox

log = logging.getLogger(__name__)
ROUTE = "/api/messages"
SHUTDOWN_WAIT = 10.0  # seconds for activities being handled when the bot stops
# An instance holds an inbox activity it handles this long, renewing while it works; one
# held by nobody (its instance died) is taken over by the next look, made this often.
INBOX_HOLD = timedelta(seconds=10)
INBOX_RENEW = 3.0
INBOX_LOOK = 30.0


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
        self.places = bot.places
        self.after_ack = AfterAck()
        self._recovery: asyncio.Task[None] | None = None
        self._events = True  # takes activities (see ``start``)

    async def start(self, app: web.Application, events: bool = True) -> None:
        self._events = events
        if not events:  # speaks only (role "work"): proactive posts need no route
            return
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
        """Bot Framework tokens are fetched on each send; nothing to check up front. What an
        instance acknowledged and did not live to handle is handled from now on, in the
        background (health does not wait for it): by a process that takes events."""
        if self._events:
            self._recovery = asyncio.get_running_loop().create_task(self._recover())

    async def stop(self) -> None:
        """Let acknowledged activities finish (every connector call has its own HTTP
        session, so there is nothing to close)."""
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        await self.after_ack.wait(SHUTDOWN_WAIT)

    def health(self) -> dict[str, object]:
        if not self._events:
            return {"mode": "outbound", "auth": self.authenticated}
        return {"mode": "http", "route": ROUTE, "auth": self.authenticated, "live": True}

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """One activity in: 4xx for what is not an activity, 401 without a valid token.

        What can be checked before the body is read is checked first: the content type and
        its charset, the size, and (with authentication on) that a bearer token was sent at
        all. The body is read only as UTF-8 JSON of bounded size and depth; the token itself
        is validated against the activity, as the Bot Framework requires."""
        refused = _refused_before_reading(request, self.authenticated)
        if refused is not None:
            return refused
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _problem(413, "the activity is too large")
        body = _activity_json(raw)
        if body is None:
            return _problem(400, "the body is not a Bot Framework activity")
        try:
            activity = Activity().deserialize(body)
        except (DeserializationError, ValueError, TypeError, AttributeError, RecursionError):
            return _problem(400, "the body is not a Bot Framework activity")
        # Authentication on its own: CloudAdapter.process turns only PermissionError into a
        # 401, and a malformed token raises other errors (jwt's DecodeError) there.
        header = request.headers.get("Authorization", "")
        auth = self.cloud.bot_framework_authentication
        try:
            authenticated = await auth.authenticate_request(activity, header)
        except Exception as error:
            log.info("teams: refused an activity: %s", type(error).__name__)
            return _problem(401, "a valid Bot Framework token is required")
        # Teams retries what it thinks went unanswered, and a replayed request must change
        # nothing: an activity is handled once, on any instance.
        if activity.type != ActivityTypes.invoke:
            # Recorded, acknowledged now, handled after: what it says goes out through the
            # connector. The record outlives this process, so a crash loses nothing.
            key = _key(activity) or uuid.uuid4().hex
            if not await self._recorded(key, body):
                log.info("teams: an activity received before (a retry or a replay) was ignored")
                return web.Response(status=201)
            conversation = base_conversation(_conversation_id(activity))
            self.after_ack.start(
                conversation,
                lambda: self._held(key, self.handle(authenticated, activity)),
            )
            return web.Response(status=201)
        if not await self._first_time(activity):
            log.info("teams: an activity handled before (a retry or a replay) was ignored")
            return _handled_before(activity)
        # An invoke's response is what the person sees (their card): answered in the request,
        # which the card work keeps short (no posting in it; counts are refreshed later).
        try:
            with escaping(card_text):  # what people typed stays text in every card we answer
                invoke = await self.cloud.process_activity(
                    authenticated, activity, self.bot.on_turn
                )
        except Exception:
            log.exception("teams: could not process an activity")
            return _problem(500, "internal error")
        if invoke is None:
            return web.Response(status=201)
        # botbuilder answers an invoke it has no handler for with 501: for an activity from
        # outside that is the sender's mistake, not ours.
        status = 400 if invoke.status == 501 else invoke.status
        return web.json_response(_invoke_body(invoke.body), status=status)

    async def _first_time(self, activity: Activity) -> bool:
        """False when this invoke (its conversation and id) was handled before."""
        key = _key(activity)
        if key is None:
            return True  # nothing to recognise it by (Teams always sends an id)
        return await self.places.first_delivery(PLATFORM, key)

    async def _recorded(self, key: str, body: dict[str, object]) -> bool:
        """Keep the activity in the inbox, held by this instance; False when it was there."""
        s = self.places.services
        now = s.now()
        text = json.dumps(body, ensure_ascii=False)
        return await s.db.write(inbox.record, key, text, now, now + INBOX_HOLD)

    async def _held(self, key: str, work: Awaitable[None]) -> None:
        """Run the handling of an inbox activity, holding it meanwhile, then mark it handled
        (also when it failed: the failure is logged, and re-running it would fail again)."""
        s = self.places.services

        async def renew() -> None:
            while True:
                await asyncio.sleep(INBOX_RENEW)
                try:
                    await s.db.write(inbox.hold, key, s.now() + INBOX_HOLD)
                except Exception:  # the work goes on; at worst another instance re-runs it
                    log.exception("teams: could not keep holding an activity")

        renewing = asyncio.get_running_loop().create_task(renew())
        try:
            await work
        finally:
            renewing.cancel()
        await s.db.write(inbox.handled, key, s.now())

    async def _recover(self) -> None:
        """Handle what an instance acknowledged and did not live to handle, oldest first:
        at start, again once the holds of an instance that just died have run out, then
        every INBOX_LOOK seconds. Fresh activities are left to whoever holds them."""
        pauses = [INBOX_HOLD.total_seconds() + 1]
        while True:
            try:
                while await self._recover_one():
                    pass
            except Exception:
                log.exception("teams: could not look for activities left unhandled")
            await asyncio.sleep(pauses.pop() if pauses else INBOX_LOOK)

    async def _recover_one(self) -> bool:
        s = self.places.services
        now = s.now()
        taken = await s.db.write(inbox.claim_oldest, now - INBOX_HOLD, now, now + INBOX_HOLD)
        if taken is None:
            return False
        key, text = taken
        try:
            activity = Activity().deserialize(json.loads(text))
        except (DeserializationError, ValueError, TypeError, AttributeError, RecursionError):
            log.error("teams: an activity in the inbox could not be read; dropped")
            await s.db.write(inbox.handled, key, s.now())
            return True
        log.info("teams: handling an activity acknowledged before a restart")
        await self._held(key, self.rerun(activity))
        return True

    async def rerun(self, activity: Activity) -> None:
        """An activity received by an instance that stopped before handling it, run through
        botbuilder as a proactive turn on the bot's own identity: on_turn sees it as sent."""
        claims = self.cloud.create_claims_identity(self.settings.microsoft_app_id or "")
        try:
            with escaping(card_text):
                await self.cloud.process_proactive(claims, activity, None, self.bot.on_turn)
        except Exception:
            log.exception("teams: could not process an activity")

    async def handle(self, authenticated: AuthenticateRequestResult, activity: Activity) -> None:
        """An acknowledged activity, handled: everything the bot says in answer is posted
        from here. Kept apart so a durable queue can run it later."""
        try:
            with escaping(card_text):  # what people typed stays text in every card we send
                await self.cloud.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("teams: could not process an activity")


def _conversation_id(activity: Activity) -> str:
    """The activity's conversation id, or "" when it has none as text (a forged activity):
    it only picks the queue the activity waits in, and handling refuses it."""
    conversation = activity.conversation
    found = conversation.id if conversation is not None else None
    return found if isinstance(found, str) else ""


def _key(activity: Activity) -> str | None:
    """The activity's conversation and id, hashed to a bounded length (activity ids are
    unique within a conversation); None without an id."""
    if not isinstance(activity.id, str) or not activity.id:
        return None
    conversation = _conversation_id(activity)
    seen = f"{conversation}\0{activity.id}".encode("utf-8", "replace")
    return hashlib.sha256(seen).hexdigest()[:48]


MAX_BODY = 256 * 1024  # an activity is a few kilobytes; a card's data far less
_CHARSETS = ("utf-8", "utf8")


def _refused_before_reading(request: web.Request, authenticated: bool) -> web.Response | None:
    """The answer to a request refused on its headers alone, or None to read it."""
    if request.content_type != "application/json":
        return _problem(415, "send the activity as application/json")
    charset = request.charset
    if charset is not None and charset.lower() not in _CHARSETS:
        return _problem(415, "send the activity as UTF-8 JSON")
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _problem(413, "the activity is too large")
    if authenticated and not request.headers.get("Authorization", "").startswith("Bearer "):
        return _problem(401, "a valid Bot Framework token is required")
    return None


def _activity_json(raw: bytes) -> dict[str, object] | None:
    """The activity's JSON object, or None when the body is not UTF-8 JSON of bounded depth
    with a ``type``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if too_deep(text):
        return None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    return body


def _invoke_body(body: object) -> object:
    """The invoke response as JSON. Card responses are built directly: msrest's serializer
    walks every node of the card and cost a third of a click's CPU time."""
    if isinstance(body, AdaptiveCardInvokeResponse):
        return {"statusCode": body.status_code, "type": body.type, "value": body.value}
    return serializer_helper(body)


def _handled_before(activity: Activity) -> web.Response:
    """The answer to an activity seen before: nothing more is done. An invoke still gets a
    valid invoke response, a short message the client shows to the person."""
    if activity.type != ActivityTypes.invoke:
        return web.Response(status=201)
    with speaking(normalise(activity.locale)):
        text = str(t("This was already done; nothing changed."))
    body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
    return web.json_response(body, status=200)


def _problem(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)
