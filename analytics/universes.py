"""Universes: turning what the user named (a fund, a named list, a ticker list) into tickers.

- A fund (IWM, IVV, ...; analytics.holdings.funds): its constituents in the holdings snapshot
  nearest the window's start, chosen (and downloaded when needed) by the one policy of
  analytics.holdings.choice that contributors use too (`resolve_universe`, reached through the
  data facade as `data.universe(spec, start)`).
- A named list (sp500, ndx, dow30, ...): read from a file. Either the user passes the file
  (`--tickers-file constituents.json --universe sp500`) or it sits in the lists folder
  beside the cache (`<cache folder>/universes/`, see `lists_dir`), which is how the bot
  finds lists.
- A ticker list typed by the user (`--tickers AAPL,MSFT`).

Ticker files: JSON (a list of symbols, a list of objects with a `ticker`/`symbol` key, or
an object of such lists keyed by name), CSV with a `ticker` or `symbol` column (so a
long multi-ticker price file works too), or plain text with symbols separated by
spaces, commas or new lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.data.paths import lists_dir  # noqa: F401 - also read from here (bot.answering)
from analytics.errors import BadInput, NoData
from analytics.holdings.funds import FUNDS, Fund, get_fund, known_funds_text
from analytics.holdings.ishares import Holdings
from analytics.symbols import normalize_symbol, parse_symbol_list

if TYPE_CHECKING:
    import sqlite_utils

    from analytics.data.market import MarketData
    from analytics.holdings.choice import SnapshotChoice
    from analytics.spec import Progress

DEFAULT_UNIVERSE = "IWM"
MAX_UNIVERSE = 5_000
"""More names than any fund we know (the Russell 3000 holds about 2,600)."""
LIST_SUFFIXES = (".json", ".csv", ".txt")

# Spellings people use for the same list; the first is the canonical name.
_LIST_ALIASES: tuple[tuple[str, ...], ...] = (
    ("sp500", "spx", "snp500", "gspc", "s&p500"),
    ("ndx", "ndx100", "nasdaq100", "nasdaq"),
    ("dow30", "dow", "djia", "dji"),
)
_TICKER_HEADERS = ("ticker", "symbol", "tickers", "symbols")


@dataclass(frozen=True)
class Universe:
    """A resolved universe.

    name:        what to call it in a sentence: 'IWM', 'sp500', '3 tickers'.
    description: one line on where the names come from.
    tickers:     Yahoo symbols, unique, in the source's order.
    kind:        'fund', 'list' or 'tickers'.
    as_of:       the holdings date of a fund's constituents, else None.
    skipped:     entries of the source that are not symbols (left out).
    snapshot:    for a fund, the holdings choice it came from (weights, window start), if any.
    """

    name: str
    description: str
    tickers: tuple[str, ...]
    kind: str
    as_of: dt.date | None = None
    skipped: tuple[str, ...] = ()
    snapshot: SnapshotChoice | None = None

    @property
    def weights(self) -> dict[str, float] | None:
        """A fund's holdings weights by ticker (fractions), None for a list of names."""
        if self.snapshot is None:
            return None
        return {str(t): float(w) for t, w in self.snapshot.holdings.weights.items()}


@dataclass(frozen=True)
class UniverseSpec:
    """A validated request: a fund whose holdings still have to be read, or a ready universe."""

    fund: Fund | None = None
    universe: Universe | None = None


def universe_help(folder: Path | None = None) -> str:
    """What a universe can be, for error messages and help."""
    lists = ", ".join(sorted(named_lists(folder))) if folder else ""
    listed = f" or a named list ({lists})" if lists else ""
    return (
        f"Give a fund: {known_funds_text()}{listed}; or your own tickers "
        "(--tickers AAPL,MSFT / the tickers option) or a file of tickers (--tickers-file PATH)."
    )


def universe_spec(
    universe: str | None = None,
    tickers: str | None = None,
    tickers_file: Path | str | None = None,
    *,
    folder: Path | None = None,
) -> UniverseSpec:
    """Validate the universe options (cheap: no holdings or prices are read).

    `universe` is a fund ticker or a list name (default IWM); `tickers` a typed list;
    `tickers_file` a file of tickers, where `universe` (if given) names the list inside it.
    `folder` holds the named lists (see `lists_dir`). Raises BadInput for conflicting
    options, an unknown universe, or a file without tickers.
    """
    if tickers is not None and str(tickers).strip():
        if tickers_file:
            raise BadInput("Give either --tickers or --tickers-file, not both.")
        if universe:
            raise BadInput("Give either a universe or your own tickers, not both.")
        symbols = parse_symbol_list(str(tickers), maximum=MAX_UNIVERSE)
        noun = "ticker" if len(symbols) == 1 else "tickers"
        return UniverseSpec(
            universe=Universe(
                name=f"{len(symbols)} {noun}",
                description="Tickers given: " + _preview(symbols),
                tickers=tuple(symbols),
                kind="tickers",
            )
        )
    if tickers_file:
        return UniverseSpec(universe=read_ticker_file(Path(tickers_file), universe or None))
    name = (universe or DEFAULT_UNIVERSE).strip()
    key = name.upper().lstrip("$")
    if key in FUNDS:
        return UniverseSpec(fund=get_fund(key))
    if folder is not None:
        found = named_lists(folder).get(_canonical(name))
        if found is not None:
            path, list_key = found
            return UniverseSpec(universe=read_ticker_file(path, list_key or name))
    raise BadInput(f"Unknown universe '{name[:30]}'. " + universe_help(folder))


def named_lists(folder: Path | None) -> dict[str, tuple[Path, str | None]]:
    """Canonical list name -> (file, key inside a JSON object or None) for files in `folder`.

    A JSON object of lists contributes one name per list; any other file one name, its stem.
    Unreadable files are skipped (they are reported when read directly).
    """
    found: dict[str, tuple[Path, str | None]] = {}
    if folder is None or not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in LIST_SUFFIXES or not path.is_file():
            continue
        keys: list[str | None] = [None]
        if path.suffix.lower() == ".json":
            try:
                payload = json.loads(path.read_text(encoding="utf-8-sig"))
            except (OSError, ValueError):
                continue
            if isinstance(payload, dict):
                keys = [k for k, v in payload.items() if isinstance(v, list)]
        for key in keys:
            found.setdefault(_canonical(key or path.stem), (path, key))
    return found


def read_ticker_file(path: Path, list_name: str | None = None) -> Universe:
    """The tickers listed in `path` (formats in the module docstring) as a Universe.

    `list_name` picks a list in a JSON object of lists (aliases such as ndx/ndx100 match);
    for a file holding one list it only names the universe. Entries that are not symbols
    are left out and reported in `skipped`; repeats are dropped. Raises BadInput for a
    missing or unreadable file, a list name the file lacks, an object of several lists
    without a name, or a file with no tickers.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except FileNotFoundError:
        raise BadInput(
            f"{path}: no such file. Give the path of a JSON, CSV or text file of tickers."
        ) from None
    except OSError as exc:
        raise BadInput(f"Cannot read {path}: {exc.strerror}.") from None
    name = list_name
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        entries, key = _json_entries(path, text, list_name)
        name = key or list_name
    else:
        entries = _text_entries(path, text)
    symbols, skipped = _symbols(entries)
    if not symbols:
        what = f"list '{name}' in {path.name}" if name else path.name
        raise BadInput(
            f"The {what} has no tickers. Put symbols in a `ticker` column, a JSON list, "
            "or one per line."
        )
    if len(symbols) > MAX_UNIVERSE:
        raise BadInput(
            f"{path.name} lists {len(symbols):,} tickers; at most {MAX_UNIVERSE:,} at once."
        )
    label = name or path.stem
    return Universe(
        name=label,
        description=f"{label}: {len(symbols):,} tickers from {path.name}",
        tickers=tuple(symbols),
        kind="list",
        skipped=tuple(skipped),
    )


def _json_entries(path: Path, text: str, list_name: str | None) -> tuple[list[Any], str | None]:
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{path.name} is not valid JSON ({exc.msg}, line {exc.lineno}).") from None
    if isinstance(payload, list):
        return payload, None
    if not isinstance(payload, dict):
        raise BadInput(f"{path.name} holds neither a list of tickers nor named lists.")
    lists = {k: v for k, v in payload.items() if isinstance(v, list)}
    if not lists:
        raise BadInput(f"{path.name} holds no list of tickers.")
    if list_name:
        wanted = _canonical(list_name)
        for key, value in lists.items():
            if _canonical(key) == wanted:
                return value, key
        raise BadInput(f"{path.name} has no list '{list_name[:30]}'; it has: {', '.join(lists)}.")
    if len(lists) == 1:
        [(key, value)] = lists.items()
        return value, key
    raise BadInput(
        f"{path.name} holds several lists ({', '.join(lists)}); pick one with "
        f"--universe, e.g. --universe {next(iter(lists))}."
    )


def _text_entries(path: Path, text: str) -> list[str]:
    try:
        # Universal newlines: a lone \r (an old Mac file, binary junk) ends a line instead of
        # stopping the csv module with "new-line character seen in unquoted field".
        rows = list(csv.reader(io.StringIO(text, newline=None)))
    except csv.Error as exc:
        raise BadInput(
            f"{path.name} is not a file of tickers ({exc}). Put symbols in a `ticker` column, "
            "a JSON list, or one per line."
        ) from None
    header = [c.strip().lower() for c in rows[0]] if rows else []
    column = next((header.index(h) for h in _TICKER_HEADERS if h in header), None)
    if column is not None:
        return [row[column] for row in rows[1:] if len(row) > column]
    return [p for p in re.split(r"[\s,;]+", text) if p]


def _symbols(entries: Iterable[Any]) -> tuple[list[str], list[str]]:
    symbols: dict[str, None] = {}
    skipped: list[str] = []
    for entry in entries:
        if isinstance(entry, dict):
            entry = next((entry[k] for k in entry if str(k).lower() in _TICKER_HEADERS), "")
        raw = str(entry).strip()
        if not raw:
            continue
        try:
            symbols.setdefault(normalize_symbol(raw), None)
        except BadInput:
            skipped.append(raw[:20])
    return list(symbols), skipped


def _canonical(name: str) -> str:
    key = re.sub(r"[^a-z0-9&]", "", name.lower())
    for group in _LIST_ALIASES:
        if key in group or key.replace("&", "") in group:
            return group[0]
    return key.replace("&", "")


def _preview(symbols: list[str], shown: int = 8) -> str:
    more = len(symbols) - shown
    return ", ".join(symbols[:shown]) + (f" and {more:,} more" if more > 0 else "")


# -- funds --------------------------------------------------------------------------------


def fund_universe(
    fund: Fund, holdings: Holdings, snapshot: SnapshotChoice | None = None
) -> Universe:
    """A fund's constituents (largest weight first) from one holdings snapshot; `snapshot` is
    the choice it came from (which window start it was chosen for, how far from it)."""
    tickers = tuple(str(s) for s in holdings.frame.index)
    return Universe(
        name=fund.symbol,
        description=f"{fund.index_name}: {len(tickers):,} {fund.symbol} holdings as of {holdings.as_of}",
        tickers=tickers,
        kind="fund",
        as_of=holdings.as_of,
        skipped=tuple(holdings.unmapped),
        snapshot=snapshot,
    )


def stored_fund_universe(db: sqlite_utils.Database, fund: Fund) -> Universe | None:
    """The fund's constituents from its latest stored snapshot, or None if none is stored.

    For keeping prices warm (the refresher, benchmarks); answers choose their snapshot by the
    window with `resolve_universe`. Blocking (SQLite): pass the calling thread's connection.
    """
    from analytics.holdings.store import HoldingsStore

    holdings = HoldingsStore(db).latest(fund)
    if holdings is None:
        return None
    if holdings.frame.empty:
        raise NoData(f"The stored {fund.symbol} holdings of {holdings.as_of} list no stocks.")
    return fund_universe(fund, holdings)


def resolve_universe(
    market: MarketData,
    spec: UniverseSpec,
    start: dt.date,
    *,
    progress: Progress | None = None,
) -> Universe:
    """The universe of a validated spec. A fund's constituents come from the snapshot nearest
    `start` (the window's first session), chosen and refreshed by the one holdings policy
    (`market.holdings.near`: downloads at most daily, refuses a snapshot more than a year from
    `start` when it cannot download a nearer one); a download is a progress phase.

    Raises NoData when a fund's holdings are missing or too far and cannot be downloaded.
    Blocking: commands call it as `data.universe(spec, start)`.
    """
    if spec.universe is not None:
        return spec.universe
    assert spec.fund is not None
    choice = market.holdings.near(spec.fund, start, progress=progress)
    return fund_universe(spec.fund, choice.holdings, choice)
