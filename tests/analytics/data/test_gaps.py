"""The plan's gaps worked out per coverage span (`indexed_missing_ranges`) against a plain
walk ticker by ticker, the way the plan was computed before spans were shared."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from analytics.data.cache import Coverage
from analytics.data.gaps import coverage_index, gaps_for, indexed_missing_ranges

NOW = pd.Timestamp("2024-07-03 11:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
CLOSE = pd.Timestamp("2024-07-02 16:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


def walk(coverage, tickers, start, end, now, holes):
    """One ticker at a time: its back and forward gaps, then its holes that meet the request."""
    groups = {}
    wanted_from = start or dt.date(1900, 1, 1)
    for ticker in tickers:
        ranges = [(a, b, False) for a, b in gaps_for(coverage.get(ticker), start, end, now)]
        for a, b in holes.get(ticker, ()):
            if b >= wanted_from and a <= end:
                ranges.append((a, b, True))
        for key in ranges:
            groups.setdefault(key, []).append(ticker)
    return [(k[0], k[1], k[2], names) for k, names in groups.items()]


SPANS = [
    (dt.date(2024, 1, 2), dt.date(2024, 7, 2), CLOSE + dt.timedelta(hours=1)),  # current
    (dt.date(2024, 3, 1), dt.date(2024, 7, 2), CLOSE + dt.timedelta(hours=1)),  # short back
    (dt.date(2024, 1, 2), dt.date(2024, 6, 28), CLOSE - dt.timedelta(days=4)),  # behind
    (dt.date(2024, 1, 2), dt.date(2024, 7, 3), NOW - dt.timedelta(minutes=5)),  # mid-session, fresh
    (
        dt.date(2024, 1, 2),
        dt.date(2024, 7, 3),
        NOW - dt.timedelta(minutes=40),
    ),  # mid-session, stale
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("start", [None, dt.date(2024, 1, 2), dt.date(2024, 5, 1)])
def test_per_span_gaps_equal_the_ticker_by_ticker_walk(seed, start):
    rng = random.Random(seed)
    tickers = [f"T{i:03d}" for i in range(rng.randint(1, 60))]
    tickers += rng.sample(tickers, k=min(3, len(tickers)))  # a name asked twice
    coverage, holes = {}, {}
    for t in tickers:
        choice = rng.randrange(len(SPANS) + 1)
        if choice < len(SPANS):
            coverage[t] = Coverage(t, *SPANS[choice])
        if rng.random() < 0.2:
            holes[t] = [(dt.date(2024, 2, 5), dt.date(2024, 2, 9))] + (
                [(dt.date(2024, 6, 3), dt.date(2024, 6, 4))] if rng.random() < 0.5 else []
            )
    end = dt.date(2024, 7, 3)
    index = coverage_index(coverage, tickers, holes)
    got = [
        (g.start, g.end, g.hole, g.tickers)
        for g in indexed_missing_ranges(index, tickers, start, end, NOW)
    ]
    assert got == walk(coverage, tickers, start, end, NOW, holes)
    assert len(index.spans) <= len(SPANS) + 1  # the work is per span, not per name
