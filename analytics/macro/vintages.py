"""First release vs revised: "fastest since" on today's data and on BEA's first releases.

BEA revises GDP for years, so "the fastest since 2014 Q2" can depend on the vintage: a quarter
first reported at 2.0% may stand at 3.1% today. This module reads the real-GDP release table
(ALFRED's GDPC1 vintages: each quarter's level in its first release and in the latest vintage,
with the previous quarter's level in the same vintage, as in
../shared/data/fred/alfred/gdpc1_releases_first_second_third.csv) and answers the context
question on both bases.

For quarters before 1991 ALFRED's earliest vintages (1991-12-04, 1992-12-22) stand in for the
first release: those are the first estimates ALFRED holds, not BEA's originals.

Growth on either basis is the annualized quarter-on-quarter change of levels from ONE vintage:
g = ((L_t / L_{t-1}) ** 4 - 1) * 100, in % SAAR (BEA's A191RL1Q225SBEA rounds the latest one).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.errors import BadInput, NoData
from analytics.macro.context import Context, Wording, history_context, period_label
from analytics.macro.gdpnow.track import quarter_end

REQUIRED = (
    "observation_date",
    "first_release_date",
    "first_release",
    "alfred_prev_level_first",
    "latest_release_date",
    "latest_release",
    "latest_prev_release",
)
CHECK_COLUMN = "qoq_saar_growth_alfred_first_pct"
"""When present, the table's own first-release growth; a row whose levels disagree is skipped."""
COLUMNS = ("first_release_date", "first_growth", "latest_release_date", "latest_growth")

TODAY, FIRST = "today's data", "first releases"


def annualized_growth(level: float, previous: float) -> float:
    """Quarter-on-quarter growth at an annual rate, in %: ((level / previous) ** 4 - 1) * 100."""
    return ((level / previous) ** 4 - 1.0) * 100.0


@dataclass(frozen=True)
class ParsedReleases:
    """The release table: a frame indexed by quarter (first day, DatetimeIndex "quarter") with
    COLUMNS (release dates as datetime64, growth in % SAAR), and the rows skipped (line, reason)."""

    frame: pd.DataFrame
    skipped: tuple[tuple[int, str], ...]
    source: str


def releases_frame(
    records: Iterable[tuple[dt.date, dt.date, float, dt.date, float]],
) -> pd.DataFrame:
    """(quarter, first_release_date, first_growth, latest_release_date, latest_growth) tuples ->
    the frame the analytics take, sorted by quarter; empty in, empty frame with COLUMNS out."""
    records = list(records)
    frame = pd.DataFrame(
        {
            "first_release_date": pd.to_datetime([r[1] for r in records]),
            "first_growth": pd.Series([r[2] for r in records], dtype="float64").to_numpy(),
            "latest_release_date": pd.to_datetime([r[3] for r in records]),
            "latest_growth": pd.Series([r[4] for r in records], dtype="float64").to_numpy(),
        },
        index=pd.DatetimeIndex([r[0] for r in records], name="quarter"),
    )
    return frame.sort_index()


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} '{text[:20]}' is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} '{text[:20]}' is not a positive level")
    return value


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} '{text[:20]}' is not a date like 2025-12-23") from None


def _release_row(cells: dict[str, str]) -> tuple[dt.date, dt.date, float, dt.date, float]:
    quarter = _date(cells["observation_date"], "observation_date")
    if quarter.day != 1 or quarter.month not in (1, 4, 7, 10):
        raise ValueError(f"observation_date {quarter} is not a quarter's first day")
    if not cells["alfred_prev_level_first"]:
        raise ValueError("no previous quarter's level in the first release's vintage")
    first_date = _date(cells["first_release_date"], "first_release_date")
    latest_date = _date(cells["latest_release_date"], "latest_release_date")
    if first_date <= quarter_end(quarter):
        raise ValueError(f"first released {first_date}, before the quarter ended")
    if latest_date < first_date:
        raise ValueError(f"latest release {latest_date} is before the first {first_date}")
    first = annualized_growth(
        _number(cells["first_release"], "first_release"),
        _number(cells["alfred_prev_level_first"], "alfred_prev_level_first"),
    )
    latest = annualized_growth(
        _number(cells["latest_release"], "latest_release"),
        _number(cells["latest_prev_release"], "latest_prev_release"),
    )
    check = cells.get(CHECK_COLUMN, "")
    if check and abs(float(check) - first) > 1e-6:
        raise ValueError(f"{CHECK_COLUMN} {check} disagrees with its levels ({first:.6f})")
    return quarter, first_date, first, latest_date, latest


def parse_release_table(text: str, *, source: str = "the file") -> ParsedReleases:
    """Parse the release table (see the module docstring).

    Columns are found by name (REQUIRED; others ignored). A row is skipped with its reason when
    a date or level does not parse, the quarter is not a quarter's first day, the first release
    predates the quarter's end, the previous level is missing (the series' first quarter), or the
    table's own first-release growth disagrees with its levels. Raises BadInput for a file
    without those columns or without a valid row. A quarter given twice keeps its first row.
    """
    body = (text or "").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        first = body.splitlines()[0][:60] if body.strip() else "nothing"
        raise BadInput(
            f"{source} is not a real GDP release table: it lacks the columns "
            f"{', '.join(missing[:4])} (expected ALFRED's GDPC1 first/latest release layout, "
            f"header starting '{','.join(REQUIRED[:3])}'); it starts '{first}'."
        )
    good: dict[dt.date, tuple[dt.date, dt.date, float, dt.date, float]] = {}
    skipped: list[tuple[int, str]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        try:
            parsed = _release_row(cells)
        except ValueError as exc:
            skipped.append((line, str(exc)))
            continue
        if parsed[0] in good:
            skipped.append((line, f"repeats the quarter {parsed[0]}"))
            continue
        good[parsed[0]] = parsed
    if not good:
        problems = "; ".join(f"line {n}: {why}" for n, why in skipped[:3]) or "no rows"
        raise BadInput(f"{source} has no valid release row ({problems}).")
    return ParsedReleases(releases_frame(good.values()), tuple(skipped), source)


def read_release_file(path: Path | str) -> ParsedReleases:
    """Read and parse a release table file; BadInput for a missing or unreadable one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"No such file: {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Cannot read {path}: {exc.__class__.__name__}.") from None
    return parse_release_table(text, source=path.name)


# --- the analytics ------------------------------------------------------------------------------


def latest_growth(releases: pd.DataFrame) -> pd.Series:
    """Growth per quarter in the latest vintage (% SAAR), by quarter."""
    return releases["latest_growth"].astype("float64")


def first_release_growth(releases: pd.DataFrame, known_on: dt.date | None = None) -> pd.Series:
    """Growth per quarter as first released (% SAAR); with `known_on`, only the quarters whose
    first release came out on or before that day (what a reader could have known then)."""
    frame = releases
    if known_on is not None:
        frame = frame[frame["first_release_date"] <= pd.Timestamp(known_on)]
    return frame["first_growth"].astype("float64")


@dataclass(frozen=True)
class VintageContext:
    """A reading's context on both bases.

    today / first:  history_context against the latest vintage and against first releases.
    value_today / value_first: the value compared on each basis (the same for a nowcast; a
                    quarter's own latest and first estimates for a GDP reading).
    headline:       the basis the headline uses (TODAY: FRED's A191RL1Q225SBEA is the latest
                    vintage, and so is /macro's history).
    """

    today: Context
    first: Context
    value_today: float
    value_first: float
    headline: str = TODAY

    @property
    def differ(self) -> bool:
        """True when the two bases tell different stories: another "since" quarter, one
        never-before, or (for a quarter's own estimates) fast on one basis and slow on the other."""
        return (
            _since(self.today) != _since(self.first) or self.today.direction != self.first.direction
        )


def _since(context: Context) -> dt.date | None:
    return context.episodes[0].last.date if context.episodes else None


def first_release_context(
    releases: pd.DataFrame,
    value: float,
    quarter: dt.date,
    *,
    direction: str,
    known_on: dt.date | None = None,
    exclude: Iterable[tuple[dt.date, dt.date]] = (),
    max_episodes: int = 3,
) -> Context:
    """`value` against the first releases of the quarters before `quarter` (those out by
    `known_on`; all when None), in the direction of the headline's context."""
    return history_context(
        first_release_growth(releases, known_on),
        value,
        quarter,
        direction=direction,
        exclude=tuple(exclude),
        max_episodes=max_episodes,
    )


def vintage_context(
    releases: pd.DataFrame,
    value: float,
    quarter: dt.date,
    *,
    first_value: float | None = None,
    known_on: dt.date | None = None,
    exclude: Iterable[tuple[dt.date, dt.date]] = (),
    direction: str | None = None,
    own_direction: bool = False,
    max_episodes: int = 3,
) -> VintageContext:
    """`value` for the quarter starting `quarter` against the quarters before it, on today's data
    (latest vintage) and on first releases (those out by `known_on`, all when None).

    `first_value` is the value compared with first releases (default `value`). The direction is
    decided on today's data (above its median: "high") unless given, and used for both bases so
    both phrases answer the same question; `own_direction=True` (with no `direction`) lets the
    first-release value decide its own (a quarter first reported fast and revised slow).
    Raises NoData when a basis has no earlier quarter.
    """
    exclude = tuple(exclude)
    today = history_context(
        latest_growth(releases),
        value,
        quarter,
        direction=direction,
        exclude=exclude,
        max_episodes=max_episodes,
    )
    compared = value if first_value is None else first_value
    first_direction = today.direction
    if own_direction and direction is None:
        first_direction = history_context(
            first_release_growth(releases, known_on), compared, quarter, exclude=exclude
        ).direction
    first = first_release_context(
        releases,
        compared,
        quarter,
        direction=first_direction,
        known_on=known_on,
        exclude=exclude,
        max_episodes=max_episodes,
    )
    return VintageContext(today, first, value, compared)


def quarter_vintage_context(
    releases: pd.DataFrame,
    quarter: dt.date,
    *,
    exclude: Iterable[tuple[dt.date, dt.date]] = (),
    direction: str | None = None,
    max_episodes: int = 3,
) -> VintageContext:
    """A GDP quarter's own reading on both bases: its latest estimate against today's data, its
    first release against the first releases out when it was first released, each basis deciding
    its direction unless `direction` is given. NoData for a quarter the table does not hold."""
    stamp = pd.Timestamp(quarter)
    if stamp not in releases.index:
        raise NoData(f"The release table has no {period_label(quarter, 'quarterly')}.")
    row = releases.loc[stamp]
    return vintage_context(
        releases,
        float(row["latest_growth"]),
        quarter,
        first_value=float(row["first_growth"]),
        known_on=row["first_release_date"].date(),
        exclude=exclude,
        direction=direction,
        own_direction=True,
        max_episodes=max_episodes,
    )


def _phrase(context: Context, wording: Wording, *, superlative: bool) -> str:
    if context.never_before:
        return f"never this {wording.adjective(context.direction)} before"
    lead = f"{wording.superlative(context.direction)} " if superlative else ""
    return f"{lead}since {period_label(context.episodes[0].last.date, 'quarterly')}"


def vintage_phrase(vc: VintageContext, wording: Wording) -> str:
    """ "fastest since 2014 Q2 on today's data; since 2006 Q1 on first releases" when the bases
    differ, "fastest since 2014 Q2 on today's data and on first releases" when they agree
    ("never this fast before" where a basis has no earlier quarter as fast)."""
    today = _phrase(vc.today, wording, superlative=True)
    if not vc.differ:
        return f"{today} on {TODAY} and on {FIRST}"
    first = _phrase(
        vc.first,
        wording,
        superlative=vc.today.never_before or vc.first.direction != vc.today.direction,
    )
    return f"{today} on {TODAY}; {first} on {FIRST}"


HEADLINE_NOTE = (
    "The headline compares with today's data (the latest vintage, as FRED serves it); "
    "first releases are the quarters as BEA first reported them."
)
