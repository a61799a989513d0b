"""The earningsTrend fetcher against the fake Yahoo's quoteSummary: the shape yfinance itself
parses, the crumb, no-analyst names, unknown symbols, errors, the rate limit and the budget."""

from __future__ import annotations

import math

import pytest
import yfinance as yf

from analytics.data.yahoo import RateLimiter, YahooProvider
from analytics.data.yahoo_estimates import (
    OUTAGE_IN_A_ROW,
    PERIODS,
    YahooEstimates,
    parse_earnings_trend,
)
from tests.fakes.yahoo import FAKE_CRUMB, FakeYahoo
from tests.fakes.yahoo_quote_summary import PERIOD_ENDS, Planted, install

AAA = {
    "0q": Planted(up_7d=1, up_30d=4, down_7d=0, down_30d=1, current=1.12, d7=1.10, d30=1.00,
                  d60=0.97, d90=0.95, analysts=9),
    "+1q": Planted(up_7d=0, up_30d=0, down_7d=2, down_30d=3, current=1.30, d7=1.31, d30=1.40,
                   d60=1.41, d90=1.45, analysts=8),
    "0y": Planted(up_7d=0, up_30d=2, down_7d=0, down_30d=2, current=4.80, d7=4.80, d30=4.75,
                  d60=4.70, d90=4.60, analysts=12),
    "+1y": Planted(up_7d=None, up_30d=1, down_7d=None, down_30d=0, current=5.50, d7=None,
                   d30=5.40, d60=None, d90=None, analysts=11),
}  # fmt: skip


@pytest.fixture
def fake():
    with FakeYahoo() as server:
        yield server


@pytest.fixture
def routes(fake):
    return install(fake)


@pytest.fixture
def provider(fake, yf_cache_dir):
    provider = YahooProvider(fake.session, cache_dir=yf_cache_dir, rate_limiter=RateLimiter(500, 5))
    yield provider
    provider.close()


@pytest.fixture
def estimates(provider) -> YahooEstimates:
    return YahooEstimates(provider)


def test_planted_periods_come_back_as_planted_and_as_yfinance_itself_reads_them(
    routes, estimates, provider
):
    routes.plant("AAA", AAA)
    result = estimates.fetch(["AAA"])
    assert list(result.estimates) == ["AAA"] and not result.unknown and not result.failed
    got = {e.period: e for e in result.estimates["AAA"]}
    assert list(got) == list(PERIODS)
    for period, planted in AAA.items():
        e = got[period]
        assert (e.up_7d, e.up_30d, e.down_7d, e.down_30d) == (
            planted.up_7d,
            planted.up_30d,
            planted.down_7d,
            planted.down_30d,
        )
        assert (e.current, e.d7, e.d30, e.d60, e.d90) == (
            planted.current,
            planted.d7,
            planted.d30,
            planted.d60,
            planted.d90,
        )
        assert e.analysts == planted.analysts and e.period_end == PERIOD_ENDS[period]
    # The installed yfinance reads the same body into its own frames: the same numbers.
    ticker = yf.Ticker("AAA", session=provider._ensure_session())
    trend, revisions = ticker.eps_trend, ticker.eps_revisions
    for period, e in got.items():
        for column, value in (("current", e.current), ("30daysAgo", e.d30), ("7daysAgo", e.d7)):
            theirs = trend.loc[period, column]
            assert (value is None and math.isnan(theirs)) or theirs == value
        for column, value in (("upLast30days", e.up_30d), ("downLast30days", e.down_30d)):
            assert revisions.loc[period, column] == value
        theirs_down_7 = revisions.loc[period, "downLast7Days"]
        assert (e.down_7d is None and math.isnan(theirs_down_7)) or theirs_down_7 == e.down_7d


def test_every_request_goes_through_the_shared_limiter_and_carries_the_crumb(
    fake, routes, estimates, provider
):
    for symbol in ("AAA", "BBB", "CCC"):
        routes.plant(symbol, {"0q": Planted(up_30d=1)})
    before_http, before_tokens = len(fake.requests), provider.limiter.acquired
    result = estimates.fetch(["AAA", "BBB", "CCC"])
    sent = len(fake.requests) - before_http
    assert result.requests == sent == provider.limiter.acquired - before_tokens
    assert routes.count() == 3
    assert all(
        q["crumb"] == FAKE_CRUMB and q["modules"] == "earningsTrend" for _, q in routes.requests
    )


def test_a_request_without_the_crumb_is_refused_by_the_fake(fake, routes):
    routes.plant("AAA", AAA)
    session = fake.session()
    answer = session.get(f"{fake.base_url}/v10/finance/quoteSummary/AAA?modules=earningsTrend")
    assert answer.status_code == 401 and "Invalid Crumb" in answer.text


@pytest.mark.parametrize("empty_trend", [False, True])
def test_a_name_no_analyst_covers_has_no_estimates(routes, estimates, empty_trend):
    routes.plant_no_analysts("NOAN", empty_trend=empty_trend)
    result = estimates.fetch(["NOAN"])
    assert result.estimates == {"NOAN": ()}
    assert not result.unknown and not result.failed


def test_an_unknown_symbol_is_unknown_and_a_server_error_failed(routes, estimates):
    routes.plant("AAA", AAA)
    routes.plant("BAD", AAA)
    routes.fail("BAD", 500)
    result = estimates.fetch(["ZZZZ", "BAD", "AAA"])
    assert result.unknown == ["ZZZZ"]
    assert list(result.failed) == ["BAD"] and "HTTP 500" in result.failed["BAD"]
    assert list(result.estimates) == ["AAA"]


def test_an_outage_stops_the_fetch_and_leaves_the_rest_for_later(routes, estimates):
    names = [f"N{i}" for i in range(OUTAGE_IN_A_ROW + 3)]
    for name in names:
        routes.plant(name, AAA)
        routes.fail(name, 503)
    result = estimates.fetch(names)
    assert list(result.failed) == names[:OUTAGE_IN_A_ROW]
    assert result.not_sent == names[OUTAGE_IN_A_ROW:]
    assert routes.count() == 2 * OUTAGE_IN_A_ROW  # yfinance tries each once more


def test_a_rate_limit_stops_the_fetch_and_backs_the_provider_off(routes, estimates, provider):
    for name in ("A1", "A2", "A3"):
        routes.plant(name, AAA)
    routes.fail("A2", 429)
    result = estimates.fetch(["A1", "A2", "A3"])
    assert result.rate_limited
    assert list(result.estimates) == ["A1"] and result.not_sent == ["A2", "A3"]
    assert provider.retry_after() > 0  # price fetches back off too
    again = estimates.fetch(["A3"])
    assert again.not_sent == ["A3"] and again.requests == 0 and again.rate_limited


def test_the_request_budget_stops_before_a_name_is_started(routes, estimates):
    names = [f"B{i}" for i in range(10)]
    for name in names:
        routes.plant(name, AAA)
    result = estimates.fetch(names, max_requests=4)
    assert result.requests == 4
    assert len(result.estimates) + len(result.not_sent) == 10
    assert result.not_sent == names[len(result.estimates) :]


def test_a_body_that_is_not_the_quote_summary_shape_fails(fake, routes, estimates):
    fake.add_route(
        lambda path, query: (200, {"finance": {"oops": 1}}) if path.endswith("/GARB") else None
    )
    result = estimates.fetch(["GARB"])
    assert "malformed" in result.failed["GARB"]


def test_parse_keeps_the_four_periods_and_drops_empty_ones():
    body = {
        "quoteSummary": {
            "result": [
                {
                    "earningsTrend": {
                        "trend": [
                            {"period": "0q", "epsTrend": {"current": {"raw": 2.0}},
                             "epsRevisions": {"upLast30days": {"raw": 3}, "downLast30days": {}}},
                            {"period": "+1q", "epsTrend": {"current": {}}, "epsRevisions": {}},
                            {"period": "+5y", "epsTrend": {"current": {"raw": 9.0}}},
                        ]
                    }
                }
            ]
        }
    }  # fmt: skip
    [only] = parse_earnings_trend(body)
    assert (only.period, only.current, only.up_30d, only.down_30d) == ("0q", 2.0, 3, None)
    with pytest.raises(ValueError):
        parse_earnings_trend({"quoteSummary": {"result": [{}]}})


def test_the_fetcher_needs_the_providers_limiter(fake):
    provider = YahooProvider(fake.session, requests_per_second=None)
    with pytest.raises(ValueError, match="rate limiter"):
        YahooEstimates(provider)
