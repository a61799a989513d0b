"""Importing one CSV price file: read and clean it, apply the import policy per ticker, write.

One file is one transaction: its rows, its coverage and any re-base of cached rows land
together, or (on any error, a kill included) nothing of the file does. Blocking (SQLite,
pandas): call from a worker thread when on an event loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.data.importers import load_price_file
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.data.splice import Decision, plan_import
from analytics.data.validate import SkippedRows


@dataclass(frozen=True)
class TickerImport:
    """What one file did to one ticker.

    rows: the file's usable rows for it; written: rows stored (new sessions plus cached rows
    changed); decision: None when every row of the ticker was skipped.
    """

    ticker: str
    rows: int
    written: int
    skipped: SkippedRows
    first: dt.date | None
    last: dt.date | None
    decision: Decision | None

    @property
    def kind(self) -> str:
        return self.decision.kind if self.decision else "skipped"

    def to_dict(self) -> dict[str, object]:
        return {
            "ticker": self.ticker,
            "rows": self.rows,
            "written": self.written,
            "first": self.first,
            "last": self.last,
            "skipped": self.skipped.to_dict(),
            "skipped_text": self.skipped.text(),
            "decision": self.kind,
            "detail": self.decision.text if self.decision else self.skipped.text(),
        }


@dataclass(frozen=True)
class FileImport:
    """One file's import: its source label and a line per ticker."""

    path: Path
    source: str
    tickers: tuple[TickerImport, ...]

    @property
    def skipped(self) -> SkippedRows:
        return sum((t.skipped for t in self.tickers), SkippedRows())

    @property
    def refused(self) -> tuple[TickerImport, ...]:
        return tuple(t for t in self.tickers if t.kind == "refused")


def source_label(path: Path) -> str:
    """The `bars.source` of rows from a file: "import:" + folder/name (several files share a
    name, such as SPY.csv from five sources)."""
    path = Path(path)
    folder = path.resolve().parent.name
    return f"import:{folder}/{path.name}" if folder else f"import:{path.name}"


def import_price_file(
    market: MarketData,
    path: Path | str,
    *,
    ticker: str | None = None,
    replace: bool = False,
) -> FileImport:
    """Read `path`, skip its bad rows, and merge each ticker into the cache by the import
    policy (`analytics.data.splice`); `replace` takes the file's rows wholesale.

    Raises BadInput (nothing written) when the file cannot be read or holds no usable row.
    """
    path = Path(path)
    loaded = load_price_file(path, ticker)
    source = source_label(path)
    cache = market.cache
    results: list[TickerImport] = []
    with cache.transaction():
        cached = cached_by_ticker(cache, list(loaded.bars))
        for name, frame in loaded.bars.items():
            plan = plan_import(
                name,
                cached.get(name, _EMPTY),
                frame,
                source,
                has_adj_close=name in loaded.with_adj_close,
                replace=replace,
            )
            first, last = frame.index[0].date(), frame.index[-1].date()
            written = 0
            if not plan.refused:
                written = cache.merge_bars(name, plan.rows, source, replace=plan.replace)
                market.mark_imported(name, first, last, source)
            results.append(
                TickerImport(
                    name,
                    len(frame),
                    written,
                    loaded.skipped.get(name, SkippedRows()),
                    first,
                    last,
                    plan.decision,
                )
            )
    for name, dropped in loaded.skipped.items():
        if name not in loaded.bars:
            results.append(TickerImport(name, 0, 0, dropped, None, None, None))
    return FileImport(path, source, tuple(results))


_EMPTY = pd.DataFrame(
    {**{c: pd.Series(dtype="float64") for c in BAR_COLUMNS}, "source": pd.Series(dtype=object)},
    index=pd.DatetimeIndex([], name="date"),
)


def cached_by_ticker(cache: PriceCache, tickers: list[str]) -> dict[str, pd.DataFrame]:
    """Every cached row of these tickers: ticker -> frame indexed by date (BAR_COLUMNS, source)."""
    frame = cache.read_bars(tickers)
    if frame.empty:
        return {}
    return {
        str(name): rows.drop(columns=["ticker"]).set_index("date")
        for name, rows in frame.groupby("ticker", sort=False)
    }
