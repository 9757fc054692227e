"""What one ``maturitybot run`` process does. With PostgreSQL, processes may split the work:
those that answer the platforms never share an interpreter with a burst of scheduled posts."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ALL = "all"  # everything below, in one process (the default; the only choice on SQLite)
    EVENTS = "events"  # platform events and the posts they owe at once; /healthz, /metrics
    WORK = "work"  # the scheduler and the deliverer of owed posts; /healthz, /metrics

    @property
    def answers_events(self) -> bool:
        return self is not Role.WORK

    @property
    def runs_schedules(self) -> bool:
        return self is not Role.EVENTS
