"""The core: one entry for every platform. Text in, replies out; clicks in, a private
confirmation out. Platform adapters call it; the scheduler calls its handlers directly."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime

from bot import commands
from bot.chat import MessageRef
from bot.context import Person, Place, Turn, place_of
from bot.handlers import knowledge
from bot.handlers.admin import Admin, is_admin, refusal
from bot.handlers.digest import Digests
from bot.handlers.pulse import Pulses
from bot.metrics import QUESTIONS
from bot.replies import AnswerRecorded, HelpAnswer, Notice, Reply, RoundSummary, private
from bot.services import Services
from bot.understand import understand
from storage import conversations, events, rounds

log = logging.getLogger(__name__)
PLACE_SECONDS = 60.0


class Core:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.digests = Digests(services)
        self.pulses = Pulses(services, self.digests)
        self.admin = Admin(services)
        self._places: dict[tuple[str, str, str], tuple[float, Place]] = {}

    async def place(self, platform: str, workspace: str, channel: str, name: str = "") -> Place:
        """The stored conversation for a platform channel, created on first contact.

        Kept for a minute per process: every event needs it, and it seldom changes (another
        instance's new timezone shows up here within that minute).
        """
        key = (platform, workspace, channel)
        cached = self._places.get(key)
        if cached and cached[0] > time.monotonic() and (not name or cached[1].name == name):
            return cached[1]
        conversation = await self.services.db.write(
            conversations.find_or_create, platform, workspace, channel, name, self.services.now()
        )
        return self.remember(place_of(conversation))

    def remember(self, place: Place) -> Place:
        """Keep a place as it now stands in the database (after this process changed it)."""
        self._places[(place.platform, place.workspace, place.channel)] = (
            time.monotonic() + PLACE_SECONDS,
            place,
        )
        return place

    async def stored_reference(self, place: Place) -> str | None:
        """How to reach a conversation, as stored now (another instance may have refreshed
        it since ``place`` was read)."""
        found = await self.services.db.read(conversations.get, place.id)
        return found.reference if found else place.reference

    async def reference_of(self, platform: str, channel: str) -> str | None:
        found = await self.services.db.read(conversations.find, platform, channel)
        return found.reference if found else None

    async def remember_reference(self, place: Place, reference: str) -> Place:
        """Keep how to reach this conversation (written only when it changed)."""
        if place.reference != reference:
            await self.services.db.write(conversations.save_reference, place.id, reference)
            place = replace(place, reference=reference)
        return self.remember(place)

    async def remember_conversation(
        self, platform: str, workspace: str, channel: str, name: str, reference: str
    ) -> Place:
        """A conversation the platform opened for us (a 1:1 chat), with its reference."""
        place = await self.place(platform, workspace, channel, name)
        return await self.remember_reference(place, reference)

    def forget(self, place: Place) -> None:
        self._places.pop((place.platform, place.workspace, place.channel), None)

    async def first_delivery(self, platform: str, event_id: str) -> bool:
        """False when this platform event was handled before (a retry), on any instance."""
        s = self.services
        return await s.db.write(events.first_delivery, f"{platform}:{event_id}", s.now())

    async def pulse_thread(self, platform: str, channel: str, thread_id: str) -> Place | None:
        """The conversation, when ``thread_id`` is its open round's parent post. Reads only:
        most threads are people talking, and those cost no write."""
        found = await self.services.db.read(rounds.open_parent_in, platform, channel)
        if found is None:
            return None
        conversation, parent = found
        ref = MessageRef.loads(parent)
        return place_of(conversation) if ref is not None and ref.id == thread_id else None

    async def latest_results(
        self, platform: str, channels: list[str], limit: int
    ) -> list[tuple[Place, RoundSummary]]:
        """Each channel's latest closed round as a summary (aggregates only), newest first."""
        found = await self.services.db.read(rounds.latest_closed_in, platform, channels, limit)
        results = []
        for conversation, round_ in found:
            place = place_of(conversation)
            results.append((place, await self.digests.summary(round_, place)))
        return results

    async def on_text(self, turn: Turn) -> list[Reply]:
        """Everything a person can type, anywhere."""
        try:
            command = commands.parse(turn.text)
        except commands.CommandError as error:
            return [Notice(str(error), private=True)]
        if command is None:
            typed = await self._typed_answer(turn)
            if typed is not None:
                return [typed]
            return [self.knowledge(turn.text)]
        refused = refusal(self.services, turn.person, command)
        if refused is not None:
            return [refused]
        return await self._run(turn, command)

    def knowledge(self, text: str) -> Reply:
        intent = understand(text, self.services.model)
        QUESTIONS.labels(intent.kind).inc()
        reply = knowledge.answer(intent, self.services.model)
        if isinstance(reply, HelpAnswer):
            reply = HelpAnswer(reply.examples, commands.COMMAND_HELP)
        return reply

    async def _typed_answer(self, turn: Turn) -> Reply | None:
        """A reply typed in a pulse's thread ("3", "adoption 2 -- note") is an answer."""
        if turn.thread is None:
            return None
        current = await self.services.db.read(rounds.current, turn.place.id)
        parent = MessageRef.loads(current.parent_ref) if current else None
        if parent is None or parent.id != turn.thread.id:
            return None
        try:
            command = commands.answer(turn.text)
        except commands.CommandError:
            return None  # a remark in the thread, not an answer
        reply = await self.pulses.answer_text(turn.place, turn.person, command, turn.chat)
        if isinstance(reply, AnswerRecorded):
            reply = replace(reply, typed_in_public=True)
        return reply

    async def _run(self, turn: Turn, command: commands.Command) -> list[Reply]:
        place, person, chat = turn.place, turn.person, turn.chat
        pulses, admin = self.pulses, self.admin
        match command:
            case commands.PulseStart(template=template, closes=closes):
                return await pulses.start(place, person, chat, template, closes)
            case commands.PulseStatus():
                return [await pulses.status(place, chat)]
            case commands.PulseClose():
                current = await self.services.db.read(rounds.current, place.id)
                if current is None:
                    return [Notice("No pulse is open here.", private=True)]
                await pulses.close(current.id, chat)
                return []
            case commands.PulseRemind():
                return [await pulses.remind(place, chat)]
            case commands.ScheduleSet():
                reply = await admin.set_schedule(place, person, command)
                self.forget(place)  # a schedule may have set the conversation's timezone
                return [reply]
            case commands.ScheduleList():
                return [await admin.list_schedules(place)]
            case commands.ScheduleOff(kind=kind):
                return [await admin.schedule_off(place, kind)]
            case commands.DigestNow():
                return await self._digest(turn)
            case commands.Answer():
                return [await pulses.answer_text(place, person, command, chat)]
            case commands.MyAnswers():
                return [await admin.my_answers(person)]
            case commands.ForgetMe(confirmed=confirmed):
                return [await admin.forget_me(person, confirmed)]
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    async def _digest(self, turn: Turn) -> list[Reply]:
        """Admins post the digest to the channel; anyone else sees it privately."""
        if is_admin(self.services, turn.person):
            posted = await self.digests.post(turn.place, turn.chat)
            return [posted] if posted else []
        digest = await self.digests.build(turn.place, with_chart=False)
        if digest is None:
            return [private("No pulse has closed here yet, so there is nothing to show.")]
        return [replace(digest, private=True)]

    async def on_click(
        self,
        person: Person,
        round_id: int,
        question_id: str,
        level: int | None,
        at: datetime | None = None,
        comment: str | None = None,
    ) -> Reply:
        """A button press on a pulse question: recorded, confirmed to the clicker only."""
        return await self.pulses.answer(person, round_id, question_id, level, comment, at)

    async def on_comment(self, person: Person, round_id: int, question_id: str, text: str) -> Reply:
        return await self.pulses.comment(person, round_id, question_id, text)
