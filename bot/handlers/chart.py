"""The digest chart: a radar of the latest round against the one before, and each aspect's
trend over the last rounds.

It is drawn at the width where it is shown, so its type stays readable there: both panels
side by side for a file upload (``WIDE``), the trend alone for an image inside a Teams card
(``CARD``), where the wide chart shrunk had 5-pixel text. Every word on it comes from the
caller, in the reader's language; characters no font can draw raise ``MissingGlyphs`` before
anything is drawn (all the words are checked at either width, so both say the same).

Matplotlib is imported here only, without pyplot: a figure and its Agg canvas belong to the
call, so two digests may be drawn in two threads at once.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from itertools import pairwise
from typing import Any

from bot.fonts import fonts_for

log = logging.getLogger(__name__)
WIDE = 1100  # px: a file upload (Slack, the console)
CARD = 440  # px: an image in a Teams card, which shows it about 414 px wide (a card's inside)
DPI = 72  # one point is one pixel, so the sizes below are pixels

Series = list[tuple[str, dict[str, float | None]]]
Aspects = list[tuple[str, str]]

LATEST, PREVIOUS = "#2f6fde", "#8c96a3"
ASPECT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


@dataclass(frozen=True)
class ChartLabels:
    """The chart's fixed words, in the reader's language (the caller translates them)."""

    radar_title: str  # "Mean level per aspect"
    trend_title: str  # "Trend over the last 8 rounds"
    level_axis: str  # "mean level"
    latest_round: str  # "latest round"
    previous_round: str  # "previous round"
    footnote: str  # "Aspects below the response threshold are left out."


class MissingGlyphs(ValueError):
    """Some words have characters that no available font can draw."""

    def __init__(self, characters: frozenset[str]) -> None:
        self.characters = characters
        super().__init__(f"no font draws {''.join(sorted(characters))!r}")


@dataclass(frozen=True)
class _Layout:
    """Sizes in pixels for one width.

    A narrow chart is the trend alone: at card width the radar's words and the trend's do not
    both fit Teams' byte budget at a readable size, and the card's text already gives each
    aspect's mean and its change since the previous round, which is what the radar draws.
    The smallest type is 16 px at either width: capitals 11.7 px high (DejaVu Sans' cap
    height is 0.73 em), hanzi about 14 px; a Teams card's own text is 14 px.
    """

    width: int
    height: int
    radar: bool
    text: int  # the smallest type: ticks, legends, footnote
    title: int

    @classmethod
    def for_width(cls, width: int) -> _Layout:
        if width < 800:  # shown a little narrower than drawn: 17 px stays above 16
            return cls(width, round(width * 0.95), radar=False, text=17, title=19)
        return cls(width, round(width * 0.44), radar=True, text=16, title=18)


def size(width: int) -> tuple[int, int]:
    """The chart's size in pixels when drawn ``width`` pixels wide."""
    layout = _Layout.for_width(width)
    return layout.width, layout.height


def words(series: Series, aspects: Aspects, labels: ChartLabels) -> list[str]:
    """Every string the chart draws."""
    return [*astuple(labels), *(name for _, name in aspects), *(label for label, _ in series)]


def draw(series: Series, aspects: Aspects, labels: ChartLabels, width: int = WIDE) -> Any:
    """The chart as a matplotlib Figure with its canvas, ``width`` pixels wide.

    ``series`` is oldest first: (round label, aspect key -> mean or None).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fonts = fonts_for(words(series, aspects, labels))
    if fonts.missing:
        raise MissingGlyphs(fonts.missing)
    layout = _Layout.for_width(width)
    figure = Figure(
        figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI, layout="constrained"
    )
    FigureCanvasAgg(figure)
    text = {"family": list(fonts.families), "size": layout.text}
    title = {"family": list(fonts.families), "size": layout.title}
    # The footnote first: the trend lays its round labels out once to see if they collide.
    figure.supxlabel(labels.footnote, fontproperties=text, color="#444", wrap=True)
    if layout.radar:
        grid = figure.add_gridspec(1, 2)
        _radar(
            figure.add_subplot(grid[0], projection="polar"), series, aspects, labels, text, title
        )
        trend = figure.add_subplot(grid[1])
    elif len(series) == 1:
        trend = figure.add_subplot()
    else:  # at card width the legend goes below, so the plot keeps the whole width
        grid = figure.add_gridspec(2, 1, height_ratios=(4, 1))
        trend = figure.add_subplot(grid[0])
        below = figure.add_subplot(grid[1])
        below.axis("off")
    if not layout.radar and len(series) == 1:
        _bars(trend, series[-1][1], aspects, labels, text, title)
    else:
        _trend(trend, series, aspects, labels, text, title)
    if not layout.radar and len(series) > 1:
        handles, names = trend.get_legend_handles_labels()
        legend = trend.get_legend()
        if legend is not None:
            legend.remove()
        below.legend(handles, names, loc="center", ncols=2, prop=text, frameon=False)
    engine = figure.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)  # layout="constrained" above
    engine.set(h_pad=6 / DPI, w_pad=6 / DPI)
    return figure


def render(series: Series, aspects: Aspects, labels: ChartLabels, width: int = WIDE) -> bytes:
    """The chart as a PNG ``width`` pixels wide; a card-sized one in few colours, to stay small."""
    figure = draw(series, aspects, labels, width)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    if _Layout.for_width(width).radar:
        return buffer.getvalue()
    return _few_colours(buffer.getvalue())


def render_first_drawable(
    choices: Sequence[tuple[Series, Aspects, ChartLabels]], width: int = WIDE
) -> bytes:
    """The chart in the first of ``choices`` (the same figures in the reader's language, then
    in English) whose every character some font draws; ``MissingGlyphs`` when none is."""
    for number, (series, aspects, labels) in enumerate(choices, start=1):
        try:
            return render(series, aspects, labels, width)
        except MissingGlyphs as missing:
            if number == len(choices):
                raise
            log.warning("chart: %s; drawn with the next labels instead", missing)
    raise ValueError("no labels to draw the chart with")


def _radar(
    axes: Any,
    series: Series,
    aspects: Aspects,
    labels: ChartLabels,
    text: dict[str, Any],
    title: dict[str, Any],
) -> None:
    keys = [key for key, _ in aspects]
    axes.set_theta_offset(math.pi / 2)  # first aspect at the top, clockwise
    axes.set_theta_direction(-1)
    angles = [2 * math.pi * i / len(keys) for i in range(len(keys))]
    closed = [*angles, angles[0]]
    layers = [(labels.previous_round, series[-2], PREVIOUS, 0.15)] if len(series) > 1 else []
    layers.append((labels.latest_round, series[-1], LATEST, 0.3))
    for label, (_, means), colour, alpha in layers:
        values = [means.get(key) or 0.0 for key in keys]
        axes.plot(closed, [*values, values[0]], color=colour, linewidth=2, label=label)
        axes.fill(closed, [*values, values[0]], color=colour, alpha=alpha)
    axes.set_xticks(angles, [name for _, name in aspects], fontproperties=text)
    axes.tick_params(axis="x", pad=4)
    axes.set_ylim(0, 4)
    axes.set_yticks([1, 2, 3, 4], ["1", "2", "3", "4"], fontproperties=text, color="#555")
    axes.set_rlabel_position(180 / len(keys))  # between the first two spokes, clear of lines
    axes.set_title(labels.radar_title, fontproperties=title, pad=12)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, prop=text, frameon=False)


def _bars(
    axes: Any,
    means: dict[str, float | None],
    aspects: Aspects,
    labels: ChartLabels,
    text: dict[str, Any],
    title: dict[str, Any],
) -> None:
    """One round at card width: a bar per aspect (a trend of one round is a column of dots).
    Aspects without enough responses have no bar."""
    names = [name for _, name in aspects]
    values = [means.get(key) or 0.0 for key, _ in aspects]
    rows = range(len(aspects))
    axes.barh(rows, values, color=_colours(len(aspects)), height=0.6)
    for row, value in zip(rows, values, strict=True):
        shown = f"{value:.1f}" if value else "–"  # no bar: too few responses (the footnote)
        axes.text(value + 0.05, row, shown, va="center", fontproperties=text, color="#333")
    axes.set_yticks(list(rows), names, fontproperties=text)
    axes.invert_yaxis()  # the first aspect on top, as in the card's table
    axes.set_xlim(0, 4.6)
    axes.set_xticks([1, 2, 3, 4], ["1", "2", "3", "4"], fontproperties=text)
    axes.set_xlabel(labels.level_axis, fontproperties=text)
    axes.set_title(labels.trend_title, fontproperties=title)
    axes.grid(axis="x", alpha=0.3)


def _trend(
    axes: Any,
    series: Series,
    aspects: Aspects,
    labels: ChartLabels,
    text: dict[str, Any],
    title: dict[str, Any],
) -> None:
    rounds = [label for label, _ in series]
    for (key, name), colour in zip(aspects, _colours(len(aspects)), strict=True):
        points = [math.nan if means.get(key) is None else means[key] for _, means in series]
        axes.plot(
            range(len(rounds)),
            points,
            marker="o",
            markersize=5,
            linewidth=2,
            color=colour,
            label=name,
        )
    axes.set_xticks(range(len(rounds)), rounds, fontproperties=text)
    axes.set_xlim(-0.4, len(rounds) - 0.6)
    axes.set_ylim(0.8, 4.2)
    axes.set_yticks([1, 2, 3, 4], ["1", "2", "3", "4"], fontproperties=text)
    axes.set_ylabel(labels.level_axis, fontproperties=text)
    axes.set_title(labels.trend_title, fontproperties=title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), prop=text, frameon=False)
    axes.figure.draw_without_rendering()  # lay the round labels out to see if they collide
    if _crowded(axes):
        for label in axes.get_xticklabels():
            label.set(rotation=40, ha="right", rotation_mode="anchor")


def _crowded(axes: Any) -> bool:
    renderer = axes.figure.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer) for label in axes.get_xticklabels()]
    return any(left.x1 + 4 > right.x0 for left, right in pairwise(boxes))


def _colours(count: int) -> list[str]:
    return [ASPECT_COLOURS[i % len(ASPECT_COLOURS)] for i in range(count)]


def _few_colours(png: bytes) -> bytes:
    """The same picture in an adaptive 32-colour palette: flat charts keep their look at a
    third of the bytes. No dithering: it scatters pixels, which compress badly."""
    from PIL import Image  # comes with matplotlib

    with Image.open(io.BytesIO(png)) as image:
        flat = image.convert("RGB").quantize(colors=32, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    flat.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
