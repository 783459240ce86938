"""Client list reading: field parsers, row validation, CSV and XLSX inputs."""

from __future__ import annotations

import contextlib
import csv
import re
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausbesuch.clients import (
    DEFAULT_PRIORITY,
    MAX_DURATION_MIN,
    ClientList,
    FieldError,
    clean_text,
    client_priority,
    months_between,
    parse_date,
    parse_duration,
    parse_skills,
    parse_time_windows,
    priority_from_months,
    read_clients,
)
from hausbesuch.errors import UserError
from hausbesuch.plandata import Client, TimeSlot

TODAY = date(2026, 11, 28)


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ";",
              encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def by_id(result: ClientList) -> dict[str, Client]:
    return {c.id: c for c in result.clients}


def rejected_rows(result: ClientList) -> dict[int, tuple[str | None, str, str]]:
    return {r.row: (r.id, r.field, r.reason) for r in result.rejected}


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7.12.2026", date(2026, 12, 7)),
        ("07.12.2026", date(2026, 12, 7)),
        ("07.12.26", date(2026, 12, 7)),
        ("1.2.99", date(1999, 2, 1)),
        ("2026-12-07", date(2026, 12, 7)),
        ("07.12.2026 00:00", date(2026, 12, 7)),
        ("2026-12-07 00:00:00", date(2026, 12, 7)),
        ("2026-12-07T08:30:00", date(2026, 12, 7)),
        (" 7. 12. 2026 ", date(2026, 12, 7)),
        ("7. Dezember 2026", date(2026, 12, 7)),
        ("März 2025", date(2025, 3, 1)),
        ("03.2025", date(2025, 3, 1)),
    ],
)
def test_parse_date_accepts_german_and_iso(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31.02.2026", "kein gültiges Datum"),
        ("2026-13-01", "kein gültiges Datum"),
        ("7/12/2026", "kein lesbares Datum"),
        ("gestern", "kein lesbares Datum"),
        ("12.12.1812", "unplausibel"),
        ("45", "kein lesbares Datum"),
    ],
)
def test_parse_date_rejects_with_german_reason(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment) as err:
        parse_date(text, today=TODAY)
    assert text.strip() in str(err.value)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45", 45), ("45,0", 45), ("45.0", 45), ("45 min", 45), ("45 Minuten", 45),
     ("1,5 h", 90), ("2 Std.", 120), ("1:30", 90), ("30,4", 30), ("240", 240)],
)
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("0", "größer als 0"), ("-10", "größer als 0"), ("0,2", "mehrdeutig"),
     ("1.234", "unplausibel"), (str(MAX_DURATION_MIN + 1), "unplausibel"),
     ("10 h", "unplausibel"), ("eine Stunde", "nicht lesbar"), ("45 kg", "nicht lesbar")],
)
def test_parse_duration_rejects(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_duration(text)


# ------------------------------------------------------------------ time windows


def slots(text: str) -> list[tuple[list[int], int, int]]:
    return [(sorted(s.weekdays), s.start_min, s.end_min) for s in parse_time_windows(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Di 10-12", [([1], 600, 720)]),
        ("Mo-Fr 14-16", [([0, 1, 2, 3, 4], 840, 960)]),
        ("Mo, Mi 9:30-11", [([0, 2], 570, 660)]),
        ("Do 14:00–16:30", [([3], 840, 990)]),
        ("Mo 9-11; Mi 14-16", [([0], 540, 660), ([2], 840, 960)]),
        ("Mo 9-11, 14-16", [([0], 540, 660), ([0], 840, 960)]),
        ("Mo 9-11, Do 14-16", [([0], 540, 660), ([3], 840, 960)]),
        ("Dienstag 10 bis 12 Uhr", [([1], 600, 720)]),
        ("Montag und Mittwoch 10:00 - 12:00 Uhr", [([0, 2], 600, 720)]),
        ("Mo.-Fr. 8.30-12", [([0, 1, 2, 3, 4], 510, 720)]),
        ("werktags ab 14", [([0, 1, 2, 3, 4], 840, 1440)]),
        ("Mi vormittags", [([2], 480, 720)]),
        ("10-12", [([0, 1, 2, 3, 4, 5, 6], 600, 720)]),
        ("Fr-Mo 9-10", [([0, 4, 5, 6], 540, 600)]),
        ("MO 10-12;;", [([0], 600, 720)]),
    ],
)
def test_parse_time_windows(text: str, expected: list[tuple[list[int], int, int]]) -> None:
    assert slots(text) == expected


def test_time_window_keeps_segment_text() -> None:
    result = parse_time_windows("Di 10-12; Mo-Fr 14-16")
    assert [s.text for s in result] == ["Di 10-12", "Mo-Fr 14-16"]
    assert result[0] == TimeSlot(frozenset({1}), 600, 720, "Di 10-12")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Di 12-10", "Ende vor Beginn"),
        ("Di 10-10", "Ende gleich Beginn"),
        ("Di 10", "ohne Ende"),
        ("Xy 10-12", "„Xy“ nicht verstanden"),
        ("Di", "ohne Uhrzeit"),
        ("Di 25-26", "ungültige Uhrzeit"),
        ("Mo 10:70-11", "ungültige Uhrzeit"),
        ("Mo 10-12, Di", "ohne Uhrzeit"),
        ("immer", "nicht verstanden"),
        ("Mo- 10-12", "Tagesbereich ohne Ende"),
    ],
)
def test_parse_time_windows_rejects(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_time_windows(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_time_window_parser_never_crashes(text: str) -> None:
    """Any text either parses into valid slots or raises FieldError, nothing else."""
    try:
        result = parse_time_windows(text)
    except FieldError:
        return
    for slot in result:
        assert 0 <= slot.start_min < slot.end_min <= 24 * 60
        assert slot.weekdays and slot.weekdays <= set(range(7))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_date_and_duration_parsers_never_crash(text: str) -> None:
    for parse in (lambda t: parse_date(t, today=TODAY), parse_duration):
        with contextlib.suppress(FieldError):
            parse(text)


# ------------------------------------------------------------------ text, skills, priority


def test_clean_text_strips_controls_but_keeps_markup() -> None:
    assert clean_text("a\tb\x00c\u202e<script>alert(1)</script>\r\nx") == (
        "a bc<script>alert(1)</script> x"
    )
    assert clean_text("  Müller\x07  ") == "Müller"
    assert clean_text(None) == ""
    # invisible characters of copy and paste: an id that looks like K-7 is K-7
    for pasted in ("K-\u200b7", "\ufeffK-7", "K-\u20607", "K-\xad7", "K-7\xa0"):
        assert clean_text(pasted) == "K-7", repr(pasted)
    assert clean_text("Zo\u200cë") == "Zo\u200cë"  # a joiner that a script needs stays


def test_clean_text_removes_whole_terminal_escape_sequences() -> None:
    # the parameters of a sequence must not stay behind: „[2J“ would read as house number
    for cell in ("Am Markt\x1b[2J", "Am Markt\x9b2J", "Am Markt\x1b[1;31m", "Am\x1b[0m Markt",
                 "Am Markt\x1b]0;Titel\x07", "Am Markt\x1b]0;Titel\x1b\\",
                 "Am Markt\x9d0;Titel\x9c", "Am Markt\x1b(B", "Am Markt\x1b7", "Am Markt\x1b[2"):
        assert clean_text(cell) == "Am Markt", repr(cell)
    # a link sequence keeps its text; an unterminated C1 string drops only its introducer
    assert clean_text("\x1b]8;;https://x.test\x1b\\Am Markt\x1b]8;;\x1b\\") == "Am Markt"
    assert clean_text("Ko\x9ee\u0301ný") == "Koéný"


def test_an_escape_sequence_in_the_street_is_no_house_number(tmp_path: Path) -> None:
    rows = [good_row(1, Straße="Am Markt\x1b[2J", Hausnummer="16"),
            good_row(2, Straße="Am Markt\x9b2J", Hausnummer=""),
            good_row(3, Straße="Am Markt 5\x1b[0m", Hausnummer="")]
    result = read_clients(write_csv(tmp_path / "kunden.csv", HEADER, rows),
                          default_duration_min=50, today=TODAY)
    got = {c.id: (c.street, c.housenumber or "") for c in result.clients}
    assert got == {"K0001": ("Am Markt", "16"), "K0002": ("Am Markt", ""),
                   "K0003": ("Am Markt 5", "")}, got
    assert not any("2J" in c.address.upper() for c in result.clients)


def test_parse_skills_splits_normalises_and_drops_german() -> None:
    assert parse_skills("arabisch, Türkisch/ deutsch; ARABISCH") == ("Arabisch", "Türkisch")
    assert parse_skills("Russisch und Ukrainisch") == ("Russisch", "Ukrainisch")
    assert parse_skills("") == ()


@pytest.mark.parametrize("cell", ["keine", "-", "—", "k.A.", "K. A.", "nein", "n/a", "N/A",
                                  "0", "unbekannt", "Deutsch (Muttersprache)", "entfällt"])
def test_a_placeholder_in_sprache_needs_no_skill(cell) -> None:
    """Exports write "keine" or "-" for no special language: before, "Keine" became a
    skill no team has, and the client was never planned ("Kein Team hat die nötige
    Fähigkeit (Keine)")."""
    assert parse_skills(cell) == ()


def test_a_comment_in_brackets_is_not_part_of_the_language() -> None:
    assert parse_skills("Arabisch (syrisch), Türkisch") == ("Arabisch", "Türkisch")
    assert parse_skills("keine; Arabisch") == ("Arabisch",)


def test_priority_grows_with_months_and_is_bounded() -> None:
    values = [priority_from_months(m) for m in range(0, 121)]
    assert values[0] == 0
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert values[12] < values[24] < values[36]
    assert values[-1] <= 100 and priority_from_months(10_000) == 100
    assert priority_from_months(None) == DEFAULT_PRIORITY
    assert priority_from_months(-5) == 0
    assert 0 < DEFAULT_PRIORITY < 100


def test_client_priority_uses_contact_date() -> None:
    old = Client(row=2, id="a", address="x", kontakt_abbruch_seit=date(2024, 11, 28))
    new = Client(row=3, id="b", address="x", kontakt_abbruch_seit=date(2026, 10, 28))
    none = Client(row=4, id="c", address="x")
    assert client_priority(old, TODAY) > client_priority(new, TODAY)
    assert client_priority(none, TODAY) == DEFAULT_PRIORITY
    assert round(months_between(date(2025, 11, 28), TODAY)) == 12


# ------------------------------------------------------------------ whole lists

HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz", "Sachbearbeitung"]


def good_row(i: int, **overrides: str) -> list[str]:
    row = {
        "Kundennummer": f"K{i:04d}", "Name": f"Person {i}", "Straße": "Breitenstraße",
        "Hausnummer": str(i), "PLZ": "36251", "Ort": "Bad Hersfeld",
        "Kontaktabbruch seit": "01.03.2025", "Sprache": "", "Zeitfenster": "",
        "Angekündigt ab": "", "Besuchsdauer": "", "Notiz": "", "Sachbearbeitung": "Team Nord",
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


def test_two_rows_of_a_case_at_two_addresses_take_neither(tmp_path: Path) -> None:
    """QA 37 #3: rows 48 and 49 of one case named „Linggplatz 6“ and „Am Markt 13“; the
    first was taken, planned and sent a letter, and nothing said the second named another
    door. Now neither is taken, each names the other's address and what to do; rows of one
    case at one door in two spellings stay a plain duplicate."""
    rows = [
        good_row(1, Kundennummer="K-1", Straße="Linggplatz", Hausnummer="6"),
        good_row(2, Kundennummer="K-1", Straße="Am Markt", Hausnummer="13"),
        good_row(3, Kundennummer="K-2", Straße="Hauptstr.", Hausnummer="5a"),
        good_row(4, Kundennummer="k-2", Straße="Hauptstraße", Hausnummer="5 A", PLZ=""),
        good_row(5, Kundennummer="K-3", Straße="Am Markt", Hausnummer="1"),
        good_row(6, Kundennummer="K-3", Straße="Am Markt", Hausnummer="1", PLZ="36179"),
        good_row(7, Kundennummer="K-3", Straße="Am Markt", Hausnummer="1"),
        good_row(8, Kundennummer="K-4", Straße="Am Markt", Hausnummer="4"),
        good_row(9, Kundennummer="K-4", Straße="", Hausnummer="", PLZ="", Ort=""),
    ]
    result = read_clients(write_csv(tmp_path / "kunden.csv", HEADER, rows),
                          default_duration_min=50, today=TODAY)
    assert len(result.clients) + len(result.rejected) == result.total_rows == 9
    assert [(c.row, c.id) for c in result.clients] == [(4, "K-2"), (9, "K-4")]
    rej = rejected_rows(result)
    assert rej[2] == ("K-1", "id", "Kundennummer „K-1“ auch in Zeile 3, mit anderer Anschrift "
                      "(„Am Markt 13, 36251 Bad Hersfeld“): keine der beiden Zeilen wird "
                      "übernommen. Bitte in der Fachanwendung klären, welche Anschrift gilt, "
                      "die Zeile mit der falschen löschen und die Liste erneut laden")
    assert rej[3][:2] == ("K-1", "id")
    assert rej[3][2].startswith("Kundennummer „K-1“ in Zeile 3 doppelt: schon in Zeile 2 (dort "
                                "mit anderer Anschrift: „Linggplatz 6, 36251 Bad Hersfeld“): "
                                "keine der beiden Zeilen wird übernommen.")
    # one door in two spellings, the PLZ given once: the first row is taken
    assert rej[5][2] == "Kundennummer „k-2“ in Zeile 5 doppelt: schon in Zeile 4 (als „K-2“; " \
                        "Groß-/Kleinschreibung wird nicht unterschieden)"
    # another postcode is another door; a third row names the first as refused too
    assert "mit anderer Anschrift" in rej[6][2] and "mit anderer Anschrift" in rej[7][2]
    assert rej[8][2] == ("Kundennummer „K-3“ in Zeile 8 doppelt: schon in Zeile 6 (Zeile 6 ist "
                         "ebenfalls abgelehnt)")
    # a duplicate without an address names no other door: refused for both reasons
    assert "doppelt: schon in Zeile 9" in rej[10][2] and "Adresse fehlt" in rej[10][2]
    assert "anderer Anschrift" not in rej[10][2]


def test_read_clients_csv_valid_and_bad_rows(tmp_path: Path) -> None:
    rows = [
        good_row(1, Sprache="Arabisch; Französisch", Zeitfenster="Di 10-12; Do 14-16",
                 Besuchsdauer="45,0", **{"Angekündigt ab": "07.12.26"}),
        good_row(2, Kundennummer=""),                                 # row 3: missing id
        good_row(3, Kundennummer="K0001", Hausnummer="1"),            # row 4: duplicate of row 2
        good_row(4, Straße="", Hausnummer="", PLZ="", Ort=""),        # row 5: no address
        good_row(5, **{"Kontaktabbruch seit": "32.01.2025"}),         # row 6: bad date
        good_row(6, **{"Kontaktabbruch seit": "01.01.2027"}),         # row 7: future
        good_row(7, Zeitfenster="Di 12-10"),                          # row 8: end before start
        good_row(8, Zeitfenster="irgendwann"),                        # row 9: unparseable
        good_row(9, Besuchsdauer="0"),                                # row 10: not positive
        good_row(10, Besuchsdauer="900"),                             # row 11: absurd
        good_row(11, Notiz="<script>alert('x')</script>\x1b"),        # row 12: fine, kept
        good_row(12, Kundennummer="K0001", Hausnummer="1 "),          # row 13: duplicate again
        good_row(13, **{"Kontaktabbruch seit": ""}, Besuchsdauer="60 min"),  # row 14: fine
        good_row(14, Straße="", Hausnummer=""),                      # row 15: town only
        good_row(15, **{"Angekündigt ab": "01.12.2062"}),            # row 16: typo
    ]
    path = write_csv(tmp_path / "kunden.csv", HEADER, rows)
    result = read_clients(path, default_duration_min=50, today=TODAY)

    assert result.total_rows == 15
    assert len(result.clients) + len(result.rejected) == result.total_rows
    assert [c.row for c in result.clients] == [2, 12, 14]
    rej = rejected_rows(result)
    assert sorted(rej) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 16]
    assert rej[3] == (None, "id", "Kundennummer fehlt")
    assert rej[4][:2] == ("K0001", "id") and "doppelt" in rej[4][2] and "Zeile 2" in rej[4][2]
    assert rej[13][:2] == ("K0001", "id") and "Zeile 2" in rej[13][2]
    assert rej[5][1] == "adresse" and "Adresse fehlt" in rej[5][2]
    assert rej[6][1] == "kontakt_abbruch_seit" and "32.01.2025" in rej[6][2]
    assert rej[7][1] == "kontakt_abbruch_seit" and "Zukunft" in rej[7][2]
    assert rej[8][1] == "zeitfenster" and "Ende vor Beginn" in rej[8][2]
    assert rej[9][1] == "zeitfenster" and "irgendwann" in rej[9][2]
    assert rej[10][1] == "besuchsdauer" and "größer als 0" in rej[10][2]
    assert rej[11][1] == "besuchsdauer" and "unplausibel" in rej[11][2]
    assert rej[15][1] == "adresse" and "Straße fehlt" in rej[15][2]
    assert rej[16][1] == "angekuendigt_ab" and "mehr als ein Jahr" in rej[16][2]

    clients = by_id(result)
    c1 = clients["K0001"]
    assert c1.name == "Person 1"
    assert c1.address == "Breitenstraße 1, 36251 Bad Hersfeld"
    assert (c1.street, c1.housenumber, c1.postcode, c1.town) == (
        "Breitenstraße", "1", "36251", "Bad Hersfeld")
    assert c1.kontakt_abbruch_seit == date(2025, 3, 1)
    assert c1.angekuendigt_ab == date(2026, 12, 7)
    assert c1.sprache == ("Arabisch", "Französisch")
    assert [(sorted(s.weekdays), s.start_min, s.end_min) for s in c1.zeitfenster] == [
        ([1], 600, 720), ([3], 840, 960)]
    assert c1.besuchsdauer_min == 45
    assert "Team Nord" not in repr(c1)  # an unevaluated column is not kept
    assert clients["K0011"].notiz == "<script>alert('x')</script>"
    assert clients["K0011"].besuchsdauer_min == 50  # default applied
    assert clients["K0013"].kontakt_abbruch_seit is None
    assert clients["K0013"].besuchsdauer_min == 60
    assert result.columns["kontakt_abbruch_seit"] == "Kontaktabbruch seit"


def test_row_with_several_problems_names_them_all(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv", HEADER, [
        good_row(1, **{"Kontaktabbruch seit": "morgen"}, Besuchsdauer="-3", Zeitfenster="Di 9")])
    result = read_clients(path, today=TODAY)
    (rej,) = result.rejected
    assert rej.row == 2 and rej.id == "K0001" and rej.field == "kontakt_abbruch_seit"
    assert "morgen" in rej.reason and "größer als 0" in rej.reason and "Di 9" in rej.reason


def test_english_headers_single_address_column_cp1252_comma(tmp_path: Path) -> None:
    header = ["CLIENT_ID", "Address", "Contact lost since", "Languages", "Time window",
              "Announced", "Duration", "Notes"]
    rows = [
        ["a-1", "Weinstraße 7, 36251 Bad Hersfeld", "2025-06-30", "Polnisch/Russisch",
         "Mo, Mi 9:30-11", "2026-12-01", "30", "Hund im Haus"],
        ["a-2", "Am Markt 1", "", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "clients.csv", header, rows, delimiter=",", encoding="cp1252")
    result = read_clients(path, today=TODAY)
    assert not result.rejected
    a1, a2 = result.clients
    assert a1.address == "Weinstraße 7, 36251 Bad Hersfeld"
    assert a1.street is None and a1.kontakt_abbruch_seit == date(2025, 6, 30)
    assert a1.sprache == ("Polnisch", "Russisch")
    assert a1.zeitfenster[0].weekdays == frozenset({0, 2})
    assert a1.angekuendigt_ab == date(2026, 12, 1) and a1.besuchsdauer_min == 30
    assert a1.notiz == "Hund im Haus"
    assert a2.besuchsdauer_min is None and a2.notiz is None and a2.name is None


def test_xlsx_with_real_dates_and_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Anschrift", "kontakt_abbruch_seit", "zeitfenster", "angekuendigt_ab",
               "besuchsdauer", "notiz"])
    ws.append([1001, "Klausstraße 10, Bad Hersfeld", datetime(2025, 1, 15), "Di 10-12",
               date(2026, 12, 3), 45, "erste"])
    ws.append([1002, "Klausstraße 12, Bad Hersfeld", "15.01.2025", "Mo-Fr 14-16", None,
               45.0, None])
    ws.append([None, None, None, None, None, None, None])  # empty row: skipped, still counted
    ws.append([1003, "Klausstraße 14, Bad Hersfeld", datetime(2030, 1, 1), None, None,
               -5, None])
    ws.append([1001, "Klausstraße 10", None, None, None, None, None])  # a duplicate
    path = tmp_path / "kunden.xlsx"
    wb.save(path)

    result = read_clients(path, today=TODAY)
    assert result.total_rows == 4
    assert [c.id for c in result.clients] == ["1001", "1002"]
    c1, c2 = result.clients
    assert c1.kontakt_abbruch_seit == date(2025, 1, 15) == c2.kontakt_abbruch_seit
    assert c1.angekuendigt_ab == date(2026, 12, 3)
    assert c1.besuchsdauer_min == 45 == c2.besuchsdauer_min
    rej = rejected_rows(result)
    assert sorted(rej) == [5, 6]  # the empty sheet row 4 keeps its number
    assert rej[5][0] == "1003" and "Zukunft" in rej[5][2] and "größer als 0" in rej[5][2]
    assert rej[6][1] == "id" and "Zeile 2" in rej[6][2]


def test_missing_required_columns_raise_user_error(tmp_path: Path) -> None:
    no_id = write_csv(tmp_path / "a.csv", ["Name", "Adresse"], [["X", "Weg 1"]])
    with pytest.raises(UserError, match="Kundennummer"):
        read_clients(no_id)
    no_addr = write_csv(tmp_path / "b.csv", ["Kundennummer", "Name"], [["1", "X"]])
    with pytest.raises(UserError, match="Adress"):
        read_clients(no_addr)
    with pytest.raises(UserError, match="nicht gefunden"):
        read_clients(tmp_path / "fehlt.csv")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=4, max_size=4), max_size=15))
def test_every_row_is_accounted_for(tmp_path_factory: pytest.TempPathFactory,
                                    rows: list[list[str]]) -> None:
    """Whatever the cells hold, each data row ends up as a client or as a rejected row."""
    path = tmp_path_factory.mktemp("h") / "k.csv"
    header = ["id", "adresse", "zeitfenster", "besuchsdauer"]
    clean_rows = [[c.replace("\x00", "") for c in r] for r in rows]
    write_csv(path, header, clean_rows)
    result = read_clients(path, today=TODAY, allow_empty=True)
    assert len(result.clients) + len(result.rejected) == result.total_rows
    seen = [c.row for c in result.clients] + [r.row for r in result.rejected]
    assert len(seen) == len(set(seen))
    ids = [c.id.casefold() for c in result.clients]
    assert len(ids) == len(set(ids))


def test_split_name_columns_form_the_name_and_unused_columns_are_not_kept(
        tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv",
                     ["Fallnummer", "Nachname", "Vorname", "Adresse", "Sachbearbeitung"],
                     [["F1", "Yılmaz", "Ayşe", "Am Markt 1, Bad Hersfeld", "Nord"]])
    result = read_clients(path, today=TODAY)
    (client,) = result.clients
    assert client.name == "Yılmaz, Ayşe"
    assert "Nord" not in repr(client)  # data minimisation: an unused column is not kept
    # a column that is not evaluated is named in one warning, never silently dropped
    assert result.warnings == ["Spalten ohne Auswertung (weder genutzt noch gespeichert): "
                               "„Sachbearbeitung“. Was die Teams beim Besuch wissen sollen, "
                               "gehört in die Spalte „Notiz“."]


def test_pin_and_coordinate_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "k.csv",
                     ["id", "Adresse", "Team", "Datum", "Uhrzeit", "Breite", "Länge"],
                     [["A1", "Am Markt 1, Bad Hersfeld", "nord", "08.12.2026", "14:30",
                       "50,8675", "9,7071"],
                      ["A2", "Am Markt 2, Bad Hersfeld", "", "", "14:30", "", ""],
                      ["A3", "Am Markt 3, Bad Hersfeld", "", "", "", "50.1", ""],
                      ["A4", "Am Markt 4, Bad Hersfeld", "", "31.02.2026", "", "", ""]])
    result = read_clients(path, today=TODAY)
    (a1,) = result.clients
    assert (a1.pin_team, a1.pin_day, a1.pin_time_min) == ("nord", date(2026, 12, 8), 14 * 60 + 30)
    assert (a1.lat, a1.lon) == (50.8675, 9.7071)
    reasons = {r.id: (r.field, r.reason) for r in result.rejected}
    assert reasons["A2"][0] == "uhrzeit" and "ohne Datum" in reasons["A2"][1]
    assert reasons["A3"][0] == "lon" and "Länge fehlt" in reasons["A3"][1]
    assert reasons["A4"][0] == "datum"
    assert result.warnings == []


def test_a_pin_day_whose_weekday_does_not_fit_is_refused(tmp_path: Path) -> None:
    """„Fr 10.12.2026“ for a Thursday is a typo in the day or the weekday: the row is
    rejected naming both, not pinned to the Thursday (QA 15a F7)."""
    path = write_csv(tmp_path / "k.csv", ["id", "Adresse", "Datum", "Kontaktabbruch seit"],
                     [["A1", "Am Markt 1, Bad Hersfeld", "Fr 10.12.2026", ""],
                      ["A2", "Am Markt 2, Bad Hersfeld", "Do, 10.12.2026", "Mo 03.03.2025"],
                      ["A3", "Am Markt 3, Bad Hersfeld", "", "Di 03.03.2025"]])
    result = read_clients(path, today=TODAY)
    (a2,) = result.clients
    assert (a2.pin_day, a2.kontakt_abbruch_seit) == (date(2026, 12, 10), date(2025, 3, 3))
    reasons = {r.id: (r.field, r.reason) for r in result.rejected}
    assert reasons == {
        "A1": ("datum", "Datum: „Fr“ passt nicht zu 10.12.2026 (Donnerstag)"),
        "A3": ("kontakt_abbruch_seit",
               "Kontaktabbruch seit: „Di“ passt nicht zu 03.03.2025 (Montag)")}


def _real_addresses(pbf: Path) -> list[tuple[str, str, str, str]]:
    import osmium

    out = []
    nodes = osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("addr:housenumber"))
    for o in nodes:
        t = o.tags
        if "addr:street" in t:
            out.append((t["addr:street"], t["addr:housenumber"], t.get("addr:postcode", ""),
                        t.get("addr:city", "")))
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_200_rows_from_real_addresses_reject_exactly_the_bad_ones(
        tmp_path: Path, bad_hersfeld_pbf: Path, fmt: str) -> None:
    """A realistic export (real Bad Hersfeld address points, mixed spellings) with 10 bad
    rows: exactly those are rejected, with the right field; everything else is kept."""
    import random

    rnd = random.Random(6)
    addresses = _real_addresses(bad_hersfeld_pbf)
    assert len(addresses) >= 200
    windows = ["", "", "Di 10-12", "Mo-Fr 14-16", "Mo, Mi 9:30-11", "Do 14:00–16:30",
               "Mo 9-11; Fr 13-15", "werktags ab 14"]
    dates = ["07.03.2025", "7.3.25", "2025-03-07", "", "15.11.2024"]
    header = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
              "Kontaktabbruch seit", "Sprache", "Zeitfenster", "Angekündigt ab",
              "Besuchsdauer", "Notiz"]
    rows: list[list[object]] = []
    for i, (street, number, postcode, town) in enumerate(rnd.sample(addresses, 200)):
        rows.append([f"P{i:05d}", f"Person {i}", street, number, postcode or "36251",
                     town or "Bad Hersfeld", rnd.choice(dates),
                     rnd.choice(["", "", "Arabisch", "Türkisch, Russisch"]),
                     rnd.choice(windows), rnd.choice(["", "01.12.2026"]),
                     rnd.choice(["", "45", "45,0", "60 min"]), ""])
    bad = {  # index -> (expected field, change)
        10: ("adresse", {2: "", 3: "", 4: "", 5: ""}),
        11: ("adresse", {2: "", 3: ""}),
        20: ("kontakt_abbruch_seit", {6: "31.02.2025"}),
        21: ("kontakt_abbruch_seit", {6: "gestern"}),
        22: ("kontakt_abbruch_seit", {6: "01.01.2027"}),
        30: ("id", {0: "P00003", **dict(enumerate(rows[3][2:6], start=2))}),  # same door
        31: ("id", {0: "P00004", **dict(enumerate(rows[4][2:6], start=2))}),
        40: ("id", {0: ""}),
        50: ("zeitfenster", {8: "Di 16-10"}),
        60: ("besuchsdauer", {10: "0"}),
    }
    for idx, (_, change) in bad.items():
        for col, value in change.items():
            rows[idx][col] = value
    rows[70][11] = "<script>alert('x')</script>"
    rows[71][2] = "Gibtesnichtstraße"  # unknown street: the geocoder's job, not the reader's

    if fmt == "csv":
        path = write_csv(tmp_path / "kunden.csv", header, [[str(c) for c in r] for r in rows],
                         encoding="utf-8-sig")
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(header)
        for r in rows:
            ws.append([c if c != "" else None for c in r])
        path = tmp_path / "kunden.xlsx"
        wb.save(path)

    result = read_clients(path, default_duration_min=45, today=TODAY)
    assert result.total_rows == 200
    assert len(result.clients) == 190
    rejected = {r.row - 2: r for r in result.rejected}
    assert set(rejected) == set(bad)
    for idx, (fname, _) in bad.items():
        assert rejected[idx].field == fname, (idx, rejected[idx])
        assert rejected[idx].reason
    assert "Zeile 5" in rejected[30].reason  # P00003 first stood in row 5
    ok = by_id(result)
    assert ok["P00070"].notiz == "<script>alert('x')</script>"
    assert ok["P00071"].street == "Gibtesnichtstraße"
    assert all(c.besuchsdauer_min in (45, 60) for c in result.clients)


def test_an_address_column_and_a_street_column_that_disagree_are_named(tmp_path: Path) -> None:
    """'Adresse' holds a whole address and 'Straße' another street: the row is rejected
    naming both (before: 'Walkerweg Ahornweg 36 12', geocoded exact at Ahornweg 36); the
    rest of an address in 'Adresse' ('5a, 2. OG') still joins the street."""
    header = ["Kundennummer", "Straße", "Hausnummer", "Adresse", "PLZ", "Ort",
              "Kontaktabbruch seit"]
    path = write_csv(tmp_path / "zwei.csv", header, [
        ["K-1", "Walkerweg", "12", "Ahornweg 36", "36251", "Bad Hersfeld", "01.03.2025"],
        ["K-2", "Walkerweg", "", "12, 2. OG", "36251", "Bad Hersfeld", "01.03.2025"],
        ["K-3", "Walkerweg", "12", "Walkerweg 12", "36251", "Bad Hersfeld", "01.03.2025"],
    ])
    result = read_clients(path, today=TODAY)
    (rej,) = result.rejected
    assert rej.id == "K-1" and rej.field == "adresse"
    assert rej.reason.startswith("zwei Anschriften: Spalte „Adresse“ „Ahornweg 36“ und "
                                 "Spalte „Straße“ „Walkerweg“"), rej.reason
    assert {c.id: c.address for c in result.clients} == {
        "K-2": "Walkerweg 12, 2. OG, 36251 Bad Hersfeld",
        "K-3": "Walkerweg 12, 36251 Bad Hersfeld"}


def test_placeholders_in_optional_fields_read_as_empty(tmp_path: Path) -> None:
    """"-", "k. A.", "unbekannt" in an optional field mean nothing there; before, the row
    was rejected (Kontaktabbruch seit: kein lesbares Datum: „-“)."""
    rows = [
        good_row(1, **{"Kontaktabbruch seit": "-", "Angekündigt ab": "k. A."}),
        good_row(2, **{"Kontaktabbruch seit": "unbekannt"}, Zeitfenster="-",
                 Besuchsdauer="k.A."),
        good_row(3, **{"Kontaktabbruch seit": "seit 15.03.2025"}, Sprache="keine"),
        good_row(4, **{"Kontaktabbruch seit": "Sa, 15.03.2025"}, Besuchsdauer="0"),
    ]
    result = read_clients(write_csv(tmp_path / "k.csv", HEADER, rows),
                          default_duration_min=50, today=TODAY)
    by_id = {c.id: c for c in result.clients}
    assert sorted(by_id) == ["K0001", "K0002", "K0003"], result.rejected
    assert by_id["K0001"].kontakt_abbruch_seit is None and by_id["K0001"].angekuendigt_ab is None
    assert by_id["K0002"].zeitfenster == () and by_id["K0002"].besuchsdauer_min == 50
    assert by_id["K0003"].kontakt_abbruch_seit == date(2025, 3, 15)
    assert by_id["K0003"].sprache == ()
    (rej,) = result.rejected  # a duration of 0 is a number, not a placeholder
    assert (rej.row, rej.field) == (5, "besuchsdauer")


# ------------------------------------------------ what Excel made of a cell (QA 18b #5, #6)


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append([None if c == "" else c for c in r])
    wb.save(path)
    return path


def test_a_house_number_excel_stored_as_a_date_rejects_the_row(tmp_path: Path) -> None:
    """„12-14“ typed in an en-US Excel (or „1-2“ in a German one) is stored as a date and
    was read as „14.12.2026“: geocoded to house number 14 without a word (QA 18b #5)."""
    rows: list[list[object]] = [
        good_row(1, Hausnummer=datetime(2026, 12, 14)),  # type: ignore[arg-type]
        good_row(2, Hausnummer=date(2026, 2, 1)),  # type: ignore[arg-type]
        good_row(3, PLZ=datetime(2026, 1, 2)),  # type: ignore[arg-type]
        good_row(4, Hausnummer=time(12, 30)),  # type: ignore[arg-type]
        good_row(5, Straße=datetime(2026, 6, 17)),  # type: ignore[arg-type]
        good_row(6, **{"Kontaktabbruch seit": datetime(2025, 3, 1)}),  # type: ignore[arg-type]
        good_row(7, Hausnummer="12-14"),
        good_row(8, Hausnummer=14),  # type: ignore[arg-type]
    ]
    result = read_clients(write_xlsx(tmp_path / "k.xlsx", rows), today=TODAY)
    rej = rejected_rows(result)
    assert set(rej) == {2, 3, 4, 5, 6}, result.rejected
    assert all(field == "adresse" for _, field, _ in rej.values())
    assert rej[2][2] == (
        "Hausnummer ist in Excel als Datum gespeichert (14.12.2026) – ursprünglich wohl "
        "„12-14“ oder „14-12“: bitte die Spalte „Hausnummer“ in Excel als Text formatieren "
        "und die Hausnummer neu eintragen")
    assert "(01.02.2026) – ursprünglich wohl „1-2“ oder „2-1“" in rej[3][2]
    assert rej[4][2] == ("PLZ ist in Excel als Datum gespeichert (02.01.2026): bitte die "
                         "Spalte „PLZ“ in Excel als Text formatieren und die Adresse prüfen")
    assert rej[5][2].startswith("Hausnummer ist in Excel als Uhrzeit gespeichert (12:30): ")
    assert rej[6][2].startswith("Straße ist in Excel als Datum gespeichert (17.06.2026): ")
    ok = by_id(result)
    assert ok["K0006"].kontakt_abbruch_seit == date(2025, 3, 1)  # a date where one belongs
    assert ok["K0007"].housenumber == "12-14" and ok["K0008"].housenumber == "14"


@pytest.mark.parametrize(("typed", "shown"), [
    ("14.12.2026", "„12-14“ oder „14-12“"), ("14.12.26", "„12-14“ oder „14-12“"),
    ("01. Feb", "„1-2“ oder „2-1“"), ("1.Feb", "„1-2“ oder „2-1“"), ("14-Dec", "„12-14“ oder "),
    ("14-Dez-26", "„12-14“"), ("12/14/2026", "„12-14“"), ("2026-12-14", "„12-14“"),
    ("3. Mrz", "„3-3“:")])
def test_a_csv_house_number_that_reads_as_a_date_rejects_the_row(
        tmp_path: Path, typed: str, shown: str) -> None:
    """Excel saves a house number it turned into a date as the date it shows (QA 18b #5):
    such a number can only be a mangled one. A range, a suffix, a street named after a
    date and a date in a date column stay as they are."""
    rows = [good_row(1, Hausnummer=typed), good_row(2, Hausnummer="12-14"),
            good_row(3, Hausnummer="2 a"), good_row(4, Straße="Straße des 17. Juni", Hausnummer="3"),
            good_row(5, Hausnummer="1/2"), good_row(6, **{"Kontaktabbruch seit": "01. Feb 2025"})]
    result = read_clients(write_csv(tmp_path / "k.csv", HEADER, rows), today=TODAY)
    (rej,) = result.rejected
    assert (rej.row, rej.field) == (2, "adresse")
    assert rej.reason.startswith(f"Hausnummer „{typed}“ ist ein Datum, keine Hausnummer – "
                                 "ursprünglich wohl "), rej.reason
    assert shown in rej.reason
    assert rej.reason.endswith("bitte die Spalte „Hausnummer“ in Excel als Text formatieren "
                               "und die Hausnummer neu eintragen")
    assert [c.housenumber for c in result.clients] == ["12-14", "2 a", "3", "1/2", "6"]


def test_a_house_number_suffix_that_reads_as_a_date_rejects_the_row(tmp_path: Path) -> None:
    header = ["Kundennummer", "Straße", "Hausnummer", "Hausnummernzusatz", "Ort"]
    rows = [["K-1", "Breitenstraße", "5", "01.02.2026", "Bad Hersfeld"],
            ["K-2", "Breitenstraße", "5", "a", "Bad Hersfeld"]]
    result = read_clients(write_csv(tmp_path / "k.csv", header, rows), today=TODAY)
    (rej,) = result.rejected
    assert rej.id == "K-1"
    assert rej.reason.startswith("Hausnummernzusatz „01.02.2026“ ist ein Datum – "
                                 "ursprünglich wohl „1-2“ oder „2-1“")


def test_excel_date_serials_in_date_columns_are_read_and_named(tmp_path: Path) -> None:
    """A date column formatted „Standard“ shows Excel's day count (45632): the client was
    rejected („kein lesbares Datum“) and not planned at all (QA 18b #6). Whole numbers of a
    plausible range are read as dates, and a note names each reading."""
    csv_rows = [good_row(1, **{"Kontaktabbruch seit": "45632"}),
                good_row(2, **{"Kontaktabbruch seit": "2025-02", "Angekündigt ab": "46000"}),
                good_row(3, **{"Kontaktabbruch seit": "1234"}),
                good_row(4, **{"Kontaktabbruch seit": "80000"}),
                good_row(5, **{"Kontaktabbruch seit": "25000"})]
    xlsx_rows: list[list[object]] = [list(r) for r in csv_rows]
    for r in xlsx_rows:  # numbers in the workbook, as Excel stores them
        for i, c in enumerate(r):
            if isinstance(c, str) and c.isdigit() and HEADER[i] in (
                    "Kontaktabbruch seit", "Angekündigt ab"):
                r[i] = int(c)
    for path in (write_csv(tmp_path / "k.csv", HEADER, csv_rows),
                 write_xlsx(tmp_path / "k.xlsx", xlsx_rows)):
        result = read_clients(path, today=TODAY)
        ok = by_id(result)
        assert sorted(ok) == ["K0001", "K0002"], result.rejected
        assert ok["K0001"].kontakt_abbruch_seit == date(2024, 12, 6)
        assert ok["K0002"].kontakt_abbruch_seit == date(2025, 2, 1)
        assert ok["K0002"].angekuendigt_ab == date(2025, 12, 9)
        rej = rejected_rows(result)
        assert rej[4][2] == ("Kontaktabbruch seit: kein lesbares Datum: „1234“ (erwartet "
                             "z. B. 07.12.2026)")
        assert rej[5][2] == ("Kontaktabbruch liegt in der Zukunft: 11.01.2119 („80000“ als "
                             "Excel-Datum gelesen)")
        assert rej[6][2].startswith("Kontaktabbruch seit: Datum unplausibel (vor 01.01.1990)")
        notes = [w for w in result.warnings if "Excel-Datum" in w]
        assert notes == [
            f"{path}: Zeile 2, Kontaktabbruch seit: 45632 als Excel-Datum gelesen (06.12.2024). "
            "Die Zelle ist als Zahl statt als Datum formatiert; bitte prüfen und die Spalte in "
            "Excel als Datum formatieren.",
            f"{path}: Zeile 3, Angekündigt ab: 46000 als Excel-Datum gelesen (09.12.2025). "
            "Die Zelle ist als Zahl statt als Datum formatiert; bitte prüfen und die Spalte in "
            "Excel als Datum formatieren."], result.warnings


def test_excel_time_fractions_in_the_pin_uhrzeit_are_read_as_the_outcome_file_reads_them(
        tmp_path: Path) -> None:
    """A pin's Uhrzeit formatted „Standard“ shows Excel's fraction of the day
    (``0,4027778`` = 09:40): the row was rejected („keine Uhrzeit“) while the outcome file
    reads it (QA 26 F6 follow-up). It is read with the same note; a fraction that is no
    whole minute and a text both readings take differently (``0.40``) are refused naming
    the readings, and a date-time serial in Datum carries the pin's time."""
    header = HEADER + ["Datum", "Uhrzeit"]
    day = 46369  # 13.12.2026

    def row(i: int, datum: object, uhrzeit: object) -> list[object]:
        return [*good_row(i), datum, uhrzeit]

    rows: list[list[object]] = [
        row(1, str(day), "0,4027778"),       # 09:40, as a CSV export writes it
        row(2, "14.12.2026", "0.4375"),      # 10:30
        row(3, "14.12.2026", "0,123"),       # 02:57:07: no whole minute
        row(4, "14.12.2026", "0.40"),        # 00:40 typed, or 09:36?
        row(5, "14.12.2026", "10:00"),
        row(6, f"{day},625", ""),            # 13.12.2026 15:00 in the Datum cell
        row(7, "14.12.2026", f"{day},4375"),  # a date-time: no clock time
    ]
    csv_path = tmp_path / "k.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(header)
    for r in rows:  # numbers in the workbook, as Excel stores an unformatted cell
        cells = list(r)
        for i in (-2, -1):
            if isinstance(cells[i], str) and re.fullmatch(r"\d+([.,]\d+)?", cells[i]) and (
                    cells[i] != "0.40"):
                cells[i] = float(cells[i].replace(",", "."))
        ws.append([None if c == "" else c for c in cells])
    xlsx_path = tmp_path / "k.xlsx"
    book.save(xlsx_path)
    for path in (csv_path, xlsx_path):
        result = read_clients(path, today=TODAY)
        ok = by_id(result)
        assert sorted(ok) == ["K0001", "K0002", "K0005", "K0006"], result.rejected
        assert (ok["K0001"].pin_day, ok["K0001"].pin_time_min) == (date(2026, 12, 13), 580)
        assert ok["K0002"].pin_time_min == 630
        assert ok["K0005"].pin_time_min == 600
        assert (ok["K0006"].pin_day, ok["K0006"].pin_time_min) == (date(2026, 12, 13), 900)
        rej = rejected_rows(result)
        assert sorted(rej) == [4, 5, 8], rej
        assert rej[4][1:] == ("uhrzeit", "Uhrzeit: „0,123“ als Excel-Uhrzeit wäre 02:57:07, "
                              "keine volle Minute: bitte die Spalte in Excel als Uhrzeit "
                              "formatieren (z. B. 09:40)"), rej[4]
        assert rej[5][1:] == ("uhrzeit", "Uhrzeit: „0.40“ ist mehrdeutig: 00:40 Uhr oder als "
                              "Excel-Uhrzeit 09:36 Uhr? Bitte die Uhrzeit als hh:mm "
                              "eintragen"), rej[5]
        assert rej[8][1] == "uhrzeit" and "keine Uhrzeit" in rej[8][2], rej[8]
        clock_notes = [w for w in result.warnings if "Excel-Uhrzeit gelesen" in w]
        shown = ("0,4027778", "0.4375") if path == csv_path else ("0,4027778", "0,4375")
        assert clock_notes == [
            f"{path}: Zeile 2, Uhrzeit: {shown[0]} als Excel-Uhrzeit gelesen (09:40); Zeile "
            f"3, Uhrzeit: {shown[1]} als Excel-Uhrzeit gelesen (10:30). Die Zellen sind als "
            "Zahl statt als Uhrzeit formatiert; bitte prüfen und die Spalte in Excel als "
            "Uhrzeit formatieren."], result.warnings
        date_notes = [w for w in result.warnings if "als Excel-Datum gelesen" in w]
        assert len(date_notes) == 1, result.warnings
        assert "Zeile 2, Datum: " in date_notes[0] and "(13.12.2026)" in date_notes[0]
        assert "Zeile 7, Datum: " in date_notes[0] and "(13.12.2026 15:00)" in date_notes[0]


# ------------------------------------------------------------------ a shifted row's id

#: A comma-separated list: row 2 has an unquoted comma in its time window (one field too
#: many, rejected), row 4 is the same case (its id in small letters) at another address.
_SHIFTED_HEADER = "Kundennummer,Name,Straße,Hausnummer,PLZ,Ort,Zeitfenster\n"


def _shifted_pair(path: Path, first: tuple[str, str], second: tuple[str, str],
                  other: tuple[str, str] = ("Breitenstraße", "3")) -> Path:
    (s1, h1), (s2, h2), (s3, h3) = first, second, other
    path.write_text(
        _SHIFTED_HEADER
        + f"K-7,Erste Person,{s1},{h1},36251,Bad Hersfeld,Mo, Mi 9:30-11:30\n"
        + f"K-8,Andere Person,{s3},{h3},36251,Bad Hersfeld,\n"
        + f"k-7,Zweite Person,{s2},{h2},36251,Bad Hersfeld,\n"
        + f"K-9,Dritte Person,{s3},{h3}a,36251,Bad Hersfeld,\n"
        + f"K-9,Dritte Person,{s3},{h3} a,36251,Bad Hersfeld,\n",  # one door: a duplicate
        encoding="utf-8")
    return path


def _check_shifted_pair(rej: dict[int, tuple[str | None, str, str]]) -> None:
    assert sorted(rej) == [2, 4, 6]
    assert rej[2][:2] == ("K-7", "felder") and "Zeile 2 hat 8 Felder" in rej[2][2]
    assert rej[4][:2] == ("k-7", "id"), rej[4]
    assert rej[4][2] == (
        "Kundennummer „k-7“ in Zeile 4 doppelt: schon in Zeile 2 (als „K-7“; Groß-/"
        "Kleinschreibung wird nicht unterschieden; Zeile 2 ist ebenfalls abgelehnt)")
    # a duplicate of a row that was taken: no word of a rejection
    assert rej[6][2] == "Kundennummer „K-9“ in Zeile 6 doppelt: schon in Zeile 5"


def test_a_row_rejected_for_its_field_count_still_claims_its_id(tmp_path: Path) -> None:
    """QA 19a #2: a row rejected for one field too many (an unquoted comma) counts for
    its Kundennummer: a later row of the same case is rejected as a duplicate, as it is
    after a row that could be read, and the message says that the first row is rejected
    too (neither is taken)."""
    path = _shifted_pair(tmp_path / "kunden.csv", ("Breitenstraße", "21"),
                         ("Breitenstraße", "22"))
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == ["K-8", "K-9"]
    _check_shifted_pair(rejected_rows(result))
    # a shifted row with no id, or one that is itself a duplicate, claims nothing new
    path.write_text(_SHIFTED_HEADER
                    + "K-1,A,Breitenstraße,1,36251,Bad Hersfeld,\n"
                    + "k-1,B,Breitenstraße,2,36251,Bad Hersfeld,Mo, Mi 9-11\n"
                    + ",C,Breitenstraße,3,36251,Bad Hersfeld,Mo, Mi 9-11\n"
                    + "K-2,D,Breitenstraße,4,36251,Bad Hersfeld,\n",
                    encoding="utf-8")
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == ["K-1", "K-2"]
    assert [r.field for r in result.rejected] == ["felder", "felder"]


def test_import_and_plan_reject_the_second_row_of_a_shifted_pair(tmp_path: Path,
                                                                  bad_hersfeld_pbf) -> None:
    """QA 19a #2 through the commands: ``import`` and ``plan`` take neither row of the
    pair (before, the second row was taken at its other address without a word)."""
    from typer.testing import CliRunner

    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.cli import app
    from tests.planning_fixtures import real_addresses

    addrs = real_addresses(load_index(bad_hersfeld_pbf))[:3]
    path = _shifted_pair(tmp_path / "kunden.csv", addrs[0][:2], addrs[1][:2], addrs[2][:2])
    runner = CliRunner(env={clock.ENV: "2026-12-03", "HAUSBESUCH_USER": "pruefer"})
    common = ["--city", "bad-hersfeld", "--db", str(tmp_path / "fall.sqlite")]
    res = runner.invoke(app, ["import", str(path), *common, "--report",
                              str(tmp_path / "bericht.csv")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "2 neu" in res.output and "3 abgelehnt" in res.output, res.output
    assert "Zeile 2 ist ebenfalls abgelehnt" in res.output, res.output
    from hausbesuch.store import ClientRow, Store

    with Store.open(common[-1]) as store, store.session() as s:
        assert sorted(r.client_id for r in s.query(ClientRow)) == ["K-8", "K-9"]
    res = runner.invoke(app, ["plan", str(path), *common, "--start", "2026-12-07", "--days",
                              "1", "--out", str(tmp_path / "plan"), "--time-limit", "2",
                              "--threads", "1"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with open(tmp_path / "plan" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        report = {r["zeile"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert {z: r["status"] for z, r in report.items()} == {
        "2": "abgelehnt", "3": "geplant", "4": "abgelehnt", "5": "geplant", "6": "abgelehnt"}
    assert "Zeile 2 ist ebenfalls abgelehnt" in report["4"]["grund"], report["4"]


# ------------------------------------------------------------------ ids that carry a name

#: What the refused rows below must never show: the client's name.
_NAME_PARTS = ("Meier", "Anna", "Müller", "Mueller", "MUELLER", "Jürgen", "Schmidt")


def _no_name_shown(result: ClientList) -> None:
    for r in result.rejected:
        for part in _NAME_PARTS:
            assert part.casefold() not in (r.id or "").casefold(), r
            assert part.casefold() not in r.reason.casefold(), r


def test_an_id_that_carries_the_clients_name_is_refused_without_quoting_it(
        tmp_path: Path) -> None:
    """QA 25: the Kundennummer goes into maps, pages, file names, URLs and the audit log. An
    id that contains the row's own name (compared without case or umlaut spelling), or that
    has no digit and is made of a name's letters (a mis-mapped column, a case-management
    export with the name in the id column), is refused; the refusal shows neither the id
    nor the name. Real ids (Kundennummer, BG-Nummer, the project's sample ids) pass."""
    named = "Kundennummer enthält den Namen des Kunden: bitte die pseudonyme Kundennummer " \
            "aus der Fachanwendung eintragen, keinen Namen"
    looks = "Kundennummer sieht aus wie ein Name (nur Buchstaben, keine Ziffer): bitte " \
            "die pseudonyme Kundennummer aus der Fachanwendung eintragen, keinen Namen " \
            "(ist die Spalte richtig zugeordnet?)"
    ids = [("Meier-4711", "Anna Meier"), ("Anna Meier", ""), ("Müller, Jürgen", ""),
           ("MUELLER-12", "Jürgen Müller"), ("k1042anna", "Meier, Anna"),
           ("Anna Meier", "Anna Meier"),  # a second time: not „doppelt“ quoting it
           ("123A456789", "Anna Meier"), ("12345BG1234567", "Bg Meier"), ("K-1042", "Kai Ali"),
           ("C0001", "Testname 1"), ("S00001", ""), ("W037", "Frau Wu"), ("BH-001", "Bh Meier"),
           ("K 7", "Ka Li"), ("AB", ""), ("W-OUT", ""), ("MEIER, ANNA", ""), ("Meier", "")]
    path = write_csv(tmp_path / "kunden.csv",
                     ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"],
                     [[cid, name, "Am Markt", "16", "36251", "Bad Hersfeld"]
                      for cid, name in ids])
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == [
        "123A456789", "12345BG1234567", "K-1042", "C0001", "S00001", "W037", "BH-001", "K 7",
        "AB", "W-OUT"]
    assert rejected_rows(result) == {2: (None, "id", named), 3: (None, "id", looks),
                                     4: (None, "id", looks), 5: (None, "id", named),
                                     6: (None, "id", named), 7: (None, "id", named),
                                     18: (None, "id", looks), 19: (None, "id", looks)}
    _no_name_shown(result)

    # split name columns (Nachname, Vorname) are the row's name as well
    path = write_csv(tmp_path / "geteilt.csv",
                     ["Kundennummer", "Nachname", "Vorname", "Adresse"],
                     [["schmidt-7", "Schmidt", "Anna", "Am Markt 16"],
                      ["K-8", "Schmidt", "Anna", "Am Markt 16"]])
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == ["K-8"]
    assert rejected_rows(result) == {2: (None, "id", named)}
    _no_name_shown(result)


def test_an_id_too_long_or_with_a_name_in_brackets_is_not_shown_a_short_word_is_no_name(
        tmp_path: Path) -> None:
    """Review 25 #1/#6: an id over 64 characters was refused as too long before the name
    check and shown cut to 64 characters (an address with a name in a column mapped
    wrongly reached the report, the page and the audit log); now such a cell is not shown.
    A name in brackets („Meier (Schmidt)“) is the row's name too. A word of three letters
    („Ost“) is left alone: a code like ``OST-4711`` may share it with a name by chance."""
    long_id = "Anna Quaschning Linggplatz 7 36251 Bad Hersfeld Telefon 06621 123456 mobil"
    path = write_csv(tmp_path / "kunden.csv",
                     ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"],
                     [[long_id, "Anna Quaschning", "Am Markt", "16", "36251", "Bad Hersfeld"],
                      ["SCHMIDT-1", "Meier (Schmidt)", "Am Markt", "16", "36251",
                       "Bad Hersfeld"],
                      ["OST-4711", "Kim Ost", "Am Markt", "16", "36251", "Bad Hersfeld"]])
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == ["OST-4711"]
    rows = rejected_rows(result)
    assert rows[2] == (None, "id", f"Kundennummer zu lang ({len(long_id)} Zeichen, höchstens 64)")
    assert rows[3][:2] == (None, "id") and rows[3][2].startswith(
        "Kundennummer enthält den Namen des Kunden"), rows
    for r in result.rejected:
        assert "quaschning" not in f"{r.id} {r.reason}".casefold(), r
        assert "schmidt" not in f"{r.id} {r.reason}".casefold(), r


def test_a_shifted_row_whose_id_is_a_name_does_not_show_it(tmp_path: Path) -> None:
    """A comma-separated list with „Meier, Anna“ unquoted in the id column: the row has a
    field too many and is rejected for it; its id („Meier“) is not shown and claims
    nothing (before, the report's Kundennummer column showed the surname)."""
    path = tmp_path / "kunden.csv"
    path.write_text(_SHIFTED_HEADER
                    + "Meier, Anna,,Breitenstraße,21,36251,Bad Hersfeld,\n"
                    + "K-2,,Breitenstraße,4,36251,Bad Hersfeld,\n"
                    + "Meier,,Breitenstraße,5,36251,Bad Hersfeld,\n",
                    encoding="utf-8")
    result = read_clients(path, today=TODAY)
    assert [c.id for c in result.clients] == ["K-2"]
    rej = rejected_rows(result)
    assert rej[2][:2] == (None, "felder") and "Zeile 2 hat 8 Felder" in rej[2][2]
    assert rej[2][2].endswith("Kundennummer sieht aus wie ein Name (nur Buchstaben, keine "
                              "Ziffer): bitte die pseudonyme Kundennummer aus der "
                              "Fachanwendung eintragen, keinen Namen (ist die Spalte "
                              "richtig zugeordnet?)"), rej[2]
    assert rej[4][:2] == (None, "id") and "doppelt" not in rej[4][2]
    _no_name_shown(result)


def test_import_refuses_an_id_with_the_name_and_shows_the_name_nowhere(
        tmp_path: Path, bad_hersfeld_pbf) -> None:
    """QA 25 through ``hausbesuch import``: rows whose Kundennummer is the client's name
    (or contains it) are refused; neither the output, the report (its ``id`` column),
    the stored rejections of the last import nor the audit log name the client."""
    import json

    from typer.testing import CliRunner

    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.cli import app
    from hausbesuch.store import ClientRow, ImportRejectionRow, Store
    from tests.planning_fixtures import real_addresses

    (s1, h1, *_), (s2, h2, *_) = real_addresses(load_index(bad_hersfeld_pbf))[:2]
    path = write_csv(tmp_path / "kunden.csv",
                     ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"],
                     [["K-1042", "Anna Meier", s1, h1, "36251", "Bad Hersfeld"],
                      ["Meier-4711", "Anna Meier", s2, h2, "36251", "Bad Hersfeld"],
                      ["Müller, Jürgen", "", s2, h2, "36251", "Bad Hersfeld"]])
    runner = CliRunner(env={clock.ENV: "2026-12-03", "HAUSBESUCH_USER": "pruefer"})
    db = tmp_path / "fall.sqlite"
    res = runner.invoke(app, ["import", str(path), "--city", "bad-hersfeld", "--db", str(db),
                              "--report", str(tmp_path / "bericht.csv")],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "1 neu" in res.output and "2 abgelehnt" in res.output, res.output
    assert "Kundennummer enthält den Namen des Kunden" in res.output, res.output
    assert "Kundennummer sieht aus wie ein Name" in res.output, res.output
    with open(tmp_path / "bericht.csv", encoding="utf-8-sig", newline="") as fh:
        report = {r["zeile"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert {z: (r["id"], r["status"]) for z, r in report.items()} == {
        "2": ("K-1042", "neu"), "3": ("", "abgelehnt"), "4": ("", "abgelehnt")}
    with Store.open(str(db)) as store:
        with store.session() as s:
            assert [r.client_id for r in s.query(ClientRow)] == ["K-1042"]
            stored = [(r.client_id, r.reason) for r in s.query(ImportRejectionRow)]
        audit = json.dumps(store.audit_rows(), default=str, ensure_ascii=False)
    assert [cid for cid, _ in stored] == [None, None]
    shown = "\n".join([res.output, (tmp_path / "bericht.csv").read_text("utf-8-sig"),
                       *(reason for _, reason in stored), audit])
    for part in ("Meier", "Müller", "Jürgen", "Anna"):
        assert part not in shown, part
