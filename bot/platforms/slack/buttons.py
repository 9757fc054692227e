"""Buttons and the comment modal: pulse answers, "Add a comment", "Next level", "Compare".

Every press is acknowledged before it gets here. A pulse answer is confirmed to the clicker
alone (ephemeral); the question's shared message only ever shows the response count, which
the core refreshes through the ``Chat`` port.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.assembly import Assembly
from bot.context import Click, Person, Place
from bot.handlers.answers import unknown_question, unreadable_click
from bot.metrics import HANDLER_ERRORS
from bot.platforms.slack.blocks import message
from bot.platforms.slack.chat import PLATFORM, SlackChat
from bot.platforms.slack.client import respond_checked
from bot.platforms.slack.conversation import FAILED, Respond
from bot.platforms.slack.kit import ANSWER_ACTION, COMMENT_BLOCK, COMMENT_INPUT
from bot.platforms.slack.locales import Locales
from bot.platforms.slack.payloads import (
    Comment,
    CommentTarget,
    PayloadError,
    Pressed,
    answered,
    button,
    cell_opened,
    choice,
    comment_submission,
    level_step,
)
from bot.platforms.slack.pulse_blocks import comment_view
from bot.replies import Reply
from bot.wording import speaking

log = logging.getLogger(__name__)
# Slack signs a request for five minutes: a click older than that cannot arrive, and one
# stamped in the future by a wrong clock counts as now.
CLICK_WINDOW = timedelta(minutes=5)


class Buttons:
    def __init__(
        self,
        bot: Assembly,
        chat: SlackChat,
        client: AsyncWebClient,
        locales: Locales,
        metadata_key: bytes,
    ) -> None:
        self.bot = bot
        self.chat = chat
        self.client = client
        self.locales = locales
        self.metadata_key = metadata_key  # seals the comment modal's private_metadata

    async def _place(self, channel: str) -> Place | None:
        """The conversation the press came from, as Slack's request says (not the button)."""
        return await self.bot.places.find(PLATFORM, channel)

    async def answer(self, body: dict[str, Any]) -> None:
        """A level (or "Not sure") pressed on a pulse question."""
        pressed = _pressed(body)
        if pressed is None:
            return
        try:
            picked = answered(pressed.action_id, pressed.value, ANSWER_ACTION)
            place = await self._place(pressed.channel)
            if place is None:
                reply: Reply = unknown_question()
            else:
                click = Click(
                    Person(pressed.user, pressed.user_name),
                    place,
                    picked.round_id,
                    picked.question_id,
                    picked.level,
                    self._clicked_at(pressed),
                )
                reply = await self.bot.core.on_click(click)
        except PayloadError as error:
            log.warning("refused a pulse button with a bad value: %s", error)
            reply = unreadable_click()
        except Exception:
            log.exception("could not record a pulse answer")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            reply = FAILED
        await self._whisper(pressed, reply)

    async def open_comment(self, body: dict[str, Any]) -> None:
        """ "Add a comment": a modal, opened at once (its trigger expires after 3 seconds)."""
        pressed = _pressed(body)
        if pressed is None or pressed.trigger_id is None:
            return
        try:
            picked = choice(pressed.value, with_level=False)
        except PayloadError as error:
            log.warning("refused a comment button with a bad value: %s", error)
            await self._whisper(pressed, unreadable_click())
            return
        language = await self.locales.of(pressed.user)
        target = CommentTarget(
            picked.round_id,
            picked.question_id,
            pressed.user,
            pressed.channel,
            pressed.thread_ts,
            language,
        )
        try:
            info = await self.bot.answers.facts.get(picked.round_id)
            asked = info.question(picked.question_id) if info else None
            with speaking(language):
                view = comment_view(asked.text if asked else "", target.dumps(self.metadata_key))
            await self.client.views_open(trigger_id=pressed.trigger_id, view=view)
        except Exception:
            log.exception("could not open the comment modal")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            await self._whisper(pressed, FAILED)

    async def comment(self, comment: Comment) -> None:
        """The comment modal was submitted (and closed by the ack)."""
        target = comment.target
        try:
            if comment.view is not None and not await self.bot.places.first_delivery(
                PLATFORM, comment.view
            ):
                log.info("ignored a comment form submitted again (a replayed request)")
                return
            place = await self._place(target.channel)
            if place is None:
                reply: Reply = unknown_question()
            else:
                reply = await self.bot.core.on_comment(
                    Person(comment.user, comment.user_name),
                    place,
                    target.round_id,
                    target.question_id,
                    comment.text,
                )
        except Exception:
            log.exception("could not save a pulse comment")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            reply = FAILED
        try:
            language = await self.locales.of(comment.user)
            await self.chat.whisper(target.channel, comment.user, reply, target.thread_ts, language)
        except Exception:
            log.warning("could not confirm a comment to %s", comment.user, exc_info=True)

    async def step(self, body: dict[str, Any], respond: Respond, compare: bool) -> None:
        """ "Next level" or "Compare with next": the answer replaces the message in place."""
        pressed = _pressed(body)
        if pressed is None:
            return
        try:
            at = level_step(pressed.value)
        except PayloadError as error:
            log.warning("ignored a level button with a bad value: %s", error)
            return
        question = (
            f"from level {at.level} to {at.level + 1} in {at.aspect}"
            if compare
            else f"level {at.level + 1} {at.aspect}"
        )
        reply = self.bot.core.knowledge(question, at.language)
        try:
            with speaking(at.language):
                content = message(reply)
            await respond_checked(respond, replace_original=True, **content)
        except Exception:
            log.exception("could not replace a level answer")
            HANDLER_ERRORS.labels(PLATFORM).inc()

    async def open_cell(self, body: dict[str, Any], respond: Respond) -> None:
        """ "Open" beside a match: the cell's answer, to the clicker, below the list (which
        stays, so the other matches can be opened too)."""
        pressed = _pressed(body)
        if pressed is None:
            return
        try:
            at = cell_opened(pressed.value)
        except PayloadError as error:
            log.warning("ignored an open button with a bad value: %s", error)
            return
        reply = self.bot.core.knowledge(f"level {at.level} {at.aspect}", at.language)
        try:
            with speaking(at.language):
                content = message(reply)
            await respond_checked(
                respond, replace_original=False, response_type="ephemeral", **content
            )
        except Exception:
            log.exception("could not open a cell")
            HANDLER_ERRORS.labels(PLATFORM).inc()

    def _clicked_at(self, pressed: Pressed) -> datetime:
        """When the person clicked, by Slack's clock, kept within the signature's window: the
        answer keeps this time, so a late or replayed older click never overwrites a newer
        one (it is never re-stamped "now")."""
        now = self.bot.services.now()
        if pressed.action_ts is None:
            return now
        clicked = datetime.fromtimestamp(pressed.action_ts, UTC)
        return min(max(clicked, now - CLICK_WINDOW), now)

    async def _whisper(self, pressed: Pressed, reply: Reply) -> None:
        try:
            language = await self.locales.of(pressed.user)
            await self.chat.whisper(
                pressed.channel, pressed.user, reply, pressed.thread_ts, language
            )
        except Exception:
            log.warning("could not confirm privately to %s", pressed.user, exc_info=True)


def _pressed(body: dict[str, Any]) -> Pressed | None:
    try:
        return button(body)
    except PayloadError as error:
        log.warning("ignored a button press: %s", error)
        return None


def comment_from(body: dict[str, Any], metadata_key: bytes) -> Comment | None:
    try:
        return comment_submission(body, COMMENT_BLOCK, COMMENT_INPUT, metadata_key)
    except PayloadError as error:
        log.warning("ignored a comment submission: %s", error)
        return None
