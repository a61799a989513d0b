"""Default addresses of the outside services marketbot downloads from (light: the settings
import it). Settings override them (bot/settings.py), so tests point them at fakes."""

from __future__ import annotations

ISHARES_BASE_URL = "https://www.ishares.com"
"""Fund holdings files (MARKETBOT_ISHARES_URL)."""
