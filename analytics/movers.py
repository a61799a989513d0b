"""Movers: the names of a universe that rose or fell the most over a window.

Returns are total returns over the window grammar's B..E (adjusted closes):
r = close(E) / close(B) - 1, a fraction (0.05 = +5%). See analytics.returns.window_returns.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import BadInput, NoData
from analytics.returns import RETURN_COLUMNS, WindowReturns, window_returns
from analytics.windows import Window, window_bounds

DIRECTIONS: tuple[str, ...] = ("both", "gainers", "losers")
DEFAULT_TOP = 10
MAX_TOP = 25
CLOSEST_SHOWN = 5
"""How many of the nearest names to show when no name meets `min_move`."""

MIN_MOVE_HELP = (
    "min_move is a percent move, e.g. 100% (or 100) = doubled, 0.5 = half a percent. "
    "It applies in the direction asked: gainers rose at least that much, losers fell at "
    "least that much. A sign picks the side: +50% = gainers only, -50% = losers that fell "
    "50% or more."
)
# A loss cannot exceed 100%; a gain can, but a threshold this large is a typo.
_MAX_GAIN_PCT = 100_000.0
_MIN_MOVE = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)%?$")
_CALENDAR = " calendar"  # a column name no symbol can have (symbols have no spaces)


@dataclass(frozen=True)
class MinMove:
    """A threshold on the size of a move.

    fraction: the magnitude, >= 0 (1.0 = a 100% move).
    side:     +1 when written with '+' (rises only), -1 with '-' (falls only), 0 unsigned.
    text:     as the user should see it: '100%', '-50%'.
    """

    fraction: float
    side: int
    text: str


@dataclass(frozen=True)
class MoverSide:
    """One side of the answer: the gainers or the losers.

    side:    "gainers" (return > 0, best first) or "losers" (return < 0, worst first).
    ranked:  rows of the returns table (columns RETURN_COLUMNS, indexed by ticker) that moved
             this way (and by at least `min_move` when given), at most `top`.
    count:   how many names moved this way and met `min_move` (all of them, not only `top`).
    closest: when `min_move` is given and no name meets it: the names nearest to it from this
             side (best returns for gainers, worst for losers, whatever their sign), at most
             CLOSEST_SHOWN; otherwise empty.
    """

    side: str
    ranked: pd.DataFrame
    count: int
    closest: pd.DataFrame


def parse_direction(text: str | None) -> str:
    """'Gainers' -> 'gainers'; None/'' -> 'both'; anything else -> BadInput."""
    value = (text or "both").strip().lower()
    aliases = {
        "up": "gainers",
        "gainer": "gainers",
        "down": "losers",
        "loser": "losers",
        "all": "both",
    }
    value = aliases.get(value, value)
    if value not in DIRECTIONS:
        raise BadInput(f"direction '{str(text)[:20]}' is not one of: gainers, losers, both.")
    return value


def check_top(top: int | str | None) -> int:
    """The number of names per side: 1..MAX_TOP (default DEFAULT_TOP)."""
    if top is None:
        return DEFAULT_TOP
    try:
        value = int(str(top).strip())
    except ValueError:
        raise BadInput(
            f"top '{str(top)[:10]}' is not a whole number; give 1 to {MAX_TOP}."
        ) from None
    if not 1 <= value <= MAX_TOP:
        raise BadInput(f"top must be between 1 and {MAX_TOP} (got {value}).")
    return value


def parse_min_move(text: str | float | None) -> MinMove | None:
    """Parse a move threshold: '100%', '100', '+25%', '-50%', '0.5' (all percents).

    The number is always a percent ('0.5' is half a percent, not 50%). None or '' -> None.
    Raises BadInput (with MIN_MOVE_HELP) for anything else, a fall beyond 100%, or an
    absurdly large rise.
    """
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    match = _MIN_MOVE.match(raw.replace(" ", ""))
    if not match:
        raise BadInput(f"min_move '{raw[:20]}' is not a percent. " + MIN_MOVE_HELP)
    sign, number = match.groups()
    pct = float(number)
    side = {"+": 1, "-": -1}.get(sign, 0)
    if side < 0 and pct > 100:
        raise BadInput(f"min_move {raw}: a price cannot fall more than 100%. " + MIN_MOVE_HELP)
    if pct > _MAX_GAIN_PCT:
        raise BadInput(f"min_move {raw} is too large (at most {_MAX_GAIN_PCT:,.0f}%).")
    shown = f"{sign}{pct:g}%"
    return MinMove(fraction=pct / 100.0, side=side, text=shown)


def effective_direction(direction: str, min_move: MinMove | None) -> str:
    """The direction after a signed `min_move` narrows 'both' to one side.

    Raises BadInput when the sign contradicts an explicit direction (+50% with losers).
    """
    if min_move is None or min_move.side == 0:
        return direction
    wanted = "gainers" if min_move.side > 0 else "losers"
    if direction not in ("both", wanted):
        unsigned = min_move.text.lstrip("+-")
        raise BadInput(
            f"min_move {min_move.text} asks for {wanted} but direction is {direction}; "
            f"write {unsigned} (no sign) or set direction to {wanted}."
        )
    return wanted


def universe_returns(
    closes: pd.DataFrame, window: Window, as_of: dt.date | None = None
) -> WindowReturns:
    """`window_returns` for a whole universe, vectorised where it can be.

    Same definition and result as analytics.returns.window_returns (see there): each ticker's
    return is close(E) / close(B) - 1 on its own sessions. A ticker with a price on every
    session of the common window B..E has exactly the common B and E, so its return is
    computed for all such tickers at once; the rest (gaps, late listings, halts) go through
    window_returns itself, with a calendar column so it picks the same common B and E.
    Excluded tickers are reported in `excluded`, not ranked.
    Raises NoData when there are no prices, the data does not reach back to B, or no ticker
    can be ranked (the message counts the names instead of listing them).
    """
    frame = closes.sort_index()
    traded_mask = frame.notna().any(axis=1)
    traded = frame.index[traded_mask.to_numpy()]
    if len(traded) == 0:
        raise NoData("No prices to compute returns from.")
    start, end = window_bounds(window, traded, as_of)
    inside = traded[(traded >= start) & (traded <= end)]
    full = frame.loc[inside].notna().all(axis=0).to_numpy()
    fast = frame.columns[full]
    first, last = frame.loc[start, fast], frame.loc[end, fast]
    fast_table = pd.DataFrame(
        {
            "start_date": start,
            "end_date": end,
            "start_close": first.astype("float64"),
            "end_close": last.astype("float64"),
            "return": (last / first - 1.0).astype("float64"),
        },
        index=pd.Index([str(t) for t in fast], name="ticker"),
    )
    tables = [fast_table]
    excluded: dict[str, str] = {}
    rest = frame.columns[~full]
    if len(rest):
        sub = frame[rest].copy()
        sub[_CALENDAR] = traded_mask.map({True: 1.0, False: math.nan}).astype("float64")
        slow = window_returns(sub, window, as_of)
        tables.append(slow.table.drop(index=_CALENDAR))
        excluded = {t: why for t, why in slow.excluded.items() if t != _CALENDAR}
    tables = [t for t in tables if not t.empty]
    if not tables:
        raise NoData(_none_ranked(window, excluded))
    table = pd.concat(tables) if len(tables) > 1 else tables[0]
    # Ties keep the column order, as window_returns does.
    order = [str(t) for t in frame.columns if str(t) in table.index]
    table = table.reindex(order)[list(RETURN_COLUMNS)]
    table.index.name = "ticker"
    table = table.sort_values("return", ascending=False, kind="stable")
    return WindowReturns(table=table, excluded=excluded, start=start, end=end)


def _none_ranked(window: Window, excluded: dict[str, str]) -> str:
    examples = "; ".join(f"{t}: {why.rstrip('.')}" for t, why in list(excluded.items())[:3])
    return (
        f"None of the {len(excluded):,} names has enough history for window {window.text} "
        f"(e.g. {examples}). Try a shorter window."
    )


def rank_side(
    table: pd.DataFrame, side: str, top: int = DEFAULT_TOP, min_move: MinMove | None = None
) -> MoverSide:
    """The top `top` gainers (return > 0, best first) or losers (return < 0, worst first).

    `table` has a `return` column (fractions) indexed by ticker. With `min_move`, only names
    whose move is at least `min_move.fraction` in that direction count (gainers: r >= m,
    losers: r <= -m); `count` is how many did. Ties are broken by ticker, A first. Empty
    `table` gives an empty side with count 0.
    """
    if side not in ("gainers", "losers"):
        raise ValueError(f"side must be gainers or losers, not {side!r}")
    finite = table[np.isfinite(table["return"].to_numpy(dtype="float64"))]
    gaining = side == "gainers"
    ordered = (
        finite.assign(_ticker=finite.index.astype(str))
        .sort_values(["return", "_ticker"], ascending=[not gaining, True], kind="stable")
        .drop(columns="_ticker")
    )
    moved = ordered["return"] > 0 if gaining else ordered["return"] < 0
    if min_move is not None:
        m = min_move.fraction
        moved &= ordered["return"] >= m if gaining else ordered["return"] <= -m
    meeting = ordered[moved.to_numpy()]
    closest = ordered.iloc[0:0]
    if min_move is not None and meeting.empty:
        closest = ordered.head(min(top, CLOSEST_SHOWN))
    return MoverSide(side=side, ranked=meeting.head(top), count=len(meeting), closest=closest)


def median_return(table: pd.DataFrame) -> float:
    """The median of the `return` column over names with a finite return (a fraction).

    NaN for an empty table. With an even count, the mean of the two middle values.
    """
    values = table["return"].to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else math.nan
