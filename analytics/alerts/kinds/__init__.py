"""The alert kinds, by name: one module each (kinds/base.py says what a kind provides)."""

from __future__ import annotations

from analytics.alerts.kinds.base import Evaluation, Kind, Params, Reproduce
from analytics.alerts.kinds.breadth import BREADTH
from analytics.alerts.kinds.level import LEVEL
from analytics.alerts.kinds.macro import MACRO
from analytics.alerts.kinds.move import MOVE
from analytics.alerts.kinds.record import RECORD
from analytics.alerts.kinds.streak import STREAK
from analytics.errors import BadInput

KINDS: dict[str, Kind] = {k.name: k for k in (STREAK, RECORD, MOVE, LEVEL, MACRO, BREADTH)}

__all__ = ["KINDS", "Evaluation", "Kind", "Params", "Reproduce", "kind_named"]


def kind_named(name: str) -> Kind:
    """The kind called `name`; BadInput listing the kinds otherwise."""
    found = KINDS.get((name or "").strip().lower())
    if found is None:
        raise BadInput(
            f"'{(name or '').strip()[:20]}' is not an alert kind; give one of {', '.join(KINDS)}."
        )
    return found
