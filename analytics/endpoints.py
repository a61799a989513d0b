"""Default addresses of the outside services marketbot downloads from (light: the settings
import it). Settings override them (bot/settings.py), so tests point them at fakes."""

from __future__ import annotations

ISHARES_BASE_URL = "https://www.ishares.com"
"""Fund holdings files (MARKETBOT_ISHARES_URL)."""
FRED_BASE_URL = "https://fred.stlouisfed.org"
"""FRED's no-key CSV download (`/graph/fredgraph.csv?id=ID`; MARKETBOT_FRED_URL)."""
FRED_API_BASE_URL = "https://api.stlouisfed.org"
"""FRED's keyed JSON API (`/fred/series/observations`), ALFRED's vintages included
(MARKETBOT_FRED_API_URL)."""
