"""`Panel`: bars of many tickers as aligned matrices (dates x tickers), what the price store's
arrays (analytics.data.arrays) are read into.

A universe answer wants the wide matrix of one column; building it from the arrays is a copy per
ticker-year, where the long frame (one row per bar) costs a Python object per bar and a pivot.
The long frame is still there for the code that reads one (`long()`, the same frame, row order
and dtypes as `PriceCache.read_bars_rows`), built on demand.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.data.arrays import EPOCH, Segment, day_number
from analytics.data.provider import BAR_COLUMNS

_EPOCH64 = np.datetime64(EPOCH, "D")


@dataclass(frozen=True, eq=False)
class Panel:
    """Bars as matrices: row i is `dates[i]`, column j is `tickers[j]`.

    dates:    every date on which at least one of the tickers has a bar (ascending).
    tickers:  those of the requested tickers with at least one bar, in the requested order.
    columns:  the columns read, in the order asked (bar columns and/or "source").
    values:   column -> float64 matrix, NaN where there is no bar or the field is NULL
              (column-major: what a DataFrame holds, so a frame is a plain copy).
    present:  True where a bar exists (a bar may exist with NaN fields).
    codes, labels: the source of each bar as an index into `labels` (-1: none or no bar);
              None when "source" was not read.
    """

    dates: np.ndarray  # datetime64[D]
    tickers: tuple[str, ...]
    columns: tuple[str, ...]
    values: dict[str, np.ndarray] = field(repr=False)
    present: np.ndarray = field(repr=False)
    codes: np.ndarray | None = field(default=None, repr=False)
    labels: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.tickers

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        """ticker -> column (kept on the instance: a patch looks names up in 2,000)."""
        return {t: j for j, t in enumerate(self.tickers)}

    @property
    def nbytes(self) -> int:
        """Memory held by the matrices."""
        total = self.present.nbytes + sum(v.nbytes for v in self.values.values())
        return total + (0 if self.codes is None else self.codes.nbytes)

    @property
    def last_date(self) -> dt.date | None:
        return None if not len(self.dates) else _to_date(self.dates[-1])

    @functools.cached_property
    def _dates_us(self) -> np.ndarray:
        dates = self.dates.astype("datetime64[us]")
        dates.flags.writeable = False
        return dates

    @functools.cached_property
    def _tickers_array(self) -> np.ndarray:
        tickers = np.array(self.tickers, dtype=object)
        tickers.flags.writeable = False
        return tickers

    def index(self) -> pd.DatetimeIndex:
        # A new Index over the panel's array each time (an Index's name can be set in place).
        return pd.DatetimeIndex(self._dates_us, name="date", copy=False)

    def wide(self, column: str) -> pd.DataFrame:
        """Index dates, one column per ticker (the requested order): the pivot of the long frame."""
        if self.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        # A copy: panels are shared through the cache's memo, and callers may edit their frame.
        return pd.DataFrame(
            self.values[column],
            index=self.index(),
            columns=pd.Index(self._tickers_array, dtype=object, copy=False),
            copy=True,
        )

    def sources(self) -> tuple[str, ...]:
        """The distinct sources of the bars, sorted (empty when "source" was not read)."""
        if self.codes is None:
            return ()
        used = np.unique(self.codes[self.present])
        return tuple(sorted({self.labels[c] for c in used if c >= 0}))

    def long(self) -> pd.DataFrame:
        """The long frame (ticker, date, columns), ordered by ticker then date."""
        from analytics.data.cache import typed_bars

        names = ["ticker", "date", *self.columns]
        if self.empty:
            return typed_bars(pd.DataFrame(columns=names))
        order = np.array(sorted(range(len(self.tickers)), key=self.tickers.__getitem__))
        picked_t, picked_d = np.nonzero(self.present[:, order].T)
        cols = order[picked_t]
        data: dict[str, object] = {
            "ticker": np.array(self.tickers, dtype=object)[cols],
            "date": self.dates[picked_d].astype("datetime64[us]"),
        }
        for column in self.columns:
            data[column] = (
                self._source_objects(picked_d, cols)
                if column == "source"
                else self.values[column][picked_d, cols]
            )
        return typed_bars(pd.DataFrame(data, columns=names))

    def series(self, ticker: str) -> pd.DataFrame:
        """One ticker's bars indexed by date (the columns read)."""
        from analytics.data.cache import typed_bars

        j = self._positions.get(ticker)
        if j is None:
            names = ["ticker", "date", *self.columns]
            frame = typed_bars(pd.DataFrame(columns=names))
            return frame.drop(columns=["ticker"]).set_index("date")
        rows = np.flatnonzero(self.present[:, j])
        cols = np.full(len(rows), j)
        data = {
            column: self._source_objects(rows, cols)
            if column == "source"
            else self.values[column][rows, j]
            for column in self.columns
        }
        # Typed as the long frame is (datetime64[us] dates, float64 columns), built directly.
        index = pd.DatetimeIndex(self.dates[rows].astype("datetime64[us]"), name="date")
        return pd.DataFrame(data, index=index, columns=list(self.columns))

    def _source_objects(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        assert self.codes is not None
        labels = np.array([*self.labels, None], dtype=object)  # code -1 -> None
        return labels[self.codes[rows, cols]]

    def window(self, start: dt.date, end: dt.date) -> Panel:
        """The bars from `start` to `end`: what reading that range gives (the dates in it; the
        tickers with a bar in it, in the same order). Views of this panel's matrices when the
        tickers stay (the memo keeps a panel to the end of the data and serves windows of it)."""
        if self.empty:
            return self
        a = int(np.searchsorted(self.dates, np.datetime64(start, "D"), "left"))
        b = int(np.searchsorted(self.dates, np.datetime64(end, "D"), "right"))
        if (a, b) == (0, len(self.dates)):
            return self
        if a >= b:
            return Panel.empty_of(self.columns)
        part = Panel(
            self.dates[a:b],
            self.tickers,
            self.columns,
            {c: v[a:b] for c, v in self.values.items()},
            self.present[a:b],
            None if self.codes is None else self.codes[a:b],
            self.labels,
        )
        if "_positions" in self.__dict__:  # shared when made already, not made for it
            part.__dict__["_positions"] = self._positions
        return part._trimmed()  # a ticker with no bar in the window is left out

    def _trimmed(self) -> Panel:
        """Without the dates and the tickers that have no bar: what a read gives. This panel
        itself when there are none (its matrices and positions shared)."""
        rows, cols = self.present.any(axis=1), self.present.any(axis=0)
        if rows.all() and cols.all():
            return self
        block = np.ix_(rows, cols)

        def take(matrix: np.ndarray) -> np.ndarray:
            return np.asfortranarray(matrix[block])

        return Panel(
            self.dates[rows],
            tuple(t for t, k in zip(self.tickers, cols, strict=True) if k),
            self.columns,
            {c: take(v) for c, v in self.values.items()},
            take(self.present),
            None if self.codes is None else take(self.codes),
            self.labels,
        )

    def replaced(self, requested: Sequence[str], changed: frozenset[str], fresh: Panel) -> Panel:
        """This panel (read for `requested`) with the tickers in `changed` taken from `fresh`
        (their bars read again, same range and columns): what reading `requested` again gives,
        at the cost of the changed names. A new value; this one is shared and left as it is."""
        assert fresh.columns == self.columns
        position = self._positions
        new = {t: k for k, t in enumerate(fresh.tickers)}
        if all((t in position) == (t in new) for t in changed):
            tickers = self.tickers  # the same names have bars before and after
        else:
            tickers = tuple(
                t for t in requested if t in new or (t in position and t not in changed)
            )
        dates = self.dates if not len(fresh.dates) else np.union1d(self.dates, fresh.dates)
        same_rows = len(dates) == len(self.dates)
        new_rows = np.searchsorted(dates, fresh.dates)
        shape = (len(dates), len(tickers))
        if same_rows and tickers == self.tickers:  # the usual patch: same names, same dates
            cleared = np.array([position[t] for t in changed if t in position], dtype=np.intp)
            refilled = np.array([position[t] for t in fresh.tickers], dtype=np.intp)

            def merged(mine: np.ndarray, theirs: np.ndarray, blank: object) -> np.ndarray:
                out = mine.copy(order="F")
                out[:, cleared] = blank
                out[np.ix_(new_rows, refilled)] = theirs
                return out

        else:
            old_rows = slice(None) if same_rows else np.searchsorted(dates, self.dates)
            from_old = [(i, position[t]) for i, t in enumerate(tickers) if t not in new]
            from_new = [(i, new[t]) for i, t in enumerate(tickers) if t in new]
            old_to, old_from = (np.array(x, dtype=np.intp) for x in _unzip(from_old))
            new_to, new_from = (np.array(x, dtype=np.intp) for x in _unzip(from_new))

            def merged(mine: np.ndarray, theirs: np.ndarray, blank: object) -> np.ndarray:
                out = np.full(shape, blank, dtype=mine.dtype, order="F")
                if same_rows:
                    out[:, old_to] = mine[:, old_from]
                else:
                    out[np.ix_(old_rows, old_to)] = mine[:, old_from]
                out[np.ix_(new_rows, new_to)] = theirs[:, new_from]
                return out

        present = merged(self.present, fresh.present, False)
        values = {c: merged(v, fresh.values[c], np.nan) for c, v in self.values.items()}
        codes, labels = None, self.labels
        if self.codes is not None:
            assert fresh.codes is not None
            index = {label: i for i, label in enumerate(self.labels)}
            mapping = np.array(
                [index.setdefault(label, len(index)) for label in fresh.labels] + [-1],
                dtype="int16",
            )
            codes = merged(self.codes, mapping[fresh.codes], -1)
            labels = tuple(index)
        patched = Panel(dates, tickers, self.columns, values, present, codes, labels)
        if tickers is self.tickers:
            patched.__dict__["_positions"] = position  # the same columns
        return patched._trimmed()  # a date only the changed names had, and have no longer

    @classmethod
    def from_segments(
        cls,
        tickers: Sequence[str],
        segments: Sequence[Segment],
        columns: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> Panel:
        """Align ticker-year segments on the union of their dates, keeping those from `start`
        to `end`. Segments sharing a date vector (the usual case: a universe trades on the same
        sessions) are placed together, and the range is cut once, on the union."""
        columns = tuple(columns)
        numeric = [c for c in columns if c != "source"]
        with_source = "source" in columns
        position = {t: j for j, t in enumerate(tickers)}
        groups: dict[bytes, list[Segment]] = {}
        for segment in segments:
            groups.setdefault(segment.days.tobytes(), []).append(segment)
        if not groups:
            return cls.empty_of(columns)
        union = np.unique(np.concatenate([g[0].days for g in groups.values()]))
        lo = 0 if start is None else int(np.searchsorted(union, day_number(start), "left"))
        hi = len(union) if end is None else int(np.searchsorted(union, day_number(end), "right"))
        if lo >= hi:
            return cls.empty_of(columns)
        union = union[lo:hi]  # cut once, then each group to it: a ytd read keeps a day of last year
        # Column-major (each ticker's dates contiguous), built through the transposes: a
        # ticker's segment is one contiguous write, and a frame of a column is a plain copy.
        shape = (len(union), len(tickers))
        present = np.zeros(shape, dtype=bool, order="F")
        values = {c: np.full(shape, np.nan, order="F") for c in numeric}
        codes = np.full(shape, -1, dtype="int16", order="F") if with_source else None
        labels: dict[str, int] = {}
        for group in groups.values():
            days = group[0].days
            a = int(np.searchsorted(days, union[0], "left"))
            b = int(np.searchsorted(days, union[-1], "right"))
            if a >= b:
                continue
            rows = np.searchsorted(union, days[a:b])
            cols = np.array([position[s.ticker] for s in group])
            if rows[-1] - rows[0] + 1 == len(rows):  # contiguous: a slice, not a fancy index
                rows = slice(int(rows[0]), int(rows[-1]) + 1)
                block = (cols, rows)
            else:
                block = np.ix_(cols, rows)
            present.T[block] = True
            for c in numeric:
                values[c].T[block] = np.stack([s.values[c][a:b] for s in group])
            if codes is not None:
                for segment, j in zip(group, cols, strict=True):
                    codes[rows, j] = _global_codes(segment, labels)[a:b]
        return cls(
            dates=_EPOCH64 + union.astype("int64"),
            tickers=tuple(tickers),
            columns=columns,
            values=values,
            present=present,
            codes=codes,
            labels=tuple(labels),
        )._trimmed()  # the tickers without a bar in the range are left out

    @classmethod
    def from_long(cls, frame: pd.DataFrame, tickers: Sequence[str]) -> Panel:
        """The panel of a long frame (ticker, date, columns): for provisional rows merged in."""
        columns = [c for c in frame.columns if c not in ("ticker", "date")]
        segments = []
        for ticker, rows in frame.groupby("ticker", sort=False):
            rows = rows.sort_values("date")
            days = rows["date"].to_numpy().astype("datetime64[D]").astype("int64").astype("int32")
            values = {c: rows[c].to_numpy(dtype="float64") for c in columns if c in BAR_COLUMNS}
            codes, labels = None, ()
            if "source" in columns:
                sources = [None if s is None or s != s else str(s) for s in rows["source"]]
                labels = tuple(dict.fromkeys(s for s in sources if s is not None))
                index = {label: i for i, label in enumerate(labels)}
                codes = np.array([-1 if s is None else index[s] for s in sources], dtype="int16")
            segments.append(Segment(str(ticker), days, values, codes, labels))
        return cls.from_segments(list(tickers), segments, columns)

    @classmethod
    def empty_of(cls, columns: Sequence[str]) -> Panel:
        columns = tuple(columns)
        return cls(
            dates=np.array([], dtype="datetime64[D]"),
            tickers=(),
            columns=columns,
            values={c: np.empty((0, 0)) for c in columns if c != "source"},
            present=np.zeros((0, 0), dtype=bool),
            codes=np.empty((0, 0), dtype="int16") if "source" in columns else None,
        )


def _global_codes(segment: Segment, labels: dict[str, int]) -> np.ndarray:
    """The segment's source codes renumbered into the panel's label list (grown as needed)."""
    assert segment.codes is not None
    mapping = np.array(
        [labels.setdefault(label, len(labels)) for label in segment.labels] + [-1],
        dtype="int16",
    )
    return mapping[segment.codes]  # code -1 picks the trailing -1


def _unzip(pairs: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    return ([a for a, _ in pairs], [b for _, b in pairs])


def _to_date(day: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(day.astype("datetime64[D]")))
