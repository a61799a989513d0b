"""Many symbols per request: reading Yahoo's quote and spark answers strictly, splitting a batch
around a bad symbol, and falling back to per-symbol requests, against the fake's routes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math

import pandas as pd
import pytest

from analytics.data.provider import LatestBar
from analytics.data.yahoo import RateLimiter, YahooProvider
from analytics.data.yahoo_multi import (
    BAD_BATCH,
    BROKEN_AFTER,
    OK,
    Reply,
    run_batches,
    spark_range,
)
from analytics.data.yahoo_quote import parse_quote
from analytics.data.yahoo_spark import parse_spark
from tests.fakes.yahoo import FakeYahoo, chart_body, slice_chart, synthetic_bars
from tests.fakes.yahoo_multi import (
    QUOTE_PATH,
    SPARK_V7,
    SPARK_V8,
    install_multi_symbol,
    quote_of,
    spark_body,
)

D = dt.date
START, END = D(2024, 1, 2), D(2024, 7, 1)
AFTER_CLOSE = (
    pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE"]


def frames() -> dict[str, pd.DataFrame]:
    return {s: synthetic_bars(START, END, seed=i) for i, s in enumerate(SYMBOLS)}


@pytest.fixture
def fake():
    with FakeYahoo() as server:
        for symbol, bars in frames().items():
            server.add_symbol(symbol, bars, instrument_type="EQUITY")
        yield server


@pytest.fixture
def multi(fake):
    return install_multi_symbol(fake)


@pytest.fixture
def provider(fake, yf_cache_dir):
    clock = [1000.0]
    provider = YahooProvider(
        fake.session,
        cache_dir=yf_cache_dir,
        rate_limiter=RateLimiter(1000.0, sleep=lambda s: None),
        clock=lambda: clock[0],
        wall_clock=lambda: AFTER_CLOSE,
    )
    yield provider
    provider.close()


# -- reading a quote -------------------------------------------------------------------------------


def test_a_quote_gives_the_last_session_and_the_close_before_it():
    bars = frames()["AAA"]
    body = {"quoteResponse": {"result": [quote_of(chart_body("AAA", bars))], "error": None}}

    parsed = parse_quote(json.dumps(body), ["AAA", "ZZZ"])

    last = bars.iloc[-1]
    assert parsed.problem == "" and parsed.incomplete == {}
    assert parsed.values == {
        "AAA": LatestBar(
            session=END,
            open=last["open"],
            high=last["high"],
            low=last["low"],
            close=last["close"],
            volume=last["volume"],
            previous_close=bars["close"].iloc[-2],
        )
    }


def test_a_quote_entry_without_a_field_is_asked_per_symbol():
    item = quote_of(chart_body("AAA", frames()["AAA"]))
    del item["regularMarketTime"]
    body = {"quoteResponse": {"result": [item], "error": None}}

    parsed = parse_quote(json.dumps(body), ["AAA"])

    assert parsed.problem == ""
    assert parsed.values == {}
    assert parsed.incomplete == {"AAA": "no regularMarketTime"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>oops</html>", "not JSON"),
        ({"quotes": []}, "no quoteResponse object"),
        ({"quoteResponse": {"result": None, "error": {"code": "x"}}}, "an error in a 200 answer"),
        (
            {"quoteResponse": {"result": {"AAA": {}}, "error": None}},
            "quoteResponse.result is not a list",
        ),
        ({"quoteResponse": {"result": [{"symbol": "QQQ"}], "error": None}}, "an entry for 'QQQ'"),
        (
            {"quoteResponse": {"result": [{"symbol": "AAA"}, {"symbol": "AAA"}], "error": None}},
            "two entries for AAA",
        ),
    ],
)
def test_a_quote_in_another_shape_is_a_problem(body, problem):
    text = body if isinstance(body, str) else json.dumps(body)
    parsed = parse_quote(text, ["AAA"])
    assert parsed.problem.startswith(problem)
    assert parsed.values == {}


# -- reading spark ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["v7", "v8"])
def test_both_spark_shapes_give_the_closes_by_session(shape):
    bars = frames()
    charts = {s: slice_chart(chart_body(s, bars[s]), {"range": "1mo"}) for s in ("AAA", "BBB")}

    parsed = parse_spark(json.dumps(spark_body(charts, shape)), ["AAA", "BBB", "CCC"])

    assert parsed.problem == ""
    assert parsed.incomplete == {"CCC": "left out of the answer"}
    for symbol in ("AAA", "BBB"):
        # range=1mo counts a calendar month back from the last bar
        want = bars[symbol]["close"].loc[pd.Timestamp(END) - pd.DateOffset(months=1) :]
        got = parsed.values[symbol]
        assert list(got.index) == list(want.index)
        assert got.tolist() == want.tolist()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"spark": {"result": [{"symbol": "AAA", "closes": {}}], "error": None}},
            "a spark.result item without a response list",
        ),
        (
            {"AAA": {"symbol": "AAA", "timestamp": [1, 2], "close": [1.0]}},
            "AAA: 2 timestamps but 1 closes",
        ),
        (
            {"AAA": {"symbol": "AAA", "timestamp": [2, 1], "close": [1.0, 2.0]}},
            "AAA: timestamps out of order",
        ),
        (
            {"AAA": {"symbol": "AAA", "timestamp": [1, 2], "close": [1.0, "2"]}},
            "AAA: a close that is not a number",
        ),
        ({"AAA": [1, 2, 3]}, "'AAA' is not a spark object"),
        ({"QQQ": {"timestamp": [1], "close": [1.0]}}, "an entry for 'QQQ', which was not asked"),
        ({"spark": {"result": None, "error": {"code": "Bad Request"}}}, "an error in a 200 answer"),
    ],
)
def test_a_spark_body_in_neither_shape_is_a_problem(body, problem):
    parsed = parse_spark(json.dumps(body), ["AAA"])
    assert parsed.problem.startswith(problem)
    assert parsed.values == {}


def test_spark_ranges_reach_back_to_the_start_asked():
    today = D(2024, 7, 1)
    assert spark_range(D(2024, 6, 10), today) == "1mo"
    assert spark_range(D(2024, 4, 15), today) == "3mo"
    assert spark_range(D(2024, 1, 10), today) == "6mo"  # 173 days
    # 182 days: six months back from July 1 reach January 1, but from August 31 only February
    # 28 (181 days): the margin takes the longer range rather than miss a day
    assert spark_range(D(2024, 1, 1), today) == "1y"
    assert spark_range(D(2023, 7, 10), today) == "1y"
    assert spark_range(D(2020, 1, 2), today) == "5y"
    assert spark_range(D(1990, 1, 2), today) == "max"


# -- batches ---------------------------------------------------------------------------------------


def test_a_bad_symbol_is_isolated_by_splitting_its_batch():
    asked: list[list[str]] = []

    def ask(batch: list[str]) -> Reply:
        asked.append(batch)
        if "BAD" in batch:
            return Reply(BAD_BATCH, detail="400")
        return Reply(OK, values={s: 1.0 for s in batch})

    names = ["N0", "N1", "N2", "N3", "N4", "BAD", "N6", "N7", "N8", "N9"]
    out, abandoned = run_batches(names, 8, ask)

    # 8 -> 4 + 4 -> (2 + 2) -> 1 + 1; the remaining 2 in one request
    assert asked == [
        names[0:8],
        names[0:4],
        names[4:8],
        ["N4", "BAD"],
        ["N4"],
        ["BAD"],
        ["N6", "N7"],
        ["N8", "N9"],
    ]
    assert sorted(out.values) == sorted(n for n in names if n != "BAD")
    assert out.per_symbol == ["BAD"]
    assert abandoned == [] and out.fallback == ""


def test_an_endpoint_that_refuses_everything_is_given_up_on():
    asked: list[list[str]] = []

    def ask(batch: list[str]) -> Reply:
        asked.append(batch)
        return Reply(BAD_BATCH, detail="HTTP 400")

    names = [f"N{i}" for i in range(40)]
    out, abandoned = run_batches(names, 20, ask)

    assert len(asked) == BROKEN_AFTER
    assert out.fallback.startswith(f"{BROKEN_AFTER} batches in a row refused")
    assert sorted(out.per_symbol) == sorted(names)
    # the sixth refusal (of N1, after N0 was isolated) gives up: the rest were never answered
    assert abandoned == names[1:]


# -- the provider against the fake -------------------------------------------------------------------


def test_latest_bars_come_50_symbols_a_request(fake, multi, provider):
    names = [f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(120)]
    served = {n: synthetic_bars(D(2024, 5, 1), END, seed=100 + i) for i, n in enumerate(names)}
    for name, bars in served.items():
        fake.add_symbol(name, bars)

    result = provider.latest_bars([*names, "NOPE"])

    assert [len(batch) for batch in multi.asked(QUOTE_PATH)] == [50, 50, 21]
    assert result.per_symbol == ["NOPE"]  # Yahoo leaves an unknown symbol out
    assert set(result.values) == set(names)
    for name, bars in served.items():
        bar = result.values[name]
        assert (bar.session, bar.close, bar.volume) == (
            END,
            bars["close"].iloc[-1],
            bars["volume"].iloc[-1],
        )
        assert bar.previous_close == bars["close"].iloc[-2]
    quotes = sum(1 for path, _ in fake.requests if path == QUOTE_PATH)
    assert result.requests == len(fake.requests) and quotes == math.ceil(121 / 50)


def test_a_failed_crumb_falls_back_to_per_symbol_and_says_so_once(fake, multi, provider, caplog):
    multi.fail_crumb()
    caplog.set_level(logging.WARNING, logger="analytics.data.yahoo")

    first = provider.latest_bars(["AAA", "BBB"])
    second = provider.latest_bars(["CCC"])

    assert first.values == {} and first.per_symbol == ["AAA", "BBB"]
    assert "HTTP 401" in first.fallback and "Invalid Crumb" in first.fallback
    assert second.per_symbol == ["CCC"] and second.fallback == first.fallback
    said = [r.getMessage() for r in caplog.records if "falling back" in r.getMessage()]
    assert len(said) == 1
    multi.heal_crumb()
    healed = provider.latest_bars(["AAA"])
    assert healed.fallback == "" and healed.values["AAA"].close == frames()["AAA"]["close"].iloc[-1]


def test_spark_splits_a_batch_around_a_bad_symbol(fake, multi, provider):
    result = provider.spark_closes(["AAA", "BBB", "NOPE", "CCC"], D(2024, 6, 3), END)

    assert multi.asked(SPARK_V7) == [
        ["AAA", "BBB", "NOPE", "CCC"],
        ["AAA", "BBB"],
        ["NOPE", "CCC"],
        ["NOPE"],
        ["CCC"],
    ]
    assert result.per_symbol == ["NOPE"]
    for symbol in ("AAA", "BBB", "CCC"):
        want = frames()[symbol]["close"].loc["2024-06-03":"2024-07-01"]
        assert result.values[symbol].tolist() == want.tolist()
        assert list(result.values[symbol].index) == list(want.index)


def test_spark_v7_gone_falls_back_to_v8(fake, multi, provider):
    multi.endpoint_status[SPARK_V7] = 404

    result = provider.spark_closes(["AAA", "BBB"], D(2024, 6, 3), END)

    assert multi.asked(SPARK_V8) == [["AAA", "BBB"]]
    assert result.fallback == "" and result.per_symbol == []
    assert result.values["BBB"].tolist() == frames()["BBB"]["close"].loc["2024-06-03":].tolist()


def test_a_changed_spark_shape_on_both_endpoints_sends_everything_per_symbol(
    fake, multi, provider, caplog
):
    multi.spark_shapes = {SPARK_V7: "changed", SPARK_V8: "changed"}
    caplog.set_level(logging.WARNING, logger="analytics.data.yahoo")

    result = provider.spark_closes(["AAA", "BBB"], D(2024, 6, 3), END)

    assert result.values == {}
    assert sorted(result.per_symbol) == ["AAA", "BBB"]
    assert "not in a known shape" in result.fallback
    said = [r.getMessage() for r in caplog.records if "falling back" in r.getMessage()]
    assert len(said) == 2  # once per endpoint


def test_a_429_stops_the_calls_and_backs_off(fake, multi, provider):
    fake.rate_limit_after(0)

    result = provider.spark_closes(["AAA", "BBB"], D(2024, 6, 3), END)

    assert result.rate_limited and set(result.failed) == {"AAA", "BBB"}
    assert "rate limited by Yahoo" in result.failed["AAA"]
    assert provider.retry_after() == pytest.approx(300.0)
    asked = len(fake.requests)
    again = provider.latest_bars(["AAA"])  # cooling down: nothing sent
    assert again.rate_limited and len(fake.requests) == asked
