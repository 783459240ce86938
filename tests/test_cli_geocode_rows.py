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
    summary = json.loads(next(ln for ln in res.output.splitlines() if ln.startswith("{")))
    assert (summary["unresolved"], summary["no_address"]) == (2, 1)
    bad = tmp_path / "out.xlsx"
    res = runner.invoke(app, ["geocode", str(src), "--osm", str(lauf_pbf), "--out", str(bad)])
    assert res.exit_code == 2 and not bad.exists()
    assert "geschrieben wird eine CSV-Datei" in res.output and "keine .xlsx-Datei" in res.output
