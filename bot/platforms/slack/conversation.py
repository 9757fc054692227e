"""Typed text: mentions, direct messages, replies in a pulse's thread and the slash command.

Each arrives already acknowledged; this turns it into a core turn and delivers the replies
where the person expects them: in the mention's thread, in the DM, or privately for a slash
command. Private replies in a channel are ephemeral: only the person sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import commands
from bot.assembly import Assembly
from bot.context import Person, Place, Turn
from bot.metrics import HANDLER_ERRORS
from bot.platforms.slack.blocks import message
from bot.platforms.slack.chat import PLATFORM, SlackChat
from bot.platforms.slack.client import respond_checked
from bot.platforms.slack.locales import Locales
from bot.platforms.slack.payloads import Said, place_name
from bot.replies import Notice, Reply, is_private, language_of, private
from bot.wording import speaking, t

log = logging.getLogger(__name__)
Respond = Callable[..., Awaitable[Any]]

FAILED = private(
    t(
        "Sorry, something went wrong on my side and nothing was changed. Please try again in "
        "a moment."
    )
)
NOT_IN_CHANNEL = private(
    t(
        "I'm not a member of this channel yet. Invite me with `/invite @maturity-bot`, then "
        "try again."
    )
)


def trouble_notice(error: Exception) -> Notice:
    """What to tell the person when handling their message failed."""
    if isinstance(error, SlackApiError) and error.response.get("error") in (
        "not_in_channel",
        "channel_not_found",
    ):
        return NOT_IN_CHANNEL
    return FAILED


class Conversations:
    def __init__(self, bot: Assembly, chat: SlackChat, locales: Locales) -> None:
        self.bot = bot
        self.chat = chat
        self.locales = locales

    async def first_delivery(self, event_id: str | None) -> bool:
        """Slack retries an event it thinks we missed; the database says if we saw it."""
        return not event_id or await self.bot.places.first_delivery(PLATFORM, event_id)

    async def place(self, said: Said) -> Place:
        return await self.bot.places.place(
            PLATFORM, said.team, said.channel, place_name(said.channel, said.direct)
        )

    async def said(self, said: Said, respond: Respond | None = None) -> None:
        """Answer a mention, a DM or a slash command."""
        try:
            if not await self.first_delivery(said.event_id):
                return
            person = Person(said.user, said.user_name, locale=await self.locales.of(said.user))
            if await self._outside(said):
                await self.deliver(said, person, NOT_IN_CHANNEL, None, respond)
                return
            place = await self.place(said)
            turn = Turn(person, place, said.text, said.thread)
            for reply in await self.bot.core.on_text(turn):
                await self.deliver(said, person, reply, place, respond)
        except Exception as error:
            log.exception("could not answer a Slack message")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            await self.apologise(said, error, respond)

    async def _outside(self, said: Said) -> bool:
        """A pulse started where the bot cannot post would open a round nobody can see."""
        if said.direct:
            return False
        try:
            starts = isinstance(commands.parse(said.text), commands.PulseStart)
        except commands.CommandError:
            return False  # the core explains the mistake
        return starts and not await self.chat.is_member(said.channel)

    async def thread_reply(self, said: Said) -> None:
        """A message in a thread, not addressed to the bot: only a pulse answer counts."""
        try:
            commands.answer(said.text)
        except commands.CommandError:
            return  # people talking in a thread; not for us
        try:
            thread = said.thread_ts or ""
            place = await self.bot.places.pulse_thread(PLATFORM, said.channel, thread)
            if place is None or not await self.first_delivery(said.event_id):
                return
            person = Person(said.user, locale=await self.locales.of(said.user))
            turn = Turn(person, place, said.text, said.thread)
            for reply in await self.bot.core.on_text(turn):
                language = person.locale or place.language
                await self.chat.whisper(said.channel, said.user, reply, said.thread_ts, language)
        except Exception as error:
            log.exception("could not take a typed answer in a pulse thread")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            await self.apologise(said, error)

    async def deliver(
        self,
        said: Said,
        person: Person,
        reply: Reply,
        place: Place | None,
        respond: Respond | None = None,
    ) -> None:
        """Where the person expects it: privately for a slash command or a private reply (in
        their language), in the DM, or in the mention's thread (in the conversation's)."""
        shared = place.language if place is not None else None
        own = person.locale or shared
        if respond is not None:  # slash command: everything it returns is for the person only
            with speaking(language_of(reply, own)):
                content = message(reply)
            await respond_checked(respond, response_type="ephemeral", **content)
        elif said.direct:
            await self.chat.post_to(said.channel, reply, language=own)
        elif is_private(reply):
            # An ephemeral shows in a thread only once the thread exists.
            await self.chat.whisper(said.channel, said.user, reply, said.thread_ts, own)
        else:
            await self.chat.post_to(
                said.channel, reply, thread_ts=said.reply_thread, language=shared
            )

    async def apologise(self, said: Said, error: Exception, respond: Respond | None = None) -> None:
        try:
            person = Person(said.user, locale=await self.locales.of(said.user))
            await self.deliver(said, person, trouble_notice(error), None, respond)
        except Exception:
            log.warning("could not tell %s that something went wrong", said.user, exc_info=True)
