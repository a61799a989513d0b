"""The nightly refresh over multi-symbol quotes (analytics.data.nightly): request counts on the
fake, splits re-based, dividends checked through the week and labelled until then, fallbacks,
and returns equal to a per-symbol fetch of the same data once the checks have run."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.gaps import Gap
from analytics.data.market import MarketData
from analytics.data.nightly import OTHER_PERIOD, PAYER_PERIOD, plan_night, schedule, verdict
from analytics.data.provider import FetchResult, LatestBar
from analytics.data.results import NightReport
from analytics.data.store import store_fetch, store_latest
from analytics.data.yahoo import RateLimiter, YahooProvider
from tests.fakes.prices import RecordingProvider
from tests.fakes.yahoo import CHART_PREFIX, FakeYahoo
from tests.fakes.yahoo_days import DailyYahoo, Listing, make_listing, yahoo_view
from tests.fakes.yahoo_multi import QUOTE_PATH, install_multi_symbol

D = dt.date
HISTORY = D(2023, 6, 1)
NEW_YORK = "America/New_York"


def after_close(day: dt.date) -> dt.datetime:
    return calendar.session_close(day) + dt.timedelta(minutes=20)


def sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date() for d in calendar.sessions_between(start, end)]


def names(n: int, prefix: str = "N") -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"{prefix}{letters[i // 26]}{letters[i % 26]}" for i in range(n)]


def warm(
    cache: PriceCache, listings: dict[str, Listing], through: dt.date, now: dt.datetime
) -> None:
    """What a per-symbol fill through `through` stores (Yahoo's view then, as a chart fetch)."""
    with cache.transaction():
        for name, listing in listings.items():
            view = yahoo_view(listing, through)[0]
            store_fetch(
                cache,
                Gap(HISTORY, through, [name]),
                FetchResult(bars={name: view}),
                now,
                "Yahoo Finance",
            )


def provider_for(fake: FakeYahoo, cache_dir, clock=None) -> YahooProvider:
    options = {"clock": clock} if clock is not None else {}
    return YahooProvider(
        fake.session,
        cache_dir=cache_dir,
        rate_limiter=RateLimiter(1000.0, sleep=lambda s: None),
        **options,
    )


def asked_sessions(requests: list[tuple[str, dict[str, str]]], quote_day: dt.date) -> Counter:
    """(symbol, session) -> price requests that asked for it (chart ranges, quotes)."""
    counts: Counter = Counter()
    for path, query in requests:
        if path == QUOTE_PATH:
            for symbol in query["symbols"].split(","):
                counts[(symbol, quote_day)] += 1
        elif path.startswith(CHART_PREFIX) and "period1" in query:
            first = pd.Timestamp(int(query["period1"]), unit="s", tz="UTC").tz_convert(NEW_YORK)
            last = pd.Timestamp(int(query["period2"]) - 1, unit="s", tz="UTC").tz_convert(NEW_YORK)
            for day in sessions(first.date(), last.date()):
                counts[(path[len(CHART_PREFIX) :], day)] += 1
    return counts


def _price_requests(requests: list[tuple[str, dict[str, str]]]) -> int:
    """Quote requests and ranged chart requests (cookie, crumb and timezone probes left out)."""
    return sum(
        1
        for path, query in requests
        if path == QUOTE_PATH or (path.startswith(CHART_PREFIX) and "period1" in query)
    )


# -- pure pieces -----------------------------------------------------------------------------------


def test_the_schedule_spreads_each_group_over_its_period_and_runs_the_due_first():
    payers = {f"P{i}" for i in range(12)}
    others = [f"O{i}" for i in range(45)]
    ages = {f"P{i}": 1 for i in range(12)} | {"P0": 5, "P1": 7} | dict.fromkeys(others, 3)
    ages |= {"O7": 20}

    chosen, postponed = schedule([*sorted(payers), *others], ages, payers, budget=100)

    # payers: P1 and P0 are due (>= 5 sessions unseen); quota ceil(12/5) = 3 leaves room for one
    # more, the longest unseen of the rest (all 1: by name, P10). Others: O7 is due; quota
    # ceil(45/20) = 3: two more, by name among the equally old.
    assert chosen == ["P1", "P0", "O7", "P10", "O0", "O1"]
    assert postponed == []
    assert (PAYER_PERIOD, OTHER_PERIOD) == (5, 20)


def test_a_budget_too_small_postpones_the_due_checks_last_in_line():
    payers = {"P0", "P1", "P2"}
    ages = {"P0": 9, "P1": 6, "P2": 5, "O0": 30}

    chosen, postponed = schedule(["P0", "P1", "P2", "O0"], ages, payers, budget=2)

    assert chosen == ["P0", "P1"]
    assert postponed == ["P2", "O0"]


NIGHT = D(2024, 7, 2)


def bar(close: float, previous: float, session: dt.date = NIGHT) -> LatestBar:
    return LatestBar(session, close, close, close, close, 1000.0, previous)


@pytest.mark.parametrize(
    ("quote", "cached", "why"),
    [
        (bar(50.5, 50.0), 50.0, ""),
        (bar(25.3, 25.0), 50.0, "split"),  # previous close halved: a 2:1 split today
        (bar(50.5, 50.05), 50.0, ""),  # 0.1% off: rounding, not a split
        (bar(75.0, 50.0), 50.0, "a +50% day to verify"),
        (bar(50.5, 50.0), None, "no cached close before it"),
        (bar(50.5, 50.0, D(2024, 7, 1)), 50.0, "its quote is of 2024-07-01, not 2024-07-02"),
    ],
)
def test_what_a_quote_needs_before_it_is_stored(quote, cached, why):
    assert verdict(quote, cached, D(2024, 7, 2)) == why


def test_an_event_seen_once_is_not_applied_again_when_its_days_are_fetched_again(tmp_path):
    day, ex = D(2024, 7, 1), D(2024, 7, 2)
    older = make_listing(1, D(2024, 5, 1), day).raw.assign(adj_close=lambda f: f["close"])
    fresh = pd.DataFrame(
        {
            "open": 50.0,
            "high": 51.0,
            "low": 49.0,
            "close": 50.0,
            "adj_close": 50.0,
            "volume": 1e4,
            "dividend": 0.5,
            "split": 0.0,
        },
        index=pd.DatetimeIndex([pd.Timestamp(ex)], name="date"),
    )
    now = after_close(ex)
    with PriceCache(tmp_path / "c.db") as cache:
        store_fetch(cache, Gap(D(2024, 5, 1), day, ["X"]), FetchResult(bars={"X": older}), now, "Y")
        # mid-session, then again after the close: the same dividend in both answers
        store_fetch(cache, Gap(ex, ex, ["X"]), FetchResult(bars={"X": fresh}), now, "Y")
        store_fetch(cache, Gap(ex, ex, ["X"]), FetchResult(bars={"X": fresh}), now, "Y")
        got = cache.read_bars(["X"], None, day).set_index("date")

    factor = 1 - 0.5 / older["close"].iloc[-1]  # Yahoo's: 1 - D / close(d - 1), once
    assert np.allclose(got["adj_close"], older["close"] * factor, rtol=1e-12)
    assert np.allclose(got["close"], older["close"], rtol=1e-12)


# -- the plan on a cache built by hand --------------------------------------------------------------


def test_the_plan_quotes_the_newest_session_and_fills_the_rest(tmp_path):
    day0, night = D(2024, 7, 1), D(2024, 7, 2)
    payers = {
        n: make_listing(i, HISTORY, day0, dividends=True) for i, n in enumerate(names(10, "P"))
    }
    quiet = {n: make_listing(50 + i, HISTORY, day0) for i, n in enumerate(names(30, "Q"))}
    with PriceCache(tmp_path / "c.db") as cache:
        warm(cache, payers | quiet, day0, after_close(day0))
        behind = make_listing(99, HISTORY, D(2024, 6, 27))  # missed a night: two sessions behind
        warm(cache, {"LATE": behind}, D(2024, 6, 27), after_close(D(2024, 6, 27)))
        market = MarketData(cache, RecordingProvider(), now=lambda: after_close(night))

        plan = plan_night(market, [*payers, *quiet, "LATE", "COLD"], HISTORY, night)

    assert plan.payers == set(payers)
    assert plan.fill == ["LATE", "COLD"]
    # quota: ceil(10 / 5) payers and ceil(30 / 20) others, the first by name (all one night old)
    assert sorted(plan.checks) == ["PAA", "PAB", "QAA", "QAB"]
    assert all(span == (night, night) for span in plan.checks.values())
    assert sorted(plan.quote) == sorted([*payers, *quiet])


def test_dividends_pending_until_the_check_and_only_for_windows_that_reach_it(tmp_path):
    day0, night, later = D(2024, 7, 1), D(2024, 7, 2), D(2024, 7, 3)
    listing = make_listing(3, HISTORY, day0, dividends=True)
    with PriceCache(tmp_path / "c.db") as cache:
        warm(cache, {"PAY": listing}, day0, after_close(day0))
        market = MarketData(cache, RecordingProvider(), now=lambda: after_close(later))
        close = float(listing.raw["close"].iloc[-1])
        store_latest(
            cache, {"PAY": bar(close, close, night)}, {"PAY"}, after_close(night), "Yahoo Finance"
        )

        crossing = market.bars(["PAY"], D(2024, 6, 20), night, columns=["adj_close"])
        before = market.bars(["PAY"], D(2024, 6, 20), day0, columns=["adj_close"])
        # the check: a per-symbol fetch over the pending session
        checked_bar = bar(close, close, night).frame()
        answer = FetchResult(bars={"PAY": checked_bar})
        store_fetch(cache, Gap(night, night, ["PAY"]), answer, after_close(night), "Yahoo Finance")
        checked = market.bars(["PAY"], D(2024, 6, 20), night, columns=["adj_close"])

    assert crossing.dividends_pending == ("PAY",)
    assert crossing.warnings == (
        "Dividends pending for 1 name (PAY): their sessions since 2024-07-02 came from Yahoo's "
        "quote, which carries no dividends, so their returns may leave one out until the weekly "
        "per-symbol check adds it.",
    )
    assert before.dividends_pending == () and before.warnings == ()
    assert checked.dividends_pending == () and checked.warnings == ()


# -- nights against the fake -------------------------------------------------------------------------


def test_a_night_of_300_names_takes_the_newest_bars_50_a_request(tmp_path, yf_cache_dir):
    day0, night = D(2024, 7, 1), D(2024, 7, 2)
    universe = names(300)
    SPLITS = 299  # noqa: N806 - last by name, so not among tonight's checks
    listings = {
        n: make_listing(
            i, HISTORY, night, dividends=i % 2 == 0, splits={night: 2.0} if i == SPLITS else None
        )
        for i, n in enumerate(universe)
    }
    with FakeYahoo() as fake, PriceCache(tmp_path / "c.db") as cache:
        install_multi_symbol(fake)
        days = DailyYahoo(fake, listings)
        days.advance(night)
        warm(cache, listings, day0, after_close(day0))
        market = MarketData(cache, provider_for(fake, yf_cache_dir), now=lambda: after_close(night))

        report = market.refresh(universe, HISTORY, night)

        asked = list(fake.requests)
        new = cache.read_bars(universe, night, night).set_index("ticker")
        split_history = cache.read_bars([universe[SPLITS]], HISTORY, night).set_index("date")

    assert isinstance(report, NightReport) and report.complete
    # checks: ceil(150 payers / 5) + ceil(150 others / 20); the rest are quoted, 50 a request
    assert len(report.checks) == math.ceil(150 / 5) + math.ceil(150 / 20)
    quoted = 300 - len(report.checks)
    quotes = [q for p, q in asked if p == QUOTE_PATH]
    assert len(quotes) == math.ceil(quoted / 50)
    assert report.splits == [universe[SPLITS]] and report.per_symbol == [universe[SPLITS]]
    assert len(report.quoted) == quoted - 1
    charts = [p for p, q in asked if p.startswith(CHART_PREFIX) and "period1" in q]
    assert len(charts) == len(report.checks) + 1
    assert report.requests <= 300 // 5
    # nothing lost, nothing asked twice but the split name's (quote, then its chart)
    assert sorted(new.index) == sorted(universe)
    twice = sorted(k for k, c in asked_sessions(asked, night).items() if c > 1)
    assert twice == [(universe[SPLITS], night)]
    for name in universe:  # each new bar is what a chart fetch would store
        want = days.view(name).loc[pd.Timestamp(night)]
        got = new.loc[name]
        for column in ("open", "high", "low", "close", "adj_close", "volume"):
            assert got[column] == pytest.approx(want[column], rel=1e-12), (name, column)
    assert (new.loc[report.quoted, "adj_close"] == new.loc[report.quoted, "close"]).all()
    want = days.view(universe[SPLITS])
    assert np.allclose(split_history["close"], want["close"], rtol=1e-9)  # re-based for the split


def test_returns_equal_a_per_symbol_fetch_to_1bp_once_the_checks_have_run(tmp_path, yf_cache_dir):
    day0 = D(2024, 7, 1)
    nights = sessions(D(2024, 7, 2), D(2024, 8, 20))
    universe = names(16)
    listings = {}
    for i, name in enumerate(universe):
        listing = make_listing(i, HISTORY, nights[-1], splits={nights[9]: 2.0} if i == 15 else None)
        if i < 10:  # payers: one ex-date in the cached year, one on a night (none in the last 6)
            first = sessions(D(2024, 4, 1), D(2024, 5, 1))[i]
            listing.dividends = {first: 0.4 + 0.01 * i, nights[2 + 2 * i]: 0.45 + 0.01 * i}
        listings[name] = listing
    clock = [after_close(day0)]
    labelled: list[str] = []
    with FakeYahoo() as fake, PriceCache(tmp_path / "a.db") as cache:
        install_multi_symbol(fake)
        days = DailyYahoo(fake, listings)
        days.advance(day0)
        provider = provider_for(fake, yf_cache_dir)
        market = MarketData(cache, provider, now=lambda: clock[0])
        market.refresh(universe, HISTORY, day0)  # the cold per-symbol fill
        reports = {}
        price_requests: dict[dt.date, int] = {}
        for night in nights:
            days.advance(night)
            clock[0] = after_close(night)
            before = len(fake.requests)
            reports[night] = market.refresh(universe, HISTORY, night)
            price_requests[night] = _price_requests(fake.requests[before:])
            for name in universe[:10]:
                if night in listings[name].dividends and name not in reports[night].checks:
                    # gone ex tonight, bar from the quote: labelled until its check
                    result = market.bars(
                        [name], night - dt.timedelta(days=10), night, columns=["adj_close"]
                    )
                    assert result.dividends_pending == (name,)
                    labelled.append(name)
        incremental = cache.read_bars(universe, HISTORY, nights[-1], ["close", "adj_close"])
        pending_at_end = market.bars(universe, nights[-7], nights[-1], columns=["adj_close"])
        with PriceCache(tmp_path / "b.db") as fresh:
            exact = MarketData(fresh, provider, now=lambda: clock[0])
            exact.fill(universe, HISTORY, nights[-1])
            once = fresh.read_bars(universe, HISTORY, nights[-1], ["close", "adj_close"])
        provider.close()

    assert all(r.complete for r in reports.values())
    # a night's price requests stay within 16 / 5, but for the split's re-fetch
    for night, count in price_requests.items():
        assert count <= 16 // 5 + (night == nights[9]), (night, count)
    assert reports[nights[9]].splits == [universe[15]]
    assert len(labelled) >= 3  # the scenario exercised quote nights over ex-dates
    # sessions not checked yet are labelled for payers only, whether or not a dividend went ex
    assert set(pending_at_end.dividends_pending) <= set(universe[:10])
    a = incremental.pivot(index="date", columns="ticker", values="adj_close")
    b = once.pivot(index="date", columns="ticker", values="adj_close")
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    ratio = a / b
    # a return from day i to day j differs by ratio_j / ratio_i: bounded by max / min
    assert ((ratio.max() / ratio.min() - 1).abs() < 1e-4).all(), ratio.max() / ratio.min() - 1
    for window in (1, 5, 21, len(a) - 1):
        ra, rb = a.iloc[-1] / a.iloc[-1 - window] - 1, b.iloc[-1] / b.iloc[-1 - window] - 1
        assert ((ra - rb).abs() < 1e-4).all(), window
    closes_a = incremental.pivot(index="date", columns="ticker", values="close")
    closes_b = once.pivot(index="date", columns="ticker", values="close")
    assert np.allclose(closes_a, closes_b, rtol=1e-9)


@pytest.mark.parametrize("fault", ["changed shape", "failed crumb"])
def test_a_broken_quote_falls_back_to_per_symbol_by_itself_and_says_so_once(
    fault, tmp_path, yf_cache_dir, caplog
):
    day0, night = D(2024, 7, 1), D(2024, 7, 2)
    universe = names(60)  # two quote batches: after the first fails, the second is not sent
    listings = {n: make_listing(i, HISTORY, night) for i, n in enumerate(universe)}
    caplog.set_level(logging.WARNING, logger="analytics.data.yahoo")
    with FakeYahoo() as fake, PriceCache(tmp_path / "c.db") as cache:
        multi = install_multi_symbol(fake)
        if fault == "changed shape":
            multi.quote_shape = "changed"
        else:
            multi.fail_crumb()
        DailyYahoo(fake, listings).advance(night)
        warm(cache, listings, day0, after_close(day0))
        market = MarketData(cache, provider_for(fake, yf_cache_dir), now=lambda: after_close(night))

        report = market.refresh(universe, HISTORY, night)

        new = cache.read_bars(universe, night, night)
        quotes = [q for p, q in fake.requests if p == QUOTE_PATH]
        multi.heal_crumb()

    assert report.complete and report.fallback
    assert sorted(new["ticker"]) == sorted(universe)
    assert len(quotes) in (1, 2)  # one call (yfinance retries a 401 once with its other cookie)
    assert report.quoted == [] and len(report.per_symbol) == 60 - len(report.checks)
    said = [r for r in caplog.records if "falling back to per-symbol" in r.getMessage()]
    assert len(said) == 1


def test_a_rate_limit_on_the_quotes_is_waited_out_and_nothing_is_lost(tmp_path, yf_cache_dir):
    day0, night = D(2024, 7, 1), D(2024, 7, 2)
    universe = names(60)
    listings = {n: make_listing(i, HISTORY, night) for i, n in enumerate(universe)}
    monotonic = [1000.0]
    waits: list[float] = []
    with FakeYahoo() as fake, PriceCache(tmp_path / "c.db") as cache:
        install_multi_symbol(fake)
        DailyYahoo(fake, listings).advance(night)
        warm(cache, listings, day0, after_close(day0))
        provider = provider_for(fake, yf_cache_dir, clock=lambda: monotonic[0])
        market = MarketData(cache, provider, now=lambda: after_close(night))
        fake.rate_limit_after(0)

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            monotonic[0] += seconds
            fake.clear_rate_limit()

        report = market.refresh(universe, HISTORY, night, sleep=sleep)
        new = cache.read_bars(universe, night, night)

    assert waits == [pytest.approx(300.0)]  # the provider's back-off, waited once
    assert report.complete and report.backoffs == 1
    assert sorted(new["ticker"]) == sorted(universe)
    assert len(report.quoted) == 60 - len(report.checks)


def test_yahoos_adjusted_close_steps_only_at_ex_dates_so_the_newest_equals_the_close(shared_data):
    """What `LatestBar.frame` relies on, read in a recorded Yahoo chart (AAPL, 2020-08-31 to
    2020-11-07, recorded in 2025): adjclose / close is constant between ex-dates and steps at
    each by 1 - D / close(d - 1), the ex-date itself on the later side. So the ratio of a day is
    the product over the ex-dates after it, and for the newest session (none after) it is 1."""
    from tests.fakes.yahoo import load_recorded_chart

    body = load_recorded_chart(
        shared_data
        / "yahoo_fixtures/gadicc_node-yahoo-finance2/chart-AAPL-2020-08-31-to-2020-11-07.body.json"
    )
    result = body["chart"]["result"][0]
    close = np.array(result["indicators"]["quote"][0]["close"], dtype=float)
    adj = np.array(result["indicators"]["adjclose"][0]["adjclose"], dtype=float)
    stamps = result["timestamp"]
    (dividend,) = result["events"]["dividends"].values()
    ex = stamps.index(dividend["date"])
    ratio = adj / close

    # Yahoo's numbers are float32 (7 digits): the ratio wobbles by under 1e-6, the step is 1.7e-3
    assert np.ptp(ratio[:ex]) < 1e-6 and np.ptp(ratio[ex:]) < 1e-6
    step = ratio[ex:].mean() / ratio[:ex].mean()
    assert 1 / step == pytest.approx(1 - dividend["amount"] / close[ex - 1], abs=1e-6)
    # the 4:1 split on the first day changes close and adjclose alike: no step in the ratio
    assert "splits" in result["events"] and ex > 1
