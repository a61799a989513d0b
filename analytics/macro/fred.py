"""FRED: parsing its CSV and JSON answers, and an aiohttp client for both endpoints.

Without an API key the client uses the public fredgraph CSV
(`/graph/fredgraph.csv?id=ID`); with one, the JSON API
(`/fred/series/observations?series_id=ID&api_key=KEY&file_type=json`). The key is never
logged and never appears in an error message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import aiohttp
import pandas as pd

from analytics.errors import BadInput, MarketbotError, NoData, RateLimited, UpstreamError
from analytics.macro.series import is_series_id, lookup, normalize_series_id
from analytics.macro.source import FRED_API_BASE_URL, FRED_BASE_URL

log = logging.getLogger(__name__)

__all__ = ["FRED_API_BASE_URL", "FRED_BASE_URL", "FredClient", "parse_fred_csv", "parse_fred_json"]
# FRED usually answers in well under a second; a minute-long hang means it is down.
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)
USER_AGENT = "marketbot/0.1 (aiohttp)"

_MISSING = {"", "."}
_DATE_COLUMNS = {"observation_date", "date"}


def _looks_like_html(text: str) -> bool:
    head = text[:512].lstrip().lower()
    return head.startswith("<") or "<html" in head or "<!doctype" in head


def _unknown_id(series_id: str) -> BadInput:
    return BadInput(
        f"FRED has no series '{series_id}'. Check the id on fred.stlouisfed.org "
        "(e.g. UNRATE, GDPNOW, DGS10) or type a name like unemployment or 10y."
    )


def _empty_series(series_id: str | None) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([], name="date"), name=series_id, dtype="float64")


def _build_series(dates: list[dt.date], values: list[float], series_id: str | None) -> pd.Series:
    if not dates:
        return _empty_series(series_id)
    series = pd.Series(
        values, index=pd.DatetimeIndex(dates, name="date"), name=series_id, dtype="float64"
    )
    series = series[~series.index.duplicated(keep="last")]
    return series.sort_index()


def _parse_value(raw: str, where: str) -> float | None:
    text = raw.strip()
    if text in _MISSING:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"{where} has a value that is not a number: '{text[:20]}'.") from None
    return value if math.isfinite(value) else None


def _parse_date(raw: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise BadInput(
            f"{where} has a bad date '{raw.strip()[:20]}' (FRED dates look like 2024-10-01)."
        ) from None


class NotASeriesFile(BadInput):
    """The text's header is not a series' (`import fred` skips such files with a notice)."""


def parse_fred_csv(
    text: str, series_id: str | None = None, *, source: str | None = None
) -> tuple[str, pd.Series]:
    """Parse a FRED CSV into (series id, observations).

    Accepted headers: `observation_date,ID` (fredgraph since about Dec 2024), `DATE,ID`
    (older fredgraph) and `date,value` (re-saved files; the id then comes from `series_id`,
    e.g. the file name). With several series columns, `series_id` picks one. `.` and empty
    values are missing and dropped. The result is float64 on a sorted DatetimeIndex named
    "date" (duplicate dates: the last wins); a header with no rows gives an empty series.

    `source` names where the text came from ("file UNRATE.csv") for error messages; by
    default it is FRED's answer. Raises BadInput for a web page or anything that is not a
    FRED series file.
    """
    label = (series_id or "").strip().upper() or "that"
    body = (text or "").lstrip("\ufeff").strip()
    if _looks_like_html(body):
        if source:
            raise BadInput(f"{source} is a web page, not FRED data: download the series as CSV.")
        raise BadInput(f"FRED answered a web page, not data: is '{label}' a valid series id?")
    where = source or f"FRED's answer for '{label}'"
    rows = list(csv.reader(io.StringIO(body)))
    header = [h.strip() for h in rows[0]] if rows else []
    if len(header) < 2 or header[0].lower() not in _DATE_COLUMNS:
        first = body.splitlines()[0][:60] if body else "nothing"
        raise NotASeriesFile(
            f"{where} is not a FRED series file: expected a header like "
            f"'observation_date,UNRATE' or 'date,value', got '{first}'."
        )

    if header[1].lower() == "value":
        if not series_id:
            raise BadInput(
                f"{where} has 'date,value' columns that do not name the series: "
                "name the file after its FRED id (e.g. UNRATE.csv)."
            )
        name = normalize_series_id(series_id)
        column = 1
    else:
        ids = [h.upper() for h in header[1:]]
        wanted = (series_id or "").strip().upper()
        if len(ids) > 1 and wanted not in ids:
            raise BadInput(f"{where} holds several series ({', '.join(ids)}): say which one.")
        column = ids.index(wanted) + 1 if wanted in ids else 1
        name = ids[column - 1]
        if not is_series_id(name):
            raise BadInput(f"{where} names its series '{name[:40]}', which is not a FRED id.")

    dates: list[dt.date] = []
    values: list[float] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        line = f"Line {lineno} of {where}"
        day = _parse_date(row[0], line)
        value = _parse_value(row[column] if column < len(row) else "", line)
        if value is not None:
            dates.append(day)
            values.append(value)
    return name, _build_series(dates, values, name)


def parse_fred_json(payload: dict[str, Any], *, series_id: str | None = None) -> pd.Series:
    """Observations from the JSON API's `/fred/series/observations` answer.

    `{"observations": [{"date": "2024-10-01", "value": "2.3", ...}, ...]}`; "." is missing
    and dropped. An error payload (`{"error_code": 400, "error_message": ...}`) raises the
    matching error (unknown series -> BadInput, bad key -> UpstreamError, rate limit ->
    RateLimited); anything else without observations raises UpstreamError.
    """
    label = (series_id or "").upper() or "that series"
    if isinstance(payload, dict) and "error_message" in payload:
        raise _api_error(str(payload.get("error_message", "")), label)
    observations = payload.get("observations") if isinstance(payload, dict) else None
    if not isinstance(observations, list):
        raise UpstreamError(f"FRED answered something that is not series data for {label}.")
    where = f"FRED's answer for '{label}'"
    dates: list[dt.date] = []
    values: list[float] = []
    for item in observations:
        if not isinstance(item, dict):
            raise UpstreamError(f"FRED answered malformed observations for {label}.")
        day = _parse_date(str(item.get("date", "")), where)
        value = _parse_value(str(item.get("value", "")), where)
        if value is not None:
            dates.append(day)
            values.append(value)
    return _build_series(dates, values, series_id.upper() if series_id else None)


def _api_error(message: str, series_id: str) -> MarketbotError:
    lowered = message.lower()
    if "does not exist" in lowered:
        return _unknown_id(series_id)
    if "api_key" in lowered or "api key" in lowered:
        return UpstreamError(
            "FRED rejected the API key (FRED_API_KEY): check it, or unset it to use the no-key CSV."
        )
    if "too many" in lowered or "rate limit" in lowered:
        return _rate_limited()
    return UpstreamError(f"FRED refused the request for {series_id}: {message[:160]}")


def _rate_limited() -> RateLimited:
    return RateLimited("FRED is rate limiting requests; try again in a minute.")


_FREQUENCIES = ("daily", "weekly", "biweekly", "monthly", "quarterly", "semiannual", "annual")


def normalize_frequency(text: str) -> str:
    """FRED's "Daily, Close" / "Weekly, Ending Saturday" / "Quarterly" -> "daily" etc."""
    word = (text or "").split(",")[0].strip().lower()
    return word if word in _FREQUENCIES else "unknown"


@dataclass(frozen=True)
class SeriesInfo:
    """What a series is: title, units, frequency ("daily" ... "annual" or "unknown").

    source: "FRED API" when FRED described it, "registry" when it came from the curated
    registry (or, for uncurated ids without an API key, generic placeholders).
    """

    id: str
    title: str
    units: str
    frequency: str
    source: str
    last_updated: str | None = None


class FredClient:
    """Fetches FRED series over one shared aiohttp session (the bot owns and closes it).

    Errors: unknown id (404, a web page with 200, or the API's "does not exist") -> BadInput
    naming the id; FRED down (connection error, timeout, 5xx) -> UpstreamError;
    429 -> RateLimited. `requests` counts HTTP requests sent.
    """

    name = "FRED"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: str | None = None,
        base_url: str = FRED_BASE_URL,
        api_base_url: str = FRED_API_BASE_URL,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        self._api_key = (api_key or "").strip() or None
        self._base_url = base_url.rstrip("/")
        self._api_base_url = api_base_url.rstrip("/")
        self._timeout = timeout
        self.requests = 0

    def __repr__(self) -> str:
        return f"FredClient(base_url={self._base_url!r}, api_key={'set' if self._api_key else 'unset'})"

    @property
    def source(self) -> str:
        """Where observations come from, for the Answer's source line."""
        return "FRED API" if self._api_key else "FRED"

    async def fetch(self, series_id: str) -> pd.Series:
        """All observations of a FRED series (float64, DatetimeIndex "date", missing dropped).

        Raises BadInput for a malformed or unknown id, NoData when FRED has no values.
        """
        sid = normalize_series_id(series_id)
        if self._api_key:
            payload = await self._get_json(
                f"{self._api_base_url}/fred/series/observations",
                {"series_id": sid, "api_key": self._api_key, "file_type": "json"},
                sid,
            )
            series = parse_fred_json(payload, series_id=sid)
        else:
            text = await self._get_text(f"{self._base_url}/graph/fredgraph.csv", {"id": sid}, sid)
            _, series = parse_fred_csv(text, sid)
            series.name = sid
        if series.empty:
            raise NoData(f"FRED has no observations for {sid} yet.")
        return series

    async def fetch_info(self, series_id: str) -> SeriesInfo:
        """Title, units and frequency: from FRED's `/fred/series` with an API key, else from
        the curated registry (no request; uncurated ids get the id as title)."""
        sid = normalize_series_id(series_id)
        if not self._api_key:
            entry = lookup(sid)
            return SeriesInfo(sid, entry.name, entry.units, entry.frequency, "registry")
        payload = await self._get_json(
            f"{self._api_base_url}/fred/series",
            {"series_id": sid, "api_key": self._api_key, "file_type": "json"},
            sid,
        )
        items = payload.get("seriess")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise UpstreamError(f"FRED answered no description for {sid}.")
        item = items[0]
        return SeriesInfo(
            id=sid,
            title=str(item.get("title", sid)),
            units=str(item.get("units", "")),
            frequency=normalize_frequency(str(item.get("frequency", ""))),
            source="FRED API",
            last_updated=item.get("last_updated"),
        )

    async def _get_text(self, url: str, params: dict[str, str], sid: str) -> str:
        status, text = await self._request(url, params, sid)
        self._check_status(status, sid)
        return text

    async def _get_json(self, url: str, params: dict[str, str], sid: str) -> dict[str, Any]:
        status, text = await self._request(url, params, sid)
        if status != 400:
            self._check_status(status, sid)
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        # The API reports unknown ids and bad keys as 400 with a JSON error message.
        if isinstance(payload, dict) and "error_message" in payload:
            raise _api_error(str(payload["error_message"]), sid)
        if status != 200:
            raise UpstreamError(f"FRED answered HTTP {status} for {sid}.")
        if not isinstance(payload, dict):
            what = "a web page" if _looks_like_html(text) else "garbage"
            raise UpstreamError(f"FRED answered {what} instead of data for {sid}; try again later.")
        return payload

    @staticmethod
    def _check_status(status: int, sid: str) -> None:
        if status == 200:
            return
        if status == 404:
            raise _unknown_id(sid)
        if status == 429:
            raise _rate_limited()
        if status >= 500:
            raise UpstreamError(f"FRED is having trouble (HTTP {status}); try again later.")
        raise UpstreamError(f"FRED answered HTTP {status} for {sid}.")

    async def _request(self, url: str, params: dict[str, str], sid: str) -> tuple[int, str]:
        self.requests += 1
        log.debug("FRED GET %s for %s", url, sid)
        try:
            async with self._session.get(
                url, params=params, timeout=self._timeout, headers={"User-Agent": USER_AGENT}
            ) as response:
                body = await response.read()
                return response.status, body.decode("utf-8", errors="replace")
        except TimeoutError:
            log.warning("FRED timed out fetching %s", sid)
            raise UpstreamError("FRED did not answer in time; try again later.") from None
        except aiohttp.ClientError as exc:
            # The exception text can carry the request URL, which holds the API key.
            log.warning("FRED request for %s failed: %s", sid, type(exc).__name__)
            raise UpstreamError("FRED is unreachable right now; try again later.") from None
