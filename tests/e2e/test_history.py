"""/history end to end: the generated group of slash commands on the fake Discord, with the real
MarketBot loading only cogs.history; prices planted, FRED the fake one."""

from __future__ import annotations

import datetime as dt

import pytest
import pytest_asyncio

from bot.services import attach_fred
from bot.settings import load_settings
from tests.analytics.commands.history import planted
from tests.analytics.commands.history.planted import GROWTH, SESSIONS
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import running_market_bot
from tests.fakes.fred import FakeFred, settings_env

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def e2e_now() -> dt.datetime:
    return dt.datetime(2024, 1, 2, 12, 0, tzinfo=dt.UTC)  # before the first 2024 session opens


@pytest.fixture
def plant(e2e_services):
    for ticker, closes in (("GRO", planted.gro()), ("UPS", planted.ups()), ("JMP", planted.jmp())):
        e2e_services.market.import_bars(ticker, planted.frame(closes), "test")


@pytest_asyncio.fixture
async def history_bot(e2e_services):
    async with running_market_bot(e2e_services, cogs=("cogs.history",)) as harness:
        yield harness


async def test_one_group_with_four_described_subcommands(history_bot):
    [group] = history_bot.fake.synced_commands[GUILD_ID]
    assert group["name"] == "history"
    subs = {o["name"]: o for o in group["options"]}
    assert list(subs) == ["streak", "move", "macro", "breadth"]
    assert [o["name"] for o in subs["streak"]["options"]] == ["a", "b", "n", "kind", "on", "as_of"]
    macro = {o["name"]: o for o in subs["macro"]["options"]}
    assert macro["on"]["required"] and macro["series"]["autocomplete"]
    for sub in subs.values():
        assert sub["description"] and all(o["description"] for o in sub["options"])


async def test_history_streak_answers_with_the_study_and_a_chart(history_bot, plant):
    reply = await history_bot.invoke("history streak", a="ups", n=5, kind="up", on="gro")
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    start = 104  # the 5th session of the first run; three months later by hand:
    end = planted.session_on_or_before(SESSIONS[start] + _months(3))
    second = planted.session_on_or_before(SESSIONS[404] + _months(3))
    median = ((GROWTH ** (end - start) - 1) + (GROWTH ** (second - 404) - 1)) / 2
    assert embed["title"] == (
        f"After UPS closed higher 5+ sessions in a row: GRO {median:+.2%} median 3 months "
        "later (n=2, anecdotal)"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Current episode"].startswith(f"since {SESSIONS[-1].date()} (1 session)")
    assert "Past episodes, not a forecast." in embed["description"]
    assert "After the episodes" in fields and "All sessions (the baseline)" in fields
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert embed["footer"]["text"].startswith("Source: test · as of 2023-12-29")


async def test_history_move_answers_with_the_jump(history_bot, plant):
    reply = await history_bot.invoke("history move", ticker="JMP", percent=10, window="1m")
    [embed] = reply.embeds
    three = planted.session_on_or_before(SESSIONS[planted.JUMP_AT] + _months(3))
    value = GROWTH ** (three - planted.JUMP_AT) - 1
    assert embed["title"] == (
        f"After JMP rose 10%+ over 1 month: JMP {value:+.2%} median 3 months later (n=1, anecdotal)"
    )
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)


async def test_history_breadth_answers_on_a_named_list(history_bot, plant, e2e_services):
    import json

    from analytics.data.paths import lists_dir
    from tests.analytics.commands.history.test_history_breadth import NAMES, name_closes

    for k, name in enumerate(NAMES):
        e2e_services.market.import_bars(name, planted.frame(name_closes(k)), "test")
    folder = lists_dir(e2e_services.settings.db_path)
    folder.mkdir(exist_ok=True)
    (folder / "small.json").write_text(json.dumps(NAMES))
    reply = await history_bot.invoke("history breadth", universe="small", percent=90, on="GRO")
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    # 90%+ of the names on a plateau: positions 600 and 980 (see test_history_breadth).
    end = planted.session_on_or_before(SESSIONS[600] + _months(3))
    value = GROWTH ** (end - 600) - 1  # 980's three months run past the data
    assert embed["title"] == (
        f"After 90%+ of small's names above their 50-day average: GRO {value:+.2%} median "
        "3 months later (n=1, anecdotal)"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Latest episodes"].startswith(f"{SESSIONS[980].date()}: not yet")
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)


async def test_history_macro_reads_fred_and_counts_from_the_release(
    history_bot, plant, monkeypatch
):
    # The fake FRED lives inside the bot's run, so its connections end before the bot does.
    async with FakeFred({"UNRATE": planted.unrate_csv()}) as fake:
        attach_fred(history_bot.bot.services.market, load_settings(settings_env(fake)))
        reply = await history_bot.invoke("history macro", series="unemployment", value=5, on="GRO")
    [embed] = reply.embeds
    assert embed["title"].startswith("After Unemployment rate at or above 5.0%: GRO ")
    assert fake.requests == [("/graph/fredgraph.csv", {"id": "UNRATE"})]
    episodes = {f["name"]: f["value"] for f in embed["fields"]}["Latest episodes"]
    assert episodes.startswith("2022-09-06: ") and "2021-04-05: " in episodes
    assert embed["footer"]["text"].startswith("Source: FRED; test")


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("history streak", {"a": "GRO", "b": "gro"}, "❌ GRO is given twice"),
        ("history move", {"ticker": "GRO", "percent": 0, "window": "1m"}, "❌ percent must be"),
        (
            "history move",
            {"ticker": "GRO", "percent": 5, "window": "soon"},
            "❌ 'soon' is not a window",
        ),
        (
            "history breadth",
            {"universe": "nope", "percent": 80, "on": "GRO"},
            "❌ Unknown universe 'nope'.",
        ),
    ],
)
async def test_bad_input_is_ephemeral_before_the_deferral(
    history_bot, e2e_provider, command, options, message
):
    reply = await history_bot.invoke(command, **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []


def _months(n: int):
    import pandas as pd

    return pd.DateOffset(months=n)
