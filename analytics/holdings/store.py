"""Holdings snapshots cached in SQLite, one per fund and as-of date.

Tables (prefixed `holdings_`):
    holdings_snapshots  fund, as_of, fund_name, fetched_at (ISO UTC), source, unmapped (JSON), count
    holdings_positions  fund, as_of, symbol, name, sector, weight, quantity, price, market_value

Blocking (SQLite): call from a worker thread, one thread per connection at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Hashable
from pathlib import Path

import pandas as pd
import sqlite_utils

from analytics.calendar import eastern_date
from analytics.errors import BadInput
from analytics.holdings.funds import Fund
from analytics.holdings.ishares import HOLDINGS_COLUMNS, Holdings, parse_ishares_holdings

SNAPSHOTS = "holdings_snapshots"
POSITIONS = "holdings_positions"

# The tables' DDL (a migration step of analytics.data.schema). Before schema 5 the store made
# them with sqlite-utils' `create(..., if_not_exists=True)` on every construction; these are
# the statements sqlite-utils wrote, so old and new files hold the same tables.
HOLDINGS_TABLES: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS "{SNAPSHOTS}" (
        "fund" TEXT,
        "as_of" TEXT,
        "fund_name" TEXT,
        "fetched_at" TEXT,
        "source" TEXT,
        "unmapped" TEXT,
        "count" INTEGER,
        PRIMARY KEY ("fund", "as_of")
    )""",
    f"""CREATE TABLE IF NOT EXISTS "{POSITIONS}" (
        "fund" TEXT,
        "as_of" TEXT,
        "symbol" TEXT,
        "name" TEXT,
        "sector" TEXT,
        "weight" REAL,
        "quantity" REAL,
        "price" REAL,
        "market_value" REAL,
        PRIMARY KEY ("fund", "as_of", "symbol")
    )""",
)


Memo = Callable[[Hashable, Callable[[], object], Callable[[object], int]], object]
"""PriceCache.memoised: (key, compute, size) -> the value."""


def _fund_key(fund: str | Fund) -> str:
    return fund.symbol if isinstance(fund, Fund) else fund.strip().upper().lstrip("$")


class HoldingsStore:
    """Save and load `Holdings` snapshots in a sqlite-utils Database (a migrated cache file:
    the tables are HOLDINGS_TABLES, created by analytics.data.schema).

    `memo` (PriceCache.memoised, keyed by the cache's generation) keeps the snapshots read
    while nothing is committed to the file: a 2,000-name snapshot is a row per position.
    """

    def __init__(self, db: sqlite_utils.Database, memo: Memo | None = None) -> None:
        self.db = db
        self.memo = memo

    def save(
        self,
        holdings: Holdings,
        *,
        fetched_at: dt.datetime | None = None,
        source: str = "ishares",
    ) -> None:
        """Store `holdings`, replacing any snapshot of the same fund and date.

        `fetched_at` (default now, UTC) records when the file was obtained; `source` says how
        ("ishares" download or "import:<file name>").
        """
        if not holdings.fund:
            raise BadInput(
                f"Cannot tell which fund '{holdings.fund_name}' is. "
                "Name it: `marketbot import holdings FUND FILE`."
            )
        when = fetched_at or dt.datetime.now(dt.UTC)
        key = {"fund": holdings.fund, "as_of": holdings.as_of.isoformat()}
        frame = holdings.frame
        columns = ("fund", "as_of", "symbol", *HOLDINGS_COLUMNS)
        positions = [
            (key["fund"], key["as_of"], symbol, *(_plain(row[c]) for c in HOLDINGS_COLUMNS))
            for symbol, row in zip(frame.index, frame.to_dict("records"), strict=True)
        ]
        # Plain SQL on the migrated tables: sqlite-utils' insert would create a missing table.
        with self.db.atomic():
            conn = self.db.conn
            conn.execute(
                f"DELETE FROM {POSITIONS} WHERE fund = ? AND as_of = ?", [key["fund"], key["as_of"]]
            )
            conn.executemany(
                f"INSERT INTO {POSITIONS} ({', '.join(columns)})"
                f" VALUES ({','.join('?' * len(columns))})",
                positions,
            )
            conn.execute(
                f"INSERT OR REPLACE INTO {SNAPSHOTS} (fund, as_of, fund_name, fetched_at, source,"
                ' unmapped, "count") VALUES (?, ?, ?, ?, ?, ?, ?)',
                [
                    key["fund"],
                    key["as_of"],
                    holdings.fund_name,
                    _utc(when).isoformat(),
                    source,
                    json.dumps(list(holdings.unmapped)),
                    len(frame),
                ],
            )

    def as_of_dates(self, fund: str | Fund) -> list[dt.date]:
        """Dates of the stored snapshots of `fund`, oldest first."""
        rows = self.db.query(
            f"SELECT as_of FROM {SNAPSHOTS} WHERE fund = ? ORDER BY as_of", [_fund_key(fund)]
        )
        return [dt.date.fromisoformat(r["as_of"]) for r in rows]

    def latest(self, fund: str | Fund) -> Holdings | None:
        """The snapshot of `fund` with the latest as-of date, or None if none is stored."""
        dates = self.as_of_dates(fund)
        return self.snapshot(fund, dates[-1]) if dates else None

    def snapshot(self, fund: str | Fund, as_of: dt.date) -> Holdings | None:
        """The snapshot of `fund` as of `as_of`, or None."""
        if self.memo is None:
            return self._snapshot(fund, as_of)
        found = self.memo(
            ("holdings", _fund_key(fund), as_of),
            lambda: self._snapshot(fund, as_of),
            lambda h: 0 if h is None else int(h.frame.memory_usage(deep=True).sum()),
        )
        # A copy of the frame: the memo's snapshot is shared between threads.
        return None if found is None else dataclasses.replace(found, frame=found.frame.copy())

    def _snapshot(self, fund: str | Fund, as_of: dt.date) -> Holdings | None:
        key = [_fund_key(fund), as_of.isoformat()]
        meta = next(
            self.db.query(f"SELECT * FROM {SNAPSHOTS} WHERE fund = ? AND as_of = ?", key), None
        )
        if meta is None:
            return None
        rows = list(
            self.db.query(
                f"SELECT symbol, {', '.join(HOLDINGS_COLUMNS)} FROM {POSITIONS} "
                "WHERE fund = ? AND as_of = ? ORDER BY weight DESC, symbol",
                key,
            )
        )
        frame = pd.DataFrame.from_records(
            rows, columns=["symbol", *HOLDINGS_COLUMNS], index="symbol"
        ).astype({c: "float64" for c in HOLDINGS_COLUMNS[2:]})
        return Holdings(
            fund=meta["fund"],
            fund_name=meta["fund_name"],
            as_of=as_of,
            frame=frame,
            unmapped=tuple(json.loads(meta["unmapped"] or "[]")),
        )

    def fetched_at(self, fund: str | Fund) -> dt.datetime | None:
        """When a holdings file of `fund` was last saved (any as-of date), UTC; None if never."""
        row = next(
            self.db.query(
                f"SELECT MAX(fetched_at) AS last FROM {SNAPSHOTS} WHERE fund = ?", [_fund_key(fund)]
            )
        )
        return dt.datetime.fromisoformat(row["last"]) if row["last"] else None

    def needs_refresh(self, fund: str | Fund, now: dt.datetime) -> bool:
        """True when `fund` was never saved or last saved on an earlier New York day than `now`.

        So a fund is downloaded at most once per day; an import counts as that day's fetch.
        `now` must be timezone-aware.
        """
        if now.tzinfo is None:
            raise ValueError("needs_refresh needs a timezone-aware `now`")
        last = self.fetched_at(fund)
        if last is None:
            return True
        # iShares posts a new file each business day; "today" is New York's day.
        return eastern_date(last) < eastern_date(now)


def import_holdings_file(db: sqlite_utils.Database, fund: str | Fund, path: str | Path) -> Holdings:
    """Parse an iShares holdings CSV saved on disk and store it as `fund`'s snapshot.

    For `marketbot import holdings FUND FILE`. Raises BadInput for a missing or unreadable
    file, a web page saved instead of the CSV, or a file of another registered fund.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise BadInput(f"No file at {path}. Give the path of the downloaded holdings CSV.") from exc
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Files re-saved by Excel on Windows come back as cp1252.
        text = raw.decode("cp1252", errors="replace")
    holdings = parse_ishares_holdings(text, fund=fund)
    HoldingsStore(db).save(holdings, source=f"import:{path.name}")
    return holdings


def _plain(value: object) -> object:
    """NaN -> None and numpy scalars -> Python, for SQLite."""
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    return when.astimezone(dt.UTC)
