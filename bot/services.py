"""What handlers share: settings, content, the database, the clock and the chat ports."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.chat import Chat
from bot.config import Settings
from bot.model import MaturityModel, Surveys
from storage.engine import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


class Timetable(Protocol):
    """The scheduler as handlers see it: told about changes so it can update its jobs."""

    def round_opened(self, round_id: int, closes_at: datetime) -> None: ...

    def schedules_changed(self) -> None: ...


class NoTimetable:
    """For places without a running scheduler (``maturitybot export``, some tests)."""

    def round_opened(self, round_id: int, closes_at: datetime) -> None:
        pass

    def schedules_changed(self) -> None:
        pass


@dataclass
class Services:
    settings: Settings
    model: MaturityModel
    surveys: Surveys
    db: Database
    clock: Callable[[], datetime] = utc_now
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    timetable: Timetable = field(default_factory=NoTimetable)
    chats: dict[str, Chat] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def chat_for(self, platform: str) -> Chat | None:
        return self.chats.get(platform)
