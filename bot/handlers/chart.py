"""The digest chart: a radar of the latest round against the one before, and each aspect's
trend over the last rounds. Matplotlib is imported here only, on the Agg backend."""

from __future__ import annotations

import io
import math


def render(
    series: list[tuple[str, dict[str, float | None]]], aspects: list[tuple[str, str]]
) -> bytes:
    """A PNG. ``series`` is oldest first: (round label, aspect key -> mean or None)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    keys = [key for key, _ in aspects]
    names = [name for _, name in aspects]
    figure = plt.figure(figsize=(11, 4.8), dpi=100)
    try:
        radar = figure.add_subplot(1, 2, 1, projection="polar")
        radar.set_theta_offset(math.pi / 2)  # first aspect at the top, clockwise
        radar.set_theta_direction(-1)
        angles = [2 * math.pi * i / len(keys) for i in range(len(keys))]
        closed_angles = [*angles, angles[0]]
        layers = [("previous round", series[-2], "#9aa5b1", 0.15)] if len(series) > 1 else []
        layers.append(("latest round", series[-1], "#2f6fde", 0.3))
        for label, (_, means), colour, alpha in layers:
            values = [means.get(key) or 0.0 for key in keys]
            radar.plot(closed_angles, [*values, values[0]], color=colour, label=label)
            radar.fill(closed_angles, [*values, values[0]], color=colour, alpha=alpha)
        radar.set_xticks(angles)
        radar.set_xticklabels(names)
        radar.set_ylim(0, 4)
        radar.set_yticks([1, 2, 3, 4])
        radar.set_title("Mean level per aspect", pad=18)
        radar.legend(loc="lower left", bbox_to_anchor=(-0.15, -0.18), fontsize=8)

        trend = figure.add_subplot(1, 2, 2)
        labels = [label for label, _ in series]
        for key, name in aspects:
            values = [means.get(key) for _, means in series]
            points = [math.nan if value is None else value for value in values]
            trend.plot(range(len(labels)), points, marker="o", label=name)
        trend.set_xticks(range(len(labels)))
        trend.set_xticklabels(labels, rotation=30, fontsize=8)
        trend.set_ylim(0.8, 4.2)
        trend.set_yticks([1, 2, 3, 4])
        trend.set_ylabel("mean level")
        trend.set_title(f"Trend over the last {len(series)} round(s)")
        trend.grid(alpha=0.3)
        trend.legend(fontsize=8, loc="upper left")
        figure.text(
            0.5,
            0.01,
            "Aspects below the response threshold are left out.",
            ha="center",
            fontsize=8,
            color="#555",
        )
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
