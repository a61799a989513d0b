"""FRED parsing and the aiohttp client, against real FRED files served by a local fake."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import socket
from pathlib import Path

import aiohttp
import pytest

from analytics.errors import BadInput, NoData, RateLimited, UpstreamError
from analytics.macro.fred import FredClient, parse_fred_csv, parse_fred_json
from tests.fakes.fred import API_KEY, FakeFred, observations_payload


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    """Independent reading of a FRED CSV with the csv module: (date, value), blanks skipped."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(d), float(v)) for d, v in rows if v.strip() not in ("", ".")]


def as_pairs(series) -> list[tuple[dt.date, float]]:
    return [(ts.date(), float(v)) for ts, v in series.items()]


@pytest.fixture
def gdpnow_path(shared_data: Path) -> Path:
    return shared_data / "fred" / "GDPNOW.csv"


@pytest.fixture
def unrate_path(shared_data: Path) -> Path:
    return shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv"


# --- parsing -------------------------------------------------------------------------------


def test_parse_fredgraph_header_real_file(gdpnow_path: Path) -> None:
    series_id, series = parse_fred_csv(gdpnow_path.read_text())
    assert series_id == "GDPNOW"
    assert series.name == "GDPNOW"
    assert as_pairs(series) == read_rows(gdpnow_path)
    assert len(series) == 55
    assert series.index[-1].date() == dt.date(2025, 1, 1)
    assert series.iloc[-1] == pytest.approx(2.9416)


def test_parse_older_date_header_gives_same_series(gdpnow_path: Path) -> None:
    text = gdpnow_path.read_text().replace("observation_date,GDPNOW", "DATE,GDPNOW", 1)
    series_id, series = parse_fred_csv(text)
    assert series_id == "GDPNOW"
    assert as_pairs(series) == read_rows(gdpnow_path)


def test_parse_date_value_file_takes_id_from_argument_and_drops_blanks(unrate_path: Path) -> None:
    series_id, series = parse_fred_csv(unrate_path.read_text(), "unrate")
    expected = read_rows(unrate_path)
    assert series_id == "UNRATE"
    assert as_pairs(series) == expected
    # October 2025 is blank in the real file (FRED's gap): dropped, not zero.
    assert dt.date(2025, 10, 1) not in {d for d, _ in expected}
    assert pd_dates(series)[-2:] == [dt.date(2025, 9, 1), dt.date(2025, 11, 1)]


def pd_dates(series) -> list[dt.date]:
    return [ts.date() for ts in series.index]


def test_parse_dot_and_empty_values_are_missing() -> None:
    text = "observation_date,DGS10\n2024-01-02,3.95\n2024-01-03,.\n2024-01-04,\n2024-01-05,4.05\n"
    _, series = parse_fred_csv(text)
    assert as_pairs(series) == [(dt.date(2024, 1, 2), 3.95), (dt.date(2024, 1, 5), 4.05)]


def test_parse_header_only_is_empty() -> None:
    series_id, series = parse_fred_csv("observation_date,ICSA\n")
    assert (series_id, len(series)) == ("ICSA", 0)


def test_parse_several_columns_picks_the_named_series() -> None:
    text = "observation_date,DGS10,DGS2\n2024-01-02,3.95,4.33\n"
    _, series = parse_fred_csv(text, "DGS2")
    assert as_pairs(series) == [(dt.date(2024, 1, 2), 4.33)]
    with pytest.raises(BadInput, match="several series"):
        parse_fred_csv(text)


def test_parse_html_names_the_id() -> None:
    with pytest.raises(BadInput) as err:
        parse_fred_csv("<!DOCTYPE html><html><body>oops</body></html>", "xyz")
    assert err.value.message == "FRED answered a web page, not data: is 'XYZ' a valid series id?"


@pytest.mark.parametrize(
    "text",
    ["", "hello world", "Ticker,Name\nSPY,SPDR\n", "series_id,last_updated\nGDP,2026-01-02\n"],
)
def test_parse_garbage_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput, match="not a FRED series file"):
        parse_fred_csv(text, "GDP")


def test_parse_date_value_without_id_says_to_name_the_file() -> None:
    with pytest.raises(BadInput, match=r"name the file after its FRED id \(e.g. UNRATE.csv\)"):
        parse_fred_csv("date,value\n2024-01-01,3.7\n")


def test_parse_bad_value_and_bad_date_name_the_line() -> None:
    with pytest.raises(BadInput, match="Line 3 .* not a number: 'n/a'"):
        parse_fred_csv("observation_date,UNRATE\n2024-01-01,3.7\n2024-02-01,n/a\n")
    with pytest.raises(BadInput, match="Line 2 .* bad date '01/02/2024'"):
        parse_fred_csv("observation_date,UNRATE\n01/02/2024,3.7\n")


def test_parse_json_matches_csv_parse(gdpnow_path: Path) -> None:
    text = gdpnow_path.read_text()
    series = parse_fred_json(observations_payload(text), series_id="gdpnow")
    assert series.name == "GDPNOW"
    assert as_pairs(series) == read_rows(gdpnow_path)


def test_parse_json_dot_is_missing_and_errors_map() -> None:
    payload = {
        "observations": [
            {"date": "2024-01-01", "value": "."},
            {"date": "2024-02-01", "value": "3.9"},
        ]
    }
    assert as_pairs(parse_fred_json(payload)) == [(dt.date(2024, 2, 1), 3.9)]
    with pytest.raises(BadInput, match="FRED has no series 'NOPE'"):
        parse_fred_json(
            {"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
            series_id="NOPE",
        )
    with pytest.raises(UpstreamError, match="not series data"):
        parse_fred_json({"seriess": []})


# --- the client against the fake ------------------------------------------------------------


@pytest.fixture
def texts(gdpnow_path: Path, unrate_path: Path) -> dict[str, str]:
    return {"GDPNOW": gdpnow_path.read_text(), "UNRATE": unrate_path.read_text()}


@pytest.fixture
async def fake(texts: dict[str, str]):
    async with FakeFred(
        texts,
        info={"UNRATE": {"title": "Unemployment Rate", "frequency": "Monthly", "units": "Percent"}},
        html_ids=("HTMLPAGE",),
        status_ids={"BROKEN": 500, "BUSY": 429},
        slow_ids={"SLOW": 2.0},
    ) as server:
        yield server


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def client_for(session, fake: FakeFred, *, api_key: str | None = None, **kw) -> FredClient:
    return FredClient(
        session, api_key=api_key, base_url=fake.base_url, api_base_url=fake.base_url, **kw
    )


async def test_fetch_csv_endpoint_real_files(session, fake, gdpnow_path, unrate_path) -> None:
    client = client_for(session, fake)
    gdpnow = await client.fetch("gdpnow")
    unrate = await client.fetch("UNRATE")
    assert as_pairs(gdpnow) == read_rows(gdpnow_path)
    assert as_pairs(unrate) == read_rows(unrate_path)
    assert unrate.name == "UNRATE"
    assert fake.requests == [
        ("/graph/fredgraph.csv", {"id": "GDPNOW"}),
        ("/graph/fredgraph.csv", {"id": "UNRATE"}),
    ]
    assert (client.requests, client.source) == (2, "FRED")


async def test_fetch_json_api_with_key(session, fake, unrate_path) -> None:
    client = client_for(session, fake, api_key=API_KEY)
    series = await client.fetch("unrate")
    assert as_pairs(series) == read_rows(unrate_path)
    path, query = fake.requests[0]
    assert path == "/fred/series/observations"
    assert query == {"series_id": "UNRATE", "api_key": API_KEY, "file_type": "json"}
    assert client.source == "FRED API"


async def test_fetch_info_with_key_and_from_registry(session, fake) -> None:
    keyed = await client_for(session, fake, api_key=API_KEY).fetch_info("UNRATE")
    assert (keyed.title, keyed.units, keyed.frequency, keyed.source) == (
        "Unemployment Rate",
        "Percent",
        "monthly",
        "FRED API",
    )
    requests_before = len(fake.requests)
    plain = await client_for(session, fake).fetch_info("unrate")
    assert (plain.title, plain.frequency, plain.source) == (
        "Unemployment rate",
        "monthly",
        "registry",
    )
    assert len(fake.requests) == requests_before  # the no-key path asks nobody
    generic = await client_for(session, fake).fetch_info("T5YIE")
    assert (generic.title, generic.frequency) == ("T5YIE", "unknown")


@pytest.mark.parametrize("api_key", [None, API_KEY])
async def test_unknown_id_is_bad_input_naming_it(session, fake, api_key) -> None:
    with pytest.raises(BadInput, match="FRED has no series 'NOSUCHSERIES'"):
        await client_for(session, fake, api_key=api_key).fetch("nosuchseries")


async def test_web_page_with_200_is_bad_input_naming_it(session, fake) -> None:
    with pytest.raises(BadInput, match="is 'HTMLPAGE' a valid series id"):
        await client_for(session, fake).fetch("HTMLPAGE")


@pytest.mark.parametrize("api_key", [None, API_KEY])
async def test_server_error_is_upstream(session, fake, api_key) -> None:
    with pytest.raises(UpstreamError) as err:
        await client_for(session, fake, api_key=api_key).fetch("BROKEN")
    assert type(err.value) is UpstreamError
    assert "HTTP 500" in err.value.message


@pytest.mark.parametrize("api_key", [None, API_KEY])
async def test_429_is_rate_limited(session, fake, api_key) -> None:
    with pytest.raises(RateLimited, match="rate limiting"):
        await client_for(session, fake, api_key=api_key).fetch("BUSY")


async def test_timeout_is_upstream(session, fake) -> None:
    client = client_for(session, fake, timeout=aiohttp.ClientTimeout(total=0.2))
    with pytest.raises(UpstreamError, match="did not answer in time"):
        await client.fetch("SLOW")


async def test_connection_refused_is_upstream(session) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = FredClient(session, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(UpstreamError, match="unreachable"):
        await client.fetch("UNRATE")


async def test_bad_key_is_upstream_and_key_never_logged(session, fake, caplog) -> None:
    secret = "not-the-right-key-5f3a"
    caplog.set_level(logging.DEBUG)
    client = client_for(session, fake, api_key=secret)
    with pytest.raises(UpstreamError, match="rejected the API key") as err:
        await client.fetch("UNRATE")
    unreachable = FredClient(session, api_key=secret, api_base_url="http://127.0.0.1:1")
    with pytest.raises(UpstreamError) as err2:
        await unreachable.fetch("UNRATE")
    assert secret not in err.value.message + err2.value.message
    assert secret not in repr(client)
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert any("UNRATE" in record.getMessage() for record in caplog.records)


async def test_malformed_id_rejected_without_a_request(session, fake) -> None:
    with pytest.raises(BadInput, match="not a FRED series id"):
        await client_for(session, fake).fetch("un rate!")
    assert fake.requests == []


async def test_empty_series_is_no_data(session) -> None:
    async with FakeFred({"EMPTY": "observation_date,EMPTY\n2024-01-01,.\n"}) as server:
        with pytest.raises(NoData, match="no observations for EMPTY"):
            await client_for(session, server).fetch("EMPTY")
