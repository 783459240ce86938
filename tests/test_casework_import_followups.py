"""What the casework commands say after an import (QA 26): a listed case that stays closed
is named with how to reopen it (import output and ``--report``), a street suggestion keeps
the client's house number, and ``address`` on a case whose row the import rejected says so.
Real SQLite, the real Bad Hersfeld extract, the command line as users run it."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow

cli = ClockedCli(date(2026, 12, 7))
invoke, ok = cli.invoke, cli.ok


def _list(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("Kundennummer;Adresse\n" + "".join(f"{cid};{a}\n" for cid, a in rows),
                    encoding="utf-8")
    return path


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def test_a_listed_case_that_is_not_open_is_named_with_how_to_reopen_it(tmp_path,
                                                                       bad_hersfeld_pbf):
    """QA 26 F3: a closed case read in again (at a new address) and a reached one read in
    unchanged were „aktualisiert“/„unverändert“ without a word, and then appeared in no
    plan's report. The import names them as ``plan LISTE`` does, with the status command."""
    db = city_db(str(tmp_path / "f.sqlite"))
    town = "36251 Bad Hersfeld"
    first = [("K-1", f"Breitenstraße 24, {town}"), ("K-2", f"Dudenstraße 5, {town}"),
             ("K-3", f"Klausstraße 12, {town}")]
    ok("import", str(_list(tmp_path / "a.csv", first)), *db)
    ok("status", "K-1", "--set", "abgeschlossen", "--reason", "Fall beendet", *db)
    ok("status", "K-2", "--set", "erreicht", *db)
    again = [("K-1", f"Hainstraße 2, {town}"), *first[1:]]
    report = tmp_path / "bericht.csv"
    out = ok("import", str(_list(tmp_path / "b.csv", again)), *db, "--report", str(report))
    assert "1 aktualisiert, 2 unverändert" in out, out
    k1 = ("Status „abgeschlossen“: wird nicht geplant; wieder öffnen mit „hausbesuch status "
          "K-1 --set offen“")
    k2 = ("Status „erreicht (Kontakt hergestellt)“: wird nicht geplant; wieder öffnen mit "
          "„hausbesuch status K-2 --set offen“")
    assert f"  K-1: {k1}" in out and f"  K-2: {k2}" in out, out
    assert "K-3:" not in out, out  # open: planned, nothing to say
    rows = _report(report)
    assert (rows["K-1"]["status"], rows["K-1"]["grund"]) == ("aktualisiert", k1)
    assert (rows["K-2"]["status"], rows["K-2"]["grund"]) == ("unverändert", k2)
    assert rows["K-3"]["grund"] == ""
    # the free text typed with the status stays with the case
    assert "Fall beendet" not in out and "Fall beendet" not in report.read_text("utf-8-sig")


def test_a_street_suggestion_keeps_the_house_number_given(tmp_path, bad_hersfeld_pbf):
    """QA 26 F4: „Brahmsstraße 8“ (no such street) and the suggestion „Johannes-Brahms-
    Straße“: the fix is No. 8 there (interpolated between 4 and 12), not the street's
    middle; No. 3, which the street does not have, stays on the street and the plan's
    reason says that number was not found, not „Keine Hausnummer angegeben“."""
    db = city_db(str(tmp_path / "f.sqlite"))
    town = "36251 Bad Hersfeld"
    ok("import", str(_list(tmp_path / "a.csv", [("S-8", f"Brahmsstraße 8, {town}"),
                                                 ("S-3", f"Brahmsstraße 3, {town}")])), *db)
    listed = ok("addresses", *db)
    m = re.search(r"Vorschlag (\d): Johannes-Brahms-Straße, 36251 Bad Hersfeld", listed)
    assert m, listed
    out8 = ok("address", "S-8", "--suggestion", m[1], *db)
    assert "Johannes-Brahms-Straße 8, 36251 Bad Hersfeld" in out8, out8
    # placed between known numbers: the echo says so, as the phone and the sheet do
    assert "(Johannes-Brahms-Straße 8, 36251 Bad Hersfeld); Lage geschätzt: Hausnummer 8 " \
        "nicht im Kartenauszug; interpoliert zwischen Nr. 4 und 12." in out8, out8
    assert "Im Außendienst: „Lage geschätzt (interpoliert) – Haus vor Ort suchen“." in out8
    lat, lon = (float(x) for x in re.search(r"bei ([\d.]+), ([\d.]+)", out8).groups())
    assert abs(lat - 50.87325) < 2e-4 and abs(lon - 9.68078) < 2e-4, out8
    out3 = ok("address", "S-3", "--suggestion", m[1], *db)
    assert "nur auf Straßenebene: Hausnummer 3 nicht gefunden" in out3, out3
    plan = tmp_path / "plan"
    ok("plan", *db, "--start", "2026-12-07", "--days", "1", "--out", str(plan),
       "--time-limit", "1", "--threads", "1")
    rows = _report(plan / "report.csv")
    assert rows["S-8"]["geo_qualitaet"] == "interpoliert", rows["S-8"]
    assert rows["S-3"]["geo_qualitaet"] == "auf Straßenebene", rows["S-3"]
    assert "Hausnummer 3 nicht gefunden" in rows["S-3"]["grund"], rows["S-3"]
    assert "Keine Hausnummer angegeben" not in rows["S-3"]["grund"], rows["S-3"]


def test_address_of_a_row_the_import_rejected_says_so(tmp_path, bad_hersfeld_pbf):
    """QA 26 F5: ``address`` on a case whose row the last import rejected said „nicht
    bekannt (zuerst die Kundenliste einlesen)“; it names the row, field and reason. And
    ``--suggestion`` on a case found exactly says why there are none."""
    db = city_db(str(tmp_path / "f.sqlite"))
    ok("import", str(_list(tmp_path / "a.csv", [("N-3", "36251 Bad Hersfeld"),
                                                 ("N-4", "Breitenstraße 1, 36251 Bad "
                                                  "Hersfeld")])), *db)
    for args in (["--set-point", "50.8675,9.7071"], ["--suggestion", "1"]):
        code, out = invoke("address", "n-3", *args, *db)
        assert code == 2, out
        assert "zuerst die Kundenliste einlesen" not in out, out
        assert ("hat ihre Zeile abgelehnt (Zeile 2, Adresse unvollständig: Straße "
                "fehlt") in out, out
        assert "Bitte in der Liste korrigieren und neu einlesen." in out, out
    # the id as the look-up reads it (caseids.id_key): an en dash or a full-width letter
    # names the rejected row too (it was told as unknown)
    for typed in ("N\u20133", "\uff2e-3"):
        code, out = invoke("address", typed, "--set-point", "50.8675,9.7071", *db)
        assert code == 2 and "hat ihre Zeile abgelehnt (Zeile 2, Adresse" in out, (typed, out)
    code, out = invoke("address", "N-9", "--set-point", "50.8675,9.7071", *db)
    assert code == 2 and "zuerst die Kundenliste einlesen" in out, out  # really unknown
    code, out = invoke("address", "N-4", "--suggestion", "1", *db)
    assert code == 2, out
    assert ("--suggestion: für Kundennummer „N-4“ gibt es keine: die Adresse ist gefunden "
            "(exakt).") in out, out


def test_the_web_upload_names_a_listed_case_that_is_not_open(tmp_path, bad_hersfeld_pbf):
    """QA 26 F3 on the web's *Kundenliste*: the upload's result names the closed case and
    how to reopen it there (no command line)."""
    import httpx

    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from tests.web_fixtures import bare_app, csrf_of, live_server, login

    app = bare_app(tmp_path)
    path = _list(tmp_path / "liste.csv", [("W-1", "Breitenstraße 24, 36251 Bad Hersfeld"),
                                          ("W-2", "Dudenstraße 5, 36251 Bad Hersfeld")])

    def upload(kora: httpx.Client) -> str:
        csrf = csrf_of(kora.get("/kunden/import").text)
        with open(path, "rb") as fh:
            res = kora.post("/kunden/import", data={"csrf_token": csrf,
                                                    "stadt": "Bad Hersfeld"},
                            files={"datei": (path.name, fh, "text/csv")})
        assert res.status_code == 200, res.text[-500:]
        return " ".join(res.text.split())

    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        assert "wird nicht geplant" not in upload(kora)
        Casework(app.state.web.store, load_profile("bad-hersfeld"),
                 actor="test").set_status("W-1", "abgeschlossen")
        page = upload(kora)
    assert ("W-1: Status „abgeschlossen“: wird nicht geplant; wieder öffnen: unter „Fälle“ "
            "den Status „offen“ setzen.") in page, page[-2000:]
    assert "W-2: Status" not in page


def test_a_street_level_fix_shows_the_corrected_street_with_its_number(tmp_path,
                                                                        bad_hersfeld_pbf):
    """F4 follow-up: „Brahmsstraße 3“ (no such street) fixed with the suggestion „Johannes-
    Brahms-Straße“ is stored as „Johannes-Brahms-Straße 3“, whose number OSM does not map
    (Nr. 4–12): the pin is on the street. The route page, the printed sheet, the overview
    and the visit the phone page shows carried the list's „Brahmsstraße 3“ beside that pin;
    they show the corrected street with the number, as for a fix found to the house."""
    import sqlite3

    db_file = tmp_path / "f.sqlite"
    db = city_db(str(db_file))
    town = "36251 Bad Hersfeld"
    ok("import", str(_list(tmp_path / "a.csv", [("S-3", f"Brahmsstraße 3, {town}"),
                                                 ("S-9", f"Breitenstraße 24, {town}")])), *db)
    listed = ok("addresses", *db)
    m = re.search(r"Vorschlag (\d): Johannes-Brahms-Straße, 36251 Bad Hersfeld", listed)
    assert m, listed
    out = ok("address", "S-3", "--suggestion", m[1], *db)
    assert "nur auf Straßenebene: Hausnummer 3 nicht gefunden" in out, out  # not mapped
    plan = tmp_path / "plan"
    ok("plan", *db, "--start", "2026-12-07", "--days", "1", "--out", str(plan),
       "--time-limit", "1", "--threads", "1")
    assert _report(plan / "report.csv")["S-3"]["geo_qualitaet"] == "auf Straßenebene"
    shown = f"Johannes-Brahms-Straße 3, {town}"
    pages = {p.parent.name: p for p in [*plan.glob("routen/*.html"), *plan.glob("druck/*.html")]
             if "S-3" in p.read_text("utf-8")}
    assert sorted(pages) == ["druck", "routen"], pages  # S-3's route page and sheet
    for page in [*pages.values(), plan / "uebersicht.html"]:
        text = page.read_text("utf-8")
        assert shown in text, page
        assert not re.search(r"(?<![-\w])Brahmsstraße 3", text), page
    with sqlite3.connect(db_file) as con:  # what the phone page shows of the stop
        (address,) = con.execute("SELECT address FROM visits WHERE client_id = 'S-3'"
                                 ).fetchone()
    assert address == shown, address


def test_a_street_typo_the_geocoder_is_sure_of_reaches_the_field_corrected(tmp_path,
                                                                          bad_hersfeld_pbf):
    """QA 31: „Breitenstrase 20“ (a letter of „Straße“ missing; Nr. 20 interpolated) went to
    the phone, the print sheet and the map as typed, and ``report.csv`` gave only the
    interpolation note: the key of „Strase“ is the Straße's, so the geocoder said nothing.
    It names the typo („Straßenname unscharf erkannt“), ``report.csv`` says the street as
    found, and the pages show the address as found with the rest as typed (c/o line,
    postcode, town); *Adressen* does not list it (the geocoder is sure), and an address in
    doubt keeps the list's words. So does a typo with the house number glued to the street
    („Dudenstrase5“: found, but the typo reached the field, since the street's words were
    looked for in the address only before a space or the end)."""
    import sqlite3

    db_file = tmp_path / "f.sqlite"
    db = city_db(str(db_file))
    town = "36251 Bad Hersfeld"
    ok("import", str(_list(tmp_path / "a.csv", [
        ("K-3101", f"Breitenstrase 20, {town}"),  # sure typo, interpolated
        ("K-3102", f"c/o Testfamilie Q, Bahnhofsstraße 1, {town}"),  # sure typo, exact
        ("K-3103", f"Brietenstraße 24, {town}"),  # two letters swapped: in doubt
        ("K-3104", f"Breitenstr. 24, {town}"),  # no typo: as typed
        ("K-3105", f"Dudenstrase5, {town}")])), *db)  # sure typo, number glued on
    listed = ok("addresses", *db)
    assert "K-3101" not in listed and "K-3102" not in listed and "K-3103" in listed, listed
    assert "K-3105" not in listed, listed
    plan = tmp_path / "plan"
    ok("plan", *db, "--start", "2026-12-07", "--days", "1", "--out", str(plan),
       "--time-limit", "1", "--threads", "1")
    rows = _report(plan / "report.csv")
    assert rows["K-3101"]["grund"].startswith(
        "Adresse nur interpoliert gefunden: Straßenname unscharf erkannt: „Breitenstrase“ ≈ "
        "„Breitenstraße“. Hausnummer 20 nicht im Kartenauszug"), rows["K-3101"]
    assert rows["K-3102"]["grund"].startswith("Adresse gefunden: Straßenname unscharf "
                                              "erkannt: „Bahnhofsstraße“ ≈ „Bahnhofstraße“")
    shown = {"K-3101": f"Breitenstraße 20, {town}",
             "K-3102": f"c/o Testfamilie Q, Bahnhofstraße 1, {town}",
             "K-3103": f"Brietenstraße 24, {town}", "K-3104": f"Breitenstr. 24, {town}",
             "K-3105": f"Dudenstraße 5, {town}"}
    with sqlite3.connect(db_file) as con:  # what the phone page shows of each stop
        stored = dict(con.execute("SELECT client_id, address FROM visits").fetchall())
    assert stored == shown, stored
    pages = [*plan.glob("routen/*.html"), *plan.glob("druck/*.html"),
             *plan.glob("karten/*.html")]
    for cid, found in (("K-3101", "Breitenstraße 20"), ("K-3102", "Bahnhofstraße 1"),
                       ("K-3105", "Dudenstraße 5")):
        # its route page, sheet and map (the popup)
        have = [p for p in pages if cid in p.read_text("utf-8")]
        assert {p.parent.name for p in have} == {"routen", "druck", "karten"}, (cid, pages)
        for page in have:
            assert found in page.read_text("utf-8"), (cid, page)
    for page in pages:
        text = page.read_text("utf-8")
        assert "Breitenstrase" not in text and "Bahnhofsstraße" not in text, page
        assert "Dudenstrase" not in text, page


def test_a_closed_case_that_moves_with_a_visit_ahead_gets_no_replan_hint(tmp_path,
                                                                        bad_hersfeld_pbf):
    """A closed case with a visit still ahead, read in at a new address, was told „bitte
    neu planen (hausbesuch replan …)“ beside the note that it is not open and will not be
    planned. It is told that the visit ahead is off; an open case that moves keeps the
    re-plan hint."""
    db = city_db(str(tmp_path / "f.sqlite"))
    town = "36251 Bad Hersfeld"
    first = [("K-1", f"Breitenstraße 24, {town}"), ("K-2", f"Dudenstraße 5, {town}")]
    ok("import", str(_list(tmp_path / "a.csv", first)), *db)
    plan = tmp_path / "plan"
    out = ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out", str(plan),
             "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    ok("status", "K-1", "--set", "abgeschlossen", *db)
    moved = [("K-1", f"Hainstraße 2, {town}"), ("K-2", f"Klausstraße 12, {town}")]
    out = ok("import", str(_list(tmp_path / "b.csv", moved)), *db)
    k1 = [line for line in out.splitlines() if "K-1:" in line]
    assert any("Status „abgeschlossen“: wird nicht geplant" in line for line in k1), out
    assert not any("replan" in line or "neu planen" in line for line in k1), out
    assert any(re.search(r"K-1: Adresse geändert; der Besuch am Di, 08\.12\.2026, \d\d:\d\d "
                         rf"Uhr \(Plan {pid}\) an der alten Adresse entfällt, da der Fall "
                         "nicht offen ist\\.", line) for line in k1), out
    assert re.search(rf"K-2: Adresse geändert, aber am Di, 08\.12\.2026, \d\d:\d\d Uhr noch an "
                     rf"der alten Adresse eingeplant \(Plan {pid}\); bitte neu planen "
                     rf"\(hausbesuch replan {pid} --from …\)\.", out), out
