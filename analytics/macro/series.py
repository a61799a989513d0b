"""The curated registry of macro series: ids, plain names, aliases, units and wording.

`lookup()` turns what a user typed ("gdpnow", "10y", "UNRATE", "T5YIE") into a `MacroSeries`.
Curated ids and aliases resolve to their entry; any other valid-looking FRED id is accepted
as-is with generic wording (the fetch then tells whether FRED knows it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from analytics.errors import BadInput
from analytics.macro.context import Wording

# FRED ids are upper-case letters and digits (a few older ones contain underscores).
_SERIES_ID = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,29}$")

PANDEMIC_SWINGS: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2020, 4, 1), dt.date(2021, 12, 31)),
)
"""2020 Q2 .. 2021 Q4: the lockdown collapse and rebound, left out of GDP-type histories by
default because -28% and +35% annualized quarters would otherwise dominate every comparison."""

HIGHEST = Wording()
FASTEST = Wording(high="fastest", low="slowest", high_adj="fast", low_adj="slow")
STRONGEST = Wording(high="strongest", low="weakest", high_adj="strong", low_adj="weak")

SERIES_HELP = (
    "Try a name like gdpnow, gdp, gdp-contributions, unemployment, cpi, payrolls, 10y, 2y, "
    "curve, fed funds, claims, vix, sp500, or any FRED series id such as UNRATE or T10YIE."
)

FRED = "fred"
"""Kind of an entry answered from one FRED series (with its history as context)."""
GDP_CONTRIBUTIONS = "gdp-contributions"
"""Kind of the entry answered from BEA's four contributions to real GDP growth."""


@dataclass(frozen=True)
class MacroSeries:
    """One series as the bot presents it.

    id:          the FRED id fetched.
    name:        plain name for titles ("Unemployment rate").
    aliases:     lower-case names users may type ("unemployment", "jobless rate").
    units:       units of the value shown, after `transform` ("% change, annual rate").
    suffix:      appended to formatted values ("%", "K", " pp", "").
    decimals:    decimals shown.
    frequency:   "daily" | "weekly" | "monthly" | "quarterly" | "annual" | "unknown".
    transform:   "none" | "yoy_pct" (year-over-year % change) | "diff" (change from one
                 period before), applied to the raw FRED series (see analytics.macro.transforms).
    gdp_type:    growth series whose 2020-21 pandemic swings are excluded from the history.
    history_id:  the series whose past gives the context (GDPNOW is compared with BEA's actual
                 growth A191RL1Q225SBEA); equal to `id` for most series.
    wording:     how "high" and "low" readings are described ("fastest"/"slowest").
    signed:      show a + on positive values (changes, spreads).
    curated:     False for ids accepted as-is with generic wording.
    kind:        FRED (one series) or GDP_CONTRIBUTIONS (the four contributions and growth,
                 analytics.macro.contributions; `id` is then a name, not a FRED id).
    """

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    units: str = ""
    suffix: str = ""
    decimals: int = 2
    frequency: str = "unknown"
    transform: str = "none"
    gdp_type: bool = False
    history_id: str = ""
    wording: Wording = HIGHEST
    signed: bool = False
    curated: bool = True
    kind: str = FRED

    @property
    def context_id(self) -> str:
        """The FRED id of the history used for context (this series unless stated)."""
        return self.history_id or self.id

    @property
    def default_exclusions(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """Date ranges left out of the history by default (the pandemic swings for GDP)."""
        return PANDEMIC_SWINGS if self.gdp_type else ()


CURATED: tuple[MacroSeries, ...] = (
    MacroSeries(
        id="GDPNOW",
        name="GDPNow (Atlanta Fed nowcast of real GDP growth)",
        aliases=("gdpnow", "gdp now", "nowcast", "atlanta fed"),
        units="% change, seasonally adjusted annual rate",
        suffix="%",
        decimals=1,
        frequency="quarterly",
        gdp_type=True,
        history_id="A191RL1Q225SBEA",
        wording=FASTEST,
        signed=True,
    ),
    MacroSeries(
        id="A191RL1Q225SBEA",
        name="Real GDP growth",
        aliases=("gdp", "real gdp", "gdp growth", "growth"),
        units="% change, seasonally adjusted annual rate",
        suffix="%",
        decimals=1,
        frequency="quarterly",
        gdp_type=True,
        wording=FASTEST,
        signed=True,
    ),
    MacroSeries(
        id="gdp-contributions",
        name="What drives GDP (contributions to real GDP growth)",
        aliases=(
            "gdp-contributions",
            "gdp contributions",
            "contributions",
            "gdp drivers",
            "what drives gdp",
            "gdp components",
        ),
        units="percentage points of real GDP growth (% SAAR)",
        suffix=" pp",
        decimals=2,
        frequency="quarterly",
        signed=True,
        kind=GDP_CONTRIBUTIONS,
    ),
    MacroSeries(
        id="UNRATE",
        name="Unemployment rate",
        aliases=("unemployment", "unemployment rate", "jobless rate", "u3"),
        units="% of the labor force",
        suffix="%",
        decimals=1,
        frequency="monthly",
    ),
    MacroSeries(
        id="CPIAUCSL",
        name="CPI inflation (year over year)",
        aliases=("cpi", "inflation", "cpi yoy", "consumer prices"),
        units="% change from a year earlier",
        suffix="%",
        decimals=1,
        frequency="monthly",
        transform="yoy_pct",
    ),
    MacroSeries(
        id="PAYEMS",
        name="Nonfarm payrolls, monthly change",
        aliases=("payrolls", "nfp", "jobs", "nonfarm payrolls"),
        units="change from the previous month, thousands of jobs",
        suffix="K",
        decimals=0,
        frequency="monthly",
        transform="diff",
        wording=STRONGEST,
        signed=True,
    ),
    MacroSeries(
        id="DGS10",
        name="10-year Treasury yield",
        aliases=("10y", "10-year", "10 year", "ten year", "10yr", "tnx"),
        units="% per year",
        suffix="%",
        decimals=2,
        frequency="daily",
    ),
    MacroSeries(
        id="DGS2",
        name="2-year Treasury yield",
        aliases=("2y", "2-year", "2 year", "two year", "2yr"),
        units="% per year",
        suffix="%",
        decimals=2,
        frequency="daily",
    ),
    MacroSeries(
        id="T10Y2Y",
        name="Yield curve (10-year minus 2-year)",
        aliases=("curve", "yield curve", "2s10s", "10y-2y", "10s2s", "spread"),
        units="percentage points",
        suffix=" pp",
        decimals=2,
        frequency="daily",
        signed=True,
    ),
    MacroSeries(
        id="FEDFUNDS",
        name="Fed funds rate (effective, monthly average)",
        aliases=("fed funds", "fed", "ffr", "policy rate"),
        units="% per year",
        suffix="%",
        decimals=2,
        frequency="monthly",
    ),
    MacroSeries(
        id="ICSA",
        name="Initial jobless claims",
        aliases=("claims", "jobless claims", "initial claims"),
        units="claims per week, seasonally adjusted",
        decimals=0,
        frequency="weekly",
    ),
    MacroSeries(
        id="VIXCLS",
        name="VIX (CBOE volatility index)",
        aliases=("vix", "volatility", "fear index"),
        units="index points",
        decimals=2,
        frequency="daily",
    ),
    MacroSeries(
        id="SP500",
        name="S&P 500 index",
        aliases=("sp500", "s&p", "s&p 500", "spx", "s&p500"),
        units="index points",
        decimals=2,
        frequency="daily",
    ),
)

_BY_ID = {s.id.upper(): s for s in CURATED}
_BY_ALIAS = {alias: s for s in CURATED for alias in s.aliases}


def _squash(text: str) -> str:
    return " ".join(text.strip().lower().split())


def is_series_id(text: str) -> bool:
    """True for text shaped like a FRED id: A-Z, 0-9 (and _), 1-30 characters."""
    return bool(_SERIES_ID.match(text))


def normalize_series_id(raw: str) -> str:
    """Upper-case a FRED id and check its shape; BadInput naming the problem otherwise."""
    text = (raw or "").strip().upper()
    if not text:
        raise BadInput("No series given. " + SERIES_HELP)
    if not is_series_id(text):
        raise BadInput(
            f"'{raw.strip()[:40]}' is not a FRED series id or a known name. " + SERIES_HELP
        )
    return text


def lookup(raw: str) -> MacroSeries:
    """The series a user means: a curated id, then an alias, then any valid FRED id as-is.

    Aliases win over uncurated ids, so "gdp" means real GDP growth, not FRED's nominal GDP
    level (id GDP); the level is not reachable by typing "gdp".
    """
    text = _squash(raw or "")
    if not text:
        raise BadInput("No series given. " + SERIES_HELP)
    upper = text.upper()
    if upper in _BY_ID:
        return _BY_ID[upper]
    if text in _BY_ALIAS:
        return _BY_ALIAS[text]
    series_id = normalize_series_id(raw)
    return generic(series_id)


def generic(
    series_id: str, *, name: str = "", units: str = "", frequency: str = "unknown"
) -> MacroSeries:
    """An uncurated FRED series with generic wording (highest/lowest, 2 decimals)."""
    return MacroSeries(
        id=series_id,
        name=name or series_id,
        units=units,
        frequency=frequency,
        curated=False,
    )


def search(prefix: str, *, limit: int = 25) -> list[MacroSeries]:
    """Curated series whose id, an alias or a word of the name starts with `prefix`.

    Case-insensitive; an empty prefix lists every curated series (registry order). Meant for
    slash-command autocomplete (Discord shows at most 25 choices).
    """
    text = _squash(prefix or "")
    found: list[MacroSeries] = []
    for series in CURATED:
        keys = [series.id.lower(), *series.aliases, *series.name.lower().split()]
        if not text or any(key.startswith(text) for key in keys):
            found.append(series)
    return found[:limit]
