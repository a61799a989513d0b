"""Selections by ticker stay under SQLite's 999 bound variables and cover every ticker once."""

from __future__ import annotations

import sqlite3

from analytics.data.selection import chunks, ticker_selections


def test_chunks_cover_the_items_in_order_within_the_size():
    items = [f"T{i}" for i in range(1801)]
    parts = list(chunks(items))
    assert [len(p) for p in parts] == [900, 900, 1]
    assert [t for p in parts for t in p] == items
    assert list(chunks([], 5)) == []


def test_every_selection_runs_in_sqlite_and_finds_each_ticker_once():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (ticker TEXT)")
    names = [f"T{i}" for i in range(2500)]
    conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in names])
    found = [
        row[0]
        for where, params in ticker_selections(names[::2])
        for row in conn.execute(f"SELECT ticker FROM t {where}", params)
    ]
    assert sorted(found) == sorted(names[::2])
    assert list(ticker_selections(None)) == [("", [])]
