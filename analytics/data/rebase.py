"""Keeping cached history on the provider's current price basis after splits and dividends.

Yahoo re-bases a ticker's whole history when a split or dividend goes ex: closes (split-adjusted)
and adjusted closes (split- and dividend-adjusted) of every earlier day change by one factor.
A cache that only appends new days would splice two bases together. So each fetch brings the
corporate actions of its days, and every earlier cached row is multiplied by the factor Yahoo
applies for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

EVENT_COLUMNS: tuple[str, ...] = ("dividend", "split")
"""Optional columns of a fetched bar frame: cash dividend per share on its ex-date, split ratio
(10.0 for 10-for-1) on its date; 0 on other days."""


@dataclass(frozen=True)
class Rebase:
    """Multiply cached open/high/low/close by `price`, adj_close by `adjusted`, divide volume by `price`."""

    price: float
    adjusted: float


def factors_from_events(fresh: pd.DataFrame, last_cached_close: float | None) -> Rebase | None:
    """The factors Yahoo applies to every row before `fresh` for the actions inside it.

    A split of ratio r divides earlier prices by r (and multiplies volume by r). A dividend D
    with ex-date d multiplies earlier adjusted closes by 1 - D / close(d-1), close(d-1) being the
    previous session's close on the new basis (from `fresh`, or the last cached close re-based
    by the splits when d is the first fetched day). None when `fresh` holds no action.
    """
    if fresh.empty or not set(EVENT_COLUMNS) <= set(fresh.columns):
        return None
    splits = fresh["split"].fillna(0.0)
    dividends = fresh["dividend"].fillna(0.0)
    if not (splits > 0).any() and not (dividends > 0).any():
        return None
    price = 1.0
    for ratio in splits[splits > 0]:
        price /= float(ratio)
    adjusted = price
    closes = fresh["close"]
    for position, (_day, amount) in enumerate(dividends.items()):
        if amount <= 0:
            continue
        if position > 0:
            previous = float(closes.iloc[position - 1])
        elif last_cached_close is not None:
            previous = last_cached_close * price
        else:
            continue
        if previous > amount:
            adjusted *= 1.0 - float(amount) / previous
    return Rebase(price=price, adjusted=adjusted)
