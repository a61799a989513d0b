"""The patient loop of background fetches: batches behind the commands, rate limits waited out.

`MarketData.fill` and the nightly refresh (analytics.data.nightly) run their batches through
`run_patiently`: each batch is one `step` under the background side of the fetch lock (a
command waiting to fetch goes first), stored as it arrives; after a rate limit the loop
sleeps the provider's back-off and sends the same tickers again, up to `max_backoffs` in a
row; `stop()` ends it between batches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from analytics.data.provider import FetchResult
from analytics.data.results import FillReport

if TYPE_CHECKING:
    from analytics.data.market import MarketData, Progress

log = logging.getLogger("analytics.data.market")

MAX_BACKOFFS = 6
"""Rate limits in a row on one batch after which a fill gives up (a later fill resumes)."""

Step = Callable[[list[str]], tuple[FetchResult, list[str]]]
"""One batch: fetch what `pending` still lacks -> (outcome, tickers filled meanwhile)."""


def run_patiently(
    market: MarketData,
    batches: Sequence[tuple[list[str], Step]],
    report: FillReport,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], object] = time.sleep,
    stop: Callable[[], bool] | None = None,
    max_backoffs: int = MAX_BACKOFFS,
    done: int = 0,
) -> int:
    """Run each (tickers, step) batch behind the commands, waiting out rate limits (see
    `fill`); adds to `report` and returns how many of `report.needed` are done."""
    if progress and not done:
        progress(0, report.needed)
    for tickers, step in batches:
        pending = list(tickers)
        strikes = 0
        while pending:
            if stop is not None and stop():
                report.stopped = True
                report.left = report.needed - done
                return done
            with market.fetch_lock.background():
                result, filled_meanwhile = step(pending)
            report.batches += 1
            report.requests += result.requests
            report.fetched += [t for t in pending if t in result.bars]
            report.unknown += [t for t in result.unknown if t in pending]
            report.filled_meanwhile += filled_meanwhile
            settled = [t for t in pending if t not in result.failed]
            for ticker in settled:
                report.failed.pop(ticker, None)
            done += len(settled)
            if progress and settled:
                progress(done, report.needed)
            retry = [t for t in pending if t in result.failed]
            for ticker in retry:
                report.failed[ticker] = result.failed[ticker]
            if not result.rate_limited:
                # An outage or an odd answer: leave those unchecked for the next fill.
                done += len(retry)
                if progress and retry:
                    progress(done, report.needed)
                break
            if settled:
                strikes = 0  # progress was made before the limit hit
            strikes += 1
            if strikes > max_backoffs:
                report.gave_up = True
                report.left = report.needed - done
                return done
            wait = market.backoff_seconds(strikes)
            report.backoffs += 1
            report.waited_seconds += wait
            log.info(
                "%s rate limited; %d tickers wait %.0f s (back-off %d)",
                market.source_name,
                len(retry),
                wait,
                report.backoffs,
            )
            sleep(wait)
            pending = retry
    return done
