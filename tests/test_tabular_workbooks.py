"""Workbooks that are hostile or messy: zip bombs in any part, cells the raw count must see,
hidden rows and sheets, title rows above the header, a merged header over two columns."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

import hausbesuch.tabular as tabular
from hausbesuch.errors import UserError
from hausbesuch.tabular import read_table


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def _replace_part(path: Path, part: str, content: bytes, *, stored: bool = False) -> Path:
    """The workbook at ``path`` with ``part`` replaced (or added), written in place."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(part, content,
                     compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())
    return path


def _no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _shared_strings(body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main"><si><t>Kundennummer</t></si><si><t>Adresse</t></si>'
            b"<si><t>" + body + b"</t></si></sst>")


def test_a_zip_bomb_in_the_shared_strings_is_refused_before_openpyxl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 11c #1: sharedStrings.xml of 3 MB of "A" packs about 1,000 times; openpyxl would
    hold all of it in memory (a 1.5 MB upload took 3.4 GB). The sheet check alone let it
    through."""
    path = _workbook(tmp_path / "bombe.xlsx", [["Kundennummer", "Adresse"], ["K-1", "Weg 1"]])
    _replace_part(path, "xl/sharedStrings.xml", _shared_strings(b"A" * (3 << 20)))
    _no_openpyxl(monkeypatch)
    with pytest.raises(UserError, match=r"^bombe\.xlsx: ein Teil der Arbeitsmappe "
                                        r"\(„xl/sharedStrings\.xml“\) ist [\d.]+-fach gepackt "
                                        r"\(entpackt 4 MB\).*ZIP-Bombe.*nicht gelesen"):
        read_table(path, name="bombe.xlsx")


def test_every_part_is_bounded_in_size_and_all_parts_together(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part that packs poorly but is big (styles, shared strings) and the sum of all
    parts are bounded too, as is the number of parts."""
    import random

    rnd = random.Random(1)
    noise = bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(3 << 20))
    path = _workbook(tmp_path / "gross.xlsx", [["Kundennummer", "Adresse"], ["K-1", "Weg 1"]])
    _replace_part(path, "xl/styles.xml", noise)  # not a valid style sheet: never opened
    _no_openpyxl(monkeypatch)
    monkeypatch.setattr(tabular, "MAX_PART_BYTES", 2 << 20)
    with pytest.raises(UserError, match=r"^gross\.xlsx: ein Teil der Arbeitsmappe "
                                        r"\(„xl/styles\.xml“\) ist entpackt 3 MB groß "
                                        r"\(höchstens 2 MB\)"):
        read_table(path, name="gross.xlsx")
    monkeypatch.setattr(tabular, "MAX_PART_BYTES", 64 << 20)
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 2 << 20)
    with pytest.raises(UserError, match=r"^gross\.xlsx: die Arbeitsmappe ist entpackt 4 MB "
                                        r"groß \(höchstens 2 MB\)"):
        read_table(path, name="gross.xlsx")
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 200 << 20)
    monkeypatch.setattr(tabular, "MAX_PARTS", 5)
    with pytest.raises(UserError, match=r"^gross\.xlsx: die Arbeitsmappe besteht aus \d+ "
                                        r"Teilen \(höchstens 5\)"):
        read_table(path, name="gross.xlsx")


def test_an_ordinary_workbook_passes_the_checks(tmp_path: Path) -> None:
    rows = [["Kundennummer", "Adresse", "Notiz"]]
    rows += [[f"K-{i}", f"Am Markt {i % 90 + 1}", "Hund" if i % 3 else ""] for i in range(3000)]
    path = _workbook(tmp_path / "liste.xlsx", rows)
    assert len(read_table(path).rows) == 3000


_SHEET = (b'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet xmlns:x="http://schemas.'
          b'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
          b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Kundennummer</x:t></x:is></x:c>'
          b'<x:c r="B1" t="inlineStr"><x:is><x:t>Adresse</x:t></x:is></x:c></x:row>')


@pytest.mark.parametrize("cell", [b"<c\n/>", b"<c\t/>", b"<c\r\n/>", b"<x:c/>", b"<x:c\n/>",
                                  b'<x:c r="C3"></x:c>'])
def test_cells_are_counted_however_the_tag_is_spelled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: bytes) -> None:
    """QA 11c #4: ``<c\\n/>`` (whitespace after the name) and ``<x:c>`` (a namespace
    prefix) are cells too; the raw count missed them, and openpyxl went through 20 million
    of them (13 s) before the same refusal."""
    path = _workbook(tmp_path / "zellen.xlsx", [["Kundennummer", "Adresse"]])
    body = b"".join(b"<x:row>" + cell * 50 + b"</x:row>" for _ in range(40))
    _replace_part(path, "xl/worksheets/sheet1.xml",
                  _SHEET + body + b"</x:sheetData></x:worksheet>")
    monkeypatch.setattr(tabular, "MAX_CELLS", 1_000)
    _no_openpyxl(monkeypatch)
    with pytest.raises(UserError, match=r"zellen\.xlsx: mehr als 1\.000 Zellen"):
        read_table(path)


def test_the_raw_count_is_exact_across_block_boundaries() -> None:
    tags = [b"<c\n/>", b'<x:c r="A1">', b"<col/>", b"<c>", b"<cfRule/>", b"<long_prefix:c/>"]
    data = b"".join(tags[i % len(tags)] + b"." * (i % 7) for i in range(400_000))
    expected = len(tabular._CELL_TAG.findall(data))
    assert expected == sum(1 for i in range(400_000) if i % 6 not in (2, 4))  # <col/>, <cfRule/>
    assert sum(sum(1 for _ in tabular._CELL_TAG.finditer(block, 0, end))
               for block, end in tabular._blocks(io.BytesIO(data))) == expected


def _clients_sheet(ws: object, rows: list[list[object]]) -> None:
    for r in rows:
        ws.append(r)  # type: ignore[attr-defined]


LIST = [["Kundennummer", "Adresse", "Status"], ["H-1", "Am Markt 16", "offen"],
        ["H-2", "Am Markt 1", "abgeschlossen"], ["H-3", "Breitenstraße 57", "offen"],
        ["H-4", "Breitenstraße 5", "abgeschlossen"]]


def test_hidden_rows_are_read_and_named(tmp_path: Path) -> None:
    """QA 11b #4a: an autofilter hides closed cases; they were planned without a word."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    _clients_sheet(wb.active, LIST)
    wb.active.auto_filter.ref = "A1:C5"
    wb.active.row_dimensions[3].hidden = True
    wb.active.row_dimensions[5].hidden = True
    path = tmp_path / "gefiltert.xlsx"
    wb.save(path)
    t = read_table(path, name="gefiltert.xlsx")
    assert t.hidden_rows == [3, 5]
    assert t.notes() == [
        "gefiltert.xlsx: Zeilen 3, 5 sind ausgeblendet (Filter oder ausgeblendete Zeilen) und "
        "wurden trotzdem eingelesen: bitte prüfen, ob sie geplant werden sollen; sonst aus "
        "der Liste löschen."]
    res = read_clients(path, today=date(2026, 12, 1), name="gefiltert.xlsx")
    assert [c.id for c in res.clients] == ["H-1", "H-2", "H-3", "H-4"]
    assert t.notes()[0] in res.warnings


def test_hidden_rows_as_libreoffice_writes_them(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "lo.xlsx", [["Kundennummer", "Adresse"]])
    body = (b'<x:row r="2" spans="1:2" hidden="true"><x:c r="A2" t="inlineStr"><x:is><x:t>K-1'
            b'</x:t></x:is></x:c><x:c r="B2" t="inlineStr"><x:is><x:t>Weg 1</x:t></x:is></x:c>'
            b'</x:row>\n<x:row r="3"\nhidden=\'1\'><x:c r="A3" t="inlineStr"><x:is><x:t>K-2'
            b'</x:t></x:is></x:c></x:row><x:row r="4" hidden="0"><x:c r="A4" t="inlineStr">'
            b"<x:is><x:t>K-3</x:t></x:is></x:c></x:row>")
    _replace_part(path, "xl/worksheets/sheet1.xml",
                  _SHEET + body + b"</x:sheetData></x:worksheet>")
    t = read_table(path)
    assert t.row_numbers == [2, 3, 4]
    assert t.hidden_rows == [2, 3]


def test_a_hidden_sheet_does_not_win_over_the_visible_list(tmp_path: Path) -> None:
    """QA 11b #4b: the hidden old sheet "Kunden" was read, the visible "Dezember" not."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    wb.active.title = "Dezember"
    _clients_sheet(wb.active, [["Kundennummer", "Adresse"], ["N-1", "Am Markt 16"]])
    old = wb.create_sheet("Kunden")
    _clients_sheet(old, [["Kundennummer", "Adresse"], ["ALT-1", "Am Markt 1"]])
    old.sheet_state = "hidden"
    path = tmp_path / "mappe.xlsx"
    wb.save(path)
    res = read_clients(path, today=date(2026, 12, 1), name="mappe.xlsx")
    assert [c.id for c in res.clients] == ["N-1"]
    assert ("mappe.xlsx: Arbeitsblatt „Dezember“ gelesen; nicht gelesen: „Kunden“ "
            "(ausgeblendet).") in res.warnings
    # only the hidden sheet has the list: it is read, and called hidden
    wb = openpyxl.Workbook()
    wb.active.title = "Info"
    wb.active.append(["Export vom 01.12.2026"])
    hidden = wb.create_sheet("Kunden")
    _clients_sheet(hidden, [["Kundennummer", "Adresse"], ["ALT-1", "Am Markt 1"]])
    hidden.sheet_state = "veryHidden"
    wb.save(path)
    res = read_clients(path, today=date(2026, 12, 1), name="mappe.xlsx")
    assert [c.id for c in res.clients] == ["ALT-1"]
    assert ("mappe.xlsx: Arbeitsblatt „Kunden“ (ausgeblendet) gelesen; nicht gelesen: "
            "„Info“.") in res.warnings


def _has_list(columns: list[str]) -> bool:
    return "Kundennummer" in columns and "Adresse" in columns


def test_a_title_above_the_header_is_skipped_and_named(tmp_path: Path) -> None:
    """QA 11b #7: exports put a title (and a blank row) above the header; the title was
    taken for the header and the list refused."""
    from datetime import date

    from hausbesuch.clients import read_clients

    csv = tmp_path / "titel.csv"
    csv.write_text("Fallliste Stand 01.12.2026;;;\nKundennummer;Adresse;PLZ;Ort\n"
                   "K-1;Am Markt 16;36251;Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(csv, today=date(2026, 12, 1), name="titel.csv")
    assert [(c.row, c.id) for c in res.clients] == [(3, "K-1")]
    assert ("titel.csv: die Kopfzeile steht in Zeile 2; Zeile 1 darüber wurde als Titel "
            "übersprungen.") in res.warnings
    # a title written without any delimiter (not by Excel): the delimiter is still found
    bare = tmp_path / "titel2.csv"
    bare.write_text("Fallliste Stand 01.12.2026\n\nKundennummer;Adresse;Kontaktabbruch seit\n"
                    "K-1;Am Markt 16, 36251 Bad Hersfeld;01.03.2025\n"
                    "K-2;Am Markt 14, 36251 Bad Hersfeld;01.03.2025\n", encoding="utf-8")
    res = read_clients(bare, today=date(2026, 12, 1), name="titel2.csv")
    assert [(c.row, c.id, c.address) for c in res.clients] == [
        (4, "K-1", "Am Markt 16, 36251 Bad Hersfeld"),
        (5, "K-2", "Am Markt 14, 36251 Bad Hersfeld")]
    assert "titel2.csv: die Kopfzeile steht in Zeile 3" in " ".join(res.warnings)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Fallliste Aufsuchende Beratung, Stand 01.12.2026"])
    ws.merge_cells("A1:D1")
    ws.append(["Jobcenter Musterstadt"])
    ws.append([])
    ws.append(["Kundennummer", "Adresse", "PLZ", "Ort"])
    ws.append(["K-1", "Am Markt 16", 36251, "Bad Hersfeld"])
    xlsx = tmp_path / "titel.xlsx"
    wb.save(xlsx)
    t = read_table(xlsx, required=_has_list, name="titel.xlsx")
    assert (t.header_row, t.title_rows, t.row_numbers) == (4, [1, 2], [5])
    assert t.notes() == ["titel.xlsx: die Kopfzeile steht in Zeile 4; Zeilen 1, 2 darüber "
                         "wurden als Titel übersprungen."]
    # without a notion of the required columns the first row is the header, as before
    assert read_table(xlsx).columns[0] == "Fallliste Aufsuchende Beratung, Stand 01.12.2026"


def test_the_sheet_with_a_title_row_is_chosen_and_messages_name_the_sheet(
        tmp_path: Path) -> None:
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    wb.active.title = "Info"
    wb.active.append(["Export aus OPEN/PROSOZ am 01.12.2026"])
    ws = wb.create_sheet("Export")
    ws.append(["Fallliste, Stand 01.12.2026"])
    ws.append([])
    ws.append(["Kundennummer", "Adresse"])
    ws.append(["K-1", "Am Markt 16"])
    path = tmp_path / "mappe.xlsx"
    wb.save(path)
    res = read_clients(path, today=date(2026, 12, 1), name="mappe.xlsx")
    assert [(c.row, c.id) for c in res.clients] == [(4, "K-1")]
    assert "mappe.xlsx: Arbeitsblatt „Export“ gelesen; nicht gelesen: „Info“." in res.warnings
    # no sheet has the list: the message says which sheet it looked at
    ws["A3"].value = "Name"
    wb.save(path)
    with pytest.raises(UserError, match=r"Keine Spalte mit der Kundennummer gefunden in "
                                        r"mappe\.xlsx \(Arbeitsblatt „Info“; weitere Blätter: "
                                        r"„Export“\)"):
        read_clients(path, today=date(2026, 12, 1), name="mappe.xlsx")


def test_an_unnamed_column_of_house_numbers_beside_the_street_is_the_house_number(
        tmp_path: Path) -> None:
    """QA 11b #6: "Anschrift" merged over street and number left the numbers in an
    unnamed column; every client was planned at street level."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Name", "Anschrift", None, "PLZ", "Ort"])
    ws.merge_cells("C1:D1")
    for i, (street, number) in enumerate([("Friedewalder Straße", 33), ("Am Markt", "2a"),
                                          ("Lindenweg", "65-67"), ("Walkerweg", 47)]):
        ws.append([f"K-{i}", "Muster, Max", street, number, 36251, "Bad Hersfeld"])
    path = tmp_path / "kunden.xlsx"
    wb.save(path)
    res = read_clients(path, today=date(2026, 12, 1), name="kunden.xlsx")
    assert [c.address for c in res.clients] == [
        "Friedewalder Straße 33, 36251 Bad Hersfeld", "Am Markt 2a, 36251 Bad Hersfeld",
        "Lindenweg 65-67, 36251 Bad Hersfeld", "Walkerweg 47, 36251 Bad Hersfeld"]
    assert ("kunden.xlsx: Spalte 4 hat keine Überschrift und enthält Hausnummern; sie wird als "
            "„Hausnummer“ zu „Anschrift“ gelesen (eine Überschrift über zwei Spalten?)."
            ) in res.warnings
    assert not any("Spalten ohne Auswertung" in w for w in res.warnings)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        # the street already has its number: the unnamed column is something else
        ("Kundennummer;Straße;;PLZ\nK-1;Am Markt 16;2;36251\nK-2;Lindenweg 3;1;36251\n", None),
        # not house numbers
        ("Kundennummer;Straße;;PLZ\nK-1;Am Markt;Hund;36251\nK-2;Lindenweg;;36251\n", None),
        # a house number column exists
        ("Kundennummer;Straße;;Nr.\nK-1;Am Markt;5;16\n", None),
        # some numbers, some not: named, not read
        ("Kundennummer;Straße;;PLZ\nK-1;Am Markt;16;36251\nK-2;Lindenweg;hinten;36251\n",
         "l.csv: Spalte 3 (ohne Überschrift, rechts von „Straße“) enthält Hausnummern? Sie "
         "wird nicht ausgewertet; bitte die Überschrift „Hausnummer“ eintragen."),
    ],
)
def test_an_unnamed_column_is_left_alone_when_in_doubt(tmp_path: Path, text: str,
                                                       note: str | None) -> None:
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    t = read_table(path, name="l.csv")
    assert "Hausnummer" not in t.columns
    assert [n for n in t.notes() if "Spalte 3" in n] == ([note] if note else [])


def test_cells_merged_down_over_data_rows_are_filled_into_each_row_and_named(
        tmp_path: Path) -> None:
    """QA 19a #5: PLZ and Ort merged down over rows 2-8 of a hand-made list; openpyxl's
    read-only mode gives the value only in row 2, and rows 3-8 lost their town without a
    word. A title merged across the columns above the header and the header "Anschrift"
    merged over street and number are handled as before."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Fallliste Dezember"])
    ws.merge_cells("A1:F1")
    ws.append(["Kundennummer", "Name", "Anschrift", None, "PLZ", "Ort"])
    ws.merge_cells("C2:D2")
    towns = [("36251", "Bad Hersfeld")] + [(None, None)] * 6 + [("36272", "Niederaula")]
    towns += [(None, None)] * 2
    for i, (plz, town) in enumerate(towns):
        ws.append([f"K-{i}", "Muster, Max", "Am Markt", i + 1, plz, town])
    ws.append([None] * 6)  # an empty row inside the last range stays empty
    ws.merge_cells("E3:E9")
    ws.merge_cells("F3:F9")
    ws.merge_cells("E10:E13")  # reaches past the list's end (row 13 is empty)
    ws.merge_cells("F10:F12")
    path = tmp_path / "kunden.xlsx"
    wb.save(path)
    t = read_table(path, name="kunden.xlsx", required=lambda cells: "PLZ" in cells)
    assert t.row_numbers == list(range(3, 13))
    assert [(r["PLZ"], r["Ort"]) for r in t.rows] == (
        [("36251", "Bad Hersfeld")] * 7 + [("36272", "Niederaula")] * 3)
    # without required columns the title is the header: columns without a header are
    # none whose value rows may share, and they are not filled (review 19)
    t = read_table(path, name="kunden.xlsx")
    assert t.row_numbers[-10:] == list(range(3, 13))
    assert [(r["Spalte 5"], r["Spalte 6"]) for r in t.rows[-10:]][:2] == [
        ("36251", "Bad Hersfeld"), ("", "")]
    res = read_clients(path, today=date(2026, 12, 1), name="kunden.xlsx")
    for col in ("PLZ", "Ort"):
        assert (f"kunden.xlsx: Spalte „{col}“: verbundene Zellen in Zeilen 3–9, 10–12; der Wert "
                "aus der ersten Zeile jedes Bereichs gilt für jede seiner Zeilen."
                ) in res.warnings
    assert [c.address for c in res.clients][6:8] == [
        "Am Markt 7, 36251 Bad Hersfeld", "Am Markt 8, 36272 Niederaula"]
    assert any("Zeile 1 darüber wurde als Titel übersprungen" in w for w in res.warnings)
    assert any("„Hausnummer“ zu „Anschrift“ gelesen" in w for w in res.warnings)
    assert any("Spalte „Ort“: verbundene Zellen" in w for w in res.warnings)


def test_merged_names_notes_and_ids_are_not_filled_into_other_rows(tmp_path: Path) -> None:
    """Review 19: a note, a name, a Kundennummer or a telephone number merged down over
    rows is one person's; filled down, a note about one person landed on other cases.
    Only columns whose value rows may share are filled (address parts, district, dates,
    team); the others keep their empty cells, and a note names column and rows."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Stadtteil",
               "Notiz", "Telefon", "Team", "Kontaktabbruch seit"])
    ws.append(["K-1", "Müller, Anna", "Am Markt", 1, "36251", "Bad Hersfeld", "Hohe Luft",
               "Hund, bissig", "06621 1234", "team-1", "01.02.2026"])
    for i in range(2, 7):
        ws.append([f"K-{i}", None, None, i, None, None, None, None, None, None, None])
    for col in "BCEFGHIJK":
        ws.merge_cells(f"{col}2:{col}7")
    ws.append(["K-7", "Demir, Ali", "Am Markt", 7, "36251", "Bad Hersfeld", None, None,
               None, "team-2", None])
    ws.append([None, "Demir, Ayse", "Am Markt", 8, "36251", "Bad Hersfeld", None, None,
               None, "team-2", None])
    ws.merge_cells("A8:A9")  # a Kundennummer merged over rows 8-9
    path = tmp_path / "kunden.xlsx"
    wb.save(path)
    t = read_table(path, name="kunden.xlsx")
    assert [r["Notiz"] for r in t.rows] == ["Hund, bissig"] + [""] * 7
    assert [r["Name"] for r in t.rows] == ["Müller, Anna"] + [""] * 5 + [
        "Demir, Ali", "Demir, Ayse"]
    assert [r["Telefon"] for r in t.rows] == ["06621 1234"] + [""] * 7
    assert [r["Kundennummer"] for r in t.rows][-2:] == ["K-7", ""]
    for col, value in (("Straße", "Am Markt"), ("PLZ", "36251"), ("Ort", "Bad Hersfeld"),
                       ("Stadtteil", "Hohe Luft"), ("Team", "team-1"),
                       ("Kontaktabbruch seit", "01.02.2026")):
        assert [r[col] for r in t.rows][:6] == [value] * 6, col
    notes = t.notes()
    assert ("kunden.xlsx: Spalte „Notiz“: verbundene Zellen in Zeilen 2–7; der Wert steht "
            "nur in Zeile 2 (Namen, Notizen und andere Angaben zu einer Person werden nicht "
            "in andere Zeilen übertragen).") in notes
    assert ("kunden.xlsx: Spalte „Kundennummer“: verbundene Zellen in Zeilen 8–9; der Wert "
            "steht nur in Zeile 8 (Namen, Notizen und andere Angaben zu einer Person werden "
            "nicht in andere Zeilen übertragen).") in notes
    for col in ("Name", "Telefon"):
        assert any(n.startswith(f"kunden.xlsx: Spalte „{col}“: verbundene Zellen in Zeilen "
                                "2–7; der Wert steht nur in Zeile 2 (") for n in notes), col
    assert any(n.startswith("kunden.xlsx: Spalte „Ort“: verbundene Zellen in Zeilen 2–7, der "
                            "Wert aus Zeile 2 gilt") for n in notes)
    res = read_clients(path, today=date(2026, 12, 1), name="kunden.xlsx")
    notes_by_id = {c.id: c.notiz for c in res.clients}
    assert notes_by_id["K-1"] == "Hund, bissig"
    assert all(notes_by_id[f"K-{i}"] is None for i in range(2, 7))
    assert "K-7" in notes_by_id and len(res.clients) == 7  # row 9 has no Kundennummer


@pytest.mark.parametrize("stem", ["Adresse", "Anschrift"])
def test_merged_first_line_of_an_address_block_is_not_filled_into_other_rows(
        tmp_path: Path, stem: str) -> None:
    """Review 19b #2: a bare „Adresse“ („Anschrift“) followed by „Adresse 2“, „Adresse 3“ is
    line 1 of a postal address block, which in a Serienbrief export holds the name or a c/o
    line. Merged down over rows, it was filled into each of them, and the letters of the
    other cases were addressed „c/o Familie Müller“. It is one person's: not filled, and a
    note says so; the other rows' lines 2 and 3 and the merged dates are read as before."""
    from datetime import date

    from hausbesuch.clients import read_clients

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", stem, f"{stem} 2", f"{stem} 3", "Kontaktabbruch seit"])
    ws.append(["K-1", "c/o Familie Müller", "Am Markt 3", "36251 Bad Hersfeld", "01.02.2026"])
    ws.append(["K-2", None, "Am Markt 5", "36251 Bad Hersfeld", None])
    ws.append(["K-3", None, "Am Markt 7", "36251 Bad Hersfeld", None])
    ws.merge_cells("B2:B4")
    ws.merge_cells("E2:E4")
    path = tmp_path / "kunden.xlsx"
    wb.save(path)
    t = read_table(path, name="kunden.xlsx")
    assert [r[stem] for r in t.rows] == ["c/o Familie Müller", "", ""]
    assert [r["Kontaktabbruch seit"] for r in t.rows] == ["01.02.2026"] * 3
    notes = t.notes()
    assert (f"kunden.xlsx: Spalte „{stem}“: verbundene Zellen in Zeilen 2–4; der Wert steht "
            "nur in Zeile 2 (Namen, Notizen und andere Angaben zu einer Person werden nicht "
            "in andere Zeilen übertragen).") in notes
    assert not any(n.startswith(f"kunden.xlsx: Spalte „{stem}“: verbundene Zellen in Zeilen "
                                "2–4, der Wert aus Zeile 2 gilt") for n in notes)
    assert any(n.startswith("kunden.xlsx: Spalte „Kontaktabbruch seit“: verbundene Zellen in "
                            "Zeilen 2–4, der Wert aus Zeile 2 gilt") for n in notes)
    res = read_clients(path, today=date(2026, 12, 1), name="kunden.xlsx")
    addresses = {c.id: c.address for c in res.clients}
    assert addresses["K-2"] == "Am Markt 5, 36251 Bad Hersfeld"
    assert addresses["K-3"] == "Am Markt 7, 36251 Bad Hersfeld"
    assert not any("Müller" in str(c) for c in res.clients if c.id != "K-1")
    # a single „Adresse“ column (no block) is still filled: rows may share the address
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", stem, "Kontaktabbruch seit"])
    ws.append(["K-1", "Am Markt 3, 36251 Bad Hersfeld", "01.02.2026"])
    ws.append(["K-2", None, "01.03.2026"])
    ws.append(["K-3", None, "01.04.2026"])
    ws.merge_cells("B2:B4")
    wb.save(path)
    t = read_table(path, name="kunden.xlsx")
    assert [r[stem] for r in t.rows] == ["Am Markt 3, 36251 Bad Hersfeld"] * 3
    assert any(n.startswith(f"kunden.xlsx: Spalte „{stem}“: verbundene Zellen in Zeilen "
                            "2–4, der Wert aus Zeile 2 gilt") for n in t.notes())


def test_shared_columns_are_those_rows_may_share() -> None:
    from hausbesuch.tabular import shared_by_rows, shared_columns
    from hausbesuch.teams import _KEYS

    for header in ("PLZ", "Ort", "Straße", "Hausnummer", "Stadtteil", "Ortsteil", "Adresse",
                   "PLZ/Ort", "Datum", "Uhrzeit", "Team", "Kontaktabbruch seit",
                   "Angekündigt ab", "Sprache", "Zeitfenster", "Besuchsdauer", "Priorität"):
        assert shared_by_rows(header), header
    for header in ("Name", "Nachname", "Vorname", "Notiz", "Bemerkung", "Kundennummer",
                   "Fallnummer", "Telefon", "E-Mail", "Geburtsdatum", "Ergebnis", "",
                   "Adresszeile 1", "Anschrift Zeile 1", "Adresse 2", "Mitglieder"):
        assert not shared_by_rows(header), header
    for header in ("Adresszusatz", "Anschriftzusatz", "Zusatz", "Adresse Zusatz"):
        assert not shared_by_rows(header), header
    # the whole header row: line 1 of an address block may hold a name or a c/o line
    # (review 19b #2); a single address column and Straße, PLZ, Ort are shared
    assert shared_columns(["Kundennummer", "Adresse", "Adresse 2", "Adresse 3",
                           "Kontaktabbruch seit"]) == {4}
    assert shared_columns(["Anschrift", "Anschrift 2", "PLZ", "Ort"]) == {2, 3}
    assert shared_columns(["Adresse 1", "Adresse 2", "Anschrift", "Ort"]) == {3}
    assert shared_columns(["Kundennummer", "Adresse", "PLZ", "Ort"]) == {1, 2, 3}
    assert shared_columns(["Anschrift", "Name"]) == {0}
    assert shared_columns(["Straße", "Hausnummer", "Adresse 2", "Adresszusatz", "PLZ",
                           "Ort"]) == {0, 1, 4, 5}
    # a teams file's settings as teams.py knows them, but not the members' names
    for key, role in _KEYS.items():
        if role != "id":
            assert shared_by_rows(key) == (role != "members"), (key, role)


def test_one_merged_range_is_named_with_its_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Adresse", "Ort"])
    ws.append(["K-1", "Am Markt 1", "Bad Hersfeld"])
    ws.append(["K-2", "Am Markt 2", None])
    ws.append(["K-3", "Am Markt 3", "Niederaula"])
    ws.append(["K-4", "Am Markt 4", None])
    ws.merge_cells("A1:A2")  # begins in the header: nothing is filled from it
    ws.merge_cells("C2:C3")
    path = tmp_path / "l.xlsx"
    wb.save(path)
    t = read_table(path, name="l.xlsx")
    assert [r["Ort"] for r in t.rows] == ["Bad Hersfeld", "Bad Hersfeld", "Niederaula", ""]
    assert [r["Kundennummer"] for r in t.rows] == ["", "K-2", "K-3", "K-4"]
    assert t.notes() == ["l.xlsx: Spalte „Ort“: verbundene Zellen in Zeilen 2–3, der Wert aus "
                         "Zeile 2 gilt für jede dieser Zeilen."]
