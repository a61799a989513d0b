"""Parsing iShares "Detailed Holdings" CSV files into a frame keyed by Yahoo symbol.

The file: a UTF-8 BOM, a preamble (fund name, `Fund Holdings as of,"May 05, 2026"`, ...),
a line holding a single (non-breaking) space, the header `Ticker,Name,Sector,Asset Class,...`,
one quoted row per position with thousands separators, a blank-ish line and a long quoted
disclaimer spanning many lines. Columns are found by name: older files say `Shares`
where newer ones say `Quantity`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.errors import BadInput, NoData
from analytics.holdings.funds import Fund, fund_for_name
from analytics.symbols import INDEX_ALIASES, normalize_symbol

HOLDINGS_COLUMNS: tuple[str, ...] = (
    "name",
    "sector",
    "weight",
    "quantity",
    "price",
    "market_value",
)
"""Columns of `Holdings.frame`; the index is the Yahoo symbol, named 'symbol'."""

# iShares writes NYSE share classes without a separator (BRKB, BFB, MOGA) where Yahoo wants
# BRK-B. Neither the exchange nor "CLASS A" in the name tells these apart from tickers that
# merely end in the class letter (MA, ZETA, CIA are NYSE "Class A" stocks), so they are listed.
ISHARES_CLASS_TICKERS: dict[str, str] = {
    "BRKA": "BRK-A",
    "BRKB": "BRK-B",
    "BFA": "BF-A",
    "BFB": "BF-B",
    "LENB": "LEN-B",
    "HEIA": "HEI-A",
    "UHALB": "UHAL-B",
    "MOGA": "MOG-A",
    "MOGB": "MOG-B",
    "CWENA": "CWEN-A",
    "GEFB": "GEF-B",
    "CRDA": "CRD-A",
    "CRDB": "CRD-B",
}

_IMPORT_HINT = (
    "Download the holdings CSV from the fund's iShares page (Holdings, 'Detailed Holdings and "
    "Analytics') and import it with `marketbot import holdings FUND FILE`."
)
WEB_PAGE_MESSAGE = "iShares answered a web page, not a holdings file. " + _IMPORT_HINT

_AS_OF_LABEL = "fund holdings as of"
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d/%b/%Y", "%m/%d/%Y", "%Y-%m-%d")
_QUANTITY_HEADERS = ("Quantity", "Shares", "Par Value")
_REQUIRED_HEADERS = ("Ticker", "Asset Class", "Weight (%)")


@dataclass(frozen=True, eq=False)
class Holdings:
    """One fund's holdings on one date.

    fund:      the fund's ticker (IWM), or "" when neither given nor recognised from the name.
    fund_name: as the file states it ("iShares Russell 2000 ETF").
    as_of:     the date the weights are as of (end of that session).
    frame:     indexed by Yahoo symbol ('symbol'), columns HOLDINGS_COLUMNS; equities only;
               weight is a fraction of the fund (0.94% -> 0.0094), quantity in shares, price and
               market_value in the fund's currency. Sorted by weight, largest first.
    unmapped:  iShares tickers of equity rows that have no Yahoo symbol (left out of frame).
    """

    fund: str
    fund_name: str
    as_of: dt.date
    frame: pd.DataFrame = field(repr=False)
    unmapped: tuple[str, ...] = ()

    @property
    def weights(self) -> pd.Series:
        """End-of-day weights (fractions) by Yahoo symbol."""
        return self.frame["weight"]


def yahoo_symbol(ticker: str) -> str:
    """The Yahoo symbol for an iShares ticker: BRKB or BRK.B -> BRK-B; raises BadInput if none."""
    text = ticker.strip().upper()
    if text in ISHARES_CLASS_TICKERS:
        return ISHARES_CLASS_TICKERS[text]
    # Holdings are stocks: COMP is Compass Inc., not the Nasdaq Composite alias.
    if text in INDEX_ALIASES:
        return text
    return normalize_symbol(text)


def parse_ishares_holdings(text: str, *, fund: str | Fund | None = None) -> Holdings:
    """Parse an iShares holdings CSV (as text) into `Holdings`.

    Keeps rows whose Asset Class is Equity (cash, money market, futures and collateral are
    left out), drops the ticker `-` (unlisted remnants), merges repeated tickers (weights,
    quantities and market values summed; name, sector and price from the first row).

    `fund` is the fund's ticker when known; otherwise it is recognised from the fund name in
    the file (for registered funds). A file whose name names a different registered fund is
    rejected. Raises BadInput for web pages and files that are not iShares holdings, NoData
    for a file with no equity rows.
    """
    text = text.lstrip("\ufeff")
    head = text[:2000].lstrip().lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        raise BadInput(WEB_PAGE_MESSAGE)
    try:
        fund_name, as_of_text, header, rows = _split_file(text)
    except csv.Error as exc:
        raise BadInput(
            f"This is not a readable iShares holdings file ({exc}). {_IMPORT_HINT}"
        ) from exc
    if header is None:
        raise BadInput(
            "This is not an iShares holdings file: no 'Ticker,Name,...,Asset Class,Weight (%)' "
            f"header line. {_IMPORT_HINT}"
        )
    as_of = _parse_as_of(as_of_text)
    symbol = _fund_symbol(fund, fund_name)
    frame, unmapped = _equity_frame(header, rows)
    if frame.empty:
        raise NoData(f"The {fund_name or 'iShares'} holdings file for {as_of} lists no stocks.")
    return Holdings(symbol, fund_name, as_of, frame, tuple(unmapped))


def _split_file(text: str) -> tuple[str, str | None, list[str] | None, list[list[str]]]:
    """(fund name, as-of text, header, holding rows) from the raw text."""
    fund_name = ""
    as_of_text: str | None = None
    header: list[str] | None = None
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        if header is None:
            cells = [c.strip() for c in row]
            if cells and cells[0] == "Ticker" and all(h in cells for h in _REQUIRED_HEADERS):
                header = cells
            elif len(cells) >= 2 and cells[0].lower() == _AS_OF_LABEL:
                as_of_text = cells[1]
            elif cells and cells[0] and not fund_name:
                fund_name = cells[0]
            continue
        # The holdings end at the single-space line; the disclaimer after it is one cell.
        if len(row) < 2:
            break
        rows.append(row)
    return fund_name, as_of_text, header, rows


def _parse_as_of(text: str | None) -> dt.date:
    if not text:
        raise BadInput(
            "This iShares file has no 'Fund Holdings as of' date, so its weights cannot be "
            f"dated. {_IMPORT_HINT}"
        )
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise BadInput(f"Cannot read the holdings date '{text[:30]}' (expected e.g. 'May 05, 2026').")


def _fund_symbol(fund: str | Fund | None, fund_name: str) -> str:
    named = fund_for_name(fund_name)
    if fund is None:
        return named.symbol if named else ""
    symbol = fund.symbol if isinstance(fund, Fund) else normalize_symbol(fund)
    if named is not None and named.symbol != symbol:
        raise BadInput(
            f"This file holds {named.symbol} ({fund_name}), not {symbol}. "
            f"Import it as {named.symbol}, or pick the {symbol} file."
        )
    return symbol


def _number(text: str) -> float:
    """'1,532,594,919.50' -> 1532594919.5; '-' or '' -> NaN."""
    cleaned = text.strip().replace(",", "")
    if cleaned in ("", "-", "--"):
        return math.nan
    try:
        return float(cleaned)
    except ValueError:
        return math.nan


def _equity_frame(header: list[str], rows: list[list[str]]) -> tuple[pd.DataFrame, list[str]]:
    col = {name: i for i, name in enumerate(header)}
    quantity_col = next((col[h] for h in _QUANTITY_HEADERS if h in col), None)

    def cell(row: list[str], index: int | None) -> str:
        return row[index] if index is not None and index < len(row) else ""

    merged: dict[str, dict[str, Any]] = {}
    unmapped: list[str] = []
    for row in rows:
        if cell(row, col["Asset Class"]).strip() != "Equity":
            continue
        ticker = cell(row, col["Ticker"]).strip()
        if ticker in ("", "-"):
            continue
        try:
            symbol = yahoo_symbol(ticker)
        except BadInput:
            if ticker not in unmapped:
                unmapped.append(ticker)
            continue
        weight = _number(cell(row, col["Weight (%)"])) / 100.0
        quantity = _number(cell(row, quantity_col))
        market_value = _number(cell(row, col.get("Market Value")))
        if symbol in merged:
            entry = merged[symbol]
            entry["weight"] += weight
            entry["quantity"] += quantity
            entry["market_value"] += market_value
            continue
        merged[symbol] = {
            "name": cell(row, col.get("Name")).strip(),
            "sector": cell(row, col.get("Sector")).strip(),
            "weight": weight,
            "quantity": quantity,
            "price": _number(cell(row, col.get("Price"))),
            "market_value": market_value,
        }
    frame = pd.DataFrame.from_dict(merged, orient="index", columns=list(HOLDINGS_COLUMNS))
    frame.index.name = "symbol"
    frame = frame.astype({c: "float64" for c in HOLDINGS_COLUMNS[2:]})
    # Weight order, ties by symbol, so a snapshot reads back from the store in the same order.
    frame = frame.sort_index().sort_values("weight", ascending=False, kind="stable")
    return frame, unmapped
