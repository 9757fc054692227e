"""The slack-bolt ``AsyncApp`` and its listeners: which Slack input goes where.

Bolt acknowledges events by itself; every other listener calls ``ack()`` first, and the
work runs after the acknowledgement (Bolt runs async listeners as tasks and answers Slack
as soon as ``ack`` is called), so Slack always hears back within its 3 seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.assembly import Assembly
from bot.config import Settings
from bot.metrics import HANDLER_ERRORS
from bot.platforms.slack.buttons import Buttons, comment_from
from bot.platforms.slack.chat import PLATFORM, SlackChat
from bot.platforms.slack.conversation import Conversations, Respond
from bot.platforms.slack.home import HomeTab
from bot.platforms.slack.inflight import InFlight, Listener
from bot.platforms.slack.kit import (
    ANSWER_ACTION,
    COMMENT_ACTION,
    COMMENT_BLOCK,
    COMMENT_VIEW,
    COMPARE_ACTION,
    NEXT_LEVEL_ACTION,
    OPEN_ACTION,
)
from bot.platforms.slack.locales import Locales
from bot.platforms.slack.payloads import (
    PayloadError,
    Said,
    mentions,
    message_event,
    slash_command,
)
from bot.platforms.slack.payloads import (
    metadata_key as modal_key,
)
from bot.wording import speaking, t

log = logging.getLogger(__name__)


class _KnownTokenNotice(logging.Filter):
    """Bolt warns that its token is unused whenever SLACK_BOT_TOKEN is in the environment
    and a client is given, or an ``authorize`` function; both give Bolt that very token
    (``_authorize``), so the warnings mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return "`token` will be unused" not in text and "will be ignored" not in text


_BOLT_LOG = logging.getLogger("slack_bolt.maturity-bot")
_BOLT_LOG.addFilter(_KnownTokenNotice())
# A message subtype we read: plain messages (None) and thread replies also sent to the channel.
READ_SUBTYPES = (None, "thread_broadcast")


def build_app(
    bot: Assembly,
    chat: SlackChat,
    client: AsyncWebClient,
    settings: Settings,
    work: InFlight,
    locales: Locales,
) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",  # never Bolt's own env lookup
        # The HTTP door (web.py) verifies every signature before Bolt sees a request, and
        # Socket Mode has none (the connection itself is authenticated): checking again here
        # would only repeat the HMAC.
        request_verification_enabled=False,
        name="maturity-bot",
        logger=_BOLT_LOG,
        authorize=_authorize(chat, client.token or ""),
    )
    talk = Conversations(bot, chat, locales)
    # The comment modal's metadata makes a round trip through the client: sealed with a key
    # of its own, from the signing secret (HTTP) or the bot token (Socket Mode has no secret).
    metadata_key = modal_key(settings.slack_signing_secret or settings.slack_bot_token or "")
    buttons = Buttons(bot, chat, client, locales, metadata_key)
    home = HomeTab(bot, client)

    # Bolt tries listeners in the order they were added, running each one's matchers;
    # the pulse click is by far the busiest input, so it is tried first.
    @app.action(re.compile(f"^{re.escape(ANSWER_ACTION)}"))
    @work.tracked
    @acknowledged
    async def on_answer(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await buttons.answer(body)

    @app.event("app_mention")
    @work.tracked
    @acknowledged
    async def on_mention(body: dict[str, Any]) -> None:
        said = _said(body)
        if said is not None:
            await talk.said(said)

    @app.event("message")
    @work.tracked
    @acknowledged
    async def on_message(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if event.get("subtype") not in READ_SUBTYPES or event.get("bot_id"):
            return  # edits, joins, other bots: nothing to answer
        said = _said(body)
        if said is None:
            return
        if said.direct:
            await talk.said(said)
        elif (
            said.thread_ts
            and said.thread_ts != said.ts
            and not mentions(body, context.bot_user_id or chat.bot_user_id)
        ):
            # Mentions come as app_mention too; answering here as well would answer twice.
            await talk.thread_reply(said)

    @app.event("app_home_opened")
    @work.tracked
    @acknowledged
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab") == "home" and isinstance(event.get("user"), str):
            await home.opened(event["user"])

    @app.event("user_change")
    async def on_user_change(event: dict[str, Any]) -> None:
        # Someone changed their profile, perhaps their language: private replies follow it.
        locales.learn(event.get("user"))

    # Any slash command: the manifest defines /maturity, a workspace may rename it.
    @app.command(re.compile(r"^/"))
    @work.tracked
    @acknowledged
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        try:
            said = slash_command(body)
        except PayloadError as error:
            log.warning("ignored a slash command: %s", error)
            return
        await talk.said(said, respond)

    @app.action(COMMENT_ACTION)
    @work.tracked
    @acknowledged
    async def on_comment_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await buttons.open_comment(body)

    @app.view(COMMENT_VIEW)
    @work.tracked
    @acknowledged
    async def on_comment(ack: AsyncAck, body: dict[str, Any]) -> None:
        comment = comment_from(body, metadata_key)
        if comment is None:  # not a form we opened for this person, or changed on the way
            error = str(t("This form could not be read. Close it and press “Add a comment” again."))
            await ack(response_action="errors", errors={COMMENT_BLOCK: error})
            return
        if not comment.text.strip():
            with speaking(comment.target.language):
                error = str(t("Write a comment first."))
            await ack(response_action="errors", errors={COMMENT_BLOCK: error})
            return
        await ack()
        await buttons.comment(comment)

    @app.action(NEXT_LEVEL_ACTION)
    @work.tracked
    @acknowledged
    async def on_next_level(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await buttons.step(body, respond, compare=False)

    @app.action(COMPARE_ACTION)
    @work.tracked
    @acknowledged
    async def on_compare(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await buttons.step(body, respond, compare=True)

    @app.action(re.compile(f"^{re.escape(OPEN_ACTION)}"))
    @work.tracked
    @acknowledged
    async def on_open(ack: AsyncAck, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await buttons.open_cell(body, respond)

    return app


def acknowledged(listener: Listener) -> Listener:
    """A listener that never raises into Bolt: Bolt drops an ack already given when its
    listener raises afterwards (Slack then sees a timeout), so a failure is logged here and
    the request acknowledged if it was not yet."""

    @wraps(listener)
    async def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return await listener(*args, **kwargs)
        except Exception:
            log.exception("a Slack listener failed")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            ack = kwargs.get("ack")
            if isinstance(ack, AsyncAck) and ack.response is None:
                await ack()
            return None

    return run  # type: ignore[return-value]


def _authorize(chat: SlackChat, token: str) -> Callable[..., Awaitable[AuthorizeResult]]:
    """Bolt's own single-workspace authorization asks auth.test on the first request and
    refuses it (a "please install this app" reply) while Slack's Web API does not answer: a
    command or click just after a restart during an outage was lost. The bot signs in by
    itself (the adapter's auth.test, retried in the background), so Bolt is told who the bot
    is from that, with no call of its own; until then without the bot's ids (the listeners
    ignore other bots' messages themselves)."""

    async def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=token,
            bot_id=chat.bot_id,
            bot_user_id=chat.bot_user_id,
            user_id=user_id,
        )

    return authorize


def _said(body: dict[str, Any]) -> Said | None:
    try:
        return message_event(body)
    except PayloadError as error:
        log.warning("ignored a message event: %s", error)
        return None
