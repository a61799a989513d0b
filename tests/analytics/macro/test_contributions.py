"""What drives GDP: the four contributions and real GDP growth on generated series served by the
fake FRED, loaded through the data facade's FRED source as /macro loads a series; the add-up
check, the writer's sentence and the stacked bar chart.

The generated quarters are written here as literal tables; sums, residuals and the stacking are
recomputed in the tests with plain arithmetic.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math

import pytest

from analytics.data.cache import PriceCache
from analytics.errors import NoData
from analytics.macro.contributions import (
    ROUNDING_TOLERANCE,
    QuarterContributions,
    contributions_sentence,
)
from analytics.macro.contributions_answer import (
    gdp_contributions_answer,
    load_contribution_series,
)
from analytics.macro.source import fred_of
from tests.analytics.commands.macro.asking import offline_facade, online_facade
from tests.fakes.fred import API_KEY, FakeFred

NOON = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)
IDS = ("DPCERY2Q224SBEA", "A006RY2Q224SBEA", "A019RY2Q224SBEA", "A822RY2Q224SBEA")
NAMES = ("consumption", "investment", "net exports", "government")

# quarter: consumption, investment, net exports, government (pp, two decimals as BEA
# publishes), real GDP growth (% SAAR, one decimal). 2024 Q3's growth is 0.5 off on purpose.
QUARTERS = {
    "2023-10-01": (2.21, 0.74, 0.03, 0.61, 3.6),
    "2024-01-01": (1.32, 0.77, -0.65, 0.31, 1.8),  # 1.75 -> 1.8
    "2024-04-01": (1.91, 1.46, -0.90, 0.52, 3.0),  # 2.99
    "2024-07-01": (2.49, 0.14, -0.43, 0.86, 3.6),  # 3.06: off by 0.54
    "2024-10-01": (2.71, -1.00, 0.42, 0.55, 2.7),  # 2.68
    "2025-01-01": (0.31, 3.56, -4.61, -0.10, -0.8),  # -0.84
    "2025-04-01": (1.68, -3.11, 4.83, -0.04, 3.4),  # 3.36
    "2025-07-01": (2.39, -0.29, 1.62, 0.03, 3.8),  # 3.75
}


def fred_csv(series_id: str, column: int, quarters=QUARTERS) -> str:
    lines = [f"observation_date,{series_id}"]
    lines += [f"{q},{values[column]}" for q, values in quarters.items()]
    return "\n".join(lines) + "\n"


def texts(quarters=QUARTERS) -> dict[str, str]:
    out = {sid: fred_csv(sid, i, quarters) for i, sid in enumerate(IDS)}
    out["A191RL1Q225SBEA"] = fred_csv("A191RL1Q225SBEA", 4, quarters)
    return out


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as opened:
        yield opened


async def load(cache, served, *, api_key=None):
    """The five series through an online facade's FRED source (in a worker thread, as an
    answer reads them), and the requests the fake received."""
    async with (
        FakeFred(served) as fake,
        online_facade(cache, fake, lambda: NOON, api_key=api_key) as data,
    ):
        loaded = await asyncio.to_thread(load_contribution_series, fred_of(data))
        return loaded, fake.requests


# --- served by the fake FRED ------------------------------------------------------------------------


async def test_contributions_add_up_to_growth_to_rounding(cache) -> None:
    loaded, requests = await load(cache, texts())
    assert sorted(q["id"] for _, q in requests) == sorted([*IDS, "A191RL1Q225SBEA"])
    answer = gdp_contributions_answer(loaded, quarters=8, chart=False)
    data = answer.to_json()
    assert [q["quarter"] for q in data["quarters"]] == list(QUARTERS)
    for got, (quarter, values) in zip(data["quarters"], QUARTERS.items(), strict=True):
        parts = values[:4]
        total = parts[0] + parts[1] + parts[2] + parts[3]
        assert (
            got["consumption"],
            got["investment"],
            got["net_exports"],
            got["government"],
        ) == parts
        assert math.isclose(got["sum"], total, abs_tol=1e-9)
        assert math.isclose(got["residual"], values[4] - total, abs_tol=1e-9)
        # Rounding: growth to 0.1 (0.05) plus four contributions to 0.01 (4 x 0.005).
        assert got["adds_up"] is (abs(values[4] - total) <= 0.07 + 1e-9), quarter
    assert [q["quarter"] for q in data["quarters"] if not q["adds_up"]] == ["2024-07-01"]
    assert data["latest"]["quarter"] == "2025-07-01"
    assert answer.as_of == dt.date(2025, 7, 1)
    (warning,) = answer.warnings
    assert warning.startswith("The contributions do not add up to growth in 2024 Q3:")
    assert "+3.06 pp against growth of +3.6%: 0.54 pp apart" in warning
    assert "add up to +3.75 pp against growth of +3.8%: equal to rounding." in answer.summary


async def test_the_writers_sentence_and_title(cache) -> None:
    loaded, _ = await load(cache, texts())
    answer = gdp_contributions_answer(loaded, chart=False)
    # 2025 Q3: 2.39, -0.29, 1.62, 0.03 -> added: consumption 2.4, net exports 1.6;
    # subtracted: investment 0.3; government rounds to 0.0: flat.
    expected = (
        "In 2025 Q3 real GDP grew at a 3.8% annual rate: consumption added 2.4 pp and net "
        "exports 1.6; investment subtracted 0.3 pp; government was flat."
    )
    assert answer.data["sentence"] == expected
    assert answer.summary.startswith(expected)
    assert answer.title == "Real GDP +3.8% in 2025 Q3: consumption added 2.4 pp, net exports 1.6"
    assert answer.tone == 1
    shrink = gdp_contributions_answer(loaded, as_of=dt.date(2025, 3, 31), chart=False)
    # 2025 Q1: 0.31, 3.56, -4.61, -0.10
    assert shrink.data["sentence"] == (
        "In 2025 Q1 real GDP shrank at a 0.8% annual rate: investment added 3.6 pp and "
        "consumption 0.3; net exports subtracted 4.6 pp and government 0.1."
    )
    assert shrink.title == (
        "Real GDP -0.8% in 2025 Q1: net exports subtracted 4.6 pp, investment added 3.6"
    )
    assert shrink.tone == -1


async def test_quarters_and_as_of_pick_the_latest_common_quarters(cache) -> None:
    loaded, _ = await load(cache, texts())
    answer = gdp_contributions_answer(loaded, quarters=3, as_of=dt.date(2025, 1, 15), chart=False)
    assert [q["quarter"] for q in answer.to_json()["quarters"]] == [
        "2024-07-01",
        "2024-10-01",
        "2025-01-01",
    ]
    table = answer.tables[0]
    assert [row[0] for row in table.rows] == ["2025 Q1", "2024 Q4", "2024 Q3"]  # newest first
    assert table.text_rows()[0][1:3] == ("+0.31 pp", "+3.56 pp")


async def test_a_series_that_ends_early_leaves_its_quarter_out_and_says_so(cache) -> None:
    served = texts()
    served["A191RL1Q225SBEA"] += "2025-10-01,1.4\n"  # growth has a quarter the parts lack
    loaded, _ = await load(cache, served)
    answer = gdp_contributions_answer(loaded, chart=False)
    assert answer.to_json()["latest"]["quarter"] == "2025-07-01"
    gaps = [w for w in answer.warnings if "is left out" in w]
    assert len(gaps) == 4
    assert gaps[0] == (
        "A006RY2Q224SBEA ends 2025 Q3, before 2025 Q4: 2025 Q4 is left out until every series has it."
    )


async def test_the_keyed_api_gives_the_same_answer(cache, tmp_path) -> None:
    loaded, requests = await load(cache, texts(), api_key=API_KEY)
    assert {path for path, _ in requests} >= {"/fred/series/observations"}
    with PriceCache(tmp_path / "other.db") as other:
        plain, _ = await load(other, texts())
    keyed = gdp_contributions_answer(loaded, chart=False).data
    assert keyed["quarters"] == gdp_contributions_answer(plain, chart=False).data["quarters"]
    assert loaded.source == "BEA via FRED API"


def test_offline_with_nothing_cached_says_how_to_import(cache) -> None:
    with pytest.raises(NoData, match="offline mode is on: .*marketbot import fred FILE"):
        load_contribution_series(fred_of(offline_facade(cache, lambda: NOON)))


async def test_offline_after_a_fetch_answers_from_the_cache(cache) -> None:
    await load(cache, texts())
    offline = load_contribution_series(
        fred_of(offline_facade(cache, lambda: NOON + dt.timedelta(hours=1)))
    )
    assert gdp_contributions_answer(offline, chart=False).data["latest"]["growth"] == 3.8


# --- the sentence on its own ------------------------------------------------------------------------


def quarter(parts, growth) -> QuarterContributions:
    total = sum(parts)
    return QuarterContributions(
        dt.date(2024, 4, 1),
        tuple(zip(NAMES, parts, strict=True)),
        total,
        growth,
        growth - total,
        ROUNDING_TOLERANCE,
    )


def test_sentence_orders_by_size_and_handles_flat_growth() -> None:
    assert contributions_sentence(quarter((0.5, 0.2, 1.6, 2.1), 4.4)) == (
        "In 2024 Q2 real GDP grew at a 4.4% annual rate: government added 2.1 pp, "
        "net exports 1.6, consumption 0.5 and investment 0.2."
    )
    assert contributions_sentence(quarter((0.02, -0.03, 0.0, 0.01), 0.0)) == (
        "In 2024 Q2 real GDP was flat: consumption, investment, net exports and government "
        "were flat."
    )


# --- the chart ------------------------------------------------------------------------------------


async def test_chart_stacks_positives_up_and_negatives_down(cache) -> None:
    from matplotlib.colors import to_hex

    from analytics.charts.style import SERIES_COLORS

    loaded, _ = await load(cache, texts())
    answer = gdp_contributions_answer(loaded, quarters=8)
    ax = answer.chart.figure().axes[0]
    bars = ax.patches
    assert len(bars) == 4 * len(QUARTERS)
    # Bars are drawn component by component, each across every quarter.
    for k in range(4):
        color = SERIES_COLORS[k]
        for i, values in enumerate(QUARTERS.values()):
            bar = bars[k * len(QUARTERS) + i]
            value = values[k]
            same_side = [v for v in values[:k] if (v >= 0) == (value >= 0)]
            assert math.isclose(bar.get_height(), value, abs_tol=1e-12)
            assert math.isclose(bar.get_y(), sum(same_side), abs_tol=1e-12)
            assert to_hex(bar.get_facecolor()) == color
    dots = ax.collections[0].get_offsets()
    assert [float(y) for _, y in dots] == [values[4] for values in QUARTERS.values()]
    labels = [t.get_text() for t in ax.texts]
    assert labels == [f"{values[4]:+.1f}%" for values in QUARTERS.values()]
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "2025 Q3"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["real GDP growth", *NAMES]
    assert answer.png.startswith(b"\x89PNG")
