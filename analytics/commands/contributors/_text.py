"""Wording of the `contributors` answer: title, summary, fields, tables, JSON and the chart."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.answer import Column, Field, Table
from analytics.breadth import Breadth
from analytics.commands.common import pct
from analytics.contribution import BP, ContributionSummary
from analytics.coverage import Coverage
from analytics.holdings.choice import SnapshotChoice
from analytics.holdings.ishares import Holdings
from analytics.windows import Window

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_MAX = 10
"""At most this many bars each side on the chart (15 + 15 do not fit a phone screen)."""
NAME_WIDTH = 16
"""Names are cut to this many characters in the tables (Discord code blocks wrap on phones)."""
COLUMNS = (
    Column("ticker"),
    Column("name"),
    Column("weight", "weight"),
    Column("return", "pct", digits=1),
    Column("bp", "bp"),
)
"""Table columns; weight is the weight at the window's start (a fraction), bp the contribution."""


def top(summary: ContributionSummary) -> pd.DataFrame:
    return summary.frame.head(summary.top_n)


def bottom(summary: ContributionSummary) -> pd.DataFrame:
    """The most negative first."""
    return summary.frame.tail(summary.top_n).iloc[::-1]


def table_rows(frame: pd.DataFrame, holdings: Holdings) -> tuple[tuple[Any, ...], ...]:
    """(ticker, name cut to NAME_WIDTH, weight at S, return, contribution in bp): raw values."""
    names = holdings.frame["name"]
    return tuple(
        (
            str(ticker),
            _short(str(names.get(ticker, ""))),
            float(row["start_weight"]),
            float(row["return"]),
            float(row["contribution_bp"]),
        )
        for ticker, row in frame.iterrows()
    )


def tables(summary: ContributionSummary, holdings: Holdings) -> tuple[Table, ...]:
    return (
        Table(COLUMNS, table_rows(top(summary), holdings), "Top contributors"),
        Table(COLUMNS, table_rows(bottom(summary), holdings), "Top detractors"),
    )


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def entries(frame: pd.DataFrame, holdings: Holdings) -> list[dict[str, Any]]:
    names, weights = holdings.frame["name"], holdings.weights
    return [
        {
            "ticker": str(ticker),
            "name": str(names.get(ticker, "")),
            "holdings_weight": float(weights.get(ticker, math.nan)),
            "start_weight": float(row["start_weight"]),
            "return": float(row["return"]),
            "contribution_bp": float(row["contribution_bp"]),
        }
        for ticker, row in frame.iterrows()
    ]


def over(window: Window) -> str:
    return window.label if window.kind in ("ytd", "qtd", "mtd") else f"over {window.label}"


def _points(value: float) -> str:
    """0.0210 -> '2.10 pts' (percentage points of the fund's return)."""
    return f"{abs(value) * 100:.2f} pts"


def headline(symbol: str, window: Window, s: ContributionSummary, *, short: bool = False) -> str:
    """'IWM +7.01% YTD: top 5 names added 2.10 pts (30% of the gain)'; `short` for the chart."""
    head = f"{symbol} {pct(s.fund_return)} {over(window)}"
    n = min(s.top_n, s.priced)
    names = "" if short else (" names" if n != 1 else " name")
    if s.fund_return >= 0:
        claim = f"top {n}{names} added {_points(s.top_contribution)}"
    else:
        claim = f"bottom {n}{names} took off {_points(s.bottom_contribution)}"
    return f"{head}: {claim}" if short else f"{head}: {claim}{share(s)}"


def share(s: ContributionSummary) -> str:
    """' (30% of the gain)', or '' when the fund did not move."""
    return "" if math.isnan(s.concentration) else f" ({s.concentration:.0%} of the {move(s)})"


def move(s: ContributionSummary) -> str:
    return "gain" if s.fund_return >= 0 else "drop"


def summary_text(
    symbol: str,
    window: Window,
    s: ContributionSummary,
    counts: Breadth,
    span: tuple[dt.date, dt.date],
    choice: SnapshotChoice,
    coverage: Coverage,
) -> str:
    unpriced = len(s.unpriced)
    explained = (
        "" if math.isnan(s.explained_share) else f" ({s.explained_share:.0%} of the fund's return)"
    )
    missing = f"; {unpriced:,} had no prices" if unpriced else ""
    share_up = "" if math.isnan(counts.share_up) else f" ({counts.share_up:.0%})"
    return (
        f"{symbol} returned {pct(s.fund_return)} from {span[0]} to {span[1]} ({window.label}). "
        f"{choice.sentence()} Its {s.priced:,} priced constituents (of {coverage.universe:,}) "
        f"add up to {pct(s.total)}{explained}{missing}. {counts.up:,} of {counts.priced:,} "
        f"rose{share_up}. {coverage.sentence(symbol)}"
    )


def fields(
    s: ContributionSummary, counts: Breadth, choice: SnapshotChoice, coverage: Coverage
) -> tuple[Field, ...]:
    explained = "n/a" if math.isnan(s.explained_share) else f"{s.explained_share:.0%}"
    concentration = "n/a" if math.isnan(s.concentration) else f"{s.concentration:.0%}"
    leaders = "Top" if s.fund_return >= 0 else "Bottom"
    share_up = "n/a" if math.isnan(counts.share_up) else f"{counts.share_up:.0%}"
    priced = f"{coverage.priced:,} of {coverage.universe:,} ({coverage.describe()})"
    return (
        Field("Fund return", pct(s.fund_return)),
        Field("Sum of contributions", f"{pct(s.total)} ({s.total / BP:+,.0f} bp)"),
        Field("Explained", f"{explained} · {len(s.unpriced):,} unpriced"),
        Field(f"{leaders} {min(s.top_n, s.priced)} share", f"{concentration} of the {move(s)}"),
        Field("Breadth", f"{counts.up:,} up, {counts.down:,} down ({share_up} up)"),
        Field("Priced", priced + (" · partial" if coverage.partial else "")),
        Field(
            "Holdings",
            f"as of {choice.as_of}, {coverage.universe:,} stocks; weights at {choice.start}",
        ),
    )


def payload(
    fund: str,
    window: Window,
    s: ContributionSummary,
    counts: Breadth,
    span: tuple[dt.date, dt.date],
    choice: SnapshotChoice,
    coverage: Coverage,
) -> dict[str, Any]:
    return {
        "fund": fund,
        "window": window.text,
        "start": span[0].isoformat(),
        "end": span[1].isoformat(),
        **choice.to_json(),
        "fund_return": s.fund_return,
        "sum_contributions_bp": s.total / BP,
        "explained_share": s.explained_share,
        "concentration": s.concentration,
        "unpriced": len(s.unpriced),
        "unpriced_tickers": list(s.unpriced),
        "constituents": coverage.universe,
        "coverage": coverage.to_json(),
        "partial": coverage.partial,
        "top": entries(top(s), choice.holdings),
        "bottom": entries(bottom(s), choice.holdings),
        "breadth": {
            "up": counts.up,
            "down": counts.down,
            "unchanged": counts.unchanged,
            "priced": counts.priced,
            "share_up": counts.share_up,
        },
    }


def figure(
    s: ContributionSummary,
    fund: str,
    window: Window,
    top_n: int,
    span: tuple[dt.date, dt.date],
    choice: SnapshotChoice,
    coverage: Coverage,
    source: str,
) -> Figure:
    """The top and bottom contributors as ranked bars (matplotlib imported on the first chart)."""
    shown = min(top_n, CHART_MAX)
    made = share(s).strip(" ()")
    parts = [
        f"Made {made}" if made else "",
        f"{span[0]} to {span[1]}",
        f"weights at {choice.start} from the {choice.as_of} holdings",
        f"{shown} each way shown" if shown < top_n else "",
    ]
    # matplotlib is imported on the first chart, not at bot startup
    from analytics.charts.contributors_chart import contributors_chart

    return contributors_chart(
        s.frame,
        title=headline(fund, window, s, short=True),
        subtitle=" · ".join(p for p in parts if p),
        n=shown,
        source=f"iShares holdings; {source}",
        as_of=span[1],
        partial=f"Partial: {coverage.describe()} priced" if coverage.partial else None,
    )


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def some(tickers: list[str], shown: int = 5) -> str:
    more = len(tickers) - shown
    return ", ".join(tickers[:shown]) + (f" and {more:,} more" if more > 0 else "")
