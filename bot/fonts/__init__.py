"""Which fonts draw a set of strings: matplotlib's own DejaVu Sans for Latin text, and for
Chinese an installed CJK font or, failing that, the subset shipped beside this module.

Matplotlib draws a glyph no font in its list has as an empty box; ``fonts_for`` therefore
reads the fonts' character maps first and names what no font can draw, so the caller can
choose other words instead of drawing boxes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LATIN = "DejaVu Sans"  # matplotlib ships it, so it is always there
# Chart Sans SC: Noto Sans CJK SC cut to GB2312 level 1 and the chart's strings (see
# tools/cjk_subset.py and OFL.txt); renamed, as the OFL advises for a modified version.
SUBSET = Path(__file__).with_name("chart-sans-sc.otf")
SUBSET_FAMILY = "Chart Sans SC"
# Installed families of the subset's own design come first: complete, and they look the same.
SAME_DESIGN = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC")
# Then the subset, then any other installed font that has the glyphs (WenQuanYi, Droid…),
# except matplotlib's own: its maths fonts map letters to symbols, and its Last Resort font
# draws every character as the very box this module exists to avoid.

_register = threading.Lock()


@dataclass(frozen=True)
class Fonts:
    """The families to draw with, in matplotlib's fallback order, and what none of them has."""

    families: tuple[str, ...]
    missing: frozenset[str]


def fonts_for(texts: Iterable[str], installed: Sequence[Any] | None = None) -> Fonts:
    """The font families that draw every character of ``texts``.

    ``installed`` is matplotlib's list of font entries (``fontManager.ttflist``) by default;
    tests pass their own to stand for a machine with or without CJK fonts.
    """
    from matplotlib import font_manager

    if installed is None:
        register_subset()
        installed = font_manager.fontManager.ttflist
    latin = _entry(installed, LATIN)
    needed = {char for text in texts for char in text if not char.isspace()}
    needed -= _characters(latin.fname, _index(latin)) if latin else set()
    families: list[str] = []
    for entry in _candidates(installed):
        if not needed:
            break
        covered = needed & _characters(entry.fname, _index(entry))
        if covered:
            families.append(entry.name)
            needed -= covered
    return Fonts((*families, LATIN), frozenset(needed))


def register_subset() -> None:
    """Make the shipped subset known to matplotlib by its family name (once per process)."""
    from matplotlib import font_manager

    with _register:
        if not any(entry.name == SUBSET_FAMILY for entry in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(SUBSET)


def _candidates(installed: Sequence[Any]) -> list[Any]:
    import matplotlib

    bundled = Path(matplotlib.get_data_path()).resolve()
    regular = [e for e in installed if e.style == "normal" and _weight(e.weight) == 400]
    ranked = [e for family in SAME_DESIGN if (e := _entry(regular, family))]
    subset = _entry(installed, SUBSET_FAMILY)
    if subset is not None:
        ranked.append(subset)
    ranked += [
        e
        for e in regular
        if e not in ranked and not Path(e.fname).resolve().is_relative_to(bundled)
    ]
    return ranked


def _entry(entries: Sequence[Any], family: str) -> Any | None:
    return next((e for e in entries if e.name == family), None)


def _index(entry: Any) -> int:
    return getattr(entry, "index", 0)  # the face in a .ttc collection


def _weight(weight: str | int) -> int:
    return weight if isinstance(weight, int) else {"normal": 400, "regular": 400}.get(weight, 0)


@cache
def _characters(path: str, index: int) -> frozenset[str]:
    """Every character the font's character map has a glyph for."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(path, face_index=index).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return frozenset()  # a font FreeType cannot open draws nothing
    return frozenset(chr(code) for code, glyph in charmap.items() if glyph)
