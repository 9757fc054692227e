"""A bounded memory of recent values: each kept for a while, the least recently used dropped
first when full, so a large organisation's people and channels never grow a process."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class Recent(Generic[Key, Value]):
    def __init__(
        self, size: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.seconds = seconds
        self._clock = clock
        self._kept: OrderedDict[Key, tuple[float, Value]] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        """The value kept for ``key`` if it is still fresh."""
        found = self._kept.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return found[1]

    def put(self, key: Key, value: Value) -> None:
        self._kept[key] = (self._clock() + self.seconds, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def pop(self, key: Key) -> None:
        self._kept.pop(key, None)

    def __len__(self) -> int:
        return len(self._kept)
