"""What the cache answered, kept across commits that did not touch it: the price panels a command
read and the coverage tables its plan needs.

Each entry says what it was read from (its scope, `Reads`): which tables, and some of their
tickers or every one (`ALL`); or nothing the change log follows (`None`: holdings).
`sync` is called before each lookup with the file's generation (PriceCache.generation, SQLite's
data_version: it moves on every commit by any connection or process); when it moved, the change
log (analytics.data.changes) says which tickers changed since the entries were read. An entry
whose tickers changed is patched on its next lookup (`patch(value, changed)` re-reads only
those) or, without a patch, dropped; an unscoped entry is dropped on any commit; when the log
cannot say what changed, everything is.

An entry is stored only if no commit was seen while it was computed (a read racing a write is
not kept). Values are shared between threads: callers must not mutate them (Panel hands out
copies); a patch returns a new value.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics.data.changes import Changes

DEFAULT_BUDGET = 48 * 1024 * 1024
"""Bytes of panels kept (a year of 2,000 names' adjusted closes is 4 MB)."""


class _All:
    def __repr__(self) -> str:
        return "ALL"


ALL = _All()
"""Every ticker of the tables read."""


@dataclass(frozen=True)
class Reads:
    """What an entry was read from: `tables` (analytics.data.changes names them), and the
    tickers of them it read (ALL: every one)."""

    tables: frozenset[str]
    tickers: frozenset[str] | _All

    def hit(self, changed: Mapping[str, frozenset[str]]) -> frozenset[str]:
        """The tickers of this entry among `changed` (table -> tickers)."""
        out: frozenset[str] = frozenset()
        for table in self.tables:
            names = changed.get(table)
            if names:
                out |= names if isinstance(self.tickers, _All) else names & self.tickers
        return out


Scope = Reads | None
Patch = Callable[[Any, frozenset[str]], Any]


@dataclass(eq=False)
class _Entry:
    value: Any
    nbytes: int
    size: Callable[[Any], int]
    scope: Scope
    patch: Patch | None
    dirty: set[str] = field(default_factory=set)


class ReadMemo:
    """A thread-safe LRU bounded in bytes, following the change log."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._version: int | None = None
        self._head: int | None = None
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        # Re-entrant: a patch may look up the entries it is made from (the coverage table).
        self._lock = threading.RLock()
        self.hits = 0
        self.misses = 0
        self.patched = 0

    def sync(self, version: int, changes_since: Callable[[int | None], Changes]) -> None:
        """Bring the entries to the file's `version`: `changes_since(head)` reads the log."""
        with self._lock:
            if version == self._version:
                return
            since = self._head
        changes = changes_since(since)
        with self._lock:
            if self._version is not None and version < self._version:
                return  # a newer version was applied meanwhile (it covers these changes)
            if changes.tables is None or (self._head is not None and changes.head < self._head):
                self._clear()
            else:
                self._apply(changes.tables)
            self._version, self._head = version, changes.head

    def _apply(self, changed: Mapping[str, frozenset[str]]) -> None:
        for key, entry in list(self._entries.items()):
            if entry.scope is None:
                self._drop(key)
                continue
            hit = entry.scope.hit(changed)
            if not hit:
                continue
            if entry.patch is None:
                self._drop(key)
            else:
                entry.dirty |= hit

    def get_or_compute(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        size: Callable[[Any], int],
        scope: Scope = None,
        patch: Patch | None = None,
    ) -> Any:
        """The entry for `key` (patched first if its tickers changed), else `compute()` kept
        under it (when it fits). Call `sync` first."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                if entry.dirty:
                    self._patch(key, entry)
                else:
                    self.hits += 1
                return entry.value
            self.misses += 1
            head = self._head
        value = compute()
        nbytes = size(value)
        with self._lock:
            if head == self._head and nbytes <= self.budget and key not in self._entries:
                self._entries[key] = _Entry(value, 0, size, scope, patch)
                self._resize(self._entries[key], nbytes)
        return value

    def find(self, wanted: Callable[[Hashable], bool]) -> Hashable | None:
        """The most recently used key that `wanted` accepts, or None."""
        with self._lock:
            return next((key for key in reversed(self._entries) if wanted(key)), None)

    def _patch(self, key: Hashable, entry: _Entry) -> None:
        """Bring a dirty entry up to date (call with the lock held: a second asker must not
        get the value before the patch)."""
        assert entry.patch is not None
        changed = frozenset(entry.dirty)
        entry.dirty.clear()  # before: the patch may sync, marking it again
        try:
            entry.value = entry.patch(entry.value, changed)
        except BaseException:
            entry.dirty |= changed
            raise
        if self._entries.get(key) is entry:  # a sync inside the patch may have dropped it
            self._resize(entry, entry.size(entry.value))
        self.patched += 1

    def patch_dirty(self) -> list[tuple[Hashable, Any]]:
        """Patch every entry a commit made dirty now, one at a time (a writer calls it after a
        big write, so that the next askers find them up to date); returns the (key, value)
        pairs patched. Call `sync` first."""
        with self._lock:
            keys = [key for key, entry in self._entries.items() if entry.dirty]
        done = []
        for key in keys:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry.dirty:
                    self._patch(key, entry)
                    done.append((key, entry.value))
        return done

    @property
    def head(self) -> int | None:
        """The change log's entry the memo is synced to."""
        return self._head

    def _resize(self, entry: _Entry, nbytes: int) -> None:
        self._bytes += nbytes - entry.nbytes
        entry.nbytes = nbytes
        while self._bytes > self.budget and self._entries:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.nbytes

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def clear(self) -> None:
        """Forget every entry and what was synced (the next lookup reads the file)."""
        with self._lock:
            self._clear()
            self._version = self._head = None

    def __len__(self) -> int:
        return len(self._entries)
