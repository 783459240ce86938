"""Reading lists robustly: sheets of a workbook, ids with every digit, no boolean ids,
case-insensitive duplicates, empty lists, huge cells (issue: hardening)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hausbesuch.clients import MAX_ADDRESS_LENGTH, MAX_NOTE_LENGTH, read_clients
from hausbesuch.errors import UserError
from hausbesuch.tabular import read_table

TODAY = date(2026, 11, 28)
HEADER = ["Kundennummer", "Adresse", "Besuchsdauer"]


def workbook(path: Path, sheets: dict[str, list[list[object]]], active: int = 0) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.active = active
    wb.save(path)
    return path


def test_sheet_named_like_a_client_list_is_read_and_the_others_named(tmp_path):
    p = workbook(tmp_path / "k.xlsx", {
        "Deckblatt": [["Stand", "01.12.2026"], ["Erstellt von", "Team"]],
        "Statistik": [["Kundennummer", "Adresse"], ["S1", "Am Markt 1"]],
        "Kunden": [HEADER, ["K1", "Am Markt 16, Bad Hersfeld", "45"]],
    })
    result = read_clients(p, today=TODAY)
    assert [c.id for c in result.clients] == ["K1"]
    assert len(result.warnings) == 1
    note = result.warnings[0]
    assert "„Kunden“ gelesen" in note and "„Deckblatt“" in note and "„Statistik“" in note


def test_first_sheet_with_the_required_columns_when_none_is_named(tmp_path):
    p = workbook(tmp_path / "k.xlsx", {
        "Hinweise": [["Bitte Blatt 2 verwenden"]],
        "Tabelle2": [HEADER, ["K7", "Am Markt 16", ""]],
        "Tabelle3": [HEADER, ["K8", "Am Markt 16", ""]],
    })
    result = read_clients(p, today=TODAY)
    assert [c.id for c in result.clients] == ["K7"]
    assert "„Tabelle2“ gelesen" in result.warnings[0]


def test_a_single_sheet_gives_no_note(tmp_path):
    p = workbook(tmp_path / "k.xlsx", {"Tabelle1": [HEADER, ["K1", "Am Markt 16", ""]]})
    assert read_clients(p, today=TODAY).warnings == []


def test_twenty_sheets(tmp_path):
    sheets = {f"Blatt{i}": [["x", "y"], [i, i]] for i in range(19)}
    sheets["Liste"] = [HEADER, ["K1", "Am Markt 16", ""]]
    p = workbook(tmp_path / "k.xlsx", sheets)
    table = read_table(p, required=lambda cols: "Kundennummer" in cols)
    assert table.sheet == "Liste" and len(table.ignored_sheets) == 19


def _with_integer_literal(path: Path, placeholder: str, digits: str) -> Path:
    """Write ``digits`` as an integer literal into the sheet XML (as some exporters do;
    openpyxl itself writes floats)."""
    import zipfile

    src = zipfile.ZipFile(path)
    out = path.with_name("exact.xlsx")
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<v>{placeholder}</v>".encode(), f"<v>{digits}</v>".encode())
            dst.writestr(item, data)
    return out


def test_ids_keep_every_digit_and_booleans_are_refused(tmp_path):
    p = workbook(tmp_path / "k.xlsx", {"Kunden": [
        HEADER,
        [4242, "Am Markt 16", ""],
        [100004, "Am Markt 16", ""],
        [1.2345678901234567e19, "Am Markt 16", ""],
        [True, "Am Markt 16", ""],
        [False, "Am Markt 16", ""],
        [12.5, "Am Markt 16", ""],
        ["00123456789012345678901", "Am Markt 16", ""],
    ]})
    p = _with_integer_literal(p, "4242", "12345678901234567890")
    result = read_clients(p, today=TODAY)
    ids = [c.id for c in result.clients]
    assert ids == ["12345678901234567890", "100004", "12,5", "00123456789012345678901"]
    rejected = {r.row: r for r in result.rejected}
    assert set(rejected) == {4, 5, 6}
    assert "15 Stellen" in rejected[4].reason and "Ziffern" in rejected[4].reason
    assert rejected[4].id is None and "12345678901234567168" not in rejected[4].reason
    for row in (5, 6):
        r = rejected[row]
        assert r.field == "id" and r.id is None and "Wahrheitswert" in r.reason
        assert "WAHR" not in r.reason and "FALSCH" not in r.reason


def test_an_id_in_scientific_notation_from_a_csv_is_refused(tmp_path):
    p = tmp_path / "k.csv"
    p.write_text("Kundennummer;Adresse\n1,23457E+19;Am Markt 16\n1.234567890123457e+19;Am Markt 1\n",
                 encoding="utf-8")
    result = read_clients(p, today=TODAY)
    assert result.clients == [] and len(result.rejected) == 2
    assert all("15 Stellen" in r.reason for r in result.rejected)


def test_ids_are_compared_without_case_and_the_message_names_both_rows(tmp_path):
    p = tmp_path / "k.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerow(["K-100004", "Am Markt 16", ""])
        w.writerow(["K-100005", "Am Markt 16", ""])
        w.writerow(["k-100004", "Am Markt 16", ""])
    result = read_clients(p, today=TODAY)
    assert [c.id for c in result.clients] == ["K-100004", "K-100005"]
    (rej,) = result.rejected
    assert rej.row == 4 and rej.id == "k-100004" and rej.field == "id"
    assert "Zeile 4" in rej.reason and "Zeile 2" in rej.reason and "„K-100004“" in rej.reason


@pytest.mark.parametrize("content", [
    "Kundennummer;Adresse\n",
    "\ufeffKundennummer;Adresse\n\n;\n",
])
def test_header_only_list_is_an_error_that_says_so(tmp_path, content):
    p = tmp_path / "k.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match="keine Datenzeilen"):
        read_clients(p, today=TODAY)
    assert read_clients(p, today=TODAY, allow_empty=True).total_rows == 0


def test_header_only_workbook_names_the_sheet(tmp_path):
    p = workbook(tmp_path / "k.xlsx", {"Kunden": [HEADER]})
    with pytest.raises(UserError, match="keine Datenzeilen.*„Kunden“"):
        read_clients(p, today=TODAY)


def test_huge_address_is_rejected_and_not_echoed_in_full(tmp_path):
    p = tmp_path / "k.csv"
    huge = "Am Markt " + "9" * 100_000
    p.write_text(f"Kundennummer;Adresse;Notiz\nK1;{huge};\nK2;Am Markt 16;{'n' * 50_000}\n",
                 encoding="utf-8")
    result = read_clients(p, today=TODAY)
    (rej,) = result.rejected
    assert rej.field == "adresse" and "zu lang" in rej.reason and len(rej.reason) < 300
    (client,) = result.clients
    assert len(client.notiz) == MAX_NOTE_LENGTH and client.notiz.endswith("gekürzt]")
    assert MAX_ADDRESS_LENGTH < 1000


def test_id_of_100000_characters_is_not_shown_in_the_rejection(tmp_path):
    """So long a cell is no id (review 25 #1: it may be an address with a name): the
    rejection names the row and the length, not the cell."""
    p = tmp_path / "k.csv"
    p.write_text(f"Kundennummer;Adresse\n{'=' * 100_000};Am Markt 16\n", encoding="utf-8")
    (rej,) = read_clients(p, today=TODAY).rejected
    assert rej.field == "id" and rej.id is None and len(rej.reason) < 200
    assert rej.reason == "Kundennummer zu lang (100000 Zeichen, höchstens 64)"


def test_mixed_encodings_are_read_line_by_line_with_a_warning(tmp_path):
    p = tmp_path / "k.csv"
    p.write_bytes("Kundennummer;Straße;Hausnummer;Notiz\r\n".encode()
                  + "M-1;Breitenstraße;3;Grüße\r\n".encode()
                  + "M-2;Breitenstraße;3;Grüße\r\n".encode("cp1252")
                  + "M-3;Am Markt;16;\u20ac\r\n".encode("cp1252"))
    result = read_clients(p, today=TODAY)
    assert [c.notiz for c in result.clients] == ["Grüße", "Grüße", "\u20ac"]
    assert all(c.street == "Breitenstraße" for c in result.clients[:2])
    assert any("Kodierungen" in w for w in result.warnings)


def test_a_cp1252_line_with_an_undefined_byte_keeps_its_house_number(tmp_path):
    """QA: the Latin-1 fallback of such a line turned 0x9B („›“) into a CSI that took the
    digits after it: the house number was lost without a word."""
    p = tmp_path / "k.csv"
    p.write_bytes(b"Kundennummer;Name;Adresse;Notiz\r\n"
                  b"K-1;Fa\x81ra;Am Markt 16, 36251 Bad Hersfeld;\x9b2. OG, Haus 5\x967\r\n"
                  b"K-2;M\xfcller;Am Markt \x9b1, 36251 Bad Hersfeld;\x9d\r\n")
    result = read_clients(p, today=TODAY)
    assert [(c.id, c.name, c.address, c.notiz) for c in result.clients] == [
        ("K-1", "Fara", "Am Markt 16, 36251 Bad Hersfeld", "\u203a2. OG, Haus 5\u20137"),
        ("K-2", "Müller", "Am Markt \u203a1, 36251 Bad Hersfeld", None)]
    assert any("Zeilen 2, 3 enthalten Bytes, die in Windows-1252 kein Zeichen sind" in w
               for w in result.warnings), result.warnings


def test_stray_nul_bytes_are_removed_but_binary_files_refused(tmp_path):
    p = tmp_path / "k.csv"
    p.write_bytes(b"Kundennummer;Adresse\r\nN-\x001;Am Markt 16\x00\r\n")
    (client,) = read_clients(p, today=TODAY).clients
    assert (client.id, client.address) == ("N-1", "Am Markt 16")
    b = tmp_path / "b.csv"
    b.write_bytes(b"\x00\x01\x02\x03" * 200)
    with pytest.raises(UserError, match="Binärdaten"):
        read_table(b)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path, codec):
    p = tmp_path / "k.csv"
    p.write_bytes("Kundennummer\tAdresse\r\nU-1\tAm Markt 16\r\n".encode(codec))
    table = read_table(p)
    assert table.encoding == codec and table.rows == [{"Kundennummer": "U-1",
                                                       "Adresse": "Am Markt 16"}]


def test_more_columns_than_excel_are_refused_and_equal_headers_stay_linear(tmp_path):
    import time

    wide = tmp_path / "w.csv"
    wide.write_text("Kundennummer;Adresse\nW-1;Am Markt 16;" + "x;" * 20_000 + "\n",
                    encoding="utf-8")
    with pytest.raises(UserError, match="20003 Spalten.*16384"):
        read_table(wide)
    same = tmp_path / "s.csv"
    same.write_text("Kundennummer;Adresse;" + ";".join(["Notiz"] * 16_000) + "\nW-1;Am Markt 16\n",
                    encoding="utf-8")
    t0 = time.process_time()
    table = read_table(same)
    assert len(set(table.columns)) == len(table.columns) == 16_002
    assert table.columns[-1] == "Notiz (16000)"
    assert time.process_time() - t0 < 30  # quadratic naming took minutes


def test_a_csv_the_reader_cannot_parse_is_told_in_german(tmp_path: Path) -> None:
    """QA 17c F5: a field over the CSV reader's limit came back with Python's English
    reason („field larger than field limit (131072)“) inside the German message."""
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Name;Straße\nK-1;" + "x" * 140_000 + ";Weg 1\n",
                    encoding="utf-8")
    with pytest.raises(UserError) as info:
        read_table(path)
    assert str(info.value).endswith("Die CSV-Datei ist fehlerhaft (Zeile 2): ein Feld ist "
                                    "länger als 131.072 Zeichen."), str(info.value)
    assert "field" not in str(info.value)


def test_a_csv_over_the_byte_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """QA 24 #1: a 300 MB CSV (long notes, one emoji) took 5 GB, a 1.2 GB one 20 GB before
    „mehr als 100.000 Zeilen“. A CSV over MAX_CSV_BYTES is refused at once, naming its
    size and the limit; one at the limit is read. (The big file is sparse: made at once.)"""
    import hausbesuch.tabular as tabular

    big = tmp_path / "gross.csv"
    with big.open("wb") as fh:
        fh.write(b"Kundennummer;Adresse\nK-1;Am Markt 16\n")
        fh.seek(tabular.MAX_CSV_BYTES)  # one byte over the limit
        fh.write(b"\n")
    with pytest.raises(UserError, match=r"^Die Datei \S*gross\.csv ist 101 MB groß; eine "
                                        r"CSV-Datei darf höchstens 100 MB groß sein"):
        read_table(big)
    with pytest.raises(UserError, match=r"101 MB groß"):
        read_clients(big, today=TODAY)

    text = "Kundennummer;Adresse\n" + "".join(f"K-{i};Am Markt {i}\n" for i in range(1, 40))
    monkeypatch.setattr(tabular, "MAX_CSV_BYTES", len(text.encode()))
    fits = tmp_path / "passt.csv"
    fits.write_text(text, encoding="utf-8")
    assert len(read_table(fits).rows) == 39
    over = tmp_path / "drueber.csv"
    over.write_text(text + "K", encoding="utf-8")
    with pytest.raises(UserError, match=r"drueber\.csv ist 1 MB groß; eine CSV-Datei darf "
                                        r"höchstens 0 MB"):
        read_table(over)


def test_a_stream_over_the_byte_limit_is_refused_after_one_byte_too_many(tmp_path, monkeypatch):
    """A FIFO (or /dev/stdin) has no size to look at: it is read up to one byte over the
    limit, then refused, whatever follows."""
    import os
    import threading

    import hausbesuch.tabular as tabular

    monkeypatch.setattr(tabular, "MAX_CSV_BYTES", 1000)
    fifo = tmp_path / "strom.csv"
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with fifo.open("wb") as fh:
                fh.write(b"Kundennummer;Adresse\n")
                for i in range(1000):  # ~20 KB: more than the reader takes
                    fh.write(f"K-{i};Am Markt 1\n".encode())
        except BrokenPipeError:
            pass  # the reader stopped reading: what the test wants

    t = threading.Thread(target=write)
    t.start()
    try:
        with pytest.raises(UserError, match=r"strom\.csv ist größer als erlaubt; eine "
                                            r"CSV-Datei darf höchstens 0 MB"):
            read_table(fifo)
    finally:
        t.join(timeout=10)


def test_the_row_limit_stops_reading_at_the_first_row_too_many(tmp_path, monkeypatch):
    """QA 24 #1: the row limit was checked after every record was read and copied. Now
    the reading stops at row MAX_ROWS + 2 (header + MAX_ROWS rows + 1): what follows, here
    a field the CSV reader refuses, is never read."""
    import hausbesuch.tabular as tabular

    monkeypatch.setattr(tabular, "MAX_ROWS", 5)
    p = tmp_path / "lang.csv"
    rows = "".join(f"K-{i};Am Markt 1\n" for i in range(6))
    p.write_text("Kundennummer;Adresse\n" + rows + "K-9;" + "x" * 200_000 + "\n",
                 encoding="utf-8")
    with pytest.raises(UserError, match=r"lang\.csv: mehr als 5 Zeilen mit Inhalt"):
        read_table(p)
    # with fewer rows the broken field is reached and named, as before
    p.write_text("Kundennummer;Adresse\nK-1;Am Markt 1\nK-9;" + "x" * 200_000 + "\n",
                 encoding="utf-8")
    with pytest.raises(UserError, match=r"Zeile 3\): ein Feld ist länger als 131\.072"):
        read_table(p)


def test_the_web_upload_limit_is_within_the_readers(tmp_path):
    """The web takes files up to MAX_UPLOAD; the reader's byte limits are larger, so a
    file the web takes is never refused for its size by the reader, and the web says its
    own limit."""
    import hausbesuch.tabular as tabular
    from hausbesuch.web import pages_clients

    assert pages_clients.MAX_UPLOAD <= tabular.MAX_CSV_BYTES <= tabular.MAX_XLSX_BYTES


@pytest.mark.parametrize("error", ["#NV", "#N/A", "#WERT!", "#VALUE!", "#BEZUG!", "#REF!",
                                   "#DIV/0!", "#NAME?", "#ZAHL!", "#NUM!", "#NULL!",
                                   "#ÜBERLAUF!", "#SPILL!", "#nv", "Err:502"])
def test_an_excel_error_value_is_no_id_nor_any_value(tmp_path, error):
    """QA 24 #5: a German Excel export writes ``#NV`` for a lookup that found nothing;
    every such row was the one case „#NV“, so a second list's #NV overwrote another person.
    An error value is refused in the id column and in any column read, naming row and
    column."""
    p = tmp_path / "fehler.csv"
    p.write_text("Kundennummer;Name;Straße;Hausnummer;Ort;Kontaktabbruch seit;Besuchsdauer\n"
                 f"{error};Bernd B;Am Markt;16;Bad Hersfeld;01.03.2025;45\n"
                 f"{error};Claudia C;Klausstraße;12;Bad Hersfeld;01.03.2025;45\n"
                 f"K-3;Dora D;Breitenstraße;{error};Bad Hersfeld;01.03.2025;45\n"
                 f"K-4;Emil E;Weinstraße;5;Bad Hersfeld;{error};45\n"
                 f"K-5;{error};Neumarkt;10;Bad Hersfeld;01.03.2025;{error}\n"
                 "K-6;Frida F;Linggplatz;12;Bad Hersfeld;01.03.2025;45\n", encoding="utf-8")
    result = read_clients(p, today=TODAY)
    assert [c.id for c in result.clients] == ["K-6"]
    got = {r.row: (r.id, r.field, r.reason) for r in result.rejected}
    said = f"„{error}“ in Spalte „{{}}“ ist ein Fehlerwert der Tabellenkalkulation"
    for row in (2, 3):  # not "doppelt": neither is an id
        assert got[row][:2] == (None, "id")
        assert got[row][2].startswith(said.format("Kundennummer"))
    assert got[4][:2] == ("K-3", "adresse") and got[4][2].startswith(said.format("Hausnummer"))
    assert "Adresse fehlt" not in got[4][2]
    assert got[5][:2] == ("K-4", "kontakt_abbruch_seit")
    assert got[5][2].startswith(said.format("Kontaktabbruch seit"))
    assert "Datum" not in got[5][2]  # one reason, not also an unreadable date
    assert got[6][1] == "name" and said.format("Name") in got[6][2]
    assert said.format("Besuchsdauer") in got[6][2]


def test_excel_error_cells_dates_and_unvalued_formulas_in_a_workbook(tmp_path):
    """QA 24 #5, #9: an error cell (``#N/A``) in the id column was planned as the case
    „#N/A“; a date cell there (Excel's ``1-2`` -> 02.01.2025) became the id
    „02.01.2025“; a formula without a stored value (a file written by a program, never
    calculated) read as „Kundennummer fehlt“ / „Straße fehlt“. Each is refused, saying
    what the cell holds."""
    from datetime import datetime

    p = tmp_path / "typen.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Straße", "Hausnummer", "Ort"])
    ws.append(["#N/A", "Ahornweg", "1", "Bad Hersfeld"])
    ws["A2"].data_type = "e"
    ws.append([datetime(2025, 1, 2), "Neumarkt", "10", "Bad Hersfeld"])
    ws.append(['="X-"&"005"', "Klausstraße", "12", "Bad Hersfeld"])
    ws.append(["X-3", '=CONCATENATE("Am ","Markt")', "3", "Bad Hersfeld"])
    ws.append(["X-4", "Weinstraße", "5", "Bad Hersfeld"])
    wb.save(p)
    result = read_clients(p, today=TODAY)
    assert [c.id for c in result.clients] == ["X-4"]
    got = {r.row: (r.id, r.field, r.reason) for r in result.rejected}
    assert got[2][:2] == (None, "id")
    assert got[2][2].startswith("„#N/A“ in Spalte „Kundennummer“ ist ein Fehlerwert")
    assert got[3][:2] == (None, "id")
    assert got[3][2].startswith("Kundennummer ist in Excel als Datum gespeichert (02.01.2025)")
    formula = "enthält eine Formel ohne gespeicherten Wert"
    assert got[4][:2] == (None, "id") and formula in got[4][2]
    assert "in Excel oder LibreOffice öffnen und wieder speichern" in got[4][2]
    assert "fehlt" not in got[4][2]
    assert got[5][:2] == ("X-3", "adresse") and formula in got[5][2]
    assert "Spalte „Straße“" in got[5][2] and "fehlt" not in got[5][2]


def test_a_formula_with_an_empty_text_result_is_an_empty_cell(tmp_path):
    """A formula whose stored result is the empty text (Excel: ``t="str"``, ``<v></v>``)
    has a value: the cell is empty, as the spreadsheet shows it."""
    import zipfile

    src = tmp_path / "leer.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Kundennummer", "Adresse", "Notiz"])
    wb.active.append(["K-1", "Am Markt 16, Bad Hersfeld", "=IF(1,\"\",1)"])
    wb.save(src)
    out = tmp_path / "leer2.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="C2">', b'<c r="C2" t="str">').replace(
                    b"<v />", b"<v></v>").replace(b"<v/>", b"<v></v>")
                assert b't="str"' in data
            zout.writestr(info, data)
    result = read_clients(out, today=TODAY)
    assert [c.id for c in result.clients] == ["K-1"] and not result.rejected


def test_a_formula_without_a_value_in_a_note_reads_as_empty_with_a_warning(tmp_path):
    """A note (or a name) that is a formula never calculated rejects no row: it reads as
    empty, as before, and a warning names the rows and the column."""
    p = tmp_path / "notiz.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Adresse", "Notiz"])
    ws.append(["K-1", "Am Markt 16, Bad Hersfeld", '=HYPERLINK("x")'])
    ws.append(["K-2", "Klausstraße 12, Bad Hersfeld", "Hund"])
    wb.save(p)
    result = read_clients(p, today=TODAY)
    assert [(c.id, c.notiz) for c in result.clients] == [("K-1", None), ("K-2", "Hund")]
    assert any("Zeile 2, Spalte „Notiz“: Formel ohne gespeicherten Wert" in w
               and "als leer gelesen" in w for w in result.warnings)
