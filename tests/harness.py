"""An in-process bot on a real database, for conversation-shaped tests.

Errbot's test backend is the model: a test pushes what someone says and reads what the bot
answered. The bot is built by the same ``assemble`` as ``maturitybot run``; its chat port is
the real console adapter writing to a buffer, and every message anyone could see is also kept
in one ordered transcript of who saw what, where, and whether it was private — so a test can
state the product's core rule: ``bot.expect(to="bob", private=True, says="Changed to")``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.assembly import Assembly, assemble
from bot.config import Settings
from bot.context import MessageRef, Person, Place, Turn
from bot.model import Content, MaturityModel, Surveys
from bot.platforms.console import ConsoleChat
from bot.platforms.text import render
from bot.replies import Reply, is_private, language_of
from bot.wording import speaking
from storage.engine import Database

EVERYONE = "everyone"


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


@dataclass(frozen=True)
class Seen:
    """One thing the bot showed: to whom (a person, or everyone in the conversation), where
    (the channel, a thread, a direct message), whether only they could see it, and its text."""

    audience: str
    where: str
    private: bool
    text: str
    reply: Reply = field(repr=False, compare=False)


class RecordingChat(ConsoleChat):
    """The console adapter, also keeping every call for assertions."""

    def __init__(self, chart_dir: Path) -> None:
        super().__init__(io.StringIO(), chart_dir)
        self.calls: list[tuple[str, str, Reply]] = []  # (method, target, reply)
        self.transcript: list[Seen] = []

    def seen(self, audience: str, where: str, private: bool, reply: Reply, language: str) -> None:
        with speaking(language_of(reply, language)):
            self.transcript.append(Seen(audience, where, private, render(reply), reply))

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        self.calls.append(("post", place.channel, reply))
        self.seen(EVERYONE, place.channel, False, reply, place.language)
        return await super().post(place, reply)

    async def post_in_thread(self, place, parent, reply, broadcast=False) -> MessageRef:
        self.calls.append(("thread", parent.id, reply))
        self.seen(EVERYONE, f"thread:{parent.id}", False, reply, place.language)
        return await super().post_in_thread(place, parent, reply, broadcast)

    async def update(self, place: Place, message: MessageRef, reply: Reply) -> None:
        self.calls.append(("update", message.id, reply))
        self.seen(EVERYONE, f"edit:{message.id}", False, reply, place.language)

    async def tell(self, place, person_id, reply, thread=None) -> None:
        self.calls.append(("tell", person_id, reply))
        self.seen(person_id, place.channel, True, reply, self.language or "en")
        await super().tell(place, person_id, reply, thread)

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        self.calls.append(("direct", person_id, reply))
        self.seen(person_id, "direct message", True, reply, place.language)
        return await super().direct(place, person_id, reply)

    def of(self, kind: type, method: str | None = None) -> list[Reply]:
        return [r for m, _, r in self.calls if isinstance(r, kind) and method in (None, m)]

    @property
    def text(self) -> str:
        return self.out.getvalue()


@dataclass
class Bot:
    app: Assembly
    chat: RecordingChat
    place: Place
    clock: Clock
    db: Database
    said: list[str] = field(default_factory=list)

    async def say(self, who: str, text: str, thread: MessageRef | None = None) -> list[Reply]:
        """``who`` says ``text`` here; the replies are returned and kept in the transcript
        (private ones seen by ``who`` alone, the others by everyone)."""
        self.chat.people.add(who)
        replies = await self.app.core.on_text(Turn(Person(who), self.place, text, thread))
        for reply in replies:
            private = is_private(reply)
            audience = who if private else EVERYONE
            self.chat.seen(audience, self.place.channel, private, reply, self.place.language)
        self.said += [render(reply) for reply in replies]
        return replies

    async def text(self, who: str, text: str) -> str:
        return "\n".join(render(reply) for reply in await self.say(who, text))

    @property
    def transcript(self) -> list[Seen]:
        return self.chat.transcript

    def mark(self) -> int:
        """Where the transcript is now: ``expect(..., after=mark)`` looks only at what follows."""
        return len(self.transcript)

    def expect(self, to: str, says: str, private: bool | None = None, after: int = 0) -> list[Seen]:
        """What ``to`` saw (as a person, or ``"everyone"``) that contains ``says``; fails with
        the transcript when there is nothing of the kind, or when its privacy differs."""
        found = [
            seen for seen in self.transcript[after:] if seen.audience == to and says in seen.text
        ]
        shown = "\n".join(f"  {s.audience} @ {s.where} ({'private' if s.private else 'shared'}):"
                          f" {s.text[:120]!r}" for s in self.transcript[after:])  # fmt: skip
        assert found, f"{to} never saw {says!r}; the transcript:\n{shown}"
        if private is not None:
            assert all(seen.private == private for seen in found), (
                f"{to} saw {says!r} {'in public' if private else 'privately'}:\n{shown}"
            )
        return found

    def nobody_else_saw(self, text: str, but: str) -> None:
        """Only ``but`` ever saw anything containing ``text``."""
        others = [s for s in self.transcript if text in s.text and s.audience != but]
        assert not others, f"{text!r} was shown to {[s.audience for s in others]}"

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
    content: Content | None = None,
) -> Bot:
    clock = clock or Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    settings = replace(
        Settings(), database_url=url, admins=admins, pulse_min_responses=min_responses,
        chart_dir=tmp_path / "charts",
    )  # fmt: skip
    db = Database(url, workers=4)
    content = content or Content({"en": model}, {"en": surveys})
    app = assemble(settings, content, db, clock=clock, instance=instance)
    chat = RecordingChat(tmp_path / "charts")
    app.serve(chat)
    place = await app.places.place("console", "local", channel, f"#{channel}")
    return Bot(app, chat, place, clock, db)
