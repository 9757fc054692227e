"""Database threads that take the work a person is waiting for before background work.

A burst of rounds queues hundreds of writes (opening, closing, delivering); a click that
queued behind them waited for all of them. Here every thread takes a person's work first
and background work when none is waiting, so people get the whole pool when they need it
and the background gets whatever they leave. Which work is a person's is carried by a
context variable: a platform's request sets it once (``person_waiting``) and every task it
starts inherits it.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context
from typing import Any

_person_waiting: ContextVar[bool] = ContextVar("person_waiting", default=False)
_PERSON, _BACKGROUND, _STOP = 0, 1, 2  # the order in which the threads take work


@contextmanager
def person_waiting() -> Iterator[None]:
    """Database work started in here, and in tasks created in here, goes before background
    work (a platform's request: a click, a message, a command, a health check)."""
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


_Work = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


class PeopleFirst(Executor):
    """A fixed pool of threads with two queues in one: a person's work, then the rest, each
    in the order it came (``submit`` reads whose work it is from the caller's context)."""

    def __init__(self, workers: int, name: str) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, _Work | None]] = queue.PriorityQueue()
        self._order = itertools.count()  # first come, first served within a priority
        self._lock = threading.Lock()
        self._stopped = False
        self._workers, self._name = workers, name
        self._threads: list[threading.Thread] = []  # started as work comes, up to ``workers``

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            raise TypeError("PeopleFirst.submit takes positional arguments only")
        future: Future[Any] = Future()
        with self._lock:
            if self._stopped:
                raise RuntimeError("cannot schedule new work after shutdown")
            priority = _PERSON if for_a_person() else _BACKGROUND
            self._queue.put((priority, next(self._order), (future, fn, args)))
            if len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop after the work already queued (as ThreadPoolExecutor does)."""
        with self._lock:
            if not self._stopped:
                self._stopped = True
                for _ in self._threads:
                    self._queue.put((_STOP, next(self._order), None))
        if wait:
            for thread in self._threads:
                thread.join()

    def _work(self) -> None:
        while True:
            _, _, work = self._queue.get()
            if work is None:
                return
            future, fn, args = work
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up while it waited
            try:
                result = fn(*args)
            except BaseException as error:  # the caller's to handle, as in ThreadPoolExecutor
                future.set_exception(error)
            else:
                future.set_result(result)
