"""``hausbesuch geocode``: CSV/XLSX in, every row out in order with the geo columns."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app
from hausbesuch.commands.geocode import GEO_COLUMNS
from hausbesuch.tabular import read_table
from tests.netguard import deny_network

runner = CliRunner()


def _run(*args: str) -> object:
    return runner.invoke(app, ["geocode", *map(str, args)])


def _read_out(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_split_columns_cp1252_all_rows_in_order(tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    src = tmp_path / "liste.csv"
    text = (
        "Kundennummer;Straße;Hausnr.;PLZ;Ort;Notiz\r\n"
        "K-1;Breitenstraße;24;36251;Bad Hersfeld;erste\r\n"
        "K-2;Breitenstr.;999;36251;Bad Hersfeld;\r\n"
        ";;;;;\r\n"
        "K-3;Wilhelmshöher Allee;73;34117;Kassel;\r\n"
        "K-4;;;;;keine Adresse\r\n"
        "K-5;breitenstrasse;10;;bad hersfeld;\"mit ; Semikolon\"\r\n"
    )
    src.write_bytes(text.encode("cp1252"))
    out = tmp_path / "out.csv"
    with deny_network() as attempts:
        res = _run(src, "--osm", bad_hersfeld_pbf, "--out", out)
    assert res.exit_code == 0, res.output
    assert attempts == []
    rows = _read_out(out)
    # the row of delimiters only is a row too, in its place (QA 20c S2)
    assert rows.pop(2)["geo_reason"] == "Keine Adresse in dieser Zeile."
    assert [r["Kundennummer"] for r in rows] == ["K-1", "K-2", "K-3", "K-4", "K-5"]
    assert list(rows[0])[:6] == ["Kundennummer", "Straße", "Hausnr.", "PLZ", "Ort", "Notiz"]
    assert list(rows[0])[6:] == list(GEO_COLUMNS)
    q = [r["geo_quality"] for r in rows]
    assert q == ["exact", "street", "unresolved", "unresolved", "interpolated"]
    assert rows[0]["geo_match"].startswith("Breitenstraße 24")
    assert 50.8 < float(rows[0]["lat"]) < 50.9 and 9.6 < float(rows[0]["lon"]) < 9.8
    assert rows[0]["geo_score"] == "1.00" and rows[0]["geo_reason"] == ""
    assert rows[1]["geo_reason"] and rows[2]["geo_reason"].startswith("Ort „Kassel“")
    assert rows[2]["lat"] == "" and "Vorschläge" in rows[2]["geo_reason"]
    assert rows[3]["geo_reason"] == "Keine Adresse in dieser Zeile."
    assert rows[4]["Notiz"] == "mit ; Semikolon"
    assert rows[0]["district"] != "" and rows[2]["district"] == ""
    # the output reads back with the project's own reader
    assert read_table(out).columns == list(rows[0])


def test_xlsx_single_address_column(tmp_path: Path, lauf_pbf: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Anschrift"])
    ws.append([1001, "Hardtstraße 11a, 91207 Lauf a.d. Pegnitz"])
    ws.append([1002, "Gibtsnichtweg 3, 91207 Lauf"])
    ws.append([None, None])
    ws.append([1003, None])
    src = tmp_path / "liste.xlsx"
    wb.save(src)
    out = tmp_path / "out.csv"
    res = _run(src, "--osm", lauf_pbf, "--out", out)
    assert res.exit_code == 0, res.output
    rows = _read_out(out)
    assert [r["ID"] for r in rows] == ["1001", "1002", "", "1003"]  # the empty row too
    assert [r["geo_quality"] for r in rows] == ["exact", "unresolved", "unresolved", "unresolved"]
    assert rows[2]["geo_reason"] == rows[3]["geo_reason"] == "Keine Adresse in dieser Zeile."


def test_missing_address_column_is_a_german_error(tmp_path: Path, lauf_pbf: Path) -> None:
    src = tmp_path / "liste.csv"
    src.write_text("Kundennummer;Name\nK-1;Meier\n", encoding="utf-8")
    res = _run(src, "--osm", lauf_pbf, "--out", tmp_path / "o.csv")
    assert res.exit_code == 2
    assert "Keine Adressspalte" in res.output and "Kundennummer" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(("content", "fragment"), [(b"", "leer"), (b"\x00\x01\x02", "Binär")])
def test_unreadable_input_is_a_german_error(tmp_path: Path, lauf_pbf: Path, content: bytes,
                                            fragment: str) -> None:
    src = tmp_path / "liste.csv"
    src.write_bytes(content)
    res = _run(src, "--osm", lauf_pbf, "--out", tmp_path / "o.csv")
    assert res.exit_code == 2 and fragment in res.output and "liste.csv" in res.output


def test_missing_input_and_bad_osm(tmp_path: Path, lauf_pbf: Path) -> None:
    res = _run(tmp_path / "fehlt.csv", "--osm", lauf_pbf, "--out", tmp_path / "o.csv")
    assert res.exit_code == 2 and "fehlt.csv" in res.output
    src = tmp_path / "l.csv"
    src.write_text("adresse\nWeg 1\n", encoding="utf-8")
    res = _run(src, "--osm", tmp_path / "nichtda.osm.pbf", "--out", tmp_path / "o.csv")
    assert res.exit_code == 2 and "nichtda.osm.pbf" in res.output


def test_city_profile_selects_the_extract(tmp_path: Path) -> None:
    """``--city lauf`` finds the profile's extract in the shared data (no --osm)."""
    src = tmp_path / "l.csv"
    src.write_text("id,adresse\n7,\"Hardtstraße 11a, 91207 Lauf\"\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    res = _run(src, "--city", "lauf", "--out", out)
    assert res.exit_code == 0, res.output
    rows = _read_out(out)
    assert rows[0]["id"] == "7" and rows[0]["geo_quality"] == "exact"


def test_every_note_is_printed_and_a_shifted_row_is_not_geocoded(tmp_path: Path,
                                                                lauf_pbf: Path) -> None:
    # review 11 #10: only the sheet note was printed; a shifted row was geocoded from the
    # wrong cells without a word
    src = tmp_path / "l.csv"
    src.write_text("Adressliste, Stand 01.12.2026;;\n"  # (Excel pads a title row)
                   "id;Adresse;Notiz\n"
                   "1;Hardtstraße 11a, 91207 Lauf;Hund\n"
                   "2;Hardtstraße 11a; 91207 Lauf;\n"
                   "3;Hardtstraße 11a, 91207 Lauf;\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    res = _run(src, "--osm", lauf_pbf, "--out", out)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "die Kopfzeile steht in Zeile 2; Zeile 1 darüber wurde als Titel übersprungen" in text
    assert ("Zeile 4 hat mehr Felder als die Kopfzeile und wird nicht geokodiert (der Grund "
            "steht in geo_reason)") in text
    rows = _read_out(out)
    assert [r["geo_quality"] for r in rows] == ["exact", "unresolved", "exact"]
    assert rows[1]["lat"] == rows[1]["lon"] == "" and rows[1]["geo_match"] == ""
    assert rows[1]["geo_reason"].startswith("Zeile 4 hat 4 Felder, die Kopfzeile 3: "
                                            "Trennzeichen „;“ in einem Feld ohne "
                                            "Anführungszeichen?")


def test_a_house_number_excel_made_a_date_is_not_geocoded(tmp_path: Path, lauf_pbf: Path
                                                          ) -> None:
    """QA 18b #5 for ``geocode``: "12-14" that Excel stored as 14.12.2026 (a date cell)
    or saved to CSV as the date it shows is not geocoded as house number 14."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "Straße", "Hausnummer", "Ort"])
    ws.append(["1", "Hardtstraße", "11a", "91207 Lauf"])
    ws.append(["2", "Hardtstraße", datetime(2026, 12, 14), "91207 Lauf"])
    ws.append(["3", "Hardtstraße", "14.12.2026", "91207 Lauf"])
    src = tmp_path / "l.xlsx"
    wb.save(src)
    out = tmp_path / "o.csv"
    res = _run(src, "--osm", lauf_pbf, "--out", out)
    assert res.exit_code == 0, res.output
    rows = _read_out(out)
    assert [r["geo_quality"] for r in rows] == ["exact", "unresolved", "unresolved"]
    assert rows[1]["lat"] == rows[2]["lat"] == "" and rows[1]["geo_match"] == ""
    assert rows[1]["geo_reason"].startswith(
        "Hausnummer ist in Excel als Datum gespeichert (14.12.2026) – ursprünglich wohl "
        "„12-14“ oder „14-12“"), rows[1]["geo_reason"]
    assert rows[2]["geo_reason"].startswith("Hausnummer „14.12.2026“ ist ein Datum"), rows[2]
