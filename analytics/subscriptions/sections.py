"""Which parts a digest has, what they cover, and how a choice of sections is typed.

Light on purpose (no pandas, no command module at import): the digest's spec, the Discord
autocomplete and the nightly refresh (which keeps the sections' tickers warm) read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analytics.errors import BadInput

SECTION_NAMES: tuple[str, ...] = ("streak", "returns", "movers", "contributors", "macro")
SECTION_LABELS: dict[str, str] = {
    "streak": "Small vs large",
    "returns": "Returns",
    "movers": "Movers",
    "contributors": "Contributors",
    "macro": "Macro",
}
SECTIONS_HELP = (
    "Sections: streak (IWM vs SPY run), returns (IWM, SPY, QQQ, MAGS today and YTD), movers "
    "(top movers of the day in IWM's holdings), contributors (top YTD contributors to IWM), "
    "macro (latest GDPNow). Give several separated by commas, or all (the default)."
)
RETURNS_TICKERS = ("IWM", "SPY", "QQQ", "MAGS")
STREAK_PAIR = ("IWM", "SPY")
FUND = "IWM"
MACRO_SERIES = "gdpnow"
MOVERS_TOP = 5
CONTRIBUTORS_TOP = 5
NOTICE_MAX = 200
PRICE_SECTIONS = ("returns", "streak", "movers", "contributors")
"""Sections whose answers stand on a session's prices (macro stands on its own release dates)."""

_FIRST_SENTENCE = re.compile(r"(?<=[a-z0-9)])\.\s+(?=[A-Z])")


def parse_sections(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """'streak, returns' / ['macro'] / 'all' / None -> section names in digest order.

    Case and separators (commas, spaces) are free; duplicates collapse. Raises BadInput naming
    the valid sections for an unknown name.
    """
    if text is None:
        return SECTION_NAMES
    raw = text if isinstance(text, str) else " ".join(text)
    words = [w for w in raw.replace(",", " ").lower().split() if w]
    if not words or "all" in words:
        return SECTION_NAMES
    unknown = [w for w in words if w not in SECTION_NAMES]
    if unknown:
        raise BadInput(
            f"Unknown section {', '.join(repr(w[:20]) for w in unknown)}. " + SECTIONS_HELP
        )
    return tuple(n for n in SECTION_NAMES if n in words)


def sections_text(names: Iterable[str]) -> str:
    """'all' when every section is there, else 'streak, returns'."""
    names = tuple(names)
    return "all" if set(names) >= set(SECTION_NAMES) else ", ".join(names)


def section_label(name: str) -> str:
    """'Small vs large' for 'streak'; a name without a label is title-cased."""
    return SECTION_LABELS.get(name, name.title())


def section_notice(label: str, reason: str) -> str:
    """'Movers: Yahoo is not answering; skipped today.': the reason's first sentence (the
    rest says how to fix it, which belongs in the command's own reply), cut to one line."""
    reason = _FIRST_SENTENCE.split(" ".join(reason.split()), maxsplit=1)[0].rstrip(". ")
    if len(reason) > NOTICE_MAX:
        reason = reason[: NOTICE_MAX - 1].rstrip() + "…"
    return f"{label}: {reason}; skipped today."
