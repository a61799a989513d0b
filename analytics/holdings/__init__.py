"""Fund holdings: iShares file parsing, the fund registry, download and SQLite snapshots."""

from analytics.holdings.download import fetch_holdings, holdings_urls
from analytics.holdings.funds import FUNDS, Fund, fund_for_name, get_fund, known_funds_text
from analytics.holdings.ishares import (
    HOLDINGS_COLUMNS,
    Holdings,
    parse_ishares_holdings,
    yahoo_symbol,
)
from analytics.holdings.store import HoldingsStore, import_holdings_file

__all__ = [
    "FUNDS",
    "HOLDINGS_COLUMNS",
    "Fund",
    "Holdings",
    "HoldingsStore",
    "fetch_holdings",
    "fund_for_name",
    "get_fund",
    "holdings_urls",
    "import_holdings_file",
    "known_funds_text",
    "parse_ishares_holdings",
    "yahoo_symbol",
]
