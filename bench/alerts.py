"""The evening's alert evaluation on real histories: `uv run python bench/alerts.py [--alerts 200]`.

Imports ^RUT, IWM and SPY (../shared/data) and GDPNow with real GDP growth into a fresh cache,
makes `--alerts` alerts cycling through the kinds (streak beat/up, record, move 1d/5d,
level, macro value/years), then times one AlertLoop.evaluate of a session: every alert
checked on the cache, nothing firing (the baselines stand on that session), and separately
the median check of one alert of each kind, and one fired alert built with its chart.
Not run by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.alerts.commands import create_alert, parse_add  # noqa: E402
from analytics.alerts.evaluation import check_alert, fired  # noqa: E402
from analytics.alerts.store import AlertStore  # noqa: E402
from analytics.data.cache import PriceCache  # noqa: E402
from analytics.data.importers import read_price_file  # noqa: E402
from analytics.data.market import MarketData  # noqa: E402
from analytics.macro.store import import_fred_file  # noqa: E402
from analytics.spec import ParseContext  # noqa: E402
from bot.alerts.loop import AlertLoop  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NOW = dt.datetime(2025, 9, 26, 21, 0, tzinfo=dt.UTC)  # the Yahoo files end 2025-09-26
KINDS = [
    {"kind": "streak", "ticker": "IWM", "versus": "SPY", "sessions": 8},
    {"kind": "streak", "ticker": "SPY", "what": "up", "sessions": 6},
    {"kind": "record", "ticker": "^RUT"},
    {"kind": "move", "ticker": "IWM", "percent": 3},
    {"kind": "move", "ticker": "SPY", "window": "5d", "percent": 4, "direction": "down"},
    {"kind": "level", "ticker": "^RUT", "level": 3000},
    {"kind": "macro", "series": "gdpnow", "value": 5},
    {"kind": "macro", "series": "gdpnow", "years": 10},
]


def load(cache: PriceCache) -> None:
    files = {
        "IWM": DATA / "prices/chenc319_yahoo_to-2025-09/IWM.csv",
        "SPY": DATA / "prices/chenc319_yahoo_to-2025-09/SPY.csv",
        "^RUT": DATA / "prices/alitalbi_yfinance_to-2026-02/RUT.csv",
    }
    for ticker, path in files.items():
        for name, frame in read_price_file(path, ticker=ticker).items():
            cache.store_bars(name, frame, f"import:{path.name}")
    for name in ("GDPNOW.csv", "A191RL1Q225SBEA.csv"):
        import_fred_file(cache.db, DATA / "fred" / name, now=NOW)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = PriceCache(Path(folder) / "bench.db")
        load(cache)
        market = MarketData(cache, None, now=lambda: NOW)
        store = AlertStore(cache)
        ctx = ParseContext(today=NOW.date(), offline=True)
        for i in range(args.alerts):
            create_alert(
                market,
                store,
                parse_add(dict(KINDS[i % len(KINDS)]), ctx),
                owner_id=i,
                created_by=i,
                guild_id=None,
                channel_id=None,
                now=NOW,
            )
        session = dt.date(2025, 9, 26)

        async def nothing(*_):
            return None

        loop = AlertLoop(store=store, market=market, deliver=nothing, find=nothing, now=lambda: NOW)
        started = time.perf_counter()
        outcomes = asyncio.run(loop.evaluate(session))
        total = time.perf_counter() - started
        print(f"evaluate {args.alerts} alerts on {session}: {total:.2f} s, {len(outcomes)} fired")

        alerts = store.all()[: len(KINDS)]
        for alert in alerts:
            times = []
            for _ in range(10):
                t = time.perf_counter()
                check_alert(market, alert, session)
                times.append(time.perf_counter() - t)
            print(
                f"  check {alert.kind:6} {alert.params}: {statistics.median(times) * 1000:.0f} ms"
            )
        alert = alerts[2]
        t = time.perf_counter()
        shown = fired(market, alert, check_alert(market, alert, session).evaluation)
        png = shown.answer.png
        print(
            f"fired record alert with chart: {(time.perf_counter() - t) * 1000:.0f} ms, "
            f"{len(png):,} B PNG"
        )
        cache.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
