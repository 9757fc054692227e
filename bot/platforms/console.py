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

from bot.chat import MessageRef
from bot.config import Settings
from bot.context import Person, Place, Turn
from bot.handlers import chart
from bot.model import MaturityModel
from bot.platforms.text import render
from bot.replies import Digest, Reply, is_private

PLATFORM = "console"
CONSOLE_USER = "you"
PROMPT = "{name}> "
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class ConsoleChat:
    """The ``Chat`` port on a terminal: posts are printed, threads are indented."""

    platform = PLATFORM
    count_interval = 1.0
    chart_width = chart.WIDE  # written to a file

    def __init__(self, out: TextIO, chart_dir: Path) -> None:
        self.out = out
        self.chart_dir = chart_dir
        self.people: set[str] = {CONSOLE_USER}
        self._ids = itertools.count(1)

    def say(self, text: str) -> None:
        self.out.write(text.rstrip() + "\n")
        self.out.flush()

    def _text(self, reply: Reply) -> str:
        if isinstance(reply, Digest) and reply.chart_png:
            self.chart_dir.mkdir(parents=True, exist_ok=True)
            path = self.chart_dir / f"digest-round-{reply.summary.round_id}.png"
            path.write_bytes(reply.chart_png)
            reply = replace(reply, chart_path=str(path))
        return render(reply)

    async def post(self, place: Place, reply: Reply) -> MessageRef:
        self.say(f"[{place.label}] {self._text(reply)}")
        return MessageRef(place.channel, f"m{next(self._ids)}")

    async def post_in_thread(
        self, place: Place, parent: MessageRef, reply: Reply, broadcast: bool = False
    ) -> MessageRef:
        text = self._text(reply).replace("\n", "\n    ")
        self.say(f"  ↳ {text}")
        return MessageRef(place.channel, f"m{next(self._ids)}")

    async def update(self, place: Place, message: MessageRef, reply: Reply) -> None:
        """Edits are not reprinted: a terminal scrolls, and `pulse status` shows the counts."""

    async def tell(
        self, place: Place, person_id: str, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        self.say(f"(private to {person_id}) {self._text(reply)}")

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        self.say(f"(direct message to {person_id}) {self._text(reply)}")
        return True

    async def members(self, place: Place) -> list[str]:
        """Everyone who has spoken in this session (the terminal's "channel members")."""
        return sorted(self.people)


def run_chat(settings: Settings, model: MaturityModel, stdin: TextIO, stdout: TextIO) -> int:
    """``maturitybot chat``: read lines until end of input, answer each."""
    from bot.model import load_surveys
    from storage.engine import migrate

    migrate(settings.database_url)
    surveys = load_surveys(model)
    settings = replace(settings, admins=settings.admins | {CONSOLE_USER})
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_chat(settings, model, surveys, stdin, stdout))


async def _chat(settings, model, surveys, stdin: TextIO, stdout: TextIO) -> int:
    from bot.core import Core
    from bot.scheduler import Scheduler
    from bot.services import Services
    from storage.engine import Database

    db = Database(settings.database_url, workers=2)
    chat = ConsoleChat(stdout, settings.chart_dir)
    services = Services(settings, model, surveys, db, chats={PLATFORM: chat})
    core = Core(services)
    scheduler = Scheduler(core, [PLATFORM])
    await scheduler.start()
    place = await core.place(PLATFORM, "local", "terminal", "#terminal")
    person = Person(CONSOLE_USER)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(
            "maturity-bot in your terminal. Ask about the maturity model, or try "
            "`pulse start`. `/as NAME` speaks as someone else; Ctrl-D leaves.\n"
        )
    loop = asyncio.get_running_loop()
    try:
        while True:
            if interactive:
                stdout.write(PROMPT.format(name=person.id))
                stdout.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                return 0
            text = line.strip()
            if not text:
                continue
            if text.startswith("/as"):
                person = _switch(text, person, chat)
                continue
            replies = await core.on_text(Turn(person, place, text, chat))
            for reply in replies:
                if is_private(reply):
                    await chat.tell(place, person.id, reply)
                else:
                    await chat.post(place, reply)
    finally:
        await core.pulses.flush_counts()
        await scheduler.stop()
        db.close()


def _switch(text: str, person: Person, chat: ConsoleChat) -> Person:
    name = text[3:].strip()
    if not _NAME.match(name):
        chat.say("Usage: /as NAME (letters, digits, . _ @ -)")
        return person
    chat.people.add(name)
    chat.say(f"(now speaking as {name})")
    return Person(name)
