"""iShares holdings files (analytics/holdings/ishares.py): the real files against a plain `csv`
reading, and small made-up files for each rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import BadInput, NoData
from analytics.holdings import (
    parse_ishares_holdings,
)
from tests.analytics.holdings.files import (
    IVV_2023,
    IWM_2026,
    REAL_FILES,
    YAHOO_SPELLING,
    holdings_path,
    load,
    read_with_csv,
)

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
