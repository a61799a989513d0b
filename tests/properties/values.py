"""Values a user could give an option, by what the option is (`kind_of`).

`kind_of(option)` reads the declaration: `choices`, `type` int/float/bool, and for a str option
its autocomplete source (ticker, tickers, window, series, universe, fund) or, failing that, its
name (as_of/since: a date; exclude: date ranges; levels: price levels; min_move: a percent;
to: an alert target; *_file: a path). Any other str option is `text`: arbitrary strings.

Valid values: symbols from the planted universe or of valid syntax, windows of the window
grammar, dates in and around the planted data, numbers in range. Hostile ones (`hostile_text`):
empty, whitespace, very long, unicode, control characters, SQL and LIKE metacharacters, '../',
NaN/huge numbers, 0001-01-01 and 9999-12-31, words where numbers go.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from analytics.spec import Option

# -- what each option is --------------------------------------------------------------------

_BY_AUTOCOMPLETE = {
    "ticker": "symbol",
    "tickers": "symbols",
    "window": "window",
    "series": "series",
    "universe": "universe",
    "fund": "fund",
}
_BY_NAME = {
    "as_of": "date",
    "since": "date",
    "exclude": "ranges",
    "levels": "levels",
    "min_move": "percent",
    "to": "target",
    "universe": "universe",
    "window": "window",
}


def kind_of(option: Option) -> str:
    """What values mean for `option`: choice, int, float, bool, or a str kind (see module doc)."""
    if option.choices:
        return "choice"
    if option.type != "str":
        return option.type
    if option.autocomplete in _BY_AUTOCOMPLETE:
        return _BY_AUTOCOMPLETE[option.autocomplete]
    if option.name in _BY_NAME:
        return _BY_NAME[option.name]
    if option.name.endswith("_file") or option.name.endswith("_path"):
        return "path"
    return "text"


@dataclass(frozen=True)
class World:
    """What valid values are drawn from: the planted data and the files beside it."""

    tickers: tuple[str, ...]
    first: dt.date
    last: dt.date
    today: dt.date
    lists: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    funds: tuple[str, ...] = ("IWM", "IVV")
    files: tuple[Path, ...] = field(default_factory=tuple)


# -- hostile text, shared by every option ---------------------------------------------------

HOSTILE_WORDS = (
    "",
    " ",
    "\t",
    "  \n ",
    "'; DROP TABLE bars; --",
    "' OR '1'='1",
    '"',
    "%",
    "_",
    "%_%",
    "\\",
    "../../../etc/passwd",
    "..",
    "/",
    "~",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "1e309",
    "null",
    "None",
    "true",
    "💥",
    "IWM\u200b",  # a zero-width space inside a ticker
    "ＳＰＹ",  # full-width letters
    "İ",  # upper() of some letters changes length
    "ß",
    "\x1b[31mred",
    "\r",
    "\u202eMWI",  # right-to-left override
    "$",
    "^",
    "=F",
    "A" * 300,
    "9" * 400,
    "0001-01-01",
    "9999-12-31",
    "--json",
    "-x",
    "@everyone",
    "<@&123>",
    "`",
    "```",
    "|",
    ";",
    "{}",
    "[]",
    "\\N",
)


def hostile_text(*, argv: bool) -> st.SearchStrategy[str]:
    """Strings no option should choke on; argv strings cannot hold NUL."""
    words = st.sampled_from(HOSTILE_WORDS)
    arbitrary = st.text(max_size=40)
    long = st.sampled_from(["A" * 5000, "1" * 5000, "🙂" * 1500, "x " * 2500])
    text = st.one_of(words, words, arbitrary, long)
    if argv:
        text = text.filter(lambda s: "\x00" not in s)
    return text


# -- valid values, by kind -------------------------------------------------------------------

SYMBOL_FORMS = ("spy", "$IWM", "brk.b", "BRK/B", "rut", "SPX", "^rut", " qqq ", "Aapl")


def symbols(world: World) -> st.SearchStrategy[str]:
    """A planted ticker, a case/alias/share-class spelling, or an unknown of valid syntax."""
    return st.one_of(
        st.sampled_from(world.tickers),
        st.sampled_from(SYMBOL_FORMS),
        st.from_regex(r"[A-Z]{1,5}", fullmatch=True),
        st.from_regex(r"\^?[A-Z0-9][A-Z0-9.\-]{0,14}(=[FX])?", fullmatch=True),
    )


def symbol_lists(world: World) -> st.SearchStrategy[list[str]]:
    """1-4 symbols (sometimes the same one twice, sometimes 11: over most limits)."""
    few = st.lists(symbols(world), min_size=1, max_size=4)
    many = st.lists(st.sampled_from(world.tickers), min_size=11, max_size=14)
    return st.one_of(few, few, many)


def iso_dates(world: World) -> st.SearchStrategy[str]:
    """Dates in and around the data, at the edges of what is allowed, and impossible ones."""
    near = st.dates(world.first - dt.timedelta(days=900), world.today + dt.timedelta(days=60))
    edges = st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "1900-01-01",
            "2100-12-31",
            "2101-01-01",
            world.first.isoformat(),
            world.last.isoformat(),
            world.today.isoformat(),
            (world.today + dt.timedelta(days=1)).isoformat(),
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "24-01-02",
            "2024/01/02",
            "20240102",
            "2024-W01-1",
            "2024-1-2",
            "today",
        ]
    )
    anywhere = st.dates()
    return st.one_of(near.map(dt.date.isoformat), edges, anywhere.map(dt.date.isoformat))


def windows(world: World) -> st.SearchStrategy[str]:
    """The window grammar: Nd/Nw/Nm/Nmo/Ny (N from 0 to past the limits), to-date, ranges."""
    count = st.one_of(
        st.integers(0, 40), st.sampled_from([100, 1200, 5200, 25_000, 25_001, 10**20])
    )
    unit = st.sampled_from(["d", "w", "m", "mo", "y", "D", "MO", "Y"])
    counted = st.builds(lambda n, u: f"{n}{u}", count, unit)
    to_date = st.sampled_from(["ytd", "QTD", "mtd", " Ytd ", "y t d", "1 y", "-5d", "1.5m"])
    dates = iso_dates(world)
    ranged = st.builds(lambda a, b: f"{a}:{b}", dates, dates)
    return st.one_of(counted, counted, to_date, ranged)


def series_names(world: World) -> st.SearchStrategy[str]:
    aliases = [
        "gdpnow",
        "GDP",
        "unemployment",
        "10y",
        "cpi",
        "curve",
        "vix",
        "gdp-contributions",
        "gdp contributions",
        "what drives gdp",
        "unrate",
        "T10YIE",
        "ZZZNOTASERIES",
        "gdpnow ",
    ]
    return st.one_of(
        st.sampled_from(world.series or ("UNRATE",)),
        st.sampled_from(aliases),
        st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
    )


def universes(world: World, *, lists: bool) -> st.SearchStrategy[str]:
    named = [*world.funds, "iwm", "$IVV", "IJR", "IWB", "SPY", "ZZZ"]
    if lists:
        named += [*world.lists, *(n.upper() for n in world.lists), "nosuchlist"]
    return st.sampled_from(named)


def levels(world: World) -> st.SearchStrategy[str]:
    one = st.one_of(
        st.floats(0.01, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),
        st.integers(1, 10**7).map(str),
        st.integers(1_000, 999_999).map(lambda n: f"{n:,}"),
        st.sampled_from(["$60", "60,", "0", "-5", "1e400", "nan", "inf", "2,64", "1,2,3"]),
    )
    sep = st.sampled_from([" ", ",", ", "])
    return st.builds(lambda xs, s: s.join(xs), st.lists(one, min_size=1, max_size=12), sep)


def exclusions(world: World) -> st.SearchStrategy[str]:
    bound = st.one_of(
        st.integers(1890, 2110).map(str),
        st.builds(lambda y, q: f"{y}Q{q}", st.integers(1990, 2030), st.integers(0, 5)),
        st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(1990, 2030), st.integers(0, 13)),
        iso_dates(world),
    )
    one = st.builds(lambda a, b: f"{a}:{b}", bound, bound)
    joined = st.lists(one, min_size=1, max_size=3).map(",".join)
    return st.one_of(st.just("none"), st.just("none,2020:2021"), joined)


def percents() -> st.SearchStrategy[str]:
    number = st.one_of(st.integers(0, 2000).map(str), st.floats(0, 1e7).map(lambda x: f"{x:g}"))
    sign = st.sampled_from(["", "+", "-"])
    suffix = st.sampled_from(["", "%", " %"])
    return st.builds(lambda s, n, p: f"{s}{n}{p}", sign, number, suffix)


def targets() -> st.SearchStrategy[str]:
    snowflake = st.integers(10**16, 10**20).map(str)
    return st.one_of(
        st.sampled_from(["", "me", "dm", "#markets", "general", "<@123>", "#" + "x" * 101]),
        snowflake.map(lambda s: f"<@{s}>"),
        snowflake.map(lambda s: f"<#{s}>"),
        st.builds(lambda a, b: f"{a}/{b}", snowflake, snowflake),
        st.builds(lambda a, b: f"https://discord.com/channels/{a}/{b}", snowflake, snowflake),
    )


def paths(world: World) -> st.SearchStrategy[str]:
    given = [str(p) for p in world.files]
    odd = ["/nonexistent/tickers.txt", "/", "/dev/null", "../../../etc/passwd", "~", "."]
    return st.sampled_from(given + odd)


def text_for(kind: str, world: World) -> st.SearchStrategy[str]:
    """A valid-looking value of a str kind (hostile ones are added by the callers)."""
    if kind == "symbol":
        return symbols(world)
    if kind == "symbols":
        sep = st.sampled_from([" ", ",", ", "])
        return st.builds(lambda xs, s: s.join(xs), symbol_lists(world), sep)
    if kind == "window":
        return windows(world)
    if kind == "date":
        return iso_dates(world)
    if kind == "series":
        return series_names(world)
    if kind == "universe":
        return universes(world, lists=True)
    if kind == "fund":
        return universes(world, lists=False)
    if kind == "levels":
        return levels(world)
    if kind == "ranges":
        return exclusions(world)
    if kind == "percent":
        return percents()
    if kind == "target":
        return targets()
    if kind == "path":
        return paths(world)
    return st.text(max_size=30)


DISCORD_INT_LIMIT = 2**53
"""Discord's integer options lie within ±2^53 whatever their declared range."""


def in_range_int(option: Option) -> st.SearchStrategy[int]:
    """Anywhere in the range, or among its ten smallest values (ids, counts: 1, 2, 3 ...)."""
    low = int(math.ceil(option.min)) if option.min is not None else -DISCORD_INT_LIMIT
    high = int(math.floor(option.max)) if option.max is not None else DISCORD_INT_LIMIT
    smallest = max(low, 0) if low < 0 <= high else low
    return st.one_of(st.integers(low, high), st.integers(smallest, min(high, smallest + 9)))


def in_range_float(option: Option) -> st.SearchStrategy[float]:
    low = option.min if option.min is not None else -1e9
    high = option.max if option.max is not None else 1e9
    return st.floats(low, high, allow_nan=False, allow_infinity=False)
