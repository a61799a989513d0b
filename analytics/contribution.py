"""Contribution to return: how much of a fund's move each constituent made.

Contribution of a constituent over a window S..E = its weight at the START of the window x its
return over the window; over the whole fund the contributions add up to the fund's return.
A holdings file gives weights as of its own date H, which is rarely S: `weights_at` carries
them from H to S by each name's own price move (H before or after S alike).
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


def weights_at(
    holdings_weights: pd.Series, price_at_holdings: pd.Series, price_at_start: pd.Series
) -> pd.Series:
    """Each name's weight at session S, carried from the holdings date H by its own price move.

    holdings_weights:  w_i(H), fraction of the fund (0.0094 = 0.94%), indexed by ticker; the
                       weights of a fund's stocks sum to a little under 1 (cash, futures).
    price_at_holdings: P_i(H), each name's close at H (for an H that is not a session: the last
                       close before it, the prices the file's weights were struck at).
    price_at_start:    P_i(S), each name's close at S.
    Prices are adjusted closes; a name missing from either, NaN, infinite or <= 0 is unpriced.

    Formula: w_i(S) = w_i(H) x g_i x W / sum_j(w_j(H) x g_j),  g_i = P_i(S) / P_i(H),
    the sums over priced names, W = sum_j w_j(H) over those names. So the priced names keep the
    share of the fund they had at H (the rest: cash, futures and unpriced names, keeps its
    share too) and share it out by their relative moves between H and S. With every name
    priced this is w_i(S) proportional to w_i(H) x P_i(S) / P_i(H), normalised over the fund;
    with S = H (g = 1) the weights are the file's, exactly. H may be before or after S.

    Returns w_i(S) (fraction) in the order of `holdings_weights`, NaN for unpriced names.
    Empty input gives an empty series. Raises BadInput for tickers listed twice or NaN
    holdings weights.
    """
    w_h = _check_series(holdings_weights, "holdings weights")
    if w_h.isna().any():
        bad = ", ".join(map(str, w_h.index[w_h.isna()][:5]))
        raise BadInput(f"Holdings weights are missing for {bad}; give every name a weight.")
    p_h = _check_series(price_at_holdings, "prices at the holdings date").reindex(w_h.index)
    p_s = _check_series(price_at_start, "prices at the window's start").reindex(w_h.index)
    priced = np.isfinite(p_h) & np.isfinite(p_s) & (p_h > 0) & (p_s > 0)
    grown = w_h[priced] * (p_s[priced] / p_h[priced])
    out = pd.Series(np.nan, index=w_h.index, dtype="float64", name="weight_at_start")
    moved = float(grown.sum())
    if moved > 0:
        out[priced] = grown * (float(w_h[priced].sum()) / moved)
    return out


def contributions(start_weights: pd.Series, returns: pd.Series) -> pd.DataFrame:
    """Each constituent's contribution to the fund's return over a window, in basis points.

    start_weights: weight of each name at the START of the window S, fraction (see
                   `weights_at`), indexed by ticker; NaN = unpriced at the start.
    returns:       each name's return over S..E, fraction (0.05 = +5%), indexed by ticker;
                   names missing here, NaN, infinite or <= -100% are unpriced.

    Formula: contribution_i = w_i(S) x R_i; in bp, / 0.0001. Over a whole fund (every name
    priced) the contributions add up to its return: sum_i w_i(S) R_i = V(E) / V(S) - 1.

    Returns a frame indexed by ticker with columns CONTRIBUTION_COLUMNS: start_weight
    (fraction), return (fraction), contribution_bp, sorted by contribution, largest first
    (ties by ticker). `frame.attrs["unpriced"]` lists the tickers left out, in the order given.
    Empty input, or no priced name, gives an empty frame with these columns.
    Raises BadInput for tickers listed twice.
    """
    weights = _check_series(start_weights, "start weights")
    rets = _check_series(returns, "returns").reindex(weights.index)
    usable = np.isfinite(weights) & np.isfinite(rets) & (rets > -1.0) & (weights >= 0)
    w, r = weights[usable], rets[usable]
    frame = pd.DataFrame(
        {"start_weight": w, "return": r, "contribution_bp": w * r / BP},
        columns=list(CONTRIBUTION_COLUMNS),
    ).astype("float64")
    frame.index.name = weights.index.name or "ticker"
    frame = frame.sort_index(kind="stable").sort_values(
        "contribution_bp", ascending=False, kind="stable"
    )
    frame.attrs = {"unpriced": [str(t) for t in weights.index[~usable]]}
    return frame


@dataclass(frozen=True, eq=False)
class ContributionSummary:
    """The headline numbers behind "five names made over 1 point of the Russell 2000's 7%".

    frame:              `contributions(...)` (contribution_bp per ticker, largest first).
    total:              sum of the contributions, fraction.
    fund_return:        the fund's return (given, or implied by the priced names), fraction.
    explained_share:    total / fund_return: 1.0 when the names are the whole fund, less when
                        some are unpriced or missing; NaN when fund_return is 0 or NaN.
    priced:             names with a start weight and a usable return.
    unpriced:           tickers left out (see `contributions`).
    top_n:              N used for the concentration figures.
    top_contribution:   the N largest contributions summed, fraction.
    bottom_contribution: the N smallest (most negative) summed, fraction. With fewer than 2N
                        names the two groups overlap.
    """

    frame: pd.DataFrame = field(repr=False)
    total: float
    fund_return: float
    explained_share: float
    priced: int
    unpriced: tuple[str, ...]
    top_n: int
    top_contribution: float
    bottom_contribution: float

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
    start_weights: pd.Series,
    returns: pd.Series,
    fund_return: float | None = None,
    *,
    top_n: int = 5,
) -> ContributionSummary:
    """`contributions(...)` plus its totals and top-N concentration (see the fields).

    `fund_return` is the fund's own return (from the ETF's prices), fraction; None takes the
    return of the priced names held at their start weights, sum(w R) / sum(w), which is the
    sum of the contributions when their weights add up to 1. Empty input or no priced name
    gives total 0, no top/bottom (0.0), NaN explained share (and NaN fund return if none given).
    Raises BadInput for top_n < 1 or a fund return that is not above -100%.
    """
    if top_n < 1:
        raise BadInput(f"top_n must be at least 1 (got {top_n}).")
    if fund_return is not None and (not math.isfinite(fund_return) or fund_return <= -1.0):
        raise BadInput(f"The fund's return must be above -100% (got {fund_return:.2%}).")
    frame = contributions(start_weights, returns)
    contribution = frame["contribution_bp"] * BP
    total = float(contribution.sum())
    if fund_return is None:
        held = float(frame["start_weight"].sum())
        fund_return = total / held if held > 0 else math.nan
    explained = total / fund_return if math.isfinite(fund_return) and fund_return != 0 else math.nan
    return ContributionSummary(
        frame=frame,
        total=total,
        fund_return=float(fund_return),
        explained_share=explained,
        priced=len(frame),
        unpriced=tuple(frame.attrs["unpriced"]),
        top_n=top_n,
        top_contribution=float(contribution.head(top_n).sum()),
        bottom_contribution=float(contribution.tail(top_n).sum()),
    )


def _check_series(values: pd.Series, label: str) -> pd.Series:
    if values.index.has_duplicates:
        twice = ", ".join(map(str, values.index[values.index.duplicated()].unique()[:5]))
        raise BadInput(f"{twice} listed twice in the {label}; give each ticker once.")
    return pd.to_numeric(values, errors="coerce").astype("float64")
