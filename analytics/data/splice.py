"""The import policy: how a new source's rows for a ticker join the rows already cached.

Pure: cached rows and new rows in, a plan out (the rows to write, NaN meaning "keep the cached
value"), with the decision in words for the import summary. Nothing here touches the database.

What the columns are. `close`/`open`/`high`/`low`/`volume` are prices as a source printed them
(split-adjusted where the source is). `adj_close` is the series every return is computed from,
on the basis of the newest row (Yahoo's convention: history is re-based, the latest price is
real). A file with an Adj Close column says both; a file without one (close only, Alpha
Vantage, Polygon, yfinance auto-adjusted) gives one price whose basis the file cannot tell:
raw for Alpha Vantage and Polygon, dividend-adjusted for yfinance auto_adjust. Its price stands
for both columns; the rules below keep it from overwriting what a richer source said.

The rules, per ticker:
1. On the sessions both have, the cached row is kept. Fields it lacks (NaN) are filled from the
   new row (open/high/low scaled by that row's close ratio, so the bar stays consistent). When
   the new file has a raw Close next to its Adj Close and the cached closes of a source match
   that Adj Close rather than the Close (they were dividend-adjusted), the new raw
   open/high/low/close/volume replace them: a raw close is never replaced by an adjusted one,
   and an adjusted one gives way to a raw one.
2. The ratio new adj_close / cached adj_close on the shared sessions says how the bases relate:
   within SAME_BASIS of 1 ("same basis"), constant within CONSTANT_RATIO ("constant ratio": an
   adjustment date or a split apart), or drifting ("another dividend basis").
3. New sessions are spliced at each hand-over: every daily return is the return of the source
   whose row was kept for that session (of the other source when the kept one lacks the session
   before it). Whichever side holds the newest row keeps its values; the other is scaled, so a
   newer file re-bases older cached adj_close the way a dividend does on Yahoo.
4. Raw prices are re-based only for a split: when close/close on the shared sessions is
   constant (within SPLIT_SPREAD) and near a common split ratio, the older side is put on the
   newer side's share basis (prices times the ratio, volume divided by it).
5. Refused: when on some shared session the two sources' daily returns differ by more than
   REFUSE_GAP (an unadjusted split, a spin-off one side adjusts for, another instrument), the
   ticker is left as cached and the decision names the date and both values.
6. `replace=True` (--replace) takes the file wholesale: the ticker's cached rows and coverage
   are dropped and the file's rows stored as printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.data.provider import BAR_COLUMNS
from analytics.data.validate import split_ratio_of

SAME_BASIS = 5e-4
"""|new/cached - 1| on every shared session within this: the same prices (rounding aside)."""

CONSTANT_RATIO = 5e-4
"""max/min - 1 of the ratio within this: one factor apart (one quarterly dividend is ~3e-3)."""

SPLIT_SPREAD = 0.02
"""close/close may drift this much (dividends in an adjusted source) and still be a split."""

REFUSE_GAP = 0.10
"""Daily returns of the two sources on one shared session further apart than this refuse the
ticker. The real files differ by at most 6.4 points (TDG's special dividend) between sources
that agree; spin-offs one side adjusts for differ by 20 or more (FTV, BDX, FDX)."""

_SNAP = 1e-6  # hand-over factors this close to 1 are rounding: keep the printed values
_PRICES = ("open", "high", "low", "close")


@dataclass(frozen=True)
class Decision:
    """What the policy did with one ticker of one file.

    kind: "new" (nothing cached), "same" (same basis), "rebased" (constant ratio), "spliced"
    (drifting ratio), "unchecked" (no shared session: stored as printed), "refused",
    "replaced" (--replace). `text` is the one-line account for the summary.
    """

    kind: str
    text: str
    shared: int = 0
    added: int = 0
    changed: int = 0
    ratio_low: float | None = None
    ratio_high: float | None = None
    refused_on: dt.date | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "text": self.text,
            "shared": self.shared,
            "added": self.added,
            "changed": self.changed,
            "ratio_low": self.ratio_low,
            "ratio_high": self.ratio_high,
            "refused_on": self.refused_on,
        }


@dataclass(frozen=True)
class SplicePlan:
    """The rows to write for one ticker and why.

    `rows`: indexed by date, BAR_COLUMNS (NaN = keep the cached value) and `source` (None =
    keep the cached row's source). `replace`: drop the ticker's cached rows and coverage first.
    """

    ticker: str
    rows: pd.DataFrame
    decision: Decision
    replace: bool = False

    @property
    def refused(self) -> bool:
        return self.decision.kind == "refused"


def plan_import(
    ticker: str,
    cached: pd.DataFrame,
    new: pd.DataFrame,
    source: str,
    *,
    has_adj_close: bool,
    replace: bool = False,
) -> SplicePlan:
    """Apply the import policy (module docstring) to one ticker.

    `cached`: the ticker's cached rows indexed by date (BAR_COLUMNS and `source`; empty if
    none). `new`: the file's cleaned rows (BAR_COLUMNS, adj_close = close when the file has no
    Adj Close column, which `has_adj_close` says). `source` labels the rows the file adds.
    """
    new = new[list(BAR_COLUMNS)].astype("float64")
    if replace:
        text = f"--replace: took the file's {len(new):,} sessions"
        if not cached.empty:
            text += f", dropped the {len(cached):,} cached rows ({_sources(cached)})"
        return SplicePlan(
            ticker, new.assign(source=source), Decision("replaced", text, added=len(new)), True
        )
    if cached.empty:
        return SplicePlan(
            ticker,
            new.assign(source=source),
            Decision("new", f"new: {len(new):,} sessions", added=len(new)),
        )
    return _Splice(ticker, cached, new, source, has_adj_close).plan()


class _Splice:
    """One ticker's merge of cached and new rows over the union of their dates.

    Works on numpy arrays aligned on the union (NaN where a side has no row): a universe file
    runs this for 500 tickers, and pandas' per-call overhead would dominate.
    """

    def __init__(
        self, ticker: str, cached: pd.DataFrame, new: pd.DataFrame, source: str, has_adj: bool
    ) -> None:
        self.ticker = ticker
        self.source = source
        self.has_adj = has_adj
        self.dates = cached.index.union(new.index)
        self.cached_frame = cached
        self.c = _aligned(cached, self.dates)
        self.n = _aligned(new, self.dates)
        self.c_source = np.full(len(self.dates), None, dtype=object)
        self.c_source[self.dates.get_indexer(cached.index)] = cached["source"].to_numpy()
        self.in_c = self.dates.isin(cached.index)
        self.in_n = self.dates.isin(new.index)
        self.shared = self.in_c & self.in_n
        self.notes: list[str] = []

    # -- the plan ---------------------------------------------------------------------------
    def plan(self) -> SplicePlan:
        if not self.shared.any():
            return self._unchecked()
        refusal = self._refusal()
        if refusal is not None:
            empty = pd.DataFrame(columns=[*BAR_COLUMNS, "source"], index=self.dates[:0])
            return SplicePlan(self.ticker, empty, refusal)
        raw_c, raw_n = self._split_factors()
        final = self._raw_prices(raw_c, raw_n)
        final["adj_close"] = self._spliced_adj()
        rows, changed = self._changes(final)
        kind, basis = self._basis()
        low, high = self._ratio_range()
        added = int((~self.in_c).sum())
        parts = [basis]
        if added:
            first, last = self.dates[~self.in_c][[0, -1]]
            parts.append(f"added {added:,} sessions {_day(first)}…{_day(last)}")
        parts += self.notes
        if not added and not changed:
            parts.append("nothing new")
        decision = Decision(
            kind,
            "; ".join(parts),
            shared=int(self.shared.sum()),
            added=added,
            changed=changed,
            ratio_low=low,
            ratio_high=high,
        )
        return SplicePlan(self.ticker, rows, decision)

    def _unchecked(self) -> SplicePlan:
        cached_span = f"{_day(self.cached_frame.index[0])}…{_day(self.cached_frame.index[-1])}"
        new = pd.DataFrame(
            {c: self.n[c][self.in_n] for c in BAR_COLUMNS}, index=self.dates[self.in_n]
        )
        text = (
            f"no session in common with the cached rows ({cached_span}): stored "
            f"{len(new):,} sessions as printed; the hand-over between them cannot be checked"
        )
        decision = Decision("unchecked", text, added=len(new))
        return SplicePlan(self.ticker, new.assign(source=self.source), decision)

    # -- rule 5: refuse ---------------------------------------------------------------------
    def _refusal(self) -> Decision | None:
        c_adj, n_adj = self.c["adj_close"], self.n["adj_close"]
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.abs(n_adj[1:] / n_adj[:-1] - c_adj[1:] / c_adj[:-1])
        bad = np.flatnonzero(gap > REFUSE_GAP)
        if not len(bad):
            return None
        i = int(bad[0]) + 1
        day, before = self.dates[i], self.dates[i - 1]
        n0, n1 = float(n_adj[i - 1]), float(n_adj[i])
        c0, c1 = float(c_adj[i - 1]), float(c_adj[i])
        column = "adj close" if self.has_adj else "close"
        split = split_ratio_of(n1 / n0) or split_ratio_of(c1 / c0)
        why = (
            f"a {split} split one side has not adjusted for?"
            if split
            else "a split, spin-off or special dividend one side adjusts for, or another instrument?"
        )
        text = (
            f"refused: {_day(before)} -> {_day(day)} the file's {column} moves {n1 / n0 - 1:+.1%} "
            f"({n0:,.2f} -> {n1:,.2f}) but the cached rows ({self.c_source[i]}) move "
            f"{c1 / c0 - 1:+.1%} ({c0:,.2f} -> {c1:,.2f}): {why} Kept the cache as it was; "
            "--replace takes the file"
        )
        return Decision("refused", text, shared=int(self.shared.sum()), refused_on=day.date())

    # -- rule 2: what the ratio says ----------------------------------------------------------
    def _ratios(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.n["adj_close"][self.shared] / self.c["adj_close"][self.shared]
        return ratio[~np.isnan(ratio)]

    def _ratio_range(self) -> tuple[float | None, float | None]:
        ratio = self._ratios()
        if not len(ratio):
            return None, None
        return float(ratio.min()), float(ratio.max())

    def _basis(self) -> tuple[str, str]:
        ratio = self._ratios()
        shared = f"{int(self.shared.sum()):,} shared sessions"
        if not len(ratio):
            return "same", f"{shared} (no cached adj close to compare)"
        low, high = float(ratio.min()), float(ratio.max())
        if max(abs(low - 1), abs(high - 1)) <= SAME_BASIS:
            return "same", f"same prices as the cached rows on {shared}"
        if high / low - 1 <= CONSTANT_RATIO:
            return (
                "rebased",
                f"constant ratio {float(np.median(ratio)):.4f} to the cached rows on {shared} "
                "(another adjustment date or a split): put on one basis",
            )
        return (
            "spliced",
            f"ratio to the cached rows drifts {low:.4f}…{high:.4f} over {shared} (another "
            "dividend basis): kept the cached rows there, spliced at the hand-over",
        )

    # -- rule 4: a split between the two sides' raw prices -------------------------------------
    def _split_factors(self) -> tuple[float, float]:
        """(factor for cached raw prices, factor for new raw prices); (1, 1) without a split."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.n["close"][self.shared] / self.c["close"][self.shared]
        ratio = ratio[~np.isnan(ratio)]
        if not len(ratio) or float(ratio.max()) / float(ratio.min()) - 1 > SPLIT_SPREAD:
            return 1.0, 1.0
        name = split_ratio_of(float(np.median(ratio)), SPLIT_SPREAD)
        if name is None:
            return 1.0, 1.0
        new_shares, old_shares = (int(x) for x in name.split(":"))
        factor = old_shares / new_shares  # new close = cached close x factor
        if self.dates[self.in_n][-1] > self.dates[self.in_c][-1]:
            self.notes.append(f"a {name} split apart: re-based the cached prices onto the file's")
            return factor, 1.0
        self.notes.append(f"a {name} split apart: re-based the file's prices onto the cached")
        return 1.0, 1.0 / factor

    # -- rule 1: raw prices on the shared sessions ----------------------------------------------
    def _raw_prices(self, raw_c: float, raw_n: float) -> dict[str, np.ndarray]:
        c, n, in_c = self.c, self.n, self.in_c
        final = {col: np.where(in_c, c[col] * raw_c, n[col] * raw_n) for col in _PRICES}
        final["volume"] = np.where(in_c, c["volume"] / raw_c, n["volume"] / raw_n)
        upgrade = self._adjusted_cached_closes(raw_c, raw_n)
        if upgrade.any():
            for col in _PRICES:
                final[col][upgrade] = n[col][upgrade] * raw_n
            final["volume"][upgrade] = n["volume"][upgrade] / raw_n
        # Fields a cached row lacks come from the new row, shaped to the cached close.
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = final["close"] / n["close"]
        open_rows = self.shared & ~upgrade
        filled = np.zeros(len(self.dates), dtype=bool)
        for col in ("open", "high", "low"):
            hole = open_rows & np.isnan(c[col]) & ~np.isnan(n[col])
            final[col][hole] = (n[col] * scale)[hole]
            filled |= hole
        hole = open_rows & np.isnan(c["volume"]) & ~np.isnan(n["volume"])
        final["volume"][hole] = n["volume"][hole] / raw_n
        filled |= hole
        if filled.any():
            self.notes.append(
                f"filled the missing open/high/low/volume of {int(filled.sum()):,} cached rows"
            )
        return final

    def _adjusted_cached_closes(self, raw_c: float, raw_n: float) -> np.ndarray:
        """Shared rows whose cached close is dividend-adjusted while this file's is raw.

        Decided per cached source: its closes sit nearer this file's Adj Close than its Close.
        """
        upgrade = np.zeros(len(self.dates), dtype=bool)
        if not self.has_adj:
            return upgrade
        cached_close = self.c["close"] * raw_c
        with np.errstate(invalid="ignore", divide="ignore"):
            off_raw = np.abs(np.log(cached_close / (self.n["close"] * raw_n)))
            off_adj = np.abs(np.log(cached_close / (self.n["adj_close"] * raw_n)))
        names = self.c_source[self.shared]
        for name in dict.fromkeys(names):
            rows = self.shared & (self.c_source == name)
            raw_gap = float(np.nanmedian(off_raw[rows]))
            adj_gap = float(np.nanmedian(off_adj[rows]))
            if raw_gap > 1e-3 and adj_gap < raw_gap / 2:
                upgrade |= rows
                self.notes.append(
                    f"the cached closes of {name} on {int(rows.sum()):,} sessions are "
                    "dividend-adjusted: replaced by this file's raw open/high/low/close/volume"
                )
        return upgrade

    # -- rule 3: adj_close spliced at each hand-over ----------------------------------------------
    def _spliced_adj(self) -> np.ndarray:
        """The returns series over the union of dates, on the newest row's basis."""
        c_adj, n_adj = self.c["adj_close"], self.n["adj_close"]
        keep_c = ~np.isnan(c_adj)
        value = np.where(keep_c, c_adj, n_adj)
        known = ~np.isnan(value)
        out = np.full(len(value), np.nan)
        if not known.any():
            return out
        # Work on the dates with a price; a date neither side prices is left alone.
        idx = np.flatnonzero(known)
        v, kc, ca, na = value[idx], keep_c[idx], c_adj[idx], n_adj[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            ret_c = ca[1:] / ca[:-1]
            ret_n = na[1:] / na[:-1]
            own = np.where(kc[1:], ret_c, ret_n)
            other = np.where(kc[1:], ret_n, ret_c)
            ret = np.where(np.isnan(own), other, own)
            step = v[1:] / (v[:-1] * ret)
        # Within one side's run the step is exactly 1; across a hand-over without a source
        # holding both sessions there is nothing to go by, and the printed values stand.
        same_side = kc[1:] == kc[:-1]
        step = np.where(same_side | np.isnan(step) | (np.abs(step - 1) < _SNAP), 1.0, step)
        handovers = np.flatnonzero(step != 1.0)
        # factor[j] = product of the steps after j: the newest row keeps its value.
        factor = np.ones(len(v))
        factor[:-1] = np.cumprod(step[::-1])[::-1]
        out[idx] = v * factor
        if len(handovers):
            days = ", ".join(_day(self.dates[idx[k + 1]]) for k in handovers[:3])
            more = f" and {len(handovers) - 3} more" if len(handovers) > 3 else ""
            self.notes.append(f"hand-over at {days}{more}")
        rescaled = kc & (np.abs(factor - 1) > 1e-12)
        if rescaled.any():
            self.notes.append(
                f"re-based {int(rescaled.sum()):,} cached adj closes onto the newer rows' basis"
            )
        return out

    # -- what to write -------------------------------------------------------------------------
    def _changes(self, final: dict[str, np.ndarray]) -> tuple[pd.DataFrame, int]:
        """Rows to write (NaN = keep) and how many cached rows change."""
        after = np.column_stack([final[c] for c in BAR_COLUMNS])
        before = np.column_stack([self.c[c] for c in BAR_COLUMNS])
        same = np.isclose(after, before, rtol=1e-12, atol=0.0) | (
            np.isnan(after) & np.isnan(before)
        )
        keep = same & self.in_c[:, None]
        touched = ~keep.all(axis=1)
        values = np.where(keep, np.nan, after)[touched]
        rows = pd.DataFrame(values, index=self.dates[touched], columns=list(BAR_COLUMNS))
        rows["source"] = np.where(self.in_c[touched], None, self.source)
        return rows, int((touched & self.in_c).sum())


def _aligned(frame: pd.DataFrame, dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """BAR_COLUMNS of `frame` as float arrays over `dates` (NaN where it has no row)."""
    where = dates.get_indexer(frame.index)
    out = {}
    for column in BAR_COLUMNS:
        values = np.full(len(dates), np.nan)
        values[where] = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        out[column] = values
    return out


def _day(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).date().isoformat()


def _sources(cached: pd.DataFrame) -> str:
    names = cached["source"].dropna().unique().tolist() if "source" in cached else []
    return ", ".join(str(n) for n in names[:3]) + (" ..." if len(names) > 3 else "") or "no source"
