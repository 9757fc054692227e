"""Text → pulse, digest and personal-data commands. Anything else is a question for
``understand``. The same words work in the terminal, Slack and Teams.

Each command is declared once, as a class that carries its help line and, for admin-only
commands, what a refusal calls the action; the help and the admin checks are derived from
``COMMANDS``, and the core dispatches over the ``Command`` union exhaustively.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from bot import when
from bot.chinese import has_chinese
from bot.replies import CommandHelp
from bot.wording import Say, t

NOT_SURE_WORDS = {
    "?", "not sure", "notsure", "unsure", "dont know", "don't know", "n/a", "idk",
    "不确定", "不清楚", "不知道", "说不准", "不好说", "不太确定",
}  # fmt: skip
# A level at the end of a Chinese answer: 3, 第三级, 3级, 三, L3, level 3 (spaces optional).
_CHINESE_LEVEL = re.compile(
    r"(?:(?:level|lvl|l)\s*-?\s*|第\s*)?([0-9]+|[一二三四五六七八九十])\s*(?:级|级别)?$"
)
_CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                    "九": 9, "十": 10}  # fmt: skip
_LEVEL_WORDS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "one": 1, "two": 2, "three": 3, "four": 4,
    "i": 1, "ii": 2, "iii": 3, "iv": 4,
}  # fmt: skip
_LEVEL = re.compile(r"^(?:level|lvl|l)?\s*-?\s*([0-9]+|one|two|three|four|iv|iii|ii|i)$")
DEFAULT_CLOSE = timedelta(days=4)
YES_WORDS = {"yes", "y", "yes please", "confirm", "是", "是的", "确认", "确定", "好", "好的", "对"}
FORGET_CONFIRMATION = "forget me confirm"


class CommandError(ValueError):
    """A command with a mistake in it; the message says what would work."""

    def __init__(self, message: Say) -> None:
        super().__init__(message.message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class _Declared:
    """What every command declares about itself (class attributes, not fields)."""

    usage: ClassVar[str | None] = None  # the help line's command, None if it shares another's
    meaning: ClassVar[Say | None] = None
    admin_action: ClassVar[Say | None] = None  # set: only admins may run it


@dataclass(frozen=True)
class PulseStart(_Declared):
    template: str | None
    closes: when.ClosingTime | None
    usage = "pulse start [quick|deep] [closes in 3d]"
    meaning = t("open a round here")
    admin_action = t("start a pulse")


@dataclass(frozen=True)
class Answer(_Declared):
    """``answer adoption 3 -- comment``; ``target`` None for a bare level typed in a thread."""

    target: str | None
    level: int | None  # None: not sure
    comment: str | None
    usage = "answer <aspect> <1-4|not sure> [-- note]"
    meaning = t("answer a question of the open round")


@dataclass(frozen=True)
class PulseStatus(_Declared):
    usage = "pulse status"
    meaning = t("responses so far and the closing time")


@dataclass(frozen=True)
class PulseClose(_Declared):
    usage = "pulse close"
    meaning = t("close the round now and post the summary")
    admin_action = t("close a pulse")


@dataclass(frozen=True)
class PulseRemind(_Declared):
    usage = "pulse remind"
    meaning = t("remind people who have not answered")
    admin_action = t("send reminders")


@dataclass(frozen=True)
class ScheduleSet(_Declared):
    kind: str  # "pulse" or "digest"
    weekly: when.Weekly
    template: str | None = None
    close_after: timedelta | None = None
    usage = "pulse schedule every monday 10:00 Europe/Berlin"
    meaning = t("a weekly pulse")
    admin_action = t("change schedules")


@dataclass(frozen=True)
class ScheduleList(_Declared):
    usage = "pulse schedule | pulse schedule off"
    meaning = t("list or stop the schedules")
    admin_action = t("see schedules")


@dataclass(frozen=True)
class ScheduleOff(_Declared):
    kind: str
    admin_action = t("change schedules")


@dataclass(frozen=True)
class DigestNow(_Declared):
    usage = "digest | digest schedule fridays 16:00"
    meaning = t("results now, or weekly")


@dataclass(frozen=True)
class MyAnswers(_Declared):
    usage = "my answers"
    meaning = t("what you answered (only you see it)")


@dataclass(frozen=True)
class ForgetMe(_Declared):
    confirmed: bool
    usage = "forget me"
    meaning = t("delete every answer you gave")


@dataclass(frozen=True)
class Language(_Declared):
    """``language zh`` sets what everyone here reads; ``language`` alone says which it is."""

    code: str
    usage = "language [en|zh]"
    meaning = t("the language everyone here reads")
    admin_action = t("change the language here")


@dataclass(frozen=True)
class ShowLanguage(_Declared):
    pass


@dataclass(frozen=True)
class Confirmed(_Declared):
    """``yes`` after a question that asked for it; what it confirms is remembered elsewhere."""


Command = (
    PulseStart
    | Answer
    | PulseStatus
    | PulseClose
    | PulseRemind
    | ScheduleSet
    | ScheduleList
    | ScheduleOff
    | DigestNow
    | MyAnswers
    | ForgetMe
    | Language
    | ShowLanguage
    | Confirmed
)
COMMANDS: tuple[type[_Declared], ...] = (
    PulseStart,
    Answer,
    PulseStatus,
    PulseClose,
    PulseRemind,
    ScheduleSet,
    ScheduleList,
    ScheduleOff,
    DigestNow,
    MyAnswers,
    ForgetMe,
    Language,
    ShowLanguage,
    Confirmed,
)


def help_lines() -> tuple[CommandHelp, ...]:
    """The command list for help, in declaration order."""
    return tuple(
        CommandHelp(command.usage, command.meaning, admin=command.admin_action is not None)
        for command in COMMANDS
        if command.usage is not None and command.meaning is not None
    )


def admin_action(command: Command) -> Say | None:
    """What a refusal calls this command when the person is not an admin; None for anyone."""
    return type(command).admin_action


def parse(text: str) -> Command | None:
    """The command in ``text``, None if it is not a command; raises ``CommandError``."""
    words = text.replace("\u00a0", " ").split()
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
    if head in ("language", "lang", "语言"):
        return _language(rest)
    lowered = " ".join(word.lower() for word in words)
    if lowered in ("my answers", "show my answers", "my answer"):
        return MyAnswers()
    if lowered == FORGET_CONFIRMATION:
        return ForgetMe(confirmed=True)
    if lowered in ("forget me", "forget my answers", "delete my answers"):
        return ForgetMe(confirmed=False)
    if lowered.rstrip("!. ") in YES_WORDS:
        return Confirmed()
    return None


def _pulse(words: list[str]) -> Command:
    if not words:
        raise CommandError(t("Which pulse command? Try `pulse start`, `pulse status` or `help`."))
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
        t(
            "I don't know `pulse {words}`. Pulse commands: start, status, close, remind, schedule.",
            words=" ".join(words),
        )
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
                raise CommandError(error.message) from None
            break
        if template is None and re.fullmatch(r"[a-z][a-z0-9-]*", word):
            template = word
        else:
            raise CommandError(
                t(
                    "I can't read {word!r}. Try `pulse start`, `pulse start deep` or "
                    "`pulse start quick closes friday 17:00`.",
                    word=words[index],
                )
            )
        index += 1
    return PulseStart(template, closes)


def _schedule(kind: str, words: list[str]) -> Command:
    lowered = [word.lower() for word in words]
    if not words or lowered in (["list"], ["show"]):
        return ScheduleList()
    if lowered in (["off"], ["stop"], ["remove"], ["cancel"], ["none"]):
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
            take = 2 if len(span) > 1 and when.is_unit(span[1]) else 1
            try:
                close_after = when.duration(" ".join(span[:take]))
            except when.WhenError as error:
                raise CommandError(error.message) from None
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
        raise CommandError(error.message) from None
    return ScheduleSet(kind, weekly, template, close_after)


_LANGUAGE_NAMES = {
    "en": "en", "english": "en", "英文": "en", "英语": "en",
    "zh": "zh", "chinese": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "zh-cn": "zh",
}  # fmt: skip


def _language(words: list[str]) -> Command:
    if not words:
        return ShowLanguage()
    code = _LANGUAGE_NAMES.get(" ".join(words).lower())
    if code is None or len(words) > 1:
        raise CommandError(t("Say `language en` or `language zh`."))
    return Language(code)


def _digest(words: list[str]) -> Command:
    if not words or [w.lower() for w in words] == ["now"]:
        return DigestNow()
    if words[0].lower() in ("schedule", "schedules", "every", "weekly"):
        rest = words[1:] if words[0].lower().startswith("schedule") else words
        return _schedule("digest", rest)
    raise CommandError(t("Try `digest` for results now or `digest schedule fridays 16:00`."))


def answer(text: str) -> Answer:
    """``adoption 3``, ``investment-people 2 -- our note``, ``not sure``, ``L3``, ``3``;
    in Chinese too: ``采纳 3``, ``度量第三级``, ``运营 不确定``."""
    body, _, comment_part = text.partition("--")
    comment = comment_part.strip() or None
    body = unicodedata.normalize("NFKC", body)
    words = body.strip().split()
    if not words:
        raise CommandError(t("Answer with an aspect and a level, e.g. `answer adoption 3`."))
    if has_chinese(body):
        return _chinese_answer(body.strip(), comment)
    lowered = " ".join(w.lower() for w in words)
    if lowered in NOT_SURE_WORDS:
        return Answer(None, None, comment)
    for size in (2, 1):  # the level is at the end: one word ("3") or two ("level 3", "not sure")
        if len(words) < size:
            continue
        tail = " ".join(w.lower() for w in words[-size:])
        target = " ".join(words[:-size]).lower() or None
        if tail in NOT_SURE_WORDS:
            return Answer(target, None, comment)
        match = _LEVEL.match(tail)
        if match:
            level = _LEVEL_WORDS.get(match.group(1))
            if level is None:
                raise CommandError(
                    t(
                        "Levels go from 1 to 4, not {level}. Say `not sure` if unsure.",
                        level=match.group(1)[:12],
                    )
                )
            return Answer(target, level, comment)
    raise _no_level(body)


def _chinese_answer(body: str, comment: str | None) -> Answer:
    """``采纳 3`` / ``度量第三级`` / ``运营 不确定``: the level (or not sure) at the end."""
    lowered = body.lower()
    for words in sorted(NOT_SURE_WORDS, key=len, reverse=True):
        if lowered.endswith(words):
            return Answer(lowered[: -len(words)].strip() or None, None, comment)
    found = _CHINESE_LEVEL.search(lowered)
    if found is None:
        raise _no_level(body)
    raw = found.group(1)
    level = _CHINESE_NUMBERS.get(raw) or int(raw[:6])
    if not 1 <= level <= 4:
        raise CommandError(
            t("Levels go from 1 to 4, not {level}. Say `not sure` if unsure.", level=raw[:12])
        )
    target = lowered[: found.start()].strip().removesuffix("的").strip()
    return Answer(target or None, level, comment)


def _no_level(body: str) -> CommandError:
    return CommandError(
        t(
            "I can't find a level in {text!r}. Answer like `answer adoption 3` (levels 1 to 4, "
            "or `not sure`).",
            text=body.strip()[:80],
        )
    )
