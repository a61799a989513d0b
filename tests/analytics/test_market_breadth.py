"""Market breadth: generated frames with answers known by construction, and the real S&P 500 and
Russell 2000 member files against plain loops over names."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.errors import NoData
from analytics.market_breadth import (
    advance_decline_line,
    equal_weight_return,
    market_breadth,
    new_highs_lows,
    share_above_average,
    share_above_average_series,
    up_down,
)

SESSIONS = calendar.sessions_between(dt.date(2024, 1, 2), dt.date(2025, 6, 30))


def d(i: int) -> dt.date:
    return SESSIONS[i].date()


def test_up_down_unchanged_and_the_unpriced_are_counted_apart():
    closes = pd.DataFrame(
        {
            "UP": [10.0, 11.0, 12.0],
            "DOWN": [10.0, 9.0, 8.0],
            "FLAT": [10.0, 12.0, 10.0],
            "NEW": [np.nan, 5.0, 6.0],  # no close on the base session
        },
        index=SESSIONS[:3],
    )
    result = up_down(closes, d(0), d(2))
    assert (result.up, result.down, result.unchanged, result.priced, result.unpriced) == (
        1,
        1,
        1,
        3,
        1,
    )
    assert (result.share_up, result.share_down, result.share_unchanged) == (1 / 3, 1 / 3, 1 / 3)
    assert equal_weight_return(closes, d(0), d(2)) == pytest.approx((0.2 - 0.2 + 0.0) / 3)
    # A/D: session 1: UP, FLAT up, DOWN down (NEW has no previous close) -> +1; session 2:
    # UP, NEW up, DOWN, FLAT down -> 0; running sum 1, 1
    assert list(advance_decline_line(closes, d(0), d(2))) == [1, 1]


def test_empty_universe():
    empty = pd.DataFrame(index=SESSIONS[:3])
    assert up_down(empty, d(0), d(2)).share_up is None
    assert equal_weight_return(empty, d(0), d(2)) is None
    assert list(advance_decline_line(empty, d(0), d(2))) == [0, 0]


def test_share_above_the_average_leaves_out_names_with_a_gap():
    n = 60
    rising = np.arange(1.0, n + 1)  # always above its own trailing mean
    falling = rising[::-1].copy()
    gappy = rising.copy()
    gappy[-10] = np.nan  # a gap inside the last 20 sessions
    closes = pd.DataFrame({"R": rising, "F": falling, "G": gappy}, index=SESSIONS[:n])
    above = share_above_average(closes, d(n - 1), 20)
    assert (above.above, above.counted, above.left_out, above.share) == (1, 2, 1, 0.5)
    # 50 sessions: G's gap is inside those too
    assert share_above_average(closes, d(n - 1), 50).counted == 2
    short = share_above_average(closes, d(n - 1), 200)
    assert (short.share, short.counted, short.short_history) == (None, 0, True)
    assert "not enough history" in short.note and "200" in short.note
    # every name with a gap: none counted, but not for lack of history
    gaps = closes.copy()
    gaps.iloc[-5] = np.nan
    none = share_above_average(gaps, d(n - 1), 20)
    assert (none.share, none.short_history) == (None, False)


def test_the_series_agrees_with_the_single_session_and_with_pandas_rolling():
    rng = np.random.default_rng(5)
    n = 300
    values = 100 * np.cumprod(1 + rng.normal(0, 0.02, (n, 40)), axis=0)
    values[rng.random((n, 40)) < 0.01] = np.nan
    closes = pd.DataFrame(values, index=SESSIONS[:n])
    series = share_above_average_series(closes, 50, d(100))
    mean = closes.rolling(50, min_periods=50).mean()
    counted = mean.notna() & closes.notna()
    above = (closes > mean) & counted
    expected = above.sum(axis=1) / counted.sum(axis=1).replace(0, np.nan)
    np.testing.assert_allclose(series["share"], expected.loc[series.index])
    for i in (100, 180, n - 1):
        single = share_above_average(closes, d(i), 50)
        assert single.share == pytest.approx(series.loc[SESSIONS[i], "share"])
        assert single.counted == series.loc[SESSIONS[i], "counted"]


def test_new_52_week_closing_highs_and_lows():
    n = len(SESSIONS)
    up = np.linspace(50, 100, n)
    down = up[::-1].copy()
    flat = np.full(n, 70.0)  # ties its 52-week high: not a new one
    young = up.copy()
    young[: n - 100] = np.nan  # listed 100 sessions ago: not 52 weeks of closes
    closes = pd.DataFrame({"UP": up, "DOWN": down, "FLAT": flat, "YOUNG": young}, index=SESSIONS)
    result = new_highs_lows(closes, d(n - 1))
    assert (result.highs, result.lows, result.counted, result.left_out) == (1, 1, 3, 1)
    assert result.share_highs == pytest.approx(1 / 3)
    short = new_highs_lows(closes.iloc[:200], d(199))
    assert (short.highs, short.lows, short.short_history) == (None, None, True)
    assert "not enough history" in short.note


def test_the_window_must_be_sessions_of_the_frame():
    closes = pd.DataFrame({"A": [1.0, 2.0]}, index=SESSIONS[:2])
    with pytest.raises(NoData, match="2024-01-06 is not a session"):
        market_breadth(closes, dt.date(2024, 1, 2), dt.date(2024, 1, 6))
    with pytest.raises(NoData, match="ends"):
        market_breadth(closes, d(1), d(0))


def test_two_thousand_names_over_a_year_take_milliseconds():
    rng = np.random.default_rng(0)
    index = SESSIONS[-260:]
    closes = pd.DataFrame(
        100 * np.cumprod(1 + rng.normal(0, 0.02, (len(index), 2000)), axis=0), index=index
    )
    market_breadth(closes, index[0].date(), index[-1].date())  # warm
    started = time.perf_counter()
    result = market_breadth(closes, index[0].date(), index[-1].date())
    share_above_average_series(closes, 50, index[0].date())
    elapsed = time.perf_counter() - started
    assert result.up_down.priced == 2000
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms"  # ~10-40 ms measured; generous under load


# --- real universes ---------------------------------------------------------------------------

SP500 = "universe/sp500_ndx_close_yfinance_2024-01-02_to_2026-08-21.csv"
R2000 = "universe/r2000_members_close_2025-06-02_to_2025-12-31.csv"


def _wide(path) -> pd.DataFrame:
    long = pd.read_csv(path, parse_dates=["date"])
    return long.pivot(index="date", columns="ticker", values="close").sort_index()


@pytest.fixture(scope="module")
def sp500(shared_data) -> pd.DataFrame:
    return _wide(shared_data / SP500)


@pytest.fixture(scope="module")
def r2000(shared_data) -> pd.DataFrame:
    return _wide(shared_data / R2000)


def _loop_breadth(closes: pd.DataFrame, base, end) -> dict:
    """The same measures by a plain loop over names (Python floats, no vectorised pandas)."""
    index = list(closes.index)
    b, e = index.index(pd.Timestamp(base)), index.index(pd.Timestamp(end))
    up = down = flat = 0
    returns = []
    above = {20: [0, 0], 50: [0, 0], 200: [0, 0]}
    highs = lows = counted_hl = 0
    cutoff = pd.Timestamp(end) - pd.Timedelta(weeks=52)
    hl_known = index[0] <= cutoff
    columns = {name: [float(v) for v in closes[name]] for name in closes.columns}
    for col in columns.values():
        first, last = col[b], col[e]
        if not (np.isnan(first) or np.isnan(last)):
            r = last / first - 1
            returns.append(r)
            up += r > 0
            down += r < 0
            flat += r == 0
        for n in above:
            window = col[e - n + 1 : e + 1] if e + 1 >= n else []
            if len(window) == n and not any(np.isnan(v) for v in window):
                above[n][1] += 1
                above[n][0] += window[-1] > sum(window) / n
        if hl_known:
            prior = [v for t, v in zip(index, col, strict=True) if cutoff < t < pd.Timestamp(end)]
            if not any(np.isnan(v) for v in prior) and not np.isnan(last):
                counted_hl += 1
                highs += last > max(prior)
                lows += last < min(prior)
    ad, line = 0, []
    for t in range(b + 1, e + 1):
        adv = dec = 0
        for col in columns.values():
            prev, now = col[t - 1], col[t]
            if np.isnan(prev) or np.isnan(now):
                continue
            adv += now > prev
            dec += now < prev
        ad += adv - dec
        line.append(ad)
    priced = up + down + flat
    return {
        "share_up": up / priced,
        "share_down": down / priced,
        "above": {n: (a / c if c else None) for n, (a, c) in above.items()},
        "highs": highs if counted_hl else None,
        "lows": lows if counted_hl else None,
        "ad_line": line,
        "ew": sum(returns) / len(returns),
    }


def _check(result, expected) -> None:
    assert result.up_down.share_up == pytest.approx(expected["share_up"])
    assert result.up_down.share_down == pytest.approx(expected["share_down"])
    for n, share in expected["above"].items():
        if share is None:
            assert result.above[n].share is None
        else:
            assert result.above[n].share == pytest.approx(share)
    assert (result.highs_lows.highs, result.highs_lows.lows) == (
        expected["highs"],
        expected["lows"],
    )
    assert list(result.ad_line) == expected["ad_line"]
    assert result.equal_weight_return == pytest.approx(expected["ew"])


@pytest.mark.parametrize(
    ("base", "end"),
    [("2024-12-31", "2025-06-30"), ("2025-03-31", "2025-04-30"), ("2025-09-30", "2025-12-31")],
)
def test_sp500_breadth_in_2025_matches_a_loop(sp500, base, end):
    result = market_breadth(sp500, dt.date.fromisoformat(base), dt.date.fromisoformat(end))
    _check(result, _loop_breadth(sp500, base, end))
    assert result.names == sp500.shape[1] == 518
    assert result.above[200].share is not None and result.highs_lows.highs is not None


def test_r2000_members_are_too_short_for_200_day_averages_and_52_week_highs(r2000):
    assert len(r2000) == 148
    base, end = dt.date(2025, 9, 30), dt.date(2025, 12, 31)
    result = market_breadth(r2000, base, end)
    _check(result, _loop_breadth(r2000, base.isoformat(), end.isoformat()))
    assert result.above[200].share is None and result.above[200].short_history
    assert result.above[200].note.startswith("not enough history")
    assert result.highs_lows.highs is None and result.highs_lows.short_history
    assert result.above[50].counted > 1500  # the short averages are there
    payload = result.to_dict()
    assert payload["above_ma"]["200"] is None and payload["new_highs"] is None
    assert payload["ad_line"][-1] == {"date": end, "value": int(result.ad_line.iloc[-1])}
