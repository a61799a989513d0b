"""PriceCache's writes (a mixin of analytics.data.cache.PriceCache): bars stored and merged,
re-bases, the checked ranges and their holes, unknown symbols, the tickers recently asked for.
Each write is one `transaction()` (or joins the caller's), so the arrays and the data
generation move with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from analytics.data.holes import hole_rows, pending_holes
from analytics.data.provider import BAR_COLUMNS
from analytics.data.rebase import Rebase
from analytics.data.selection import chunks, ticker_selections


class CacheWrites:
    """The write side of PriceCache (it supplies `db`, `transaction`, `memoised`)."""

    def store_bars(self, ticker: str, bars: pd.DataFrame, source: str) -> int:
        """Upsert a bar frame (index dates, BAR_COLUMNS); returns the number of rows written."""
        if bars.empty:
            return 0
        frame = bars.reindex(columns=list(BAR_COLUMNS))
        dates = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        values = frame.astype("float64").to_numpy()
        rows = [
            (ticker, day, *(None if v != v else float(v) for v in row), source)
            for day, row in zip(dates, values, strict=True)
        ]
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO bars (ticker, date, open, high, low, close, adj_close, volume, source)"
                " VALUES (?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(ticker, date) DO UPDATE SET open=excluded.open, high=excluded.high,"
                " low=excluded.low, close=excluded.close, adj_close=excluded.adj_close,"
                " volume=excluded.volume, source=excluded.source",
                rows,
            )
        return len(rows)

    def merge_bars(
        self, ticker: str, bars: pd.DataFrame, source: str, *, replace: bool = False
    ) -> int:
        """Upsert an import's rows where a NaN field keeps the cached value; returns rows written.

        A poorer row never replaces a richer one: a close-only row leaves the cached
        open/high/low/volume as they were. `bars` is indexed by date with some of BAR_COLUMNS
        and optionally a `source` column (None keeps the row's cached source); without one every
        row is labelled `source`. `replace=True` first forgets the ticker's cached bars and
        coverage (`import prices --replace`). Joins the caller's transaction, if any.
        """
        frame = bars.reindex(columns=list(BAR_COLUMNS))
        dates = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        values = frame.astype("float64").to_numpy()
        labels = bars["source"].tolist() if "source" in bars else [source] * len(bars)
        rows = [
            (ticker, day, *(None if v != v else float(v) for v in row), label)
            for day, row, label in zip(dates, values, labels, strict=True)
        ]
        keep = ", ".join(
            f"{c} = COALESCE(excluded.{c}, bars.{c})" for c in (*BAR_COLUMNS, "source")
        )
        with self.transaction() as conn:
            if replace:
                conn.execute("DELETE FROM bars WHERE ticker = ?", [ticker])
                conn.execute("DELETE FROM coverage WHERE ticker = ?", [ticker])
            conn.executemany(
                "INSERT INTO bars (ticker, date, open, high, low, close, adj_close, volume, source)"
                f" VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(ticker, date) DO UPDATE SET {keep}",
                rows,
            )
        return len(rows)

    def rescale(self, ticker: str, before: dt.date, factors: Rebase) -> int:
        """Put `ticker`'s rows dated before `before` on a new price basis (a split or dividend)."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE bars SET open = open * ?, high = high * ?, low = low * ?,"
                " close = close * ?, volume = volume / ?, adj_close = adj_close * ?"
                " WHERE ticker = ? AND date < ?",
                [*([factors.price] * 5), factors.adjusted, ticker, before.isoformat()],
            )
        return cursor.rowcount

    def mark_checked(
        self,
        ticker: str,
        checked_from: dt.date,
        checked_to: dt.date,
        fetched_at: dt.datetime,
        source: str,
    ) -> None:
        """Record that the provider was asked for [checked_from, checked_to]; widens the range.

        Coverage is one span per ticker: a range that does not touch the known one (an import
        years away from the cached dates) is merged with it, and the sessions between them
        are recorded as a hole to fetch, not passed off as checked.
        """
        with self.transaction() as conn:
            old = self.coverage([ticker]).get(ticker)
            if old is not None:
                between = [
                    (checked_to + dt.timedelta(days=1), old.checked_from - dt.timedelta(days=1)),
                    (old.checked_to + dt.timedelta(days=1), checked_from - dt.timedelta(days=1)),
                ]
                self.add_holes(ticker, between, fetched_at)
                # A later fetch of the newest session replaces a partial bar: keep its time only
                # when it extends the range forwards.
                if checked_to < old.checked_to:
                    fetched_at = old.fetched_at
                checked_from = min(checked_from, old.checked_from)
                checked_to = max(checked_to, old.checked_to)
            conn.execute(
                "INSERT OR REPLACE INTO coverage"
                " (ticker, checked_from, checked_to, fetched_at, source) VALUES (?,?,?,?,?)",
                [
                    ticker,
                    checked_from.isoformat(),
                    checked_to.isoformat(),
                    fetched_at.astimezone(dt.UTC).isoformat(),
                    source,
                ],
            )

    def add_holes(
        self, ticker: str, ranges: Iterable[tuple[dt.date, dt.date]], found_at: dt.datetime
    ) -> int:
        """Record the NYSE sessions of each range as a hole to fetch (ranges without a session
        are skipped); returns how many holes were recorded."""
        rows = hole_rows(ticker, ranges, found_at)
        if rows:
            with self.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO coverage_holes (ticker, start, end, found_at)"
                    " VALUES (?,?,?,?)",
                    rows,
                )
        return len(rows)

    def pending_holes(self, tickers: Iterable[str]) -> dict[str, list[tuple[dt.date, dt.date]]]:
        """Recorded holes of these tickers, oldest first (absent tickers are left out).

        From the whole table kept in the read memo, as `coverage` (asked on every plan)."""
        table = self.memoised_table(
            "coverage_holes", lambda some: pending_holes(self.db.conn, some)
        )
        return {t: list(table[t]) for t in tickers if t in table}

    def clear_hole(self, ticker: str, start: dt.date) -> None:
        """The provider answered for the hole starting at `start`: nothing left to ask."""
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM coverage_holes WHERE ticker = ? AND start = ?",
                [ticker, start.isoformat()],
            )

    def mark_unknown(self, tickers: Iterable[str], checked_at: dt.datetime, source: str) -> None:
        """Remember that the provider does not know these symbols."""
        rows = [(t, checked_at.astimezone(dt.UTC).isoformat(), source) for t in tickers]
        if rows:
            with self.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO unknown_symbols (ticker, checked_at, source) VALUES (?,?,?)",
                    rows,
                )

    def forget_unknown(self, tickers: Iterable[str]) -> None:
        """The provider knows these symbols after all (a new listing)."""
        tickers = list(tickers)
        for chunk in chunks(tickers):
            with self.transaction() as conn:
                conn.execute(
                    f"DELETE FROM unknown_symbols WHERE ticker IN ({','.join('?' * len(chunk))})",
                    chunk,
                )

    def unknown_since(self, tickers: Iterable[str], since: dt.datetime) -> set[str]:
        """Those of `tickers` the provider said it did not know at or after `since`."""
        cutoff = since.astimezone(dt.UTC).isoformat()
        table: dict[str, str] = self.memoised_table("unknown_symbols", self._unknown_rows)
        recent = {t for t, at in table.items() if at >= cutoff}
        return recent.intersection(tickers) if recent else set()

    def _unknown_rows(self, tickers: list[str] | None) -> dict[str, str]:
        """ticker -> checked_at of these unknown symbols (None: all)."""
        out: dict[str, str] = {}
        for where, params in ticker_selections(tickers):
            out.update(
                self.db.execute(f"SELECT ticker, checked_at FROM unknown_symbols {where}", params)
            )
        return out

    def touch_recent(self, tickers: Iterable[str], used_at: dt.datetime) -> None:
        """Record that commands asked for these tickers at `used_at` (keeps the latest time)."""
        when = used_at.astimezone(dt.UTC).isoformat()
        rows = [(t, when) for t in tickers]
        if not rows:
            return
        with self.bookkeeping() as conn:
            conn.executemany(
                "INSERT INTO recent_requests (ticker, last_used) VALUES (?, ?)"
                " ON CONFLICT(ticker) DO UPDATE SET"
                " last_used = MAX(last_used, excluded.last_used)",
                rows,
            )

    def recent_tickers(self, since: dt.datetime) -> list[str]:
        """Tickers commands asked for at or after `since`, alphabetically."""
        rows = self.db.execute(
            "SELECT ticker FROM recent_requests WHERE last_used >= ? ORDER BY ticker",
            [since.astimezone(dt.UTC).isoformat()],
        ).fetchall()
        return [r[0] for r in rows]
