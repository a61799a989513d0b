"""Coverage: counts and weight share, the 98% / 50% thresholds, the refusal message."""

from __future__ import annotations

import pytest

from analytics.coverage import (
    COMPLETE,
    REFUSE,
    Coverage,
    InsufficientCoverage,
    coverage_of,
    require_coverage,
)
from analytics.errors import NoData


def test_a_fund_is_measured_by_weight_a_list_by_names() -> None:
    weights = {"A": 0.5, "B": 0.3, "C": 0.15, "D": 0.05}
    fund = coverage_of({"A", "B", "C", "ZZZ"}, list(weights), weights)  # ZZZ is not in it
    assert (fund.priced, fund.universe) == (3, 4)
    assert fund.weight_share == pytest.approx(0.95)
    assert fund.status == "partial"
    names = coverage_of(["A", "B", "C"], ["A", "B", "C", "D"])
    assert names.weight_share is None
    assert names.share == pytest.approx(0.75)
    assert names.to_json() == {"priced": 3, "universe": 4, "weight_share": None}


@pytest.mark.parametrize(
    ("share", "status"),
    [
        (1.0, "complete"),
        (COMPLETE, "complete"),
        (0.9799, "partial"),
        (REFUSE, "partial"),
        (0.4999, "refused"),
        (0.0, "refused"),
    ],
)
def test_thresholds(share: float, status: str) -> None:
    assert Coverage(1, 2, share).status == status


def test_an_exact_98_percent_of_the_names_is_complete() -> None:
    assert coverage_of([f"T{i}" for i in range(49)], [f"T{i}" for i in range(50)]).status == (
        "complete"
    )


def test_wording() -> None:
    partial = Coverage(1820, 1958, 94.35 / 99.55)
    assert partial.describe() == "94.8% of the weight"
    assert partial.title_suffix() == " · partial: 94.8% of the weight"
    assert partial.sentence("IWM") == (
        "Coverage: 1,820 of 1,958 IWM names priced (94.8% of its equity weight); partial."
    )
    # Just short of 98% must not read as 98.0% next to "partial".
    assert Coverage(1, 2, 0.97996).describe() == "97.99% of the weight"
    assert Coverage(10, 10).title_suffix() == ""
    assert (
        Coverage(10, 10).sentence("listed") == "Coverage: 10 of 10 listed names priced; complete."
    )


def test_below_half_is_refused_saying_what_to_do() -> None:
    require_coverage(Coverage(1, 2), "listed", "from A to B", "Import them.")  # 50%: answers
    with pytest.raises(InsufficientCoverage) as caught:
        require_coverage(
            Coverage(2, 1920, 0.0004), "IWM", "from 2026-08-07 to 2026-08-21", "Go online."
        )
    assert isinstance(caught.value, NoData)
    assert caught.value.message == (
        "Only 2 of 1,920 IWM names (0.04% of its weight) have prices from 2026-08-07 to "
        "2026-08-21, too few to answer for the whole (at least 50% needed). Go online."
    )
