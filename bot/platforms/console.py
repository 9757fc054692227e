"""The terminal chat: the embedded default that needs no chat credentials."""

from __future__ import annotations

from typing import TextIO

from bot.config import Settings
from bot.handlers.knowledge import answer
from bot.model import MaturityModel
from bot.platforms.text import render
from bot.understand import understand

PROMPT = "you> "


def run_chat(settings: Settings, model: MaturityModel, stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    if interactive:
        stdout.write(
            "maturity-bot — ask about the platform engineering maturity model. Ctrl-D to leave.\n"
        )
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        stdout.write(render(answer(understand(line, model), model)) + "\n\n")
        stdout.flush()
