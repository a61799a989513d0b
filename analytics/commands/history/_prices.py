"""The price histories a study reads: every ticker's full cached history through the as-of
session (fetching what is missing), the closes the returns are measured on, and the dating."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics import calendar
from analytics.commands.common import require_prices
from analytics.commands.provenance import Dating, price_dating, result_source
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.spec import Progress

COLUMNS = ["close", "high", "adj_close", "source"]


@dataclass(frozen=True)
class Prices:
    """Bars per ticker (indexed by session, through the as-of session, rows with a close)."""

    frames: dict[str, pd.DataFrame]
    result: PriceResult
    source: str

    def adjusted(self, ticker: str) -> pd.Series:
        """Adjusted closes (total return: dividends reinvested)."""
        return self.frames[ticker]["adj_close"].rename(ticker)

    def raw(self, ticker: str, column: str) -> pd.Series:
        return self.frames[ticker][column].rename(ticker)

    def closes(self, on: tuple[str, ...], since: pd.Timestamp | None = None) -> pd.DataFrame:
        """The adjusted closes of `on` on their common sessions (from `since`), one column each.
        NoData when they share no session."""
        frame = pd.concat([self.adjusted(t) for t in on], axis=1, join="inner").dropna()
        if since is not None:
            frame = frame.loc[pd.Timestamp(since) :]
        if frame.empty:
            names = " and ".join(on)
            raise NoData(f"{names} have no sessions with prices in the history studied.")
        return frame

    def dating(self, data: MarketData, end: dt.date, asked: dt.date | None) -> Dating:
        """Dated by the earliest end of every history read (the condition's too): a study whose
        condition data stop early is as stale as they are."""
        ends = {t: f.index[-1].date() for t, f in self.frames.items()}
        return price_dating(data, self.result, min([end, *ends.values()]), asked, ends=ends)


def load_prices(
    data: MarketData, tickers: list[str], as_of: dt.date | None, progress: Progress
) -> Prices:
    """Each ticker's whole history through `as_of` (cache first). UnknownSymbol/NoData through
    require_prices; NoData when `as_of` is before a ticker's first session."""
    tickers = list(dict.fromkeys(tickers))
    progress.phase("Reading the price history")
    result = data.bars(tickers, None, as_of, columns=COLUMNS, progress=progress)
    if as_of is not None:
        for ticker in (t for t in tickers if t in result.missing):
            # Nothing on or before as_of: say where the history begins when the cache knows.
            later = data.cache.read_bars([ticker], None, None, ["close"])
            if not later.empty:
                raise NoData(
                    f"as_of {as_of} is before the data: {ticker}'s history begins "
                    f"{later['date'].min().date()}; give a date on or after it."
                )
    require_prices(result, tickers)
    frames: dict[str, pd.DataFrame] = {}
    for ticker in tickers:
        frame = result.series(ticker).sort_index()
        frame = frame[frame["adj_close"].notna() & frame["close"].notna()]
        if frame.empty:
            raise NoData(f"No closes for {ticker}.")
        if as_of is not None:
            kept = frame.loc[: pd.Timestamp(as_of)]
            if kept.empty:
                raise NoData(
                    f"as_of {as_of} is before the data: {ticker}'s history begins "
                    f"{frame.index[0].date()}; give a date on or after it."
                )
            frame = kept
        frames[ticker] = frame
    return Prices(frames, result, result_source(result, data))


def complete_through(end: dt.date) -> pd.Timestamp:
    """The last calendar date a forward window may end on and still end inside data that stops
    at session `end`: the day before the next NYSE session."""
    following = calendar.sessions_between(end + dt.timedelta(days=1), end + dt.timedelta(days=15))
    after = following[0] if len(following) else pd.Timestamp(end) + pd.Timedelta(days=1)
    return pd.Timestamp(after) - pd.Timedelta(days=1)
