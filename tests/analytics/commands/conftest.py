"""Real-data caches shared by the command tests (built once per run; the imports take seconds)."""

from __future__ import annotations

import pytest

from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.holdings import import_holdings_file
from tests.analytics.commands.real_files import HOLDINGS, IWM_CLOSES, MEMBERS, SP500_CLOSES


@pytest.fixture(scope="session")
def r2000_db(shared_data, tmp_path_factory):
    """The member file, IWM's closes and the holdings, imported through the importer."""
    path = tmp_path_factory.mktemp("r2000") / "r2000.db"
    cache = PriceCache(path)
    market = MarketData(cache, None)
    for ticker, bars in read_price_file(shared_data / MEMBERS).items():
        market.import_bars(ticker, bars, f"import:{MEMBERS.rsplit('/', 1)[1]}")
    for ticker, bars in read_price_file(shared_data / IWM_CLOSES, ticker="IWM").items():
        market.import_bars(ticker, bars, "import:IWM.csv")
    import_holdings_file(cache.db, "IWM", shared_data / HOLDINGS)
    cache.close()
    return path


@pytest.fixture(scope="session")
def sp500_db(shared_data, tmp_path_factory):
    """The S&P 500 / Nasdaq-100 close file through 2025-12-31 (2024 gives the averages and the
    52-week highs of 2025 windows their history)."""
    path = tmp_path_factory.mktemp("sp500") / "sp500.db"
    cache = PriceCache(path)
    market = MarketData(cache, None)
    for ticker, bars in read_price_file(shared_data / SP500_CLOSES).items():
        market.import_bars(
            ticker, bars.loc[:"2025-12-31"], f"import:{SP500_CLOSES.rsplit('/', 1)[1]}"
        )
    cache.close()
    return path
