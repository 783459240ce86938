"""German value parsers in one place (hausbesuch.fields), shared by clients and teams."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from hausbesuch import clients, fields, teams
from hausbesuch.fields import (
    FieldError,
    excel_serial_date,
    is_placeholder,
    parse_clock,
    parse_clock_minutes,
    parse_clock_range,
    parse_date,
    parse_datetime,
    parse_duration,
    parse_time_windows,
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
    for value in (["Mo", 3], [["Mo"]], {"a": 1}, True):  # was quoted as Python writes it
        with pytest.raises(FieldError, match="muss ein Text sein") as info:
            parse_weekdays(value)
        assert "kein Wochentag" not in str(info.value)


def test_messages_never_echo_a_huge_value_in_full():
    huge = "x" * 100_000
    for parse in (parse_duration, fields.parse_date, fields.parse_time_windows, parse_clock,
                  parse_datetime, parse_weekdays):
        with pytest.raises(FieldError) as err:
            parse(huge)
        assert len(str(err.value)) < 400, parse


def test_pins_and_coordinates_use_the_same_parsers():
    """The list's Uhrzeit (a time of day: no 24:00) and lat/lon come from fields as well."""
    assert clients.parse_coordinate is fields.parse_coordinate
    assert clients.parse_clock_minutes("14h30") == 870 == parse_clock_minutes("14h30")
    assert clients.parse_clock_minutes("9") == 540
    with pytest.raises(FieldError, match="23:59"):
        clients.parse_clock_minutes("24:00")
    assert fields.parse_coordinate("50,8675", "Breite") == 50.8675
    with pytest.raises(FieldError, match="keine Zahl"):
        fields.parse_coordinate("1e999", "Länge")


@pytest.mark.parametrize("text, minutes", [("01:30:00", 90), ("1h30", 90),
                                           ("1 Std. 30 Min.", 90), ("1 h 30 min", 90)])
def test_durations_as_exports_write_them(text, minutes) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text, weekdays, start, end", [
    ("Mo/Mi 9-11", [0, 2], 540, 660),
    ("Mo.-Fr.: 09:00-12:00", [0, 1, 2, 3, 4], 540, 720),
    ("Di 10-12 Uhr (nach Absprache)", [1], 600, 720),
])
def test_time_windows_as_exports_write_them(text, weekdays, start, end) -> None:
    (slot,) = parse_time_windows(text)
    assert (sorted(slot.weekdays), slot.start_min, slot.end_min) == (weekdays, start, end)
    two = parse_time_windows("Di 10-12 / Do 14-16")
    assert [(sorted(s.weekdays), s.start_min) for s in two] == [([1], 600), ([3], 840)]


@pytest.mark.parametrize("text, slots", [
    ("Di nachmittags, abends", [([1], 720, 1080), ([1], 1020, 1200)]),
    ("Mo 9-11 und nachmittags", [([0], 540, 660), ([0], 720, 1080)]),
    ("werktags vormittags, nachmittags", [([0, 1, 2, 3, 4], 480, 720),
                                          ([0, 1, 2, 3, 4], 720, 1080)]),
    ("Mo nachmittags, Do 9-11", [([0], 720, 1080), ([3], 540, 660)]),
])
def test_a_time_of_day_in_words_after_a_time_keeps_the_days(text, slots) -> None:
    """Review 30 #2: a word such as „abends“ after a time started a new day group, so the
    second time held every day (a team could be sent on a day the client never named)."""
    assert [(sorted(s.weekdays), s.start_min, s.end_min)
            for s in parse_time_windows(text)] == slots


def test_a_window_a_spreadsheet_turned_into_a_date_says_so() -> None:
    with pytest.raises(FieldError, match="ist ein Datum: hat die Tabellenkalkulation"):
        parse_time_windows("10.12.2026")
    with pytest.raises(FieldError, match="ohne Doppelpunkt"):
        parse_time_windows("Di 1000-1200")


def test_placeholders_and_a_weekday_before_a_date() -> None:
    assert all(is_placeholder(t) for t in ("-", "k. A.", "unbekannt", "keine Angabe", "n/a"))
    assert not any(is_placeholder(t) for t in ("0", "Arabisch", "15.03.2025"))
    assert parse_date("Sa, 15.03.2025") == parse_date("Samstag 15.03.2025") == date(2025, 3, 15)


@pytest.mark.parametrize("text", ["Di 29.12.2026", "Di, 29.12.2026", "di.,29.12.2026",
                                  "Dienstag, 29.12.26", "Di 2026-12-29",
                                  "Di, 29. Dezember 2026", "Di 29.12.2026 00:00"])
def test_a_weekday_that_fits_the_date_is_read(text: str) -> None:
    assert parse_date(text, today=date(2026, 12, 30)) == date(2026, 12, 29)


@pytest.mark.parametrize(("text", "typed"), [
    ("Fr 29.12.2026", "Fr"), ("Fr, 29.12.2026", "Fr"), ("Montag, 29.12.26", "Montag"),
    ("mi 2026-12-29", "mi"), ("Sa., 29. Dezember 2026", "Sa")])
def test_a_weekday_that_does_not_fit_the_date_is_refused(text: str, typed: str) -> None:
    """A wrong weekday is the usual sign of a typo in the day: it was stripped unread
    (QA 15a F7)."""
    with pytest.raises(FieldError) as info:
        parse_date(text, today=date(2026, 12, 30))
    assert str(info.value) == f"„{typed}“ passt nicht zu 29.12.2026 (Dienstag)"


def test_a_weekday_before_a_month_alone_is_refused() -> None:
    with pytest.raises(FieldError, match="kein lesbares Datum"):
        parse_date("Di 12.2026")
    assert parse_date("12.2026") == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["2025-02", "2025-2", "2025/02", "02.2025", "2/2025",
                                  "Februar 2025", "Feb. 2025"])
def test_every_form_of_a_month_alone_is_its_first_day(text: str) -> None:
    """The ISO month „2025-02“ rejected the whole client although a month is accepted
    (QA 18b #6); a day is still asked for where one is needed."""
    assert parse_date(text) == date(2025, 2, 1)
    with pytest.raises(fields.NotADayError, match="ist ein Monat, kein Tag"):
        fields.parse_day(text)
    with pytest.raises(FieldError, match="kein gültiges Datum"):
        parse_date("2025-13")


@pytest.mark.parametrize(("text", "expected"), [
    ("45658", date(2025, 1, 1)), ("45632", date(2024, 12, 6)), ("45632,0", date(2024, 12, 6)),
    ("20000", date(1954, 10, 3)), ("80000", date(2119, 1, 11)), ("19999", None),
    ("80001", None), ("1234", None), ("45632,5", None), ("-45632", None), ("4563 2", None)])
def test_excel_serial_date(text: str, expected: date | None) -> None:
    """Excel's 1900 system: serial 45658 is 1 January 2025 (QA 18b #6)."""
    assert excel_serial_date(text) == expected


def test_a_weekday_before_the_date_of_a_moment_is_read_and_checked() -> None:
    """The outcome file's Termin „Do, 07.01.2027 14:30“ was „kein Zeitpunkt“ while the
    Datum column took „Di, 29.12.2026“ (QA 15a F7)."""
    today = date(2026, 12, 30)
    moment = datetime(2027, 1, 7, 14, 30)
    for text in ("Do, 07.01.2027 14:30", "Do 07.01.27, 14.30 Uhr", "Donnerstag, 07.01.2027 um "
                 "14:30 Uhr", "do. 2027-01-07T14:30", "Do.,07.01.2027 14:30"):
        assert parse_datetime(text, today=today) == moment, text
    with pytest.raises(FieldError) as info:
        parse_datetime("Do, 06.01.2027 14:30", today=today)
    assert str(info.value) == "„Do“ passt nicht zu 06.01.2027 (Mittwoch)"


@pytest.mark.parametrize(
    ("text", "code"),
    [("BY", "BY"), ("de-by", "BY"), ("Bayern", "BY"), ("Baden-Wuerttemberg", "BW"),
     ("thüringen", "TH"), ("Sachsen Anhalt", "ST"),
     # common abbreviations (NRW was refused)
     ("NRW", "NW"), ("nrw", "NW"), ("BaWü", "BW"), ("Ba-Wü", "BW"), ("BW", "BW"),
     ("RLP", "RP"), ("MV", "MV"), ("M-V", "MV"), ("Meck-Pomm", "MV"), ("Nds.", "NI"),
     ("LSA", "ST"), ("DE-NRW", "NW"), ("", "")],
)
def test_parse_land_reads_codes_names_and_abbreviations(text, code) -> None:
    assert fields.parse_land(text) == code


@pytest.mark.parametrize("text", ["Augsburg", "augsburg", "Bavaria", "Deutschland", "NR W X"])
def test_parse_land_refuses_what_is_no_land(text) -> None:
    # the holidays package lists the city of Augsburg among DE's subdivisions: it planned
    # with Augsburg's holidays and wrote „Feiertag in Augsburg“
    with pytest.raises(FieldError) as info:
        fields.parse_land(text)
    assert str(info.value).startswith(f"unbekanntes Bundesland „{text}“")


def test_every_land_has_its_holidays_and_name() -> None:
    import holidays

    germany = holidays.country_holidays("DE")
    assert set(fields.LAENDER) == set(germany.subdivisions) - {"Augsburg"}
    assert fields.land_name("NW") == "Nordrhein-Westfalen"
    assert all(fields.parse_land(name) == code for code, name in fields.LAENDER.items())


@pytest.mark.parametrize(("text", "expected"), [
    ("0,4027778", (None, 580)), ("0.4027777777777778", (None, 580)), ("0,5", (None, 720)),
    ("46363,4027778", (date(2026, 12, 7), 580)), ("46363.5", (date(2026, 12, 7), 720)),
    ("46363", None), ("9,5", None), (",5", None), ("1,5", None), ("19999,5", None),
    ("0", None), ("0,4027778 Uhr", None)])
def test_excel_serial_time(text: str, expected: tuple[date | None, int] | None) -> None:
    """An unformatted Excel time is the fraction of the day (QA 26 F6); a whole number
    is :func:`excel_serial_date`'s, ``9,5`` no serial."""
    assert fields.excel_serial_time(text) == expected


@pytest.mark.parametrize(("text", "reading"), [("0,123", "02:57:07"), ("0,99999", "23:59:59"),
                                               ("46363,0001", "00:00:09")])
def test_an_excel_time_that_is_no_whole_minute_is_refused(text: str, reading: str) -> None:
    with pytest.raises(FieldError, match=f"als Excel-Uhrzeit wäre {reading}, keine volle Minute"):
        fields.excel_serial_time(text)


def test_an_excel_serial_before_the_earliest_date_is_refused() -> None:
    with pytest.raises(FieldError, match=r"Datum unplausibel \(vor 01.01.1990\): „30000“ als "
                                         r"Excel-Datumszahl wäre 18.02.1982"):
        fields.excel_serial_day("30000")
    assert fields.excel_serial_day("46363") == date(2026, 12, 7)


def test_a_day_with_its_weekday_is_written_alike_everywhere() -> None:
    """QA 26 web F8: appointment messages wrote „Sa 12.12.2026“, the pages „Mo, 07.12.2026“."""
    from hausbesuch.casework.rules import _fmt
    from hausbesuch.fields import format_day
    from hausbesuch.maps import fmt_date

    d = date(2026, 12, 12)
    assert format_day(d) == fmt_date(d) == _fmt(d) == "Sa, 12.12.2026"
    assert fmt_date(d, long=True) == "Samstag, 12.12.2026"
    # a replan still knows the notes of plans stored before the comma (it makes them anew)
    from hausbesuch.planning.workflow import _REMADE_NOTE

    for day in ("Di 08.12.2026", "Di, 08.12.2026"):
        assert _REMADE_NOTE.match(f"Team team-1 ist am {day} ab 09:00 Uhr für den Rest des "
                                  "Tages abgemeldet (Neuplanung Version 2).")
    # an absence note, as written now and as stored before its weekday
    for day in ("08.12.2026", "Di, 08.12.2026"):
        assert _REMADE_NOTE.match(f"Team team-1 ist am {day} abwesend: an dem Tag keine Tour.")


def test_days_from_first_to_last_are_named_with_their_weekdays() -> None:
    """A span of days as the pages write a plan's days („Plan vom … bis …“)."""
    from hausbesuch.fields import format_days

    assert format_days(date(2026, 12, 14), date(2026, 12, 18)) == \
        "Mo, 14.12.2026 bis Fr, 18.12.2026"
    assert format_days(date(2026, 12, 12), date(2026, 12, 12)) == "Sa, 12.12.2026"


@pytest.mark.parametrize(("typed", "shown"), [
    ("Do 13:30-16", "Do 13:30–16:00 Uhr"),  # QA 28 F19: shown raw on the phone's list
    ("Di 10-12", "Di 10:00–12:00 Uhr"),
    ("werktags ab 14", "werktags (Mo–Fr) ab 14:00 Uhr"),
    ("Mo 9-11, 14-16", "Mo 09:00–11:00, 14:00–16:00 Uhr"),
    ("Mo 9-11, Do 14-16", "Mo 09:00–11:00 Uhr; Do 14:00–16:00 Uhr"),
    ("10-12", "10:00–12:00 Uhr"),
    ("bis 12 Uhr", "bis 12:00 Uhr"),
    # a time of day in words keeps the word: the client said no hours (review 29 #8)
    ("nachmittags", "nachmittags (12:00–18:00 Uhr)"),
    ("Mi vormittag", "Mi vormittags (08:00–12:00 Uhr)"),
    ("werktags abends", "werktags (Mo–Fr) abends (17:00–20:00 Uhr)"),
    ("Mo vormittags, 16-18", "Mo vormittags (08:00–12:00 Uhr), 16:00–18:00 Uhr"),
    ("Mo nachmittags, Di 12-18", "Mo nachmittags (12:00–18:00 Uhr); Di 12:00–18:00 Uhr"),
    ("Sa ganztags", "Sa ganztägig"),
    # so do days in words of every day, where the weekdays stand (a window of every day
    # shows no weekdays: „täglich 9-17“ was „09:00–17:00 Uhr“)
    ("täglich 9-17", "täglich 09:00–17:00 Uhr"),
    ("Taeglich nachmittags", "täglich nachmittags (12:00–18:00 Uhr)"),
    ("täglich 9-11, Do 14-16", "täglich 09:00–11:00 Uhr; Do 14:00–16:00 Uhr"),
    ("9-12; täglich 14-16", "09:00–12:00 Uhr; täglich 14:00–16:00 Uhr"),
    ("9-12, 14-16", "09:00–12:00, 14:00–16:00 Uhr"),
    # and all seven days named show as named (only a window without days shows none):
    # „Mo-So 9-17“ was „09:00–17:00 Uhr“ as if the client had named no days
    ("Mo-So 9-17", "Mo–So 09:00–17:00 Uhr"),
    ("Mo, Di, Mi, Do, Fr, Sa, So nachmittags", "Mo–So nachmittags (12:00–18:00 Uhr)"),
    ("Mo-So 9-12; 14-16", "Mo–So 09:00–12:00 Uhr; 14:00–16:00 Uhr"),
    ("Mo-So 9-12, 14-16", "Mo–So 09:00–12:00, 14:00–16:00 Uhr"),
    # a day word of fewer days keeps it too, with the days the planner reads it as behind
    # it as a time of day (it showed only „Mo–Fr“: „werktags“ may also mean Mo–Sa)
    ("werktags 9-17", "werktags (Mo–Fr) 09:00–17:00 Uhr"),
    ("Wochentags 9-12, 14-16", "wochentags (Mo–Fr) 09:00–12:00, 14:00–16:00 Uhr"),
    ("weekdays 9-17", "wochentags (Mo–Fr) 09:00–17:00 Uhr"),
    ("werktags 9-12; Sa 10-12", "werktags (Mo–Fr) 09:00–12:00 Uhr; Sa 10:00–12:00 Uhr"),
    ("werktags, Sa 9-12", "Mo–Sa 09:00–12:00 Uhr"),  # not the word's days: the weekdays
    ("Mo-Fr 9-17", "Mo–Fr 09:00–17:00 Uhr"),
    # days that run on over Sunday into Monday read as one range, as typed: „Fr-Mo“ was
    # „Mo, Fr–So“ (the days Monday-first)
    ("Fr-Mo 9-12", "Fr–Mo 09:00–12:00 Uhr"),
    ("Fr bis Mo 9-12", "Fr–Mo 09:00–12:00 Uhr"),
    ("Mo, Fr-So 9-12", "Fr–Mo 09:00–12:00 Uhr"),
    ("So-Di nachmittags", "So–Di nachmittags (12:00–18:00 Uhr)"),
    ("Mi, Fr-Mo 9-12", "Fr–Mo, Mi 09:00–12:00 Uhr"),
    ("So, Mo 9-12", "Mo, So 09:00–12:00 Uhr"),  # two days: no range, the week's order
    # kept as typed: a remark (it would be lost), and what the parser does not read
    ("Di 10-12 (nach Absprache)", "Di 10-12 (nach Absprache)"),
    ("angekündigt: 08:00–10:00 Uhr (Brief vom Fr, 04.12.2026)",
     "angekündigt: 08:00–10:00 Uhr (Brief vom Fr, 04.12.2026)"),
    ("Termin vereinbart: 10:00 Uhr", "Termin vereinbart: 10:00 Uhr"),
    ("", ""),
])
def test_format_window_writes_a_typed_window_in_the_pages_words(typed: str, shown: str) -> None:
    assert fields.format_window(typed) == shown


@pytest.mark.parametrize(("days", "shown"), [
    ([0, 1, 2, 3, 4], "Mo–Fr"), ([0, 1, 2, 4], "Mo–Mi, Fr"), ([0, 2, 4], "Mo, Mi, Fr"),
    (range(7), "Mo–So"), ([5, 6], "Sa, So"),
    # over Sunday into Monday: one range from its first day, the list round the week
    ([4, 5, 6, 0], "Fr–Mo"), ([5, 6, 0], "Sa–Mo"), ([6, 0, 1], "So–Di"),
    ([2, 4, 5, 6, 0], "Fr–Mo, Mi"), ([0, 1, 2, 3, 4, 6], "So–Fr"),
    ([0, 1, 3, 5, 6], "Sa–Di, Do"),
    # two days over the weekend's end are no range: single days, Monday first
    ([6, 0], "Mo, So"), ([0, 2, 3, 4, 6], "Mo, Mi–Fr, So"),
])
def test_weekday_span_reads_the_week_round_over_sunday(days, shown) -> None:
    """„Fr-Mo 9-12“ showed as „Mo, Fr–So 09:00–12:00 Uhr“: a run of days over Sunday into
    Monday is one range, as the parsers take „Fr-Mo“."""
    assert fields.weekday_span(days) == shown


def test_weekday_span_is_read_back_as_the_same_days() -> None:
    """Every set of weekdays, as shown, is the same days to the parsers (a range over the
    weekend included): what a page shows may be typed again."""
    from itertools import combinations

    for k in range(1, 8):
        for days in combinations(range(7), k):
            shown = fields.weekday_span(days)
            assert parse_weekdays(shown) == frozenset(days), (days, shown)
            (slot,) = parse_time_windows(f"{shown} 9-12")
            assert slot.weekdays == frozenset(days), (days, shown)


def test_format_moment_is_the_pages_day_and_time() -> None:
    assert fields.format_moment(datetime(2026, 12, 12, 10, 0)) == "Sa, 12.12.2026, 10:00 Uhr"


@pytest.mark.parametrize("text", ["2024-13-05", "31.02.2026", "5/3/2024"])
def test_an_impossible_date_names_the_expected_form_like_an_unreadable_one(text: str) -> None:
    """QA 36 #11a: „kein gültiges Datum: „2024-13-05““ gave no hint, its neighbour
    „kein lesbares Datum: „5/3/2024“ (erwartet z. B. 07.12.2026)“ did."""
    with pytest.raises(FieldError) as err:
        parse_date(text)
    assert str(err.value).endswith(f"Datum: „{text}“ (erwartet z. B. 07.12.2026)")
