"""`breadth` alerts: the share of a universe's names above their 50-day average crosses X%.

The condition on session t, on the /breadth analytics (analytics/commands/breadth: the names'
closes, split- but not dividend-adjusted; of the names with a close on each of the 50
sessions ending at t, the fraction whose close on t is strictly above their mean): direction
`up` (the default) holds when that share is at or above X%, `down` when it is below X%. It
becomes true on the session the share crosses. The universe is the one /breadth reads for its
window ALERT_WINDOW ending at t (a fund's holdings nearest the window's start), with its
coverage rules: below half of a fund's weight (a list's names) priced, the alert cannot be
checked that session. The embed is that /breadth answer, whose chart draws the share above
the 50-day average session by session.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from analytics.alerts.kinds.base import Evaluation, Kind, Params, Reproduce, given, need
from analytics.alerts.kinds.commands import command_answer
from analytics.answer import Answer
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.holdings.funds import FUNDS

ALERT_WINDOW = "3m"
"""The /breadth window of the evaluation and of the fired embed (its chart shows the crossing)."""
AVERAGE = 50
_DIRECTIONS = ("up", "down")


def share_holds(share: float | None, percent: float, direction: str) -> bool:
    """True when `share` (a fraction; None or NaN: not measured) is at or above `percent`%
    (direction up) or below it (down)."""
    if share is None or not math.isfinite(share):
        return False
    threshold = percent / 100.0
    return share >= threshold if direction == "up" else share < threshold


def universe_name(raw: str) -> str:
    """A fund symbol in capitals ('iwm' -> 'IWM'); a list name as typed (trimmed)."""
    text = raw.strip()
    return text.upper().lstrip("$") if text.upper().lstrip("$") in FUNDS else text


class BreadthKind(Kind):
    name = "breadth"
    takes = ("universe", "percent", "direction")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        example = "universe:IWM percent:70"
        universe = universe_name(str(need(values, "universe", "breadth", example)))
        percent = float(need(values, "percent", "breadth", example))
        if not math.isfinite(percent) or not 0 < percent < 100:
            raise BadInput(
                f"percent {percent:g} is not a share of names; give one between 0 and 100, "
                "e.g. percent:70."
            )
        direction = given(values, "direction") or "up"
        if direction not in _DIRECTIONS:
            raise BadInput(
                "A breadth alert fires when the share rises to the level (direction:up, the "
                "default) or falls below it (direction:down)."
            )
        # A named list is checked when the alert is made: its folder is beside the cache.
        return {"universe": universe, "percent": percent, "direction": direction}

    def describe(self, params: Params) -> str:
        share = f"{params['percent']:g}%"
        if params.get("direction") == "down":
            return f"{params['universe']}: the share above the 50-day average falls below {share}"
        return f"{params['universe']}: the share above the 50-day average reaches {share}"

    def tickers(self, params: Params) -> tuple[str, ...]:
        # A fund's own close (the embed's fund return); its names come with `universes`.
        universe = params["universe"]
        return (universe,) if universe in FUNDS else ()

    def universes(self, params: Params) -> tuple[str, ...]:
        return (params["universe"],)

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        from analytics.commands.breadth._measure import measure_breadth
        from analytics.commands.breadth._parse import BreadthRequest
        from analytics.data.paths import lists_dir
        from analytics.spec import NoProgress
        from analytics.universes import universe_spec
        from analytics.windows import parse_window

        spec = universe_spec(params["universe"], folder=lists_dir(data.cache.path))
        request = BreadthRequest(parse_window(ALERT_WINDOW), as_of, spec)
        found = measure_breadth(data, spec, request, NoProgress())
        above = found.breadth.above[AVERAGE]
        if above.share is None:
            raise NoData(
                f"{found.name} has no share above the {AVERAGE}-day average: {above.note}."
            )
        # The share on each session of the window: the one before the last is the session before.
        series = found.above_50.dropna()
        earlier = series[series.index < series.index[-1]] if len(series) else series
        before = float(earlier.iloc[-1]) if len(earlier) else None
        percent, direction = float(params["percent"]), params["direction"]
        fires = f"{percent:g}% or more" if direction == "up" else f"below {percent:g}%"
        state = (
            f"{above.share:.1%} of {found.name}'s names are above their {AVERAGE}-day average "
            f"on {found.end} ({above.counted:,} counted); fires at {fires}"
        )
        return Evaluation(
            holds=share_holds(above.share, percent, direction),
            held_before=share_holds(before, percent, direction),
            on=found.end,
            state=state,
            values={
                "share": above.share,
                "previous": before,
                "counted": above.counted,
                "coverage": found.coverage.to_json(),
            },
        )

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        values = {"universe": params["universe"], "window": ALERT_WINDOW}
        return command_answer("breadth", values | {"as_of": evaluation.on.isoformat()}, data)

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        universe = params["universe"]
        return Reproduce(
            cli=f"marketbot breadth {universe} --window {ALERT_WINDOW} --as-of {on}",
            slash=f"/breadth universe:{universe} window:{ALERT_WINDOW} as_of:{on}",
        )


BREADTH = BreadthKind()
