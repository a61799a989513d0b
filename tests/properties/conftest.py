"""Hypothesis profiles for the property tests, and the planted world they run in.

`ci` (the default): a fixed number of examples per command, derandomized (the same examples
on every run), no deadline (a loaded machine is slow, not wrong): the whole folder runs in
well under two minutes on 2 cores. `long` (HYPOTHESIS_PROFILE=long): many more examples,
randomized, for manual runs; a failure prints the seed and blob that reproduce it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from hypothesis import HealthCheck, settings

from analytics import calendar
from tests.properties.world import World, build_world

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

# Examples per command for each front end, by profile.
EXAMPLES = {
    "ci": {"cli": 10, "discord": 5},
    "long": {"cli": 400, "discord": 120},
}

_COMMON = dict(
    deadline=None,
    database=None,  # nothing written into the checkout; `long` prints reproduction blobs
    print_blob=True,
    # The fixtures shared by every example of a test (a world copy, capsys, a running bot)
    # are reset by the test itself between examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("long", derandomize=False, **_COMMON)
settings.load_profile(PROFILE if PROFILE in EXAMPLES else "ci")


def examples(front_end: str) -> int:
    """How many examples each command gets on `front_end` ("cli" or "discord")."""
    return EXAMPLES.get(PROFILE, EXAMPLES["ci"])[front_end]


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above, from any logger and thread, while attached to root."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> str:
        return "\n".join(f"{r.name}: {r.getMessage()}" for r in self.records)


@pytest.fixture
def error_records():
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@pytest.fixture(scope="session")
def cli_world(tmp_path_factory) -> World:
    """The planted world up to the last completed session, for the CLI (which runs on the
    real clock): built once per session; tests work on copies."""
    now = dt.datetime.now(dt.UTC)
    return build_world(
        tmp_path_factory.mktemp("cli-world"), calendar.last_completed_session(now), now
    )
