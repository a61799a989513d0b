"""`breadth` alerts: the share of a universe above its 50-day average crosses X%.

They wait for /breadth (a universe's share above its 50-day moving average): the kind exists
so `/alert add kind:breadth` says so, and adding it is this one class (parse, evaluate on the
/breadth analytics, the /breadth answer as the embed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics.alerts.kinds.base import Kind
from analytics.errors import BadInput

COMING = (
    "Breadth alerts (the share of a universe above its 50-day average crossing a level) are "
    "coming with the /breadth command; until then try kind:move, level, record, streak or macro."
)


class BreadthKind(Kind):
    name = "breadth"
    takes = ("universe", "percent", "direction")
    coming = COMING

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        raise BadInput(COMING)

    def describe(self, params) -> str:
        return f"{params.get('universe')}: share above the 50-day crosses {params.get('percent')}%"


BREADTH = BreadthKind()
