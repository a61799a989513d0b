"""Coverage: how much of a universe an answer stands on, and whether that is enough to answer.

A universe answer (movers, contributors) ranks the names it could price. When a fund's file
lists 1,920 names and 2 have prices, "ARKO fell most in IWM" is not an answer about IWM. Every
such answer states its coverage; thresholds decide what it may claim:

- complete: at least COMPLETE (98%) of the fund's equity weight is priced (for a list or your
  own tickers: of the names);
- partial:  below that, the title and chart say "partial";
- refused:  below REFUSE (50%) the command does not answer and says what to import or fetch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from analytics.errors import NoData

COMPLETE = 0.98
"""Share of the weight (or of the names) at or above which an answer is complete."""
REFUSE = 0.50
"""Share below which a command refuses to answer."""


class InsufficientCoverage(NoData):
    """Too little of the universe is priced to answer about it (below REFUSE)."""


@dataclass(frozen=True)
class Coverage:
    """How much of a universe was priced.

    priced:       names with a usable price (a return over the window, a weight at its start).
    universe:     names in the universe (a fund's stocks in its holdings file, a list's names).
    weight_share: for a fund, the priced names' share of the fund's equity weight in the
                  holdings file, fraction (0.948 = 94.8%); None for a list of names.
    """

    priced: int
    universe: int
    weight_share: float | None = None

    @property
    def share(self) -> float:
        """What the thresholds apply to: weight_share for a fund, else priced / universe
        (0.0 for an empty universe)."""
        if self.weight_share is not None:
            return self.weight_share
        return self.priced / self.universe if self.universe else 0.0

    @property
    def status(self) -> str:
        """'complete' (share >= COMPLETE), 'partial' (>= REFUSE) or 'refused'."""
        # A hair of float noise on an exact 98% must not flip the answer to partial.
        share = round(self.share, 12)
        if share >= COMPLETE:
            return "complete"
        return "partial" if share >= REFUSE else "refused"

    @property
    def partial(self) -> bool:
        """True unless complete."""
        return self.status != "complete"

    def describe(self) -> str:
        """'94.8% of the weight' for a fund, '45 of 50 names' for a list."""
        if self.weight_share is not None:
            return f"{_share_text(self.weight_share)} of the weight"
        return f"{self.priced:,} of {self.universe:,} names"

    def sentence(self, noun: str) -> str:
        """'Coverage: 1,820 of 1,958 IWM names priced (94.8% of its equity weight); partial.'"""
        weight = (
            f" ({_share_text(self.weight_share)} of its equity weight)"
            if self.weight_share is not None
            else ""
        )
        status = "partial" if self.partial else "complete"
        return (
            f"Coverage: {self.priced:,} of {self.universe:,} {noun} names priced{weight}; {status}."
        )

    def title_suffix(self) -> str:
        """' · partial: 94.8% of the weight' when partial, else ''."""
        return f" · partial: {self.describe()}" if self.partial else ""

    def to_json(self) -> dict[str, Any]:
        return {"priced": self.priced, "universe": self.universe, "weight_share": self.weight_share}


def coverage_of(
    priced: set[str] | list[str] | tuple[str, ...],
    universe: list[str] | tuple[str, ...],
    weights: dict[str, float] | None = None,
) -> Coverage:
    """Coverage of `universe` by the `priced` names; `weights` (a fund's holdings weights by
    ticker, fractions) gives the weight share: sum of priced weights / sum of all weights
    (NaN weights count as 0). Priced names outside the universe are ignored."""
    names = list(dict.fromkeys(universe))
    have = set(priced) & set(names)
    share = None
    if weights is not None:
        total = sum(_finite(weights.get(t)) for t in names)
        share = sum(_finite(weights.get(t)) for t in have) / total if total > 0 else 0.0
    return Coverage(priced=len(have), universe=len(names), weight_share=share)


def require_coverage(coverage: Coverage, noun: str, span: str, remedy: str) -> None:
    """Raise InsufficientCoverage when below REFUSE, saying how little was priced and `remedy`
    (what to import or fetch). `noun` names the universe ('IWM', 'listed'), `span` the dates
    ('from 2026-08-07 to 2026-08-21')."""
    if coverage.status != "refused":
        return
    weight = (
        f" ({_share_text(coverage.weight_share)} of its weight)"
        if coverage.weight_share is not None
        else ""
    )
    raise InsufficientCoverage(
        f"Only {coverage.priced:,} of {coverage.universe:,} {noun} names{weight} have prices "
        f"{span}, too few to answer for the whole (at least {REFUSE:.0%} needed). {remedy}"
    )


def _finite(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else 0.0


def _share_text(share: float) -> str:
    """0.948 -> '94.8%'; tiny shares keep a digit that is not zero (0.0004 -> '0.04%')."""
    if 0 < share < 0.001:
        return f"{share:.2%}"
    if share < COMPLETE <= round(share, 3):
        # 97.96% must not read as 98.0% beside the word "partial".
        return f"{math.floor(share * 10_000) / 100:.2f}%"
    return f"{share:.1%}"
