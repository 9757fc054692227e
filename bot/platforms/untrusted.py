"""Values from outside, checked at a platform's door: JSON bounded in size and depth, whole
numbers that are really numbers (``true`` is not 1) and fit a database column, strings of a
bounded length. Both Slack and Teams read buttons, cards and bodies through these."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from bot.context import MAX_ID

MAX_DEPTH = 32  # an activity or payload nests a handful of levels; a hostile one thousands
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: "²".isdigit() is True, int("²") fails
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class Untrusted(ValueError):
    """A value from outside that is not what it must be."""


def whole(value: object, low: int = 1, high: int = MAX_ID) -> int:
    """An int within ``low..high`` given as a JSON number or a string of ASCII digits."""
    if isinstance(value, bool):
        raise Untrusted("a boolean is not a number")
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or not low <= value <= high:
        raise Untrusted(f"not a whole number from {low} to {high}")
    return value


def text(value: object, limit: int) -> str:
    """A string of at most ``limit`` characters."""
    if not isinstance(value, str) or len(value) > limit:
        raise Untrusted(f"not a string of at most {limit} characters")
    return value


def too_deep(raw: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests deeper than ``limit``, found without parsing it (a deep body
    makes the parser recurse until it fails)."""
    depth = 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", raw))
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def json_object(raw: str, limit: int, depth: int = 4) -> dict[str, Any]:
    """A JSON object of at most ``limit`` characters and ``depth`` levels."""
    if len(raw) > limit or too_deep(raw, depth):
        raise Untrusted("JSON too long or too deeply nested")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # also numbers of more digits than int() takes
        raise Untrusted("not JSON") from None
    if not isinstance(value, dict):
        raise Untrusted("not a JSON object")
    return value


def key_for(secret: str, purpose: str) -> bytes:
    """A key of its own for one purpose, derived from a configured secret."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def seal(payload: str, key: bytes) -> str:
    """``payload`` with a MAC in front, for a value that makes a round trip through a client
    (a modal's private_metadata): what comes back unchanged was ours."""
    return f"{_mac(payload, key)}.{payload}"


def unseal(sealed: str, key: bytes) -> str:
    """The payload of a sealed value; ``Untrusted`` when it was changed or never sealed."""
    mac, _, payload = sealed.partition(".")
    # Bytes: compare_digest refuses str with non-ASCII characters (a forged MAC may have them).
    if not hmac.compare_digest(mac.encode(), _mac(payload, key).encode()):
        raise Untrusted("a sealed value was changed")
    return payload


def _mac(payload: str, key: bytes) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]
