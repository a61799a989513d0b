"""YahooProvider, driven by the real yfinance code against a fake Yahoo on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.data.provider import BAR_COLUMNS
from analytics.data.yahoo import ChartAnswer, YahooProvider, classify
from tests.fakes.yahoo import FakeYahoo, FakeYahooSession, load_recorded_chart, synthetic_bars

D = dt.date
NOON_UTC = dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)
AAPL_FIXTURE = (
    "yahoo_fixtures/gadicc_node-yahoo-finance2/chart-AAPL-2020-08-31-to-2020-11-07.body.json"
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake():
    with FakeYahoo() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def spy_bars() -> pd.DataFrame:
    return synthetic_bars(D(2024, 1, 2), D(2024, 6, 28), seed=7)


def make_provider(fake: FakeYahoo, cache_dir: Path, clock: Clock, **options) -> YahooProvider:
    return YahooProvider(
        fake.session, cache_dir=cache_dir, clock=clock, wall_clock=lambda: NOON_UTC, **options
    )


@pytest.fixture
def provider(fake, yf_cache_dir, clock) -> YahooProvider:
    return make_provider(fake, yf_cache_dir, clock)


def dates(frame: pd.DataFrame) -> list[dt.date]:
    return [ts.date() for ts in frame.index]


def assert_same_bars(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == [*BAR_COLUMNS, "dividend", "split"]
    assert got.index.name == "date"
    assert got.index.tz is None
    assert dates(got) == dates(expected)
    for column in BAR_COLUMNS:
        assert got[column].tolist() == expected[column].tolist(), column


def test_fetch_returns_the_registered_bars_exactly(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)
    expected = spy_bars.loc["2024-02-01":"2024-03-28"]
    # The range spans an ex-dividend date, so adj_close really differs from close.
    assert (expected["adj_close"] != expected["close"]).sum() > 10

    sent_before = len(fake.requests)
    result = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 3, 28))

    assert_same_bars(result.bars["SPY"], expected)
    assert (result.unknown, result.failed, result.rate_limited) == ([], {}, False)
    assert result.requests == len(fake.requests) - sent_before


def test_start_and_end_are_inclusive(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)

    result = provider.fetch(["SPY"], D(2024, 3, 11), D(2024, 3, 13))

    assert dates(result.bars["SPY"]) == [D(2024, 3, 11), D(2024, 3, 12), D(2024, 3, 13)]
    assert (
        result.bars["SPY"]["close"].tolist()
        == spy_bars.loc["2024-03-11":"2024-03-13", "close"].tolist()
    )


def test_start_none_fetches_full_history_up_to_end(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)

    result = provider.fetch(["SPY"], None, D(2024, 5, 31))

    assert_same_bars(result.bars["SPY"], spy_bars.loc[:"2024-05-31"])
    first_open = pd.Timestamp("2024-01-02 09:30", tz="America/New_York").timestamp()
    assert int(fake.chart_requests("SPY")[-1]["period1"]) < first_open


def test_a_batch_with_one_unknown_symbol(fake, yf_cache_dir, clock):
    frames = {
        "SPY": synthetic_bars(D(2024, 1, 2), D(2024, 3, 28), seed=1),
        "IWM": synthetic_bars(D(2024, 1, 2), D(2024, 3, 28), seed=2, start_price=200.0),
        "QQQ": synthetic_bars(D(2024, 1, 2), D(2024, 3, 28), seed=3, start_price=400.0),
    }
    for symbol, frame in frames.items():
        fake.add_symbol(symbol, frame)
    provider = make_provider(fake, yf_cache_dir, clock, batch_size=2, threads=2)

    result = provider.fetch(["SPY", "NOPEX", "IWM", "QQQ"], D(2024, 2, 1), D(2024, 2, 29))

    assert result.unknown == ["NOPEX"]
    assert (result.failed, result.rate_limited) == ({}, False)
    assert sorted(result.bars) == ["IWM", "QQQ", "SPY"]
    for symbol, frame in frames.items():
        assert_same_bars(result.bars[symbol], frame.loc["2024-02-01":"2024-02-29"])


def test_a_known_symbol_without_sessions_in_range_gives_an_empty_frame(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)

    # Good Friday 2024 and the weekend after it.
    result = provider.fetch(["SPY"], D(2024, 3, 29), D(2024, 3, 31))

    assert len(result.bars["SPY"]) == 0
    assert list(result.bars["SPY"].columns) == list(BAR_COLUMNS)
    assert (result.unknown, result.failed) == ([], {})


def test_rate_limit_backs_off_then_fetches_again(fake, yf_cache_dir, clock, spy_bars):
    fake.add_symbol("SPY", spy_bars)
    fake.add_symbol("IWM", spy_bars)
    provider = make_provider(
        fake, yf_cache_dir, clock, batch_size=1, threads=1, cooldown_seconds=300
    )
    fake.rate_limit_after(0)

    first = provider.fetch(["SPY", "IWM"], D(2024, 2, 1), D(2024, 2, 29))

    reason = "rate limited by Yahoo; retrying after 12:05 UTC"  # NOON_UTC + 300 s
    assert first.rate_limited is True
    assert first.failed == {"SPY": reason, "IWM": reason}
    assert first.bars == {}
    assert fake.chart_requests("IWM") == []  # stopped after SPY's 429

    sent = len(fake.requests)
    clock.now += 299
    during = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))
    assert (during.rate_limited, during.failed, during.requests) == (True, {"SPY": reason}, 0)
    assert len(fake.requests) == sent

    fake.clear_rate_limit()
    clock.now += 2
    after = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))
    assert (after.rate_limited, after.failed) == (False, {})
    assert_same_bars(after.bars["SPY"], spy_bars.loc["2024-02-01":"2024-02-29"])
    assert after.requests == len(fake.requests) - sent


def test_a_500_outage_is_a_failure_with_its_status_then_recovers(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)
    fake.fail_with(500)

    down = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))

    assert down.failed["SPY"].startswith("Yahoo answered HTTP 500")
    assert (down.bars, down.unknown, down.rate_limited) == ({}, [], False)

    fake.fail_with(None)
    up = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))
    assert_same_bars(up.bars["SPY"], spy_bars.loc["2024-02-01":"2024-02-29"])


def test_an_unreachable_host_is_a_failure(yf_cache_dir, clock):
    with FakeYahoo() as gone:
        dead_url = gone.base_url  # nothing listens here once the block ends
    provider = YahooProvider(
        lambda: FakeYahooSession(dead_url), cache_dir=yf_cache_dir, clock=clock
    )

    result = provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))

    assert result.failed["SPY"].startswith("Yahoo unreachable (ConnectionError")
    assert (result.bars, result.unknown, result.rate_limited) == ({}, [], False)


def test_no_deprecation_noise_reaches_the_caller(fake, provider, spy_bars):
    fake.add_symbol("SPY", spy_bars)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        provider.fetch(["SPY"], D(2024, 2, 1), D(2024, 2, 29))

    assert [w for w in caught if issubclass(w.category, DeprecationWarning)] == []


def test_the_recorded_aapl_chart_comes_through_unchanged(fake, provider, shared_data):
    path = shared_data / AAPL_FIXTURE
    fake.add_recorded_chart("AAPL", load_recorded_chart(path))
    # Expected values read straight from the recording with the json module.
    raw = json.loads(path.read_text())["chart"]["result"][0]
    eastern = ZoneInfo("America/New_York")
    closes = {
        dt.datetime.fromtimestamp(ts, eastern).date(): close
        for ts, close in zip(raw["timestamp"], raw["indicators"]["quote"][0]["close"], strict=True)
    }

    result = provider.fetch(["AAPL"], D(2020, 8, 31), D(2020, 11, 6))

    bars = result.bars["AAPL"]
    assert dates(bars) == sorted(closes)
    assert bars["close"].tolist() == [closes[d] for d in sorted(closes)]
    # Spot checks, as printed in the recording: the first day after the 4:1 split and the
    # ex-dividend day (Adj Close differs from Close).
    assert bars.loc["2020-08-31", "close"] == 129.0399932861328
    assert bars.loc["2020-11-06", "close"] == 118.69000244140625
    assert bars.loc["2020-11-06", "adj_close"] == 115.93415069580078
    assert bars.loc["2020-08-31", "volume"] == 225702700.0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (ChartAnswer(404, "No data found, symbol may be delisted"), ("unknown", None)),
        (
            ChartAnswer(404, "No data found for this date range, symbol may be delisted"),
            ("bars", 0),
        ),
        (
            ChartAnswer(400, "Data doesn't exist for startDate = 1104555600, endDate = 1104814800"),
            ("bars", 0),
        ),
        (
            ChartAnswer(503, "<html>Will be right back</html>"),
            ("failed", "Yahoo answered HTTP 503: <html>Will be right back</html>"),
        ),
        (ChartAnswer(429, "Too Many Requests"), ("rate_limited", None)),
        (
            ChartAnswer(200, "not JSON: Will be right back"),
            ("failed", "Yahoo answered HTTP 200: not JSON: Will be right back"),
        ),
        (ChartAnswer(200, ""), ("bars", 0)),
        (
            ChartAnswer(None, "ConnectionError: refused"),
            ("failed", "Yahoo unreachable (ConnectionError: refused)"),
        ),
    ],
)
def test_classify_an_empty_history_by_the_last_chart_answer(answer, expected):
    kind, payload = classify(pd.DataFrame(), None, answer)

    assert (kind, len(payload) if kind == "bars" else payload) == expected
