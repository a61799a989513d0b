"""Fund holdings: iShares file parsing, the fund registry, download, SQLite snapshots and the
choice of snapshot for a window."""

from analytics.holdings.choice import (
    FAR_DAYS,
    MAX_DAYS,
    SnapshotChoice,
    choose_snapshot,
    holdings_near,
)
from analytics.holdings.download import fetch_holdings, holdings_urls
from analytics.holdings.funds import (
    FUNDS,
    ISHARES_BASE_URL,
    Fund,
    fund_for_name,
    get_fund,
    known_funds_text,
)
from analytics.holdings.ishares import (
    HOLDINGS_COLUMNS,
    Holdings,
    parse_ishares_holdings,
    yahoo_symbol,
)
from analytics.holdings.store import HoldingsStore, import_holdings_file

__all__ = [
    "FAR_DAYS",
    "FUNDS",
    "HOLDINGS_COLUMNS",
    "Fund",
    "Holdings",
    "HoldingsStore",
    "ISHARES_BASE_URL",
    "MAX_DAYS",
    "SnapshotChoice",
    "choose_snapshot",
    "fetch_holdings",
    "fund_for_name",
    "get_fund",
    "holdings_near",
    "holdings_urls",
    "import_holdings_file",
    "known_funds_text",
    "parse_ishares_holdings",
    "yahoo_symbol",
]
