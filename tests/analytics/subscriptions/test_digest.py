"""The daily digest: section choice, failures as one-line notices, the real sections over
planted data, and `marketbot digest` in the terminal."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import logging

import pandas as pd
import pytest

from analytics.answer import Answer, Behind
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.errors import BadInput, UpstreamError
from analytics.holdings.ishares import Holdings, parse_ishares_holdings
from analytics.holdings.store import HoldingsStore
from analytics.macro.store import import_fred_file
from analytics.subscriptions.digest import compose_digest, without_downloads
from analytics.subscriptions.sections import (
    SECTION_NAMES,
    parse_sections,
    section_notice,
    sections_text,
)
from bot.cli import main
from tests.fakes.prices import RecordingProvider, bars_for

RETURNS_TICKERS = ("IWM", "SPY", "QQQ", "MAGS")


def et(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


def adj_close(ticker: str, day: dt.date) -> float:
    """The RecordingProvider's adjusted close, written out again: (100 + ordinal % 97 + len) * 0.99."""
    return (100 + day.toordinal() % 97 + len(ticker)) * 0.99


@pytest.fixture
def market_at(tmp_path):
    """market_at('2024-07-03 20:00') -> MarketData on a tmp cache with that US Eastern clock."""
    caches = []

    def build(when: str, provider=None) -> MarketData:
        cache = PriceCache(tmp_path / f"digest{len(caches)}.db")
        caches.append(cache)
        moment = et(when)
        return MarketData(cache, provider or RecordingProvider(), now=lambda: moment)

    yield build
    for cache in caches:
        cache.close()


# --- choosing sections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, SECTION_NAMES),
        ("", SECTION_NAMES),
        ("all", SECTION_NAMES),
        ("macro, STREAK", ("streak", "macro")),  # digest order, whatever the typed order
        ("returns returns", ("returns",)),
        (["movers", "contributors,macro"], ("movers", "contributors", "macro")),
    ],
)
def test_sections_parse(text, expected):
    assert parse_sections(text) == expected


def test_an_unknown_section_lists_the_valid_ones():
    with pytest.raises(BadInput) as info:
        parse_sections("streak, weather")
    assert info.value.message.startswith("Unknown section 'weather'. Sections: streak (IWM vs SPY")
    assert "or all (the default)" in info.value.message


def test_sections_text():
    assert sections_text(SECTION_NAMES) == "all"
    assert sections_text(("streak", "macro")) == "streak, macro"


def test_a_notice_is_one_short_line():
    assert section_notice("Movers", "Yahoo is not answering.") == (
        "Movers: Yahoo is not answering; skipped today."
    )
    # Only the first sentence: the how-to-fix part belongs to the command's own reply.
    assert section_notice(
        "Contributors",
        "No IWM holdings are cached. Download the CSV from https://x.y and import it.",
    ) == ("Contributors: No IWM holdings are cached; skipped today.")
    long = section_notice("Macro", "x" * 500)
    assert len(long) == len("Macro: ") + 200 + len("; skipped today.")
    assert "\n" not in section_notice("Macro", "two\nlines")


# --- composing with failures --------------------------------------------------------------------


def _answer(title: str) -> Answer:
    return Answer(title=title, summary="")


def test_failing_sections_become_notices_and_the_rest_goes_out(market_at, caplog):
    calls = []

    def good(market, day, progress):
        calls.append(day)
        return _answer(f"fine on {day}")

    def down(market, day, progress):
        raise UpstreamError("Yahoo is not answering.")

    def buggy(market, day, progress):
        raise ZeroDivisionError("oops")

    registry = {"streak": good, "returns": down, "macro": buggy, "contributors": good}
    market = market_at("2024-07-06 12:00")  # a Saturday: the digest is Friday's
    with caplog.at_level(logging.WARNING):
        digest = compose_digest(market, registry=registry)
    friday = dt.date(2024, 7, 5)
    assert digest.trading_day == friday and not digest.early_close
    assert [(s.name, s.ok) for s in digest.sections] == [
        ("streak", True),
        ("returns", False),
        ("movers", False),
        ("contributors", True),
        ("macro", False),
    ]
    assert digest.notices == (
        "Returns: Yahoo is not answering; skipped today.",
        "Movers: not available yet; skipped today.",
        "Macro: failed on our side (logged); skipped today.",
    )
    assert calls == [friday, friday]
    [bug] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert isinstance(bug.exc_info[1], ZeroDivisionError)
    assert digest.headline == "📊 Market close, Friday 2024-07-05"
    only = digest.only(["macro", "streak"])
    assert [s.name for s in only.sections] == ["streak", "macro"]
    assert only.to_json()["sections"][1] == {
        "name": "macro",
        "ok": False,
        "notice": "Macro: failed on our side (logged); skipped today.",
        "answer": None,
    }


def test_a_future_day_is_refused(market_at):
    market = market_at("2024-07-03 20:00")
    with pytest.raises(BadInput, match="is in the future"):
        compose_digest(market, ["streak"], day=dt.date(2024, 7, 5))


# --- the real sections over planted data --------------------------------------------------------


def test_returns_section_gives_the_day_and_the_year_for_the_four_funds(market_at):
    market = market_at("2024-07-03 20:00")  # the early close
    digest = compose_digest(market, ["returns"])
    day, before, year_end = dt.date(2024, 7, 3), dt.date(2024, 7, 2), dt.date(2023, 12, 29)
    expected_day = {t: adj_close(t, day) / adj_close(t, before) - 1 for t in RETURNS_TICKERS}
    expected_ytd = {t: adj_close(t, day) / adj_close(t, year_end) - 1 for t in RETURNS_TICKERS}
    [section] = digest.sections
    data = section.answer.data
    assert data["day"] == pytest.approx(expected_day)
    assert data["ytd"] == pytest.approx(expected_ytd)
    assert (data["day_start"], data["ytd_start"], data["end"]) == (
        "2024-07-02",
        "2023-12-29",
        "2024-07-03",
    )
    [table] = section.answer.tables
    assert {row[0]: row[1] for row in table.text_rows()} == {
        t: f"{expected_day[t] * 100:+.2f}%" for t in RETURNS_TICKERS
    }
    # Raw fractions in the table, and the typed figures the headline reads.
    assert [(c.name, c.unit) for c in table.specs] == [
        ("ticker", "text"),
        ("today", "pct"),
        ("YTD", "pct"),
    ]
    assert {row[0]: (row[1], row[2]) for row in table.rows} == {
        t: (pytest.approx(expected_day[t]), pytest.approx(expected_ytd[t])) for t in RETURNS_TICKERS
    }
    assert section.answer.result.day == pytest.approx(expected_day)
    assert section.answer.result.ytd_start == year_end
    spy, iwm = expected_day["SPY"], expected_day["IWM"]
    assert digest.headline == (
        f"📊 Market close, Wednesday 2024-07-03 (early close): SPY {spy * 100:+.2f}%, "
        f"IWM {iwm * 100:+.2f}% today"
    )


def test_returns_section_charts_the_year(market_at):
    market = market_at("2024-07-03 20:00")
    [section] = (compose_digest(market, ["returns"])).sections
    answer = section.answer
    assert answer.png.startswith(b"\x89PNG")
    day, year_end = dt.date(2024, 7, 3), dt.date(2023, 12, 29)
    ytd = {t: adj_close(t, day) / adj_close(t, year_end) - 1 for t in RETURNS_TICKERS}
    lines = [ln for ln in answer.chart.figure().axes[0].lines if len(ln.get_ydata()) > 2]
    ranked = sorted(RETURNS_TICKERS, key=lambda t: -ytd[t])
    assert [ln.get_ydata()[-1] for ln in lines] == [
        pytest.approx(100 * (1 + ytd[t])) for t in ranked
    ]


def test_streak_section_is_the_iwm_vs_spy_beat_streak(market_at):
    market = market_at("2024-07-03 20:00")
    [section] = (compose_digest(market, ["streak"])).sections
    # The fake's bars differ only by len(ticker): IWM and SPY (3 letters) move identically.
    assert section.answer.title == "IWM and SPY tied on 2024-07-03"
    assert section.answer.data["kind"] == "beat"


def test_macro_section_reads_gdpnow_as_of_the_day(market_at, shared_data):
    market = market_at("2024-11-05 20:00")
    for name in ("GDPNOW.csv", "A191RL1Q225SBEA.csv"):
        import_fred_file(market.cache.db, shared_data / "fred" / name, now=market.now())
    with open(shared_data / "fred" / "GDPNOW.csv", newline="") as fh:
        rows = [
            r for r in csv.DictReader(fh) if r["GDPNOW"] and r["observation_date"] <= "2024-11-05"
        ]
    [section] = (compose_digest(market, ["macro"])).sections
    assert section.answer.data["series"] == "GDPNOW"
    assert section.answer.data["date"] == rows[-1]["observation_date"]
    assert section.answer.data["value"] == pytest.approx(float(rows[-1]["GDPNOW"]))


def test_contributors_section_without_holdings_or_downloads_is_a_notice(market_at):
    market = market_at("2024-07-03 20:00")
    digest = compose_digest(market, ["contributors"])
    assert digest.notices == (
        "Contributors: No IWM holdings are stored and they cannot be downloaded here; "
        "skipped today.",
    )


async def test_holdings_are_downloaded_only_with_a_download_session(market_at):
    # The facade has an HTTP bridge (the bot attaches one); a view without downloads must not
    # use it, the facade itself downloads through it from the digest's worker thread.
    from tests.fakes.ishares import FakeIShares, Reply, downloads_from, ishares_csv

    market = market_at("2024-07-03 20:00")
    body = ishares_csv(dt.date(2024, 7, 2)).encode()
    async with FakeIShares(ajax=Reply(200, body, "text/csv")) as fake, downloads_from(market, fake):
        offline = without_downloads(market)  # the bot's view when its settings say offline
        digest = await asyncio.to_thread(compose_digest, offline, ["contributors"])
        assert digest.notices == (
            "Contributors: No IWM holdings are stored and they cannot be downloaded here; "
            "skipped today.",
        )
        assert fake.requests == []
        [section] = (await asyncio.to_thread(compose_digest, market, ["contributors"])).sections
        assert len(fake.requests) == 1
    assert section.answer.data["holdings_as_of"] == "2024-07-02"
    assert section.answer.data["constituents"] == 5


def plant_small_iwm(market: MarketData, shared_data) -> Holdings:
    """IWM's eight largest names from the real 2025-11-05 file (weights as in the file)."""
    path = shared_data / "holdings" / "IWM_holdings_2025-11-05_ishares_raw.csv"
    full = parse_ishares_holdings(path.read_text(encoding="utf-8-sig"), fund="IWM")
    small = Holdings(full.fund, full.fund_name, full.as_of, full.frame.head(8))
    HoldingsStore(market.cache.db).save(small, fetched_at=market.now())
    return small


def test_contributors_section_over_cached_holdings(market_at, shared_data):
    market = market_at("2025-11-06 20:00")
    plant_small_iwm(market, shared_data)
    [section] = (compose_digest(market, ["contributors"])).sections
    data = section.answer.data
    # YTD to the day of the digest; the weights of 2025-11-05 are carried back to the start.
    start, end = dt.date(2024, 12, 31), dt.date(2025, 11, 6)
    assert (data["fund"], data["window"], data["start"], data["end"]) == (
        "IWM",
        "ytd",
        start.isoformat(),
        end.isoformat(),
    )
    assert (data["holdings_as_of"], data["weights_at"]) == ("2025-11-05", "2024-12-31")
    assert data["fund_return"] == pytest.approx(adj_close("IWM", end) / adj_close("IWM", start) - 1)
    assert data["constituents"] == 8
    assert data["coverage"]["priced"] == 8 and data["partial"] is False


def test_a_section_below_half_its_universe_is_dropped_with_a_notice(market_at, shared_data):
    # The fake knows only two of IWM's eight stored names: 2 of 8 names, far below half the weight.
    small = plant_small_iwm(market_at("2025-11-06 20:00"), shared_data)
    names = list(small.frame.index)
    provider = RecordingProvider(unknown=set(names[2:]))
    market = market_at("2025-11-06 20:00", provider)
    HoldingsStore(market.cache.db).save(small, fetched_at=market.now())
    digest = compose_digest(market, ["movers", "contributors"])
    share = small.frame["weight"].iloc[:2].sum() / small.frame["weight"].sum()
    assert digest.answers == ()
    assert digest.notices == (
        f"Movers: Only 2 of 8 IWM names ({share:.1%} of its weight) have prices from "
        "2025-11-05 to 2025-11-06, too few to answer for the whole (at least 50% needed); "
        "skipped today.",
        f"Contributors: Only 2 of 8 IWM names ({share:.1%} of its weight) have prices from "
        "2024-12-31 to 2025-11-06, too few to answer for the whole (at least 50% needed); "
        "skipped today.",
    )


def test_movers_section_ranks_the_days_moves_in_iwms_holdings(market_at, shared_data):
    market = market_at("2025-11-06 20:00")
    small = plant_small_iwm(market, shared_data)
    [section] = (compose_digest(market, ["movers"])).sections
    data = section.answer.to_json()
    day, before = dt.date(2025, 11, 6), dt.date(2025, 11, 5)
    moves = sorted(
        (adj_close(t, day) / adj_close(t, before) - 1 for t in small.frame.index), reverse=True
    )
    assert (data["universe"], data["window"], data["end"]) == ("IWM", "1d", day.isoformat())
    assert all(m > 0 for m in moves)  # every name rose that day in the fake's data
    assert [r["return"] for r in data["gainers"]] == pytest.approx(moves[:5])
    assert data["losers"] == []


# --- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A CLI environment whose cache holds the four funds' bars to 2024-07-05."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "MARKETBOT_OFFLINE", "MARKETBOT_LOG_LEVEL", "FRED_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "cli.db"
    monkeypatch.setenv("MARKETBOT_DB", str(path))
    with PriceCache(path) as cache:
        market = MarketData(cache, offline=True)
        for ticker in RETURNS_TICKERS:
            market.import_bars(
                ticker, bars_for(ticker, dt.date(2023, 6, 1), dt.date(2024, 7, 5)), "test"
            )
    return path


def test_cli_digest_json(cli_db, capsys):
    code = main(
        ["--offline", "digest", "--sections", "returns", "contributors", "--as-of", "2024-07-07"]
        + ["--json"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    friday, thursday = dt.date(2024, 7, 5), dt.date(2024, 7, 3)  # 4 July is a holiday
    assert (payload["trading_day"], payload["early_close"]) == ("2024-07-05", False)
    returns, contributors = payload["sections"]
    assert returns["ok"] and returns["notice"] is None
    assert returns["answer"]["day"] == pytest.approx(
        {t: adj_close(t, friday) / adj_close(t, thursday) - 1 for t in RETURNS_TICKERS}
    )
    assert contributors == {
        "name": "contributors",
        "ok": False,
        "notice": "Contributors: No IWM holdings are stored and offline mode is on; skipped today.",
        "answer": None,
    }


def test_cli_digest_in_the_terminal(cli_db, capsys):
    code = main(["--offline", "digest", "--sections", "returns", "--as-of", "2024-07-03"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("📊 Market close, Wednesday 2024-07-03 (early close): SPY ")
    assert "Returns" in out and "MAGS" in out


def test_cli_digest_bad_section(cli_db, capsys):
    code = main(["digest", "--sections", "weather"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("marketbot: Unknown section 'weather'.")


# --- dating: a digest over prices that end before its day --------------------------------------


def test_an_offline_digest_over_an_old_cache_says_what_session_it_stands_on(tmp_path):
    cache = PriceCache(tmp_path / "old.db")
    friday, thursday = dt.date(2024, 7, 5), dt.date(2024, 7, 3)  # 4 July is a holiday
    moment = et("2024-07-12 20:00")  # a week later, after the close
    market = MarketData(cache, None, offline=True, now=lambda: moment)
    for ticker in RETURNS_TICKERS:
        market.import_bars(ticker, bars_for(ticker, dt.date(2023, 6, 1), friday), "test")
    digest = compose_digest(market, ["streak", "returns"])
    cache.close()
    assert digest.trading_day == dt.date(2024, 7, 12)
    assert digest.data_as_of == friday
    day = {t: adj_close(t, friday) / adj_close(t, thursday) - 1 for t in ("SPY", "IWM")}
    assert digest.headline == (
        "📊 Market close, Friday 2024-07-12 (as of Friday 2024-07-05): "
        f"SPY {day['SPY'] * 100:+.2f}%, IWM {day['IWM'] * 100:+.2f}% on 2024-07-05"
    )
    assert digest.notices[0] == (
        "Prices as of Friday 2024-07-05, not Friday 2024-07-12: "
        "offline mode is on and the cache ends there."
    )
    streak, returns = (s.answer for s in digest.sections)
    # The dating is typed on each price answer (the notice above reads it), and it is what
    # --json says.
    offline_why = "offline mode is on and the cache ends there"
    for answer in (streak, returns):
        assert answer.behind == Behind(friday, dt.date(2024, 7, 12), offline_why)
        assert answer.data["behind"] == answer.behind.to_json()
    assert streak.title.endswith(" (as of 2024-07-05)")
    assert returns.title.endswith(" (as of 2024-07-05)")
    assert " led on 2024-07-05 with " in returns.title
    assert returns.data["day"] == pytest.approx(
        {t: adj_close(t, friday) / adj_close(t, thursday) - 1 for t in RETURNS_TICKERS}
    )
    assert returns.warnings[0].startswith("The data ends 2024-07-05, before 2024-07-12")
    payload = digest.to_json()
    assert (payload["trading_day"], payload["data_as_of"]) == ("2024-07-12", "2024-07-05")
    assert payload["notices"][0] == digest.notices[0]


def test_a_current_digest_has_no_dating_notice(market_at):
    market = market_at("2024-07-03 20:00")
    digest = compose_digest(market, ["streak", "returns"])
    assert digest.data_as_of == dt.date(2024, 7, 3)
    assert digest.notices == ()
    assert "(as of" not in digest.headline and digest.headline.endswith(" today")


def test_real_files_ending_in_october_under_a_november_digest(tmp_path, shared_data):
    cache = PriceCache(tmp_path / "real.db")
    market = MarketData(cache, None, offline=True, now=lambda: et("2026-11-30 20:00"))
    folder = shared_data / "prices" / "johnamcminn_alphavantage_2026"
    for ticker in ("IWM", "SPY"):
        (bars,) = read_price_file(folder / f"{ticker}.csv").values()
        market.import_bars(ticker, bars, f"import:{ticker}.csv")
    with open(folder / "SPY.csv", newline="") as fh:
        last = max(r["timestamp"] for r in csv.DictReader(fh))
    assert last == "2026-10-05"
    digest = compose_digest(market, ["streak", "macro"])
    cache.close()
    assert digest.headline == "📊 Market close, Monday 2026-11-30 (as of Monday 2026-10-05)"
    assert digest.notices[0] == (
        "Prices as of Monday 2026-10-05, not Monday 2026-11-30: "
        "offline mode is on and the cache ends there."
    )
    assert digest.sections[0].answer.title.endswith(" (as of 2026-10-05)")
    assert digest.sections[0].answer.source == "import: IWM.csv, SPY.csv"
    # Nothing cached for GDPNow: its section is a notice, after the dating one.
    assert digest.notices[1].startswith("Macro: Nothing is cached for GDPNOW")


def test_the_macro_section_is_labelled_when_gdpnow_is_overdue(market_at, shared_data):
    market = market_at("2026-11-30 20:00")
    for name in ("GDPNOW.csv", "A191RL1Q225SBEA.csv"):
        import_fred_file(market.cache.db, shared_data / "fred" / name, now=market.now())
    digest = compose_digest(without_downloads(market), ["macro"])
    [section] = digest.sections
    # The file's last quarter is 2025 Q1, far older than a quarterly series is on 2026-11-30.
    assert section.answer.title.endswith(" (as of 2025 Q1)")
    assert section.answer.data["behind"]["expected"] == "2026-11-30"
    assert digest.notices == ()  # macro does not date the prices


def test_the_dating_notice_reads_the_typed_behind_of_the_first_price_section(market_at):
    # Sections whose --json says nothing: the notice comes from `Answer.behind` alone, the
    # first price section's reason (macro's is not the prices').
    friday, monday = dt.date(2024, 7, 5), dt.date(2024, 7, 8)

    def dated(why):
        def section(market, day, progress):
            return Answer(title="t", summary="", as_of=friday, behind=Behind(friday, day, why))

        return section

    registry = {"macro": dated("FRED is down"), "movers": dated(None), "returns": dated("X")}
    digest = compose_digest(market_at("2024-07-08 20:00"), ["macro", "movers"], registry=registry)
    assert digest.trading_day == monday and digest.data_as_of == friday
    assert digest.notices == (
        "Prices as of Friday 2024-07-05, not Monday 2024-07-08: the data ends there.",
    )
    digest = compose_digest(market_at("2024-07-08 20:00"), ["returns", "movers"], registry=registry)
    assert digest.notices[0].endswith("Monday 2024-07-08: X.")


def test_the_digest_spec_answer_is_a_headline_with_one_part_per_section(market_at):
    from analytics.spec import NoProgress, ParseContext
    from analytics.subscriptions.specs import DIGEST

    market = market_at("2024-07-03 20:00")
    ctx = ParseContext(today=market.today())
    request = DIGEST.parse_values({"sections": "returns streak"}, ctx)
    answer = DIGEST.answer_function()(market, request, NoProgress())
    digest = compose_digest(market, ["streak", "returns"])
    assert answer.title == digest.headline
    assert [p.title for p in answer.parts] == [a.title for _, a in digest.answers]
    assert answer.result.to_json() == digest.to_json()
    assert DIGEST.parse_values({}, ctx).sections == SECTION_NAMES  # the default: all
    with pytest.raises(BadInput, match="is in the future"):
        DIGEST.parse_values({"as_of": "2024-07-05"}, ctx)


def test_a_digest_asked_for_with_no_section_to_show_is_refused_with_each_reason(cli_db, capsys):
    """Asked for (CLI or /digest) before any data, every section fails: exit 2, one line that
    gives the day and each section's own notice (the post keeps its channel message)."""
    code = main(
        ["--offline", "digest", "--sections", "returns", "contributors"] + ["--as-of", "2020-03-02"]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith("marketbot: No digest for 2020-03-02: every section failed. Returns: ")
    assert "Contributors: No IWM holdings are stored and offline mode is on; skipped today." in line
