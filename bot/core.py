"""The core: the inbound router. Text in, replies out; a click in, a private confirmation
out. Platform adapters call it; it hands each request to the handler whose job it is."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import assert_never

from bot import commands, phrases
from bot.chinese import language_of
from bot.context import Click, MessageRef, Person, Place, Turn
from bot.handlers import knowledge
from bot.handlers.admin import Admin, is_admin, refusal
from bot.handlers.answers import Answers
from bot.handlers.digest import Digests
from bot.handlers.rounds import Rounds
from bot.metrics import QUESTIONS
from bot.places import Places
from bot.replies import AnswerRecorded, HelpAnswer, Notice, Reply, RoundTitle, private
from bot.services import Services
from bot.wording import t
from storage import rounds
from storage.tables import Round

log = logging.getLogger(__name__)


@dataclass
class Core:
    services: Services
    places: Places
    rounds: Rounds
    answers: Answers
    digests: Digests
    admin: Admin

    async def on_text(self, turn: Turn) -> list[Reply]:
        """Everything a person can type, anywhere."""
        try:
            command = commands.parse(turn.text)
        except commands.CommandError as error:
            await self.admin.cancel_confirmation(turn.person, turn.place)
            return [private(error.message)]
        if not isinstance(command, commands.Confirmed):
            await self.admin.cancel_confirmation(turn.person, turn.place)
        if command is None:
            typed = await self._typed_answer(turn)
            if typed is not None:
                return [typed]
            return [self.knowledge(turn.text)]
        refused = refusal(self.services, turn.person, command)
        if refused is not None:
            return [refused]
        return await self._run(turn, command)

    def knowledge(self, text: str, lang: str | None = None) -> Reply:
        """A question about the model, answered in the language it was asked in (or in
        ``lang``: a follow-up button answers in the language of the answer it was on)."""
        answered = knowledge.respond(text, self.services.content, lang or language_of(text))
        QUESTIONS.labels(answered.kind).inc()
        reply = answered.reply
        if isinstance(reply, HelpAnswer):
            reply = replace(reply, commands=commands.help_lines())
        return reply

    async def on_click(self, click: Click) -> Reply:
        """A button press on a pulse question: recorded, confirmed to the clicker only."""
        return await self.answers.click(click)

    async def on_comment(
        self, person: Person, place: Place, round_id: int, question_id: str, text: str
    ) -> Reply:
        return await self.answers.comment(person, place, round_id, question_id, text)

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
        reply = await self.answers.typed(turn.place, turn.person, command)
        if isinstance(reply, AnswerRecorded):
            reply = replace(reply, typed_in_public=True)
        return reply

    async def _run(self, turn: Turn, command: commands.Command) -> list[Reply]:
        place, person = turn.place, turn.person
        match command:
            case commands.PulseStart(template=template, closes=closes):
                return await self.rounds.start(place, person, template, closes)
            case commands.PulseStatus():
                return [await self.rounds.status(place)]
            case commands.PulseClose():
                current = await self.services.db.read(rounds.current, place.id)
                if current is None or current.id is None:
                    return [private(t("No pulse is open here."))]
                await self.rounds.close(current.id)
                return _closed_elsewhere(current, turn.thread)
            case commands.PulseRemind():
                return [await self.rounds.remind(place)]
            case commands.ScheduleSet():
                reply = await self.admin.set_schedule(place, person, command)
                self.places.forget(place)  # a schedule may have set the conversation's timezone
                return [reply]
            case commands.ScheduleList():
                return [await self.admin.list_schedules(place)]
            case commands.ScheduleOff(kind=kind):
                return [await self.admin.schedule_off(place, kind)]
            case commands.DigestNow():
                return await self._digest(turn)
            case commands.Answer():
                return [await self.answers.typed(place, person, command)]
            case commands.MyAnswers():
                return [await self.admin.my_answers(person, place)]
            case commands.ForgetMe(confirmed=confirmed):
                return [await self.admin.forget_me(person, place, confirmed)]
            case commands.Language(code=code):
                reply = await self.admin.set_language(place, code)
                self.places.forget(place)
                return [reply]
            case commands.ShowLanguage():
                return [self.admin.show_language(place)]
            case commands.Confirmed():
                done = await self.admin.confirmed(person, place)
                return [done] if done is not None else [self.knowledge(turn.text)]
            case _:
                assert_never(command)

    async def _digest(self, turn: Turn) -> list[Reply]:
        """Admins post the digest to the channel; anyone else sees it privately."""
        chat = self.places.chat(turn.place.platform)
        if is_admin(self.services, turn.person) and chat is not None:
            posted = await self.digests.post(turn.place, chat)
            return [posted] if posted else []
        digest = await self.digests.build(turn.place, with_chart=False)
        if digest is None:
            return [private(t("No pulse has closed here yet, so there is nothing to show."))]
        return [replace(digest, private=True)]


def _closed_elsewhere(closed: Round, thread: MessageRef | None) -> list[Reply]:
    """``pulse close`` typed in a thread other than the round's (each Teams channel post is
    a thread of its own) gets a word there: the summary went to the round's thread."""
    parent = MessageRef.loads(closed.parent_ref)
    if thread is None or parent is None or thread.id == parent.id:
        return []
    title = phrases.round_title(RoundTitle(closed.week))
    return [Notice(t("{title} is closed; its results are in its thread.", title=title))]
