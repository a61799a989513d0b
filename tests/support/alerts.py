"""Helpers for the alert tests: a fake clock, bars and FRED readings written one session at a
time (what the evening refresh would bring), alerts made through the real parse and create
path, and an AlertLoop whose Discord side is recorded."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.alerts.commands import create_alert, parse_add
from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.macro.store import FredStore
from analytics.spec import ParseContext
from bot.alerts.loop import AlertLoop
from bot.scheduler import DeliveryFailed, TransientDeliveryError

USER = 1_100_000_000_000_000_003


def eastern(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def evening(self, day: dt.date, time: str = "16:30") -> None:
        """The clock at `time` ET on `day` (after the 16:20 refresh of a full session)."""
        self.t = eastern(f"{day.isoformat()} {time}")


def sessions(start: str, count: int) -> list[dt.date]:
    """`count` NYSE sessions from `start` on."""
    days = calendar.sessions_between(dt.date.fromisoformat(start), dt.date(2030, 1, 1))
    return [d.date() for d in days[:count]]


def bars_frame(days: Sequence[dt.date], closes: Sequence[float], highs=None) -> pd.DataFrame:
    """Bars with these closes (adj_close = close; high = `highs` or the close)."""
    close = np.asarray(closes, dtype=float)
    high = close if highs is None else np.asarray(highs, dtype=float)
    return pd.DataFrame(
        {
            "open": close,
            "high": high,
            "low": np.minimum(close, high) - 0.5,
            "close": close,
            "adj_close": close,
            "volume": 1000.0,
        },
        index=pd.DatetimeIndex(pd.to_datetime(list(days)), name="date"),
    )


def put_fred(cache: PriceCache, series_id: str, readings: pd.Series) -> None:
    """Store a series' readings as FRED would have them (the whole history so far)."""
    FredStore(cache.db, cache=cache).upsert(
        series_id,
        readings,
        source="FRED",
        fetched_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        replace=True,
    )


class Recorder:
    """The Discord side of an AlertLoop: what was sent, with a switch to fail the next sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dt.date, Any]] = []
        self.ids = itertools.count(1)
        self.fail: list[Exception] = []
        self.landed_but_lost = False
        self.messages: dict[int, str] = {}

    async def deliver(self, alert, fire, shown) -> int:
        if self.fail:
            error = self.fail.pop(0)
            if isinstance(error, TransientDeliveryError) and self.landed_but_lost:
                self.messages[next(self.ids)] = fire.marker  # it went through; the answer did not
            raise error
        message_id = next(self.ids)
        self.sent.append((alert.id, fire.fired_on, shown))
        self.messages[message_id] = fire.marker
        return message_id

    async def find(self, alert, fire) -> int | None:
        for message_id, marker in self.messages.items():
            if marker == fire.marker:
                return message_id
        return None

    def fired(self) -> list[tuple[int, dt.date]]:
        return [(a, d) for a, d, _ in self.sent]


REFUSED = DeliveryFailed("Discord refused the DM (closed DMs, code 50007)")
DOWN = TransientDeliveryError("503 Service Unavailable")


class Simulation:
    """One database, a clock, the alert loop; the test writes the data session by session."""

    def __init__(self, path, start: dt.date) -> None:
        self.cache = PriceCache(path)
        self.clock = Clock(eastern(f"{start.isoformat()} 16:30"))
        self.market = MarketData(self.cache, None, now=self.clock)
        self.store = AlertStore(self.cache)
        self.discord = Recorder()
        self.loop = self.new_loop()

    def new_loop(self, store: AlertStore | None = None) -> AlertLoop:
        """A loop as a (re)started process has it: nothing in memory."""
        return AlertLoop(
            store=store or self.store,
            market=self.market,
            deliver=self.discord.deliver,
            find=self.discord.find,
            now=self.clock,
        )

    def add(self, **values: Any):
        """An alert by DM made through the real parse and create path, on the data so far."""
        request = parse_add(values, ParseContext(today=self.market.today(), offline=True))
        return create_alert(
            self.market,
            self.store,
            request,
            owner_id=USER,
            created_by=USER,
            guild_id=None,
            channel_id=None,
            now=self.clock(),
        ).alert

    async def session(self, day: dt.date, loop: AlertLoop | None = None):
        self.clock.evening(day)
        return await (loop or self.loop).tick()

    def close(self) -> None:
        self.cache.close()


def crossings(holds: Sequence[bool]) -> list[int]:
    """Positions where a condition became true: true there, false at the position before."""
    return [i for i in range(1, len(holds)) if holds[i] and not holds[i - 1]]
