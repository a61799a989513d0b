"""Helpers shared by command functions: date parsing and turning a PriceResult into errors."""

from __future__ import annotations

import datetime as dt

from analytics.data.market import PriceResult
from analytics.errors import BadInput, NoData, UnknownSymbol
from analytics.windows import in_date_range, out_of_range


def parse_date(raw: str | None, *, name: str = "date") -> dt.date | None:
    """'2024-06-28' -> date; None/'' -> None; anything else -> BadInput naming the option.

    Dates before 1900 or after 2100 are refused too (analytics.windows.in_date_range).
    """
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{name} '{text[:20]}' is not a date; write it as YYYY-MM-DD, e.g. 2024-06-28."
        ) from None
    if not in_date_range(day):
        raise BadInput(f"{name} {day.isoformat()} {out_of_range(day)}")
    return day


def check_as_of(as_of: dt.date | None, today: dt.date) -> None:
    """Reject an as_of date in the future."""
    if as_of is not None and as_of > today:
        raise BadInput(
            f"as_of {as_of.isoformat()} is in the future; give a past date or leave it empty."
        )


def require_prices(result: PriceResult, tickers: list[str] | tuple[str, ...]) -> None:
    """Raise a specific error when any requested ticker is unknown or has no data at all."""
    unknown = [t for t in tickers if t in result.unknown]
    if unknown:
        raise UnknownSymbol(unknown)
    missing = [t for t in tickers if t in result.missing]
    if missing:
        names = ", ".join(missing)
        if result.warnings:
            raise NoData(f"No prices for {names}: {result.warnings[0]}")
        if result.offline:
            raise NoData(
                f"No cached prices for {names} for the dates asked, and offline mode is on: "
                "import a file (marketbot import prices FILE) or go online."
            )
        raise NoData(f"No prices for {names} for the dates asked.")


def pct(value: float, digits: int = 2) -> str:
    """0.0734 -> '+7.34%'."""
    return f"{value * 100:+.{digits}f}%"


def behind_note(
    data_end: dt.date | None, expected: dt.date, why: str | None = None
) -> tuple[str, str] | None:
    """When the data ends before the session the answer should stand on: a title suffix
    ' (as of D)' and a warning that says so and why; None when the data is current.

    `why` is the reason in a few words ("offline mode is on", "Yahoo Finance is not
    answering"); without one the warning says the data simply ends there.
    """
    if data_end is None or data_end >= expected:
        return None
    reason = f": {why}" if why else ""
    return (
        f" (as of {data_end.isoformat()})",
        f"The data ends {data_end.isoformat()}, before {expected.isoformat()}, the session "
        f"this answer should stand on{reason}.",
    )
