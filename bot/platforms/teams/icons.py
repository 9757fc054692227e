"""The Teams app icons, drawn here as PNGs: a 192×192 colour icon and a 32×32 white outline
on transparency, as the app manifest asks. Four rising bars: the model's four levels."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

ACCENT = (0x2F, 0x6F, 0xDE)
WHITE = (0xFF, 0xFF, 0xFF)
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """Encode an RGBA image; ``pixel(x, y)`` gives each pixel."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _bars(size: int, x: int, y: int) -> bool:
    """Four bars rising left to right inside the middle of a ``size`` square."""
    margin = size * 0.2
    inner = size - 2 * margin
    gap = inner * 0.08
    width = (inner - 3 * gap) / 4
    rel = x - margin
    if rel < 0 or x >= size - margin or y >= size - margin:
        return False
    column = int(rel // (width + gap))
    if column > 3 or rel - column * (width + gap) >= width:
        return False
    height = inner * (column + 1) / 4
    return y >= size - margin - height


def colour_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (*WHITE, 255) if _bars(size, x, y) else (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (*WHITE, 255) if _bars(size, x, y) else (0, 0, 0, 0)

    return png(size, size, pixel)
