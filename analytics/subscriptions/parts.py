"""The digest's sections: each is the answer of the command it stands on, as of the digest's day.

Each section calls the public command functions the slash commands use (streak, compare,
movers, contributors, macro), so the post says exactly what the commands would. Blocking:
`compose_digest` runs them in the worker thread of the digest's answer (or the scheduler's).
Command modules are imported inside each section: one that fails to import (it is being
changed, or is broken) costs its own section a notice, not the whole digest. Holdings and FRED
are downloaded only when the facade can (online, with an HTTP bridge attached).
"""

from __future__ import annotations

import datetime as dt

from analytics.answer import Answer
from analytics.data.market import MarketData
from analytics.spec import ParseContext, Progress
from analytics.subscriptions.digest import Section
from analytics.subscriptions.sections import (
    CONTRIBUTORS_TOP,
    FUND,
    MACRO_SERIES,
    MOVERS_TOP,
    RETURNS_TICKERS,
    STREAK_PAIR,
)


def streak_section(market: MarketData, day: dt.date, progress: Progress) -> Answer:
    """IWM vs SPY: who has beaten whom how many sessions in a row (the /streak answer)."""
    from analytics.commands.streaks._parse import StreakRequest
    from analytics.commands.streaks._streak import streak_answer

    return streak_answer(market, StreakRequest(*STREAK_PAIR, "beat", day), progress)


def returns_section(market: MarketData, day: dt.date, progress: Progress) -> Answer:
    """The day's and the year's total returns of IWM, SPY, QQQ and MAGS (two /compare
    comparisons: window 1d and ytd, on adjusted closes), with the YTD chart."""
    from analytics.subscriptions.returns import daily_returns_answer

    return daily_returns_answer(market, RETURNS_TICKERS, day, progress)


def movers_section(market: MarketData, day: dt.date, progress: Progress) -> Answer:
    """The day's top gainers and losers among IWM's holdings (the /movers report, window 1d)."""
    from analytics.commands.movers import MOVERS
    from analytics.commands.movers._answer import movers_report

    values = {"window": "1d", "universe": FUND, "top": MOVERS_TOP, "as_of": day}
    request = MOVERS.parse_values(values, ParseContext(today=market.today()))
    return movers_report(market, request, progress).answer()


def contributors_section(market: MarketData, day: dt.date, progress: Progress) -> Answer:
    """The top year-to-date contributors to IWM's return (the /contributors report)."""
    from analytics.commands.contributors import CONTRIBUTORS
    from analytics.commands.contributors._answer import contributors_report

    values = {"fund": FUND, "window": "ytd", "top": CONTRIBUTORS_TOP, "as_of": day}
    request = CONTRIBUTORS.parse_values(values, ParseContext(today=market.today()))
    return contributors_report(market, request, progress).answer()


def macro_section(market: MarketData, day: dt.date, progress: Progress) -> Answer:
    """GDPNow as of the day: the /macro gdpnow answer (the Atlanta Fed's daily track when one is
    imported, else FRED's quarterly series), FRED read through the facade, cache first."""
    from analytics.commands.macro import MACRO

    values = {"series": MACRO_SERIES, "as_of": day.isoformat()}
    request = MACRO.parse_values(values, ParseContext(today=market.today()))
    return MACRO.answer_function()(market, request, progress)


SECTIONS: dict[str, Section] = {
    "streak": streak_section,
    "returns": returns_section,
    "movers": movers_section,
    "contributors": contributors_section,
    "macro": macro_section,
}
