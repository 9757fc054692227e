"""What handlers share: settings, content, the database, the clock and the timetable."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.config import Settings
from bot.model import Content
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


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Services:
    settings: Settings
    content: Content
    db: Database
    clock: Callable[[], datetime] = utc_now
    instance: str = field(default_factory=default_instance)
    timetable: Timetable = field(default_factory=NoTimetable)

    def now(self) -> datetime:
        return self.clock()
