"""Reading daily price bars from CSV files people already have (offline import).

The format is recognised from the header's column names (case-insensitive), never from
column positions, so any column order works. See `describe_formats()` for what is accepted.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.provider import BAR_COLUMNS
from analytics.data.validate import SkippedRows, clean_bars
from analytics.errors import BadInput
from analytics.symbols import normalize_symbol

_FORMATS: tuple[str, ...] = (
    "Yahoo export: Date,Open,High,Low,Close,Adj Close,Volume",
    "yfinance (auto-adjusted, any column order): Date,Close,High,Low,Open,Volume",
    "yfinance download with Price/Ticker/Date header rows (one or more tickers)",
    "Alpha Vantage: timestamp,open,high,low,close,volume (newest first is fine)",
    "close only: date,close",
    "long multi-ticker: Symbol (or Ticker),Date,[Open,High,Low,]Close[,Volume]"
    " (optional split_adj_factor is applied)",
)

# Header spellings -> role. Keys are lower-cased with '_'/'-' turned into spaces.
_ROLES: dict[str, str] = {
    "date": "date",
    "timestamp": "date",
    "datetime": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj close": "adj_close",
    "adjclose": "adj_close",
    "adjusted close": "adj_close",
    "volume": "volume",
    "symbol": "ticker",
    "ticker": "ticker",
    "split adj factor": "split_adj_factor",
}
_NUMERIC_ROLES = (*BAR_COLUMNS, "split_adj_factor")
_MISSING = ["", "null", "NULL", "Null", ".", "NaN", "nan", "NA", "N/A", "n/a", "None", "-"]
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


class NotAPriceFile(BadInput):
    """The file's header is not a price format at all (a folder import skips such files)."""


@dataclass(frozen=True)
class PriceFile:
    """One CSV price file, read and cleaned.

    bars: ticker -> bar frame (see `read_price_file`); tickers whose every row was skipped are
    left out of it but not out of `skipped`, which counts the rows `clean_bars` dropped per
    ticker (tickers without a skipped row are absent). `with_adj_close`: tickers whose rows
    carry their own Adj Close (a raw Close beside it); for the others adj_close = close.
    """

    path: Path
    bars: dict[str, pd.DataFrame]
    skipped: dict[str, SkippedRows] = field(default_factory=dict)
    with_adj_close: frozenset[str] = frozenset()

    @property
    def skipped_total(self) -> SkippedRows:
        total = SkippedRows()
        for rows in self.skipped.values():
            total = total + rows
        return total


def describe_formats() -> str:
    """One line per accepted CSV price format, for help and error text."""
    return "\n".join(f"- {line}" for line in _FORMATS)


def read_price_file(path: Path | str, ticker: str | None = None) -> dict[str, pd.DataFrame]:
    """Read one CSV price file into {ticker: bar frame}: `load_price_file(...).bars`."""
    return load_price_file(path, ticker).bars


def load_price_file(path: Path | str, ticker: str | None = None) -> PriceFile:
    """Read one CSV price file: a bar frame per ticker, and the rows skipped and why.

    Each frame is indexed by a tz-naive, ascending, unique DatetimeIndex named 'date' and
    has exactly BAR_COLUMNS as float64 (prices in the file's currency, volume in shares),
    NaN for columns the file lacks. Bad rows are skipped and counted (`clean_bars`): no date
    or close, zero/negative/infinite prices, days the NYSE was closed, repeated dates within
    one ticker (the last in the file wins).

    Where the file has no Adj Close column, adj_close = close: such sources are either
    already adjusted (yfinance auto_adjust, Polygon adjusted=true for splits) or unadjusted
    (Alpha Vantage TIME_SERIES_DAILY), and the file itself cannot tell which.
    A `split_adj_factor` column (merged Polygon files) multiplies open/high/low/close and
    divides volume, putting old rows on the basis of the newest data.

    Ticker: `ticker` if given (normalized), else the file name's stem through
    `normalize_symbol` (SPY.csv -> SPY, GSPC.csv -> ^GSPC). Long files carry their own
    tickers (normalized, BRK.B -> BRK-B); with `ticker` only that one is returned.

    Raises BadInput naming the file and listing the accepted formats when the file cannot
    be read, or it has no usable rows; NotAPriceFile when its header is not a price format.
    """
    path = Path(path)
    wanted = _normalize_or_fail(ticker, path, "the ticker given") if ticker else None
    header, second, third = _head_rows(path)
    if _is_yfinance_multiheader(header, second, third):
        bars, with_adj = _read_yfinance_multiheader(path, header, second)
    else:
        roles = _column_roles(path, header)
        frame = _read_frame(path, roles)
        if "ticker" in roles.values():
            bars = _split_long(path, frame)
        else:
            name = wanted or _normalize_or_fail(path.stem, path, "the file name")
            bars = {name: _to_bars(frame)}
        with_adj = set(bars) if "adj_close" in roles.values() else set()
    if wanted is not None:
        # Single-ticker files are already keyed by `wanted`; multi-ticker files are filtered.
        if wanted not in bars:
            held = ", ".join(sorted(bars)[:10]) + (" ..." if len(bars) > 10 else "")
            raise _bad(path, f"it has no rows for {wanted} (it holds {held})")
        bars = {wanted: bars[wanted]}
    clean: dict[str, pd.DataFrame] = {}
    skipped: dict[str, SkippedRows] = {}
    for name, frame in bars.items():
        kept, dropped = clean_bars(frame)
        if dropped:
            skipped[name] = dropped
        if not kept.empty:
            clean[name] = kept
    if not clean:
        total = sum((s for s in skipped.values()), SkippedRows())
        why = f" ({total.text()})" if total else ""
        raise _bad(path, f"it has no rows with a date and a close price{why}")
    return PriceFile(path, clean, skipped, frozenset(with_adj) & frozenset(clean))


def _bad(path: Path, reason: str) -> BadInput:
    return BadInput(
        f"Cannot import {path.name}: {reason}. Accepted price files (CSV):\n{describe_formats()}"
    )


def _normalize_or_fail(raw: str, path: Path, where: str) -> str:
    try:
        return normalize_symbol(raw)
    except BadInput:
        raise _bad(
            path,
            f"{where} ({raw!r}) is not a ticker; name the file after its ticker "
            "(e.g. SPY.csv) or give the ticker explicitly",
        ) from None


def _head_rows(path: Path) -> tuple[list[str], list[str], list[str]]:
    """The first three CSV rows (the header and what may be more header rows)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            rows = [next(reader, []) for _ in range(3)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _bad(path, f"the file cannot be read ({exc.__class__.__name__})") from None
    if not any(cell.strip() for cell in rows[0]):
        raise _bad(path, "the file is empty or its first line is blank")
    return rows[0], rows[1], rows[2]


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _column_roles(path: Path, header: list[str]) -> dict[str, str]:
    """Header name -> role for the columns we use; extra columns are ignored."""
    roles: dict[str, str] = {}
    for name in header:
        role = _ROLES.get(_key(name))
        if role is None:
            continue
        if role in roles.values():
            raise _bad(path, f"more than one column means {role!r} (header: {','.join(header)})")
        roles[name] = role
    if not {"date", "close"} <= set(roles.values()):
        shown = ",".join(header)[:120]
        raise NotAPriceFile(
            _bad(path, f"the header {shown!r} needs at least a date and a close column").message
        )
    return roles


def _read_frame(path: Path, roles: dict[str, str]) -> pd.DataFrame:
    """The used columns renamed to their roles; numbers as float64, dates parsed."""
    numeric = [name for name, role in roles.items() if role in _NUMERIC_ROLES]
    try:
        raw = pd.read_csv(
            path,
            encoding="utf-8-sig",
            usecols=list(roles),
            # Text columns stay text: a ticker such as "NA" must not become NaN.
            dtype={name: str for name, role in roles.items() if role in ("date", "ticker")},
            keep_default_na=False,
            na_values={name: _MISSING for name in numeric},
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise _bad(path, f"the rows cannot be parsed ({str(exc).splitlines()[0][:120]})") from None
    frame = raw.rename(columns=roles)
    for role in (roles[name] for name in numeric):
        frame[role] = _as_float(path, frame[role], role)
    frame["date"] = _parse_dates(path, frame["date"])
    return frame


def _as_float(path: Path, column: pd.Series, role: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    values = pd.to_numeric(column, errors="coerce")
    junk = values.isna() & column.notna()
    if junk.any():
        row = int(np.flatnonzero(junk.to_numpy())[0])
        raise _bad(path, f"{role} on data row {row + 1} is {column.iloc[row]!r}, not a number")
    return values.astype("float64")


def _parse_dates(path: Path, text: pd.Series) -> pd.Series:
    """ISO dates to tz-naive midnight timestamps; blank dates become NaT."""
    stripped = text.str.strip()
    # Few distinct dates repeat across many tickers: parse each distinct string once.
    codes, uniques = pd.factorize(stripped.mask(stripped == ""))
    # yfinance writes exchange-local midnight with an offset; the wall date is the session.
    cleaned = pd.Series(uniques, dtype=object).str.replace(_TZ_SUFFIX, "", regex=True)
    parsed = pd.to_datetime(cleaned, format="ISO8601", errors="coerce")
    if parsed.isna().any():
        bad = uniques[int(np.flatnonzero(parsed.isna().to_numpy())[0])]
        raise _bad(path, f"the date {bad!r} is not a YYYY-MM-DD date")
    if (parsed != parsed.dt.normalize()).any():
        raise _bad(path, "it holds intraday times; export daily bars (one row per session)")
    parsed = parsed.astype("datetime64[ns]")
    values = parsed.to_numpy()[codes]
    values[codes < 0] = np.datetime64("NaT")
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def _to_bars(frame: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Bar rows from role columns: split-adjusted, sorted by keys + date (file order kept
    within a date, so `clean_bars` keeps the last of repeated dates).

    Without `keys` the result is one ticker's bar frame indexed by date; with keys
    (["ticker"]) it is a long frame keeping those columns, still indexed by date.
    """
    keys = keys or []
    if "split_adj_factor" in frame:
        factor = frame["split_adj_factor"].fillna(1.0)
        frame = frame.assign(
            **{c: frame[c] * factor for c in ("open", "high", "low", "close") if c in frame},
            **({"volume": frame["volume"] / factor} if "volume" in frame else {}),
        )
    frame = frame.sort_values([*keys, "date"], kind="stable").set_index("date")
    bars = frame[keys].copy()
    for column in BAR_COLUMNS:
        if column in frame:
            bars[column] = frame[column].astype("float64")
        elif column == "adj_close":
            bars[column] = bars["close"]
        else:
            bars[column] = np.nan
    return bars


def _split_long(path: Path, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Long (ticker, date, ...) rows -> one bar frame per normalized ticker."""
    tickers = frame["ticker"].str.strip()
    codes, raw_names = pd.factorize(tickers.mask(tickers == ""))
    names = [_normalize_or_fail(n, path, "a ticker in the file") for n in raw_names]
    # Normalizing first merges spellings such as BRK.B and BRK-B into one ticker.
    unique_names, merged = np.unique(np.array(names, dtype=object), return_inverse=True)
    keep = codes >= 0
    frame = frame[keep].assign(
        ticker=pd.Categorical.from_codes(merged[codes[keep]], categories=list(unique_names))
    )
    long = _to_bars(frame, ["ticker"])
    if long.empty:
        return {}
    # Rows are sorted by ticker, so each ticker is one contiguous slice.
    ticker_codes = long["ticker"].cat.codes.to_numpy()
    starts = np.flatnonzero(np.r_[True, ticker_codes[1:] != ticker_codes[:-1]])
    ends = np.r_[starts[1:], len(long)]
    categories = long["ticker"].cat.categories
    bars = long[list(BAR_COLUMNS)]
    return {categories[ticker_codes[s]]: bars.iloc[s:e] for s, e in zip(starts, ends, strict=True)}


def _is_yfinance_multiheader(header: list[str], second: list[str], third: list[str]) -> bool:
    return (
        bool(header and second and third)
        and _key(header[0]) == "price"
        and _key(second[0]) == "ticker"
        and _ROLES.get(_key(third[0])) == "date"
    )


def _read_yfinance_multiheader(
    path: Path, header: list[str], second: list[str]
) -> tuple[dict[str, pd.DataFrame], set[str]]:
    """yf.download(...).to_csv(): row 1 fields, row 2 tickers, row 3 'Date'; then data."""
    fields = [
        (_ROLES.get(_key(f)), t.strip()) for f, t in zip(header[1:], second[1:], strict=False)
    ]
    names = ["date"] + [f"column {i}" for i in range(1, len(fields) + 1)]
    try:
        raw = pd.read_csv(
            path,
            encoding="utf-8-sig",
            header=None,
            skiprows=3,
            names=names,
            dtype={"date": str},
            keep_default_na=False,
            na_values={n: _MISSING for n in names[1:]},
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise _bad(path, f"the rows cannot be parsed ({str(exc).splitlines()[0][:120]})") from None
    dates = _parse_dates(path, raw["date"])
    bars: dict[str, pd.DataFrame] = {}
    with_adj: set[str] = set()
    for tick in dict.fromkeys(t for _, t in fields if t):
        columns = {"date": dates}
        for (role, t), name in zip(fields, names[1:], strict=True):
            if t == tick and role in BAR_COLUMNS:
                columns[role] = _as_float(path, raw[name], role)
        if "close" not in columns:
            raise _bad(path, f"there is no Close column for {tick}")
        name = _normalize_or_fail(tick, path, "a ticker in the file")
        bars[name] = _to_bars(pd.DataFrame(columns))
        if "adj_close" in columns:
            with_adj.add(name)
    return bars, with_adj
