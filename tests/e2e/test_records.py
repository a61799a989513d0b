"""/records and /levels end to end: the generated slash commands on the fake Discord, with the
real MarketBot loading only cogs.records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import pytest_asyncio

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import running_market_bot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Planted history starts before the fake provider's (2020-01-02), so the full-history fetch finds
# nothing more and the planted bars are what is answered from.
SESSIONS = calendar.sessions_between(dt.date(2019, 6, 3), dt.date(2024, 7, 1))
RUN = 3


def planted_closes() -> np.ndarray:
    """Up to 150 over the first 400 sessions, down to 120, then RUN record sessions at the end."""
    n = len(SESSIONS)
    return np.concatenate(
        [
            np.linspace(100, 150, 400),
            np.linspace(149, 120, n - 400 - RUN),
            150 + np.arange(1, RUN + 1, dtype=float),
        ]
    )


@pytest.fixture
def planted(e2e_services) -> np.ndarray:
    closes = planted_closes()
    frame = pd.DataFrame(
        {
            "open": closes,
            "high": closes + 0.5,
            "low": closes - 0.5,
            "close": closes,
            "adj_close": closes,
            "volume": np.full(len(closes), 1e6),
        },
        index=pd.DatetimeIndex(SESSIONS, name="date"),
    )[list(BAR_COLUMNS)]
    e2e_services.market.import_bars("AAA", frame, "test")
    return closes


@pytest_asyncio.fixture
async def records_bot(e2e_services):
    async with running_market_bot(e2e_services, cogs=("cogs.records",)) as harness:
        yield harness


async def test_both_commands_are_synced_with_described_options(records_bot):
    synced = {c["name"]: c for c in records_bot.fake.synced_commands[GUILD_ID]}
    assert set(synced) == {"records", "levels"}
    assert [o["name"] for o in synced["records"]["options"]] == ["ticker", "as_of"]
    levels = {o["name"]: o for o in synced["levels"]["options"]}
    assert list(levels) == ["ticker", "levels", "since", "years", "as_of"]
    assert levels["ticker"]["required"] and levels["ticker"]["autocomplete"]
    assert (levels["years"]["min_value"], levels["years"]["max_value"]) == (1, 20)
    for command in synced.values():
        assert all(o["description"] for o in command["options"])


async def test_records_answers_with_the_run_the_previous_record_and_a_chart(records_bot, planted):
    reply = await records_bot.invoke("records", ticker="aaa")
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    assert embed["title"] == f"AAA has set a record high {RUN} sessions in a row"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    start, end = SESSIONS[-RUN].date(), SESSIONS[-1].date()
    assert fields["Current run"] == f"{RUN} sessions, {start} to {end}"
    # before the run the record was the high of session 399 (150 + 0.5)
    assert fields["Previous record"] == f"150.50 on {SESSIONS[399].date()}"
    assert "split-adjusted, not dividend-adjusted" in fields["Definitions"]
    assert "153.50" in fields["Records"]  # the table: the record high of the last session
    assert embed["image"]["url"] == "attachment://chart.png"
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert embed["footer"]["text"].startswith("Source: Fake · as of 2024-07-01")


async def test_levels_answers_with_the_table_and_the_range(records_bot, planted):
    reply = await records_bot.invoke("levels", ticker="AAA", levels="152.2, 100", years=2)
    [embed] = reply.embeds
    close = planted[-1]
    assert (
        embed["title"]
        == f"AAA at {close:,.2f}: nearest level 152.20 ({(152.2 / close - 1) * 100:+.1f}%)"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    table = fields["Levels vs the close of 2024-07-01"]
    # 152.2 above the close a year back: first reached by the high of close 152 (session -2)
    rows = [line.split() for line in table.strip("`\n").splitlines()]
    assert rows[1] == [
        "152.20",
        "below",
        f"{(152.2 / close - 1) * 100:+.2f}%",
        str(SESSIONS[-2].date()),
        "1",
    ]
    assert rows[2] == ["100.00", "below", f"{(100 / close - 1) * 100:+.2f}%"]  # never reached
    assert "2-year range" in fields
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("levels", {"ticker": "AAA", "levels": "abc"}, "❌ 'abc' is not a price level"),
        (
            "levels",
            {"ticker": "AAA", "since": "2024-06-01", "as_of": "2024-05-01"},
            "❌ since 2024-06-01 is not before as_of 2024-05-01",
        ),
        (
            "records",
            {"ticker": "AAA", "as_of": "2024-07-02"},
            "❌ as_of 2024-07-02 is in the future",
        ),
        ("records", {"ticker": "A*A"}, "❌ 'A*A' is not a valid symbol"),
    ],
)
async def test_bad_input_is_ephemeral_before_the_deferral(
    records_bot, e2e_provider, command, options, message
):
    reply = await records_bot.invoke(command, **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []
