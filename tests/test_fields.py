"""German value parsers in one place (hausbesuch.fields), shared by clients and teams."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from hausbesuch import clients, fields, teams
from hausbesuch.fields import (
    FieldError,
    parse_clock,
    parse_clock_minutes,
    parse_clock_range,
    parse_datetime,
    parse_duration,
    parse_weekdays,
)


def test_clients_and_teams_use_the_one_parser():
    assert clients.parse_date is fields.parse_date
    assert clients.parse_duration is fields.parse_duration
    assert clients.parse_time_windows is fields.parse_time_windows
    assert teams._clock is fields.parse_clock_minutes
    assert teams._weekdays is fields.parse_weekdays


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("1,5 h", 90), ("1,5 Std.", 90), ("1,5 Stunden", 90), ("1:30", 90),
     ("45,0", 45), ("5", 5), ("0,5 h", 30)],
)
def test_duration_rule(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["1,5", "2", "4,9", "0,5"])
def test_unitless_short_duration_is_refused_as_ambiguous(text):
    with pytest.raises(FieldError, match="mehrdeutig") as err:
        parse_duration(text)
    assert "h" in str(err.value) and text in str(err.value)


def test_duration_with_unit_but_too_short_and_huge_numbers():
    with pytest.raises(FieldError, match="zu kurz"):
        parse_duration("3 min")
    with pytest.raises(FieldError, match="nicht lesbar"):
        parse_duration("9" * 5000)  # no OverflowError, and the value is not echoed in full
    with pytest.raises(FieldError, match="unplausibel"):
        parse_duration("9" * 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14:30", time(14, 30)), ("14.30", time(14, 30)), ("14 Uhr", time(14)),
     ("14:30 Uhr", time(14, 30)), ("8h", time(8)), (" 08:05 ", time(8, 5))],
)
def test_parse_clock(text, expected):
    assert parse_clock(text) == expected
    assert parse_clock_minutes(text) == expected.hour * 60 + expected.minute


@pytest.mark.parametrize("text", ["25:00", "10:70", "halb drei", "", "24:00", "14,30"])
def test_parse_clock_rejects(text):
    with pytest.raises(FieldError):
        parse_clock(text)


def test_clock_minutes_allow_end_of_day_and_hours_as_int():
    assert parse_clock_minutes("24:00") == 1440
    assert parse_clock_minutes(8) == 480
    assert parse_clock_minutes(time(9, 15)) == 555
    with pytest.raises(FieldError):
        parse_clock_minutes(True)
    assert parse_clock_range("8 bis 16 Uhr") == (480, 960)
    assert parse_clock_range(["8:00", "16:30"]) == (480, 990)


@pytest.mark.parametrize(
    "text",
    ["2026-12-08 11:30", "08.12.2026 11:30", "2026-12-08T11:30", "8.12.2026, 11.30 Uhr",
     "08.12.2026 um 11:30 Uhr", "08.12.26 11:30"],
)
def test_parse_datetime(text):
    assert parse_datetime(text, today=date(2026, 11, 1)) == datetime(2026, 12, 8, 11, 30)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("2026-12-08", "kein Zeitpunkt"), ("11:30", "kein Zeitpunkt"),
     ("31.02.2026 11:30", "kein gültiges Datum"), ("08.12.2026 25:00", "ungültige Uhrzeit")],
)
def test_parse_datetime_rejects(text, fragment):
    with pytest.raises(FieldError, match=fragment):
        parse_datetime(text)


def test_parse_weekdays():
    assert parse_weekdays("Mo-Fr") == frozenset(range(5))
    assert parse_weekdays("Fr-Mo") == frozenset({4, 5, 6, 0})
    assert parse_weekdays(["Mo", "Mittwoch"]) == frozenset({0, 2})
    assert parse_weekdays("werktags") == frozenset(range(5))
    with pytest.raises(FieldError, match="kein Wochentag"):
        parse_weekdays("Mo, Feiertag")
    with pytest.raises(FieldError):
        parse_weekdays("")


def test_messages_never_echo_a_huge_value_in_full():
    huge = "x" * 100_000
    for parse in (parse_duration, fields.parse_date, fields.parse_time_windows, parse_clock,
                  parse_datetime, parse_weekdays):
        with pytest.raises(FieldError) as err:
            parse(huge)
        assert len(str(err.value)) < 400, parse
