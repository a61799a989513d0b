"""Saving what one provider call brought: the re-base of older rows, the bars, the coverage.

All of it in one transaction (`PriceCache.transaction`): a crash or a failed write between
the re-base and the coverage would leave history re-based without the record of the fetch
that re-based it, and the next fetch would see the same split and re-base it again (a 10:1
split applied twice reads prices at a hundredth). The events a re-base applied are recorded
in the same transaction (analytics.data.events), so a later fetch over the same days (the
nightly dividend check, a bar refetched after the close) does not apply them again.

`store_latest` saves the newest session of many tickers from a multi-symbol quote: the bar,
the coverage, and the session as one whose events are not seen yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import pandas as pd

from analytics import calendar
from analytics.data import events
from analytics.data.cache import HISTORY_FLOOR, PriceCache
from analytics.data.gaps import Gap
from analytics.data.provider import BAR_COLUMNS, FetchResult, LatestBar, PriceProvider
from analytics.data.rebase import EVENT_COLUMNS, factors_from_events
from analytics.data.validate import clean_bars

log = logging.getLogger("analytics.data.market")


def store_fetch(
    cache: PriceCache, gap: Gap, result: FetchResult, fetched_at: dt.datetime, source: str
) -> None:
    """Everything `result` holds for `gap`, in one transaction (sqlite3 errors propagate and
    leave nothing). A recorded hole is cleared instead of widening the checked range."""
    with cache.transaction():
        for ticker in gap.tickers:
            if ticker in result.failed or ticker in result.unknown:
                continue
            bars = result.bars.get(ticker)
            if bars is None:
                continue
            bars, skipped = clean_bars(bars)  # a provider's bad rows are never stored either
            if skipped.total:
                log.info("%s: %s from %s", ticker, skipped.text(), source)
            rebase_history(cache, ticker, events.unseen_events(cache, ticker, bars, fetched_at))
            cache.store_bars(ticker, bars, source)
            if gap.hole:
                assert gap.start is not None
                cache.clear_hole(ticker, gap.start)  # inside the checked range already
            else:
                cache.mark_checked(ticker, gap.start or HISTORY_FLOOR, gap.end, fetched_at, source)
            events.clear_pending(cache, ticker, gap.start, gap.end)
        if result.unknown:
            cache.mark_unknown(result.unknown, fetched_at, source)
        found = [t for t in gap.tickers if t in result.bars]
        if found:
            cache.forget_unknown(found)


def fetch_and_store(
    provider: PriceProvider,
    cache: PriceCache,
    gap: Gap,
    fetched_at: dt.datetime,
    *,
    patient: bool = False,
) -> FetchResult:
    """Ask `provider` for one gap and save the answer (`store_fetch`). A failed write (locked
    past the busy timeout, disk full, read-only) rolled back, so nothing of this call landed:
    every ticker is failed with the cache's error and asked again next time."""
    result = provider.fetch(gap.tickers, gap.start, gap.end)
    try:
        store_fetch(cache, gap, result, fetched_at, provider.name)
    except sqlite3.OperationalError as exc:
        log.warning("could not store %d tickers in %s: %s", len(gap.tickers), cache.path, exc)
        result = FetchResult(
            failed={t: f"could not save to the cache file ({exc})" for t in gap.tickers},
            requests=result.requests,
            store_error=str(exc),
        )
    if result.failed and result.store_error is None:
        # A patient fill waits a rate limit out and says so itself.
        level = logging.INFO if patient and result.rate_limited else logging.WARNING
        reason = next(iter(result.failed.values()))
        log.log(level, "%s failed for %d tickers: %s", provider.name, len(result.failed), reason)
    return result


def store_latest(
    cache: PriceCache,
    bars: dict[str, LatestBar],
    payers: set[str],
    fetched_at: dt.datetime,
    source: str,
) -> list[str]:
    """The newest session of each ticker from a quote, in one transaction: its bar, its checked
    range extended to the session, and the session marked as one whose events are not seen
    (`payers` say "dividends pending" until the check). Returns the tickers stored (a bar
    the bad-row gate refuses is left out, to be fetched per symbol)."""
    stored: list[str] = []
    closed = sorted({bar.session for bar in bars.values() if not calendar.is_session(bar.session)})
    if closed:
        log.info("%s's quote is dated %s, not a session: not stored", source, closed)
    rows = {t: bar for t, bar in bars.items() if bar.session not in closed}
    if not rows:
        return stored
    # One pass of the bad-row gate over every quote: the dates were checked above (once: the
    # calendar is the slow part), so each row stands at a distinct placeholder date and the
    # gate judges its prices and volume alone. Per-ticker frames cost a millisecond apiece.
    frame = (
        pd.concat([bar.frame() for bar in rows.values()]) if len(rows) < 2 else _quotes_frame(rows)
    )
    frame["ticker"] = list(rows)
    frame.index = pd.date_range("2000-01-03", periods=len(frame), freq="D", name="date")
    kept, skipped = clean_bars(frame, sessions_only=False)
    if skipped.total:
        log.info("%d quotes skipped (%s) from %s", skipped.total, skipped.text(), source)
    with cache.transaction():
        for ticker, values in zip(kept["ticker"], kept[list(BAR_COLUMNS)].to_numpy(), strict=True):
            bar = rows[ticker]
            one = pd.DataFrame([values], columns=list(BAR_COLUMNS), index=_day(bar.session))
            cache.store_bars(ticker, one, source)
            cache.mark_checked(ticker, bar.session, bar.session, fetched_at, source)
            stored.append(ticker)
        events.mark_quoted_many(cache, [(t, rows[t].session, t in payers) for t in stored])
    return stored


def _quotes_frame(rows: dict[str, LatestBar]) -> pd.DataFrame:
    """BAR_COLUMNS of many quotes at once (adj_close = close, see LatestBar.frame)."""
    bars = list(rows.values())
    return pd.DataFrame(
        {
            "open": [b.open for b in bars],
            "high": [b.high for b in bars],
            "low": [b.low for b in bars],
            "close": [b.close for b in bars],
            "adj_close": [b.close for b in bars],
            "volume": [b.volume for b in bars],
        },
        dtype="float64",
    )


def _day(day: dt.date) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(day)], name="date")


def rebase_history(cache: PriceCache, ticker: str, bars: pd.DataFrame) -> None:
    """Re-base cached rows older than `bars` for the splits and dividends inside `bars`.

    The provider sends new days on its current basis; without this, a split inside them
    would read as a -90% day against the cached history.
    """
    if bars.empty or not any(
        column in bars and (bars[column].fillna(0) > 0).any() for column in EVENT_COLUMNS
    ):
        return
    first = bars.index[0].date()
    earlier = cache.read_bars([ticker], None, first - dt.timedelta(days=1), ["close"])
    if earlier.empty:
        return
    factors = factors_from_events(bars, float(earlier["close"].iloc[-1]))
    if factors is not None:
        rows = cache.rescale(ticker, first, factors)
        log.info("re-based %d cached %s rows by %s", rows, ticker, factors)
