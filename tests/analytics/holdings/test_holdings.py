"""Fund holdings: iShares parsing (real files vs a plain `csv` reading), registry, download, store."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import aiohttp
import pandas as pd
import pytest
import sqlite_utils

from analytics.errors import BadInput, NoData, RateLimited, UpstreamError
from analytics.holdings import (
    HoldingsStore,
    fetch_holdings,
    fund_for_name,
    get_fund,
    holdings_urls,
    import_holdings_file,
    parse_ishares_holdings,
)
from tests.fakes.ishares import FakeIShares, closed_port_url, error_reply, file_reply, html_reply

IWM_2026 = "IWM_holdings_2026-05-05_ishares_raw.csv"
IWM_2025 = "IWM_holdings_2025-11-05_ishares_raw.csv"
IVV_2023 = "IVV_holdings_2023-04-06_ishares_raw.csv"

# (file, fund, as-of, name of the quantity column), read off each file's first lines by eye.
REAL_FILES = [
    (IWM_2026, "IWM", dt.date(2026, 5, 5), "Quantity"),
    (IWM_2025, "IWM", dt.date(2025, 11, 5), "Quantity"),
    (IVV_2023, "IVV", dt.date(2023, 4, 6), "Shares"),
]
# iShares spells these NYSE share classes without a separator; Yahoo with a dash.
YAHOO_SPELLING = {
    "BRKB": "BRK-B",
    "BFB": "BF-B",
    "MOGA": "MOG-A",
    "GEFB": "GEF-B",
    "CRDA": "CRD-A",
}


def holdings_path(shared_data: Path, name: str) -> Path:
    return shared_data / "holdings" / name


def read_with_csv(path: Path, quantity_column: str) -> dict[str, tuple[float, float, float]]:
    """Equity rows (ticker '-' skipped) summed by ticker: (weight fraction, quantity, value)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    totals: dict[str, tuple[float, float, float]] = {}
    for row in csv.DictReader(lines[start:]):
        if row["Name"] is None:  # the single-space line after the holdings
            break
        if row["Asset Class"] != "Equity" or row["Ticker"] == "-":
            continue
        weight = float(row["Weight (%)"]) / 100
        quantity = float(row[quantity_column].replace(",", ""))
        value = float(row["Market Value"].replace(",", ""))
        w, q, v = totals.get(row["Ticker"], (0.0, 0.0, 0.0))
        totals[row["Ticker"]] = (w + weight, q + quantity, v + value)
    return totals


def load(shared_data: Path, name: str):
    return parse_ishares_holdings(holdings_path(shared_data, name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- parsing: real files


@pytest.mark.parametrize(("name", "fund", "as_of", "quantity_column"), REAL_FILES)
def test_real_file_matches_plain_csv_reading(
    shared_data: Path, name: str, fund: str, as_of: dt.date, quantity_column: str
) -> None:
    path = holdings_path(shared_data, name)
    expected = read_with_csv(path, quantity_column)
    holdings = parse_ishares_holdings(path.read_text(encoding="utf-8"))

    assert holdings.fund == fund
    assert holdings.as_of == as_of
    assert holdings.unmapped == ()
    symbols = [YAHOO_SPELLING.get(t, t) for t in expected]
    frame = holdings.frame
    assert sorted(frame.index) == sorted(symbols)
    for column, position in (("weight", 0), ("quantity", 1), ("market_value", 2)):
        want = pd.Series([v[position] for v in expected.values()], index=symbols).sort_index()
        got = frame[column].sort_index()
        pd.testing.assert_series_equal(got, want, check_names=False, check_index_type=False)
    assert frame["weight"].sum() == pytest.approx(sum(v[0] for v in expected.values()), abs=1e-12)
    assert list(frame["weight"]) == sorted(frame["weight"], reverse=True)


def test_real_file_has_bom_and_parses_the_same_without_it(shared_data: Path) -> None:
    text = holdings_path(shared_data, IWM_2026).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    with_bom = parse_ishares_holdings(text)
    without = parse_ishares_holdings(text[1:])
    assert with_bom.fund_name == without.fund_name == "iShares Russell 2000 ETF"
    pd.testing.assert_frame_equal(with_bom.frame, without.frame)


def test_iwm_2026_cash_futures_and_dash_rows_are_left_out(shared_data: Path) -> None:
    frame = load(shared_data, IWM_2026).frame
    # Non-equity rows in the file: XTSLA (money market), USD and CAD (cash), MSFUT, RTYM6.
    for ticker in ("XTSLA", "USD", "CAD", "MSFUT", "RTYM6", "-"):
        assert ticker not in frame.index
    assert len(frame) == 1924 - 3 - 1  # equity rows, less three '-' rows and one repeat


def test_iwm_2026_repeated_ticker_is_merged(shared_data: Path) -> None:
    adro = load(shared_data, IWM_2026).frame.loc["ADRO"]
    # Two ADRO rows: 1,316,575 + 272,339 shares, $223,817.75 + $138,892.89.
    assert adro["quantity"] == 1_316_575 + 272_339
    assert adro["market_value"] == pytest.approx(223_817.75 + 138_892.89)
    assert adro["name"] == "CHINOOK THERAPEUTICS INC"  # the first row's


def test_iwm_ticker_that_is_also_an_index_alias_stays_a_stock(shared_data: Path) -> None:
    comp = load(shared_data, IWM_2026).frame.loc["COMP"]
    # "COMP","COMPASS INC CLASS A","Real Estate","Equity","110,908,406.40","0.14",...
    assert comp["name"] == "COMPASS INC CLASS A"
    assert comp["weight"] == pytest.approx(0.0014)


def test_ivv_shares_column_and_share_class_symbols(shared_data: Path) -> None:
    frame = load(shared_data, IVV_2023).frame
    # "AAPL","APPLE INC",...,"21,749,937,094.76","7.12",...,"132,089,986.00","164.66"
    assert frame.loc["AAPL", "quantity"] == 132_089_986
    assert frame.loc["AAPL", "weight"] == pytest.approx(0.0712)
    assert frame.loc["AAPL", "price"] == pytest.approx(164.66)
    assert frame.loc["AAPL", "sector"] == "Information Technology"
    assert frame.loc["BRK-B", "name"] == "BERKSHIRE HATHAWAY INC CLASS B"
    assert "BRKB" not in frame.index
    assert frame.loc["MA", "name"] == "MASTERCARD INC CLASS A"  # ends in A, is not a class


# ---------------------------------------------------------------- parsing: small made-up files

TINY_FILE = (
    "\ufeffiShares Core S&P 500 ETF\n"
    'Fund Holdings as of,"Jan 02, 2024"\n'
    'Inception Date,"May 15, 2000"\n'
    'Shares Outstanding,"1,000.00"\n'
    'Stock,"-"\nBond,"-"\nCash,"-"\nOther,"-"\n'
    "\xa0\n"
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Shares,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date\n"
    '"AAA","AAA CORP","Energy","Equity","6,000.00","60.00","6,000.00","1,200.00","5.00",'
    '"United States","NASDAQ","USD","1.00","USD","-"\n'
    '"BRK.B","BERKSHIRE","Financials","Equity","2,000.00","20.00","2,000.00","10.00","200.00",'
    '"United States","NYSE","USD","1.00","USD","-"\n'
    '"AAA","AAA CORP CVR","Energy","Equity","500.00","5.00","500.00","100.00","5.00",'
    '"United States","NASDAQ","USD","1.00","USD","-"\n'
    '"BAD TICKER","ODD CO","Energy","Equity","500.00","5.00","500.00","10.00","50.00",'
    '"United States","NASDAQ","USD","1.00","USD","-"\n'
    '"-","ESCROW","Energy","Equity","1.00","0.00","1.00","1.00","1.00",'
    '"United States","NO MARKET","USD","1.00","USD","-"\n'
    '"XTSLA","BLK CSH FND","Cash and/or Derivatives","Money Market","1,000.00","10.00",'
    '"1,000.00","1,000.00","1.00","United States","-","USD","1.00","USD","-"\n'
    '"ESH4","S&P500 EMINI","Cash and/or Derivatives","Futures","0.00","0.00","9,000.00",'
    '"2.00","4,500.00","-","CME","USD","1.00","USD","-"\n'
    "\xa0\n"
    '"The content, with commas, is owned by BlackRock.\n'
    "Holdings subject to change.\n"
    'Not a row either: AAA,AAA CORP,Energy,Equity"\n'
)


@pytest.fixture
def tiny_text() -> str:
    return TINY_FILE


def test_tiny_file_filters_merges_and_maps(tiny_text: str) -> None:
    holdings = parse_ishares_holdings(tiny_text)
    assert holdings.fund == "IVV"
    assert holdings.as_of == dt.date(2024, 1, 2)
    assert holdings.unmapped == ("BAD TICKER",)
    frame = holdings.frame
    assert list(frame.index) == ["AAA", "BRK-B"]
    assert frame.loc["AAA", "weight"] == pytest.approx(0.65)
    assert frame.loc["AAA", "quantity"] == 1300
    assert frame.loc["AAA", "market_value"] == 6500
    assert frame.loc["BRK-B", "price"] == 200


def test_given_fund_must_match_the_file(tiny_text: str) -> None:
    assert parse_ishares_holdings(tiny_text, fund="ivv").fund == "IVV"
    with pytest.raises(BadInput, match="holds IVV"):
        parse_ishares_holdings(tiny_text, fund="IWM")


def test_unknown_fund_name_is_kept_and_fund_left_blank(tiny_text: str) -> None:
    text = tiny_text.replace("iShares Core S&P 500 ETF", "iShares Micro-Cap ETF")
    assert parse_ishares_holdings(text).fund == ""
    assert parse_ishares_holdings(text, fund="IWC").fund == "IWC"


def test_html_answer_is_bad_input() -> None:
    page = "\n  <!DOCTYPE html><html><head><title>iShares</title></head><body></body></html>"
    with pytest.raises(BadInput) as caught:
        parse_ishares_holdings(page)
    assert caught.value.message.startswith("iShares answered a web page, not a holdings file")


def test_garbage_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not an iShares holdings file"):
        parse_ishares_holdings("date,close\n2024-01-02,100\n")


def test_missing_as_of_is_bad_input(tiny_text: str) -> None:
    text = tiny_text.replace('Fund Holdings as of,"Jan 02, 2024"\n', "")
    with pytest.raises(BadInput, match="Fund Holdings as of"):
        parse_ishares_holdings(text)


def test_file_without_equities_is_no_data(tiny_text: str) -> None:
    text = tiny_text.replace('"Equity"', '"Cash"')
    with pytest.raises(NoData, match="lists no stocks"):
        parse_ishares_holdings(text)


# ---------------------------------------------------------------- fund registry


def test_registry_lookup_is_case_insensitive() -> None:
    assert get_fund("iwm").product_id == "239710"
    assert get_fund("$IVV").slug == "ishares-core-sp-500-etf"


def test_unknown_fund_lists_the_known_ones() -> None:
    with pytest.raises(BadInput) as caught:
        get_fund("QQQ")
    assert "QQQ" in caught.value.message
    assert "IWM (Russell 2000)" in caught.value.message
    assert "IVV (S&P 500)" in caught.value.message


def test_fund_names_in_real_files_are_recognised() -> None:
    assert fund_for_name("iShares Russell 2000 ETF").symbol == "IWM"
    assert fund_for_name("iShares Core S&P 500 ETF").symbol == "IVV"
    assert fund_for_name("Invesco QQQ Trust") is None


def test_ajax_url_matches_the_published_pattern() -> None:
    # The URL as given in notes/other-sources.md.
    assert holdings_urls(get_fund("IWM"))[0] == (
        "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/"
        "1467271812596.ajax?fileType=csv&fileName=IWM_holdings&dataType=fund"
    )
    assert holdings_urls(get_fund("IWM"))[1] == (
        "https://www.ishares.com/us/products/239710/ishares-russell-2000-etf/latest-holdings.csv"
    )


# ---------------------------------------------------------------- download (local fake server)


async def test_download_from_ajax_url(shared_data: Path) -> None:
    path = holdings_path(shared_data, IWM_2026)
    async with FakeIShares(ajax=file_reply(path)) as fake, aiohttp.ClientSession() as session:
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert holdings.fund == "IWM"
    assert holdings.as_of == dt.date(2026, 5, 5)
    assert len(holdings.frame) == len(read_with_csv(path, "Quantity"))
    [seen] = fake.requests
    assert seen.path == "/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax"
    assert seen.query == {"fileType": "csv", "fileName": "IWM_holdings", "dataType": "fund"}
    assert seen.user_agent.startswith("Mozilla/5.0")


async def test_download_falls_back_to_latest_holdings_after_a_web_page(shared_data: Path) -> None:
    path = holdings_path(shared_data, IVV_2023)
    async with (
        FakeIShares(ajax=html_reply(), latest=file_reply(path)) as fake,
        aiohttp.ClientSession() as session,
    ):
        holdings = await fetch_holdings(session, "ivv", base_url=fake.base_url)
    assert holdings.fund == "IVV"
    assert holdings.frame.loc["AAPL", "quantity"] == 132_089_986
    assert [r.path.rsplit("/", 1)[1] for r in fake.requests] == [
        "1467271812596.ajax",
        "latest-holdings.csv",
    ]
    assert fake.requests[1].user_agent.startswith("Mozilla/5.0")


async def test_download_falls_back_after_a_500(shared_data: Path) -> None:
    path = holdings_path(shared_data, IWM_2025)
    async with (
        FakeIShares(ajax=error_reply(500), latest=file_reply(path)) as fake,
        aiohttp.ClientSession() as session,
    ):
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert holdings.as_of == dt.date(2025, 11, 5)


async def test_download_of_web_pages_only_is_upstream_error() -> None:
    async with (
        FakeIShares(ajax=html_reply(), latest=html_reply()) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(UpstreamError) as caught:
            await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert "a web page instead of the file" in caught.value.message
    assert "marketbot import holdings IWM FILE" in caught.value.message
    assert len(fake.requests) == 2


async def test_download_500s_are_upstream_error() -> None:
    async with (
        FakeIShares(ajax=error_reply(500), latest=error_reply(503)) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(UpstreamError, match=r"HTTP 500, HTTP 503"):
            await fetch_holdings(session, "IWM", base_url=fake.base_url)


async def test_download_rate_limited() -> None:
    async with (
        FakeIShares(ajax=error_reply(429), latest=error_reply(429)) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(RateLimited, match="too many requests"):
            await fetch_holdings(session, "IWM", base_url=fake.base_url)


async def test_download_unreachable_is_upstream_error() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UpstreamError, match="unreachable"):
            await fetch_holdings(session, "IWM", base_url=closed_port_url())


async def test_download_of_unknown_fund_is_bad_input_without_a_request() -> None:
    async with FakeIShares() as fake, aiohttp.ClientSession() as session:
        with pytest.raises(BadInput, match="Known funds"):
            await fetch_holdings(session, "QQQ", base_url=fake.base_url)
    assert fake.requests == []


# ---------------------------------------------------------------- SQLite snapshots


@pytest.fixture
def db() -> sqlite_utils.Database:
    return sqlite_utils.Database(memory=True)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_snapshot_round_trip(shared_data: Path, db: sqlite_utils.Database) -> None:
    holdings = load(shared_data, IWM_2026)
    store = HoldingsStore(db)
    store.save(holdings, fetched_at=at("2026-05-06T14:00:00+00:00"))
    back = store.latest("iwm")
    assert back.fund == "IWM"
    assert back.fund_name == "iShares Russell 2000 ETF"
    assert back.as_of == dt.date(2026, 5, 5)
    pd.testing.assert_frame_equal(back.frame, holdings.frame, check_index_type=False)
    assert all(name.startswith("holdings_") for name in db.table_names())


def test_latest_is_the_newest_as_of_whatever_the_save_order(
    shared_data: Path, db: sqlite_utils.Database
) -> None:
    store = HoldingsStore(db)
    store.save(load(shared_data, IWM_2026), fetched_at=at("2026-05-06T14:00:00+00:00"))
    store.save(load(shared_data, IWM_2025), fetched_at=at("2026-05-07T14:00:00+00:00"))
    assert store.as_of_dates("IWM") == [dt.date(2025, 11, 5), dt.date(2026, 5, 5)]
    assert store.latest("IWM").as_of == dt.date(2026, 5, 5)
    assert store.snapshot("IWM", dt.date(2025, 11, 5)).frame.loc["BE", "weight"] == 0.0106
    assert store.latest("IVV") is None


def test_saving_the_same_date_again_replaces_it(tiny_text: str, db: sqlite_utils.Database) -> None:
    store = HoldingsStore(db)
    store.save(parse_ishares_holdings(tiny_text), fetched_at=at("2024-01-02T20:00:00+00:00"))
    fewer = tiny_text.replace('"BRK.B"', '"-"')
    store.save(parse_ishares_holdings(fewer), fetched_at=at("2024-01-03T20:00:00+00:00"))
    assert list(store.latest("IVV").frame.index) == ["AAA"]
    assert db.table("holdings_positions").count == 1


def test_needs_refresh_at_most_once_per_new_york_day(
    tiny_text: str, db: sqlite_utils.Database
) -> None:
    store = HoldingsStore(db)
    assert store.needs_refresh("IVV", at("2024-01-03T15:00:00+00:00"))
    store.save(parse_ishares_holdings(tiny_text), fetched_at=at("2024-01-03T15:00:00+00:00"))
    assert store.fetched_at("IVV") == at("2024-01-03T15:00:00+00:00")
    # 03:00 UTC on the 4th is still the 3rd (22:00) in New York.
    assert not store.needs_refresh("IVV", at("2024-01-04T03:00:00+00:00"))
    assert store.needs_refresh("IVV", at("2024-01-04T06:00:00+00:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.needs_refresh("IVV", dt.datetime(2024, 1, 4, 12))


def test_saving_without_a_fund_is_bad_input(tiny_text: str, db: sqlite_utils.Database) -> None:
    holdings = parse_ishares_holdings(tiny_text.replace("Core S&P 500", "Micro-Cap"))
    with pytest.raises(BadInput, match="import holdings FUND FILE"):
        HoldingsStore(db).save(holdings)


def test_import_holdings_file(shared_data: Path, db: sqlite_utils.Database) -> None:
    path = holdings_path(shared_data, IWM_2025)
    imported = import_holdings_file(db, "IWM", path)
    assert imported.as_of == dt.date(2025, 11, 5)
    stored = HoldingsStore(db).latest("IWM")
    pd.testing.assert_frame_equal(stored.frame, imported.frame, check_index_type=False)
    [row] = db.table("holdings_snapshots").rows
    assert row["source"] == f"import:{IWM_2025}"
    assert row["count"] == len(read_with_csv(path, "Quantity"))


def test_import_rejects_missing_file_and_wrong_fund(
    shared_data: Path, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    with pytest.raises(BadInput, match="No file at"):
        import_holdings_file(db, "IWM", tmp_path / "nope.csv")
    with pytest.raises(BadInput, match="holds IVV"):
        import_holdings_file(db, "IWM", holdings_path(shared_data, IVV_2023))
    assert HoldingsStore(db).latest("IWM") is None
