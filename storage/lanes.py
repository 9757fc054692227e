"""Two lanes of database threads: one for work a person is waiting for, one for the rest.

A burst of rounds queues hundreds of writes (opening, closing, delivering); a click that
queued behind them waited for all of them. The lane is carried by a context variable, so a
platform's request sets it once (``person_waiting``) and every task it starts inherits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context

_person_waiting: ContextVar[bool] = ContextVar("person_waiting", default=False)


@contextmanager
def person_waiting() -> Iterator[None]:
    """Database work started in here, and in tasks created in here, runs in the threads kept
    for people (a platform's request: a click, a message, a command, a health check)."""
    token = _person_waiting.set(True)
    try:
        yield
    finally:
        _person_waiting.reset(token)


def for_a_person() -> bool:
    return _person_waiting.get()


def background() -> Context:
    """A context for a task that is background work whoever happened to start it."""
    context = copy_context()
    context.run(_person_waiting.set, False)
    return context
