"""Holdings snapshots in SQLite (analytics/holdings/store.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils

from analytics.errors import BadInput
from analytics.holdings import (
    HoldingsStore,
    import_holdings_file,
    parse_ishares_holdings,
)
from tests.analytics.holdings.files import (
    IVV_2023,
    IWM_2025,
    IWM_2026,
    holdings_path,
    load,
    read_with_csv,
)

# ---------------------------------------------------------------- SQLite snapshots


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_snapshot_round_trip(shared_data: Path, db: sqlite_utils.Database) -> None:
    holdings = load(shared_data, IWM_2026)
    store = HoldingsStore(db)
    store.save(holdings, fetched_at=at("2026-05-06T14:00:00+00:00"))
    back = store.latest("iwm")
    assert back.fund == "IWM"
    assert back.fund_name == "iShares Russell 2000 ETF"
    assert back.as_of == dt.date(2026, 5, 5)
    pd.testing.assert_frame_equal(back.frame, holdings.frame, check_index_type=False)
    written = {name for name in db.table_names() if db[name].count}
    assert written == {"holdings_snapshots", "holdings_positions"}  # its own tables only


def test_latest_is_the_newest_as_of_whatever_the_save_order(
    shared_data: Path, db: sqlite_utils.Database
) -> None:
    store = HoldingsStore(db)
    store.save(load(shared_data, IWM_2026), fetched_at=at("2026-05-06T14:00:00+00:00"))
    store.save(load(shared_data, IWM_2025), fetched_at=at("2026-05-07T14:00:00+00:00"))
    assert store.as_of_dates("IWM") == [dt.date(2025, 11, 5), dt.date(2026, 5, 5)]
    assert store.latest("IWM").as_of == dt.date(2026, 5, 5)
    assert store.snapshot("IWM", dt.date(2025, 11, 5)).frame.loc["BE", "weight"] == 0.0106
    assert store.latest("IVV") is None


def test_saving_the_same_date_again_replaces_it(tiny_text: str, db: sqlite_utils.Database) -> None:
    store = HoldingsStore(db)
    store.save(parse_ishares_holdings(tiny_text), fetched_at=at("2024-01-02T20:00:00+00:00"))
    fewer = tiny_text.replace('"BRK.B"', '"-"')
    store.save(parse_ishares_holdings(fewer), fetched_at=at("2024-01-03T20:00:00+00:00"))
    assert list(store.latest("IVV").frame.index) == ["AAA"]
    assert db.table("holdings_positions").count == 1


def test_needs_refresh_at_most_once_per_new_york_day(
    tiny_text: str, db: sqlite_utils.Database
) -> None:
    store = HoldingsStore(db)
    assert store.needs_refresh("IVV", at("2024-01-03T15:00:00+00:00"))
    store.save(parse_ishares_holdings(tiny_text), fetched_at=at("2024-01-03T15:00:00+00:00"))
    assert store.fetched_at("IVV") == at("2024-01-03T15:00:00+00:00")
    # 03:00 UTC on the 4th is still the 3rd (22:00) in New York.
    assert not store.needs_refresh("IVV", at("2024-01-04T03:00:00+00:00"))
    assert store.needs_refresh("IVV", at("2024-01-04T06:00:00+00:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.needs_refresh("IVV", dt.datetime(2024, 1, 4, 12))


def test_saving_without_a_fund_is_bad_input(tiny_text: str, db: sqlite_utils.Database) -> None:
    holdings = parse_ishares_holdings(tiny_text.replace("Core S&P 500", "Micro-Cap"))
    with pytest.raises(BadInput, match="import holdings FUND FILE"):
        HoldingsStore(db).save(holdings)


def test_import_holdings_file(shared_data: Path, db: sqlite_utils.Database) -> None:
    path = holdings_path(shared_data, IWM_2025)
    imported = import_holdings_file(db, "IWM", path)
    assert imported.as_of == dt.date(2025, 11, 5)
    stored = HoldingsStore(db).latest("IWM")
    pd.testing.assert_frame_equal(stored.frame, imported.frame, check_index_type=False)
    [row] = db.table("holdings_snapshots").rows
    assert row["source"] == f"import:{IWM_2025}"
    assert row["count"] == len(read_with_csv(path, "Quantity"))


def test_import_rejects_missing_file_and_wrong_fund(
    shared_data: Path, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    with pytest.raises(BadInput, match="No file at"):
        import_holdings_file(db, "IWM", tmp_path / "nope.csv")
    with pytest.raises(BadInput, match="holds IVV"):
        import_holdings_file(db, "IWM", holdings_path(shared_data, IVV_2023))
    assert HoldingsStore(db).latest("IWM") is None


def test_a_memoised_snapshot_is_read_again_after_a_save(tiny_text: str, tmp_path: Path) -> None:
    """With the cache's read memo, a saved snapshot (same fund and date) is seen at once,
    whether this connection or another one saved it; callers get their own frame."""
    import sqlite3

    from analytics.data.cache import PriceCache

    with PriceCache(tmp_path / "h.db") as cache:
        store = HoldingsStore(cache.db, cache.memoised)
        store.save(parse_ishares_holdings(tiny_text), fetched_at=at("2024-01-02T20:00:00+00:00"))
        first = store.latest("IVV")
        first.frame["weight"] = 0.0  # a caller's edit stays its own
        again = store.latest("IVV")
        assert cache.memo.hits >= 1 and (again.frame["weight"] > 0).all()
        fewer = tiny_text.replace('"BRK.B"', '"-"')
        store.save(parse_ishares_holdings(fewer), fetched_at=at("2024-01-03T20:00:00+00:00"))
        assert list(store.latest("IVV").frame.index) == ["AAA"]
        other = sqlite3.connect(cache.path)
        other.execute("DELETE FROM holdings_positions")
        other.commit()
        other.close()
        assert store.latest("IVV").frame.empty
