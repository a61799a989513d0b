"""Movers analytics: thresholds, ranking, median, the vectorised universe returns, universes, chart."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import aiohttp
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analytics import calendar
from analytics.charts.movers_chart import movers_chart
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.holdings.funds import get_fund
from analytics.holdings.ishares import HOLDINGS_COLUMNS, Holdings
from analytics.holdings.store import HoldingsStore
from analytics.movers import (
    MinMove,
    check_top,
    effective_direction,
    median_return,
    parse_direction,
    parse_min_move,
    rank_side,
    universe_returns,
)
from analytics.returns import window_returns
from analytics.universes import (
    read_ticker_file,
    resolve_universe,
    stored_fund_universe,
    universe_spec,
)
from analytics.windows import parse_window
from tests.fakes.ishares import FakeIShares, file_reply
from tests.fakes.prices import RecordingProvider

# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("text", "fraction", "side"),
    [
        ("100%", 1.0, 0),
        ("100", 1.0, 0),
        ("-50%", 0.5, -1),
        ("+25%", 0.25, 1),
        ("0.5", 0.005, 0),
        (" 12.5 % ", 0.125, 0),
        (".5%", 0.005, 0),
        ("0", 0.0, 0),
    ],
)
def test_min_move_is_a_percent_with_an_optional_sign(text, fraction, side) -> None:
    parsed = parse_min_move(text)
    assert parsed is not None
    assert parsed.fraction == pytest.approx(fraction)
    assert parsed.side == side


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_min_move_means_no_threshold(text) -> None:
    assert parse_min_move(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not a percent"),
        ("50%%", "is not a percent"),
        ("1e3", "is not a percent"),
        ("--5", "is not a percent"),
        ("-150%", "cannot fall more than 100%"),
        ("200000%", "too large"),
    ],
)
def test_bad_min_move_says_what_to_write(text, message) -> None:
    with pytest.raises(BadInput) as err:
        parse_min_move(text)
    assert message in err.value.message


def test_direction_and_top() -> None:
    assert parse_direction(None) == "both"
    assert parse_direction(" Gainers ") == "gainers"
    assert parse_direction("down") == "losers"
    with pytest.raises(BadInput, match="not one of: gainers, losers, both"):
        parse_direction("sideways")
    assert check_top(None) == 10
    assert check_top("25") == 25
    for bad in (0, 26, "ten"):
        with pytest.raises(BadInput):
            check_top(bad)


def test_a_signed_min_move_narrows_both_and_must_match_a_direction() -> None:
    falls = parse_min_move("-50%")
    assert effective_direction("both", falls) == "losers"
    assert effective_direction("losers", falls) == "losers"
    assert effective_direction("losers", parse_min_move("50%")) == "losers"
    assert effective_direction("both", parse_min_move("+5")) == "gainers"
    with pytest.raises(BadInput, match="write 50% \\(no sign\\) or set direction to losers"):
        effective_direction("gainers", falls)


# ---------------------------------------------------------------- ranking


@pytest.fixture
def six_returns() -> pd.DataFrame:
    """A: +50%, B and F: +20% (a tie), E: 0, C: -10%, D: -60%, G: no return."""
    values = {"A": 0.5, "B": 0.2, "C": -0.1, "D": -0.6, "E": 0.0, "F": 0.2, "G": math.nan}
    return pd.DataFrame({"return": values})


def test_gainers_rose_best_first_ties_by_ticker(six_returns) -> None:
    side = rank_side(six_returns, "gainers", top=2)
    assert list(side.ranked.index) == ["A", "B"]
    assert side.count == 3  # A, B, F rose; E did not move
    assert side.closest.empty


def test_losers_fell_worst_first(six_returns) -> None:
    side = rank_side(six_returns, "losers", top=10)
    assert list(side.ranked.index) == ["D", "C"]
    assert list(side.ranked["return"]) == [-0.6, -0.1]
    assert side.count == 2


@pytest.mark.parametrize(
    ("side", "threshold", "names", "count"),
    [
        ("gainers", "20%", ["A", "B", "F"], 3),  # at least: +20% meets 20%
        ("gainers", "25%", ["A"], 1),
        ("losers", "10%", ["D", "C"], 2),
        ("losers", "-11%", ["D"], 1),
        ("gainers", "0", ["A", "B", "F"], 3),  # a move of 0 is not a rise
    ],
)
def test_min_move_keeps_names_that_moved_at_least_that_much(
    six_returns, side, threshold, names, count
) -> None:
    ranked = rank_side(six_returns, side, top=10, min_move=parse_min_move(threshold))
    assert list(ranked.ranked.index) == names
    assert ranked.count == count
    assert ranked.closest.empty


def test_when_no_name_meets_min_move_the_closest_are_given(six_returns) -> None:
    gainers = rank_side(six_returns, "gainers", top=10, min_move=parse_min_move("70%"))
    assert gainers.count == 0 and gainers.ranked.empty
    assert list(gainers.closest.index) == ["A", "B", "F", "E", "C"]  # the 5 best, whatever sign
    losers = rank_side(six_returns, "losers", top=3, min_move=MinMove(0.7, -1, "-70%"))
    assert list(losers.closest.index) == ["D", "C", "E"]


def test_ranking_an_empty_table_is_empty() -> None:
    empty = pd.DataFrame({"return": pd.Series(dtype="float64")})
    side = rank_side(empty, "gainers", min_move=parse_min_move("10%"))
    assert side.count == 0 and side.ranked.empty and side.closest.empty
    assert math.isnan(median_return(empty))


def test_median_over_finite_returns(six_returns) -> None:
    # Finite: -0.6, -0.1, 0, 0.2, 0.2, 0.5 -> middle two 0 and 0.2.
    assert median_return(six_returns) == pytest.approx(0.1)
    odd = pd.DataFrame({"return": [0.3, -0.2, 0.1, math.inf]})
    assert median_return(odd) == pytest.approx(0.1)


# ---------------------------------------------------------------- universe returns


def _sessions(start: str, end: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        calendar.sessions_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    )


@pytest.fixture
def ragged_closes() -> pd.DataFrame:
    """40 names over Dec 2025 - Aug 2026 with gaps, late listings, halts and dead names."""
    rng = np.random.default_rng(7)
    days = _sessions("2025-12-01", "2026-08-21")
    frame = pd.DataFrame(
        rng.uniform(10, 20, (len(days), 40)), index=days, columns=[f"X{i:02d}" for i in range(40)]
    )
    frame.iloc[-1, 0] = np.nan  # missed the last session
    frame.iloc[:-3, 1] = np.nan  # listed three sessions ago
    frame.iloc[:150, 2] = np.nan  # listed in July
    frame.iloc[140:, 3] = np.nan  # stopped trading in July
    frame.iloc[150, 4] = np.nan  # one missing day
    frame.iloc[-8, 5] = np.nan
    frame.iloc[:, 6] = np.nan  # no prices at all
    frame["X10"] = frame["X11"]  # a tie
    return frame


@pytest.mark.parametrize(
    "window", ["1d", "5d", "20d", "2w", "1m", "ytd", "qtd", "2026-06-01:2026-07-15"]
)
@pytest.mark.parametrize("as_of", [None, dt.date(2026, 8, 20), dt.date(2026, 8, 16)])
def test_universe_returns_equal_window_returns(ragged_closes, window, as_of) -> None:
    parsed = parse_window(window)
    slow = window_returns(ragged_closes, parsed, as_of)
    fast = universe_returns(ragged_closes, parsed, as_of)
    pd.testing.assert_frame_equal(fast.table, slow.table, check_index_type=False)
    assert fast.excluded == slow.excluded
    assert (fast.start, fast.end) == (slow.start, slow.end)


def test_universe_returns_by_hand() -> None:
    days = _sessions("2026-08-03", "2026-08-21")  # 15 sessions
    closes = pd.DataFrame(index=days, data={"UP": 100.0, "DOWN": 50.0, "LATE": np.nan})
    closes.loc[days[-1], "UP"] = 130.0
    closes.loc[days[-1], "DOWN"] = 40.0
    closes.loc[days[-2:], "LATE"] = 10.0
    result = universe_returns(closes, parse_window("2w"))
    # 2w from Fri 2026-08-21 anchors on 2026-08-07, a session.
    assert result.start == pd.Timestamp("2026-08-07")
    assert result.table.loc["UP", "return"] == pytest.approx(0.3)
    assert result.table.loc["DOWN", "return"] == pytest.approx(-0.2)
    assert list(result.excluded) == ["LATE"]


def test_universe_returns_with_no_name_ranked_counts_instead_of_listing() -> None:
    days = _sessions("2026-08-03", "2026-08-21")
    closes = pd.DataFrame(index=days, data={f"N{i}": np.nan for i in range(30)})
    closes["N0"] = 1.0
    closes.loc[: days[-2], "N0"] = np.nan  # one price: nothing to measure from
    with pytest.raises(NoData):
        universe_returns(closes, parse_window("5d"))


def test_universe_returns_window_longer_than_the_data() -> None:
    closes = pd.DataFrame(index=_sessions("2026-08-03", "2026-08-21"), data={"A": 1.0, "B": 2.0})
    with pytest.raises(NoData, match="Window 1y starts 2025-08-21 but the data begins 2026-08-03"):
        universe_returns(closes, parse_window("1y"))


# ---------------------------------------------------------------- universes


def test_tickers_option_is_a_universe() -> None:
    spec = universe_spec(None, "aapl, msft brk.b")
    assert spec.fund is None
    assert spec.universe.tickers == ("AAPL", "MSFT", "BRK-B")
    assert spec.universe.name == "3 tickers"


def test_fund_names_are_funds_and_iwm_is_the_default() -> None:
    assert universe_spec().fund.symbol == "IWM"
    assert universe_spec("$ivv").fund.symbol == "IVV"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"universe": "IWM", "tickers": "AAPL"}, "either a universe or your own tickers"),
        ({"tickers": "AAPL", "tickers_file": "x.txt"}, "either --tickers or --tickers-file"),
        ({"universe": "R2K"}, "Unknown universe 'R2K'. Give a fund: IWM (Russell 2000)"),
        ({"tickers_file": "/nonexistent/list.json"}, "no such file"),
    ],
)
def test_bad_universe_options(kwargs, message) -> None:
    with pytest.raises(BadInput) as err:
        universe_spec(**kwargs)
    assert message in err.value.message


@pytest.fixture
def lists_file(tmp_path):
    path = tmp_path / "constituents.json"
    path.write_text(
        json.dumps(
            {"note": "x", "sp500": ["A", "BRK.B", "A"], "ndx100": ["AAPL", "MSFT"], "dow30": []}
        )
    )
    return path


def test_json_of_named_lists_needs_a_name(lists_file) -> None:
    with pytest.raises(BadInput, match=r"holds several lists \(sp500, ndx100, dow30\)"):
        read_ticker_file(lists_file)
    assert read_ticker_file(lists_file, "sp500").tickers == ("A", "BRK-B")  # repeats dropped
    assert read_ticker_file(lists_file, "NDX").tickers == ("AAPL", "MSFT")  # alias of ndx100
    with pytest.raises(BadInput, match="has no tickers"):
        read_ticker_file(lists_file, "dow30")
    with pytest.raises(BadInput, match="has no list 'rut'; it has: sp500, ndx100, dow30"):
        read_ticker_file(lists_file, "rut")


def test_named_lists_in_the_lists_folder(tmp_path, lists_file) -> None:
    (tmp_path / "small.txt").write_text("zz\nyy, xx\n")
    assert universe_spec("nasdaq100", folder=tmp_path).universe.tickers == ("AAPL", "MSFT")
    assert universe_spec("small", folder=tmp_path).universe.tickers == ("ZZ", "YY", "XX")
    with pytest.raises(BadInput, match=r"or a named list \(dow30, ndx, small, sp500\)"):
        universe_spec("rut", folder=tmp_path)


def test_csv_with_a_ticker_column_and_bad_entries(tmp_path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(
        "ticker,date,close\nAAA,2026-01-02,1\nAAA,2026-01-05,2\nnot a symbol!,2026-01-02,3\nBBB,2026-01-02,4\n"
    )
    universe = read_ticker_file(path)
    assert universe.tickers == ("AAA", "BBB")
    assert universe.skipped == ("not a symbol!",)
    assert universe.name == "prices"


def test_empty_file_is_an_empty_universe(tmp_path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n")
    with pytest.raises(BadInput, match="empty.txt has no tickers"):
        read_ticker_file(path)


def _holdings(symbols: list[str], as_of: dt.date) -> Holdings:
    frame = pd.DataFrame(
        {
            c: [1.0] * len(symbols) if c not in ("name", "sector") else ["x"] * len(symbols)
            for c in HOLDINGS_COLUMNS
        },
        index=pd.Index(symbols, name="symbol"),
    )
    return Holdings("IWM", "iShares Russell 2000 ETF", as_of, frame, ("BAD TICKER",))


def test_fund_universe_comes_from_the_latest_snapshot(tmp_path) -> None:
    cache = PriceCache(tmp_path / "c.db")
    fund = get_fund("IWM")
    assert stored_fund_universe(cache.db, fund) is None
    store = HoldingsStore(cache.db)
    store.save(_holdings(["OLD"], dt.date(2025, 11, 5)))
    store.save(_holdings(["AAA", "BBB"], dt.date(2026, 5, 5)))
    universe = stored_fund_universe(cache.db, fund)
    assert universe.tickers == ("AAA", "BBB")
    assert universe.as_of == dt.date(2026, 5, 5)
    assert universe.skipped == ("BAD TICKER",)
    assert universe.description == "Russell 2000: 2 IWM holdings as of 2026-05-05"
    cache.close()


async def test_missing_fund_holdings_offline_say_how_to_import(tmp_path) -> None:
    cache = PriceCache(tmp_path / "c.db")
    market = MarketData(cache, None)
    with pytest.raises(NoData, match="No IWM holdings are stored and offline mode is on"):
        await resolve_universe(universe_spec("IWM"), market, None, start=dt.date(2026, 5, 5))
    cache.close()


async def test_missing_fund_holdings_are_downloaded_once_and_stored(tmp_path, shared_data) -> None:
    path = shared_data / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
    cache = PriceCache(tmp_path / "c.db")
    moment = dt.datetime(2026, 5, 6, 22, 0, tzinfo=dt.UTC)
    market = MarketData(cache, RecordingProvider(), now=lambda: moment)
    spec = universe_spec("IWM")
    start = dt.date(2026, 5, 5)
    async with FakeIShares(ajax=file_reply(path)) as fake, aiohttp.ClientSession() as session:
        first = await resolve_universe(spec, market, session, start=start, base_url=fake.base_url)
        again = await resolve_universe(spec, market, session, start=start, base_url=fake.base_url)
    assert len(fake.requests) == 1  # the second answer came from the store
    assert first.tickers == again.tickers
    assert first.as_of == dt.date(2026, 5, 5)
    assert (first.snapshot.start, first.snapshot.distance_days) == (start, 0)
    with open(path, encoding="utf-8-sig") as fh:
        equity_rows = [line for line in fh if ',"Equity",' in line and not line.startswith('"-"')]
    # Every equity row is a constituent, except repeated tickers (merged) and unmapped ones.
    assert len(first.tickers) + len(first.skipped) <= len(equity_rows)
    assert len(first.tickers) > 1900
    assert sum(first.weights.values()) == pytest.approx(0.9939)
    cache.close()


# ---------------------------------------------------------------- chart


def test_chart_is_phone_sized_png() -> None:
    gainers = pd.Series({"AAA": 0.5, "BBB": 0.2})
    losers = pd.Series({"CCC": -0.3})
    png = movers_chart(
        gainers,
        losers,
        title="AAA +50% led",
        median=0.01,
        threshold=0.1,
        source="Fake",
        as_of=dt.date(2026, 8, 21),
    )
    assert Image.open(io.BytesIO(png)).size == (1200, 675)
    many = pd.Series({f"G{i}": 0.3 - i / 100 for i in range(25)})
    png = movers_chart(many, -many.rename(lambda t: "L" + t[1:]), title="Two panels")
    assert Image.open(io.BytesIO(png)).size == (1200, 675)


def test_chart_of_nothing_is_no_data() -> None:
    with pytest.raises(NoData):
        movers_chart(pd.Series(dtype="float64"), pd.Series(dtype="float64"), title="x")


def test_a_partial_chart_carries_a_badge() -> None:
    from analytics.charts.style import HIGHLIGHT

    gainers, losers = pd.Series({"AAA": 0.5}), pd.Series({"CCC": -0.3})
    target = np.array([int(HIGHLIGHT[i : i + 2], 16) for i in (1, 3, 5)])

    def badge_pixels(png: bytes) -> int:
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        return int((np.abs(pixels - target).max(axis=2) < 6).sum())

    plain = movers_chart(gainers, losers, title="AAA +50% led")
    badged = movers_chart(gainers, losers, title="AAA +50% led", partial="Partial: 10 of 12 names")
    assert badge_pixels(plain) == 0
    assert badge_pixels(badged) > 1000
