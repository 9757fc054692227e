"""An in-process bot on a real database, for conversation-shaped tests.

Errbot's test backend is the model: a test pushes what someone says and reads what the bot
answered. The chat port is the real console adapter writing to a buffer, with each call also
recorded so tests can count posts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.chat import MessageRef
from bot.config import Settings
from bot.context import Person, Place, Turn
from bot.core import Core
from bot.model import MaturityModel, Surveys
from bot.platforms.console import ConsoleChat
from bot.platforms.text import render
from bot.replies import Reply
from bot.services import Services
from storage.engine import Database


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


class RecordingChat(ConsoleChat):
    """The console adapter, also keeping every call for assertions."""

    def __init__(self, chart_dir: Path) -> None:
        super().__init__(io.StringIO(), chart_dir)
        self.calls: list[tuple[str, str, Reply]] = []  # (method, target, reply)

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        self.calls.append(("post", place.channel, reply))
        return await super().post(place, reply)

    async def post_in_thread(self, place, parent, reply, broadcast=False) -> MessageRef:
        self.calls.append(("thread", parent.id, reply))
        return await super().post_in_thread(place, parent, reply, broadcast)

    async def update(self, place: Place, message: MessageRef, reply: Reply) -> None:
        self.calls.append(("update", message.id, reply))

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        self.calls.append(("direct", person_id, reply))
        return await super().direct(place, person_id, reply)

    def of(self, kind: type, method: str | None = None) -> list[Reply]:
        return [r for m, _, r in self.calls if isinstance(r, kind) and method in (None, m)]

    @property
    def text(self) -> str:
        return self.out.getvalue()


@dataclass
class Bot:
    core: Core
    chat: RecordingChat
    place: Place
    clock: Clock
    db: Database
    said: list[str] = field(default_factory=list)

    async def say(self, who: str, text: str, thread: MessageRef | None = None) -> list[Reply]:
        self.chat.people.add(who)
        replies = await self.core.on_text(Turn(Person(who), self.place, text, self.chat, thread))
        self.said += [render(reply) for reply in replies]
        return replies

    async def text(self, who: str, text: str) -> str:
        return "\n".join(render(reply) for reply in await self.say(who, text))

    def close(self) -> None:
        self.db.close()


async def make_bot(
    url: str,
    model: MaturityModel,
    surveys: Surveys,
    tmp_path: Path,
    clock: Clock | None = None,
    admins: frozenset[str] = frozenset({"lead"}),
    min_responses: int = 3,
    instance: str = "test",
    channel: str = "C-team",
) -> Bot:
    clock = clock or Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    settings = replace(
        Settings(), database_url=url, admins=admins, pulse_min_responses=min_responses,
        chart_dir=tmp_path / "charts",
    )  # fmt: skip
    db = Database(url, workers=4)
    chat = RecordingChat(tmp_path / "charts")
    services = Services(
        settings, model, surveys, db, clock=clock, instance=instance, chats={"console": chat}
    )
    core = Core(services)
    place = await core.place("console", "local", channel, f"#{channel}")
    return Bot(core, chat, place, clock, db)
