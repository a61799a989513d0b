"""The iShares funds whose holdings we can download: one entry per fund.

Product ids and page slugs are the ones in iShares' own URLs
(`https://www.ishares.com/us/products/<product_id>/<slug>`), each checked against several
independent public scripts that download these files. To add a fund, add one `Fund(...)` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.endpoints import ISHARES_BASE_URL
from analytics.errors import BadInput

__all__ = ["FUNDS", "ISHARES_BASE_URL", "Fund", "fund_for_name", "get_fund", "known_funds_text"]


@dataclass(frozen=True)
class Fund:
    """An iShares ETF: its ticker, display name, iShares product id and page slug, and index."""

    symbol: str
    name: str
    product_id: str
    slug: str
    index_name: str

    @property
    def page_path(self) -> str:
        """The fund page's path on ishares.com (downloads hang off it)."""
        return f"/us/products/{self.product_id}/{self.slug}"


_FUND_LIST: tuple[Fund, ...] = (
    Fund("IWM", "iShares Russell 2000 ETF", "239710", "ishares-russell-2000-etf", "Russell 2000"),
    Fund("IVV", "iShares Core S&P 500 ETF", "239726", "ishares-core-sp-500-etf", "S&P 500"),
    Fund("IWB", "iShares Russell 1000 ETF", "239707", "ishares-russell-1000-etf", "Russell 1000"),
    Fund("IWV", "iShares Russell 3000 ETF", "239714", "ishares-russell-3000-etf", "Russell 3000"),
    Fund(
        "IJR",
        "iShares Core S&P Small-Cap ETF",
        "239774",
        "ishares-core-sp-smallcap-etf",
        "S&P SmallCap 600",
    ),
    Fund(
        "IJH",
        "iShares Core S&P Mid-Cap ETF",
        "239763",
        "ishares-core-sp-midcap-etf",
        "S&P MidCap 400",
    ),
)

FUNDS: dict[str, Fund] = {fund.symbol: fund for fund in _FUND_LIST}
"""Known funds by ticker."""


def known_funds_text() -> str:
    """'IWM (Russell 2000), IVV (S&P 500), ...' for help and error messages."""
    return ", ".join(f"{f.symbol} ({f.index_name})" for f in _FUND_LIST)


def get_fund(symbol: str | Fund) -> Fund:
    """The registered fund for a ticker (case-insensitive, '$' allowed).

    Raises BadInput naming the known funds when the ticker is not one of them.
    """
    if isinstance(symbol, Fund):
        return symbol
    key = (symbol or "").strip().upper().lstrip("$")
    fund = FUNDS.get(key)
    if fund is None:
        shown = key[:12] or "(nothing)"
        raise BadInput(f"No holdings source for fund '{shown}'. Known funds: {known_funds_text()}.")
    return fund


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def fund_for_name(name: str) -> Fund | None:
    """The fund whose iShares name this is ('iShares Russell 2000 ETF' -> IWM), if known.

    Matched on letters and digits only against the page slug, which iShares derives from the
    name ('iShares Core S&P 500 ETF' ~ 'ishares-core-sp-500-etf'), then against our name.
    """
    key = _squash(name or "")
    if not key:
        return None
    for fund in _FUND_LIST:
        if key in (_squash(fund.slug), _squash(fund.name)):
            return fund
    return None
