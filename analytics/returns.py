"""Returns over a window for several tickers, and series rebased to 100 for the compare chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.errors import NoData, UserError
from analytics.windows import Window, window_anchor, window_bounds

RETURN_COLUMNS = ("start_date", "end_date", "start_close", "end_close", "return")


@dataclass(frozen=True)
class WindowReturns:
    """Ranked window returns.

    table:    indexed by ticker, columns RETURN_COLUMNS (dates as pd.Timestamp, `return` a
              fraction: 0.05 = +5%), sorted by return, best first.
    excluded: ticker -> why it is not ranked (not enough history, no prices in the window).
    start, end: B and E of the window on the common calendar (the union of all sessions).
    """

    table: pd.DataFrame = field(compare=False)
    excluded: dict[str, str]
    start: pd.Timestamp
    end: pd.Timestamp


MAX_STALE_SESSIONS = 5
"""A ticker whose last close is further behind the window's end than this is not ranked."""


def window_returns(
    closes: pd.DataFrame, window: Window, as_of: dt.date | None = None
) -> WindowReturns:
    """Total return per ticker over `window`: close(E) / close(B) - 1, a fraction.

    `closes` is wide (index: session dates, one column per ticker, adjusted closes, NaN where
    a ticker did not trade). The common E is the last date on or before `as_of` where any
    ticker has a price. Each ticker's own B and E are then picked from that ticker's own
    non-NaN sessions: E = its last session on or before the common E (a ticker that did not
    trade on the common E, e.g. halted, uses its last close before it; `end_date` shows it);
    B = for `Nd`, N of its own sessions before its E; for calendar windows, its last session
    on or before the date anchored on the common E (so `ytd` means the same year end for all).
    Tickers whose history does not reach their B, with no prices after the common B, or whose
    last close is more than MAX_STALE_SESSIONS sessions before the common E (a delisted or
    long-halted name would otherwise rank on a frozen price) are listed in `excluded` instead.
    Raises NoData when `closes` has no prices on or before `as_of`, or no ticker can be ranked.
    """
    frame = closes.sort_index()
    traded = frame.index[frame.notna().any(axis=1)]
    if len(traded) == 0:
        raise NoData("No prices to compute returns from.")
    common_start, common_end = window_bounds(window, traded, as_of)
    position = {day: i for i, day in enumerate(traded)}

    rows: dict[str, tuple] = {}
    excluded: dict[str, str] = {}
    for ticker in frame.columns:
        series = frame[ticker].dropna()
        own = series.index[series.index <= common_end]
        if len(own) == 0:
            excluded[str(ticker)] = "no prices"
            continue
        if own[-1] <= common_start:
            excluded[str(ticker)] = f"no prices after {own[-1].date()}"
            continue
        behind = position[common_end] - position[own[-1]]
        if behind > MAX_STALE_SESSIONS:
            excluded[str(ticker)] = (
                f"last close {own[-1].date()}, {behind} sessions before the window's end"
            )
            continue
        try:
            start, end = window_bounds(_own_window(window, common_end), own)
        except UserError as exc:
            excluded[str(ticker)] = exc.message
            continue
        first, last = float(series[start]), float(series[end])
        rows[str(ticker)] = (start, end, first, last, last / first - 1.0)

    if not rows:
        reasons = "; ".join(f"{t}: {why.rstrip('.')}" for t, why in excluded.items())
        raise NoData(f"No ticker has enough history for window {window.text} ({reasons}).")
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(RETURN_COLUMNS))
    table.index.name = "ticker"
    table = table.sort_values("return", ascending=False, kind="stable")
    return WindowReturns(table=table, excluded=excluded, start=common_start, end=common_end)


def _own_window(window: Window, common_end: pd.Timestamp) -> Window:
    """The window to apply to one ticker's own sessions (already cut at the common E).

    Calendar windows are anchored on the common E, not on the ticker's last session, so a
    ticker that missed the last session still measures `ytd` from the same year end.
    """
    if window.kind in ("sessions", "range"):
        return window
    anchor = window_anchor(window, common_end.date())
    return replace(window, kind="range", start=anchor, end=common_end.date())


def normalised(closes: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each column rebased to 100 at `start`: 100 * close(t) / close(B), for start <= t <= end.

    close(B) is the ticker's last close on or before `start`, so a ticker that did not trade
    on `start` itself still starts at 100 there. Columns with no close on or before `start`
    are dropped (they have no base). Empty frame when nothing qualifies.
    """
    frame = closes.sort_index()
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end)
    before = frame.loc[:start_ts]
    if before.empty:
        return frame.iloc[0:0]
    base = before.ffill().iloc[-1].dropna()
    window = frame.loc[start_ts:end_ts, base.index]
    rebased = window.div(base, axis=1) * 100.0
    if start_ts not in rebased.index:
        rebased.loc[start_ts] = 100.0
        rebased = rebased.sort_index()
    else:
        rebased.loc[start_ts] = 100.0
    return rebased
