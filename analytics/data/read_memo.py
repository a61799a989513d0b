"""What the cache answered, kept while nothing is committed to it: the price panels a command
read and the coverage tables its plan needs, keyed by `PriceCache.generation()`.

The generation is SQLite's data_version (a counter that every commit by any other connection
or process moves on), read before the data: an entry therefore never holds data older than its generation, and a
write during a read leaves the entry under the old generation, which no later read asks for.
A new generation empties the memo. Values are shared between threads: callers must not
mutate them (Panel hands out copies).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_BUDGET = 48 * 1024 * 1024
"""Bytes of panels kept (a year of 2,000 names' adjusted closes is 4 MB)."""


class GenerationMemo:
    """A thread-safe LRU bounded in bytes, holding one generation's entries."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._generation: int | None = None
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(
        self, generation: int, key: Hashable, compute: Callable[[], Any], size: Callable[[Any], int]
    ) -> Any:
        """The entry for `key` at `generation`, else `compute()` kept under it (when it fits)."""
        with self._lock:
            if generation == self._generation and key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key][0]
            self.misses += 1
        value = compute()
        nbytes = size(value)
        with self._lock:
            if self._generation is not None and generation < self._generation:
                return value  # read before a newer write was seen: keep the newer entries
            if generation != self._generation:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation
            if nbytes <= self.budget and key not in self._entries:
                self._entries[key] = (value, nbytes)
                self._bytes += nbytes
                while self._bytes > self.budget:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation = None

    def __len__(self) -> int:
        return len(self._entries)
