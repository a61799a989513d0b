"""The house chart style: one look for every chart, readable on Discord's dark and light themes.

Build charts with `new_figure()` and finish them with `finish()`; never pyplot (a long-running
process must not accumulate global figure state).
"""

from __future__ import annotations

import datetime as dt

from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
