"""The house chart style: one look for every chart, readable on Discord's dark and light themes.

Build charts with `new_figure()` and finish them with `finish()`; never pyplot (a long-running
process must not accumulate global figure state).
"""

from __future__ import annotations

import datetime as dt

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100

# A mid-dark slate background works on both Discord themes; text is near-white.
BACKGROUND = "#1e2230"
PANEL = "#262b3b"
TEXT = "#e8eaf0"
MUTED = "#9aa3b5"
GRID = "#3a4154"
UP = "#2ecc71"
DOWN = "#e74c3c"
ACCENT = "#5dade2"
HIGHLIGHT = "#f5b041"
SERIES_COLORS = (
    "#5dade2",
    "#f5b041",
    "#af7ac5",
    "#48c9b0",
    "#ec7063",
    "#f4d03f",
    "#a3e4d7",
    "#d7bde2",
    "#85c1e9",
    "#f0b27a",
)


def new_figure(title: str, *, subtitle: str = "") -> tuple[Figure, Axes]:
    """A 1200x675 figure with one styled axes, titled with the answer (not the command)."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
    ax = fig.add_axes((0.07, 0.12, 0.9, 0.72))
    style_axes(ax)
    fig.text(0.07, 0.93, title, color=TEXT, fontsize=20, fontweight="bold", va="center")
    if subtitle:
        fig.text(0.07, 0.875, subtitle, color=MUTED, fontsize=13, va="center")
    return fig, ax


def style_axes(ax: Axes) -> None:
    """Apply the house style to an axes."""
    ax.set_facecolor(PANEL)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=12, length=0)
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.xaxis.label.set_color(TEXT)
    ax.yaxis.label.set_color(TEXT)


ROW_LABELS_GID = "row labels"
"""The gid of the text `row_labels` draws (tests read the labels back from it)."""
ROW_VALUES_GID = "row values"
"""The gid of a column of values `row_labels(..., x=...)` draws beside the bars."""


def row_labels(
    ax: Axes,
    rows: list[int],
    labels: list[str],
    *,
    fontsize: float = 12,
    x: float | None = None,
    ha: str = "right",
    gid: str = ROW_LABELS_GID,
) -> Text | None:
    """Label the bars of a horizontal bar chart at rows `rows` (whole numbers, the y of each
    bar) as ONE multi-line text: a line a row, its spacing the rows' pitch, each line centred
    on its row. By default left of the axes, where tick labels would be; with `x` (data
    units) a column aligned there (`ha` "left": starting at x, "right": ending at x), e.g. the
    bars' values just past the longest bar. Ticks and per-bar texts cost an artist or a dozen
    each to build and draw; this is one (issue 15). Call it once the axes' position and y
    limits are final. Returns the text (None when there are no rows)."""
    from matplotlib.transforms import offset_copy

    from analytics.charts.raster import font_line_height

    if not rows:
        return None
    fig = ax.get_figure()
    low, high = ax.get_ylim()
    pitch = ax.get_position().height * fig.get_figheight() * fig.dpi / abs(high - low)
    by_row = dict(zip(rows, labels, strict=True))
    top = max(rows)
    lines = [by_row.get(row, "") for row in range(top, min(rows) - 1, -1)]
    if x is None:
        # where Axis puts tick labels: tick length (0 here) + pad (3.5 points) left of the axes
        transform = offset_copy(ax.get_yaxis_transform(), fig=fig, x=-3.5, units="points")
        x = 0.0
    else:
        transform = ax.transData
    text = ax.text(
        x,
        top + 0.5,
        "\n".join(lines),
        color=TEXT,
        fontsize=fontsize,
        ha=ha,
        va="top",
        multialignment=ha,
        transform=transform,
        clip_on=False,
        gid=gid,
    )
    text.set_linespacing(pitch / font_line_height(text.get_fontproperties(), fig.dpi))
    if gid == ROW_LABELS_GID:
        ax.set_yticks([])
    return text


def ticks_in_view(axis: Axis) -> None:
    """Fix `axis`'s ticks to those of its locator within its view limits. Axis makes a Tick
    (a gridline, two tick lines and two labels, ~0.5 ms) for every location its locator
    returns, drawn or not, and AutoLocator returns one past each end (issue 15). The same
    ticks are drawn. Call it once the limits are final."""
    low, high = sorted(axis.get_view_interval())
    axis.set_ticks([v for v in axis.get_major_locator()() if low <= v <= high])


BARS_GID = "bars"
"""The gid of the collection `hbars` draws (tests read the bars back from it)."""


def hbars(ax: Axes, y: list[float], values: list[float], *, height: float = 0.72) -> PolyCollection:
    """Horizontal bars from 0 to each of `values` at rows `y`, green for gains and red for
    losses (`tone_color`), as ONE PolyCollection (gid BARS_GID): the pixels `ax.barh` draws,
    without a Rectangle a bar, each added with a data-limit update from its path's Bezier
    extents (0.3 ms a bar; issue 15). The data limits are not updated: set the axes' x and y
    limits (the charts do). Returns the collection."""
    half = height / 2
    bars = PolyCollection(
        [
            [(0, row - half), (v, row - half), (v, row + half), (0, row + half)]
            for row, v in zip(y, values, strict=True)
        ],
        facecolors=[tone_color(v) for v in values],
        edgecolors="none",
        linewidths=0,
        gid=BARS_GID,
    )
    ax.add_collection(bars, autolim=False)
    return bars


def stamp(fig: Figure, *, source: str, as_of: dt.date | None) -> Figure:
    """Stamp source and as-of date in the corner; the figure is then ready to encode."""
    text = f"Source: {source}" if source else ""
    if as_of is not None:
        text += f"  ·  as of {as_of.isoformat()}"
    fig.text(0.99, 0.02, text.strip(" ·"), color=MUTED, fontsize=11, ha="right", va="bottom")
    fig.text(0.01, 0.02, "marketbot", color=MUTED, fontsize=11, ha="left", va="bottom")
    return fig


def encode_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (1200x675): drawn by Agg with each string rendered once, and
    written at zlib level 1 (analytics/charts/raster.py; a third of savefig's time)."""
    from analytics.charts.raster import figure_png

    return figure_png(fig)


def finish(fig: Figure, *, source: str, as_of: dt.date | None) -> bytes:
    """Stamp source and as-of date in the corner and return PNG bytes."""
    return encode_png(stamp(fig, source=source, as_of=as_of))


def tone_color(value: float) -> str:
    """Green for gains, red for losses (zero counts as a gain's colour: neutral is not used)."""
    return UP if value >= 0 else DOWN


def partial_badge(fig: Figure, text: str) -> None:
    """A label in the top right corner saying the chart stands on part of its universe
    ('Partial: 94.8% of the weight priced'), in the highlight colour so it is not missed."""
    fig.text(
        0.99,
        0.985,
        text,
        color=BACKGROUND,
        fontsize=12,
        fontweight="bold",
        ha="right",
        va="top",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": HIGHLIGHT, "edgecolor": "none"},
    )
