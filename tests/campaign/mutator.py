"""Mutations of captured real payloads: a value replaced by a hostile one (wrong type, out of
range, too long, too deep, markup, another conversation's or platform's ids), a key removed,
an object turned into a list; and raw bodies cut short or nested past any parser's depth.

Hostile values are never valid alternatives (no other real person, no level 1-4): a mutated
request is either refused or, when the mutation touched nothing that matters, the same
answer again, so the stored answers must stay exactly what the valid clicks made them.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

Path = tuple[str | int, ...]

HOSTILE: list[Any] = [
    True,
    False,
    None,
    0,
    -1,
    5,
    2**31,
    2**63,
    2**64,
    10**40,
    1.5,
    float("inf"),
    "",
    " ",
    "true",
    "²",
    "１",
    "0x10",
    "1e3",
    "x" * 5000,
    "9" * 5000,
    "<!channel> <@UADMIN> &lt;!here&gt;",
    "<at>Admin</at> **bold** [link](https://example.com)",
    "\u2068<#CPULSE>\u2069",
    "\x00\x1f\u202e",
    "'; DROP TABLE answer; --",
    [],
    {},
    [1, 2],
    {"r": 1},
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
]


def paths(doc: Any, prefix: Path = ()) -> list[Path]:
    """Every path in a JSON document (the root excluded)."""
    found: list[Path] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.append((*prefix, index))
            found += paths(value, (*prefix, index))
    return found


def _parent(doc: Any, path: Path) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate(doc: Any, rng: random.Random, extra: list[Any], avoid: tuple[str, ...] = ()) -> Any:
    """One to three mutations of a copy of ``doc``; ``extra`` adds hostile values of the
    moment (other rounds' ids); paths through a key in ``avoid`` are left alone."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        candidates = [p for p in paths(doc) if not any(key in p for key in avoid)]
        if not candidates:
            return doc
        path = rng.choice(candidates)
        parent = _parent(doc, path)
        operation = rng.random()
        if operation < 0.7:
            parent[path[-1]] = copy.deepcopy(rng.choice(HOSTILE + extra))
        elif operation < 0.85 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]] = list(parent[path[-1]].values())
        else:
            parent[path[-1]] = {"nested": parent[path[-1]]}
    return doc


def mutate_json_text(text: str, rng: random.Random, extra: list[Any]) -> str:
    """A JSON string inside a payload (a button's value, a modal's metadata), mutated."""
    try:
        inner = json.loads(text)
    except ValueError:
        return text
    return json.dumps(mutate(inner, rng, extra))


def raw_variants(body: bytes, rng: random.Random) -> bytes:
    """A body cut short, nested deeply, or with bytes that are not UTF-8."""
    choice = rng.randrange(4)
    if choice == 0:
        return body[: rng.randrange(max(len(body), 1))]
    if choice == 1:
        return b'{"type": "message", "x": ' + b"[" * rng.choice((100, 5_000, 100_000))
    if choice == 2:
        return body.replace(b'"', b"\xff", 1)
    return b'{"type": ' + b"9" * 5_000 + b"}"
