"""/revisions end to end: the generated slash command on the fake Discord, with the real MarketBot
loading cogs.revisions (and the nightly collection's cog, which stays off without Yahoo)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.analytics.commands.revisions.test_answer import (
    DAY,
    HOLDINGS_AS_OF,
    NAMES,
    WEIGHTS,
    expected_breadth,
    plant_day,
)
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import running_market_bot
from tests.support.revisions import store_holdings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def planted(e2e_services, e2e_now):
    cache = e2e_services.cache
    for fund, names in NAMES.items():
        # fetched "today": the holdings policy downloads nothing
        store_holdings(cache, fund, names, HOLDINGS_AS_OF, e2e_now, WEIGHTS[fund])
    plant_day(cache, DAY)


@pytest_asyncio.fixture
async def revisions_bot(e2e_services):
    async with running_market_bot(
        e2e_services, cogs=("cogs.revisions", "cogs.revisions_collect")
    ) as harness:
        yield harness


async def test_the_command_is_synced_with_described_options_and_period_choices(revisions_bot):
    [command] = revisions_bot.fake.synced_commands[GUILD_ID]
    assert command["name"] == "revisions"
    options = {o["name"]: o for o in command["options"]}
    assert list(options) == ["universes", "period", "as_of"]
    assert [c["value"] for c in options["period"]["choices"]] == ["0q", "+1q", "0y", "+1y"]
    assert all(o["description"] for o in command["options"])
    cog = revisions_bot.bot.get_cog("RevisionCollection")
    assert cog is not None and cog.collector is None  # no Yahoo provider here: no collection


async def test_revisions_answers_with_the_leader_the_table_and_a_chart(revisions_bot, planted):
    reply = await revisions_bot.invoke("revisions")
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    assert embed["title"] == (
        "Small caps (IJR) lead EPS estimate revisions: 50% of names net up (current quarter)"
    )
    assert "not company guidance" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Leader"] == "Small caps (IJR); order IJR > IJH > IVV"
    table = fields["EPS estimate revisions, current quarter, last 30 days"]
    rows = [line.split() for line in table.strip("`\n").splitlines()[1:]]
    want = expected_breadth("IVV")
    assert rows[2][:5] == ["IVV", "large", "caps", "6", "6"]
    assert rows[2][5:7] == [f"{want['share_net_up']:.1%}", f"{want['share_net_down']:.1%}"]
    assert embed["image"]["url"] == "attachment://chart.png"
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert embed["footer"]["text"].startswith(
        "Source: Yahoo Finance; iShares holdings · as of 2024-07-01"
    )


async def test_two_universes_and_another_period(revisions_bot, planted):
    reply = await revisions_bot.invoke("revisions", universes="ivv ijh", period="0y")
    # nothing was collected for the current fiscal year: refused, ephemerally
    assert reply.ephemeral and reply.embeds == []
    assert reply.content.startswith("❌ Too few names have current fiscal year EPS estimates")
    reply = await revisions_bot.invoke("revisions", universes="ivv ijh")
    [embed] = reply.embeds
    assert embed["title"].startswith("Mid caps (IJH) lead EPS estimate revisions: 38%")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"universes": "IJR SPY"}, "❌ 'SPY' is not a fund with holdings to compare"),
        ({"as_of": "2024-07-02"}, "❌ as_of 2024-07-02 is in the future"),
    ],
)
async def test_bad_input_is_ephemeral_before_the_deferral(
    revisions_bot, e2e_provider, options, message
):
    reply = await revisions_bot.invoke("revisions", **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []
