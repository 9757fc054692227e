"""The server settles the garbage collector before it serves: what start-up built is frozen
(never walked again), and young collections come less often than Python's default, so that
a burst's short-lived objects do not reach the old generation and its full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import server


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector")
def test_start_up_freezes_what_it_built_and_collects_the_young_less_often() -> None:
    built = [{"kept": n} for n in range(10)]
    gc.set_threshold(700, 10, 10)  # Python's default, whatever ran before
    server._settle_the_garbage_collector()
    assert gc.get_freeze_count() >= len(built)
    old = {id(x) for x in gc.get_objects(2)}  # frozen objects are in no generation
    assert not any(id(x) in old for x in built)
    assert gc.get_threshold() == (server.YOUNG_COLLECTION_AFTER, 10, 10)
    assert server.YOUNG_COLLECTION_AFTER > 700
