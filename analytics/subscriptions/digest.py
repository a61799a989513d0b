"""The daily digest: a headline and one Answer per section, each section on its own.

Sections are a registry {name: async callable (context, day) -> Answer}; each calls the public
command functions (streak, compare, movers, contributors, macro) the slash commands use, so
the post says exactly what the commands would. A section that raises becomes a one-line
notice ("Movers: Yahoo is not answering; skipped today.") and the others still go out.

`day` is the trading day the digest is for: the scheduler passes the session just closed;
a preview uses the last completed session, so a preview during market hours shows the
previous close, as the post would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import aiohttp

from analytics import calendar
from analytics.answer import Answer, Field, Table, jsonable
from analytics.commands.common import check_as_of, pct
from analytics.data.market import MarketData, Progress
from analytics.errors import BadInput, MarketbotError
from analytics.subscriptions.schedule import is_early_close, session_on_or_before

log = logging.getLogger(__name__)

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
# Sections whose answers stand on a session's prices (macro stands on its own release dates).
PRICE_SECTIONS = ("returns", "streak", "movers", "contributors")
_FIRST_SENTENCE = re.compile(r"(?<=[a-z0-9)])\.\s+(?=[A-Z])")


class SectionUnavailable(MarketbotError):
    """A section that cannot be produced at all in this build (its command is missing)."""


@dataclass(frozen=True)
class DigestContext:
    """What the sections need. `session` None means no downloads: holdings and FRED come from
    the cache only (offline mode); prices still go through `market`."""

    market: MarketData
    session: aiohttp.ClientSession | None = None
    fred_api_key: str | None = None
    chart: bool = True
    progress: Progress | None = None


Section = Callable[[DigestContext, dt.date], Awaitable[Answer]]


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
        return SECTION_LABELS.get(self.name, self.name.title())


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
        why = None
        for section in self.sections:
            behind = section.answer.data.get("behind") if section.answer is not None else None
            if section.name in PRICE_SECTIONS and isinstance(behind, dict) and behind.get("why"):
                why = behind["why"]
                break
        reason = f": {why}" if why else ": the data ends there"
        return (
            f"Prices as of {data_day:%A} {data_day.isoformat()}, not "
            f"{self.trading_day:%A} {self.trading_day.isoformat()}{reason}."
        )

    def _day_moves(self) -> list[tuple[str, float]]:
        for section in self.sections:
            if section.name == "returns" and section.answer is not None:
                day = section.answer.data.get("day") or {}
                return [(t, day[t]) for t in ("SPY", "IWM") if day.get(t) is not None]
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


def section_notice(label: str, reason: str) -> str:
    """'Movers: Yahoo is not answering; skipped today.': the reason's first sentence (the
    rest says how to fix it, which belongs in the command's own reply), cut to one line."""
    reason = _FIRST_SENTENCE.split(" ".join(reason.split()), maxsplit=1)[0].rstrip(". ")
    if len(reason) > NOTICE_MAX:
        reason = reason[: NOTICE_MAX - 1].rstrip() + "…"
    return f"{label}: {reason}; skipped today."


async def compose_digest(
    ctx: DigestContext,
    sections: str | Iterable[str] = SECTION_NAMES,
    *,
    day: dt.date | None = None,
    registry: Mapping[str, Section] | None = None,
) -> Digest:
    """Run each requested section once, in digest order; failures become notices.

    A MarketbotError (provider down, no data, section not available) is an expected failure,
    logged at INFO (the notice itself tells the reader; providers log their own outages);
    anything else is a bug, logged with its traceback. Sections run one after another: they
    share the price cache and the provider's rate limit.
    """
    registry = SECTIONS if registry is None else registry
    if day is None:
        day = calendar.last_completed_session(ctx.market.now())
    else:
        check_as_of(day, ctx.market.today())
        day = session_on_or_before(day)
    results: list[SectionResult] = []
    for name in parse_sections(sections):
        label = SECTION_LABELS.get(name, name)
        section = registry.get(name)
        try:
            if section is None:
                raise SectionUnavailable("not available yet")
            answer = await section(ctx, day)
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


# --- the sections ----------------------------------------------------------------------------
# Command modules are imported inside each section: one that fails to import (it is being
# changed, or is broken) costs its own section a notice, not the whole digest.


async def streak_section(ctx: DigestContext, day: dt.date) -> Answer:
    """IWM vs SPY: who has beaten whom how many sessions in a row (the /streak answer)."""
    from analytics.commands.streak import streak_answer

    a, b = STREAK_PAIR
    return await asyncio.to_thread(
        streak_answer, ctx.market, a, b, "beat", day, chart=ctx.chart, progress=ctx.progress
    )


async def returns_section(ctx: DigestContext, day: dt.date) -> Answer:
    """The day's and the year's total returns of IWM, SPY, QQQ and MAGS (two /compare answers:
    window 1d and ytd, on adjusted closes), with the YTD chart."""
    return await asyncio.to_thread(_returns, ctx, day)


def _returns(ctx: DigestContext, day: dt.date) -> Answer:
    from analytics.commands.compare import compare_answer

    ytd = compare_answer(
        ctx.market, RETURNS_TICKERS, "ytd", day, chart=ctx.chart, progress=ctx.progress
    )
    today = compare_answer(ctx.market, RETURNS_TICKERS, "1d", day, chart=False)
    day_returns = {r["ticker"]: r["return"] for r in today.data["returns"]}
    ytd_returns = {r["ticker"]: r["return"] for r in ytd.data["returns"]}
    rows = tuple(
        (t, pct(day_returns[t]), pct(ytd_returns[t]))
        for t in sorted(RETURNS_TICKERS, key=lambda t: -day_returns[t])
    )
    best_day = rows[0][0]
    best_ytd = ytd.data["returns"][0]["ticker"]
    warnings = tuple(dict.fromkeys([*ytd.warnings, *today.warnings]))
    behind = ytd.data.get("behind")
    # Both windows end on the same session; when it is before `day`, the title says so.
    when = f"on {today.data['end']}" if behind else "today"
    suffix = f" (as of {ytd.as_of.isoformat()})" if behind and ytd.as_of else ""
    return Answer(
        title=(
            f"{best_day} led {when} with {pct(day_returns[best_day], 1)}; "
            f"{best_ytd} leads the year with {pct(ytd_returns[best_ytd], 1)}{suffix}"
        ),
        summary=(
            f"Total returns (adjusted closes) on {today.data['end']} and year to date "
            f"(from the close of {ytd.data['start']})."
        ),
        tables=(Table(("ticker", "today", "YTD"), rows, "Returns"),),
        fields=(Field("Day", f"{today.data['start']} to {today.data['end']}"),),
        chart_png=ytd.chart_png,
        source=ytd.source,
        as_of=ytd.as_of,
        warnings=warnings,
        tone=1 if day_returns.get("SPY", 0.0) >= 0 else -1,
        data={
            "day": day_returns,
            "ytd": ytd_returns,
            "day_start": today.data["start"],
            "ytd_start": ytd.data["start"],
            "end": ytd.data["end"],
            "behind": behind,
        },
    )


async def movers_section(ctx: DigestContext, day: dt.date) -> Answer:
    """The day's top gainers and losers among IWM's holdings (the /movers answer, window 1d)."""
    from analytics.commands.movers import movers_command, movers_request
    from analytics.universes import universe_spec

    request = movers_request("1d", "both", MOVERS_TOP, None, day, today=ctx.market.today())
    return await movers_command(
        ctx.market,
        ctx.session,
        universe_spec(FUND),
        request,
        progress=ctx.progress,
        chart=ctx.chart,
    )


async def contributors_section(ctx: DigestContext, day: dt.date) -> Answer:
    """The top year-to-date contributors to IWM's return (the /contributors answer)."""
    from analytics.commands.contributors import contributors_answer, contributors_request

    request = contributors_request(FUND, "ytd", CONTRIBUTORS_TOP, day, today=ctx.market.today())
    return await contributors_answer(
        ctx.market, ctx.session, request, progress=ctx.progress, chart=ctx.chart
    )


async def macro_section(ctx: DigestContext, day: dt.date) -> Answer:
    """GDPNow as of the day: the /macro gdpnow answer (the Atlanta Fed's daily track when one is
    imported, else FRED's quarterly series), FRED read through the facade, cache first."""
    import copy

    from analytics.commands.macro import MACRO
    from analytics.spec import NoProgress, ParseContext

    market = ctx.market
    if market.http is None and ctx.session is not None and not market.offline:
        # `marketbot digest` opens its own session instead of attaching one: FRED goes
        # through it, on a view so the shared facade is left as it is.
        from analytics.data.http import HttpBridge

        market = copy.copy(market)
        market.http = HttpBridge(ctx.session, asyncio.get_running_loop())
    request = MACRO.parse_values(
        {"series": MACRO_SERIES, "as_of": day.isoformat()}, ParseContext(today=market.today())
    )
    progress = ctx.progress if hasattr(ctx.progress, "phase") else NoProgress()
    answer = await asyncio.to_thread(MACRO.answer_function(), market, request, progress)
    if ctx.chart and answer.chart is not None:
        # The post attaches `chart_png`; drawing it here keeps matplotlib off the event loop.
        png = await asyncio.to_thread(lambda: answer.png)
        answer = replace(answer, chart_png=png)
    return answer


SECTIONS: dict[str, Section] = {
    "streak": streak_section,
    "returns": returns_section,
    "movers": movers_section,
    "contributors": contributors_section,
    "macro": macro_section,
}
