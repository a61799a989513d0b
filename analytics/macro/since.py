"""Which "highest since" or "lowest since" a macro reading is news for, from its recent move.

A writer says "highest since" after a rise and "lowest since" after a fall: the direction
comes from the latest reading against the previous one and against a year earlier, not from
where the reading sits in the long-run distribution (4.6% unemployment is below its median
since 1980, yet it rose 0.4 pp over the year: the news is "highest since 2021", not "lowest
since September"). When the two moves disagree both directions are looked up. A "since" that
reaches back only one reading (the reading just before was already as high or as low) is not
news and is not the headline.

Pure functions over `Reading` and `Context` (analytics.macro.context).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import pandas as pd

from analytics.macro.context import (
    HIGH,
    LOW,
    Context,
    Observation,
    Reading,
    Wording,
    context_phrase,
    history_context,
)

PREVIOUS, YEAR_AGO = "previous", "year_ago"
_AGAINST = {PREVIOUS: "the previous reading", YEAR_AGO: "a year earlier"}


@dataclass(frozen=True)
class Move:
    """The latest reading against one earlier reading (`against`: PREVIOUS or YEAR_AGO).

    change = latest - earlier, in the series' own units (percentage points for rates).
    """

    against: str
    earlier: Observation
    change: float

    @property
    def direction(self) -> str | None:
        """HIGH after a rise, LOW after a fall, None when unchanged (to float rounding)."""
        if math.isclose(self.change, 0.0, abs_tol=1e-9 * max(1.0, abs(self.earlier.value))):
            return None
        return HIGH if self.change > 0 else LOW

    @property
    def words(self) -> str:
        """ "the previous reading" / "a year earlier"."""
        return _AGAINST[self.against]


def recent_moves(reading: Reading) -> tuple[Move, ...]:
    """The latest reading's move from the previous reading, then from a year earlier (only
    those that exist)."""
    moves = []
    if reading.previous is not None and reading.change is not None:
        moves.append(Move(PREVIOUS, reading.previous, reading.change))
    if reading.year_ago is not None and reading.change_from_year_ago is not None:
        moves.append(Move(YEAR_AGO, reading.year_ago, reading.change_from_year_ago))
    return tuple(moves)


def move_directions(moves: Iterable[Move]) -> tuple[str, ...]:
    """The distinct directions of the moves, the previous reading's first; () when every move
    is flat or there is none."""
    return tuple(dict.fromkeys(m.direction for m in moves if m.direction is not None))


def one_reading_back(context: Context) -> bool:
    """True when the latest episode is the last observation compared: "highest since" the
    reading just before, which is not news."""
    return bool(context.episodes) and context.episodes[0].last.date == context.history_end


@dataclass(frozen=True)
class Since:
    """The contexts looked up for a reading and which of them make the headline.

    contexts: one per direction looked up, in the order chosen (the previous reading's move
              first); news: those that make the headline (all of them when the direction was
              asked for). moves: the recent moves; disagree: the moves point both ways.
    """

    contexts: tuple[Context, ...]
    news: tuple[Context, ...]
    moves: tuple[Move, ...]
    disagree: bool = False

    @property
    def primary(self) -> Context:
        """The context the chart and the JSON's `direction`/`previous` follow: the first
        that is news, else the first looked up."""
        return (self.news or self.contexts)[0]


def since_from_moves(
    history: pd.Series,
    value: float,
    as_of_date,
    moves: tuple[Move, ...],
    *,
    exclude: Iterable[tuple] = (),
    max_episodes: int = 3,
) -> Since:
    """Look `value` up in `history` in the direction(s) of its recent `moves`.

    Each direction in `move_directions(moves)` gets a `history_context`; with no direction
    (no earlier reading, or unchanged against both) the one above or below the history's
    median does. Contexts whose latest episode is one reading back are kept in `contexts`
    but not in `news`. Raises NoData as history_context does.
    """
    directions = move_directions(moves) or (None,)
    exclude = tuple(exclude)
    contexts = tuple(
        history_context(
            history, value, as_of_date, direction=d, exclude=exclude, max_episodes=max_episodes
        )
        for d in directions
    )
    news = tuple(c for c in contexts if not one_reading_back(c))
    return Since(contexts, news, moves, disagree=len(directions) > 1)


def since_asked(
    history: pd.Series,
    value: float,
    as_of_date,
    direction: str | None,
    moves: tuple[Move, ...] = (),
    *,
    exclude: Iterable[tuple] = (),
    max_episodes: int = 3,
) -> Since:
    """The context in the `direction` asked for (HIGH, LOW, or None for the side of the
    median `value` is on): always the headline, even one reading back, since it answers the
    question put."""
    context = history_context(
        history,
        value,
        as_of_date,
        direction=direction,
        exclude=tuple(exclude),
        max_episodes=max_episodes,
    )
    return Since((context,), (context,), moves)


def move_phrase(move: Move, magnitude: Callable[[float], str]) -> str:
    """ "up 0.4 pp from a year earlier", "unchanged from the previous reading"; `magnitude`
    formats the size of the change (no sign)."""
    if move.direction is None:
        return f"unchanged from {move.words}"
    word = "up" if move.change > 0 else "down"
    return f"{word} {magnitude(abs(move.change))} from {move.words}"


def since_phrase(
    since: Since, *, frequency: str, wording: Wording, magnitude: Callable[[float], str]
) -> str:
    """What follows the value in the headline.

    "highest since September 2021, and before that February 2017"; when the moves disagree,
    the latest episode of each direction that is news and then both moves: "highest since
    Dec 26, 2025 (up 0.02 pp from the previous reading, down 0.41 pp from a year earlier)";
    with no news, the moves alone ("unchanged from the previous reading, up 0.4 pp from a
    year earlier"), or "the first reading" for a series of one observation.
    """
    moves = ", ".join(move_phrase(m, magnitude) for m in since.moves)
    if not since.news:
        return moves or "the first reading"
    if since.disagree and moves:
        # The moves take the room of the earlier episodes (a title has 256 characters).
        brief = [replace(c, episodes=c.episodes[:1]) for c in since.news]
        text = "; ".join(context_phrase(c, frequency=frequency, wording=wording) for c in brief)
        return f"{text} ({moves})"
    return "; ".join(context_phrase(c, frequency=frequency, wording=wording) for c in since.news)


def shortened(since: Since) -> bool:
    """True when `since_phrase` names only the latest episode of each context (the moves
    disagree), so the earlier ones belong in the summary."""
    return bool(since.news) and since.disagree and bool(since.moves)


def direction_for_value(value: float, latest: float) -> str | None:
    """For a value asked about: HIGH above the latest reading, LOW below, None when equal."""
    if math.isclose(value, latest, abs_tol=1e-12):
        return None
    return HIGH if value > latest else LOW
