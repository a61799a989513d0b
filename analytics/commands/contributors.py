"""`contributors`: which constituents made a fund's return over a window, and how broad the move was.

The holdings snapshot (iShares, cached in SQLite by fund and as-of date, downloaded at most once
a New York day) gives END weights; contributions use `contribution_summary` with the fund's return
from the ETF's own adjusted closes, so "sum of contributions vs the fund" is an honest comparison.
The window ends on the holdings date when that is close to the requested date, so the weights
are the right ones; otherwise the answer warns that they are approximate.

The async entry point downloads holdings over aiohttp; every blocking step (SQLite, pricing,
matplotlib) runs in a worker thread, where the stores are built from that thread's connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import numpy as np
import pandas as pd

from analytics.answer import Answer, Field, Table
from analytics.breadth import breadth
from analytics.commands.common import check_as_of, pct, require_prices
from analytics.contribution import BP, ContributionSummary, contribution_summary
from analytics.data.market import MarketData, Progress
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.holdings import Fund, Holdings, HoldingsStore, fetch_holdings, get_fund
from analytics.holdings.download import ISHARES_BASE_URL
from analytics.windows import Window, earliest_needed, parse_window, window_bounds

DEFAULT_FUND = "IWM"
DEFAULT_WINDOW = "ytd"
DEFAULT_TOP = 5
MAX_TOP = 15
SNAP_DAYS = 7
"""A holdings date at most this many days before the requested end becomes the window's end."""
DRIFT_DAYS = 7
"""A window end further than this from the holdings date gets the approximate-weights warning."""
HALT_SESSIONS = 5
"""A constituent's last close may be this many sessions before the end (a trading halt)."""
CHART_MAX = 10
"""At most this many bars each side on the chart (15 + 15 do not fit a phone screen)."""
NAME_WIDTH = 16
"""Names are cut to this many characters in the tables (Discord code blocks wrap on phones)."""

"""Constituents the price source did not know, per holdings snapshot: not asked again for it
(a new snapshot, normally the next day's, asks once more).

MarketData does not remember unknown symbols, and a Russell 2000 file always holds a few, so
without this every warm call would go back to the network for them.
"""


@dataclass(frozen=True)
class ContributorsRequest:
    """Validated options of one `contributors` call."""

    fund: Fund
    window: Window
    top: int
    as_of: dt.date | None

    def target_end(self, today: dt.date) -> dt.date:
        """The date the user wants the window to end on (before snapping to the holdings)."""
        if self.window.kind == "range":
            assert self.window.end is not None
            return min(self.window.end, today)
        return self.as_of or today


def contributors_request(
    fund: str = DEFAULT_FUND,
    window: str = DEFAULT_WINDOW,
    top: int = DEFAULT_TOP,
    as_of: dt.date | None = None,
    *,
    today: dt.date,
) -> ContributorsRequest:
    """Check the cheap options (before any download); raises BadInput saying what to type."""
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise BadInput(f"top must be a whole number from 1 to {MAX_TOP} (got {top}); e.g. top 5.")
    check_as_of(as_of, today)
    return ContributorsRequest(get_fund(fund), parse_window(window), top, as_of)


async def contributors_answer(
    market: MarketData,
    session: aiohttp.ClientSession | None,
    request: ContributorsRequest,
    *,
    progress: Progress | None = None,
    on_download: Callable[[], None] | None = None,
    base_url: str = ISHARES_BASE_URL,
    chart: bool = True,
) -> Answer:
    """The `/contributors` answer: top and bottom contributors, fund vs sum, breadth, chart.

    Holdings come from the cache, or from iShares (through `session`) when the cache has not
    been refreshed today; `on_download()` is called just before a download. `progress(done,
    total)` is called from a worker thread while constituents are priced.
    """
    holdings, notes = await load_holdings(
        market, session, request, base_url=base_url, on_download=on_download
    )
    return await asyncio.to_thread(
        contributors_from_holdings,
        market,
        holdings,
        request,
        progress=progress,
        notes=notes,
        chart=chart,
    )


async def load_holdings(
    market: MarketData,
    session: aiohttp.ClientSession | None,
    request: ContributorsRequest,
    *,
    base_url: str = ISHARES_BASE_URL,
    on_download: Callable[[], None] | None = None,
) -> tuple[Holdings, tuple[str, ...]]:
    """The snapshot to use (the latest on or before the target date) and warnings about it.

    Downloads when online, the fund was not fetched today and no stored snapshot reaches the
    target date. A failed download falls back to the cache with a warning naming its date;
    with nothing cached it raises the download's UpstreamError (which says how to import).
    """
    fund = request.fund
    target = request.target_end(market.today())

    def stored() -> tuple[bool, list[dt.date]]:
        store = HoldingsStore(market.cache.db)
        return store.needs_refresh(fund, market.now()), store.as_of_dates(fund)

    refresh, dates = await asyncio.to_thread(stored)
    notes: list[str] = []
    online = not market.offline and session is not None
    if refresh and online and (not dates or target > dates[-1]):
        if on_download is not None:
            on_download()
        try:
            downloaded = await fetch_holdings(session, fund, base_url=base_url)
        except UpstreamError as exc:
            if not dates:
                raise
            notes.append(
                f"Could not download {fund.symbol} holdings from iShares ({_reason(exc)}); "
                f"using the cached holdings as of {_pick_snapshot(dates, target).isoformat()}."
            )
        else:
            await asyncio.to_thread(
                lambda: HoldingsStore(market.cache.db).save(downloaded, fetched_at=market.now())
            )
            dates = sorted({*dates, downloaded.as_of})
    if not dates:
        why = "offline mode is on" if market.offline else "they cannot be downloaded here"
        raise NoData(
            f"No {fund.symbol} holdings are cached and {why}. Download the holdings CSV from "
            f"https://www.ishares.com{fund.page_path} and run "
            f"`marketbot import holdings {fund.symbol} FILE`."
        )
    chosen = _pick_snapshot(dates, target)
    holdings = await asyncio.to_thread(
        lambda: HoldingsStore(market.cache.db).snapshot(fund, chosen)
    )
    assert holdings is not None
    return holdings, tuple(notes)


def contributors_from_holdings(
    market: MarketData,
    holdings: Holdings,
    request: ContributorsRequest,
    *,
    progress: Progress | None = None,
    notes: tuple[str, ...] = (),
    chart: bool = True,
) -> Answer:
    """Price the constituents and the ETF over the window and build the Answer. Blocking."""
    fund, window = request.fund, request.window
    end = _window_end(request, holdings.as_of, market.today())
    start = earliest_needed(window, end)
    weights = holdings.weights
    constituents = [str(t) for t in weights.index]
    result = market.bars(
        [fund.symbol, *constituents], start, end, progress=progress, columns=["adj_close"]
    )
    require_prices(result, [fund.symbol])

    closes = result.wide("adj_close")
    etf = closes[fund.symbol].dropna()
    if etf.empty:
        raise NoData(f"No {fund.symbol} closes between {start} and {end}.")
    begin, finish = window_bounds(window, etf.index, as_of=end)
    fund_return = float(etf[finish] / etf[begin] - 1.0)

    unsure = result.stale or result.offline
    returns, lagging = _constituent_returns(closes, constituents, begin, finish, strict=unsure)
    unknown = [t for t in constituents if t in result.unknown]
    incomplete = [t for t in constituents if t in result.missing and unsure] + lagging
    summary = contribution_summary(weights, returns, fund_return, top_n=request.top)
    counts = breadth(returns.reindex(weights.index))
    partial = bool(incomplete)

    warnings = [*notes, *result.warnings]
    drift = abs((finish.date() - holdings.as_of).days)
    if drift > DRIFT_DAYS:
        warnings.append(
            f"Weights are from the {holdings.as_of} holdings, {drift} days from the window's end "
            f"({finish.date()}): names may have joined or left since, so the contributions are "
            "approximate."
        )
    if unknown:
        warnings.append(
            f"{market.source_name} does not know {_count(len(unknown), 'constituent')} "
            f"({_names(unknown)}; {_weight(weights, unknown):.2%} of the fund); left out."
        )
    if partial:
        how, fix = (
            ("read from the cache (offline)", "Import their prices or go online")
            if result.offline
            else ("fetched", "Ask again later")
        )
        warnings.append(
            f"Partial answer: prices for {len(incomplete):,} of {len(constituents):,} "
            f"constituents ({_weight(weights, incomplete):.1%} of the fund) could not be {how}, "
            f"so the sum of contributions covers only the priced names. {fix} for the full answer."
        )
    if summary.priced == 0:
        why = f" {result.warnings[0]}" if result.warnings else ""
        raise NoData(
            f"None of the {len(constituents):,} {fund.symbol} constituents could be priced from "
            f"{begin.date()} to {finish.date()}.{why}"
        )

    span = (begin.date(), finish.date())
    png = _chart(summary, request, span, holdings.as_of, market.source_name) if chart else None
    return Answer(
        title=_title(fund.symbol, window, summary),
        summary=_summary_text(
            fund.symbol, window, summary, counts, span, holdings, len(constituents)
        ),
        fields=_fields(summary, counts, holdings, len(constituents)),
        tables=(
            Table(_COLUMNS, _rows(_top(summary), holdings), "Top contributors"),
            Table(_COLUMNS, _rows(_bottom(summary), holdings), "Top detractors"),
        ),
        chart_png=png,
        source=market.source_name,
        as_of=finish.date(),
        warnings=tuple(warnings),
        tone=1 if fund_return >= 0 else -1,
        data=_payload(request, summary, counts, span, holdings, len(constituents), partial),
    )


# ------------------------------------------------------------------------------ the window


def _window_end(request: ContributorsRequest, holdings_as_of: dt.date, today: dt.date) -> dt.date:
    """The holdings date when it is at most SNAP_DAYS before the target, else the target.

    A ytd/qtd/mtd window never snaps back into the previous period: on Jan 2 with holdings of
    Dec 31, "YTD" must still mean this year, not last year.
    """
    target = request.target_end(today)
    kind = request.window.kind
    if kind == "range" or not 0 <= (target - holdings_as_of).days <= SNAP_DAYS:
        return target
    if kind in _PERIOD_KEYS and _PERIOD_KEYS[kind](holdings_as_of) != _PERIOD_KEYS[kind](target):
        return target
    return holdings_as_of


_PERIOD_KEYS = {
    "ytd": lambda d: d.year,
    "qtd": lambda d: (d.year, (d.month - 1) // 3),
    "mtd": lambda d: (d.year, d.month),
}


def _pick_snapshot(dates: list[dt.date], target: dt.date) -> dt.date:
    """The latest snapshot on or before `target`, else the earliest one (all are later)."""
    before = [d for d in dates if d <= target]
    return before[-1] if before else dates[0]


def _reason(exc: UpstreamError) -> str:
    """'a web page instead of the file' out of fetch_holdings' message."""
    match = re.search(r"from iShares \(([^)]*)\)", exc.message)
    return match.group(1) if match else "download failed"


# ------------------------------------------------------------------------------ pricing


def _constituent_returns(
    closes: pd.DataFrame,
    tickers: list[str],
    begin: pd.Timestamp,
    finish: pd.Timestamp,
    *,
    strict: bool,
) -> tuple[pd.Series, list[str]]:
    """Each constituent's return from its last close on or before `begin` to the one at `finish`.

    The end close may be up to HALT_SESSIONS sessions old (a halt), unless `strict` (a fetch
    failed or offline): then an old close may just be a stale cache, so the name is left
    unpriced and listed in the second value. NaN where no close is usable.
    """
    have = [t for t in tickers if t in closes.columns]
    frame = closes.loc[:finish, have]
    values = frame.to_numpy(dtype="float64")
    out = pd.Series(np.nan, index=pd.Index(tickers, name="ticker"), dtype="float64")
    if values.size == 0:
        return out, []
    valid = ~np.isnan(values)
    rows = len(values)
    b_pos = int(frame.index.get_loc(begin))
    cols = np.arange(values.shape[1])
    last = rows - 1 - np.argmax(valid[::-1], axis=0)
    has_end = valid.any(axis=0)
    before = valid[: b_pos + 1]
    first = b_pos - np.argmax(before[::-1], axis=0)
    has_start = before.any(axis=0)
    lag = rows - 1 - last  # rows of the union calendar: sessions, in practice
    fresh = has_end & has_start & (lag <= (0 if strict else HALT_SESSIONS))
    ret = values[last, cols] / values[first, cols] - 1.0
    out[have] = np.where(fresh, ret, np.nan)
    lagging = (
        [t for t, ok, n in zip(have, has_end & has_start, lag, strict=True) if ok and n > 0]
        if strict
        else []
    )
    return out, lagging


# ------------------------------------------------------------------------------ presentation

_COLUMNS = ("ticker", "name", "weight", "return", "bp")


def _top(summary: ContributionSummary) -> pd.DataFrame:
    return summary.frame.head(summary.top_n)


def _bottom(summary: ContributionSummary) -> pd.DataFrame:
    """The most negative first."""
    return summary.frame.tail(summary.top_n).iloc[::-1]


def _rows(frame: pd.DataFrame, holdings: Holdings) -> tuple[tuple[str, ...], ...]:
    names = holdings.frame["name"]
    return tuple(
        (
            str(ticker),
            _short(str(names.get(ticker, ""))),
            _weight_text(row["start_weight"]),
            pct(row["return"], 1),
            f"{row['contribution_bp']:+,.1f}",
        )
        for ticker, row in frame.iterrows()
    )


def _weight_text(weight: float) -> str:
    """0.0094 -> '0.94%'; small-cap weights get a third decimal (0.00042 -> '0.042%')."""
    return f"{weight:.2%}" if weight >= 0.001 else f"{weight:.3%}"


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def _entries(frame: pd.DataFrame, holdings: Holdings) -> list[dict]:
    names = holdings.frame["name"]
    return [
        {
            "ticker": str(ticker),
            "name": str(names.get(ticker, "")),
            "start_weight": float(row["start_weight"]),
            "return": float(row["return"]),
            "contribution_bp": float(row["contribution_bp"]),
        }
        for ticker, row in frame.iterrows()
    ]


def _over(window: Window) -> str:
    return window.label if window.kind in ("ytd", "qtd", "mtd") else f"over {window.label}"


def _points(value: float) -> str:
    """0.0210 -> '2.10 pts' (percentage points of the fund's return)."""
    return f"{abs(value) * 100:.2f} pts"


def _title(symbol: str, window: Window, s: ContributionSummary, *, short: bool = False) -> str:
    """'IWM +7.01% YTD: top 5 names added 2.10 pts (30% of the gain)'; `short` for the chart."""
    head = f"{symbol} {pct(s.fund_return)} {_over(window)}"
    n = min(s.top_n, s.priced)
    names = "" if short else (" names" if n != 1 else " name")
    if s.fund_return >= 0:
        claim = f"top {n}{names} added {_points(s.top_contribution)}"
    else:
        claim = f"bottom {n}{names} took off {_points(s.bottom_contribution)}"
    return f"{head}: {claim}" if short else f"{head}: {claim}{_share(s)}"


def _share(s: ContributionSummary) -> str:
    """' (30% of the gain)', or '' when the fund did not move."""
    return "" if math.isnan(s.concentration) else f" ({s.concentration:.0%} of the {_move(s)})"


def _move(s: ContributionSummary) -> str:
    return "gain" if s.fund_return >= 0 else "drop"


def _summary_text(symbol, window, s, counts, span, holdings, n_constituents) -> str:
    unpriced = len(s.unpriced)
    explained = (
        "" if math.isnan(s.explained_share) else f" ({s.explained_share:.0%} of the fund's return)"
    )
    missing = f"; {unpriced:,} had no prices" if unpriced else ""
    share_up = "" if math.isnan(counts.share_up) else f" ({counts.share_up:.0%})"
    return (
        f"{symbol} returned {pct(s.fund_return)} from {span[0]} to {span[1]} ({window.label}), "
        f"with weights from the {holdings.as_of} holdings. Its {s.priced:,} priced constituents "
        f"(of {n_constituents:,}) add up to {pct(s.total)}{explained}{missing}. "
        f"{counts.up:,} of {counts.priced:,} rose{share_up}."
    )


def _fields(
    s: ContributionSummary, counts, holdings: Holdings, n_constituents: int
) -> tuple[Field, ...]:
    explained = "n/a" if math.isnan(s.explained_share) else f"{s.explained_share:.0%}"
    concentration = "n/a" if math.isnan(s.concentration) else f"{s.concentration:.0%}"
    leaders = "Top" if s.fund_return >= 0 else "Bottom"
    share_up = "n/a" if math.isnan(counts.share_up) else f"{counts.share_up:.0%}"
    return (
        Field("Fund return", pct(s.fund_return)),
        Field("Sum of contributions", f"{pct(s.total)} ({s.total / BP:+,.0f} bp)"),
        Field("Explained", f"{explained} · {len(s.unpriced):,} unpriced"),
        Field(f"{leaders} {min(s.top_n, s.priced)} share", f"{concentration} of the {_move(s)}"),
        Field("Breadth", f"{counts.up:,} up, {counts.down:,} down ({share_up} up)"),
        Field("Holdings", f"as of {holdings.as_of}, {n_constituents:,} stocks"),
    )


def _payload(request, s, counts, span, holdings, n_constituents, partial) -> dict:
    return {
        "fund": request.fund.symbol,
        "window": request.window.text,
        "start": span[0].isoformat(),
        "end": span[1].isoformat(),
        "holdings_as_of": holdings.as_of.isoformat(),
        "fund_return": s.fund_return,
        "sum_contributions_bp": s.total / BP,
        "explained_share": s.explained_share,
        "concentration": s.concentration,
        "unpriced": len(s.unpriced),
        "unpriced_tickers": list(s.unpriced),
        "constituents": n_constituents,
        "top": _entries(_top(s), holdings),
        "bottom": _entries(_bottom(s), holdings),
        "breadth": {
            "up": counts.up,
            "down": counts.down,
            "unchanged": counts.unchanged,
            "priced": counts.priced,
            "share_up": counts.share_up,
        },
        "partial": partial,
    }


def _chart(
    s: ContributionSummary, request: ContributorsRequest, span, holdings_as_of, source
) -> bytes:
    share = _share(s).strip(" ()")
    shown = min(request.top, CHART_MAX)
    parts = [
        f"Made {share}" if share else "",
        f"{span[0]} to {span[1]}",
        f"weights from the {holdings_as_of} holdings",
        f"{shown} each way shown" if shown < request.top else "",
    ]
    # matplotlib is imported on the first chart, not at bot startup
    from analytics.charts.contributors_chart import contributors_chart

    return contributors_chart(
        s.frame,
        title=_title(request.fund.symbol, request.window, s, short=True),
        subtitle=" · ".join(p for p in parts if p),
        n=shown,
        source=f"iShares holdings, {source} prices",
        as_of=span[1],
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _names(tickers: list[str], shown: int = 5) -> str:
    more = len(tickers) - shown
    return ", ".join(tickers[:shown]) + (f" and {more:,} more" if more > 0 else "")


def _weight(weights: pd.Series, tickers: list[str]) -> float:
    return float(weights[weights.index.isin(tickers)].sum())
