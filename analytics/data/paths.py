"""Where marketbot keeps its files. Kept free of heavy imports: settings and --help load it."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """Per-user default: $XDG_DATA_HOME/marketbot/marketbot.db (~/.local/share/...)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "marketbot" / "marketbot.db"
