"""Settings: environment parsing, clear one-line errors, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_when_nothing_is_set():
    settings = load_settings({})
    assert settings.discord_token is None
    assert settings.offline is False
    assert settings.log_level == "INFO"
    assert settings.db_path.name == "marketbot.db"


def test_values_are_read_and_typed(tmp_path):
    settings = load_settings(
        {
            "DISCORD_TOKEN": " abc.def ",
            "MARKETBOT_DB": str(tmp_path / "x.db"),
            "MARKETBOT_OFFLINE": "yes",
            "MARKETBOT_LOG_LEVEL": "debug",
            "MARKETBOT_GUILD_ID": "1234",
            "FRED_API_KEY": "k",
        }
    )
    assert settings.discord_token == "abc.def"
    assert settings.db_path == Path(tmp_path / "x.db")
    assert settings.offline is True
    assert settings.log_level == "DEBUG"
    assert settings.guild_id == 1234


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MARKETBOT_OFFLINE": "maybe"},
            "MARKETBOT_OFFLINE='maybe' is not a yes/no value; use 1 or 0.",
        ),
        ({"MARKETBOT_GUILD_ID": "my-server"}, "MARKETBOT_GUILD_ID='my-server' is not a Discord id"),
        ({"MARKETBOT_LOG_LEVEL": "loud"}, "MARKETBOT_LOG_LEVEL='LOUD' is not a log level"),
    ],
)
def test_malformed_settings_say_what_to_write(env, message):
    with pytest.raises(SettingsError) as info:
        load_settings(env)
    assert str(info.value).startswith(message)


def test_repr_never_shows_secrets():
    settings = load_settings({"DISCORD_TOKEN": "secret-token-value", "FRED_API_KEY": "secret-key"})
    text = repr(settings) + str(settings)
    assert "secret" not in text
    assert "discord_token=set" in text


def test_dotenv_file_is_read_without_overriding_the_environment(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("MARKETBOT_LOG_LEVEL=ERROR\nMARKETBOT_GUILD_ID=42\n")
    monkeypatch.setenv("MARKETBOT_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("MARKETBOT_GUILD_ID", "")  # so teardown restores the original state
    monkeypatch.delenv("MARKETBOT_GUILD_ID")
    settings = load_settings(dotenv_path=tmp_path / ".env")
    assert settings.log_level == "WARNING"
    assert settings.guild_id == 42


def test_debug_logging_keeps_discord_at_info(monkeypatch):
    import logging

    from bot.settings import configure_logging

    discord_logger = logging.getLogger("discord")
    monkeypatch.setattr(discord_logger, "level", discord_logger.level)
    configure_logging("DEBUG")
    # discord.py's DEBUG records carry REST payloads with interaction tokens
    assert discord_logger.getEffectiveLevel() == logging.INFO


def test_the_ishares_address_is_a_setting_and_reaches_the_data_facade(tmp_path):
    from analytics.endpoints import ISHARES_BASE_URL
    from bot.services import open_services

    assert load_settings({}).ishares_url == ISHARES_BASE_URL == "https://www.ishares.com"
    settings = load_settings(
        {
            "MARKETBOT_ISHARES_URL": " http://127.0.0.1:8123/ ",
            "MARKETBOT_DB": str(tmp_path / "x.db"),
        }
    )
    assert settings.ishares_url == "http://127.0.0.1:8123"
    assert "ishares_url=http://127.0.0.1:8123" in repr(settings)
    with open_services(settings.with_overrides(offline=True)) as services:
        assert services.market.ishares_url == "http://127.0.0.1:8123"
        assert services.market.holdings.base_url == "http://127.0.0.1:8123"
    with pytest.raises(SettingsError) as caught:
        load_settings({"MARKETBOT_ISHARES_URL": "www.ishares.com"})
    assert str(caught.value) == (
        "MARKETBOT_ISHARES_URL='www.ishares.com' is not a web address; write it like "
        "https://www.ishares.com (or leave it empty)."
    )
