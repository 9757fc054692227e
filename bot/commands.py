"""Text → pulse, digest and personal-data commands. Anything else is a question for
``understand``. The same words work in the terminal, Slack and Teams."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot import when
from bot.understand import strip_markup

NOT_SURE_WORDS = {"?", "not sure", "notsure", "unsure", "dont know", "don't know", "n/a", "idk"}
_LEVEL_WORDS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "one": 1, "two": 2, "three": 3, "four": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,
}  # fmt: skip
_LEVEL = re.compile(r"^(?:level|lvl|l)?\s*-?\s*([0-9]+|one|two|three|four|iv|iii|ii|i)$")
DEFAULT_CLOSE = timedelta(days=4)


class CommandError(ValueError):
    """A command with a mistake in it; the message says what would work."""


@dataclass(frozen=True)
class PulseStart:
    template: str | None
    closes: when.ClosingTime | None


@dataclass(frozen=True)
class PulseStatus:
    pass


@dataclass(frozen=True)
class PulseClose:
    pass


@dataclass(frozen=True)
class PulseRemind:
    pass


@dataclass(frozen=True)
class ScheduleSet:
    kind: str  # "pulse" or "digest"
    weekly: when.Weekly
    template: str | None = None
    close_after: timedelta | None = None


@dataclass(frozen=True)
class ScheduleList:
    pass


@dataclass(frozen=True)
class ScheduleOff:
    kind: str


@dataclass(frozen=True)
class DigestNow:
    pass


@dataclass(frozen=True)
class Answer:
    """``answer adoption 3 -- comment``; ``target`` None for a bare level typed in a thread."""

    target: str | None
    level: int | None  # None: not sure
    comment: str | None


@dataclass(frozen=True)
class MyAnswers:
    pass


@dataclass(frozen=True)
class ForgetMe:
    confirmed: bool


Command = (
    PulseStart
    | PulseStatus
    | PulseClose
    | PulseRemind
    | ScheduleSet
    | ScheduleList
    | ScheduleOff
    | DigestNow
    | Answer
    | MyAnswers
    | ForgetMe
)

FORGET_CONFIRMATION = "forget me confirm"

COMMAND_HELP = (
    ("pulse start [quick|deep] [closes in 3d]", "open a round here (admins)"),
    ("answer <aspect> <1-4|not sure> [-- note]", "answer a question of the open round"),
    ("pulse status", "responses so far and the closing time"),
    ("pulse close", "close the round now and post the summary (admins)"),
    ("pulse remind", "remind people who have not answered (admins)"),
    ("pulse schedule every monday 10:00 Europe/Berlin", "a weekly pulse (admins)"),
    ("pulse schedule | pulse schedule off", "list or stop the schedules (admins)"),
    ("digest | digest schedule fridays 16:00", "results now, or weekly (admins)"),
    ("my answers", "what you answered (only you see it)"),
    ("forget me", "delete every answer you gave"),
)


def parse(text: str) -> Command | None:
    """The command in ``text``, None if it is not a command; raises ``CommandError``."""
    cleaned = strip_markup(text).strip()
    words = cleaned.replace("\u00a0", " ").split()
    if not words:
        return None
    head = words[0].lower().lstrip("/")
    rest = words[1:]
    if head in ("pulse", "survey"):
        return _pulse(rest)
    if head == "digest":
        return _digest(rest)
    if head == "answer":
        return answer(" ".join(rest))
    lowered = " ".join(word.lower() for word in words)
    if lowered in ("my answers", "show my answers", "my answer"):
        return MyAnswers()
    if lowered == FORGET_CONFIRMATION:
        return ForgetMe(confirmed=True)
    if lowered in ("forget me", "forget my answers", "delete my answers"):
        return ForgetMe(confirmed=False)
    return None


def _pulse(words: list[str]) -> Command:
    if not words:
        raise CommandError("Which pulse command? Try `pulse start`, `pulse status` or `help`.")
    action, rest = words[0].lower(), words[1:]
    if action in ("start", "open", "run", "begin"):
        return _start(rest)
    if action == "status" and not rest:
        return PulseStatus()
    if action in ("close", "end", "stop") and not rest:
        return PulseClose()
    if action in ("remind", "reminder", "nudge") and not rest:
        return PulseRemind()
    if action in ("schedule", "schedules"):
        return _schedule("pulse", rest)
    raise CommandError(
        f"I don't know `pulse {' '.join(words)}`. Pulse commands: start, status, close, "
        "remind, schedule."
    )


def _start(words: list[str]) -> PulseStart:
    template: str | None = None
    closes: when.ClosingTime | None = None
    index = 0
    while index < len(words):
        word = words[index].lower()
        if word in ("closes", "closing", "close", "until", "ends"):
            try:
                closes = when.closing_time(words[index + 1 :])
            except when.WhenError as error:
                raise CommandError(str(error)) from None
            break
        if template is None and re.fullmatch(r"[a-z][a-z0-9-]*", word):
            template = word
        else:
            raise CommandError(
                f"I can't read {words[index]!r}. Try `pulse start`, `pulse start deep` or "
                "`pulse start quick closes friday 17:00`."
            )
        index += 1
    return PulseStart(template, closes)


def _schedule(kind: str, words: list[str]) -> Command:
    if not words or [w.lower() for w in words] in (["list"], ["show"]):
        return ScheduleList()
    if [w.lower() for w in words] in (["off"], ["stop"], ["remove"], ["cancel"], ["none"]):
        return ScheduleOff(kind)
    template: str | None = None
    close_after: timedelta | None = None
    timing: list[str] = []
    index = 0
    while index < len(words):
        word = words[index].lower()
        if kind == "pulse" and word in ("closes", "closing", "close") and index + 1 < len(words):
            span = words[index + 1 :]
            if span and span[0].lower() in ("after", "in"):
                span = span[1:]
            take = 2 if len(span) > 1 and span[1].lower() in when._UNITS else 1
            try:
                close_after = when.duration(" ".join(span[:take]))
            except when.WhenError as error:
                raise CommandError(str(error)) from None
            index = len(words) - len(span) + take
            continue
        if kind == "pulse" and word in ("quick", "deep"):
            template = word
        else:
            timing.append(words[index])
        index += 1
    try:
        weekly = when.weekly(timing)
    except when.WhenError as error:
        raise CommandError(str(error)) from None
    return ScheduleSet(kind, weekly, template, close_after)


def _digest(words: list[str]) -> Command:
    if not words or [w.lower() for w in words] == ["now"]:
        return DigestNow()
    if words[0].lower() in ("schedule", "schedules", "every", "weekly"):
        rest = words[1:] if words[0].lower().startswith("schedule") else words
        return _schedule("digest", rest)
    raise CommandError("Try `digest` for results now or `digest schedule fridays 16:00`.")


def answer(text: str) -> Answer:
    """``adoption 3``, ``investment-people 2 -- our note``, ``not sure``, ``L3``, ``3``."""
    body, _, comment = strip_markup(text).partition("--")
    comment = comment.strip() or None
    words = body.strip().split()
    if not words:
        raise CommandError("Answer with an aspect and a level, e.g. `answer adoption 3`.")
    lowered = " ".join(w.lower() for w in words)
    target: str | None = None
    for size in (2, 1):  # the level is at the end: one word ("3") or two ("level 3", "not sure")
        if len(words) < size:
            continue
        tail = " ".join(w.lower() for w in words[-size:])
        head = words[:-size]
        if tail in NOT_SURE_WORDS or lowered in NOT_SURE_WORDS:
            target = " ".join(head).lower() or None
            if lowered in NOT_SURE_WORDS:
                target = None
            return Answer(target, None, comment)
        match = _LEVEL.match(tail)
        if match:
            level = _LEVEL_WORDS.get(match.group(1))
            if level is None:
                raise CommandError(
                    f"Levels go from 1 to 4, not {match.group(1)}. Say `not sure` if unsure."
                )
            target = " ".join(head).lower() or None
            return Answer(target, level, comment)
    raise CommandError(
        f"I can't find a level in {body.strip()!r}. Answer like `answer adoption 3` "
        "(levels 1 to 4, or `not sure`)."
    )
