"""Settings from the environment or `.env`. A bad value gives one clear line, not a traceback."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from analytics.data.paths import default_db_path
from analytics.endpoints import FRED_API_BASE_URL, FRED_BASE_URL, ISHARES_BASE_URL


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says what to write."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    """Every setting marketbot reads. `.env.example` documents each one."""

    discord_token: str | None = None
    db_path: Path = default_db_path()
    offline: bool = False
    log_level: str = "INFO"
    guild_id: int | None = None
    fred_api_key: str | None = None
    fred_url: str = FRED_BASE_URL
    """FRED's no-key CSV download (MARKETBOT_FRED_URL; tests point it at a fake)."""
    fred_api_url: str = FRED_API_BASE_URL
    """FRED's keyed JSON API, ALFRED's vintages included (MARKETBOT_FRED_API_URL)."""
    ishares_url: str = ISHARES_BASE_URL

    def __repr__(self) -> str:  # never print secrets
        token = "set" if self.discord_token else "unset"
        fred = "set" if self.fred_api_key else "unset"
        return (
            f"Settings(discord_token={token}, db_path={self.db_path}, offline={self.offline}, "
            f"log_level={self.log_level}, guild_id={self.guild_id}, fred_api_key={fred}, "
            f"fred_url={self.fred_url}, fred_api_url={self.fred_api_url}, "
            f"ishares_url={self.ishares_url})"
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(
    env: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None
) -> Settings:
    """Read settings from `env` (default: os.environ after loading `.env` without overriding)."""
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(dotenv_path or Path.cwd() / ".env", override=False)
        env = os.environ
    return Settings(
        discord_token=(env.get("DISCORD_TOKEN") or "").strip() or None,
        db_path=Path(env["MARKETBOT_DB"]).expanduser()
        if env.get("MARKETBOT_DB")
        else default_db_path(),
        offline=_bool(env, "MARKETBOT_OFFLINE"),
        log_level=_level(env),
        guild_id=_int(env, "MARKETBOT_GUILD_ID"),
        fred_api_key=(env.get("FRED_API_KEY") or "").strip() or None,
        fred_url=_url(env, "MARKETBOT_FRED_URL", FRED_BASE_URL),
        fred_api_url=_url(env, "MARKETBOT_FRED_API_URL", FRED_API_BASE_URL),
        ishares_url=_url(env, "MARKETBOT_ISHARES_URL", ISHARES_BASE_URL),
    )


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    """A service's base URL (scheme and host, maybe a path), without a trailing slash."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    scheme, sep, rest = raw.partition("://")
    if scheme.lower() not in ("http", "https") or not sep or not rest.strip("/"):
        raise SettingsError(
            f"{name}={raw!r} is not a web address; write it like {default} (or leave it empty)."
        )
    return raw.rstrip("/")


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name}={env.get(name)!r} is not a yes/no value; use 1 or 0.")


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SettingsError(
            f"{name}={raw!r} is not a Discord id; copy the server id (digits only)."
        )
    return int(raw)


def _level(env: Mapping[str, str]) -> str:
    raw = (env.get("MARKETBOT_LOG_LEVEL") or "INFO").strip().upper()
    if raw not in _LEVELS:
        raise SettingsError(
            f"MARKETBOT_LOG_LEVEL={raw!r} is not a log level; use one of {', '.join(_LEVELS)}."
        )
    return raw


def configure_logging(level: str) -> None:
    """Plain timestamped logs on stderr; discord.py's own loggers follow the same level."""
    import logging  # not at import: `marketbot --help` stays light

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    # discord.py logs REST routes and payloads at DEBUG, interaction tokens included: keep it at
    # INFO or above even when marketbot itself runs at DEBUG.
    if logging.getLevelName(level) < logging.INFO:
        logging.getLogger("discord").setLevel(logging.INFO)
