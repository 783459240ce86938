"""The PLZ of the client list: what is unambiguous is read as the postcode's five digits
(``D-36251``, ``36 251``, ``36251.0`` of a number cell); what is no postcode (``362511``,
``3625x``) is left out of the address, which the geocoder finds by street and town, and a
warning names its row and column. Before, such a cell was taken silently: stored as the
postcode and printed on the route page and in the letter, and a „PLZ Ort“ cell
``362511 Bad Hersfeld`` became the postcode 36251 in the town „1 Bad Hersfeld“."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hausbesuch.clients import ClientList, read_clients
from tests.cli_helpers import ClockedCli, city_db

TODAY = date(2026, 12, 3)


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _postcode_notes(result: ClientList) -> list[str]:
    return [w for w in result.warnings if "Postleitzahl" in w]


@pytest.mark.parametrize("cell", ["36 251", "D-36251", "D 36251", "d-36251", "DE-36251",
                                  "36251.0", "36251,0", "36.251"])
def test_a_postcode_written_otherwise_is_read_as_its_five_digits(tmp_path: Path,
                                                                 cell: str) -> None:
    """A country prefix, an inner space, the decimals or the thousands separator of a
    number cell: the postcode is unambiguous and stored, shown and geocoded as five digits
    (before: „D 36251“ in the letter, „36251.0 Bad Hersfeld“ on the route page)."""
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort",
                [f"K-1;Breitenstraße;24;{cell};Bad Hersfeld"])
    result = read_clients(path, today=TODAY)
    [client] = result.clients
    assert (client.postcode, client.town) == ("36251", "Bad Hersfeld")
    assert client.address == "Breitenstraße 24, 36251 Bad Hersfeld"
    assert _postcode_notes(result) == []


@pytest.mark.parametrize("cell", ["-", "k. A."])
def test_a_placeholder_in_the_plz_column_is_no_part_of_the_address(tmp_path: Path,
                                                                   cell: str) -> None:
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort",
                [f"K-1;Breitenstraße;24;{cell};Bad Hersfeld"])
    result = read_clients(path, today=TODAY)
    [client] = result.clients
    assert client.address == "Breitenstraße 24, Bad Hersfeld"  # before: "…, - Bad Hersfeld"
    assert client.postcode is None
    assert _postcode_notes(result) == []


def test_a_plz_that_is_no_postcode_is_left_out_and_its_row_named(tmp_path: Path) -> None:
    """Six digits, a letter, a decimal, a town in the PLZ column: the row is read in
    without the postcode (the street and the town find the address) and one warning names
    each row and the column as the list heads it; a row rejected for another reason is
    not named (its rejection says what to do)."""
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;Postleitzahl;Ort", [
        "K-1;Breitenstraße;24;362511;Bad Hersfeld",
        "K-2;Dudenstraße;5;3625x;Bad Hersfeld",
        "K-3;Klausstraße;12;36251,5;Bad Hersfeld",
        "K-4;Hainstraße;1;Bad Hersfeld;",
        "K-5;Klausstraße;16;36251;Bad Hersfeld",
        ";Klausstraße;18;99;Bad Hersfeld",  # no Kundennummer: rejected
        "K-6;Breitenstraße;26;fehlt;Bad Hersfeld",  # letters next to the town
        "K-7;Breitenstraße;28;362511 Hersfeld;Bad Hersfeld",
    ])
    result = read_clients(path, today=TODAY)
    clients = {c.id: c for c in result.clients}
    assert sorted(clients) == ["K-1", "K-2", "K-3", "K-4", "K-5", "K-6", "K-7"]
    assert [r.row for r in result.rejected] == [7]
    for cid, street in (("K-1", "Breitenstraße 24"), ("K-2", "Dudenstraße 5"),
                        ("K-3", "Klausstraße 12"), ("K-4", "Hainstraße 1"),
                        ("K-6", "Breitenstraße 26"),  # before: „…, fehlt Bad Hersfeld“
                        ("K-7", "Breitenstraße 28")):  # before: „…, Hersfeld Bad Hersfeld“
        c = clients[cid]
        assert (c.address, c.postcode, c.town) == (f"{street}, Bad Hersfeld", None,
                                                   "Bad Hersfeld"), c
    assert clients["K-5"].postcode == "36251"
    assert _postcode_notes(result) == [
        f"{path}: Zeile 2, Spalte „Postleitzahl“: „362511“; Zeile 3, Spalte "
        "„Postleitzahl“: „3625x“; Zeile 4, Spalte „Postleitzahl“: „36251,5“; Zeile 5, "
        "Spalte „Postleitzahl“: „Bad Hersfeld“; Zeile 8, Spalte „Postleitzahl“: „fehlt“; "
        "Zeile 9, Spalte „Postleitzahl“: „362511“. Das sind keine Postleitzahlen (fünf "
        "Ziffern). Die Zeilen sind eingelesen, ihre Adressen werden ohne PLZ gesucht (nach "
        "Straße und Ort); bitte die PLZ in der Kundenliste berichtigen."]


def test_a_plz_ort_column_is_read_the_same_way(tmp_path: Path) -> None:
    """„PLZ Ort“ in one column: a postcode written otherwise is read, one that is none is
    named and left out, and the town after it stays the town (before: ``362511 Bad
    Hersfeld`` was the postcode 36251 in „1 Bad Hersfeld“, ``3625x`` 03625 in „x Bad
    Hersfeld“)."""
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ Ort", [
        "K-1;Breitenstraße;24;362511 Bad Hersfeld",
        "K-2;Dudenstraße;5;3625x Bad Hersfeld",
        "K-3;Klausstraße;12;D-36251 Bad Hersfeld",
        "K-4;Klausstraße;16;36 251 Bad Hersfeld",
        "K-5;Hainstraße;1;Bad Hersfeld",
    ])
    result = read_clients(path, today=TODAY)
    got = {c.id: (c.address, c.postcode, c.town) for c in result.clients}
    assert got == {
        "K-1": ("Breitenstraße 24, Bad Hersfeld", None, "Bad Hersfeld"),
        "K-2": ("Dudenstraße 5, Bad Hersfeld", None, "Bad Hersfeld"),
        "K-3": ("Klausstraße 12, 36251 Bad Hersfeld", "36251", "Bad Hersfeld"),
        "K-4": ("Klausstraße 16, 36251 Bad Hersfeld", "36251", "Bad Hersfeld"),
        "K-5": ("Hainstraße 1, Bad Hersfeld", None, "Bad Hersfeld"),
    }
    [note] = _postcode_notes(result)
    assert note.startswith(f"{path}: Zeile 2, Spalte „PLZ Ort“: „362511“; Zeile 3, "
                           "Spalte „PLZ Ort“: „3625x“. Das sind keine Postleitzahlen"), note


def test_a_workbooks_number_cells_in_the_plz_column(tmp_path: Path) -> None:
    """XLSX: a number cell is read as the spreadsheet shows it (36251.0 as 36251, 4109 with
    the format 00000 as 04109, 4109 without it gets its zero back), a text cell as typed;
    six digits in a number cell are no postcode either."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"])
    ws.append(["K-1", "Breitenstraße", 24, 362511, "Bad Hersfeld"])
    ws.append(["K-2", "Dudenstraße", 5, 36251.0, "Bad Hersfeld"])
    ws.append(["K-3", "Klausstraße", 12, "D-36251", "Bad Hersfeld"])
    ws.append(["K-4", "Markt", 1, 4109, "Leipzig"])
    ws.append(["K-5", "Markt", 2, 4109, "Leipzig"])
    ws.cell(row=6, column=4).number_format = "00000"
    ws.append(["K-6", "Klausstraße", 16, 36251.5, "Bad Hersfeld"])
    path = tmp_path / "kunden.xlsx"
    wb.save(path)
    result = read_clients(path, today=TODAY)
    got = {c.id: (c.address, c.postcode) for c in result.clients}
    assert got == {
        "K-1": ("Breitenstraße 24, Bad Hersfeld", None),
        "K-2": ("Dudenstraße 5, 36251 Bad Hersfeld", "36251"),
        "K-3": ("Klausstraße 12, 36251 Bad Hersfeld", "36251"),
        "K-4": ("Markt 1, 04109 Leipzig", "04109"),
        "K-5": ("Markt 2, 04109 Leipzig", "04109"),
        "K-6": ("Klausstraße 16, Bad Hersfeld", None),
    }
    [note] = _postcode_notes(result)
    assert note.startswith(f"{path}: Zeile 2, Spalte „PLZ“: „362511“; Zeile 7, Spalte "
                           "„PLZ“: „36251,5“. Das sind keine Postleitzahlen"), note


# ------------------------------------------------------------------ through the commands

cli = ClockedCli(TODAY)


@pytest.mark.slow
def test_import_and_plan_take_the_row_without_the_postcode_and_say_so(tmp_path: Path,
                                                                       bad_hersfeld_pbf) -> None:
    """Real SQLite, the real Bad Hersfeld extract: a row whose PLZ is no postcode is read
    in and planned when street and town find the house; one whose street the extract has
    in two places and whose Ort is empty is not planned, with the geocoder's reason asking
    for PLZ or town (listed by ``addresses``, refused by the plan with how to fix it). Import and plan name the rows and the
    column; the postcode typed is stored nowhere."""
    from hausbesuch.store import ClientRow, Store

    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort", [
        "K-1;Breitenstraße;24;362511;Bad Hersfeld",
        "K-2;Dudenstraße;5;D-36251;Bad Hersfeld",
        "K-3;Hauptstraße;5;3625x;",
    ])
    db = str(tmp_path / "fall.sqlite")
    note = ("Hinweis: kunden.csv: Zeile 2, Spalte „PLZ“: „362511“; Zeile 4, Spalte „PLZ“: "
            "„3625x“. Das sind keine Postleitzahlen (fünf Ziffern). Die Zeilen sind "
            "eingelesen, ihre Adressen werden ohne PLZ gesucht (nach Straße und Ort); bitte "
            "die PLZ in der Kundenliste berichtigen.")
    out = cli.ok("import", str(path), *city_db(db))
    assert note.replace("kunden.csv", str(path)) in out, out
    assert "3 neu" in out and "0 abgelehnt" in out, out
    with Store.open(db) as store, store.session() as s:
        stored = {r.client_id: (r.address, r.postcode) for r in s.query(ClientRow)}
    assert stored == {"K-1": ("Breitenstraße 24, Bad Hersfeld", None),
                      "K-2": ("Dudenstraße 5, 36251 Bad Hersfeld", "36251"),
                      "K-3": ("Hauptstraße 5", None)}
    listed = cli.ok("addresses", *city_db(db))
    assert "K-1" not in listed and "K-2" not in listed, listed
    assert "K-3: Hauptstraße 5 (nicht gefunden): Straße „Hauptstraße“ gibt es mehrfach" \
        in listed and "bitte PLZ oder Ort angeben" in listed, listed

    out = cli.ok("plan", str(path), *city_db(db), "--start", "2026-12-07", "--days", "1",
                 "--out", str(tmp_path / "plan"), "--time-limit", "2", "--threads", "1")
    assert note.replace("kunden.csv", str(path)) in out, out
    with open(tmp_path / "plan" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        report = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert (report["K-1"]["status"], report["K-1"]["geo_qualitaet"]) == ("geplant", "exakt")
    assert report["K-2"]["status"] == "geplant"
    # not found: not planned, with what to do (as any address the extract does not hold)
    assert report["K-3"]["status"] == "abgelehnt", report
    assert "gibt es mehrfach (36251 Bad Hersfeld, 36282 Hauneck); bitte PLZ oder Ort " \
        "angeben. Korrigieren mit „hausbesuch address K-3 --set-address …“" \
        in report["K-3"]["grund"], report["K-3"]
    pages = "".join(p.read_text("utf-8") for p in (tmp_path / "plan" / "routen").glob("*.html"))
    # (the field pages add the postcode found where the list's was no postcode: QA 38 F5)
    assert "Breitenstraße 24, 36251 Bad Hersfeld" in pages and "362511" not in pages


@pytest.mark.slow
def test_geocode_reads_the_plz_as_the_client_list_does(tmp_path: Path,
                                                       bad_hersfeld_pbf: Path) -> None:
    """``hausbesuch geocode`` reads the PLZ cells as ``import`` and ``plan`` do (one way,
    :func:`hausbesuch.clients.postcode_cells`): a postcode written otherwise is searched
    as its five digits (before: „Hauptstraße 40, 36282.0“ was not found, „nicht in 36282
    0“), one that is no postcode is left out of the address searched and named, row and
    column, in a note (before: searched as typed, nothing said). The output keeps the
    cells as the list has them."""
    path = _csv(tmp_path / "adressen.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort", [
        "K-1;Breitenstraße;24;362511;Bad Hersfeld",
        "K-2;Hauptstraße;40;36282.0;",
        "K-3;Hauptstraße;40;D-36282;",
        "K-4;Hauptstraße;5;3625x;",
        "K-5;Breitenstraße;24;#NV;Bad Hersfeld",  # an error value: no PLZ left out
    ])
    out = tmp_path / "geokodiert.csv"
    said = cli.ok("geocode", str(path), "--osm", str(bad_hersfeld_pbf), "--out", str(out))
    assert (f"Hinweis: {path}: Zeile 2, Spalte „PLZ“: „362511“; Zeile 5, Spalte „PLZ“: "
            "„3625x“. Das sind keine Postleitzahlen (fünf Ziffern). Die Zeilen sind "
            "eingelesen, ihre Adressen werden ohne PLZ gesucht (nach Straße und Ort); bitte "
            "die PLZ in der Liste berichtigen.") in said, said
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = {r["Kundennummer"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert [rows[k]["PLZ"] for k in ("K-1", "K-2", "K-3", "K-4")] == [
        "362511", "36282.0", "D-36282", "3625x"]  # as typed
    got = {k: (r["geo_quality"], r["geo_match"]) for k, r in rows.items()}
    assert got["K-1"] == ("exact", "Breitenstraße 24, 36251 Bad Hersfeld")
    assert got["K-2"] == got["K-3"] == ("exact", "Hauptstraße 40, 36282 Hauneck (Unterhaun)")
    assert got["K-4"][0] == "unresolved"
    assert "bitte PLZ oder Ort angeben" in rows["K-4"]["geo_reason"], rows["K-4"]
    # as the client list rejects it: not searched (before: as „Breitenstraße 24, #NV Bad
    # Hersfeld“, named as „keine Postleitzahl … eingelesen“)
    assert got["K-5"][0] == "unresolved"
    assert rows["K-5"]["geo_reason"].startswith(
        "„#NV“ in Spalte „PLZ“ ist ein Fehlerwert der Tabellenkalkulation"), rows["K-5"]


@pytest.mark.slow
def test_the_import_report_names_the_plz_left_out_in_its_row(tmp_path: Path,
                                                            bad_hersfeld_pbf) -> None:
    """``import --report``: the row whose PLZ was left out says so in its „grund“, with
    the column and what was typed (before: only the printed note named it, the report's
    row was empty); its status stays what the import did with the case."""
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort", [
        "K-1;Breitenstraße;24;362511;Bad Hersfeld",
        "K-2;Dudenstraße;5;D-36251;Bad Hersfeld",
        ";Klausstraße;18;3625x;Bad Hersfeld",  # no Kundennummer: rejected, for that
    ])
    db = str(tmp_path / "fall.sqlite")
    report = tmp_path / "bericht.csv"

    def rows() -> dict[str, tuple[str, str]]:
        with open(report, encoding="utf-8-sig", newline="") as fh:
            return {r["zeile"]: (r["status"], r["grund"])
                    for r in csv.DictReader(fh, delimiter=";")}

    left_out = ("„362511“ in Spalte „PLZ“ ist keine Postleitzahl (fünf Ziffern): die "
                "Adresse wird ohne PLZ gesucht (nach Straße und Ort); bitte die PLZ in der "
                "Kundenliste berichtigen")
    cli.ok("import", str(path), *city_db(db), "--report", str(report))
    got = rows()
    assert got["2"] == ("neu", left_out), got
    assert got["3"] == ("neu", "")
    assert got["4"][0] == "abgelehnt" and "Kundennummer fehlt" in got["4"][1], got
    cli.ok("import", str(path), *city_db(db), "--report", str(report))
    assert rows()["2"] == ("unverändert", left_out)


# ------------------------------------------------------- a database stored before (upgrade)

#: What an import before the PLZ was read stored for a row (address, postcode): the cell
#: as typed.
_STORED_BEFORE = {
    "K-1": ("Breitenstraße 24, 36251.0 Bad Hersfeld", "36251.0"),
    "K-2": ("Dudenstraße 5, D-36251 Bad Hersfeld", "D-36251"),
    "K-3": ("Klausstraße 12, 362511 Bad Hersfeld", "362511"),
    "K-4": ("Klausstraße 16, 36 251 Bad Hersfeld", "36 251"),
    "K-6": ("Zauberwaldweg 5, 36251.0 Bad Hersfeld", "36251.0"),
}


def _as_stored_before(db: str) -> None:
    """Put the database in the state an import, an address fix and a plan of a version
    before the PLZ was read left it in: the address, the postcode, the fix's source address,
    the plan's stop and client snapshot with the PLZ as typed (the same SQLite file, its
    columns written as that version wrote them)."""
    import sqlite3

    con = sqlite3.connect(db)
    with con:
        for cid, (address, postcode) in _STORED_BEFORE.items():
            con.execute("UPDATE clients SET address = ?, postcode = ? WHERE client_id = ?",
                        (address, postcode, cid))
            con.execute("UPDATE address_fixes SET source_address = ? WHERE client_id = ?",
                        (address, cid))
            con.execute("UPDATE plan_clients SET address = ?, postcode = ? WHERE client_id = ?",
                        (address, postcode, cid))
            if cid != "K-6":  # its stop goes to the point set by hand, as a fix's does
                con.execute("UPDATE visits SET address = ? WHERE client_id = ?",
                            (address, cid))
    con.close()


@pytest.mark.slow
def test_a_list_read_again_after_the_upgrade_changes_nothing(tmp_path: Path,
                                                             bad_hersfeld_pbf) -> None:
    """Cases stored while the PLZ was kept as typed („36251.0“, „D-36251“, „36 251“,
    „362511“), with address fixes and a plan ahead: the same list imported again is
    „unverändert“ (before: „aktualisiert“, the fixes „gelten nicht mehr“, „Adresse geändert,
    aber … noch an der alten Adresse eingeplant“); the cases and fixes are stored with the
    PLZ as read now, and a fix keeps applying. A real change still counts, and a list put
    back to the address a plan stored before visits needs no re-plan."""
    from hausbesuch.store import AddressFixRow, ClientRow, Store

    rows = ["K-1;Breitenstraße;24;36251.0;Bad Hersfeld;",
            "K-2;Dudenstraße;5;D-36251;Bad Hersfeld;",
            "K-3;Klausstraße;12;362511;Bad Hersfeld;",
            "K-4;Klausstraße;16;36 251;Bad Hersfeld;",
            "K-5;Hainstraße;1;36251;Bad Hersfeld;",
            "K-6;Zauberwaldweg;5;36251.0;Bad Hersfeld;"]  # a street the extract lacks
    header = "Kundennummer;Straße;Hausnummer;PLZ;Ort;Notiz"
    path = _csv(tmp_path / "kunden.csv", header, rows)
    db = str(tmp_path / "fall.sqlite")
    report = tmp_path / "bericht.csv"
    cli.ok("import", str(path), *city_db(db))
    cli.ok("address", "K-1", "--set-point", "50.86795,9.71028", *city_db(db))
    cli.ok("address", "K-2", "--set-address", "Dudenstraße 5, 36251 Bad Hersfeld",
           *city_db(db))
    cli.ok("address", "K-6", "--set-point", "50.8688,9.7088", *city_db(db))
    cli.ok("plan", *city_db(db), "--start", "2026-12-07", "--days", "1",
           "--out", str(tmp_path / "plan"), "--time-limit", "2", "--threads", "1")
    _as_stored_before(db)

    # the same list, but for a note on K-2 (its fix was made for the address as typed)
    noted = [r.replace("Bad Hersfeld;", "Bad Hersfeld;Hund im Hof") if r.startswith("K-2")
             else r for r in rows]
    out = cli.ok("import", str(_csv(tmp_path / "kunden.csv", header, noted)), *city_db(db),
                 "--report", str(report))
    assert "0 neu, 1 aktualisiert, 5 unverändert, 0 abgelehnt" in out, out
    assert "Adresse geändert" not in out and "gilt nicht mehr" not in out, out
    with open(report, encoding="utf-8-sig", newline="") as fh:
        assert {r["id"]: r["status"] for r in csv.DictReader(fh, delimiter=";")} == {
            **dict.fromkeys([f"K-{n}" for n in range(1, 7)], "unverändert"),
            "K-2": "aktualisiert"}
    with Store.open(db) as store, store.session() as s:
        stored = {r.client_id: (r.address, r.postcode) for r in s.query(ClientRow)}
        fixes = {f.client_id: (f.source_address, f.stale) for f in s.query(AddressFixRow)}
    assert stored["K-1"] == ("Breitenstraße 24, 36251 Bad Hersfeld", "36251")
    assert stored["K-3"] == ("Klausstraße 12, Bad Hersfeld", None)
    assert stored["K-4"] == ("Klausstraße 16, 36251 Bad Hersfeld", "36251")
    assert fixes == {"K-1": ("Breitenstraße 24, 36251 Bad Hersfeld", False),
                     "K-2": ("Dudenstraße 5, 36251 Bad Hersfeld", False),
                     "K-6": ("Zauberwaldweg 5, 36251 Bad Hersfeld", False)}
    # the fix of the street the extract lacks still applies: nothing to check
    assert "Alle Adressen offener Fälle in Bad Hersfeld sind gefunden" in cli.ok(
        "addresses", *city_db(db))
    # the letters take the plan's addresses (PLZ as typed) for the cases' (as read): no
    # one moved, not the points set by hand (K-1, K-6) nor one found only by its street
    from hausbesuch.config import load_profile
    from hausbesuch.letters import moved_since

    with Store.open(db) as store:
        plan = store.latest_plan()
        assert plan is not None
        assert moved_since(store, plan, load_profile("bad-hersfeld"),
                           [f"K-{n}" for n in range(1, 7)], actor="test") == set()

    # a real change counts: the house number of K-4 (planned at 16), of K-6 (fixed)
    moved = [r.replace(";16;", ";18;").replace(";5;36251.0", ";7;36251.0") for r in rows]
    out = cli.ok("import", str(_csv(tmp_path / "kunden.csv", header, moved)), *city_db(db))
    assert "3 aktualisiert, 3 unverändert" in out, out  # (K-2: its note taken out)
    assert "K-4: Adresse geändert, aber am Mo, 07.12.2026" in out, out
    assert "1 Adresskorrektur gilt nicht mehr" in out, out
    # ... and put back to 16, where the plan (stored before, „36 251“) visits: no re-plan
    out = cli.ok("import", str(_csv(tmp_path / "kunden.csv", header, rows)), *city_db(db))
    assert "2 aktualisiert, 4 unverändert" in out, out
    assert "Adresse geändert" not in out, out


@pytest.mark.parametrize(("address", "as_read"), [
    ("Breitenstraße 24, 36251.0 Bad Hersfeld", "Breitenstraße 24, 36251 Bad Hersfeld"),
    ("Breitenstraße 24, D-36251 Bad Hersfeld", "Breitenstraße 24, 36251 Bad Hersfeld"),
    ("Breitenstraße 24, 362511 Bad Hersfeld", "Breitenstraße 24, Bad Hersfeld"),
    ("Hauptstraße 5, 3625x", "Hauptstraße 5"),
    ("Breitenstraße 24, 36251 Bad Hersfeld OT Hohe Luft",
     "Breitenstraße 24, 36251 Bad Hersfeld OT Hohe Luft"),
    ("Am Markt, 2. OG", "Am Markt, 2. OG"),  # an addition last, no postcode meant
    ("Am Markt 16 (Hinterhaus)", "Am Markt 16 (Hinterhaus)"),
])
def test_an_address_compared_with_its_plz_as_read(address: str, as_read: str) -> None:
    """How the import compares a stored address with the list's (:func:`postcode_as_read`):
    the PLZ of the last part as :func:`split_postcode` reads it; what starts with fewer
    than four digits is no PLZ and stays, so „2. OG“ and „3. OG“ stay apart."""
    from hausbesuch.tabular import postcode_as_read

    assert postcode_as_read(address) == as_read


def test_two_plans_of_a_letter_compare_the_plz_as_read() -> None:
    """Letters (:func:`hausbesuch.letters._same_address`): the plan a letter was written
    for, stored while the PLZ was kept as typed („36251.0“), and a plan made since visit
    the same house (before: another address, a second letter); another house stays one."""
    from hausbesuch.letters import _same_address
    from hausbesuch.plandata import Client

    then = Client(row=2, id="K-1", address="Breitenstraße 24, 36251.0 Bad Hersfeld")
    now = Client(row=2, id="K-1", address="Breitenstraße 24, 36251 Bad Hersfeld")
    assert _same_address(then, None, now, None)
    other = Client(row=2, id="K-1", address="Breitenstraße 26, 36251 Bad Hersfeld")
    assert not _same_address(then, None, other, None)


@pytest.mark.parametrize(("cell", "read"), [
    ("36251-Bad Hersfeld", ("36251", "Bad Hersfeld", "")),
    ("36251/Bad Hersfeld", ("36251", "Bad Hersfeld", "")),
    ("36251;Bad Hersfeld", ("36251", "Bad Hersfeld", "")),
    ("36251 - Bad Hersfeld", ("36251", "Bad Hersfeld", "")),
    ("D-36251 / Bad Hersfeld", ("36251", "Bad Hersfeld", "")),
    ("362511-Bad Hersfeld", ("", "Bad Hersfeld", "362511")),
    ("36251,5 Bad Hersfeld", ("", "Bad Hersfeld", "36251,5")),
    ("36251-5", ("", "", "36251-5")),
])
def test_a_town_after_a_dash_slash_or_semicolon(cell: str, read: tuple[str, str, str]
                                                ) -> None:
    """A „PLZ Ort“ cell whose town follows the postcode after ``-``, ``/`` or ``;``: the
    postcode and the whole town (before: ``36251-Bad Hersfeld`` was no postcode, „36251-Bad“,
    in the town „Hersfeld“; ``36251 - Bad Hersfeld`` the town „- Bad Hersfeld“)."""
    from hausbesuch.tabular import split_postcode

    assert split_postcode(cell) == read


@pytest.mark.slow
def test_a_plz_cell_with_the_town_or_letters_stored_before_is_unchanged(tmp_path: Path
                                                                       ) -> None:
    """A case stored while the PLZ cell was kept as typed, its Ort cell as the town: the
    merged export's „36251 Bad Hersfeld“ next to the Ort, letters (``fehlt``) next to it,
    a town alone in the PLZ column. The same list again is „unverändert“ (before: the
    postcode, then the address „…, fehlt Bad Hersfeld“ counted as changed), the case is
    stored as read now; a changed Ort still counts."""
    import sqlite3

    from hausbesuch.store import AddressFixRow, ClientRow, Store

    rows = ["K-1;Breitenstraße;24;36251 Bad Hersfeld;Bad Hersfeld",
            "K-2;Breitenstraße;26;fehlt;Bad Hersfeld",
            "K-3;Breitenstraße;28;362511 Hersfeld;Bad Hersfeld",
            "K-4;Breitenstraße;30;Bad Hersfeld;",
            "K-5;Breitenstraße;32;D-36251 Bad Hersfeld;"]
    header = "Kundennummer;Straße;Hausnummer;PLZ;Ort"
    path = _csv(tmp_path / "kunden.csv", header, rows)
    db = str(tmp_path / "fall.sqlite")
    cli.ok("import", str(path), *city_db(db))
    cli.ok("address", "K-2", "--set-point", "50.86795,9.71028", *city_db(db))
    before = {  # address, postcode, town as an import before the PLZ was read stored them
        "K-1": ("Breitenstraße 24, 36251 Bad Hersfeld", "36251 Bad Hersfeld", "Bad Hersfeld"),
        "K-2": ("Breitenstraße 26, fehlt Bad Hersfeld", "fehlt", "Bad Hersfeld"),
        "K-3": ("Breitenstraße 28, 362511 Hersfeld Bad Hersfeld", "362511 Hersfeld",
                "Bad Hersfeld"),
        "K-4": ("Breitenstraße 30, Bad Hersfeld", "Bad Hersfeld", None),
        "K-5": ("Breitenstraße 32, D-36251 Bad Hersfeld", "D-36251 Bad Hersfeld", None),
    }
    con = sqlite3.connect(db)
    with con:
        for cid, (address, postcode, town) in before.items():
            con.execute("UPDATE clients SET address = ?, postcode = ?, town = ? "
                        "WHERE client_id = ?", (address, postcode, town, cid))
            con.execute("UPDATE address_fixes SET source_address = ? WHERE client_id = ?",
                        (address, cid))
    con.close()

    out = cli.ok("import", str(path), *city_db(db))
    assert "0 neu, 0 aktualisiert, 5 unverändert, 0 abgelehnt" in out, out
    assert "gilt nicht mehr" not in out, out  # the fix was made for this address
    with Store.open(db) as store, store.session() as s:
        stored = {r.client_id: (r.address, r.postcode, r.town) for r in s.query(ClientRow)}
        fixes = {f.client_id: (f.source_address, f.stale) for f in s.query(AddressFixRow)}
    assert stored["K-2"] == ("Breitenstraße 26, Bad Hersfeld", None, "Bad Hersfeld")
    assert fixes == {"K-2": ("Breitenstraße 26, Bad Hersfeld", False)}  # applies still
    assert stored["K-5"] == ("Breitenstraße 32, 36251 Bad Hersfeld", "36251", "Bad Hersfeld")
    out = cli.ok("import", str(_csv(tmp_path / "kunden.csv", header, [
        r.replace(";fehlt;Bad Hersfeld", ";fehlt;Hauneck") for r in rows])), *city_db(db))
    assert "0 neu, 1 aktualisiert, 4 unverändert" in out, out
    assert "1 Adresskorrektur gilt nicht mehr" in out, out


def test_a_row_whose_address_is_only_a_plz_that_is_none_names_it(tmp_path: Path) -> None:
    """A row with nothing of the address but a PLZ that is no postcode: rejected naming
    what was typed, as a row with only a postcode is (before: „Adresse fehlt“, the cell
    named nowhere, as the PLZ note leaves rejected rows to their rejection)."""
    path = _csv(tmp_path / "kunden.csv", "Kundennummer;Straße;Hausnummer;PLZ;Ort",
                ["K-1;;;362511;", "K-2;;;36251.0;"])
    result = read_clients(path, today=TODAY)
    assert [(r.id, r.reason) for r in result.rejected] == [
        ("K-1", "Adresse unvollständig: Straße fehlt („362511“)"),
        ("K-2", "Adresse unvollständig: Straße fehlt („36251“)")]
