"""The window grammar: parsing, (B, E) on the NYSE calendar, and how far back to fetch."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from analytics.calendar import sessions_between
from analytics.errors import BadInput, NoData
from analytics.windows import WINDOW_HELP, Window, earliest_needed, parse_window, window_bounds

D = dt.date


@pytest.fixture(scope="module")
def nyse_sessions() -> pd.DatetimeIndex:
    """Real NYSE sessions 2000-2025 (holidays, Good Friday, the 9/11 closure)."""
    return sessions_between(D(2000, 1, 3), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("text", "kind", "n"),
    [
        ("5d", "sessions", 5),
        (" 20D ", "sessions", 20),
        ("2w", "weeks", 2),
        ("3m", "months", 3),
        ("6mo", "months", 6),
        ("6 MO", "months", 6),
        ("1y", "years", 1),
        ("10Y", "years", 10),
    ],
)
def test_parse_counted_windows(text: str, kind: str, n: int) -> None:
    window = parse_window(text)
    assert (window.kind, window.n, window.start, window.end) == (kind, n, None, None)


@pytest.mark.parametrize("text", ["ytd", "YTD", " qtd", "Mtd "])
def test_parse_to_date_windows(text: str) -> None:
    window = parse_window(text)
    assert window.kind == text.strip().lower()
    assert window.n is None


@pytest.mark.parametrize("text", ["2024-01-02:2024-03-28", " 2024-01-02 : 2024-03-28 "])
def test_parse_explicit_range(text: str) -> None:
    window = parse_window(text)
    assert (window.kind, window.start, window.end) == ("range", D(2024, 1, 2), D(2024, 3, 28))
    assert window.text == "2024-01-02:2024-03-28"


def test_labels_read_as_words() -> None:
    assert parse_window("1d").label == "1 session"
    assert parse_window("3mo").label == "3 months"
    assert parse_window("ytd").label == "YTD"
    assert parse_window("2024-01-02:2024-03-28").label == "2024-01-02 to 2024-03-28"


@pytest.mark.parametrize(
    ("text", "specific"),
    [
        ("", "No window given"),
        ("5x", "is not a window"),
        ("d5", "is not a window"),
        ("5days", "is not a window"),
        ("-5d", "is not a window"),
        ("0d", "length 0"),
        ("500y", "at most 100 years"),
        ("99999999d", "at most 25000 sessions"),
        ("2024-13-01:2024-12-01", "not a real date"),
        ("2024-02-30:2024-03-01", "not a real date"),
        ("2024-03-01:2024-01-01", "first date must be before the second"),
        ("2024-03-01:2024-03-01", "first date must be before the second"),
        ("2024-03-01", "is not a window"),
    ],
)
def test_bad_windows_name_the_valid_forms(text: str, specific: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_window(text)
    assert specific in info.value.message
    assert info.value.message.endswith(WINDOW_HELP)


def _bounds(
    text: str, sessions: pd.DatetimeIndex, as_of: dt.date | None
) -> tuple[dt.date, dt.date]:
    start, end = window_bounds(parse_window(text), sessions, as_of)
    return start.date(), end.date()


# Expected (B, E) worked out by hand from the NYSE calendar.
@pytest.mark.parametrize(
    ("text", "as_of", "expected"),
    [
        # Jul 4 2024 is a holiday: 5 sessions before Fri Jul 5 reach back to Thu Jun 27.
        ("5d", D(2024, 7, 5), (D(2024, 6, 27), D(2024, 7, 5))),
        ("1d", D(2024, 7, 5), (D(2024, 7, 3), D(2024, 7, 5))),
        ("2w", D(2024, 7, 5), (D(2024, 6, 21), D(2024, 7, 5))),
        # Month-end clamping: 3 months before May 31 is Feb 29 in a leap year, Feb 28 otherwise.
        ("3m", D(2024, 5, 31), (D(2024, 2, 29), D(2024, 5, 31))),
        ("3mo", D(2023, 5, 31), (D(2023, 2, 28), D(2023, 5, 31))),
        # as_of on Easter Sunday: E is Thu Mar 28 (Good Friday closed); Feb 28 is a Wednesday.
        ("1m", D(2024, 3, 31), (D(2024, 2, 28), D(2024, 3, 28))),
        # One year before Mon 2023-03-13 is Sun 2022-03-13: B is Fri 2022-03-11.
        ("1y", D(2023, 3, 13), (D(2022, 3, 11), D(2023, 3, 13))),
        # ytd on the first session of 2024: B is the last 2023 session (Dec 31 was a Sunday).
        ("ytd", D(2024, 1, 2), (D(2023, 12, 29), D(2024, 1, 2))),
        # ytd asked on New Year's Day: E is still in 2023, so B is the last 2022 session.
        ("ytd", D(2024, 1, 1), (D(2022, 12, 30), D(2023, 12, 29))),
        # qtd in Q2 2024: the last Q1 session was Thu Mar 28 (Good Friday).
        ("qtd", D(2024, 5, 15), (D(2024, 3, 28), D(2024, 5, 15))),
        ("qtd", D(2024, 1, 10), (D(2023, 12, 29), D(2024, 1, 10))),
        # mtd on Jul 5 2024: June 30 was a Sunday.
        ("mtd", D(2024, 7, 5), (D(2024, 6, 28), D(2024, 7, 5))),
        # Explicit range: both ends fall back to sessions; as_of is ignored.
        ("2024-01-06:2024-03-31", D(2025, 1, 1), (D(2024, 1, 5), D(2024, 3, 28))),
        # 9/11: 1w before Mon 2001-09-17 is Mon 2001-09-10, the last session before the closure.
        ("1w", D(2001, 9, 17), (D(2001, 9, 10), D(2001, 9, 17))),
    ],
)
def test_window_bounds_on_the_nyse_calendar(
    nyse_sessions: pd.DatetimeIndex, text: str, as_of: dt.date, expected: tuple[dt.date, dt.date]
) -> None:
    assert _bounds(text, nyse_sessions, as_of) == expected


def test_default_end_is_the_last_session() -> None:
    sessions = pd.DatetimeIndex(
        ["2024-01-05", "2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04"]
    )
    assert _bounds("2d", sessions, None) == (D(2024, 1, 3), D(2024, 1, 5))


def test_window_before_the_data_says_where_the_data_begins() -> None:
    sessions = sessions_between(D(2020, 1, 2), D(2022, 1, 31))
    with pytest.raises(NoData) as info:
        _bounds("5y", sessions, D(2022, 1, 3))
    assert info.value.message == "Window 5y starts 2017-01-03 but the data begins 2020-01-02."


def test_session_window_longer_than_the_data() -> None:
    sessions = pd.bdate_range("2024-01-01", periods=10)
    with pytest.raises(NoData) as info:
        _bounds("10d", sessions, None)
    assert info.value.message == (
        "Window 10d needs 11 sessions ending 2024-01-12 but the data has 10 (it begins 2024-01-01)."
    )
    assert _bounds("9d", sessions, None) == (D(2024, 1, 1), D(2024, 1, 12))


def test_as_of_before_the_data() -> None:
    sessions = pd.bdate_range("2024-01-01", periods=10)
    with pytest.raises(NoData, match="No data on or before 2023-12-29: the data begins 2024-01-01"):
        _bounds("1d", sessions, D(2023, 12, 29))


def test_range_without_a_session_inside() -> None:
    sessions = pd.bdate_range("2024-03-25", "2024-04-05")
    # Sat..Sun: both ends fall back to Fri Mar 29 (a bdate, not NYSE-aware on purpose).
    with pytest.raises(NoData, match="contains no session after 2024-03-29"):
        _bounds("2024-03-30:2024-03-31", sessions, None)


def test_no_sessions_at_all() -> None:
    with pytest.raises(NoData, match="No price data"):
        window_bounds(parse_window("5d"), pd.DatetimeIndex([]), None)


def test_earliest_needed_covers_b_on_the_real_calendar(nyse_sessions: pd.DatetimeIndex) -> None:
    rng = random.Random(7)
    # Random calendar days (holidays and weekends included) plus the awkward ones.
    ends = [D(2001, 9, 17), D(2001, 9, 21), D(2012, 11, 2), D(2024, 1, 1), D(2024, 1, 2)]
    ends += [D(2002, 6, 1) + dt.timedelta(days=rng.randrange(8000)) for _ in range(60)]
    texts = ["1d", "5d", "20d", "63d", "252d", "1w", "1m", "3m", "1y", "ytd", "qtd", "mtd"]
    for end in ends:
        for text in texts:
            window = parse_window(text)
            start, _ = window_bounds(window, nyse_sessions, end)
            needed = earliest_needed(window, end)
            assert needed <= start.date(), (text, end)
            # ...and not wastefully early: a few weeks at most (plus 10% of a session count),
            # except to-date windows asked in the first week of their period.
            early_in_period = window.kind in ("ytd", "qtd", "mtd") and end.day <= 7
            if not early_in_period:
                slack = (start.date() - needed).days
                limit = 24 + 0.1 * (window.n or 0) * (window.kind == "sessions")
                assert slack <= limit, (text, end, slack)


def test_earliest_needed_when_the_end_is_a_new_years_holiday(
    nyse_sessions: pd.DatetimeIndex,
) -> None:
    # Asked on Jan 1 2024, ytd ends on Fri 2023-12-29 and starts at the last 2022 session.
    window = parse_window("ytd")
    start, _ = window_bounds(window, nyse_sessions, D(2024, 1, 1))
    assert start.date() == D(2022, 12, 30)
    assert earliest_needed(window, D(2024, 1, 1)) <= D(2022, 12, 30)


def test_earliest_needed_for_a_range_uses_its_own_start() -> None:
    window = Window(
        text="2024-01-06:2024-03-31", kind="range", start=D(2024, 1, 6), end=D(2024, 3, 31)
    )
    assert earliest_needed(window, D(2025, 6, 1)) == D(2023, 12, 27)


def test_expected_session_is_the_last_completed_session_on_or_before_the_date_asked():
    import datetime as dt

    from analytics.calendar import expected_session

    # Tuesday 2026-12-01 15:00 ET: the latest completed session is Monday 2026-11-30.
    now = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)
    assert expected_session(None, now) == dt.date(2026, 11, 30)
    assert expected_session(dt.date(2026, 11, 29), now) == dt.date(
        2026, 11, 27
    )  # Friday after Thanksgiving
    assert expected_session(dt.date(2026, 12, 5), now) == dt.date(2026, 11, 30)
    # after the close the day itself counts
    assert expected_session(None, dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)) == dt.date(
        2026, 12, 1
    )


def test_behind_note_names_the_data_end_and_the_reason():
    import datetime as dt

    from analytics.commands.common import behind_note

    assert behind_note(dt.date(2026, 11, 30), dt.date(2026, 11, 30)) is None
    suffix, warning = behind_note(dt.date(2026, 10, 5), dt.date(2026, 11, 30), "offline mode is on")
    assert suffix == " (as of 2026-10-05)"
    assert "2026-10-05" in warning and "2026-11-30" in warning and "offline mode is on" in warning
