"""Universes (analytics/universes.py): typed tickers, funds, named lists and ticker files, and a
fund's constituents through the data facade (`data.universe`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.holdings.funds import get_fund
from analytics.holdings.ishares import HOLDINGS_COLUMNS, Holdings
from analytics.holdings.store import HoldingsStore
from analytics.universes import read_ticker_file, stored_fund_universe, universe_spec
from tests.fakes.ishares import FakeIShares, downloads_from, file_reply
from tests.fakes.prices import RecordingProvider


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


def test_missing_fund_holdings_offline_say_how_to_import(tmp_path) -> None:
    cache = PriceCache(tmp_path / "c.db")
    market = MarketData(cache, None)
    with pytest.raises(NoData, match="No IWM holdings are stored and offline mode is on"):
        market.universe(universe_spec("IWM"), dt.date(2026, 5, 5))
    cache.close()


async def test_missing_fund_holdings_are_downloaded_once_and_stored(tmp_path, shared_data) -> None:
    path = shared_data / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
    cache = PriceCache(tmp_path / "c.db")
    moment = dt.datetime(2026, 5, 6, 22, 0, tzinfo=dt.UTC)
    market = MarketData(cache, RecordingProvider(), now=lambda: moment)
    spec = universe_spec("IWM")
    start = dt.date(2026, 5, 5)
    async with FakeIShares(ajax=file_reply(path)) as fake, downloads_from(market, fake):
        first = await asyncio.to_thread(market.universe, spec, start)
        again = await asyncio.to_thread(market.universe, spec, start)
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
