"""What drives GDP, as a stacked bar chart: each quarter's contributions in percentage points,
positive ones stacked up from zero and negative ones down, and the headline growth as a dot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import BACKGROUND, MUTED, SERIES_COLORS, TEXT, new_figure, stamp

GROWTH_COLOR = TEXT


def component_colors(names: Sequence[str]) -> dict[str, str]:
    """One house colour per component, in order (the same component keeps its colour)."""
    return {name: SERIES_COLORS[i % len(SERIES_COLORS)] for i, name in enumerate(names)}


def _base(before: Sequence[tuple[str, float]], value: float) -> float:
    """Where a segment starts: the sum of the earlier segments on its side of zero."""
    if value >= 0:
        return sum(v for _, v in before if v >= 0)
    return sum(v for _, v in before if v < 0)


def gdp_contributions_chart(
    labels: Sequence[str],
    contributions: Sequence[Sequence[tuple[str, float]]],
    growth: Sequence[float],
    *,
    title: str,
    subtitle: str = "",
    source: str = "BEA via FRED",
    as_of: dt.date | None = None,
) -> Figure:
    """The Figure.

    labels:         one x label per quarter ("2025 Q3"), oldest first.
    contributions:  per quarter, (component, pp) pairs in a fixed component order; a bar segment
                    each, positives stacked upward from 0 and negatives downward, so the bar's
                    top minus its bottom is the sum.
    growth:         per quarter, the headline growth (% SAAR), a dot labelled with its value.
    Empty input gives the titled figure with no bars.
    """
    fig, ax = new_figure(title, subtitle=subtitle)
    names = [name for name, _ in contributions[0]] if contributions else []
    colors = component_colors(names)
    positions = list(range(len(labels)))
    for k, name in enumerate(names):
        heights = [parts[k][1] for parts in contributions]
        bottoms = [_base(parts[:k], parts[k][1]) for parts in contributions]
        ax.bar(
            positions,
            heights,
            bottom=bottoms,
            width=0.6,
            color=colors[name],
            label=name,
            edgecolor=BACKGROUND,
            linewidth=0.8,
            zorder=2,
        )
    if positions:
        ax.axhline(0, color=TEXT, linewidth=0.9, alpha=0.7, zorder=1)
        ax.scatter(
            positions,
            list(growth),
            s=90,
            color=GROWTH_COLOR,
            edgecolor=BACKGROUND,
            zorder=4,
            label="real GDP growth",
        )
        for x, value in zip(positions, growth, strict=True):
            ax.annotate(
                f"{value:+.1f}%",
                (x, value),
                xytext=(0, 10),
                textcoords="offset points",
                ha="center",
                color=TEXT,
                fontsize=13,
                fontweight="bold",
                zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": BACKGROUND, "linewidth": 0},
            )
        ax.set_xticks(positions, list(labels))
        ax.legend(
            loc="upper left",
            ncols=min(len(names) + 1, 5),
            frameon=False,
            labelcolor=MUTED,
            fontsize=12,
        )
        low = min([0.0, *growth, *(sum(v for _, v in p if v < 0) for p in contributions)])
        high = max([0.0, *growth, *(sum(v for _, v in p if v > 0) for p in contributions)])
        pad = max((high - low) * 0.25, 0.5)
        ax.set_ylim(low - pad * 0.5, high + pad)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f} pp" if v else "0"))
    return stamp(fig, source=source, as_of=as_of)
