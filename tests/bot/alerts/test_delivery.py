"""A fired alert's Discord message: the alert and the command lines that reproduce it as the
text, the answer of the command it stands on as the embed (its title, fields, chart), the
fire's marker at the end of the footer; and the same answer with those lines for --json."""

from __future__ import annotations

import datetime as dt

import discord
import pytest

from analytics.alerts.evaluation import fired
from analytics.alerts.kinds import KINDS
from analytics.alerts.records import Alert
from bot.alerts.delivery import carries, render_fired
from tests.support.alerts import Simulation, bars_frame, sessions

PNG = b"\x89PNG\r\n\x1a\n"
DAYS = sessions("2024-05-01", 42)


@pytest.fixture
def sim(tmp_path):
    simulation = Simulation(tmp_path / "render.db", DAYS[-1])
    yield simulation
    simulation.close()


def test_a_fired_streak_alert_as_a_user_gets_it(sim):
    iwm = [100.0 + ((i + 1) % 2) for i in range(len(DAYS) - 10)]
    iwm += [iwm[-1] * 1.004**k for k in range(1, 11)]
    spy = [100.0 + 0.1 * i for i in range(len(DAYS))]
    sim.cache.store_bars("IWM", bars_frame(DAYS, iwm), "import:IWM.csv")
    sim.cache.store_bars("SPY", bars_frame(DAYS, spy), "import:SPY.csv")
    alert = Alert(
        id=3,
        kind="streak",
        params={"a": "IWM", "b": "SPY", "what": "beat", "sessions": 10},
        owner_id=7,
        created_by=7,
        guild_id=None,
        channel_id=None,
        created_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
        baseline_on=DAYS[-11],
        baseline_holds=False,
    )
    evaluation = KINDS["streak"].evaluate(sim.market, alert.params, DAYS[-1])
    assert evaluation.crossed and evaluation.on == DAYS[-1]
    shown = fired(sim.market, alert, evaluation)
    sent = render_fired(shown, "alert 00deadbeef")

    assert sent["content"] == (
        "**🔔 Alert #3: IWM beats SPY for at least 10 sessions in a row (2024-07-01)**\n"
        "Reproduce: `marketbot streak IWM SPY --as-of 2024-07-01` · "
        "`/streak a:IWM b:SPY as_of:2024-07-01`"
    )
    embed: discord.Embed = sent["embed"]
    assert embed.title == "IWM has beaten SPY 10 sessions in a row"
    assert embed.description.startswith("10 sessions, 2024-06-17 to 2024-07-01. IWM +4.07% vs SPY")
    # The /streak answer's own fields (the embed is the command's).
    assert [f.name for f in embed.fields] == [
        "Run",
        "Sessions",
        "Performance",
        "Longest since",
        "Record run",
    ]
    assert embed.footer.text == (
        "Source: import: IWM.csv, SPY.csv · as of 2024-07-01 · Not investment advice · "
        "alert 00deadbeef"
    )
    assert embed.image.url == "attachment://chart.png"
    [chart] = sent["files"]
    assert chart.filename == "chart.png" and chart.fp.read().startswith(PNG)

    message = type("Message", (), {"embeds": [embed]})()
    assert carries(message, "alert 00deadbeef") and not carries(message, "alert 00deadbeee")

    dumped = shown.as_answer()
    assert dumped.data["reproduce"] == {
        "cli": "marketbot streak IWM SPY --as-of 2024-07-01",
        "slash": "/streak a:IWM b:SPY as_of:2024-07-01",
    }
    assert [f.name for f in dumped.fields][-2:] == ["Alert", "Reproduce"]
    print("\n" + sent["content"] + "\n" + embed.title + "\n" + embed.description)
    for field in embed.fields:
        print(f"[{field.name}] {field.value}")
    print(embed.footer.text)
    assert embed.fields[-1].value == "10 sessions, 2024-06-17 to 2024-07-01 (this run)"
