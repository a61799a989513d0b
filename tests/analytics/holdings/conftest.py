"""Fixtures of the holdings tests: the small made-up file, an in-memory database."""

from __future__ import annotations

import pytest
import sqlite_utils

from tests.analytics.holdings.files import TINY_FILE


@pytest.fixture
def tiny_text() -> str:
    return TINY_FILE


@pytest.fixture
def db() -> sqlite_utils.Database:
    return sqlite_utils.Database(memory=True)
