"""What a price answer stands on: where its rows came from and which session they reach.

- `source_label`: the sources of the rows used ("Yahoo Finance", "import: SPY.csv", or both),
  not the provider that happens to be configured: rows imported from a file stay labelled
  with the file when the bot is online.
- `price_dating`: the session the answer should stand on (`calendar.expected_session`) against
  the session its data reaches, and, when the data ends earlier, the "(as of D)" title suffix
  and a warning that says why (offline with a cache ending D, the provider failing, or the
  provider having nothing newer).
- `last_cached_dates`: each ticker's last cached session on or before a date, so a window can
  be anchored on the session actually available rather than on today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analytics import calendar
from analytics.answer import Behind
from analytics.commands.common import behind_note
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData, PriceResult

IMPORT_PREFIX = "import:"
"""What the importer writes into bars.source before the file name ("import:SPY.csv")."""

MAX_FILES_NAMED = 3


def source_label(sources: Iterable[str], fallback: str = "") -> str:
    """A readable label for the rows' sources: providers first (sorted), then the imported
    files ("Yahoo Finance; import: IWM.csv, SPY.csv"); more than MAX_FILES_NAMED files are
    counted ("import: A.csv, B.csv, C.csv and 2 more files"). `fallback` when there are none."""
    providers: list[str] = []
    files: list[str] = []
    for source in dict.fromkeys(s.strip() for s in sources if s and s.strip()):
        if source.startswith(IMPORT_PREFIX):
            files.append(source.removeprefix(IMPORT_PREFIX).strip())
        else:
            providers.append(source)
    parts = sorted(providers)
    if files:
        # Imports are labelled folder/file (several sources ship a SPY.csv): name each folder once.
        by_folder: dict[str, list[str]] = {}
        for path in sorted(files):
            folder, _, name = path.rpartition("/")
            by_folder.setdefault(folder, []).append(name)
        named_groups, shown = [], 0
        for folder, names in by_folder.items():
            room = MAX_FILES_NAMED - shown
            if room <= 0:
                break
            group = ", ".join(names[:room])
            shown += min(room, len(names))
            named_groups.append(f"{group} ({folder})" if folder else group)
        named = "; ".join(named_groups)
        extra = len(files) - shown
        if extra > 0:
            named += f" and {extra} more file{'s' if extra > 1 else ''}"
        parts.append(f"import: {named}")
    return "; ".join(parts) or fallback


def result_source(result: PriceResult, market: MarketData) -> str:
    """`source_label` of the result's rows; the configured provider's name when the rows
    carry no source (the column was not read)."""
    return source_label(result.sources, market.source_name)


@dataclass(frozen=True)
class Dating:
    """The session an answer should stand on and the one its data reaches.

    note: (title suffix, warning) from `behind_note` when the data ends before `expected`,
    else None. why: the reason given in the warning (None when the data is current).
    absorbed: the data layer's warning the reason was taken from ("Yahoo Finance is rate
    limited; showing cached data as of D."), left out of `warnings()` as it says the same.
    """

    data_end: dt.date | None
    expected: dt.date
    why: str | None = None
    note: tuple[str, str] | None = None
    absorbed: str | None = None
    splits: tuple[str, ...] = ()
    """Likely unadjusted splits in the rows the answer read ("MNST 2026-08-07 -> 2026-08-11
    -49.6% ... looks like an unadjusted 2:1 split"): said after the other warnings."""

    @property
    def behind(self) -> bool:
        return self.note is not None

    def title(self, title: str) -> str:
        """`title` with " (as of D)" appended when the data is behind."""
        return title + self.note[0] if self.note else title

    def warnings(self, warnings: Sequence[str] = ()) -> tuple[str, ...]:
        """The behind warning first (it qualifies every number), then `warnings`, deduplicated."""
        first = (self.note[1],) if self.note else ()
        # The same outage may be said once per read, dated by each read's own rows.
        clause = self.absorbed.split(";")[0] + ";" if self.absorbed else None
        rest = (w for w in warnings if not (clause and w.startswith(clause)))
        return tuple(dict.fromkeys([*first, *rest, *self.splits]))

    @property
    def lag(self) -> Behind | None:
        """The typed `Answer.behind`: data end, expected session and why; None when current."""
        if not self.note:
            return None
        return Behind(self.data_end, self.expected, self.why)

    def to_json(self) -> dict[str, Any] | None:
        """{data_end, expected, why} when behind, else None (the --json `behind` field)."""
        lag = self.lag
        return lag.to_json() if lag is not None else None


def price_dating(
    market: MarketData,
    result: PriceResult,
    data_end: dt.date | None,
    asked: dt.date | None,
    *,
    ends: Mapping[str, dt.date] | None = None,
    since: dt.date | None = None,
    column: str = "adj_close",
) -> Dating:
    """Compare `data_end` (the session the answer's numbers end on) with the session it should
    stand on: the last session on or before `asked`, or the latest completed one.

    `ends` (ticker -> its own last session) is named in the reason when the tickers end on
    different sessions, so a reader sees which one holds the answer back. Moves in `column`
    from `since` (the window's base session; default a year before `data_end`) that look like
    unadjusted splits are flagged.
    """
    from analytics.data.validate import split_warnings

    if since is None and data_end is not None:
        since = data_end - dt.timedelta(days=366)
    splits = split_warnings(result.bars, column, since)
    expected = calendar.expected_session(asked, market.now())
    if data_end is None or data_end >= expected:
        return Dating(data_end, expected, splits=splits)
    why, absorbed = behind_reason(market, result)
    if ends and len(set(ends.values())) > 1:
        listed = ", ".join(f"{t}'s end {d.isoformat()}" for t, d in ends.items())
        why += f" ({listed})"
    note = behind_note(data_end, expected, why)
    return Dating(data_end, expected, why, note, absorbed, splits)


def behind_reason(market: MarketData, result: PriceResult) -> tuple[str, str | None]:
    """Why the data ends where it does, in a few words: offline mode, the provider failing
    (its own words from the result's warning, returned second), or the provider having
    nothing newer."""
    if getattr(market, "cache_only_why", None):
        return f"{market.cache_only_why}", None
    if result.offline:
        return "offline mode is on and the cache ends there", None
    if result.stale:
        # The data layer's warning reads "<provider> is <why>; showing cached data as of D."
        said = next((w for w in result.warnings if w), "")
        clause = said.split(";")[0].strip().rstrip(".")
        if clause:
            return clause, said
        return f"{market.source_name} did not answer", None
    return f"{market.source_name} has nothing newer", None


def last_cached_dates(
    cache: PriceCache, tickers: Iterable[str], on_or_before: dt.date
) -> dict[str, dt.date]:
    """Each ticker's last cached bar date on or before `on_or_before` (tickers with none are
    left out). One index seek per ticker (MAX over the (ticker, date) primary key)."""
    out: dict[str, dt.date] = {}
    bound = on_or_before.isoformat()
    for ticker in dict.fromkeys(tickers):
        row = cache.db.execute(
            "SELECT MAX(date) FROM bars WHERE ticker = ? AND date <= ?", [ticker, bound]
        ).fetchone()
        if row and row[0]:
            out[ticker] = dt.date.fromisoformat(str(row[0])[:10])
    return out
