"""Breadth: up/down/unchanged counts with unpriced names excluded and counted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.breadth import breadth


def test_counts_by_hand() -> None:
    returns = pd.Series({"A": 0.1, "B": -0.2, "C": 0.0, "D": math.nan, "E": math.inf, "F": 0.05})
    result = breadth(returns)
    assert (result.up, result.down, result.unchanged) == (2, 1, 1)
    assert (result.priced, result.unpriced) == (4, 2)
    assert result.share_up == 0.5
    assert result.net == 1


def test_empty_input() -> None:
    result = breadth(pd.Series(dtype="float64"))
    assert (result.up, result.down, result.unchanged, result.priced, result.unpriced) == (0,) * 5
    assert math.isnan(result.share_up)


def test_all_unpriced() -> None:
    result = breadth(pd.Series([math.nan, math.nan]))
    assert (result.priced, result.unpriced) == (0, 2)
    assert math.isnan(result.share_up)


@pytest.mark.parametrize("seed", range(5))
def test_matches_a_plain_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.choice([-0.03, -0.01, 0.0, 0.02, math.nan], size=500)
    result = breadth(pd.Series(values))
    up = down = flat = missing = 0
    for value in values.tolist():
        if value != value:
            missing += 1
        elif value > 0:
            up += 1
        elif value < 0:
            down += 1
        else:
            flat += 1
    assert (result.up, result.down, result.unchanged, result.unpriced) == (up, down, flat, missing)
    assert result.share_up == pytest.approx(up / (up + down + flat))
