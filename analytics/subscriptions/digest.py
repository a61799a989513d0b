"""The daily digest: a headline and one Answer per section, each section on its own.

`compose_digest` runs each requested section (analytics/subscriptions/parts.py: the streak,
returns, movers, contributors and macro answers the commands give) and turns a section that
fails into a one-line notice ("Movers: Yahoo is not answering; skipped today."); the others
still go out. The `Digest` is the post: its headline, the dating notice when the prices end
before the trading day (read from each answer's typed `behind`), the sections in order.

`day` is the trading day the digest is for: the scheduler passes the session just closed;
a preview uses the last completed session, so a preview during market hours shows the
previous close, as the post would.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from analytics import calendar
from analytics.answer import Answer, jsonable
from analytics.commands.common import check_as_of, pct
from analytics.data.market import MarketData
from analytics.errors import MarketbotError
from analytics.spec import NoProgress, Progress
from analytics.subscriptions.returns import DailyReturns
from analytics.subscriptions.schedule import is_early_close, session_on_or_before
from analytics.subscriptions.sections import (
    PRICE_SECTIONS,
    SECTION_NAMES,
    parse_sections,
    section_label,
    section_notice,
)

log = logging.getLogger(__name__)


class SectionUnavailable(MarketbotError):
    """A section that cannot be produced at all in this build (its command is missing)."""


Section = Callable[[MarketData, dt.date, Progress], Answer]
"""A section: (the data facade, the trading day, progress) -> its Answer. Blocking."""


@dataclass(frozen=True)
class SectionResult:
    """One section of a digest: its Answer, or the one-line notice that replaces it."""

    name: str
    answer: Answer | None = None
    notice: str | None = None

    @property
    def ok(self) -> bool:
        return self.answer is not None

    @property
    def label(self) -> str:
        return section_label(self.name)


@dataclass(frozen=True)
class Digest:
    """The day's post: trading day, whether it closed early, and the sections in order."""

    trading_day: dt.date
    early_close: bool
    sections: tuple[SectionResult, ...]

    @property
    def headline(self) -> str:
        """'📊 Market close, Wednesday 2024-07-03 (early close): SPY +0.51%, IWM -0.12% today';
        over prices that end before the trading day, '📊 Market close, Monday 2026-11-30 (as of
        Monday 2026-10-05): SPY +0.51%, IWM -0.12% on 2026-10-05'."""
        line = f"📊 Market close, {self.trading_day:%A} {self.trading_day.isoformat()}"
        if self.early_close:
            line += " (early close)"
        data_day = self.data_as_of
        behind = data_day is not None and data_day < self.trading_day
        if behind:
            line += f" (as of {data_day:%A} {data_day.isoformat()})"
        moves = self._day_moves()
        if moves:
            when = f"on {data_day.isoformat()}" if behind else "today"
            line += ": " + ", ".join(f"{t} {pct(r)}" for t, r in moves) + f" {when}"
        return line

    @property
    def data_as_of(self) -> dt.date | None:
        """The session the post's prices reach: the returns section's (the headline's moves
        are its), else the latest of the other price sections'; None without any."""
        answers = {s.name: s.answer for s in self.sections if s.answer is not None}
        returns = answers.get("returns")
        if returns is not None and returns.as_of is not None:
            return returns.as_of
        days = [answers[n].as_of for n in PRICE_SECTIONS if n in answers and answers[n].as_of]
        return max(days) if days else None

    @property
    def dating_notice(self) -> str | None:
        """'Prices as of Monday 2026-10-05, not Monday 2026-11-30: offline mode is on and the
        cache ends there.' when the prices end before the trading day, else None."""
        data_day = self.data_as_of
        if data_day is None or data_day >= self.trading_day:
            return None
        why = next(
            (
                s.answer.behind.why
                for s in self.sections
                if s.name in PRICE_SECTIONS
                and s.answer is not None
                and s.answer.behind is not None
                and s.answer.behind.why
            ),
            None,
        )
        reason = f": {why}" if why else ": the data ends there"
        return (
            f"Prices as of {data_day:%A} {data_day.isoformat()}, not "
            f"{self.trading_day:%A} {self.trading_day.isoformat()}{reason}."
        )

    def _day_moves(self) -> list[tuple[str, float]]:
        for section in self.sections:
            if section.name == "returns" and section.answer is not None:
                figures = section.answer.result
                if isinstance(figures, DailyReturns):
                    return [(t, figures.day[t]) for t in ("SPY", "IWM") if t in figures.day]
        return []

    @property
    def notices(self) -> tuple[str, ...]:
        """The dating notice first (it qualifies every section), then each skipped section's."""
        dating = self.dating_notice
        return (*([dating] if dating else []), *(s.notice for s in self.sections if s.notice))

    @property
    def answers(self) -> tuple[tuple[str, Answer], ...]:
        return tuple((s.name, s.answer) for s in self.sections if s.answer is not None)

    def only(self, names: Iterable[str]) -> Digest:
        """The same digest restricted to `names` (a subscription's sections), in digest order."""
        wanted = set(names)
        return replace(self, sections=tuple(s for s in self.sections if s.name in wanted))

    def to_json(self) -> dict[str, Any]:
        return jsonable(
            {
                "trading_day": self.trading_day,
                "data_as_of": self.data_as_of,
                "early_close": self.early_close,
                "headline": self.headline,
                "notices": list(self.notices),
                "sections": [
                    {
                        "name": s.name,
                        "ok": s.ok,
                        "notice": s.notice,
                        "answer": s.answer.to_json() if s.answer is not None else None,
                    }
                    for s in self.sections
                ],
            }
        )


def without_downloads(market: MarketData) -> MarketData:
    """A view of the facade that downloads no holdings or FRED data (prices still go through
    the facade as usual): the bot's digest when its settings say offline."""
    view = copy.copy(market)
    view.http = None
    return view


def compose_digest(
    market: MarketData,
    sections: str | Iterable[str] = SECTION_NAMES,
    *,
    day: dt.date | None = None,
    progress: Progress | None = None,
    registry: Mapping[str, Section] | None = None,
) -> Digest:
    """Run each requested section once, in digest order; failures become notices. Blocking.

    A MarketbotError (provider down, no data, section not available) is an expected failure,
    logged at INFO (the notice itself tells the reader; providers log their own outages);
    anything else is a bug, logged with its traceback. Sections run one after another: they
    share the price cache and the provider's rate limit. BadInput for a day in the future.
    """
    if registry is None:
        from analytics.subscriptions.parts import SECTIONS

        registry = SECTIONS
    if day is None:
        day = calendar.last_completed_session(market.now())
    else:
        check_as_of(day, market.today())
        day = session_on_or_before(day)
    progress = progress or NoProgress()
    results: list[SectionResult] = []
    for name in parse_sections(sections):
        label = section_label(name)
        section = registry.get(name)
        try:
            if section is None:
                raise SectionUnavailable("not available yet")
            answer = section(market, day, progress)
        except MarketbotError as exc:
            log.info("digest section %s failed: %s", name, exc.message)
            results.append(SectionResult(name, notice=section_notice(label, exc.message)))
        except Exception:
            log.exception("digest section %s failed unexpectedly", name)
            results.append(
                SectionResult(name, notice=section_notice(label, "failed on our side (logged)"))
            )
        else:
            results.append(SectionResult(name, answer=answer))
    return Digest(trading_day=day, early_close=is_early_close(day), sections=tuple(results))
