"""What drives GDP: BEA's contributions to percent change in real GDP, and the sentence a writer
uses ("net exports added 1.6 pp; consumption 2.1").

BEA splits real GDP growth (% SAAR, A191RL1Q225SBEA) into contributions in percentage points
that add up to it: consumption + investment + net exports + government = growth. BEA rounds
growth to 0.1 and each contribution to 0.01, so the published figures add up only to rounding.

Pure functions over pandas Series of quarterly observations (DatetimeIndex of quarters' first
days, float values; NaN is missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.errors import NoData
from analytics.macro.context import period_label


@dataclass(frozen=True)
class Component:
    """One of BEA's four contributions: its FRED id and the word a writer uses."""

    series_id: str
    name: str


COMPONENTS: tuple[Component, ...] = (
    Component("DPCERY2Q224SBEA", "consumption"),
    Component("A006RY2Q224SBEA", "investment"),
    Component("A019RY2Q224SBEA", "net exports"),
    Component("A822RY2Q224SBEA", "government"),
)
HEADLINE_ID = "A191RL1Q225SBEA"
SERIES_IDS: tuple[str, ...] = (*(c.series_id for c in COMPONENTS), HEADLINE_ID)

ROUNDING_TOLERANCE = 0.05 + len(COMPONENTS) * 0.005 + 1e-9
"""pp: the most published figures can miss by: half of growth's 0.1 plus half of each
contribution's 0.01 (and float error)."""


@dataclass(frozen=True)
class QuarterContributions:
    """One quarter: each component's contribution (pp, in COMPONENTS order), their sum, the
    headline growth (% SAAR), growth - sum, and whether that is within `tolerance`."""

    quarter: dt.date
    contributions: tuple[tuple[str, float], ...]
    total: float
    growth: float
    residual: float
    tolerance: float

    @property
    def adds_up(self) -> bool:
        return abs(self.residual) <= self.tolerance

    @property
    def label(self) -> str:
        return period_label(self.quarter, "quarterly")

    def value(self, name: str) -> float:
        return dict(self.contributions)[name]


def _quarterly(series: pd.Series, as_of: dt.date | None) -> pd.Series:
    out = series.dropna().astype("float64")
    out.index = pd.DatetimeIndex(out.index)
    out = out[~out.index.duplicated(keep="last")].sort_index()
    if as_of is not None:
        out = out[out.index <= pd.Timestamp(as_of)]
    return out


def gdp_contributions(
    components: Mapping[str, pd.Series],
    headline: pd.Series,
    *,
    quarters: int = 4,
    as_of: dt.date | None = None,
    tolerance: float = ROUNDING_TOLERANCE,
) -> tuple[QuarterContributions, ...]:
    """The latest `quarters` quarters (oldest first) in which all four contributions (keyed by
    FRED id, COMPONENTS) and the headline growth have a value, dated on or before `as_of`.

    total = sum of the four contributions (pp); residual = growth - total (pp); a quarter adds
    up when |residual| <= tolerance. Raises NoData naming the ids that are empty, or when the
    series share no quarter; ValueError for quarters < 1 or a missing id.
    """
    if quarters < 1:
        raise ValueError("quarters must be at least 1")
    missing = [c.series_id for c in COMPONENTS if c.series_id not in components]
    if missing:
        raise ValueError(f"no series given for {', '.join(missing)}")
    columns = {c.name: _quarterly(components[c.series_id], as_of) for c in COMPONENTS}
    columns["growth"] = _quarterly(headline, as_of)
    empty = [sid for sid, s in zip(SERIES_IDS, columns.values(), strict=True) if s.empty]
    if empty:
        raise NoData(f"No observations of {', '.join(empty)} up to then.")
    table = pd.DataFrame(columns).dropna()
    if table.empty:
        raise NoData("The contributions and real GDP growth have no quarter in common.")
    out = []
    for day, row in table.iloc[-quarters:].iterrows():
        parts = tuple((c.name, float(row[c.name])) for c in COMPONENTS)
        total = sum(v for _, v in parts)
        growth = float(row["growth"])
        out.append(
            QuarterContributions(
                pd.Timestamp(day).date(), parts, total, growth, growth - total, tolerance
            )
        )
    return tuple(out)


def coverage_gaps(
    components: Mapping[str, pd.Series], headline: pd.Series, as_of: dt.date | None = None
) -> tuple[str, ...]:
    """Sentences naming the series whose latest quarter is older than the newest one among the
    five (that quarter is then left out of the answer); () when they all end together."""
    cut = {
        sid: _quarterly(series, as_of)
        for sid, series in {**components, HEADLINE_ID: headline}.items()
        if sid in SERIES_IDS
    }
    ends = {sid: series.index.max() for sid, series in cut.items() if not series.empty}
    if not ends:
        return ()
    newest = max(ends.values())
    behind = sorted(sid for sid, end in ends.items() if end < newest)
    if not behind:
        return ()
    newest_label = period_label(newest.date(), "quarterly")
    return tuple(
        f"{sid} ends {period_label(ends[sid].date(), 'quarterly')}, before {newest_label}: "
        f"{newest_label} is left out until every series has it."
        for sid in behind
    )


def _one(value: float) -> str:
    return f"{abs(value):.1f}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _clause(verb: str, items: Sequence[tuple[str, float]]) -> str:
    """ "consumption added 2.4 pp, net exports 1.6 and government 0.2" (largest first)."""
    ranked = sorted(items, key=lambda item: -abs(item[1]))
    head = f"{ranked[0][0]} {verb} {_one(ranked[0][1])} pp"
    return _join([head, *(f"{name} {_one(v)}" for name, v in ranked[1:])])


def contributions_sentence(quarter: QuarterContributions) -> str:
    """ "In 2025 Q3 real GDP grew at a 4.4% annual rate: consumption added 2.4 pp, net exports
    1.6 and government 0.2; investment subtracted 0.3." Contributions that round to 0.0 pp are
    "flat"; each group is ordered by size."""
    growth = quarter.growth
    if round(growth, 1) == 0:
        lead = f"In {quarter.label} real GDP was flat"
    else:
        verb = "grew" if growth > 0 else "shrank"
        lead = f"In {quarter.label} real GDP {verb} at a {_one(growth)}% annual rate"
    up = [(n, v) for n, v in quarter.contributions if round(v, 1) > 0]
    down = [(n, v) for n, v in quarter.contributions if round(v, 1) < 0]
    flat = [n for n, v in quarter.contributions if round(v, 1) == 0]
    clauses = []
    if up:
        clauses.append(_clause("added", up))
    if down:
        clauses.append(_clause("subtracted", down))
    if flat:
        clauses.append(f"{_join(flat)} {'was' if len(flat) == 1 else 'were'} flat")
    return f"{lead}: {'; '.join(clauses)}."


def check_sentence(quarter: QuarterContributions) -> str:
    """Whether the four contributions add up to the headline, in words."""
    text = (
        f"The four contributions add up to {quarter.total:+.2f} pp against growth of "
        f"{quarter.growth:+.1f}%"
    )
    if quarter.adds_up:
        return text + ": equal to rounding."
    return (
        text + f": {abs(quarter.residual):.2f} pp apart, more than rounding explains "
        f"({quarter.tolerance:.2f} pp); a series may be from another vintage."
    )
