"""Pacing the Yahoo provider's requests: the token bucket its threads share, and its totals."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class RateLimiter:
    """A token bucket shared by threads: on average at most `rate` acquisitions a second,
    `burst` at once.

    Each `acquire()` reserves the next free slot under a lock and sleeps until it outside the
    lock, so threads are spaced 1/rate seconds apart in the order they asked. `clock` and
    `sleep` are injectable so tests do not wait.
    """

    def __init__(
        self,
        rate: float = 4.0,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated: float | None = None
        self.acquired = 0
        self.waited_seconds = 0.0

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            if self._updated is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0  # may go negative: a reservation of a future slot
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.acquired += 1
            self.waited_seconds += wait
        if wait > 0:
            self._sleep(wait)
        return wait


@dataclass
class ProviderStats:
    """Totals over the provider's life (for benchmarks and logs)."""

    requests: int = 0
    throttled: int = 0  # 429 answers received
    cooldowns: int = 0  # back-offs started
