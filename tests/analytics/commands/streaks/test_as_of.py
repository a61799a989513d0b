"""Answers say what they stand on: "(as of D)" and why when the data ends before the session
asked (or the latest one), windows anchored on the session the data reaches, and the source
of the rows used (an imported file, the provider), online or not.

Real files, imported through the CLI as a user would: alitalbi's yfinance IWM and SPY (to
2026-02-23) and Alpha Vantage's (2026-05-13 to 2026-10-05). Expected dates and returns are
recomputed here from the CSV text with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.commands.provenance import last_cached_dates, source_label
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData, PriceResult
from analytics.data.provider import FetchResult
from tests.analytics.commands.streaks.ask import compare, price, streak
from tests.fakes.prices import RecordingProvider, bars_for
from tests.support.cli import run

ALITALBI = "prices/alitalbi_yfinance_to-2026-02"
ALPHA = "prices/johnamcminn_alphavantage_2026"
TUESDAY_EVENING = dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)  # after the close (17:00 ET)
OFFLINE_WHY = "offline mode is on and the cache ends there"


def closes(path: Path) -> dict[dt.date, float]:
    """Date -> close from the CSV text (both files have no Adj Close: close is what is used)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle)
        date_key = "Date" if "Date" in (rows.fieldnames or []) else "timestamp"
        close_key = "Close" if "Close" in (rows.fieldnames or []) else "close"
        return dict(sorted((dt.date.fromisoformat(r[date_key]), float(r[close_key])) for r in rows))


def behind_warning(end: str, expected: str, why: str) -> str:
    return (
        f"The data ends {end}, before {expected}, the session this answer should stand on: {why}."
    )


@pytest.fixture
def imported(cli_env, capsys, shared_data):
    """import(folder) -> the CLI cache path after `marketbot import prices IWM.csv SPY.csv`."""

    def load(folder: str) -> Path:
        files = [str(shared_data / folder / f"{t}.csv") for t in ("IWM", "SPY")]
        code, _, err = run(capsys, "import", "prices", *files)
        assert code == 0, err
        return cli_env / "cli.db"

    return load


@pytest.fixture
def market_on():
    """market_on(db, now, provider=None) -> MarketData over the CLI's cache at a fixed clock."""
    caches: list[PriceCache] = []

    def build(db: Path, now: dt.datetime, provider=None) -> MarketData:
        cache = PriceCache(db)
        caches.append(cache)
        return MarketData(cache, provider, now=lambda: now)

    yield build
    for cache in caches:
        cache.close()


# --- streak ----------------------------------------------------------------------------------


def test_offline_streak_on_a_cache_ending_in_february_says_as_of_and_why(
    imported, market_on, shared_data
):
    market = market_on(imported(ALITALBI), TUESDAY_EVENING)
    iwm, spy = (closes(shared_data / ALITALBI / f"{t}.csv") for t in ("IWM", "SPY"))
    last_common = max(set(iwm) & set(spy))
    assert last_common == dt.date(2026, 2, 23)
    answer = streak(market, "IWM", "SPY")
    data = answer.to_json()
    assert answer.title.endswith(" (as of 2026-02-23)")
    assert data["as_of"] == "2026-02-23"
    assert answer.warnings[0] == behind_warning("2026-02-23", "2026-12-01", OFFLINE_WHY)
    assert data["behind"] == {
        "data_end": "2026-02-23",
        "expected": "2026-12-01",
        "why": OFFLINE_WHY,
    }
    assert answer.source == "import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"


def test_offline_streak_as_of_after_the_data_names_the_date_asked(imported, market_on, shared_data):
    market = market_on(imported(ALPHA), TUESDAY_EVENING)
    answer = streak(market, "IWM", "SPY", "beat", dt.date(2026, 11, 20))
    last = max(closes(shared_data / ALPHA / "IWM.csv"))
    assert last == dt.date(2026, 10, 5)
    assert answer.title.endswith(" (as of 2026-10-05)")
    assert answer.as_of == last
    assert answer.warnings[0] == behind_warning("2026-10-05", "2026-11-20", OFFLINE_WHY)


def test_current_data_has_no_label(imported, market_on):
    # The Friday before the file's last session is a session the data reaches.
    market = market_on(imported(ALITALBI), TUESDAY_EVENING)
    answer = streak(market, "IWM", "SPY", "beat", dt.date(2026, 2, 20))
    assert "(as of" not in answer.title
    assert answer.to_json()["behind"] is None
    assert not any(w.startswith("The data ends") for w in answer.warnings)


# --- compare: windows anchored on the session the data reaches --------------------------------


def start_by_hand(days: list[dt.date], end: dt.date, window: str) -> dt.date:
    """B for a window ending at `end`, anchors written out for end = 2026-02-23."""
    if window == "5d":
        return days[days.index(end) - 5]
    anchor = {
        "1y": dt.date(2025, 2, 23),
        "3m": dt.date(2025, 11, 23),
        "5y": dt.date(2021, 2, 23),
        "mtd": dt.date(2026, 1, 31),
    }[window]
    return max(d for d in days if d <= anchor)


@pytest.mark.parametrize("window", ["1y", "3m", "5y", "5d", "mtd"])
def test_offline_compare_answers_the_window_ending_where_the_cache_ends(
    imported, market_on, shared_data, window
):
    market = market_on(imported(ALITALBI), TUESDAY_EVENING)
    answer = compare(market, "IWM SPY", window)
    data = answer.to_json()
    files = {t: closes(shared_data / ALITALBI / f"{t}.csv") for t in ("IWM", "SPY")}
    end = dt.date(2026, 2, 23)
    start = start_by_hand(sorted(files["SPY"]), end, window)
    assert (data["start"], data["end"]) == (start.isoformat(), end.isoformat())
    want = sorted(((t, c[end] / c[start] - 1) for t, c in files.items()), key=lambda item: -item[1])
    assert [(r["ticker"], r["return"]) for r in data["returns"]] == [
        (t, pytest.approx(v, rel=1e-9)) for t, v in want
    ]
    assert answer.title.endswith(" (as of 2026-02-23)")
    assert answer.warnings[0] == behind_warning("2026-02-23", "2026-12-01", OFFLINE_WHY)
    assert data["behind"]["data_end"] == "2026-02-23"
    assert data["source"] == "import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"


def test_offline_compare_as_of_after_the_data(imported, market_on, shared_data):
    market = market_on(imported(ALPHA), TUESDAY_EVENING)
    data = compare(market, "IWM SPY", "1m", dt.date(2026, 11, 20)).to_json()
    files = {t: closes(shared_data / ALPHA / f"{t}.csv") for t in ("IWM", "SPY")}
    end = dt.date(2026, 10, 5)
    start = max(d for d in files["SPY"] if d <= dt.date(2026, 9, 5))  # 1 month before the end
    assert (data["start"], data["end"]) == (start.isoformat(), end.isoformat())
    for row in data["returns"]:
        c = files[row["ticker"]]
        assert row["return"] == pytest.approx(c[end] / c[start] - 1, rel=1e-9)
    assert data["title"].endswith(" (as of 2026-10-05)")
    assert data["warnings"][0] == behind_warning("2026-10-05", "2026-11-20", OFFLINE_WHY)


def test_cli_offline_compare_json_says_as_of(imported, capsys, shared_data):
    imported(ALITALBI)
    code, out, err = run(capsys, "--offline", "compare", "IWM", "SPY", "--window", "1y", "--json")
    assert code == 0, err
    data = json.loads(out)
    spy = sorted(closes(shared_data / ALITALBI / "SPY.csv"))
    assert (data["start"], data["end"], data["as_of"]) == (
        start_by_hand(spy, dt.date(2026, 2, 23), "1y").isoformat(),
        "2026-02-23",
        "2026-02-23",
    )
    assert data["title"].endswith(" (as of 2026-02-23)")
    assert data["behind"]["why"] == OFFLINE_WHY
    assert data["warnings"][0].startswith("The data ends 2026-02-23, before ")


# --- prices ----------------------------------------------------------------------------------


def test_offline_prices_show_the_year_to_the_cache_end(imported, market_on, shared_data):
    market = market_on(imported(ALITALBI), TUESDAY_EVENING)
    answer = price(market, "SPY")
    spy = closes(shared_data / ALITALBI / "SPY.csv")
    end = dt.date(2026, 2, 23)
    # The default window is 1y: from the last session on or before 2025-02-23 (a Sunday).
    start = max(d for d in spy if d <= dt.date(2025, 2, 23))
    assert start == dt.date(2025, 2, 21)
    year = [d for d in spy if start <= d <= end]
    assert [b["date"] for b in answer.data["bars"]] == [d.isoformat() for d in year]
    assert answer.title == f"SPY: {spy[end]:,.2f} (as of 2026-02-23)"
    assert answer.warnings[0] == behind_warning("2026-02-23", "2026-12-01", OFFLINE_WHY)
    assert answer.source == "import: SPY.csv (alitalbi_yfinance_to-2026-02)"


# --- sources ---------------------------------------------------------------------------------


def test_imported_rows_are_labelled_with_the_file_even_online(imported, market_on):
    db = imported(ALITALBI)
    provider = RecordingProvider()
    # Monday 2026-02-23 after the close: the import reaches it, nothing needs fetching.
    market = market_on(db, dt.datetime(2026, 2, 23, 22, 0, tzinfo=dt.UTC), provider)
    answer = compare(market, "IWM SPY", "5d")
    assert provider.calls == []
    assert answer.source == "import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"
    assert "(as of" not in answer.title
    run_answer = streak(market, "IWM", "SPY")
    # the provider had nothing older
    assert run_answer.source == "import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"


def test_rows_from_the_provider_and_a_file_name_both(imported, market_on):
    db = imported(ALITALBI)
    provider = RecordingProvider()
    # A week later: the provider fills 2026-02-24 .. 2026-03-02, the window spans both.
    market = market_on(db, dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC), provider)
    answer = compare(market, "IWM SPY", "5d")
    assert [c[1:] for c in provider.calls] == [(dt.date(2026, 2, 24), dt.date(2026, 3, 2))]
    assert answer.source == "Fake; import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"
    # Over the last two sessions only the provider's rows are used.
    assert compare(market, "IWM SPY", "1d").source == "Fake"


# --- why: the provider failing, or having nothing newer --------------------------------------


def test_provider_down_answers_from_the_cache_as_of_its_end(imported, market_on, shared_data):
    provider = RecordingProvider()
    provider.fail_reason = "HTTP 503"
    market = market_on(imported(ALITALBI), TUESDAY_EVENING, provider)
    answer = compare(market, "IWM SPY", "1y")
    data = answer.to_json()
    assert (data["end"], data["behind"]["why"]) == ("2026-02-23", "Fake is not answering")
    assert answer.title.endswith(" (as of 2026-02-23)")
    assert answer.warnings[0] == behind_warning("2026-02-23", "2026-12-01", "Fake is not answering")
    spy = sorted(closes(shared_data / ALITALBI / "SPY.csv"))
    assert data["start"] == start_by_hand(spy, dt.date(2026, 2, 23), "1y").isoformat()


class DelistedProvider(RecordingProvider):
    """Knows OLD only up to its last session (2024-06-14): a delisted name."""

    LAST = dt.date(2024, 6, 14)

    def fetch(self, tickers, start, end) -> FetchResult:
        result = super().fetch(tickers, start, end)
        if "OLD" in result.bars:
            result.bars["OLD"] = result.bars["OLD"].loc[: pd.Timestamp(self.LAST)]
        return result


def test_a_provider_with_nothing_newer_is_said(tmp_path):
    now = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)
    market = MarketData(PriceCache(tmp_path / "d.db"), DelistedProvider(), now=lambda: now)
    answer = streak(market, "OLD", None, "up")
    assert answer.as_of == DelistedProvider.LAST
    assert answer.title.endswith(" (as of 2024-06-14)")
    assert answer.warnings[0] == behind_warning(
        "2024-06-14", "2024-07-01", "Fake has nothing newer"
    )
    assert answer.source == "Fake"


def test_tickers_ending_apart_are_named_in_the_reason(tmp_path):
    now = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)
    market = MarketData(PriceCache(tmp_path / "e.db"), None, now=lambda: now)
    market.import_bars("AAA", bars_for("AAA", dt.date(2024, 1, 2), dt.date(2024, 6, 28)), "x")
    market.import_bars("BBB", bars_for("BBB", dt.date(2024, 1, 2), dt.date(2024, 5, 31)), "x")
    answer = streak(market, "AAA", "BBB")
    assert answer.as_of == dt.date(2024, 5, 31)  # the last session both have
    assert answer.warnings[0] == behind_warning(
        "2024-05-31",
        "2024-07-01",
        f"{OFFLINE_WHY} (AAA's end 2024-06-28, BBB's end 2024-05-31)",
    )


# --- the pieces ------------------------------------------------------------------------------


def test_source_label():
    assert source_label(["Yahoo Finance"]) == "Yahoo Finance"
    assert source_label(["import:SPY.csv", "Yahoo Finance", "import:IWM.csv"]) == (
        "Yahoo Finance; import: IWM.csv, SPY.csv"
    )
    many = [f"import:T{i}.csv" for i in range(5)]
    assert source_label(many) == "import: T0.csv, T1.csv, T2.csv and 2 more files"
    assert source_label([], "local cache") == "local cache"


def test_price_result_sources_and_last_cached_dates(tmp_path):
    cache = PriceCache(tmp_path / "s.db")
    market = MarketData(cache, None, now=lambda: TUESDAY_EVENING)
    market.import_bars("AAA", bars_for("AAA", dt.date(2024, 1, 2), dt.date(2024, 1, 31)), "f1")
    market.import_bars("AAA", bars_for("AAA", dt.date(2024, 2, 1), dt.date(2024, 2, 29)), "f2")
    assert market.bars(["AAA"]).sources == ("f1", "f2")
    assert market.bars(["AAA"], dt.date(2024, 2, 5), dt.date(2024, 2, 9)).sources == ("f2",)
    assert market.bars(["AAA"], columns=["adj_close"]).sources == ()  # source not read
    empty = PriceResult(panel=cache.read_panel([]), requested=())
    assert empty.sources == ()
    assert last_cached_dates(cache, ["AAA", "ZZZ"], dt.date(2024, 2, 10)) == {
        "AAA": dt.date(2024, 2, 9)
    }
    cache.close()
