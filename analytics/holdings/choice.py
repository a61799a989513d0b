"""Which holdings snapshot weights a window, and when to download a new one: one rule for every
command that reads a fund's holdings (contributors, movers over a fund, the digest).

A holdings file's weights are as of its own date H; a window S..E needs the weights at S. They
are carried from H to S by price (analytics.contribution.weights_at), so the best file is the
one nearest S. Names that joined or left the fund between H and S cannot be carried, so a file
far from S is named in a warning (FAR_DAYS), and one more than a year away is not used.

Refresh policy (iShares serves only the current file, dated about the last session):
- a fund is downloaded at most once a New York day (an import counts as that day's fetch);
- online, a download is made when no snapshot is stored, when the best stored one is more than
  MAX_DAYS from S, or when a current file would be nearer S than the best stored one;
- offline (or without a download session) a best snapshot more than MAX_DAYS from S is refused,
  saying what to import; a failed download falls back to the stored snapshots with a warning.

The policy is blocking (SQLite, and the download waits on the event loop through the data
facade's HTTP bridge); commands reach it as `data.holdings` (analytics.holdings.source).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from analytics import calendar
from analytics.errors import NoData, UpstreamError
from analytics.holdings.funds import Fund, get_fund
from analytics.holdings.ishares import Holdings
from analytics.holdings.store import HoldingsStore, Memo

if TYPE_CHECKING:
    import sqlite_utils

FAR_DAYS = 92
"""A snapshot more than this many calendar days from S is named in the answer's warnings."""
MAX_DAYS = 365
"""A snapshot more than this many calendar days from S is not used at all."""


def choose_snapshot(dates: Iterable[dt.date], start: dt.date) -> tuple[dt.date, int] | None:
    """The snapshot date nearest `start` (the window's first session S) and its distance in
    calendar days, |H - S|; at equal distance the one on or before S. None when no dates.

    Before or after S does not change how well the weights carry (a price move either way),
    so only the distance counts; the tie goes to the earlier file, which S's fund had seen.
    """
    best: tuple[int, int, dt.date] | None = None
    for day in dates:
        distance = abs((day - start).days)
        key = (distance, 0 if day <= start else 1, day)
        if best is None or key < best:
            best = key
    return None if best is None else (best[2], best[0])


@dataclass(frozen=True, eq=False)
class SnapshotChoice:
    """The holdings chosen for a window starting at `start` (S).

    holdings:      the snapshot (its `as_of` is H).
    start:         S, the session whose weights are wanted.
    distance_days: |H - S| in calendar days.
    dates:         every stored snapshot date of the fund, oldest first (to choose again for
                   another S without reading the store).
    notes:         warnings about how it was obtained (a failed download).
    """

    holdings: Holdings
    start: dt.date
    distance_days: int
    dates: tuple[dt.date, ...]
    notes: tuple[str, ...] = ()

    @property
    def as_of(self) -> dt.date:
        return self.holdings.as_of

    @property
    def far(self) -> bool:
        return self.distance_days > FAR_DAYS

    def at(self, start: dt.date) -> SnapshotChoice:
        """The same snapshot, described for another start session (the data's own S)."""
        return replace(self, start=start, distance_days=abs((self.as_of - start).days))

    def relation(self) -> str:
        """'the window's start' / '36 days after the window's start' / '1 day before ...'."""
        if self.distance_days == 0:
            return "the window's start"
        side = "after" if self.as_of > self.start else "before"
        unit = "day" if self.distance_days == 1 else "days"
        return f"{self.distance_days:,} {unit} {side} the window's start"

    def sentence(self) -> str:
        """'Weights at 2025-09-30 from the 2025-11-05 holdings (36 days after the window's
        start).' for the summary."""
        if self.distance_days == 0:
            return f"Weights at {self.start} are the {self.as_of} holdings' own."
        return f"Weights at {self.start} from the {self.as_of} holdings ({self.relation()})."

    def warnings(self) -> tuple[str, ...]:
        """The notes, and when the snapshot is far from S, a warning naming it."""
        far = ()
        if self.far:
            far = (
                f"Holdings of {self.as_of} are {self.relation()} ({self.start}), more than "
                f"{FAR_DAYS} days: names that joined or left the fund in between are missed, "
                "so the weights are approximate.",
            )
        return (*self.notes, *far)

    def to_json(self) -> dict[str, object]:
        return {
            "holdings_as_of": self.as_of.isoformat(),
            "weights_at": self.start.isoformat(),
            "holdings_distance_days": self.distance_days,
        }


def missing_holdings_message(fund: Fund, offline: bool) -> str:
    """No snapshot stored and none can be downloaded: say where to get the file."""
    why = "offline mode is on" if offline else "they cannot be downloaded here"
    return (
        f"No {fund.symbol} holdings are stored and {why}. Download the holdings CSV from "
        f"https://www.ishares.com{fund.page_path} and run "
        f"`marketbot import holdings {fund.symbol} FILE`."
    )


def too_far_message(fund: Fund, best: tuple[dt.date, int], start: dt.date, online: bool) -> str:
    """The nearest snapshot is more than MAX_DAYS from S: refuse, saying what would do."""
    fix = (
        f"import {fund.symbol} holdings dated near {start}"
        if online
        else f"go online to download the current {fund.symbol} file, or import one dated near {start}"
    )
    return (
        f"The nearest {fund.symbol} holdings are of {best[0]}, {best[1]:,} days from the "
        f"window's start ({start}): more than a year, too far to carry the weights. To answer, "
        f"{fix} (`marketbot import holdings {fund.symbol} FILE`, the CSV from "
        f"https://www.ishares.com{fund.page_path})."
    )


def wants_download(
    best: tuple[dt.date, int] | None, start: dt.date, latest_session: dt.date
) -> bool:
    """Whether a current file (dated about `latest_session`) is worth downloading for S:
    nothing stored, the best stored is more than MAX_DAYS away, or a current file is nearer."""
    if best is None or best[1] > MAX_DAYS:
        return True
    return abs((latest_session - start).days) < best[1]


Download = Callable[[Fund], Holdings]
"""Fetches a fund's current holdings file (analytics.holdings.source: through the data
facade's HTTP bridge); raises UpstreamError when it cannot."""


def holdings_near(
    db: sqlite_utils.Database,
    fund: str | Fund,
    start: dt.date,
    *,
    now: dt.datetime,
    download: Download | None,
    offline: bool = False,
    on_download: Callable[[], None] | None = None,
    memo: Memo | None = None,
) -> SnapshotChoice:
    """The snapshot of `fund` to weight a window starting at `start` by (policy above).

    `db` is the calling thread's connection to the cache; `download` fetches a current file
    (None: no download, as offline); `on_download()` is called just before one. Raises NoData
    when nothing usable is stored and nothing can be downloaded (saying what to import), or the
    download's UpstreamError when it fails with nothing to fall back on. `memo`: where the
    snapshot read may be kept (HoldingsStore). Blocking.
    """
    fund = get_fund(fund)
    store = HoldingsStore(db, memo)
    refresh, dates = store.needs_refresh(fund, now), store.as_of_dates(fund)
    best = choose_snapshot(dates, start)
    online = download is not None
    notes: list[str] = []
    failure: UpstreamError | None = None
    if online and refresh and wants_download(best, start, calendar.last_completed_session(now)):
        assert download is not None
        if on_download is not None:
            on_download()
        try:
            downloaded = download(fund)
        except UpstreamError as exc:
            failure = exc
            if best is not None:
                notes.append(
                    f"Could not download {fund.symbol} holdings from iShares ({_reason(exc)}); "
                    f"using the stored holdings of {best[0]}."
                )
        else:
            store.save(downloaded, fetched_at=now)
            dates = sorted({*dates, downloaded.as_of})
            best = choose_snapshot(dates, start)
    if best is None:
        if failure is not None:
            raise failure
        raise NoData(missing_holdings_message(fund, offline))
    if best[1] > MAX_DAYS:
        if failure is not None:
            raise failure
        raise NoData(too_far_message(fund, best, start, online))
    holdings = store.snapshot(fund, best[0])
    assert holdings is not None
    if holdings.frame.empty:
        raise NoData(f"The stored {fund.symbol} holdings of {holdings.as_of} list no stocks.")
    return SnapshotChoice(holdings, start, best[1], tuple(dates), tuple(notes))


def first_holdings(
    db: sqlite_utils.Database,
    fund: str | Fund,
    *,
    now: dt.datetime,
    download: Download | None,
    offline: bool = False,
    on_download: Callable[[], None] | None = None,
) -> None:
    """When no snapshot of `fund` is stored, download one now, before any price is read (the
    policy would download it for any window anyway); offline, or when the download fails,
    raise what `holdings_near` would (NoData saying what to import, or the UpstreamError).
    Blocking."""
    fund = get_fund(fund)
    store = HoldingsStore(db)
    if store.as_of_dates(fund):
        return
    if download is None:
        raise NoData(missing_holdings_message(fund, offline))
    if on_download is not None:
        on_download()
    store.save(download(fund), fetched_at=now)


def _reason(exc: UpstreamError) -> str:
    """'a web page instead of the file' out of fetch_holdings' message."""
    match = re.search(r"from iShares \(([^)]*)\)", exc.message)
    return match.group(1) if match else "download failed"
