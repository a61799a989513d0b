"""Planted price histories and a monthly series whose episodes are known by construction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS

SESSIONS = calendar.sessions_between(dt.date(2020, 1, 2), dt.date(2023, 12, 29))
GROWTH = 1.0005
"""GRO closes grow by this factor each session: a forward return over k sessions is
GROWTH ** k - 1."""
JUMP_AT = 300
"""JMP is flat at 100, jumps to 112 on this session, then grows by GROWTH a session."""
UP_RUNS = {100: 6, 400: 8}
"""UPS rises on exactly these runs (start position: length) and on its last 5 sessions; every
other session alternates down/up by one point around 100."""
LAST_RUN = 5


def gro() -> np.ndarray:
    return 100 * GROWTH ** np.arange(len(SESSIONS))


def jmp() -> np.ndarray:
    k = np.arange(len(SESSIONS))
    return np.where(k < JUMP_AT, 100.0, 112 * GROWTH ** (k - JUMP_AT))


def ups() -> np.ndarray:
    n = len(SESSIONS)
    k = np.arange(n)
    moves = np.where(k % 2 == 0, -1.0, 1.0)  # isolated rises: runs of 1
    moves[0] = 0.0
    for start, length in [*UP_RUNS.items(), (n - LAST_RUN, LAST_RUN)]:
        moves[start : start + length] = 1.0
        moves[start - 1] = -1.0  # the run is exactly `length` long
        if start + length < n:
            moves[start + length] = -1.0
    return 100 + np.cumsum(moves)


def frame(closes: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": closes,
            "high": closes * 1.01,
            "low": closes * 0.99,
            "close": closes,
            "adj_close": closes,
            "volume": np.full(len(closes), 1e6),
        },
        index=pd.DatetimeIndex(SESSIONS, name="date"),
    )[list(BAR_COLUMNS)]


def write_csv(path: Path, closes: np.ndarray) -> Path:
    """A Yahoo-format file of these closes."""
    f = frame(closes)
    out = pd.DataFrame(
        {
            "Date": [d.date().isoformat() for d in f.index],
            "Open": f["open"],
            "High": f["high"],
            "Low": f["low"],
            "Close": f["close"],
            "Adj Close": f["adj_close"],
            "Volume": f["volume"].astype(int),
        }
    )
    out.to_csv(path, index=False)
    return path


def session_on_or_before(target: pd.Timestamp) -> int:
    return int(np.flatnonzero(target >= SESSIONS)[-1])


def unrate_csv() -> str:
    """Monthly readings 2020-01..2023-11: 4.0, except 5.5 for 2021-03..05 and 5.0 for 2022-08."""
    months = pd.date_range("2020-01-01", "2023-11-01", freq="MS")
    values = np.full(len(months), 4.0)
    values[(months >= "2021-03-01") & (months <= "2021-05-01")] = 5.5
    values[months == "2022-08-01"] = 5.0
    rows = [f"{m.date().isoformat()},{v:.1f}" for m, v in zip(months, values, strict=True)]
    return "observation_date,UNRATE\n" + "\n".join(rows) + "\n"
