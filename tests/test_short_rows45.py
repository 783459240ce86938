"""QA 45b F1: a CSV row with fewer fields than the header – a file cut off in its last row
(no line end), or a row split by a line break in a field without quotes – was read with
the missing cells empty: a stored case lost its house number, time window, note and date
(„1 aktualisiert“), and the next plan sent the team to „Am Weinberg“ outside the
client's window. Such a row is now rejected naming the row, the field count and the
columns missing, as a row with a field too many is; the stored case keeps its data, a
new case is not stored. A row that lacks only columns not read passes. The outcomes and
the teams CSV read rows the same way.

QA 45b F8: a binary file named ``.csv`` (a PDF, a gzip archive, an OSM PBF, random
bytes) is refused as binary instead of „Keine Spalte mit der Kundennummer … Vorhandene
Spalten: „%PDF-1.7““ with its bytes echoed.

Real SQLite, the real Bad Hersfeld extract, the command line and the web upload as users
run them."""

from __future__ import annotations

import csv
import gzip
import random
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hausbesuch.clients import read_clients
from hausbesuch.errors import UserError
from hausbesuch.tabular import read_table
from hausbesuch.teams import TeamError, load_teams
from tests.cli_helpers import city_db, ok, run
from tests.web_fixtures import HEADER, NAME_MARK, bare_app, live_server, login, upload_list

CITY = "Bad Hersfeld"
TODAY = date(2026, 12, 1)


def _rows(bad_hersfeld_pbf: Path, n: int = 4) -> list[list[str]]:
    """``n`` client rows of :data:`HEADER` at real addresses, each with a window, a note
    and a date since contact broke off."""
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = real_addresses(load_index(bad_hersfeld_pbf))[:n]
    return [[f"K-45{i:02d}", f"{NAME_MARK} {chr(65 + i)}", street, hn, pc, town or CITY,
             "03.2026", "", "Mo-Fr 9-16", "", "30", f"Hund im Hof {i}"]
            for i, (street, hn, pc, town) in enumerate(addrs)]


def _text(rows: list[list[str]]) -> str:
    return "\r\n".join(";".join(r) for r in [HEADER, *rows]) + "\r\n"


def _cut_after_street(text: str, cid: str) -> str:
    """``text`` cut off in the row of ``cid`` right after its street's field, as a copy or
    download that stopped there (no line end)."""
    start = text.index(cid)
    return text[:start] + ";".join(text[start:].split(";")[:3]) + ";"


def _stored(db: str, cid: str) -> tuple:
    from hausbesuch.store import ClientRow, Store

    with Store.open(db) as store, store.session() as s:
        row = s.scalars(select(ClientRow).where(ClientRow.client_id == cid)).one_or_none()
        return None if row is None else (row.address, row.zeitfenster, row.notiz,
                                         row.kontakt_abbruch_seit)


def test_a_list_cut_off_in_a_row_leaves_the_stored_case_as_it_was(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    rows = _rows(bad_hersfeld_pbf)
    full = tmp_path / "kunden.csv"
    full.write_text(_text(rows), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'cut.sqlite'}"
    assert "4 neu" in ok("import", str(full), *city_db(db))
    last = rows[-1][0]
    before = _stored(db, last)
    assert before is not None and "Hund im Hof 3" in before[2]
    cut = tmp_path / "gekuerzt.csv"
    cut.write_text(_cut_after_street(_text(rows), last), encoding="utf-8")
    out = " ".join(ok("import", str(cut), *city_db(db)).split())
    assert "0 aktualisiert" in out and "1 abgelehnt" in out, out
    assert (f"Zeile 5 ({last}), Feldanzahl: Zeile 5 hat 4 Felder, die Kopfzeile 12; die "
            "Datei endet mitten in dieser Zeile: abgeschnitten") in out, out
    assert "Es fehlen „PLZ“, „Ort“, „Kontaktabbruch seit“" in out, out
    assert "Gespeichertes bleibt unverändert" in out, out
    assert _stored(db, last) == before  # address, window, note, date as they were


def test_a_short_row_in_the_middle_is_rejected_and_a_new_case_not_stored(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    rows = _rows(bad_hersfeld_pbf)
    rows[1] = rows[1][:3]  # a new case's row with 3 of 12 fields
    path = tmp_path / "kunden.csv"
    path.write_text(_text(rows), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'mid.sqlite'}"
    out = " ".join(ok("import", str(path), *city_db(db)).split())
    assert "3 neu" in out and "1 abgelehnt" in out, out
    assert (f"Zeile 3 ({rows[1][0]}), Feldanzahl: Zeile 3 hat 3 Felder, die Kopfzeile 12: "
            "Zeilenumbruch in einem Feld ohne Anführungszeichen") in out, out
    assert "Es fehlen „Hausnummer“, „PLZ“, „Ort“" in out, out
    assert _stored(db, rows[1][0]) is None


def test_a_row_may_lack_only_columns_that_are_not_read(tmp_path: Path) -> None:
    """An export whose last columns the import does not read (unknown headers) may end a
    row early; so may a row whose empty note Excel left off (session 46), unless a row
    without an address follows it, which may be its rest after a line break (K-3 before
    „K-4“): both are rejected."""
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Adresse;Notiz;Aktenzeichen;Sachbearbeitung\n"
                    "K-1;Am Markt 16, 36251 Bad Hersfeld;Hund;AZ 1;Frau B\n"
                    "K-2;Breitenstraße 5, 36251 Bad Hersfeld;Katze\n"
                    "K-3;Linggplatz 11, 36251 Bad Hersfeld\n"
                    "K-4\n"
                    "K-5;Am Markt 1, 36251 Bad Hersfeld;;;\n", encoding="utf-8")
    res = read_clients(path, today=TODAY)
    assert [(c.id, c.notiz) for c in res.clients] == [("K-1", "Hund"), ("K-2", "Katze"),
                                                      ("K-5", None)]
    assert [(r.row, r.id, r.field) for r in res.rejected] == [(4, "K-3", "felder"),
                                                               (5, None, "felder")]
    assert "Zeile 4 hat 2 Felder, die Kopfzeile 5: " in res.rejected[0].reason
    assert "Es fehlen „Notiz“. " in res.rejected[0].reason  # not the columns not read
    assert "Zeile 5 hat 1 Feld, die Kopfzeile 5" in res.rejected[1].reason
    assert "Es fehlen „Adresse“, „Notiz“. " in res.rejected[1].reason
    # the table tells the row cut off at the file's end from one in the middle
    t = read_table(path)
    assert t.short_rows == {3: 3, 4: 2, 5: 1} and t.open_end_row == 0
    assert t.row_problem(3, read={"Kundennummer", "Adresse", "Notiz"}) is None
    assert "Zeilenumbruch in einem Feld" in (t.row_problem(3) or "")


def test_a_file_cut_off_inside_a_quoted_note_is_rejected(tmp_path: Path) -> None:
    """Cut inside the last column's field in quotes, the row has every field: the file
    ends without the closing quote, and the note would be read cut short. A field in
    quotes that the file ends in is told by the reader's rules (``""`` is a quote, a quote
    opens a field only at its start); in a column not read it does not matter."""
    head = "Kundennummer;Adresse;Notiz\nK-1;Am Markt 16, 36251 Bad Hersfeld;Katze\n"
    cut = tmp_path / "cut.csv"
    cut.write_text(head + 'K-2;Linggplatz 11, 36251 Bad Hersfeld;"Hund ""Bello""\nim H',
                   encoding="utf-8")
    res = read_clients(cut, today=TODAY)
    assert [c.id for c in res.clients] == ["K-1"]
    assert [(r.row, r.id, r.field) for r in res.rejected] == [(3, "K-2", "felder")]
    assert res.rejected[0].reason.startswith(
        "Zeile 3: die Datei endet mitten im Feld „Notiz“ (in Anführungszeichen, das "
        "schließende fehlt): abgeschnitten"), res.rejected[0].reason
    whole = tmp_path / "whole.csv"  # closed quotes, a quote inside a field: read
    whole.write_text(head + 'K-2;Linggplatz 11, 36251 Bad Hersfeld;"Hund ""Bello""\nim '
                     'Hof"\nK-3;Am Markt 1, 36251 Bad Hersfeld;12" Zoll Fernseher',
                     encoding="utf-8")
    res = read_clients(whole, today=TODAY)
    assert [(c.id, c.notiz) for c in res.clients] == [
        ("K-1", "Katze"), ("K-2", 'Hund "Bello" im Hof'), ("K-3", '12" Zoll Fernseher')]
    unread = tmp_path / "unread.csv"
    unread.write_text("Kundennummer;Adresse;Aktenzeichen\n"
                      'K-1;Am Markt 16, 36251 Bad Hersfeld;"AZ 1', encoding="utf-8")
    assert [c.id for c in read_clients(unread, today=TODAY).clients] == ["K-1"]
    assert read_table(unread).open_quote_column == "Aktenzeichen"


def test_a_last_row_without_line_end_is_read_with_a_warning(tmp_path: Path) -> None:
    """Cut right after the last delimiter, or inside an unquoted note, the row has every
    field: it cannot be told from a list saved without its final line end, so it is read,
    and a warning asks to check it (its note may be cut short or empty)."""
    head = ("Kundennummer;Adresse;Notiz;Aktenzeichen\n"
            "K-1;Am Markt 16, 36251 Bad Hersfeld;Katze;AZ 1\n")
    for last, col in (("K-2;Linggplatz 11, 36251 Bad Hersfeld;;", "Aktenzeichen"),
                      ("K-2;Linggplatz 11, 36251 Bad Hersfeld;Hund im H", "Notiz")):
        path = tmp_path / "k.csv"
        path.write_text(head + last, encoding="utf-8")
        res = read_clients(path, today=TODAY)
        assert [c.id for c in res.clients] == ["K-1", "K-2"] and not res.rejected
        said = [w for w in res.warnings if "ohne Zeilenende" in w]
        if col == "Aktenzeichen":  # its last field is in a column not read
            assert said == [], said
            continue
        assert said == [f"{path} endet ohne Zeilenende in Zeile 3: ist die Datei "
                        "vollständig? Wurde sie abgeschnitten, ist „Notiz“ in Zeile 3 gekürzt "
                        "oder leer gelesen; bitte die Zeile prüfen (eine vollständig "
                        "gespeicherte Liste endet mit einem Zeilenende)."], res.warnings
        path.write_text(head + last + "\n", encoding="utf-8")
        assert not [w for w in read_clients(path, today=TODAY).warnings
                    if "ohne Zeilenende" in w]


def test_a_file_cut_off_in_the_id_does_not_name_that_id(tmp_path: Path) -> None:
    """„K-45“ of „K-4520“ may be another case's id: the rejected row names none, and
    claims none (a case „K-45“ earlier in the list is no duplicate of it)."""
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Adresse;Notiz\n"
                    "K-45;Am Markt 16, 36251 Bad Hersfeld;Hund\n"
                    "K-45", encoding="utf-8")
    res = read_clients(path, today=TODAY)
    assert [c.id for c in res.clients] == ["K-45"]
    assert [(r.row, r.id, r.field) for r in res.rejected] == [(3, None, "felder")]
    assert "die Datei endet mitten in dieser Zeile" in res.rejected[0].reason


def test_a_header_with_empty_fields_at_its_end_makes_no_row_short(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Adresse;;\nK-1;Am Markt 16, 36251 Bad Hersfeld",
                    encoding="utf-8")
    t = read_table(path)
    assert t.short_rows == {} and t.open_end_row == 2 and t.row_problem(2) is None
    assert [c.id for c in read_clients(path, today=TODAY).clients] == ["K-1"]


def test_an_outcome_row_cut_off_is_rejected(tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    rows = _rows(bad_hersfeld_pbf, 1)
    path = tmp_path / "kunden.csv"
    path.write_text(_text(rows), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'erg.sqlite'}"
    ok("import", str(path), *city_db(db))
    results = tmp_path / "ergebnisse.csv"
    # cut off after „Ergebnis“: the Termin and the note are missing, not empty
    results.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\r\n"
                       f"{rows[0][0]};01.12.2026;10:00;nicht_angetroffen", encoding="utf-8")
    res = run("outcomes", str(results), *city_db(db))
    out = " ".join(res.output.split())
    assert res.exit_code == 2 and "0 erfasst" in out and "1 abgelehnt" in out, out
    assert (f"Zeile 2 ({rows[0][0]}), Feldanzahl: Zeile 2 hat 4 Felder, die Kopfzeile 6; "
            "die Datei endet mitten in dieser Zeile") in out, out
    assert "Es fehlen „Termin“, „Notiz“." in out, out


def test_a_team_row_cut_off_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "teams.csv"
    path.write_text("id;mitglieder;sprachen;schicht;modus;Bemerkung\n"
                    "mitte;Kerstin Böhm;Türkisch;08:00-16:00;walk;x\n"
                    "nord;Jens Groß;Arabisch;08:30-15:30;walk\n"  # lacks only „Bemerkung“
                    "sued;Anna Berg;Polnisch", encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(path)
    msg = str(err.value)
    assert msg.startswith("Ungültige Teams in teams.csv: Zeile 4 hat 3 Felder, die Kopfzeile "
                          "6; die Datei endet mitten in dieser Zeile"), msg
    assert "Es fehlen „schicht“, „modus“." in msg and "Zeile 3" not in msg, msg


def test_the_web_upload_rejects_a_row_cut_off(tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    rows = _rows(bad_hersfeld_pbf)
    full, cut = tmp_path / "kunden.csv", tmp_path / "gekuerzt.csv"
    with open(full, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, *rows])
    cut.write_text(_cut_after_street(_text(rows), rows[-1][0]), encoding="utf-8")
    app = bare_app(tmp_path)
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        assert upload_list(kora, full, CITY).status_code == 200
        db = str(app.state.web.store.engine.url)
        before = _stored(db, rows[-1][0])
        up = upload_list(kora, cut, CITY)
    assert up.status_code == 200 and "1</strong> abgelehnt" in up.text, up.text
    assert "Zeile 5 hat 4 Felder, die Kopfzeile 12; die Datei endet mitten" in up.text
    assert _stored(db, rows[-1][0]) == before


def _binary_files(tmp_path: Path, bad_hersfeld_pbf: Path) -> dict[str, tuple[bytes, str]]:
    """Files a user may pick instead of the list, with what the message calls them."""
    text = _text([["K-1", "A", "Am Markt", "16", "36251", CITY, "", "", "", "", "", ""]])
    with open(bad_hersfeld_pbf, "rb") as fh:
        pbf = fh.read(300_000)
    pdf = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
           + b"2 0 obj\n<< /Length 40 /Filter /FlateDecode >>\nstream\n"
           + gzip.compress(text.encode())[10:] + b"\nendstream\nendobj\n")
    return {"pdf.csv": (pdf, "ein PDF-Dokument"),
            "gz.csv": (gzip.compress(text.encode("utf-8")), "ein gzip-Archiv"),
            "pbf.csv": (pbf, "OSM-Kartendaten im PBF-Format"),
            "binary.csv": (random.Random(45).randbytes(5000), "")}


@pytest.mark.parametrize("name", ["pdf.csv", "gz.csv", "pbf.csv", "binary.csv"])
def test_a_binary_file_named_csv_is_refused_as_binary(tmp_path: Path, bad_hersfeld_pbf: Path,
                                                      name: str) -> None:
    data, kind = _binary_files(tmp_path, bad_hersfeld_pbf)[name]
    path = tmp_path / name
    path.write_bytes(data)
    for read in (read_table, read_clients):
        with pytest.raises(UserError) as err:
            read(path)
        said = (f"Binärdaten: {kind}" if kind else "Binärdaten)")
        assert str(err.value).startswith(
            f"Die Datei {path} ist keine Text- oder Tabellendatei ({said}"), str(err.value)
        assert "Spalte" not in str(err.value)


def test_a_text_with_an_escape_in_each_row_is_no_binary_file(tmp_path: Path) -> None:
    """A terminal escape in a cell (a hostile or broken export) is dropped from the cell;
    the file is still read, in Windows-1252 as well."""
    rows = "".join(f"K-{i};Am Markt {i}\x1b[31m, 36251 Bad Hersfeld;Hund\x07 Öl\r\n"
                   for i in range(1, 30))
    path = tmp_path / "k.csv"
    path.write_bytes(("Kundennummer;Adresse;Notiz\r\n" + rows).encode("cp1252"))
    res = read_clients(path, today=TODAY)
    assert len(res.clients) == 29 and not res.rejected
    assert res.clients[0].notiz == "Hund Öl" and "\x1b" not in res.clients[0].address


def test_the_geocode_command_reads_a_row_cut_short_only_after_its_address(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """``hausbesuch geocode`` counts only the address columns as read: a row that lacks a
    trailing column of no address part (a note) is geocoded, one cut in its address is
    left unresolved with the count in ``geo_reason``."""
    import csv

    rows = _rows(bad_hersfeld_pbf, 2)
    src = tmp_path / "adressen.csv"
    cut = ";".join(rows[1][:4])  # id, name, street, house number: no PLZ, Ort, …
    src.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort;Notiz\r\n"
                   f"{rows[0][0]};{rows[0][2]};{rows[0][3]};{rows[0][4]};{rows[0][5]}\r\n"
                   f"{rows[1][0]};{cut.split(';', 2)[2]}\r\n", encoding="utf-8")
    out = tmp_path / "geo.csv"
    ok("geocode", str(src), "--city", "bad-hersfeld", "--out", str(out))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        got = {r["Kundennummer"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert got[rows[0][0]]["geo_quality"] in ("exact", "interpolated"), got[rows[0][0]]
    assert got[rows[1][0]]["geo_quality"] == "unresolved", got[rows[1][0]]
    assert "Felder" in got[rows[1][0]]["geo_reason"], got[rows[1][0]]
