"""The ``Chat`` port on Slack: how the core posts, replies in threads, edits and whispers.

A ``MessageRef`` on Slack is (channel id, message ts); a thread is its parent's ts.
Everything that shows in a channel goes through the channel's pacing lane.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.chat import Failure, delivering
from bot.context import MessageRef, Place
from bot.handlers import chart
from bot.metrics import HANDLER_ERRORS, POSTS
from bot.platforms.slack.blocks import message
from bot.platforms.slack.pacing import ChannelPacer
from bot.replies import Digest, Reply, language_of
from bot.wording import speaking, t

log = logging.getLogger(__name__)
PLATFORM = "slack"
MEMBERS_PAGE = 200
# Set on every owed post (chat.postMessage ``metadata``), so that a post whose outcome was
# unknown can be found again with conversations.history / conversations.replies.
OWED_EVENT = "maturitybot_post"
LOOKUP_PAGE = 200
# Slack's refusals that no retry will change: give up and tell the admins.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
    "token_revoked", "no_permission", "missing_scope", "restricted_action", "msg_too_long",
    "invalid_blocks", "user_not_found", "cannot_dm_bot", "not_authed", "team_access_not_granted",
})  # fmt: skip
# ok:false codes where Slack may have posted before failing.
MAYBE_POSTED = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)


class SlackChat:
    platform = PLATFORM
    count_interval = 1.0  # edits are paced and merged per channel (pacing.py)
    finds_delivered = True  # owed posts carry metadata (see find_delivered)
    chart_width = chart.WIDE  # uploaded as a file

    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer) -> None:
        self.client = client
        self.pacer = pacer
        self.bot_user_id: str | None = None  # set from auth.test at start
        self.bot_id: str | None = None  # the same: what its own posts carry as bot_id

    # --- the Chat port ---------------------------------------------------------------

    async def post(self, place: Place, reply: Reply) -> MessageRef | None:
        return await self.post_to(place.channel, reply, language=place.language)

    async def post_in_thread(
        self, place: Place, parent: MessageRef, reply: Reply, broadcast: bool = False
    ) -> MessageRef | None:
        return await self.post_to(
            parent.conversation,
            reply,
            thread_ts=parent.id,
            broadcast=broadcast,
            language=place.language,
        )

    async def update(self, place: Place, ref: MessageRef, reply: Reply) -> None:
        with speaking(language_of(reply, place.language)):
            content = message(reply)

        async def send() -> None:
            await self.client.chat_update(channel=ref.conversation, ts=ref.id, **content)
            POSTS.labels(PLATFORM, "update").inc()

        await self.pacer.edit(ref.conversation, ref.id, send)

    async def tell(
        self, place: Place, person_id: str, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        await self.whisper(place.channel, person_id, reply, thread.id if thread else None)

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        """A DM: posting to a user id lands in the app's direct conversation with them."""
        try:
            await self.post_to(person_id, reply)
        except SlackApiError as error:
            log.warning("could not DM %s: %s", person_id, error.response.get("error"))
            return False
        return True

    async def members(self, place: Place) -> list[str] | None:
        """The channel's members except this bot (other apps in the channel are counted too:
        telling them apart needs users:read, a scope this bot does without)."""
        bot = await self.bot_user()
        people: list[str] = []
        cursor: str | None = None
        while True:
            page = await self.client.conversations_members(
                channel=place.channel, limit=MEMBERS_PAGE, cursor=cursor
            )
            people += [member for member in (page.get("members") or []) if member != bot]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return people

    # --- Receipts: what the deliverer (bot/delivery/) asks after a failure -------------

    def failure(self, error: BaseException) -> Failure:
        if isinstance(error, SlackApiError):
            code = error.response.get("error") if error.response.data else None
            status = error.response.status_code
            if code in PERMANENT:
                return "permanent"
            if status >= 500 or code in MAYBE_POSTED:
                return "uncertain"  # Slack may have posted before it failed: look first
            return "retry"
        if isinstance(error, aiohttp.ClientConnectorError):
            return "retry"  # never connected: nothing was sent
        if isinstance(error, TimeoutError | aiohttp.ClientError):
            return "uncertain"  # sent, and no answer: it may have arrived
        return "retry"

    async def find_delivered(
        self, place: Place, thread: MessageRef | None, mark: str, since: datetime
    ) -> MessageRef | None:
        """The message an owed post made, by its metadata, if it arrived after all."""
        oldest = f"{since.timestamp():.6f}"
        cursor: str | None = None
        while True:
            if thread is not None:
                page = await self.client.conversations_replies(
                    channel=thread.conversation, ts=thread.id, oldest=oldest,
                    include_all_metadata=True, limit=LOOKUP_PAGE, cursor=cursor,
                )  # fmt: skip
            else:
                page = await self.client.conversations_history(
                    channel=place.channel, oldest=oldest, include_all_metadata=True,
                    limit=LOOKUP_PAGE, cursor=cursor,
                )  # fmt: skip
            for found in page.get("messages") or []:
                metadata = found.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == OWED_EVENT and str(payload.get("owed")) == mark:
                    return MessageRef(thread.conversation if thread else place.channel, found["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    # --- Slack specifics used by the listeners -----------------------------------------

    async def bot_user(self) -> str | None:
        """The bot's own user id (auth.test), asked again if Slack was unreachable at start."""
        if self.bot_user_id is None:
            self.identified(await self.client.auth_test())
        return self.bot_user_id

    def identified(self, identity: AsyncSlackResponse) -> None:
        """What auth.test said about the bot."""
        self.bot_user_id = identity.get("user_id")
        self.bot_id = identity.get("bot_id")

    async def is_member(self, channel: str) -> bool:
        """Whether the bot is in the channel (True when Slack will not say)."""
        try:
            info = await self.client.conversations_info(channel=channel)
        except SlackApiError as error:
            log.info("could not check membership of %s: %s", channel, error.response.get("error"))
            return True
        return bool((info.get("channel") or {}).get("is_member", True))

    async def post_to(
        self,
        channel: str,
        reply: Reply,
        thread_ts: str | None = None,
        broadcast: bool = False,
        language: str | None = None,
    ) -> MessageRef:
        """Post in a channel (or a thread of it), paced; a digest brings its chart along.
        ``language`` is the readers' (None: the language in force)."""
        language = language_of(reply, language)
        with speaking(language):
            content: dict[str, Any] = message(reply)
        if thread_ts:
            content["thread_ts"] = thread_ts
            if broadcast:
                content["reply_broadcast"] = True
        owed = delivering.get()
        if owed is not None:
            content["metadata"] = {"event_type": OWED_EVENT, "event_payload": {"owed": owed}}

        async def send() -> Any:
            return await self.client.chat_postMessage(channel=channel, **content)

        response = await self.pacer.send(channel, send)
        kind = "thread" if thread_ts else "direct" if channel.startswith("U") else "message"
        POSTS.labels(PLATFORM, kind).inc()
        ref = MessageRef(response.get("channel") or channel, response["ts"])
        if isinstance(reply, Digest) and reply.chart_png:
            try:
                with speaking(language):
                    await self._upload_chart(ref.conversation, reply)
            except Exception:
                # The digest itself is out; failing here would make the caller post it again.
                log.warning("slack: the digest's chart could not be uploaded", exc_info=True)
                HANDLER_ERRORS.labels(PLATFORM).inc()
        return ref

    async def whisper(
        self,
        channel: str,
        user: str,
        reply: Reply,
        thread_ts: str | None = None,
        language: str | None = None,
    ) -> None:
        """An ephemeral message: only ``user`` sees it, and only in this session."""
        with speaking(language_of(reply, language)):
            content = message(reply)
        if thread_ts:
            content["thread_ts"] = thread_ts
        await self.client.chat_postEphemeral(channel=channel, user=user, **content)
        POSTS.labels(PLATFORM, "ephemeral").inc()

    async def _upload_chart(self, channel: str, digest: Digest) -> None:
        round_id = digest.summary.round_id
        title = str(t("Platform maturity digest: chart"))
        alt = str(t("Radar of the aspects' mean levels and their trend over recent rounds"))

        async def send() -> None:
            await self.client.files_upload_v2(
                channel=channel,
                file=digest.chart_png,
                filename=f"maturity-digest-round-{round_id}.png",
                title=title,
                alt_txt=alt,
            )
            POSTS.labels(PLATFORM, "file").inc()

        await self.pacer.send(channel, send)
