"""The cold path: the provider's request-rate limiter, back-off and timezone shortcut, and
MarketData.fill (patient batches that survive rate limits, crashes and restarts)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import FetchResult
from analytics.data.yahoo import RateLimiter, YahooProvider
from tests.fakes.prices import RecordingProvider, bars_for
from tests.fakes.yahoo import CHART_PREFIX, FakeYahoo, synthetic_bars

D = dt.date
AFTER_CLOSE = (
    pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
)
NOON_UTC = dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)
START, END = D(2024, 6, 3), D(2024, 6, 28)


class Clock:
    """A monotonic clock the test moves; `sleep` advances it and records the request."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def names(n: int) -> list[str]:
    return [f"T{i:03d}" for i in range(n)]


# -- RateLimiter ---------------------------------------------------------------------------------


def test_a_burst_of_requests_is_spaced_at_the_rate(clock):
    limiter = RateLimiter(4.0, clock=clock, sleep=lambda s: None)  # the clock stays put

    waits = [limiter.acquire() for _ in range(5)]

    # One token at t=0, then a slot every 1/4 s reserved in order.
    assert waits == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_tokens_refill_with_time_up_to_the_burst(clock):
    limiter = RateLimiter(2.0, burst=3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() == 0.5  # empty: the next token comes after 1/2 s
    clock.now += 10.0  # a long pause refills to the burst, not beyond
    assert [limiter.acquire() for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_threads_share_one_bucket(clock):
    limiter = RateLimiter(5.0, clock=clock, sleep=lambda s: None)
    waits: list[float] = []
    lock = threading.Lock()
    go = threading.Barrier(8)

    def worker() -> None:
        go.wait()
        wait = limiter.acquire()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Eight distinct slots 0.2 s apart, whichever thread got which.
    assert sorted(waits) == pytest.approx([k * 0.2 for k in range(8)])
    assert limiter.acquired == 8


# -- the provider against the fake Yahoo --------------------------------------------------------


class StatusYahoo(FakeYahoo):
    """FakeYahoo that also logs the status of every answer, and can send Retry-After."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, int]] = []
        self.retry_after_header: str | None = None

    def _log(self, handler, status: int) -> None:
        with self._lock:
            self.answers.append((handler.path.split("?")[0], status))

    def _send_json(self, handler, status, body):  # type: ignore[override]
        self._log(handler, status)
        FakeYahoo._send_json(handler, status, body)

    def _send_text(self, handler, status, text, extra_headers=None):  # type: ignore[override]
        self._log(handler, status)
        headers = dict(extra_headers or {})
        if status == 429 and self.retry_after_header is not None:
            headers["Retry-After"] = self.retry_after_header
        FakeYahoo._send_text(handler, status, text, headers)

    def served(self, status: int = 200) -> Counter:
        """Chart answers with `status` per symbol."""
        return Counter(
            path[len(CHART_PREFIX) :]
            for path, code in self.answers
            if path.startswith(CHART_PREFIX) and code == status
        )


@pytest.fixture
def fake():
    with StatusYahoo() as server:
        yield server


def make_provider(fake, cache_dir, clock, **options) -> YahooProvider:
    options.setdefault("rate_limiter", RateLimiter(1000.0, clock=clock, sleep=lambda s: None))
    return YahooProvider(
        fake.session, cache_dir=cache_dir, clock=clock, wall_clock=lambda: NOON_UTC, **options
    )


def test_every_request_takes_a_token_from_the_limiter(fake, yf_cache_dir, clock):
    for symbol in ("SPY", "IWM", "QQQ"):
        fake.add_symbol(symbol, synthetic_bars(START, END, seed=len(symbol)))
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    provider = make_provider(fake, yf_cache_dir, clock, rate_limiter=limiter)
    before = len(fake.requests)

    result = provider.fetch(["SPY", "IWM", "QQQ"], START, END)

    sent = len(fake.requests) - before
    assert sorted(result.bars) == ["IWM", "QQQ", "SPY"]
    assert limiter.acquired == sent == result.requests
    # Spaced at 4/s: the fake clock slept exactly one slot per request after the first.
    assert sum(clock.sleeps) == pytest.approx((sent - 1) * 0.25)


def test_us_symbols_skip_the_timezone_probe_and_unknown_ones_are_still_unknown(
    fake, yf_cache_dir, clock
):
    fake.add_symbol("AAA", synthetic_bars(START, END, seed=1))
    fake.add_symbol("BRK-B", synthetic_bars(START, END, seed=2))
    fake.add_symbol("^RUT", synthetic_bars(START, END, seed=3))
    provider = make_provider(fake, yf_cache_dir, clock)

    result = provider.fetch(["AAA", "BRK-B", "NOPEZ", "^RUT"], START, END)

    probes = Counter(
        path[len(CHART_PREFIX) :]
        for path, query in fake.requests
        if path.startswith(CHART_PREFIX) and query.get("range") == "1d"
    )
    assert probes == Counter({"^RUT": 1})  # an index may live anywhere: yfinance asks
    assert result.unknown == ["NOPEZ"]
    assert sorted(result.bars) == ["AAA", "BRK-B", "^RUT"]
    expected = synthetic_bars(START, END, seed=2)
    assert result.bars["BRK-B"]["close"].tolist() == expected["close"].tolist()


def test_back_off_doubles_per_rate_limit_in_a_row_and_resets_after_an_answer(
    fake, yf_cache_dir, clock
):
    fake.add_symbol("SPY", synthetic_bars(START, END, seed=1))
    provider = make_provider(fake, yf_cache_dir, clock, cooldown_seconds=60)
    fake.rate_limit_after(0)

    assert provider.fetch(["SPY"], START, END).rate_limited
    assert provider.retry_after() == 60
    clock.now += 60
    assert provider.fetch(["SPY"], START, END).rate_limited
    assert provider.retry_after() == 120
    clock.now += 120
    fake.clear_rate_limit()
    assert sorted(provider.fetch(["SPY"], START, END).bars) == ["SPY"]
    assert provider.retry_after() == 0

    fake.rate_limit_after(0)
    assert provider.fetch(["SPY"], START, END).rate_limited
    assert provider.retry_after() == 60  # a fresh start after Yahoo answered
    assert provider.stats.cooldowns == 3
    # yfinance also retries the crumb when throttled: count what the fake really answered.
    assert provider.stats.throttled == sum(1 for _, status in fake.answers if status == 429)


def test_a_retry_after_header_longer_than_the_back_off_is_honoured(fake, yf_cache_dir, clock):
    fake.add_symbol("SPY", synthetic_bars(START, END, seed=1))
    provider = make_provider(fake, yf_cache_dir, clock, cooldown_seconds=60)
    fake.retry_after_header = "900"
    fake.rate_limit_after(0)

    result = provider.fetch(["SPY"], START, END)

    assert provider.retry_after() == 900
    assert result.failed == {"SPY": "rate limited by Yahoo; retrying after 12:15 UTC"}


def test_a_patient_fill_against_a_throttling_yahoo_loses_nothing_and_fetches_nothing_twice(
    fake, yf_cache_dir, tmp_path
):
    symbols = [f"S{chr(65 + i)}" for i in range(6)]  # SA..SF
    frames = {s: synthetic_bars(START, END, seed=i) for i, s in enumerate(symbols)}
    for symbol, frame in frames.items():
        fake.add_symbol(symbol, frame)
    fake.requests_per_second = 4  # stricter than we send: 429s are certain
    provider = YahooProvider(
        fake.session,
        cache_dir=yf_cache_dir,
        requests_per_second=None,  # no limiter: hammer the fake to provoke the limit
        threads=2,
        batch_size=3,
        cooldown_seconds=0.3,
        max_cooldown_seconds=0.6,
    )
    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, provider, now=lambda: AFTER_CLOSE)

        report = market.fill(symbols, START, END, batch_size=3)

        assert report.complete
        assert report.backoffs >= 1
        assert sorted(report.fetched) == symbols
        assert fake.served(429)  # really throttled
        assert fake.served(200) == Counter({s: 1 for s in symbols})  # each answered once
        for symbol, frame in frames.items():
            got = cache.read_bars([symbol], START, END)
            assert got["close"].tolist() == frame["close"].tolist()
    provider.close()


# -- MarketData.fill with scripted providers -----------------------------------------------------


class ScriptedProvider(RecordingProvider):
    """RecordingProvider whose calls can be rate limited or crash, by call number (1-based)."""

    def __init__(self, *, limit_calls=(), crash_call=None, limited_keep=0, wait=42.0):
        super().__init__()
        self.limit_calls = set(limit_calls)
        self.crash_call = crash_call
        self.limited_keep = limited_keep  # tickers answered before the 429 hits
        self.wait = wait
        self.delivered: Counter = Counter()

    def retry_after(self) -> float:
        return self.wait

    def fetch(self, tickers, start, end) -> FetchResult:
        call = len(self.calls) + 1
        if call == self.crash_call:
            self.calls.append((tuple(tickers), start, end))
            raise ConnectionAbortedError("the process died here")
        result = super().fetch(tickers, start, end)
        if call in self.limit_calls:
            for ticker in tickers[self.limited_keep :]:
                result.bars.pop(ticker, None)
                result.failed[ticker] = "rate limited by Fake"
            result.rate_limited = True
        self.delivered.update(list(result.bars))
        return result


def fresh_market(path, provider) -> MarketData:
    return MarketData(PriceCache(path), provider, now=lambda: AFTER_CLOSE)


def test_a_rate_limit_waits_the_provider_back_off_and_retries_the_same_tickers(tmp_path, clock):
    provider = ScriptedProvider(limit_calls={2}, limited_keep=3, wait=42.0)
    market = fresh_market(tmp_path / "c.db", provider)
    seen: list[tuple[int, int]] = []

    report = market.fill(
        names(25),
        START,
        END,
        batch_size=10,
        sleep=clock.sleep,
        progress=lambda d, t: seen.append((d, t)),
    )

    batches = [call[0] for call in provider.calls]
    assert (
        batches
        == [
            tuple(names(25)[:10]),
            tuple(names(25)[10:20]),  # 429 after 3 of these
            tuple(names(25)[13:20]),  # after the wait: exactly the 7 that were not answered
            tuple(names(25)[20:]),
        ]
    )
    assert clock.sleeps == [42.0]
    assert (report.backoffs, report.waited_seconds, report.batches) == (1, 42.0, 4)
    assert report.complete and sorted(report.fetched) == names(25)
    assert provider.delivered == Counter(names(25))  # nothing fetched twice
    assert seen == [(0, 25), (10, 25), (13, 25), (20, 25), (25, 25)]
    assert sorted(market.cache.coverage(names(25))) == names(25)
    market.cache.close()


def test_an_interactive_command_fails_fast_on_the_same_rate_limit(tmp_path):
    provider = ScriptedProvider(limit_calls={1})
    market = fresh_market(tmp_path / "c.db", provider)

    result = market.bars(names(3), START, END)

    assert len(provider.calls) == 1  # no waiting, no retry
    assert result.missing == tuple(names(3))
    assert result.warnings == ("Fake is rate limited and nothing is cached for this request.",)
    market.cache.close()


def test_a_fill_that_keeps_being_limited_gives_up_and_says_how_many_are_left(tmp_path, clock):
    provider = ScriptedProvider(limit_calls=set(range(1, 100)), wait=5.0)
    market = fresh_market(tmp_path / "c.db", provider)

    report = market.fill(names(30), START, END, batch_size=10, sleep=clock.sleep, max_backoffs=3)

    assert report.gave_up and not report.complete
    assert clock.sleeps == [5.0, 5.0, 5.0]
    assert len(provider.calls) == 4  # the first try and three retries of the first batch
    assert report.left == 30
    assert sorted(report.failed) == names(10)
    market.cache.close()


def test_a_crashed_fill_resumes_after_a_restart_asking_only_for_the_rest(tmp_path):
    path = tmp_path / "c.db"
    crashing = ScriptedProvider(crash_call=3)
    first = fresh_market(path, crashing)
    with pytest.raises(ConnectionAbortedError):
        first.fill(names(50), START, END, batch_size=10)
    first.cache.close()

    # A new process: a new cache connection and provider over the same file.
    restarted = ScriptedProvider()
    second = fresh_market(path, restarted)
    report = second.fill(names(50), START, END, batch_size=10)

    stored_before = Counter(crashing.delivered)
    assert stored_before == Counter(names(20))  # two batches landed before the crash
    assert [call[0] for call in restarted.calls] == [
        tuple(names(50)[20:30]),
        tuple(names(50)[30:40]),
        tuple(names(50)[40:]),
    ]
    assert stored_before + restarted.delivered == Counter(names(50))  # each exactly once
    assert (report.needed, report.complete) == (30, True)
    assert second.fill(names(50), START, END).needed == 0  # and a third run has nothing to do
    for ticker in ("T000", "T049"):
        got = second.cache.read_bars([ticker], START, END)
        assert got["close"].tolist() == bars_for(ticker, START, END)["close"].tolist()
    second.cache.close()


def test_stop_ends_a_fill_between_batches(tmp_path):
    provider = RecordingProvider()
    market = fresh_market(tmp_path / "c.db", provider)

    report = market.fill(
        names(30), START, END, batch_size=10, stop=lambda: len(provider.calls) >= 2
    )

    assert len(provider.calls) == 2
    assert (report.stopped, report.left, len(report.fetched)) == (True, 10, 20)
    market.cache.close()


class GatedProvider(RecordingProvider):
    """Blocks inside its first fetch until released (to hold a fill mid-batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.release = threading.Event()

    def fetch(self, tickers, start, end):
        first = not self.calls
        result = super().fetch(tickers, start, end)
        if first:
            self.inside.set()
            assert self.release.wait(10)
        return result


def run_in_thread(fn):
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", fn()))
    thread.start()
    return thread, box


def test_a_warm_command_does_not_wait_for_a_fill_in_progress(tmp_path):
    provider = GatedProvider()
    market = fresh_market(tmp_path / "c.db", provider)
    market.import_bars("SPY", bars_for("SPY", START, END), "test")
    fill, _ = run_in_thread(lambda: market.fill(names(10), START, END))
    assert provider.inside.wait(10)

    warm, box = run_in_thread(lambda: market.bars(["SPY"], START, END))
    warm.join(10)
    finished_while_fill_held = not warm.is_alive()
    provider.release.set()
    fill.join(10)

    assert finished_while_fill_held
    assert len(box["value"].series("SPY")) == len(bars_for("SPY", START, END))
    market.cache.close()


def test_a_command_that_must_fetch_goes_first_and_the_fill_does_not_ask_again(tmp_path):
    provider = GatedProvider()
    market = fresh_market(tmp_path / "c.db", provider)
    fill, report_box = run_in_thread(lambda: market.fill(names(30), START, END, batch_size=10))
    assert provider.inside.wait(10)

    # A user asks for three names the fill planned for its second batch.
    command, _ = run_in_thread(lambda: market.bars(names(30)[15:18], START, END))
    for _ in range(1000):  # until the command is queued behind the fill's batch
        if market.waiting_commands:
            break
        threading.Event().wait(0.01)
    provider.release.set()
    fill.join(10)
    command.join(10)

    assert (
        [call[0] for call in provider.calls]
        == [
            tuple(names(30)[:10]),
            tuple(names(30)[15:18]),  # the command, ahead of the fill's second batch
            tuple(names(30)[10:15] + names(30)[18:20]),  # those three are not asked again
            tuple(names(30)[20:]),
        ]
    )
    report = report_box["value"]
    assert report.complete
    assert report.filled_meanwhile == names(30)[15:18]
    assert sorted(report.fetched) == sorted(set(names(30)) - set(names(30)[15:18]))
    market.cache.close()
