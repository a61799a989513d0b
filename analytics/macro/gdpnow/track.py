"""Reading the GDPNow track in the layout the Atlanta Fed publishes.

The layout (the "TrackingArchives"-style export, as in
../shared/data/fred/atlantafed/gdpnow_track_2014-05-01_to_2025-12-31.csv): UTF-8 with a BOM, CRLF
line ends, no final newline, the header `Forecast Date,Quarter being forecasted,GDP Nowcast`,
dates written `m/d/yy`, the quarter named by its last day (`12/31/25` = 2025 Q4) and the nowcast
in % change at a seasonally adjusted annual rate.

The parser is strict: a file that is not a track is refused with what was expected, and every
row that is not a clean nowcast is skipped and reported with its line and reason, never guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.errors import BadInput

HEADER = ("Forecast Date", "Quarter being forecasted", "GDP Nowcast")
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))

# GDPNow forecasts a quarter from inside it until BEA's advance estimate, which has come as late
# as 84 days after the quarter's end (2025 Q3, delayed by the shutdown, on 2025-12-23). Half a
# year after the quarter's end leaves room for longer delays and still catches swapped columns.
LATEST_AFTER_QUARTER_END = dt.timedelta(days=183)


@dataclass(frozen=True)
class TrackRow:
    """One nowcast: published on `forecast_date` for the quarter starting `quarter` (its first
    day, as FRED dates quarters), in % SAAR."""

    forecast_date: dt.date
    quarter: dt.date
    nowcast: float


@dataclass(frozen=True)
class SkippedRow:
    """A row left out: its line number in the file (the header is line 1) and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ParsedTrack:
    """The rows of a track file, sorted by forecast date, and the rows skipped."""

    rows: tuple[TrackRow, ...]
    skipped: tuple[SkippedRow, ...]
    source: str

    def frame(self) -> pd.DataFrame:
        """The rows as the analytics take them (see `track_frame`)."""
        return track_frame(self.rows)


def track_frame(rows: Sequence[TrackRow]) -> pd.DataFrame:
    """Rows -> DataFrame with columns forecast_date, quarter (datetime64) and nowcast (float64),
    sorted by forecast date then quarter; empty rows give an empty frame with those columns."""
    frame = pd.DataFrame(
        {
            "forecast_date": pd.to_datetime([r.forecast_date for r in rows]),
            "quarter": pd.to_datetime([r.quarter for r in rows]),
            "nowcast": pd.Series([r.nowcast for r in rows], dtype="float64"),
        }
    )
    return frame.sort_values(["forecast_date", "quarter"], ignore_index=True)


def quarter_start(last_day: dt.date) -> dt.date:
    """The first day of the quarter whose last day is `last_day` (ValueError otherwise)."""
    if (last_day.month, last_day.day) not in QUARTER_ENDS:
        raise ValueError(f"{last_day} is not the last day of a quarter")
    return dt.date(last_day.year, last_day.month - 2, 1)


def quarter_end(first_day: dt.date) -> dt.date:
    """The last day of the quarter starting `first_day`."""
    month = first_day.month + 2
    return dt.date(first_day.year, month, QUARTER_ENDS[(month - 3) // 3][1])


def _parse_date(text: str) -> dt.date:
    """`m/d/yy` (the Atlanta Fed's), `m/d/yyyy` (a spreadsheet re-save) or ISO `yyyy-mm-dd`."""
    text = text.strip()
    for pattern in ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _not_a_track(where: str, first_line: str) -> BadInput:
    return BadInput(
        f"{where} is not a GDPNow track: expected the Atlanta Fed's header "
        f"'{','.join(HEADER)}', got '{first_line[:60]}'."
    )


def parse_gdpnow_track(text: str, *, source: str = "the file") -> ParsedTrack:
    """Parse the text of a track file.

    Columns are found by their header names (case and surrounding spaces ignored; other columns
    are ignored). A row is skipped, with its reason, when it has too few cells, a forecast date
    or quarter that is not a date, a quarter that is not a quarter's last day, a nowcast that is
    not a finite number, a forecast date outside its quarter's forecasting window (from the
    quarter's first day to half a year after its end), or when it repeats the forecast date and
    quarter of an earlier row (the first is kept). Blank lines are ignored.

    Raises BadInput for a web page, a file whose header is not the track's, or a track with no
    valid row (naming the first problems).
    """
    body = (text or "").lstrip("\ufeff")
    head = body.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head:
        raise BadInput(f"{source} is a web page, not the GDPNow track: save the track as CSV.")
    rows = list(csv.reader(io.StringIO(body)))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    try:
        columns = [header.index(name.lower()) for name in HEADER]
    except ValueError:
        first = body.splitlines()[0] if body.strip() else "nothing"
        raise _not_a_track(source, first) from None

    kept: dict[tuple[dt.date, dt.date], int] = {}
    good: list[TrackRow] = []
    skipped: list[SkippedRow] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        reason = None
        try:
            parsed = _row(row, columns)
        except ValueError as exc:
            reason = str(exc)
        else:
            key = (parsed.forecast_date, parsed.quarter)
            if key in kept:
                reason = f"repeats the forecast of {key[0].isoformat()} for the same quarter (line {kept[key]})"
            else:
                kept[key] = line
                good.append(parsed)
        if reason is not None:
            skipped.append(SkippedRow(line, reason))
    if not good:
        problems = "; ".join(f"line {s.line}: {s.reason}" for s in skipped[:3]) or "no rows"
        raise BadInput(f"{source} has the GDPNow track's header but no valid nowcast ({problems}).")
    good.sort(key=lambda r: (r.forecast_date, r.quarter))
    return ParsedTrack(tuple(good), tuple(skipped), source)


def _row(row: list[str], columns: list[int]) -> TrackRow:
    """One data row, or ValueError with the reason it is not a nowcast."""
    if len(row) <= max(columns):
        raise ValueError(f"has {len(row)} cells, expected {max(columns) + 1}")
    date_text, quarter_text, value_text = (row[i].strip() for i in columns)
    try:
        forecast_date = _parse_date(date_text)
    except ValueError:
        raise ValueError(f"forecast date '{date_text[:20]}' is not a date like 12/16/25") from None
    try:
        last_day = _parse_date(quarter_text)
    except ValueError:
        raise ValueError(f"quarter '{quarter_text[:20]}' is not a date like 12/31/25") from None
    try:
        first_day = quarter_start(last_day)
    except ValueError:
        raise ValueError(
            f"quarter '{quarter_text}' is not a quarter's last day (3/31, 6/30, 9/30 or 12/31)"
        ) from None
    try:
        value = float(value_text)
    except ValueError:
        raise ValueError(f"nowcast '{value_text[:20]}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"nowcast '{value_text[:20]}' is not a finite number")
    if not first_day <= forecast_date <= last_day + LATEST_AFTER_QUARTER_END:
        raise ValueError(
            f"forecast date {forecast_date.isoformat()} is outside the forecasting window of "
            f"the quarter ending {last_day.isoformat()}"
        )
    return TrackRow(forecast_date, first_day, value)


def read_gdpnow_file(path: Path | str) -> ParsedTrack:
    """Read and parse a track file (see `parse_gdpnow_track`). BadInput for a missing or
    unreadable file, or the Atlanta Fed's Excel workbook itself (its track must be saved as CSV)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"No such file: {path}.") from None
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.__class__.__name__}.") from None
    if raw.startswith(b"PK\x03\x04"):
        raise BadInput(
            f"{path.name} is an Excel workbook: open it, and save the sheet with the daily "
            "track (Forecast Date, Quarter being forecasted, GDP Nowcast) as CSV."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(
            f"{path.name} is not a UTF-8 text file, so not a GDPNow track CSV."
        ) from None
    return parse_gdpnow_track(text, source=path.name)
