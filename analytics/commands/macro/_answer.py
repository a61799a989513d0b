"""The /macro answer: which of the macro answers a request gets.

- gdp-contributions: the four contributions to real GDP growth (`_contributions`);
- GDPNow with a track imported: the Atlanta Fed's daily nowcast as of the day asked (`_gdp`);
  without one, FRED's quarterly GDPNOW with a warning saying what it is and how to import one;
- real GDP growth (A191RL1Q225SBEA) with the release table stored: first release vs revised;
- any other series: its latest reading with history as context (`_series`).

Blocking: the front ends (and the digest) run it in a worker thread; FRED is read through the
facade's FRED source, cache first.
"""

from __future__ import annotations

from analytics.answer import Answer
from analytics.commands.macro._contributions import contributions_answer
from analytics.commands.macro._gdp import NO_TRACK, gdpnow_track, with_first_releases
from analytics.commands.macro._parse import MacroRequest
from analytics.commands.macro._series import load, series_answer
from analytics.data.market import MarketData
from analytics.macro.contributions import HEADLINE_ID
from analytics.macro.series import GDP_CONTRIBUTIONS
from analytics.macro.source import fred_of
from analytics.spec import Progress

GDPNOW_ID = "GDPNOW"


def answer(data: MarketData, request: MacroRequest, progress: Progress) -> Answer:
    """The answer to `request` (see the module docstring)."""
    fred = fred_of(data)
    series = request.series
    if series.kind == GDP_CONTRIBUTIONS:
        return contributions_answer(data, fred, request, progress)
    if series.id == GDPNOW_ID:
        track = gdpnow_track(data, fred, request, progress)
        if track is not None:
            return track
        return series_answer(load(data, fred, request, progress), request, notes=(NO_TRACK,)).answer
    composed = series_answer(load(data, fred, request, progress), request)
    if series.id == HEADLINE_ID and request.value is None:
        return with_first_releases(composed, fred.releases(progress))
    return composed.answer
