"""The answer memo: the same question on the same data is answered from it; any write to the
cache (an import, a fetch, a re-base) or a failing source makes the next answer recompute."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.commands.streaks import STREAK
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.rebase import Rebase
from analytics.spec import ParseContext
from bot.answering import compute_answer
from bot.memo import AnswerMemo
from tests.fakes.prices import RecordingProvider, bars_for

NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)  # Friday after the close


@pytest.fixture
def fresh_market(tmp_path):
    with PriceCache(tmp_path / "memo.db") as cache:
        market = MarketData(cache, None, offline=True, now=lambda: NOW)
        for ticker in ("IWM", "SPY"):
            market.import_bars(
                ticker, bars_for(ticker, dt.date(2024, 1, 2), dt.date(2024, 6, 27)), "t"
            )
        yield market


def request():
    return STREAK.parse_values({"a": "IWM", "b": "SPY"}, ParseContext(today=NOW.date()))


async def test_the_same_question_is_answered_from_the_memo_with_its_chart(fresh_market):
    memo = AnswerMemo()
    first = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    again = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    assert again is first and (memo.hits, memo.misses) == (1, 1)
    assert first.chart.png() is again.png  # encoded once, not redrawn


@pytest.mark.parametrize("write", ["import", "rebase"])
async def test_a_write_to_the_cache_makes_the_next_answer_recompute(fresh_market, write):
    memo = AnswerMemo()
    first = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    assert first.as_of == dt.date(2024, 6, 27)
    if write == "import":  # a new session arrives
        fresh_market.import_bars(
            "IWM", bars_for("IWM", dt.date(2024, 6, 28), dt.date(2024, 6, 28)), "t"
        )
        fresh_market.import_bars(
            "SPY", bars_for("SPY", dt.date(2024, 6, 28), dt.date(2024, 6, 28)), "t"
        )
    else:  # a split re-bases the cached history
        fresh_market.cache.rescale("IWM", dt.date(2024, 6, 1), Rebase(price=0.5, adjusted=0.5))
    after = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    assert after is not first and memo.misses == 2
    if write == "import":
        assert after.as_of == dt.date(2024, 6, 28)


async def test_a_write_by_another_connection_counts_too(fresh_market):
    import sqlite3

    memo = AnswerMemo()
    first = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    other = sqlite3.connect(fresh_market.cache.path)
    other.execute(
        "UPDATE bars SET adj_close = adj_close * 1.01 WHERE ticker = 'IWM' AND date = '2024-06-27'"
    )
    other.commit()
    other.close()
    assert await compute_answer(STREAK, fresh_market, request(), memo=memo) is not first


async def test_an_answer_served_while_the_provider_fails_is_not_memoised(tmp_path):
    provider = RecordingProvider()
    with PriceCache(tmp_path / "down.db") as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        for ticker in ("IWM", "SPY"):
            market.import_bars(
                ticker, bars_for(ticker, dt.date(2024, 1, 2), dt.date(2024, 6, 27)), "t"
            )
        provider.fail_reason = "down"
        memo = AnswerMemo()
        first = await compute_answer(STREAK, market, request(), memo=memo)
        assert first.warnings  # served from the cache, saying so
        assert len(memo) == 0
        provider.fail_reason = None
        healed = await compute_answer(STREAK, market, request(), memo=memo)
        assert healed.as_of == dt.date(2024, 6, 28) and len(memo) == 1


async def test_the_same_question_asked_while_it_is_computed_waits_for_that_computation(
    fresh_market,
):
    import asyncio

    memo = AnswerMemo()
    answers = await asyncio.gather(
        *(compute_answer(STREAK, fresh_market, request(), memo=memo) for _ in range(4))
    )
    assert all(a is answers[0] for a in answers)
    assert (memo.misses, memo.joined) == (4, 3)  # computed once
    assert await compute_answer(STREAK, fresh_market, request(), memo=memo) is answers[0]


async def test_an_error_reaches_every_asking_and_is_not_kept(fresh_market):
    import asyncio

    from analytics.errors import NoData

    memo = AnswerMemo()
    unknown = STREAK.parse_values({"a": "NOPE", "b": "SPY"}, ParseContext(today=NOW.date()))
    outcomes = await asyncio.gather(
        *(compute_answer(STREAK, fresh_market, unknown, memo=memo) for _ in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(o, NoData) for o in outcomes) and memo.joined == 2
    assert len(memo) == 0 and not memo._running


async def test_a_lease_renewal_keeps_the_memoised_answer(fresh_market):
    # The lease holder renews every 20 s: before, each renewal was a commit that emptied both
    # memos, so "asked again" was only fast within 20 s of the first answer.
    from bot.lease import Lease

    memo = AnswerMemo()
    first = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    lease = Lease(fresh_market.cache, now=lambda: NOW)
    for _ in range(3):
        assert lease.acquire().held
    again = await compute_answer(STREAK, fresh_market, request(), memo=memo)
    assert again is first and (memo.hits, memo.misses) == (1, 1)
