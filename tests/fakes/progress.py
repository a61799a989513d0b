"""A Progress (analytics.spec) that records what an answer reports, for assertions."""

from __future__ import annotations


class RecordingProgress:
    """`counts` are the (done, total) calls, `phases` the phase labels, `events` both in order."""

    def __init__(self) -> None:
        self.counts: list[tuple[int, int]] = []
        self.phases: list[str] = []
        self.events: list[str | tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.counts.append((done, total))
        self.events.append((done, total))

    def phase(self, label: str) -> None:
        self.phases.append(label)
        self.events.append(label)
