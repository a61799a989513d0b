"""Which universe leads estimate revisions, and when the order last looked like today's.

The order of a day ranks the universes by their net-up share (highest first; ties by the lower
net-down share, then by name). History is the days the collection ran; a day counts only when
every universe compared was answerable that day (coverage not refused), so orders compare like
with like. History starts when the bot starts collecting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


def revision_order(share_up: pd.Series, share_down: pd.Series | None = None) -> tuple[str, ...]:
    """Universe names ranked by net-up share, highest first (ties: lower net-down share, then
    name). NaN shares are left out; an empty series gives ()."""
    down = share_down if share_down is not None else pd.Series(0.0, index=share_up.index)
    keys = [
        (-float(share_up[name]), float(down.get(name, 0.0)), str(name))
        for name in share_up.index
        if pd.notna(share_up[name])
    ]
    return tuple(name for _, _, name in sorted(keys))


@dataclass(frozen=True)
class OrderContext:
    """Today's leader and order against the history before it.

    days:            history days compared (today included), oldest first.
    leading_since:   the first day of the leader's current unbroken run at the top.
    previous_lead:   the last day before that run when the same universe led (None: never).
    order_since:     the first day of the current unbroken run of today's whole order.
    previous_order:  the last day before that run with the same whole order (None: never).
    """

    leader: str
    order: tuple[str, ...]
    days: tuple[dt.date, ...]
    leading_since: dt.date
    previous_lead: dt.date | None
    order_since: dt.date
    previous_order: dt.date | None

    @property
    def start(self) -> dt.date:
        return self.days[0]

    @property
    def new_lead(self) -> bool:
        """The leader took the top spot on the last day (it did not lead the day before)."""
        return self.leading_since == self.days[-1] and len(self.days) > 1

    def to_json(self) -> dict[str, object]:
        return {
            "leader": self.leader,
            "order": list(self.order),
            "history_start": self.start.isoformat(),
            "history_days": len(self.days),
            "leading_since": self.leading_since.isoformat(),
            "previous_lead": self.previous_lead.isoformat() if self.previous_lead else None,
            "order_since": self.order_since.isoformat(),
            "previous_order": self.previous_order.isoformat() if self.previous_order else None,
        }


def order_context(
    share_up: pd.DataFrame, share_down: pd.DataFrame | None = None
) -> OrderContext | None:
    """The context of the last row of `share_up` (index days, one column per universe; a row
    with any NaN is a day that does not count). None when no day counts or fewer than two
    universes are compared."""
    if share_up.shape[1] < 2:
        return None
    rows = share_up.dropna(how="any")
    if rows.empty:
        return None
    downs = (
        share_down.reindex(index=rows.index, columns=rows.columns)
        if share_down is not None
        else None
    )
    orders = [
        revision_order(rows.loc[day], None if downs is None else downs.loc[day])
        for day in rows.index
    ]
    days = tuple(pd.Timestamp(d).date() for d in rows.index)
    today = orders[-1]
    leader = today[0]
    leading_since, previous_lead = _runs(days, [o[0] == leader for o in orders])
    order_since, previous_order = _runs(days, [o == today for o in orders])
    return OrderContext(
        leader, today, days, leading_since, previous_lead, order_since, previous_order
    )


def _runs(days: Sequence[dt.date], same: Sequence[bool]) -> tuple[dt.date, dt.date | None]:
    """(first day of the final run of True, last True day before that run or None)."""
    i = len(same) - 1
    while i > 0 and same[i - 1]:
        i -= 1
    since = days[i]
    before = next((days[j] for j in range(i - 1, -1, -1) if same[j]), None)
    return since, before
