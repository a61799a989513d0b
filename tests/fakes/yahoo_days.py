"""A fake Yahoo whose history moves on a session at a time, re-based the way Yahoo re-bases.

`FakeYahoo.add_symbol` serves one fixed body. Nights of a refresh need more: on each new
session the newest bar appears, and when a split or dividend goes ex Yahoo's whole history
changes (closes divided by the split ratio, adjusted closes multiplied by 1 - D / close(d-1)).
`Listing` holds what actually traded (raw prices, cash dividends, splits); `yahoo_view` is
what Yahoo shows of it on a given day; `DailyYahoo.advance(day)` serves that view.

    listings = {"AAA": make_listing(1, start, end, dividends=True)}
    days = DailyYahoo(fake, listings)
    days.advance(first_day)   # the fake now answers as Yahoo did after that session's close
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS
from tests.fakes.yahoo import FakeYahoo


@dataclass
class Listing:
    """What traded: raw (unadjusted) open/high/low/close/volume by session, cash dividends
    per share on their ex-dates (on that day's raw basis), splits as new shares per old share."""

    raw: pd.DataFrame
    dividends: dict[dt.date, float] = field(default_factory=dict)
    splits: dict[dt.date, float] = field(default_factory=dict)


def make_listing(
    seed: int,
    start: dt.date,
    end: dt.date,
    *,
    price: float = 40.0,
    dividends: bool = False,
    splits: dict[dt.date, float] | None = None,
    dividend_yield: float = 0.03,
) -> Listing:
    """A random walk on NYSE sessions (log-returns ~ N(0.0003, 0.018)); with `dividends`, a
    quarterly dividend (dividend_yield / 4 of the previous close) every 63 sessions from a
    seed-dependent start; `splits` are applied to the raw prices from their dates on."""
    sessions = calendar.sessions_between(start, end)
    n = len(sessions)
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.normal(0.0003, 0.018, n)))
    open_ = close * np.exp(rng.normal(0.0, 0.006, n))
    wick = np.abs(rng.normal(0.0, 0.007, (2, n)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    volume = np.round(2e5 * np.exp(rng.normal(0.0, 0.4, n)))
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume},
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    for day, ratio in sorted((splits or {}).items()):
        after = frame.index >= pd.Timestamp(day)
        frame.loc[after, ["open", "high", "low", "close"]] /= ratio
        frame.loc[after, "volume"] *= ratio
    frame[["open", "high", "low", "close"]] = frame[["open", "high", "low", "close"]].round(2)
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    paid: dict[dt.date, float] = {}
    if dividends:
        for i in range(5 + seed % 50, n, 63):
            paid[sessions[i].date()] = round(
                float(frame["close"].iloc[i - 1]) * dividend_yield / 4, 4
            )
    return Listing(frame, paid, dict(splits or {}))


def yahoo_view(
    listing: Listing, through: dt.date
) -> tuple[pd.DataFrame, dict[dt.date, float], dict[dt.date, tuple[int, int]]]:
    """Yahoo's history as shown after `through`'s close: BAR_COLUMNS with prices divided by
    every later split (volume multiplied), adj_close = close x the product of 1 - D / close(e-1)
    over later ex-dates e (both on the current basis), and the events on the current basis."""
    raw = listing.raw.loc[: pd.Timestamp(through)]
    dates = raw.index
    later_splits = np.ones(len(dates))
    for day, ratio in listing.splits.items():
        if day <= through:
            later_splits[dates < pd.Timestamp(day)] *= ratio
    bars = raw.copy()
    for column in ("open", "high", "low", "close"):
        bars[column] = raw[column] / later_splits
    bars["volume"] = raw["volume"] * later_splits
    factor = np.ones(len(dates))
    dividends: dict[dt.date, float] = {}
    for day, amount in sorted(listing.dividends.items()):
        position = dates.searchsorted(pd.Timestamp(day))
        if day > through or position == 0 or position >= len(dates):
            continue
        adjusted = amount / later_splits[position]
        dividends[day] = adjusted
        factor[:position] *= 1 - adjusted / float(bars["close"].iloc[position - 1])
    bars["adj_close"] = bars["close"] * factor
    splits = {}
    for day, ratio in listing.splits.items():
        if day <= through:
            fraction = Fraction(ratio).limit_denominator(1000)
            splits[day] = (fraction.numerator, fraction.denominator)
    return bars[list(BAR_COLUMNS)], dividends, splits


class DailyYahoo:
    """Serves `listings` on `fake` as Yahoo shows them after a given session's close."""

    def __init__(self, fake: FakeYahoo, listings: dict[str, Listing]) -> None:
        self.fake = fake
        self.listings = listings
        self.day: dt.date | None = None

    def advance(self, day: dt.date) -> None:
        """Serve every listing through `day` (re-based for the events up to it)."""
        for symbol, listing in self.listings.items():
            bars, dividends, splits = yahoo_view(listing, day)
            self.fake.add_symbol(
                symbol, bars, instrument_type="EQUITY", dividends=dividends, splits=splits
            )
        self.day = day

    def view(self, symbol: str, day: dt.date | None = None) -> pd.DataFrame:
        """What Yahoo shows of `symbol` after `day` (default: the day served)."""
        through = day or self.day
        assert through is not None, "advance() first"
        return yahoo_view(self.listings[symbol], through)[0]
