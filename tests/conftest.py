"""Fixtures shared by every test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """../shared/data beside the checkout (or MARKETBOT_SHARED_DATA), if present."""
    override = os.environ.get("MARKETBOT_SHARED_DATA")
    candidate = Path(override) if override else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real market data in ../shared/data; tests using it skip when it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("real data not available: ../shared/data is absent (set MARKETBOT_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def yf_cache_dir(tmp_path_factory) -> Path:
    """yfinance's own tz/cookie cache: it honours a location only until first opened, so one per run."""
    return tmp_path_factory.mktemp("yfinance-cache")


@pytest.fixture
def cli_env(tmp_path, monkeypatch) -> Path:
    """A clean CLI environment: a fresh db path, no .env from the checkout, no settings leaking in."""
    monkeypatch.chdir(tmp_path)
    keep = {
        "MARKETBOT_SHARED_DATA",
        "MARKETBOT_E2E_TIMEOUT",
    }  # test-harness settings, not marketbot's
    settings = [n for n in os.environ if n.startswith("MARKETBOT_") and n not in keep]
    for name in ("DISCORD_TOKEN", "FRED_API_KEY", *settings):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MARKETBOT_DB", str(tmp_path / "cli.db"))
    return tmp_path
