"""What GDPNow said on a day: the latest nowcast, the quarter it forecasts, its path and change.

Pure functions over the track frame (columns forecast_date, quarter as datetime64, nowcast in %
SAAR; see analytics.macro.gdpnow.track.track_frame) and BEA's real GDP growth history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from analytics.errors import NoData
from analytics.macro.context import Context, history_context
from analytics.macro.gdpnow.track import quarter_end

IMPORT_HINT = "marketbot import gdpnow FILE"

# The longest the Atlanta Fed went without a new nowcast in 2014-2025 is 13 days (Oct 2025,
# Dec 2018): a track whose last row is older than this, on the day asked, is out of date.
STALE_AFTER = dt.timedelta(days=14)


@dataclass(frozen=True)
class TrackPoint:
    """One nowcast of the path: published on `date`, in % SAAR."""

    date: dt.date
    value: float


@dataclass(frozen=True)
class Nowcast:
    """The latest nowcast on or before `as_of`.

    date/value:  when it was published and what it said (% SAAR).
    quarter:     the first day of the quarter it forecasts (FRED's dating). Not always the
                 calendar quarter of `date`: a quarter is forecast until BEA's advance estimate.
    path:        every nowcast of that quarter published on or before `date`, oldest first
                 (the latest is the last point).
    previous:    the update before it for the same quarter; None for the quarter's first nowcast.
    change:      value - previous.value, in percentage points; None without a previous update.
    track_end:   the last forecast date of the whole track (later than `date` for a past as_of).
    """

    as_of: dt.date
    date: dt.date
    value: float
    quarter: dt.date
    path: tuple[TrackPoint, ...]
    previous: TrackPoint | None
    change: float | None
    track_end: dt.date

    @property
    def quarter_end(self) -> dt.date:
        return quarter_end(self.quarter)

    @property
    def after_quarter_end(self) -> bool:
        """True when the quarter had ended and BEA's advance estimate was not out yet."""
        return self.date > self.quarter_end

    @property
    def stale(self) -> bool:
        """True when the track ends more than STALE_AFTER before the day asked (later nowcasts
        are probably missing, not absent)."""
        return self.date == self.track_end and self.as_of - self.track_end > STALE_AFTER


def latest_nowcast(track: pd.DataFrame, as_of: dt.date) -> Nowcast:
    """The nowcast standing on `as_of`: the row with the latest forecast date on or before it
    (two quarters on one date: the later quarter, the one just started), with its quarter's path.

    Raises NoData when the track is empty (saying how to import one) or starts after `as_of`.
    """
    if track.empty:
        raise NoData(
            f"No GDPNow track is stored: import the Atlanta Fed's track with `{IMPORT_HINT}`."
        )
    ordered = track.sort_values(["forecast_date", "quarter"], ignore_index=True)
    known = ordered[ordered["forecast_date"] <= pd.Timestamp(as_of)]
    if known.empty:
        first = ordered["forecast_date"].iloc[0].date().isoformat()
        raise NoData(
            f"The GDPNow track starts {first}; there is no nowcast on or before {as_of.isoformat()}."
        )
    latest = known.iloc[-1]
    quarter = latest["quarter"]
    same = known[known["quarter"] == quarter]
    path = tuple(
        TrackPoint(day.date(), float(value))
        for day, value in zip(same["forecast_date"], same["nowcast"], strict=True)
    )
    previous = path[-2] if len(path) > 1 else None
    return Nowcast(
        as_of=as_of,
        date=path[-1].date,
        value=path[-1].value,
        quarter=quarter.date(),
        path=path,
        previous=previous,
        change=None if previous is None else path[-1].value - previous.value,
        track_end=ordered["forecast_date"].iloc[-1].date(),
    )


def nowcast_context(
    nowcast: Nowcast,
    history: pd.Series,
    *,
    exclude: Iterable[tuple[dt.date, dt.date]] = (),
    direction: str | None = None,
    value: float | None = None,
    max_episodes: int = 3,
) -> Context:
    """Where the nowcast (or `value`) stands against BEA's growth in the quarters before the one
    forecast: the earlier quarters at least as fast (or as slow), analytics.macro.context's
    history_context with the quarter's first day as the cut-off (so the quarter's own BEA
    estimate, published later, is never compared with its nowcast). History in % SAAR.
    """
    return history_context(
        history,
        nowcast.value if value is None else value,
        nowcast.quarter,
        direction=direction,
        exclude=exclude,
        max_episodes=max_episodes,
    )
