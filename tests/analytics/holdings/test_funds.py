"""The fund registry (analytics/holdings/funds.py)."""

from __future__ import annotations

import pytest

from analytics.errors import BadInput
from analytics.holdings import (
    fund_for_name,
    get_fund,
    holdings_urls,
)

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
