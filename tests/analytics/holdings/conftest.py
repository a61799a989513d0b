"""Fixtures of the holdings tests: the small made-up file, an in-memory database with the
cache file's tables (analytics.data.schema)."""

from __future__ import annotations

import pytest
import sqlite_utils

from analytics.data.schema import migrate
from tests.analytics.holdings.files import TINY_FILE


@pytest.fixture
def tiny_text() -> str:
    return TINY_FILE


@pytest.fixture
def db() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    migrate(db.conn)
    return db
