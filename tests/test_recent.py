"""The bounded memory behind caches of people and channels."""

from __future__ import annotations

from bot.recent import Recent


def test_values_expire_and_the_least_recently_used_go_first() -> None:
    now = [0.0]
    recent: Recent[str, int] = Recent(3, 10.0, clock=lambda: now[0])
    for n, key in enumerate("abc"):
        recent.put(key, n)
    assert recent.get("a") == 0  # a is now the most recently used
    recent.put("d", 3)
    assert recent.get("b") is None and len(recent) == 3
    assert [recent.get(k) for k in "acd"] == [0, 2, 3]
    now[0] = 10.0
    assert recent.get("a") is None  # expired
    recent.pop("c")
    assert recent.get("c") is None
