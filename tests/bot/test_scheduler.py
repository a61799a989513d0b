"""The scheduler run through days on an injected clock: weekends and holidays skipped, catch-up
the same evening only, one post per day across restarts and crashes, retries with back-off
that never double a post, missed days with their reason, a clock jumping back, the lease."""

from __future__ import annotations

import asyncio
import datetime as dt

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.subscriptions.digest import Digest, SectionResult
from analytics.subscriptions.schedule import (
    post_deadline,
)
from analytics.subscriptions.store import MISSED, SENT, SubscriptionStore, retry_delay
from bot.scheduler import NOT_RUNNING, DeliveryFailed, DigestScheduler, TransientDeliveryError

GUILD = 1


def et(text: str) -> dt.datetime:
    """A US Eastern wall-clock time as an aware UTC datetime."""
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


def utc(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="UTC").to_pydatetime()


# --- the scheduler on an injected clock ---------------------------------------------------------


class Clock:
    """now() and sleep(): sleeping moves the clock, no real waiting."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def now(self) -> dt.datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)


class Landed(TransientDeliveryError):
    """Raised by the fake poster AFTER the post went out: the reply was lost on the way."""


class Harness:
    """A scheduler over a tmp SQLite store, a fake digest and a fake channel poster.

    The poster keeps every message it posted with the marker it carried, and `find` looks
    for a marker among them, as the cog does in the channel's recent messages.
    """

    def __init__(self, cache: PriceCache, clock: Clock) -> None:
        self.cache = cache
        self.clock = clock
        self.composed: list[tuple[tuple[str, ...], dt.date]] = []
        self.posts: list[dict] = []
        # channel id -> what deliver raises: an exception every time, or a list used up in turn
        self.failures: dict[int, Exception | list[Exception]] = {}
        self.compose_fails = False
        self.nonces: list[int] = []  # of every attempt
        self.attempts: list[dt.datetime] = []  # clock time of every deliver call
        self.finds: list[str] = []  # markers looked for
        self.next_id = 1000
        self._store = SubscriptionStore(cache)

    def store(self) -> SubscriptionStore:
        return self._store

    def subscribe(self, channel: int, post_time: str = "close+30", sections=("streak",), at=None):
        sub, _ = self.store().subscribe(
            GUILD, channel, post_time, sections, by=7, now=at or self.clock.now()
        )
        return sub

    async def compose(self, sections: tuple[str, ...], day: dt.date) -> Digest:
        if self.compose_fails:
            raise RuntimeError("Yahoo said no")
        self.composed.append((sections, day))
        return Digest(day, False, tuple(SectionResult(n, notice=f"{n} text") for n in sections))

    async def deliver(self, sub, digest: Digest, claim) -> int:
        self.nonces.append(claim.nonce)
        self.attempts.append(self.clock.now())
        failure = self.failures.get(sub.channel_id)
        if isinstance(failure, list):
            failure = failure.pop(0) if failure else None
        if failure is not None and not isinstance(failure, Landed):
            raise failure
        self.next_id += 1
        self.posts.append(
            {
                "channel": sub.channel_id,
                "day": digest.trading_day,
                "at": self.clock.now(),
                "sections": tuple(s.name for s in digest.sections),
                "nonce": claim.nonce,
                "marker": claim.marker,
                "id": self.next_id,
            }
        )
        if failure is not None:
            raise failure
        return self.next_id

    async def find(self, sub, claim) -> int | None:
        self.finds.append(claim.marker)
        for post in self.posts:
            if post["channel"] == sub.channel_id and post["marker"] == claim.marker:
                return post["id"]
        return None

    def scheduler(self, **options) -> DigestScheduler:
        return DigestScheduler(
            store=self.store(),
            compose=self.compose,
            deliver=self.deliver,
            find=self.find,
            now=self.clock.now,
            sleep=self.clock.sleep,
            **options,
        )


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "subs.db") as cache:
        yield cache


def make(cache, start: str) -> Harness:
    return Harness(cache, Clock(et(start)))


async def test_a_week_with_a_holiday_and_an_early_close(cache):
    h = make(cache, "2024-06-28 12:00")  # a Friday
    h.subscribe(101)
    await h.scheduler().run(until=et("2024-07-09 00:00"))
    assert [(p["day"], p["at"]) for p in h.posts] == [
        (dt.date(2024, 6, 28), et("2024-06-28 16:30")),
        (dt.date(2024, 7, 1), et("2024-07-01 16:30")),
        (dt.date(2024, 7, 2), et("2024-07-02 16:30")),
        (dt.date(2024, 7, 3), et("2024-07-03 13:30")),  # early close, 13:00 + 30 min
        (dt.date(2024, 7, 5), et("2024-07-05 16:30")),  # 4 July and the weekends skipped
        (dt.date(2024, 7, 8), et("2024-07-08 16:30")),
    ]
    assert [day for _, day in h.composed] == [p["day"] for p in h.posts]
    sub = h.store().get(GUILD, 101)
    assert sub.last_day == dt.date(2024, 7, 8)
    assert [c.message_id for c in h.store().posts(sub.id)] == [1001, 1002, 1003, 1004, 1005, 1006]


async def test_daylight_saving_changes_move_the_utc_time(cache):
    h = make(cache, "2024-03-08 09:00")
    h.subscribe(101)  # close+30
    h.subscribe(102, "17:15")
    await h.scheduler().run(until=et("2024-03-12 00:00"))
    assert [(p["channel"], p["at"]) for p in h.posts] == [
        (101, utc("2024-03-08 21:30")),  # EST
        (102, utc("2024-03-08 22:15")),
        (101, utc("2024-03-11 20:30")),  # EDT from Sunday 10 March
        (102, utc("2024-03-11 21:15")),
    ]
    h2 = make(cache, "2024-11-01 09:00")
    await h2.scheduler().run(until=et("2024-11-05 00:00"))
    assert [(p["channel"], p["at"]) for p in h2.posts] == [
        (101, utc("2024-11-01 20:30")),  # EDT
        (102, utc("2024-11-01 21:15")),
        (101, utc("2024-11-04 21:30")),  # EST from Sunday 3 November
        (102, utc("2024-11-04 22:15")),
    ]


async def test_the_digest_is_composed_once_for_subscriptions_due_together(cache):
    h = make(cache, "2024-07-02 12:00")
    h.subscribe(101, sections=("streak", "macro"))
    h.subscribe(102, sections=("returns",))
    outcomes = await _tick_at(h, "2024-07-02 16:30")
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert h.composed == [(("streak", "returns", "macro"), dt.date(2024, 7, 2))]
    assert {p["channel"]: p["sections"] for p in h.posts} == {
        101: ("streak", "macro"),
        102: ("returns",),
    }


async def test_a_bot_down_at_post_time_catches_up_the_same_evening_only(cache):
    h = make(cache, "2024-07-01 12:00")
    h.subscribe(101)
    h.clock.t = et("2024-07-02 21:00")  # down from before 16:30 until 21:00
    await h.scheduler().run(until=et("2024-07-02 21:01"))
    assert [(p["day"], p["at"]) for p in h.posts] == [(dt.date(2024, 7, 2), et("2024-07-02 21:00"))]

    # Down over the early close of 3 July and back after midnight: that post is never sent.
    late = make(cache, "2024-07-04 00:30")
    await late.scheduler().run(until=et("2024-07-05 23:00"))
    assert [(p["day"], p["at"]) for p in late.posts] == [
        (dt.date(2024, 7, 5), et("2024-07-05 16:30"))
    ]


async def test_a_restart_does_not_post_twice(cache):
    h = make(cache, "2024-07-02 12:00")
    h.subscribe(101)
    await h.scheduler().run(until=et("2024-07-02 17:00"))
    assert len(h.posts) == 1
    restarted = Harness(cache, Clock(et("2024-07-02 20:00")))
    await restarted.scheduler().run(until=et("2024-07-02 23:59"))
    assert restarted.posts == []


async def test_a_send_interrupted_by_a_crash_is_resent_with_its_nonce_inside_the_window(cache):
    h = make(cache, "2024-07-02 12:00")
    sub = h.subscribe(101)
    day = dt.date(2024, 7, 2)
    claim = h.store().claim(  # then the process died before sending
        sub.id, day, 101, et("2024-07-02 16:30"), deadline=post_deadline(day)
    )
    h.clock.t = et("2024-07-02 16:33")  # restarted 3 minutes later
    outcomes = await h.scheduler().tick()
    assert [o.status for o in outcomes] == ["sent"]
    assert h.finds == [claim.marker]  # looked for it first: it had not landed
    assert [p["nonce"] for p in h.posts] == [claim.nonce]  # Discord drops it if it had landed


async def test_a_send_that_landed_before_a_crash_is_found_and_not_resent(cache, caplog):
    caplog.set_level("INFO", logger="bot.scheduler")
    h = make(cache, "2024-07-02 12:00")
    sub = h.subscribe(101)
    h.failures[101] = [Landed("the process died before recording it")]
    [first] = await _tick_at(h, "2024-07-02 16:30")
    assert first.status == "retry"
    # Restarted long after Discord's nonce window: only the marker can tell it landed.
    [found] = await _tick_at(h, "2024-07-02 18:00")
    assert (found.status, found.found, found.message_id) == ("sent", True, h.posts[0]["id"])
    assert len(h.posts) == 1 and len(h.attempts) == 1
    [post] = h.store().posts(sub.id)
    assert (post.status, post.message_id, post.attempts) == (SENT, 1001, 2)
    assert "had landed" in caplog.text


async def test_a_send_that_did_not_land_is_resent_with_its_nonce_even_past_the_window(cache):
    h = make(cache, "2024-07-02 12:00")
    sub = h.subscribe(101)
    h.failures[101] = [TransientDeliveryError("connection reset")]
    await _tick_at(h, "2024-07-02 16:30")
    [outcome] = await _tick_at(h, "2024-07-02 16:50")  # 20 minutes later
    assert outcome.status == "sent" and not outcome.found
    [claim] = h.store().posts(sub.id)
    assert h.nonces == [claim.nonce, claim.nonce]
    assert h.finds == [claim.marker]
    assert [p["at"] for p in h.posts] == [et("2024-07-02 16:50")]


async def test_a_transient_error_is_resent_with_the_same_nonce(cache):
    h = make(cache, "2024-07-02 16:00")
    sub = h.subscribe(101)
    h.failures[101] = [TransientDeliveryError("503 Service Unavailable")]
    await h.scheduler().run(until=et("2024-07-02 16:35"))
    # Failed at 16:30, resent RETRY_INTERVAL (60 s) later with the claim's nonce.
    [claim] = h.store().posts(sub.id)
    assert claim.status == "sent"
    assert h.nonces == [claim.nonce, claim.nonce]
    assert [p["at"] for p in h.posts] == [et("2024-07-02 16:31")]


async def test_a_failing_channel_is_retried_next_day_then_disabled(cache):
    h = make(cache, "2024-07-01 12:00")
    sub = h.subscribe(101)
    h.subscribe(102)
    h.failures[101] = DeliveryFailed("the channel no longer exists")
    await h.scheduler().run(until=et("2024-07-09 00:00"))
    posts = h.store().posts(sub.id)
    # One attempt per trading day (never a same-day retry), disabled after the third.
    assert [(c.trading_day, c.status) for c in posts] == [
        (dt.date(2024, 7, 1), "failed"),
        (dt.date(2024, 7, 2), "failed"),
        (dt.date(2024, 7, 3), "failed"),
    ]
    after = h.store().get(GUILD, 101)
    assert not after.active
    assert after.disabled_reason == (
        "disabled after 3 failed trading days in a row (last: 2024-07-03, the channel no longer exists)"
    )
    # The healthy channel kept posting every trading day.
    assert [p["day"] for p in h.posts if p["channel"] == 102] == [
        dt.date(2024, 7, d) for d in (1, 2, 3, 5, 8)
    ]


async def test_a_bug_in_delivery_is_logged_and_the_loop_goes_on(cache, caplog):
    h = make(cache, "2024-07-02 12:00")
    sub = h.subscribe(101)
    h.failures[101] = RuntimeError("boom")
    await h.scheduler().run(until=et("2024-07-03 17:00"))
    assert [c.status for c in h.store().posts(sub.id)] == ["failed", "failed"]
    assert h.store().get(GUILD, 101).failed_days == 0  # our bug, not the channel's fault
    assert any(r.levelname == "ERROR" and "boom" in str(r.exc_info[1]) for r in caplog.records)


async def test_wake_makes_the_sleeping_loop_tick(cache):
    h = make(cache, "2024-07-02 16:45")

    async def forever(seconds: float) -> None:  # only a wake ends this sleep
        await asyncio.Event().wait()

    scheduler = DigestScheduler(
        store=h.store(),
        compose=h.compose,
        deliver=h.deliver,
        find=h.find,
        now=h.clock.now,
        sleep=forever,
    )
    task = scheduler.start()
    await asyncio.wait_for(scheduler.idle.wait(), 5)
    h.subscribe(101, "close+30", at=et("2024-07-02 16:00"))  # started before today's due time
    scheduler.wake()
    await asyncio.wait_for(scheduler.idle.wait(), 5)
    await scheduler.stop()
    assert task.done()
    assert [(p["day"], p["at"]) for p in h.posts] == [(dt.date(2024, 7, 2), h.clock.t)]


def test_retry_delays_double_from_one_minute_to_fifteen():
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 8)] == [1, 2, 4, 8, 15, 15, 15]
    with pytest.raises(ValueError):
        retry_delay(0)


async def test_an_outage_all_evening_is_retried_with_back_off_then_shown_as_missed(cache):
    h = make(cache, "2024-07-02 16:00")
    sub = h.subscribe(101)
    h.failures[101] = TransientDeliveryError("503 Service Unavailable")
    await h.scheduler().run(until=et("2024-07-03 00:30"))
    # The attempts, computed by hand: 16:30, then +1, +2, +4, +8 minutes, then every 15
    # minutes; the last one before the midnight cutoff is 23:45; never after it.
    expected = [et("2024-07-02 16:30")]
    for n in range(1, 200):
        following = expected[-1] + retry_delay(n)
        if following >= post_deadline(dt.date(2024, 7, 2)):
            break
        expected.append(following)
    assert expected[:6] == [
        et(f"2024-07-02 {hm}") for hm in ("16:30", "16:31", "16:33", "16:37", "16:45", "17:00")
    ]
    assert expected[-1] == et("2024-07-02 23:45")
    assert h.attempts == expected
    assert len(set(h.nonces)) == 1  # one nonce for every attempt of the day
    [claim] = h.store().posts(sub.id)
    assert claim.status == MISSED
    assert claim.error == (
        "not posted before the midnight ET cutoff: Discord did not take the post: "
        f"503 Service Unavailable ({len(expected)} attempts)"
    )
    after = h.store().get(GUILD, 101)
    assert [(c.trading_day, c.error) for c in after.missed] == [(claim.trading_day, claim.error)]
    assert after.failed_days == 0  # Discord's outage is not the channel's fault
    # The marker was looked for before every resend and once more at the cutoff.
    assert len(h.finds) == len(expected)


async def test_a_day_no_process_tried_is_recorded_as_missed(cache):
    h = make(cache, "2024-07-01 12:00")
    h.subscribe(101)
    await h.scheduler().run(until=et("2024-07-01 17:00"))  # Monday posted
    h.clock.t = et("2024-07-05 17:00")  # down from Monday evening to Friday afternoon
    outcomes = await h.scheduler().tick()
    # Tuesday and the early close of Wednesday were missed (Thursday was a holiday); Friday posts.
    assert [(o.trading_day, o.status) for o in outcomes] == [
        (dt.date(2024, 7, 2), "missed"),
        (dt.date(2024, 7, 3), "missed"),
        (dt.date(2024, 7, 5), "sent"),
    ]
    assert {o.reason for o in outcomes if o.status == "missed"} == {NOT_RUNNING}
    after = h.store().get(GUILD, 101)
    assert after.last_day == dt.date(2024, 7, 5)
    assert after.missed == ()  # only missed days since the last post are shown
    assert await h.scheduler().tick() == []  # recorded once


async def test_a_digest_that_cannot_be_composed_all_evening_is_missed_with_the_reason(cache):
    h = make(cache, "2024-07-02 16:00")
    h.subscribe(101)
    h.compose_fails = True
    scheduler = h.scheduler()
    await scheduler.run(until=et("2024-07-03 00:05"))
    assert h.posts == []
    [day] = h.store().get(GUILD, 101).missed
    assert day.error == (
        "not posted before the midnight ET cutoff: the digest could not be composed "
        "(RuntimeError: Yahoo said no)"
    )


async def test_a_clock_that_jumps_back_never_posts_twice_or_an_old_day(cache):
    h = make(cache, "2024-07-01 12:00")  # subscribed Monday before the close
    h.subscribe(101)
    h.clock.t = et("2024-07-02 16:30")  # Monday's post was not made (the bot was off)
    scheduler = h.scheduler()
    assert [o.status for o in await scheduler.tick()] == ["missed", "sent"]
    for back in ("2024-07-02 16:29", "2024-07-02 16:30", "2024-07-01 17:00", "2024-07-01 16:30"):
        h.clock.t = et(back)  # back to before the post, and to Monday evening
        assert [o for o in await scheduler.tick() if o.status != "missed"] == []
    h.clock.t = et("2024-07-02 16:31")
    assert await scheduler.tick() == []
    await scheduler.run(until=et("2024-07-02 23:00"))
    assert [p["day"] for p in h.posts] == [dt.date(2024, 7, 2)]
    assert [c.status for c in h.store().posts(h.store().get(GUILD, 101).id)] == [MISSED, SENT]

    # A day before the last one posted and never claimed (no sweep reached it) is not owed
    # either: the clock went back, and an old digest must not go out.
    other = h.subscribe(102, at=et("2024-07-01 12:00"))
    tuesday = dt.date(2024, 7, 2)
    h.store().claim(other.id, tuesday, 102, et("2024-07-02 16:30"), deadline=post_deadline(tuesday))
    h.store().mark_sent(other.id, tuesday, 77, et("2024-07-02 16:30"))
    h.clock.t = et("2024-07-01 17:00")
    assert await scheduler.tick() == []
    assert [c.trading_day for c in h.store().posts(other.id)] == [tuesday]


class Gate:
    def __init__(self) -> None:
        self.held = False
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        await self.opened.wait()


async def test_without_the_lease_nothing_is_posted_until_it_is_held(cache):
    h = make(cache, "2024-07-02 12:00")
    h.subscribe(101)
    gate = Gate()
    scheduler = h.scheduler(gate=gate)
    assert await _tick_at(h, "2024-07-02 16:30", scheduler) == []
    task = asyncio.create_task(scheduler.run(until=et("2024-07-02 17:00")))
    await asyncio.sleep(0.05)
    assert h.posts == [] and not task.done()  # the loop waits at the gate
    gate.held = True
    gate.opened.set()
    await asyncio.wait_for(task, 5)
    assert [p["at"] for p in h.posts] == [et("2024-07-02 16:30")]


async def _tick_at(h: Harness, when: str, scheduler: DigestScheduler | None = None):
    h.clock.t = et(when)
    return await (scheduler or h.scheduler()).tick()
