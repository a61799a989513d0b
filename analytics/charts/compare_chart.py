"""The /compare chart: each series rebased to 100, labelled at the right end with its return."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analytics.charts.style import MUTED, SERIES_COLORS, new_figure, stamp
from analytics.errors import NoData

# Right-end labels closer than this (in axes fraction) are pushed apart so they stay legible.
_LABEL_GAP = 0.055
# The house axes narrowed on the right to leave room for the end labels.
_AXES_WITH_LABELS = (0.07, 0.12, 0.79, 0.72)


def compare_figure(
    normalised_frame: pd.DataFrame,
    returns_frame: pd.DataFrame,
    *,
    title: str | None = None,
    subtitle: str = "",
    source: str = "",
    as_of: dt.date | None = None,
) -> Figure:
    """A stamped Figure (1200x675): one line per ticker rebased to 100 (`returns.normalised`).

    `returns_frame` is `WindowReturns.table` (index ticker, column `return` as a fraction);
    lines are drawn and coloured in its order (best first) and each is labelled at its right
    end with "TICKER +12.3%". Tickers not in `returns_frame` are not drawn. The default title
    names the best performer. Raises NoData when no ticker has a price to draw.
    """
    tickers = [t for t in returns_frame.index if t in normalised_frame.columns]
    frame = normalised_frame[tickers].dropna(axis=1, how="all")
    if frame.empty:
        raise NoData("Nothing to chart: no ticker has prices in the window.")
    tickers = list(frame.columns)
    returns = returns_frame.loc[tickers, "return"]
    if title is None:
        title = _default_title(returns)

    fig, ax = new_figure(title, subtitle=subtitle)
    ax.set_position(_AXES_WITH_LABELS)
    ax.axhline(100.0, color=MUTED, linewidth=1, linestyle="--")
    ends: list[tuple[float, str, str]] = []
    for i, ticker in enumerate(tickers):
        series = frame[ticker].dropna()
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        ax.plot(series.index, series.to_numpy(), color=color, linewidth=2.2)
        ends.append((float(series.iloc[-1]), f"{ticker} {returns[ticker]:+.1%}", color))
    ax.set_ylabel("Rebased to 100", fontsize=13)
    ax.set_xlim(frame.index[0], frame.index[-1])
    _label_ends(ax, ends)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return stamp(fig, source=source, as_of=as_of)


def _default_title(returns: pd.Series) -> str:
    best = returns.index[0]
    if len(returns) == 1:
        return f"{best} {returns.iloc[0]:+.1%}"
    if len(returns) == 2:
        other = returns.index[1]
        return f"{best} {returns.iloc[0]:+.1%} vs {other} {returns.iloc[1]:+.1%}"
    return f"{best} led {len(returns)} tickers with {returns.iloc[0]:+.1%}"


def _label_ends(ax: Axes, ends: list[tuple[float, str, str]]) -> None:
    """Write each label just right of the plot at its line's last value, nudged apart."""
    ax.figure.canvas.draw()  # settle autoscaled limits before converting to axes fractions
    low, high = ax.get_ylim()
    span = high - low if high > low else 1.0
    fractions = np.array([(value - low) / span for value, _, _ in ends])
    order = np.argsort(fractions)
    placed = fractions.copy()
    for k in range(1, len(order)):
        below, here = order[k - 1], order[k]
        placed[here] = max(placed[here], placed[below] + _LABEL_GAP)
    # If the stack ran off the top, slide it down as a block.
    overflow = placed.max() - 0.98 if len(placed) else 0.0
    if overflow > 0:
        placed -= overflow
    for (_, label, color), y in zip(ends, placed, strict=True):
        ax.text(
            1.005,
            y,
            label,
            transform=ax.transAxes,
            color=color,
            fontsize=13,
            fontweight="bold",
            va="center",
            ha="left",
            clip_on=False,
        )
