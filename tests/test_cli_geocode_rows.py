"""``hausbesuch geocode`` writes every input row, an empty one between data rows too
(QA 20c S2: a CSV row of delimiters only was left out, so the output had fewer rows)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from hausbesuch.cli import app
from hausbesuch.clients import read_clients
from hausbesuch.tabular import read_table

runner = CliRunner()
NO_ADDRESS = "Keine Adresse in dieser Zeile."


def _geocode(src: Path, osm: Path, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "--osm", str(osm), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_a_csv_row_of_delimiters_only_is_an_unresolved_row_in_its_place(
        tmp_path: Path, lauf_pbf: Path) -> None:
    src = tmp_path / "liste.csv"
    src.write_text("id;Adresse;Notiz\n"
                   "1;Hardtstraße 11a, 91207 Lauf;\n"
                   ";;\n"                       # a row: delimiters only
                   "2;;\n"                      # a row without an address
                   "\n"                         # a blank text line: no row
                   ";;\n"
                   "3;Hardtstraße 11a, 91207 Lauf;x\n"
                   ";;\n;;\n", encoding="utf-8")  # after the last row: left out
    rows = _geocode(src, lauf_pbf, tmp_path)
    assert [r["id"] for r in rows] == ["1", "", "2", "", "3"]
    assert [r["geo_quality"] for r in rows] == ["exact", "unresolved", "unresolved",
                                                 "unresolved", "exact"]
    assert rows[1]["geo_reason"] == rows[2]["geo_reason"] == NO_ADDRESS
    assert rows[1]["lat"] == rows[1]["lon"] == rows[1]["Adresse"] == ""
    assert rows[1]["geo_score"] == rows[2]["geo_score"]
    assert rows[4]["Notiz"] == "x"
    # the same table as the reader sees it: rows and the empty rows between them
    t = read_table(src)
    assert t.row_numbers == [2, 4, 7] and t.empty_rows == [3, 6]


def test_an_empty_spreadsheet_row_is_an_unresolved_row_in_its_place(
        tmp_path: Path, lauf_pbf: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Anschrift"])
    ws.append([1001, "Hardtstraße 11a, 91207 Lauf a.d. Pegnitz"])
    ws.append([None, None])
    ws.append([None, None])
    ws.append([1002, None])
    ws.append([1003, "Hardtstraße 11a, 91207 Lauf a.d. Pegnitz"])
    ws.append([None, None])  # after the last row: left out
    src = tmp_path / "liste.xlsx"
    wb.save(src)
    rows = _geocode(src, lauf_pbf, tmp_path)
    assert [r["ID"] for r in rows] == ["1001", "", "", "1002", "1003"]
    assert [r["geo_quality"] for r in rows] == ["exact", "unresolved", "unresolved",
                                                 "unresolved", "exact"]
    assert [r["geo_reason"] for r in rows[1:4]] == [NO_ADDRESS] * 3


def test_the_client_list_still_skips_empty_rows(tmp_path: Path) -> None:
    src = tmp_path / "k.csv"
    src.write_text("Kundennummer;Adresse\n"
                   "K-1;Am Markt 16, 36251 Bad Hersfeld\n"
                   ";\n"
                   "K-2;Am Markt 1, 36251 Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(src)
    assert [c.id for c in res.clients] == ["K-1", "K-2"] and not res.rejected


def test_the_summary_counts_rows_without_address_apart_and_xlsx_is_refused(
        tmp_path: Path, lauf_pbf: Path) -> None:
    """Review 20b: empty rows were counted as addresses „nicht gefunden“; ``--out x.xlsx``
    got CSV text that Excel does not open (#5): refused before any work, in German."""
    src = tmp_path / "liste.csv"
    src.write_text("id;Adresse\n1;Hardtstraße 11a, 91207 Lauf\n;\n2;Nirgendwo 5, 91207 Lauf\n"
                   "3;Hardtstraße 11a, 91207 Lauf\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "--osm", str(lauf_pbf), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "4 Zeilen geokodiert: 2 exakt, 0 interpoliert, 0 nur Straße, 1 nicht gefunden, " \
        "1 Zeile ohne Adresse." in res.output, res.output
    # no JSON on the screen unless asked for (--json, for scripts; QA 32b F8)
    assert res.stdout == "" and "{" not in res.output, res.output
    res = runner.invoke(app, ["geocode", str(src), "--osm", str(lauf_pbf), "--out", str(out),
                              "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert (summary["unresolved"], summary["no_address"]) == (2, 1)
    bad = tmp_path / "out.xlsx"
    res = runner.invoke(app, ["geocode", str(src), "--osm", str(lauf_pbf), "--out", str(bad)])
    assert res.exit_code == 2 and not bad.exists()
    assert "geschrieben wird eine CSV-Datei" in res.output and "keine .xlsx-Datei" in res.output


def test_a_number_in_the_street_cell_and_another_in_the_number_column_is_refused(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """QA 24 #6: Straße „Am Markt 2“ and Hausnummer „16“ were joined to „Am Markt 2 16“,
    geocoded as No. 2 („exakt“, no reason) and shown so on the route page, although the
    list may mean No. 16. Like two addresses in two columns it is refused, naming both
    cells, by ``geocode`` and by the client reader; the same number twice, a street
    without a number, a number inside a street's name, and a number only in the street
    cell are read as before (real Bad Hersfeld extract)."""
    src = tmp_path / "konflikt.csv"
    src.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort\n"
                   "A1;Am Markt 2;16;36251;Bad Hersfeld\n"
                   "A2;Am Markt;16;36251;Bad Hersfeld\n"
                   "A3;Klausstraße 12;12;36251;Bad Hersfeld\n"
                   "A4;Am Markt 16;;36251;Bad Hersfeld\n"
                   "A5;Klausstraße 12 - 14;12-14;36251;Bad Hersfeld\n"
                   "A6;Hauptstr.5;7;36251;Bad Hersfeld\n", encoding="utf-8")
    rows = _geocode(src, bad_hersfeld_pbf, tmp_path)
    by_id = {r["Kundennummer"]: r for r in rows}
    said = ("zwei Hausnummern: Spalte „Straße“ „Am Markt 2“ und Spalte „Hausnummer“ „16“; "
            "bitte die Hausnummer nur in die Spalte „Hausnummer“ eintragen")
    assert by_id["A1"]["geo_quality"] == "unresolved" and by_id["A1"]["lat"] == ""
    assert by_id["A1"]["geo_reason"].startswith(said)
    assert by_id["A6"]["geo_quality"] == "unresolved"
    assert "„Hauptstr.5“ und Spalte „Hausnummer“ „7“" in by_id["A6"]["geo_reason"]
    for cid in ("A2", "A3", "A4"):
        assert by_id[cid]["geo_quality"] == "exact", by_id[cid]
    assert "zwei Hausnummern" not in by_id["A5"]["geo_reason"]  # the same range twice

    result = read_clients(src)
    assert {r.row: (r.id, r.field) for r in result.rejected} == {2: ("A1", "adresse"),
                                                                  7: ("A6", "adresse")}
    assert next(r for r in result.rejected if r.row == 2).reason == said
    addresses = {c.id: c.address for c in result.clients}
    assert addresses["A3"] == "Klausstraße 12, 36251 Bad Hersfeld"
    assert not any("Am Markt 2 16" in a for a in addresses.values())


def test_a_number_inside_a_street_name_is_no_second_house_number(tmp_path: Path) -> None:
    """„Platz der 3 Linden“, „Straße des 17. Juni“: the number is part of the name, not a
    house number; with a Hausnummer column the row is read."""
    src = tmp_path / "namen.csv"
    src.write_text("Kundennummer;Straße;Hausnummer;Ort\n"
                   "B1;Platz der 3 Linden;5;Bad Hersfeld\n"
                   "B2;Straße des 17. Juni;4;Bad Hersfeld\n", encoding="utf-8")
    result = read_clients(src)
    assert [c.id for c in result.clients] == ["B1", "B2"] and not result.rejected


def test_an_ortsteil_column_decides_between_two_streets_of_one_name(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """QA 25 F2: split columns with an „Ortsteil“ column: „Buchenweg;5;;;Unterhaun“ was
    „Adresse mehrdeutig … bitte PLZ/Ort angeben“ (the column was not read), with
    „36251;Bad Hersfeld;Unterhaun“ the Buchenweg 5 of Bad Hersfeld, exact and sure. The
    Ortsteil goes with the address („OT Unterhaun“) and decides: Hauneck's Buchenweg 5
    (Unterhaun), in doubt where postcode and town say Bad Hersfeld."""
    src = tmp_path / "liste.csv"
    src.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort;Ortsteil\n"
                   "S1;Buchenweg;5;;;Unterhaun\n"
                   "S2;Buchenweg;5;36251;Bad Hersfeld;Unterhaun\n"
                   "S3;Buchenweg;5;36251;Bad Hersfeld;\n", encoding="utf-8")
    rows = _geocode(src, bad_hersfeld_pbf, tmp_path)
    assert [r["geo_quality"] for r in rows] == ["exact"] * 3, rows
    assert rows[0]["geo_match"].startswith("Buchenweg 5, 36282 Hauneck"), rows[0]
    assert rows[0]["geo_reason"] == "", rows[0]
    assert rows[1]["geo_match"].startswith("Buchenweg 5, 36282 Hauneck"), rows[1]
    assert "Ortsteil „Unterhaun“" in rows[1]["geo_reason"], rows[1]
    assert rows[2]["geo_match"].startswith("Buchenweg 5, 36251 Bad Hersfeld"), rows[2]
    # the column stays as it was, and the client list reads the same address
    assert [r["Ortsteil"] for r in rows] == ["Unterhaun", "Unterhaun", ""]
    clients = read_clients(src).clients
    assert clients[1].address == "Buchenweg 5, 36251 Bad Hersfeld OT Unterhaun", clients[1]


def test_a_header_over_two_rows_is_written_as_one_header_row(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """QA 26 F2 follow-up: the client list reads a header over two rows („Anschrift“ over
    Straße…Ort, the column names below), but ``geocode`` took row 1 alone: the row of
    column names was geocoded as an address and every address kept its street only (no
    number, PLZ, Ort). The two rows are read as one header, written as the output's header
    row with the column names; every data row follows in order; a second header row that
    also holds values is refused with the client list's message."""
    groups = ["Kundennummer", "Anschrift", "", "", ""]
    names = ["", "Straße", "Hausnummer", "PLZ", "Ort"]
    data = [["M-1", "Breitenstraße", "24", "36251", "Bad Hersfeld"],
            ["M-2", "Dudenstraße", "5", "36251", "Bad Hersfeld"]]
    src = tmp_path / "zwei.csv"
    src.write_text("\n".join(";".join(r) for r in [groups, names, *data]) + "\n",
                   encoding="utf-8")
    book = openpyxl.Workbook()
    ws = book.active
    for r in [groups, names, *data]:
        ws.append([int(c) if c.isdigit() else (c or None) for c in r])
    ws.merge_cells("B1:E1")
    ws.merge_cells("A1:A2")
    xlsx = tmp_path / "zwei.xlsx"
    book.save(xlsx)
    for path in (src, xlsx):
        out = tmp_path / f"{path.stem}-{path.suffix[1:]}.csv"
        res = runner.invoke(app, ["geocode", str(path), "--osm", str(bad_hersfeld_pbf),
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert "beide wurden als eine Kopfzeile gelesen" in res.output, res.output
        with open(out, encoding="utf-8-sig", newline="") as fh:
            lines = list(csv.reader(fh, delimiter=";"))
        assert lines[0][:5] == ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"], lines
        assert [r[:5] for r in lines[1:]] == data, lines
        got = {r[0]: r[lines[0].index("geo_quality")] for r in lines[1:]}
        assert got == {"M-1": "exact", "M-2": "exact"}, lines

    bad = tmp_path / "werte.csv"
    bad.write_text("\n".join(";".join(r) for r in [
        groups, ["K-9", "Straße", "Hausnummer", "PLZ", "Ort"], *data]) + "\n",
        encoding="utf-8")
    out = tmp_path / "werte-out.csv"
    res = runner.invoke(app, ["geocode", str(bad), "--osm", str(bad_hersfeld_pbf),
                              "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "Kopfzeile über zwei Zeilen? Zeile 2 enthält Spaltennamen" in res.output, res.output
    assert not out.exists()
