"""A client list whose header stands in two rows (QA 26 F2): group headings in row 1
(„Anschrift“ merged over Straße…Ort, „Besuch“ over Datum and Uhrzeit, „Kundennummer“ and
„Name“ merged down), the column names in row 2. Row 1 alone has an id and an address
column, so it was taken as the header: row 2 was rejected as a client without
Kundennummer, every client was stored with the street only (no number, PLZ, Ort) and the
list's pins were dropped. Now both rows are read as one header, with a note; a list whose
two header rows cannot be told apart from data is refused as a whole, naming row 2; and a
client row that merely holds a word like „Straße“ is still a client.

Through the real import (``hausbesuch import``) on real SQLite and the Bad Hersfeld
profile's real streets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from hausbesuch.store import ClientRow, Store
from hausbesuch.tabular import client_header_name, read_table
from tests.cli_helpers import ClockedCli, city_db

TODAY = date(2026, 12, 7)
cli = ClockedCli(TODAY)

GROUPS = ["Kundennummer", "Name", "Anschrift", "", "", "", "Besuch", ""]
NAMES = ["", "", "Straße", "Hausnummer", "PLZ", "Ort", "Datum", "Uhrzeit"]
CLIENTS = [
    ["M-1", "Mia Muster", "Breitenstraße", "24", "36251", "Bad Hersfeld", "08.12.2026", "10:00"],
    ["M-2", "Max Muster", "Dudenstraße", "5", "36251", "Bad Hersfeld", "", ""],
    ["M-3", "Moritz Muster", "Klausstraße", "12", "36251", "Bad Hersfeld", "", ""],
]
EXPECTED = {
    "M-1": ("Breitenstraße", "24", "36251", "Bad Hersfeld"),
    "M-2": ("Dudenstraße", "5", "36251", "Bad Hersfeld"),
    "M-3": ("Klausstraße", "12", "36251", "Bad Hersfeld"),
}


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: list[list[str]], merged: list[str]) -> Path:
    """A workbook as an export writes it: numbers as numbers, merged header cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kunden"
    for row in rows:
        ws.append([int(c) if c.isdigit() else (c or None) for c in row])
    for ref in merged:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def _clients(db: str) -> dict[str, ClientRow]:
    with Store.open(db) as store, store.session() as s:
        rows = {r.client_id: r for r in s.scalars(select(ClientRow))}
        s.expunge_all()
        return rows


def _count(db: str) -> int:
    with Store.open(db) as store, store.session() as s:
        return s.scalar(select(func.count()).select_from(ClientRow)) or 0


def _assert_read_whole(db: str, out: str, source: Path) -> None:
    assert "3 neu" in out and "0 abgelehnt" in out, out
    assert "Kundennummer fehlt" not in out, out
    assert (f"{source}: die Kopfzeile steht in Zeilen 1 und 2 (Überschriften über mehreren "
            "Spalten in Zeile 1, Spaltennamen in Zeile 2); beide wurden als eine Kopfzeile "
            "gelesen: „Kundennummer“, „Name“, „Straße“, „Hausnummer“, „PLZ“, „Ort“, "
            "„Datum“, „Uhrzeit“. Die Daten beginnen in Zeile 3.") in out, out
    assert "Spalten ohne Auswertung" not in out, out
    assert "Adressen zu prüfen" not in out, out  # each found in Bad Hersfeld's map
    rows = _clients(db)
    assert {k: (r.street, r.housenumber, r.postcode, r.town) for k, r in rows.items()} \
        == EXPECTED
    assert rows["M-1"].address == "Breitenstraße 24, 36251 Bad Hersfeld"
    assert {k: r.input_row for k, r in rows.items()} == {"M-1": 3, "M-2": 4, "M-3": 5}
    assert (rows["M-1"].pin_day, rows["M-1"].pin_time_min) == (date(2026, 12, 8), 600)
    assert "festgelegt laut Liste: Di, 08.12.2026, 10:00 Uhr" in cli.ok(
        "status", "M-1", *city_db(db))


def test_a_workbook_with_merged_group_headings_is_read_with_both_header_rows(tmp_path):
    db = str(tmp_path / "hdr2x.sqlite")
    path = _xlsx(tmp_path / "liste.xlsx", [GROUPS, NAMES, *CLIENTS],
                 ["A1:A2", "B1:B2", "C1:F1", "G1:H1"])
    out = cli.ok("import", str(path), *city_db(db))
    _assert_read_whole(db, out, path)


def test_a_csv_with_a_two_row_header_is_read_with_both_header_rows(tmp_path):
    db = str(tmp_path / "hdr2c.sqlite")
    path = _csv(tmp_path / "liste.csv", [GROUPS, NAMES, *CLIENTS])
    out = cli.ok("import", str(path), *city_db(db))
    _assert_read_whole(db, out, path)


def test_a_second_header_row_that_also_holds_values_refuses_the_list(tmp_path):
    """Row 2 has column names under the empty cells of „Anschrift“ and a cell with digits:
    header or client, it cannot be told. Nothing is stored."""
    db = str(tmp_path / "hdr2v.sqlite")
    names = ["", "", "Straße", "Hausnummer", "PLZ", "Ort", "Datum", "Uhrzeit"]
    for path in (
        _csv(tmp_path / "liste.csv", [[*GROUPS, "Telefon"], [*names, "Telefon 1"], *CLIENTS]),
        _xlsx(tmp_path / "liste.xlsx", [[*GROUPS, "Telefon"], [*names, "Tel. 2"], *CLIENTS],
              ["A1:A2", "B1:B2", "C1:F1", "G1:H1"]),
    ):
        code, out = cli.invoke("import", str(path), *city_db(db))
        assert code != 0, out
        assert (f"{path}: Kopfzeile über zwei Zeilen? Zeile 2 enthält Spaltennamen („Straße“, "
                "„Hausnummer“, „PLZ“, „Ort“, „Datum“, „Uhrzeit“) unter leeren oder "
                "verbundenen Zellen von Zeile 1") in out, out
        assert "Bitte die Spaltennamen in eine Zeile schreiben" in out, out
        assert _count(db) == 0


def test_two_header_rows_without_an_id_column_together_refuse_the_list(tmp_path):
    """„Kundennummer“ over „Nr.“ and „Name“: the lower row's „Nr.“ (a house number's
    header) wins, so the header read as one has no Kundennummer: refused, not read with
    street-only addresses."""
    db = str(tmp_path / "hdr2n.sqlite")
    path = _csv(tmp_path / "liste.csv", [
        ["Kundennummer", "", "Anschrift", "", "", ""],
        ["Nr.", "Name", "Straße", "Hausnummer", "PLZ", "Ort"],
        [*CLIENTS[0][:6]],
    ])
    code, out = cli.invoke("import", str(path), *city_db(db))
    assert code != 0, out
    assert "Kopfzeile über zwei Zeilen? Zeile 2 enthält Spaltennamen" in out, out
    assert "fehlt aber die Spalte der Kundennummer oder der Adresse" in out, out
    assert _count(db) == 0


def test_a_client_row_holding_header_words_stays_a_client(tmp_path):
    """The first client is named „Strasse“ (a surname) and has „Hinweis“ in a column
    without heading: two words a header could hold, one under an empty heading. It has a
    Kundennummer, a house number and a PLZ: a client, read as before, with no note about
    a second header row."""
    db = str(tmp_path / "words.sqlite")
    path = _csv(tmp_path / "liste.csv", [
        ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", ""],
        ["K-1", "Strasse", "Breitenstraße", "24", "36251", "Bad Hersfeld", "Hinweis"],
        ["K-2", "Max Muster", "Dudenstraße", "5", "36251", "Bad Hersfeld", ""],
    ])
    out = cli.ok("import", str(path), *city_db(db))
    assert "2 neu" in out and "0 abgelehnt" in out, out
    assert "Kopfzeile" not in out, out
    rows = _clients(db)
    assert (rows["K-1"].name, rows["K-1"].address, rows["K-1"].input_row) \
        == ("Strasse", "Breitenstraße 24, 36251 Bad Hersfeld", 2)


def test_a_client_list_header_is_one_row_for_other_readers(tmp_path):
    """Only a caller that names its columns (``known``) reads two header rows: a teams
    file or an outcomes file is read as before."""
    path = _csv(tmp_path / "liste.csv", [GROUPS, NAMES, *CLIENTS])
    table = read_table(path)
    assert table.header_row_2 == 0 and table.row_numbers == [2, 3, 4, 5]


#: Row 1 without an id column: „Person“ over Kundennummer and Name, „Anschrift“ over
#: Straße…Ort, „Datum“ and „Uhrzeit“ merged down (empty in row 2).
GROUPS_NO_ID = ["Person", "", "Anschrift", "", "", "", "Datum", "Uhrzeit"]
NAMES_WITH_ID = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "", ""]


def _assert_read_from_row(db: str, out: str, source: Path, top: int) -> None:
    """The clients read with both header rows (``top`` and the row below it)."""
    assert "3 neu" in out and "0 abgelehnt" in out, out
    assert (f"{source}: die Kopfzeile steht in Zeilen {top} und {top + 1} (Überschriften über "
            f"mehreren Spalten in Zeile {top}, Spaltennamen in Zeile {top + 1}); beide wurden "
            "als eine Kopfzeile gelesen: „Kundennummer“, „Name“, „Straße“, „Hausnummer“, "
            f"„PLZ“, „Ort“, „Datum“, „Uhrzeit“. Die Daten beginnen in Zeile {top + 2}.") in out, out
    assert "Spalten ohne Auswertung" not in out, out
    rows = _clients(db)
    assert {k: (r.street, r.housenumber, r.postcode, r.town) for k, r in rows.items()} \
        == EXPECTED
    assert (rows["M-1"].pin_day, rows["M-1"].pin_time_min) == (date(2026, 12, 8), 600)
    assert "festgelegt laut Liste: Di, 08.12.2026, 10:00 Uhr" in cli.ok(
        "status", "M-1", *city_db(db))


def test_group_headings_without_an_id_column_are_read_as_the_header_s_upper_row(tmp_path):
    """Row 1 has no Kundennummer, so it was skipped as a title: „Datum“ and „Uhrzeit“,
    named only there, became „Spalte 7/8“ without evaluation and M-1's pin was dropped.
    Now both rows are one header, in a workbook (merged cells) and in a CSV."""
    for kind, path in (
        ("x", _xlsx(tmp_path / "liste.xlsx", [GROUPS_NO_ID, NAMES_WITH_ID, *CLIENTS],
                    ["A1:B1", "C1:F1", "G1:G2", "H1:H2"])),
        ("c", _csv(tmp_path / "liste.csv", [GROUPS_NO_ID, NAMES_WITH_ID, *CLIENTS])),
    ):
        db = str(tmp_path / f"noid{kind}.sqlite")
        out = cli.ok("import", str(path), *city_db(db))
        _assert_read_from_row(db, out, path, 1)
        assert "als Titel übersprungen" not in out, out


def test_a_title_above_group_headings_without_an_id_column_stays_a_title(tmp_path):
    """„Fallliste, Stand 01.12.2026“ above the two header rows: a title (it has digits),
    the two rows below it the header."""
    db = str(tmp_path / "noidt.sqlite")
    path = _xlsx(tmp_path / "liste.xlsx",
                 [["Fallliste, Stand 01.12.2026"], GROUPS_NO_ID, NAMES_WITH_ID, *CLIENTS],
                 ["A2:B2", "C2:F2", "G2:G3", "H2:H3"])
    out = cli.ok("import", str(path), *city_db(db))
    _assert_read_from_row(db, out, path, 2)
    assert f"{path}: die Kopfzeile steht in Zeile 2; Zeile 1 darüber wurde als Titel " \
           "übersprungen." in out, out


def test_a_title_right_above_a_one_row_header_stays_a_title(tmp_path):
    """A title with a date right above a header with empty cells, and a title of column
    words over a full header: neither is read as a header row."""
    for title, header in (
        (["Stand 01.12.2026", "", "", "", "", "", "Datum"], NAMES_WITH_ID),
        (["Person", "", "Anschrift"], [*NAMES_WITH_ID[:6], "Datum", "Uhrzeit"]),
    ):
        path = _csv(tmp_path / "liste.csv", [title, header, *CLIENTS])
        table = read_table(path, required=lambda h: "Kundennummer" in h,
                           known=client_header_name)
        assert (table.header_row, table.header_row_2, table.title_rows) == (2, 0, [1])
        assert table.columns[:6] == NAMES_WITH_ID[:6]
        assert table.row_numbers == [3, 4, 5]
