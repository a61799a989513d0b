"""Contribution to return: how much of a fund's move each constituent made.

Contribution of a constituent over a window = its weight at the START of the window x its
return over the window; over the whole fund the contributions add up to the fund's return.
Holdings files give END-of-window weights, so start weights are backed out from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import BadInput

CONTRIBUTION_COLUMNS: tuple[str, ...] = ("start_weight", "return", "contribution_bp")
BP = 1e-4
"""One basis point as a fraction."""


def contributions(
    end_weights: pd.Series, returns: pd.Series, index_return: float | None = None
) -> pd.DataFrame:
    """Each constituent's contribution to the fund's return over a window, in basis points.

    end_weights: weight of each name at the END of the window, fraction (0.0094 = 0.94%),
                 indexed by ticker.
    returns:     each name's return over the window, fraction (0.05 = +5%), indexed by ticker;
                 names missing here or NaN are unpriced.
    index_return: the fund's own return over the window (from the ETF's prices), fraction.

    Formula: contribution_i = w_start_i x R_i, with start weights backed out from end weights:
        w_start_i = w_end_i x (1 + R_fund) / (1 + R_i)
    When `index_return` is given it is R_fund, so the names passed need not be the whole fund
    (their contributions then add up to the part of the fund's return they explain). When
    None, R_fund follows from the identity over the names given,
        1 + R_fund = 1 / sum_j(w_end_j / (1 + R_j)),
    after normalising their end weights to sum to 1 (recorded in attrs, see below); the
    contributions then add up to R_fund exactly.

    Returns a frame indexed by ticker with columns CONTRIBUTION_COLUMNS: start_weight
    (fraction), return (fraction), contribution_bp (1 bp = 0.0001), sorted by contribution,
    largest first (ties by ticker). `frame.attrs` holds:
        unpriced:           tickers left out (return NaN, missing, infinite or <= -100%, for
                            which no start weight can be backed out), in end-weight order
        fund_return:        R_fund used (given or implied; NaN when nothing is priced and
                            none was given)
        priced_end_weight:  sum of the priced names' end weights before any normalising
        weights_normalized: True when end weights were rescaled to sum to 1
    Empty input, or no priced name, gives an empty frame with these columns and attrs.
    Raises BadInput for tickers listed twice, NaN end weights, an index_return <= -100%, or
    (with index_return None) priced end weights that do not sum to a positive number.
    """
    weights = _check_series(end_weights, "end weights")
    if weights.isna().any():
        bad = ", ".join(map(str, weights.index[weights.isna()][:5]))
        raise BadInput(f"End weights are missing for {bad}; give every name a weight.")
    rets = _check_series(returns, "returns").reindex(weights.index).astype("float64")
    usable = np.isfinite(rets) & (rets > -1.0)
    unpriced = [str(t) for t in weights.index[~usable]]
    w_end, r = weights[usable], rets[usable]
    priced_end_weight = float(w_end.sum())

    normalized = False
    if index_return is not None:
        if not math.isfinite(index_return) or index_return <= -1.0:
            raise BadInput(f"The fund's return must be above -100% (got {index_return:.2%}).")
        growth = 1.0 + index_return
    elif w_end.empty:
        growth = math.nan
    else:
        if priced_end_weight <= 0:
            raise BadInput("The priced names' end weights add up to zero; nothing to attribute.")
        normalized = not math.isclose(priced_end_weight, 1.0, rel_tol=0.0, abs_tol=1e-12)
        w_end = w_end / priced_end_weight
        growth = 1.0 / float((w_end / (1.0 + r)).sum())

    start = w_end * growth / (1.0 + r)
    frame = pd.DataFrame(
        {"start_weight": start, "return": r, "contribution_bp": start * r / BP},
        columns=list(CONTRIBUTION_COLUMNS),
    ).astype("float64")
    frame.index.name = weights.index.name or "ticker"
    frame = frame.sort_index(kind="stable").sort_values(
        "contribution_bp", ascending=False, kind="stable"
    )
    frame.attrs = {
        "unpriced": unpriced,
        "fund_return": growth - 1.0,
        "priced_end_weight": priced_end_weight,
        "weights_normalized": normalized,
    }
    return frame


@dataclass(frozen=True, eq=False)
class ContributionSummary:
    """The headline numbers behind "five names made over 1 point of the Russell 2000's 7%".

    frame:              `contributions(...)` (contribution_bp per ticker, largest first).
    total:              sum of the contributions, fraction.
    fund_return:        R_fund used (given, or implied by the identity), fraction.
    explained_share:    total / fund_return: 1.0 when the names are the whole fund, less when
                        some are unpriced or missing; NaN when fund_return is 0 or NaN.
    priced:             names with a usable return.
    unpriced:           tickers left out (see `contributions`).
    unpriced_end_weight: their end weights summed, fraction (how much of the fund is missing).
    top_n:              N used for the concentration figures.
    top_contribution:   the N largest contributions summed, fraction.
    bottom_contribution: the N smallest (most negative) summed, fraction. With fewer than 2N
                        names the two groups overlap.
    weights_normalized: end weights were rescaled to sum to 1 (no fund return was given).
    """

    frame: pd.DataFrame = field(repr=False)
    total: float
    fund_return: float
    explained_share: float
    priced: int
    unpriced: tuple[str, ...]
    unpriced_end_weight: float
    top_n: int
    top_contribution: float
    bottom_contribution: float
    weights_normalized: bool

    @property
    def concentration(self) -> float:
        """Share of the fund's move made by the N names pushing the same way as the fund.

        top_contribution / fund_return for a rise, bottom_contribution / fund_return for a
        fall; NaN when the fund's return is 0 or unknown.
        """
        if not math.isfinite(self.fund_return) or self.fund_return == 0:
            return math.nan
        leaders = self.top_contribution if self.fund_return > 0 else self.bottom_contribution
        return leaders / self.fund_return


def contribution_summary(
    end_weights: pd.Series,
    returns: pd.Series,
    index_return: float | None = None,
    *,
    top_n: int = 5,
) -> ContributionSummary:
    """`contributions(...)` plus its totals, coverage and top-N concentration (see the fields).

    Empty input or no priced name gives total 0, no top/bottom (0.0) and NaN explained share.
    """
    if top_n < 1:
        raise BadInput(f"top_n must be at least 1 (got {top_n}).")
    frame = contributions(end_weights, returns, index_return)
    contribution = frame["contribution_bp"] * BP
    total = float(contribution.sum())
    fund_return = float(frame.attrs["fund_return"])
    explained = total / fund_return if math.isfinite(fund_return) and fund_return != 0 else math.nan
    unpriced = tuple(frame.attrs["unpriced"])
    weights = end_weights.astype("float64")
    return ContributionSummary(
        frame=frame,
        total=total,
        fund_return=fund_return,
        explained_share=explained,
        priced=len(frame),
        unpriced=unpriced,
        unpriced_end_weight=float(weights[weights.index.isin(unpriced)].sum()),
        top_n=top_n,
        top_contribution=float(contribution.head(top_n).sum()),
        bottom_contribution=float(contribution.tail(top_n).sum()),
        weights_normalized=bool(frame.attrs["weights_normalized"]),
    )


def _check_series(values: pd.Series, label: str) -> pd.Series:
    if values.index.has_duplicates:
        twice = ", ".join(map(str, values.index[values.index.duplicated()].unique()[:5]))
        raise BadInput(f"{twice} listed twice in the {label}; give each ticker once.")
    return pd.to_numeric(values, errors="coerce").astype("float64")
