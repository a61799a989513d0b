"""PriceCache's reads (a mixin of analytics.data.cache.PriceCache): coverage, bars as long
frames or panels (from the array store), sources, tickers known, status and holes. Outside a
write transaction, what is read is kept in the read memo by data generation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from analytics.data import arrays, changes, memo_store
from analytics.data.cache_status import TickerStatus, ticker_status
from analytics.data.coverage_row import Coverage
from analytics.data.holes import Hole, holes_report
from analytics.data.panel import Panel
from analytics.data.provider import BAR_COLUMNS
from analytics.data.read_memo import Reads
from analytics.data.schema import HISTORY_FLOOR
from analytics.data.selection import chunks, ticker_selections


class CacheReads:
    """The read side of PriceCache (it supplies `db`, `memoised`, `_writing`)."""

    def coverage(self, tickers: Iterable[str]) -> dict[str, Coverage]:
        """Known ranges for the given tickers (absent tickers are left out).

        Outside a write transaction, from the whole table kept in the read memo (the plan of
        a 2,000-name command asks for every name on each call)."""
        tickers = list(tickers)
        if not tickers:
            return {}
        if self._writing():
            return self._coverage_of(tickers)
        table = self.memoised_table("coverage", self._coverage_of)
        return {t: table[t] for t in tickers if t in table}

    def _coverage_of(self, tickers: list[str] | None) -> dict[str, Coverage]:
        """Coverage rows of `tickers` (None: all) from the table."""
        out: dict[str, Coverage] = {}
        for where, params in ticker_selections(tickers):
            for row in self.db.execute(
                f"SELECT ticker, checked_from, checked_to, fetched_at, source FROM coverage {where}",
                params,
            ):
                out[row[0]] = Coverage(
                    ticker=row[0],
                    checked_from=dt.date.fromisoformat(row[1]),
                    checked_to=dt.date.fromisoformat(row[2]),
                    fetched_at=dt.datetime.fromisoformat(row[3]),
                    source=row[4],
                )
        return out

    def sources(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> tuple[str, ...]:
        """The distinct sources of the bars of `tickers` from `start` to `end`, sorted; from the
        array store's source codes (not a string per bar)."""
        return self.read_panel(tickers, start, end, ["source"]).sources()

    def read_bars(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Bars of many tickers: long frame (ticker, date, columns), ordered by ticker and date.

        `columns` defaults to BAR_COLUMNS plus source; asking only for what a command uses
        (e.g. adj_close) reads only those arrays. Read from the array store (`read_panel`);
        the same frame as the rows give (`read_bars_rows`).
        """
        return self.read_panel(tickers, start, end, columns).long()

    def read_panel(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
        *,
        unique: bool = False,
    ) -> Panel:
        """Bars of many tickers as matrices, dates x tickers (analytics.data.panel), from the
        array store: one BLOB per ticker-year and column instead of a tuple per bar. `unique`:
        the caller's list has no repeats (not checked again).

        The read memo keeps the panel from the first of `start`'s month to the end of the
        data, and serves the window asked for from it: the next day's window (once the
        refresh has patched the new session in) is the same entry until its start crosses
        into another month, and windows starting in one month (2w and mtd) share it. A panel
        of the same names and columns from an earlier month, when the memo holds one (the
        year's, for a 2w window on the first of a month), serves it too."""
        wanted = _columns(columns)
        tickers = list(tickers) if unique else list(dict.fromkeys(tickers))
        lo = start or HISTORY_FLOOR
        hi = end or FAR_END
        base = lo if lo <= HISTORY_FLOOR else lo.replace(day=1)
        key = ("panel", tuple(tickers), base, tuple(wanted))
        if not self._writing():
            self.sync_memo()  # a covering entry the sync drops would be read again whole
            covering = self.memo.find(lambda k: _covers(k, key))
            if covering is not None:
                key, base = covering, covering[2]
        panel = self.memoised(
            key,
            lambda: self._read_panel(tickers, base, FAR_END, wanted),
            lambda panel: panel.nbytes,
            scope=Reads(frozenset({changes.BARS}), frozenset(tickers)),
            keep=memo_store.PANEL,
            patch=lambda panel, changed: panel.replaced(
                tickers,
                changed,
                self._read_panel([t for t in tickers if t in changed], base, FAR_END, wanted),
            ),
        )
        return panel.window(lo, hi)

    def _read_panel(self, tickers: list[str], lo: dt.date, hi: dt.date, wanted: list[str]) -> Panel:
        """The panel from the array store, in one read snapshot (a commit between the
        statements of a chunked read cannot mix two states of the file)."""
        with self.snapshot() as conn:
            segments = arrays.read_segments(conn, tickers, lo, hi, wanted)
        return Panel.from_segments(tickers, segments, wanted, lo, hi)

    def read_bars_rows(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """`read_bars` from the rows, one query: the reference the array store is checked
        against (tests, the benchmark)."""
        wanted = _columns(columns)
        columns = ["ticker", "date", *wanted]
        if not tickers:
            return typed_bars(pd.DataFrame(columns=columns))
        lo = (start or HISTORY_FLOOR).isoformat()
        hi = (end or dt.date(9999, 12, 31)).isoformat()
        frames = []
        for chunk in chunks(list(tickers), 30000):
            marks = ",".join("?" * len(chunk))
            cursor = self.db.execute(
                f"SELECT {', '.join(columns)} FROM bars"
                f" WHERE ticker IN ({marks}) AND date BETWEEN ? AND ? ORDER BY ticker, date",
                [*chunk, lo, hi],
            )
            frames.append(pd.DataFrame.from_records(cursor.fetchall(), columns=columns))
        return typed_bars(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])

    def known_tickers(self, prefix: str = "", limit: int = 25) -> list[str]:
        """Tickers with cached bars whose symbol starts with `prefix` (for autocomplete)."""
        rows = self.db.execute(
            "SELECT ticker FROM coverage WHERE ticker LIKE ? ESCAPE '\\' ORDER BY ticker LIMIT ?",
            [_like_prefix(prefix.upper()), limit],
        ).fetchall()
        return [r[0] for r in rows]

    def status(self) -> list[TickerStatus]:
        """Per ticker with bars or a checked range: first and last cached date, rows, last fetch."""
        return ticker_status(self.db.conn)

    def holes(self, now: dt.datetime) -> list[tuple[Hole, bool]]:
        """Every hole and whether the next fetch of its dates asks the provider for it
        (analytics.data.holes.holes_report; a scan of all bars, for `cache status`)."""
        return holes_report(self.db.conn, now)

    def file_size(self) -> int:
        """Bytes on disk, WAL included."""
        total = 0
        for suffix in ("", "-wal"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                total += p.stat().st_size
        return total


FAR_END = dt.date(9999, 12, 31)


def _covers(held: object, asked: tuple) -> bool:
    """`held` is a read memo key of a panel that `asked`'s windows can be cut from: the same
    names and columns, from an earlier base."""
    return (
        isinstance(held, tuple)
        and held[0] == "panel"
        and held[2] < asked[2]
        and held[3] == asked[3]
        and held[1] == asked[1]
    )


def _columns(columns: Sequence[str] | None) -> list[str]:
    wanted = list(columns) if columns is not None else [*BAR_COLUMNS, "source"]
    unknown = set(wanted) - {*BAR_COLUMNS, "source"}
    if unknown:
        raise ValueError(f"unknown bar columns: {sorted(unknown)}")
    return wanted


def typed_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of a long bar frame: dates as datetime64, bar columns float64, ticker object."""
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    for column in BAR_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["ticker"] = frame["ticker"].astype("object")
    return frame


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching `text` literally at the start (% and _ are wildcards otherwise)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
