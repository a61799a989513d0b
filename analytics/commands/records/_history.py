"""One ticker's full daily history for /records and /levels, with what to say about its dating
and its price basis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.calendar import expected_session
from analytics.commands.common import behind_note, require_prices
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.spec import Progress

COLUMNS = ["open", "high", "low", "close", "adj_close", "source"]
BASIS_TEXT = "split-adjusted, not dividend-adjusted"


@dataclass(frozen=True)
class History:
    """Bars indexed by session through the as-of session, and the notes an answer carries.

    title_suffix: " (as of D)" when the data ends before the session asked (else "").
    warnings: provider warnings, the behind-the-date warning, price-basis caveats.
    sources: the distinct `source` values of the rows (e.g. "yahoo", "import:RUT.csv").
    """

    ticker: str
    bars: pd.DataFrame
    as_of: dt.date
    title_suffix: str
    warnings: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def first(self) -> dt.date:
        return self.bars.index[0].date()

    @property
    def has_highs(self) -> bool:
        return bool(self.bars["high"].notna().any())

    def span_text(self) -> str:
        """'the 9,662 sessions from 1987-09-10 to 2026-01-16 (rows from import:RUT.csv)'."""
        rows = f" (rows from {', '.join(self.sources)})" if self.sources else ""
        return f"the {len(self.bars):,} sessions from {self.first} to {self.as_of}{rows}"


def load_history(
    data: MarketData, ticker: str, as_of: dt.date | None, progress: Progress
) -> History:
    """The ticker's whole cached history (fetching what is missing) through `as_of`.

    Raises UnknownSymbol/NoData through `require_prices`, and NoData when `as_of` is before
    the first session.
    """
    result = data.bars([ticker], None, as_of, columns=COLUMNS, progress=progress)
    if as_of is not None and ticker in result.missing:
        # Nothing on or before as_of: say where the history begins when the cache knows.
        later = data.cache.read_bars([ticker], None, None, ["close"])
        if not later.empty:
            first = later["date"].min().date()
            raise NoData(
                f"as_of {as_of} is before the data: {ticker}'s history begins {first}; "
                "give a date on or after it."
            )
    require_prices(result, [ticker])
    bars = result.series(ticker).sort_index()
    bars = bars[bars["close"].notna()]
    if as_of is not None:
        kept = bars.loc[: pd.Timestamp(as_of)]
        if kept.empty:
            raise NoData(
                f"as_of {as_of} is before the data: {ticker}'s history begins "
                f"{bars.index[0].date()}; give a date on or after it."
            )
        bars = kept
    if len(bars) < 2:
        raise NoData(f"{ticker} has only {len(bars)} session of prices; records need at least 2.")
    last = bars.index[-1].date()
    warnings = list(result.warnings)
    suffix = ""
    why = "offline mode is on" if data.offline else None
    note = behind_note(last, expected_session(as_of, data.now()), why)
    if note is not None:
        suffix, text = note
        warnings.append(text)
    sources = tuple(sorted({str(s) for s in bars["source"].dropna().unique()}))
    warnings += _basis_warnings(ticker, bars, sources)
    return History(ticker, bars, last, suffix, tuple(warnings), sources)


def _basis_warnings(ticker: str, bars: pd.DataFrame, sources: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    imported = [s for s in sources if s.startswith("import:")]
    # A file without its own adjusted close stores adj_close = close; for a fund or a stock
    # that file's closes may be dividend-adjusted (yfinance auto_adjust), so its records may
    # not be the prices printed. An index pays no dividends.
    if imported and not ticker.startswith("^"):
        rows = bars[bars["source"].isin(imported)]
        if len(rows) and (rows["close"] == rows["adj_close"]).all():
            out.append(
                f"{ticker}'s rows from {', '.join(imported)} have no separate adjusted close: "
                "if that file's closes were dividend-adjusted, these records are too."
            )
    missing = int(bars["high"].isna().sum())
    if missing and missing < len(bars):
        out.append(
            f"{missing:,} of {len(bars):,} sessions have no intraday high (a close-only source) "
            "and are left out of the record high."
        )
    return out
