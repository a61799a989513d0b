"""The breadth condition of `history breadth` (analytics/history/breadth.py): the share above
the N-session average, its coverage by weight and where the history studied starts, on small
frames whose values are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.history.breadth import breadth_history, counted_coverage

DAYS = pd.bdate_range("2024-01-01", periods=12)


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, index=DAYS, dtype=float)


def test_coverage_counts_the_weight_of_names_with_n_closes_in_a_row():
    nan = np.nan
    closes = frame(
        A=[1.0] * 12,
        B=[nan, nan, nan, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        C=[1, 1, 1, 1, 1, 1, nan, 1, 1, 1, 1, 1],
    )
    # E is in the universe but never priced: it weighs in the whole, never as counted.
    weights = pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "E": 0.1})
    coverage = counted_coverage(closes, weights, window=3)
    # window 3: A from row 2 on; B from row 5 (closes from row 3); C on rows 2-5 and from row 9.
    by_hand = [0, 0, 0.6, 0.6, 0.6, 0.9, 0.7, 0.7, 0.7, 0.9, 0.9, 0.9]
    assert coverage.to_list() == pytest.approx(by_hand)


def test_the_history_starts_where_coverage_stays_at_half_and_the_condition_follows_the_share():
    nan = np.nan
    # Window 2. A rises on rows 3-5 (above its 2-session mean there), B on rows 4 and 9.
    a = [10, 10, 10, 11, 12, 13, 13, 13, 13, 13, 13, 13]
    b = [nan, nan, nan, nan, 5, 5, 5, 5, 5, 6, 6, 6]
    b[4] = 5.0
    b[3] = 4.0
    closes = frame(A=a, B=b)
    weights = pd.Series({"A": 0.45, "B": 0.55})
    found = breadth_history(closes, 0.5, "above", weights=weights, window=2)
    # Coverage: A alone (0.45) from row 1; with B (1.0) from row 4 (B's closes start at row 3).
    assert found.coverage.to_list() == pytest.approx([0, 0.45, 0.45, 0.45] + [1.0] * 8)
    assert found.start == DAYS[4]
    # Share: row 4: A 12 > 11.5 and B 5 > 4.5 -> 1.0; row 5: A yes, B 5 = 5 no -> 0.5;
    # rows 6-8: 0; row 9: B 6 > 5.5 -> 0.5; rows 10-11: 0.
    shares = [1.0, 0.5, 0, 0, 0, 0.5, 0, 0]
    assert found.share.loc[DAYS[4] :].to_list() == pytest.approx(shares)
    assert found.condition.to_list() == [s >= 0.5 for s in shares]
    below = breadth_history(closes, 0.0, "below", weights=weights, window=2)
    assert below.condition.to_list() == [s <= 0.0 for s in shares]


def test_no_steady_half_no_start_and_empty_input():
    closes = frame(A=[1.0] * 12, B=[1.0] * 12)
    thin = breadth_history(closes, 0.5, weights=pd.Series({"A": 0.2, "B": 0.2, "C": 0.6}))
    assert thin.start is None and thin.condition.empty  # at most 40% of the weight measured
    empty = breadth_history(pd.DataFrame(index=pd.DatetimeIndex([])), 0.5)
    assert empty.start is None and empty.share.empty
    with pytest.raises(ValueError, match="above or below"):
        breadth_history(closes, 0.5, "sideways")
