"""Where marketbot keeps its files. Kept free of heavy imports: settings and --help load it."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """Per-user default: $XDG_DATA_HOME/marketbot/marketbot.db (~/.local/share/...)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "marketbot" / "marketbot.db"


def lists_dir(db_path: Path | str) -> Path:
    """The folder of named ticker lists: `universes/` beside the cache file."""
    return Path(db_path).parent / "universes"
