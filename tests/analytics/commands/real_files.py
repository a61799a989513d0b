"""The real files the command tests read from ../shared/data (see its PROVENANCE.md)."""

from __future__ import annotations

MEMBERS = "universe/r2000_members_close_2025-06-02_to_2025-12-31.csv"
"""1,868 Russell 2000 members' closes (yfinance auto-adjusted), 2025-06-02 to 2025-12-31."""
IWM_CLOSES = "prices/klevera_yfinance_close_to-2026-08/IWM.csv"
"""IWM's own closes on the same yfinance basis."""
HOLDINGS = "holdings/IWM_holdings_2025-11-05_ishares_raw.csv"
H = "2025-11-05"
SP500_CLOSES = "universe/sp500_ndx_close_yfinance_2024-01-02_to_2026-08-21.csv"
"""518 S&P 500 and Nasdaq-100 names' closes, 2024-01-02 to 2026-08-21."""
CONSTITUENTS = "universe/klevera_constituents_sp500_ndx.json"
"""The S&P 500 (503 names) and Nasdaq-100 lists."""
