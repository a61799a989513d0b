"""`macro`: a FRED series' latest reading with history as context ("fastest since 2014 Q2"),
GDPNow's daily track when one is imported, and what drives GDP (`gdp-contributions`).

Light on purpose (no pandas at import): the spec points at the cheap parse in `_parse` and the
answer in `_answer` by name. The answer reads FRED through the data facade (`data.fred`, cache
first: analytics/macro/source.py).
"""

from __future__ import annotations

from analytics.spec import Choice, CommandSpec, Cooldown, Option

MACRO = CommandSpec(
    name="macro",
    description="A FRED series' latest value, its changes, and when it was last this high or low.",
    options=(
        Option(
            "series",
            "A name like gdpnow, gdp, gdp-contributions, unemployment, cpi, 10y, or any FRED id",
            required=True,
            positional=True,
            autocomplete="series",
        ),
        Option("as_of", "Use observations up to this past date, YYYY-MM-DD (default: the latest)"),
        Option(
            "direction",
            "Ask when it was last this high or this low (default: follow the latest move)",
            choices=(
                Choice("high", "high: when was it last this high"),
                Choice("low", "low: when was it last this low"),
            ),
        ),
        Option(
            "value", "Ask about this value instead of the latest reading, e.g. 5.3", type="float"
        ),
        Option(
            "exclude",
            "Leave ranges out of the history, e.g. 2020Q2:2021Q4 (several: commas), or none",
        ),
    ),
    parse="analytics.commands.macro._parse:parse",
    answer="analytics.commands.macro._answer:answer",
    progress_label="Reading FRED",
    cooldown=Cooldown(3, 30.0),
    epilog=(
        "Try a name like gdpnow, gdp, gdp-contributions, unemployment, cpi, payrolls, 10y, 2y, "
        "curve, fed funds, claims, vix, sp500, or any FRED series id such as UNRATE or T10YIE. "
        "GDP-type series leave out 2020 Q2-2021 Q4 unless --exclude says otherwise; several "
        "ranges are separated by commas (--exclude 2008Q4:2009Q2,2020Q2:2021Q4)."
    ),
)

SPECS = (MACRO,)
