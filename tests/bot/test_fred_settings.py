"""FRED's endpoints are settings (MARKETBOT_FRED_URL, MARKETBOT_FRED_API_URL): read from the
environment, checked, documented in .env.example."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_fred_itself() -> None:
    settings = load_settings({})
    assert settings.fred_url == "https://fred.stlouisfed.org"
    assert settings.fred_api_url == "https://api.stlouisfed.org"


def test_values_are_read_without_a_trailing_slash() -> None:
    settings = load_settings(
        {
            "MARKETBOT_FRED_URL": " http://127.0.0.1:8123/ ",
            "MARKETBOT_FRED_API_URL": "https://mirror.example/fred-api",
        }
    )
    assert settings.fred_url == "http://127.0.0.1:8123"
    assert settings.fred_api_url == "https://mirror.example/fred-api"
    assert "fred_url=http://127.0.0.1:8123" in repr(settings)


@pytest.mark.parametrize("value", ["fred.stlouisfed.org", "ftp://x", "https://", "http:///"])
def test_a_malformed_url_says_what_to_write(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"MARKETBOT_FRED_URL": value})
    assert str(info.value) == (
        f"MARKETBOT_FRED_URL={value!r} is not a web address; write it like "
        "https://fred.stlouisfed.org (or leave it empty)."
    )


def test_env_example_documents_both() -> None:
    text = (REPO / ".env.example").read_text()
    assert "MARKETBOT_FRED_URL=" in text and "MARKETBOT_FRED_API_URL=" in text
