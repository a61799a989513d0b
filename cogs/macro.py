"""/macro: a FRED series' latest reading, its changes, and when it was last this high or low."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from analytics.commands.common import check_as_of, parse_date
from analytics.commands.macro import check_value, macro_answer, parse_direction, parse_exclusions
from analytics.macro.fred import FRED_API_BASE_URL, FRED_BASE_URL, FredClient
from analytics.macro.series import is_series_id, lookup, search
from bot.interactions import per_user, send_answer

CHOICE_NAME_MAX = 100
DIRECTION_CHOICES = [
    app_commands.Choice(name="high: when was it last this high", value="high"),
    app_commands.Choice(name="low: when was it last this low", value="low"),
]


async def series_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Curated series whose id, alias or name starts with what was typed, by plain name; when
    none matches, what was typed as a FRED id (any id is accepted, not only curated ones)."""
    found = search(current, limit=24)
    choices = [
        app_commands.Choice(name=f"{s.name} · {s.id}"[:CHOICE_NAME_MAX], value=s.id) for s in found
    ]
    typed = current.strip().upper()
    # Only ids that reach FRED as typed: "GDP" is an alias of real GDP growth, not FRED's GDP.
    if not found and typed and is_series_id(typed) and not lookup(typed).curated:
        choices.append(app_commands.Choice(name=f"{typed} (FRED series id)", value=typed))
    return choices


class Macro(commands.Cog):
    """`fred_base_url`/`fred_api_base_url` are where FRED is asked (tests point them at a fake)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.fred_base_url = FRED_BASE_URL
        self.fred_api_base_url = FRED_API_BASE_URL

    def fred_client(self) -> FredClient | None:
        """A client on the bot's shared session; None in offline mode (answers from the cache)."""
        settings = self.bot.services.settings
        if settings.offline:
            return None
        return FredClient(
            self.bot.http_session,
            api_key=settings.fred_api_key,
            base_url=self.fred_base_url,
            api_base_url=self.fred_api_base_url,
        )

    @app_commands.command(
        name="macro",
        description="A FRED series' latest value, its changes, and when it was last this high or low.",
    )
    @app_commands.describe(
        series="A name like gdpnow, gdp, unemployment, cpi, payrolls, 10y, or any FRED id (e.g. T10YIE)",
        as_of="Use observations up to this past date, YYYY-MM-DD (default: the latest)",
        direction="Ask when it was last this high or this low (default: follow the latest move)",
        value="Ask about this value instead of the latest reading, e.g. 5.3",
        exclude="Leave a range out of the history, e.g. 2020Q2:2021Q4 (several: commas), "
        "or none (GDP leaves out 2020-21 by default)",
    )
    @app_commands.choices(direction=DIRECTION_CHOICES)
    @app_commands.autocomplete(series=series_autocomplete)
    @app_commands.checks.cooldown(3, 30.0, key=per_user)
    async def macro(
        self,
        interaction: discord.Interaction,
        series: str,
        as_of: str | None = None,
        direction: str | None = None,
        value: float | None = None,
        exclude: str | None = None,
    ) -> None:
        # Bad input is answered before defer, ephemerally.
        spec = lookup(series)
        end = parse_date(as_of, name="as_of")
        market = self.bot.services.market
        check_as_of(end, market.today())
        check_value(value)
        side = parse_direction(direction)
        ranges = parse_exclusions(exclude.replace(",", " ").split() if exclude else None)
        await interaction.response.defer(thinking=True)
        answer = await macro_answer(
            spec.id,
            cache=self.bot.services.cache,
            client=self.fred_client(),
            now=market.now,
            value=value,
            exclude=ranges,
            as_of=end,
            direction=side,
        )
        await send_answer(interaction, answer)


async def setup(bot) -> None:
    await bot.add_cog(Macro(bot))
