"""The terminal chat: the embedded default that needs no chat credentials.

One conversation (``#terminal``) on the local database. ``/as NAME`` switches who is
speaking, so one person can play a whole team's round. The console user is an admin.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.assembly import Assembly
from bot.config import Settings
from bot.context import MessageRef, Person, Place, Turn
from bot.handlers import chart
from bot.model import Content
from bot.platforms.text import emphasis, render
from bot.replies import Digest, Reply, is_private, language_of, openable
from bot.wording import speaking, t
from storage.lanes import person_waiting

PLATFORM = "console"
CONSOLE_USER = "you"
PROMPT = "{name}> "
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
BOLD = ("\033[1m", "\033[22m")  # how a terminal sets off the words that matched


class ConsoleChat:
    """The ``Chat`` port on a terminal: posts are printed, threads are indented."""

    platform = PLATFORM
    count_interval = 1.0
    chart_width = chart.WIDE  # written to a file

    def __init__(
        self, out: TextIO, chart_dir: Path, language: str | None = None, bold: bool = False
    ) -> None:
        self.out = out
        self.chart_dir = chart_dir
        self.language = language  # the terminal user's, for what only they see
        self.people: set[str] = {CONSOLE_USER}
        self.bold = bold  # a real terminal: matched words in bold
        self._ids = itertools.count(1)

    def say(self, text: str) -> None:
        self.out.write(text.rstrip() + "\n")
        self.out.flush()

    def _text(self, reply: Reply, language: str | None) -> str:
        if isinstance(reply, Digest) and reply.chart_png:
            self.chart_dir.mkdir(parents=True, exist_ok=True)
            path = self.chart_dir / f"digest-round-{reply.summary.round_id}.png"
            path.write_bytes(reply.chart_png)
            reply = replace(reply, chart_path=str(path))
        with speaking(language_of(reply, language)), emphasis(*(BOLD if self.bold else ("", ""))):
            return render(reply)

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        self.say(f"[{place.label}] {self._text(reply, place.language)}")
        return MessageRef(place.channel, f"m{next(self._ids)}")

    async def post_in_thread(
        self, place: Place, parent: MessageRef, reply: Reply, broadcast: bool = False
    ) -> MessageRef:
        text = self._text(reply, place.language).replace("\n", "\n    ")
        self.say(f"  ↳ {text}")
        return MessageRef(place.channel, f"m{next(self._ids)}")

    async def update(self, place: Place, message: MessageRef, reply: Reply) -> None:
        """Edits are not reprinted: a terminal scrolls, and `pulse status` shows the counts."""

    async def tell(
        self, place: Place, person_id: str, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        text = self._text(reply, self.language)
        with speaking(self.language):
            self.say(str(t("(private to {person}) {text}", person=person_id, text=text)))

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        text = self._text(reply, None)
        with speaking(self.language):
            self.say(str(t("(direct message to {person}) {text}", person=person_id, text=text)))
        return True

    async def members(self, place: Place) -> list[str]:
        """Everyone who has spoken in this session (the terminal's "channel members")."""
        return sorted(self.people)


class ConsoleAdapter:
    """Reads lines from standard input, answers each, until end of input."""

    name = PLATFORM

    def __init__(self, bot: Assembly, stdin: TextIO, stdout: TextIO, language: str | None) -> None:
        self.bot = bot
        self.stdin = stdin
        self.stdout = stdout
        bold = stdout.isatty() if hasattr(stdout, "isatty") else False
        self.chat = ConsoleChat(stdout, bot.services.settings.chart_dir, language, bold)
        # The numbered cells of the last answer: typing a number opens one.
        self.offered: list[tuple[str, int, str | None]] = []
        bot.serve(self.chat)

    async def session(self) -> None:
        place = await self.bot.places.place(PLATFORM, "local", "terminal", "#terminal")
        person = Person(CONSOLE_USER, locale=self.chat.language)
        interactive = self.stdin.isatty()
        if interactive:
            with speaking(self.chat.language):
                self.stdout.write(
                    str(
                        t(
                            "maturity-bot in your terminal. Ask about the maturity model, or "
                            "try `pulse start`. `/as NAME` speaks as someone else; Ctrl-D "
                            "leaves."
                        )
                    )
                    + "\n"
                )
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.stdout.write(PROMPT.format(name=person.id))
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                return
            text = line.strip()
            if not text:
                continue
            if text.startswith("/as"):
                person = self._switch(text, person)
                continue
            opened = self._opened(text)
            if opened is not None:
                replies = [self.bot.core.knowledge(*opened)]
            else:
                with person_waiting():  # before the background's work (storage/lanes.py)
                    replies = await self.bot.core.on_text(Turn(person, place, text))
            for reply in replies:
                if is_private(reply):
                    await self.chat.tell(place, person.id, reply)
                else:
                    await self.chat.post(place, reply)
                self.offered = [
                    (match.aspect.key, match.level.number, getattr(reply, "lang", None))
                    for match in openable(reply)
                ]

    def _opened(self, text: str) -> tuple[str, str | None] | None:
        """A number typed after a numbered answer: the question that opens that cell."""
        found = _NUMBER.match(text)
        if found is None or not 1 <= int(found.group(1)) <= len(self.offered):
            return None
        aspect, level, lang = self.offered[int(found.group(1)) - 1]
        return f"level {level} {aspect}", lang

    def _switch(self, text: str, person: Person) -> Person:
        name = text[3:].strip()
        with speaking(self.chat.language):
            if not _NAME.match(name):
                self.chat.say(str(t("Usage: /as NAME (letters, digits, . _ @ -)")))
                return person
            self.chat.people.add(name)
            self.chat.say(str(t("(now speaking as {name})", name=name)))
        return Person(name, locale=self.chat.language)


def run_chat(
    settings: Settings,
    content: Content,
    stdin: TextIO,
    stdout: TextIO,
    language: str | None = None,
) -> int:
    """``maturitybot chat``: read lines until end of input, answer each."""
    from storage.engine import migrate

    migrate(settings.database_url)
    settings = replace(settings, admins=settings.admins | {CONSOLE_USER})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(_chat(settings, content, stdin, stdout, language))
    return 0


async def _chat(
    settings: Settings, content: Content, stdin: TextIO, stdout: TextIO, language: str | None
) -> None:
    from bot.assembly import assemble
    from bot.scheduler import Scheduler
    from storage.engine import Database

    db = Database(settings.database_url, workers=2)
    bot = assemble(settings, content, db)
    adapter = ConsoleAdapter(bot, stdin, stdout, language)
    scheduler = Scheduler(bot, [PLATFORM])
    await scheduler.start()
    try:
        await adapter.session()
    finally:
        await bot.stop()
        await scheduler.stop()
        db.close()
