"""Real and made-up iShares holdings files for the holdings tests, and a plain `csv` reading of
them to check the parser against."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from analytics.holdings import parse_ishares_holdings

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
