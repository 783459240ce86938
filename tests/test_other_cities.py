"""QA 18b #3: a forgotten ``--city`` (the default Kassel) or a renamed profile finds no
cases; the commands say which cities the database holds instead of a false all-clear."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from geodata.geocode import load_index
from hausbesuch.config import PROFILE_DIR
from tests.cli_helpers import ok, run
from tests.planning_fixtures import real_addresses

HINT = ("Für {city} sind keine Fälle gespeichert. Die Datenbank enthält Fälle von: "
        "Bad Hersfeld – --city angeben (das Profil dieser Stadt).")


def _clients(tmp_path: Path, pbf: Path) -> Path:
    path = tmp_path / "kunden.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, (street, hn, pc, town) in enumerate(real_addresses(load_index(pbf))[:2]):
            w.writerow([f"H-{i}", f"Name{i}", street, hn, pc, town or "Bad Hersfeld"])
    return path


def test_a_city_without_cases_names_the_cities_the_database_holds(tmp_path, bad_hersfeld_pbf):
    db = str(tmp_path / "f.sqlite")
    clients = _clients(tmp_path, bad_hersfeld_pbf)
    out = ok("import", str(clients), "--city", "bad-hersfeld", "--db", db)
    assert "kunden.csv für Bad Hersfeld: 2 neu" in out, out
    assert "Die Datenbank enthält" not in out
    assert ok("addresses", "--city", "bad-hersfeld", "--db", db).startswith(
        "Alle Adressen offener Fälle in Bad Hersfeld sind gefunden")
    # --city forgotten: Kassel, the default; the OSM data of Bad Hersfeld (no download)
    osm = ["--osm", str(bad_hersfeld_pbf), "--db", db]
    res = run("addresses", *osm)  # Kassel's profile, Bad Hersfeld's extract: refused
    assert res.exit_code == 2 and "Alle Adressen" not in res.output, res.output
    assert "ohne --city gilt das Profil von Kassel" in " ".join(res.output.split())
    res = run("status", "H-0", "--db", db)
    assert res.exit_code == 2 and HINT.format(city="Kassel") in res.output, res.output
    res = run("plan", *osm, "--start", "2026-12-14", "--out", str(tmp_path / "plan"))
    assert res.exit_code == 2, res.output
    assert ("Nichts zu planen: in Kassel gibt es keinen offenen Fall. "
            + HINT.format(city="Kassel")) in res.output, res.output
    # a renamed profile: its cases stay under the old name
    renamed = tmp_path / "hersfeld-jc.toml"
    renamed.write_text((PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8").replace(
        'name = "Bad Hersfeld"', 'name = "Bad Hersfeld (JC)"'), encoding="utf-8")
    out = ok("addresses", "--city", str(renamed), *osm)
    assert HINT.format(city="Bad Hersfeld (JC)") in out and "alten Namen" in out, out
    # an import under another city's name says where it went
    out = ok("import", str(clients), "--city", str(renamed), *osm)
    assert "kunden.csv für Bad Hersfeld (JC): 2 neu" in out, out
    assert ("Hinweis: eingelesen für Bad Hersfeld (JC), aber die Datenbank enthielt bisher "
            "nur Fälle von: Bad Hersfeld. War eine andere Stadt gemeint: --city angeben") in out
    out = ok("addresses", "--city", str(renamed), *osm)  # now it has cases: no hint
    assert "Die Datenbank enthält" not in out, out


def test_an_import_whose_extract_cannot_be_read_stores_nothing(tmp_path, bad_hersfeld_pbf):
    """QA 18 verify-b: the import stored the list, then failed on the profile's missing
    OSM file; the next import said „0 neu“."""
    from hausbesuch.store import ClientRow, Store

    profile = tmp_path / "ohne-karte.toml"
    profile.write_text((PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
                       .replace('name = "Bad Hersfeld"', 'name = "Ohne Karte"'), encoding="utf-8")
    text = profile.read_text(encoding="utf-8")
    profile.write_text(re.sub(r'(?m)^file = ".*"$', 'file = "fehlt.osm.pbf"', text),
                       encoding="utf-8")
    assert 'file = "fehlt.osm.pbf"' in profile.read_text(encoding="utf-8")
    db = str(tmp_path / "s.sqlite")
    res = run("import", str(_clients(tmp_path, bad_hersfeld_pbf)), "--city", str(profile),
              "--db", db)
    assert res.exit_code == 2 and "fehlt.osm.pbf" in res.output, res.output
    with Store.open(db) as store, store.session() as s:
        assert s.query(ClientRow).count() == 0


def _list(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A client list of these (street, number, PLZ, Ort) rows, ids H-0, H-1, …"""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, row in enumerate(rows):
            w.writerow([f"H-{i}", f"Name{i}", *row])
    return path


def _stored(db: str) -> tuple[list[tuple[str, str, str]], int]:
    """Lauf's stored cases (id, address, name) and the number of audit rows."""
    from hausbesuch.store import AuditRow, ClientRow, Store

    with Store.open(db) as store, store.session() as s:
        cases = sorted((r.client_id, r.address, r.name) for r in s.query(ClientRow))
        return cases, s.query(AuditRow).count()


def test_another_citys_list_is_refused_before_anything_is_stored(
        tmp_path, bad_hersfeld_pbf, lauf_pbf):
    """QA 19a #3: Bad Hersfeld's list imported with --city lauf overwrote Lauf's cases
    (the same Kundennummern), although no row's PLZ/Ort lay in Lauf's extract."""
    lauf = [(st, hn, pc, town or "Lauf a.d.Pegnitz")
            for st, hn, pc, town in real_addresses(load_index(lauf_pbf))[:8]]
    hersfeld = [(st, hn, pc, town or "Bad Hersfeld")
                for st, hn, pc, town in real_addresses(load_index(bad_hersfeld_pbf))[:8]]
    db = str(tmp_path / "f.sqlite")
    out = ok("import", str(_list(tmp_path / "lauf.csv", lauf)), "--city", "lauf", "--db", db)
    assert "für Lauf a.d. Pegnitz: 8 neu" in out, out
    before = _stored(db)
    for command in (["import"], ["plan", "--start", "2026-12-14", "--out",
                                 str(tmp_path / "plan")]):
        res = run(command[0], str(_list(tmp_path / "bh.csv", hersfeld)), *command[1:],
                  "--city", "lauf", "--db", db)
        text = " ".join(res.output.split())
        assert res.exit_code == 2, res.output
        assert ("Die Liste gehört offenbar nicht zu Lauf a.d. Pegnitz: in 8 von 8 Zeilen "
                "liegen PLZ oder Ort nicht im Gebiet des Kartenauszugs (PLZ 36251; Ort Bad "
                "Hersfeld). Nichts eingelesen. Bitte --city prüfen") in text, text
        assert _stored(db) == before  # no case overwritten, no audit row
    # Lauf's own list with a few rows from elsewhere (3 of 8) is read in; those rows are
    # for `addresses` to show
    mixed = lauf[:5] + hersfeld[5:]
    out = ok("import", str(_list(tmp_path / "gemischt.csv", mixed)), "--city", "lauf",
             "--db", db)
    assert "8 Zeilen" in out and "3 aktualisiert" in out, out
    assert "nicht im Gebiet des Kartenauszugs" in ok("addresses", "--city", "lauf",
                                                     "--db", db)


def test_the_web_upload_refuses_another_citys_list_on_the_page(tmp_path, lauf_pbf):
    """QA 19a #3, the web's upload: the same check (Casework.import_clients), in German."""
    import html

    from tests.web_fixtures import bare_app, csrf_of, live_server, logged_in

    lauf = [(st, hn, pc, town or "Lauf a.d.Pegnitz")
            for st, hn, pc, town in real_addresses(load_index(lauf_pbf))[:5]]
    body = _list(tmp_path / "liste.csv", lauf).read_bytes()
    app = bare_app(tmp_path)
    store = app.state.web.store
    from hausbesuch.store import AuditRow, ClientRow

    with store.session() as s:
        audit = s.query(AuditRow).count()
    with live_server(app) as live, logged_in(live.url, "kora") as kora:
        csrf = csrf_of(kora.get("/kunden/import").text)
        r = kora.post("/kunden/import", data={"csrf_token": csrf},
                      files={"datei": ("liste.csv", body, "text/csv")})
    assert r.status_code == 400, r.text[-500:]
    text = " ".join(html.unescape(r.text).split())
    assert ("Die Liste gehört offenbar nicht zu Bad Hersfeld: in 5 von 5 Zeilen liegen PLZ "
            "oder Ort nicht im Gebiet des Kartenauszugs (PLZ 91207; Ort Lauf a.d.Pegnitz). "
            "Nichts eingelesen. Bitte prüfen, ob die Liste zu dieser Stadt gehört") in text, \
        text[-1500:]
    assert "--city" not in text
    with store.session() as s:
        assert s.query(ClientRow).count() == 0
        # the login and the page views only: no import row
        assert not s.query(AuditRow).filter(AuditRow.action.in_(
            ("import", "klient_neu"))).count(), audit


def test_plans_and_audit_without_city_name_the_cities_that_have_them(tmp_path,
                                                                      bad_hersfeld_pbf):
    """QA 19a #7: without --city (Kassel), `plans` and `audit` said „Keine gespeicherten
    Pläne für Kassel.“ / „Keine Einträge für Kassel.“ on a database of other cities."""
    db = str(tmp_path / "f.sqlite")
    clients = _clients(tmp_path, bad_hersfeld_pbf)
    ok("plan", str(clients), "--city", "bad-hersfeld", "--start", "2026-12-14", "--days", "1",
       "--out", str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1", "--db", db)
    out = " ".join(ok("plans", "--db", db).split())
    # said once, not twice (review 19 #6)
    assert out.startswith("Keine gespeicherten Pläne für Kassel. Die Datenbank enthält Pläne "
                          "von: Bad Hersfeld – --city angeben (das Profil dieser Stadt)."), out
    assert out.endswith("Alle Städte: --all."), out
    assert "Für Kassel" not in ok("plans", "--city", "bad-hersfeld", "--db", db)
    out = " ".join(ok("audit", "--db", db).split())
    assert out.startswith("Keine Einträge für Kassel. Die Datenbank enthält Einträge von: Bad "
                          "Hersfeld – --city angeben"), out
    # the first reading of Kassel's log is no entry of Kassel's data: listed, and not
    # contradicted by a „keine Einträge“
    out = " ".join(ok("audit", "--db", db).split())
    assert out.startswith("Protokoll für Kassel: 1 Eintrag"), out
    assert ("Außer Lesezugriffen auf das Protokoll sind für Kassel keine Einträge gespeichert. "
            "Die Datenbank enthält Einträge von: Bad Hersfeld – --city angeben") in out, out
    assert "Für Kassel sind keine" not in out, out
    out = ok("audit", "--city", "bad-hersfeld", "--db", db)
    assert "Protokoll für Bad Hersfeld" in out and "Für " not in out, out
    # an empty database: nothing to name
    empty = str(tmp_path / "leer.sqlite")
    ok("import", str(clients), "--city", "bad-hersfeld", "--db", empty)
    out = ok("plans", "--city", "bad-hersfeld", "--db", empty)
    assert out.strip() == "Keine gespeicherten Pläne für Bad Hersfeld.", out


def test_an_unknown_case_number_says_once_where_else_to_look(tmp_path, bad_hersfeld_pbf):
    """Review 19b: an unknown Kundennummer said „(andere Stadt: --city angeben).“ and then
    the whole hint on the other cities, which says „--city angeben“ again."""
    db = str(tmp_path / "f.sqlite")
    clients = _clients(tmp_path, bad_hersfeld_pbf)
    ok("import", str(clients), "--city", "bad-hersfeld", "--db", db)
    # Kassel (no --city) has no case: the other cities' hint, once
    for args in (["status", "H-9"], ["disclose", "H-9", "--out", str(tmp_path / "a.txt")],
                 ["audit", "--kundennummer", "H-9"]):
        res = run(*args, "--db", db)
        text = " ".join(res.output.split())
        assert res.exit_code == 2, res.output
        assert text.count("--city angeben") == 1, text
        assert ("Kundennummer „H-9“ ist in Kassel nicht bekannt. "
                + HINT.format(city="Kassel")) in text, text
    # a city with cases of its own, beside another city's: the other city is named, once
    renamed = tmp_path / "hersfeld-jc.toml"
    renamed.write_text((PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8").replace(
        'name = "Bad Hersfeld"', 'name = "Bad Hersfeld (JC)"'), encoding="utf-8")
    ok("import", str(clients), "--city", str(renamed), "--osm", str(bad_hersfeld_pbf),
       "--db", db)
    res = run("status", "H-9", "--city", str(renamed), "--db", db)
    text = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert text.count("--city") == 1, text
    assert ("Kundennummer „H-9“ ist in Bad Hersfeld (JC) nicht bekannt. Die Datenbank enthält "
            "auch Fälle von: Bad Hersfeld. Gehört der Fall dorthin, mit --city das Profil der "
            "Stadt angeben.") in text, text
    # a database of one city: the short form
    ok("import", str(clients), "--city", "bad-hersfeld", "--db", str(tmp_path / "eine.sqlite"))
    res = run("status", "H-9", "--city", "bad-hersfeld", "--db", str(tmp_path / "eine.sqlite"))
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and text.count("--city") == 1, text
    assert "„H-9“ ist in Bad Hersfeld nicht bekannt (andere Stadt: --city angeben)." in text


def test_teams_and_absences_without_city_in_another_citys_database(tmp_path,
                                                                  bad_hersfeld_pbf):
    # QA 27 F4: the README's „teams --set teams.csv“ and „absence add team-2 …“ (no
    # --city) stored Kassel's teams and absences into a database holding only another
    # city's cases, silently; the plan of that city then ignored the absence
    from hausbesuch.store import CityTeamsRow, Store, TeamAbsenceRow

    db = str(tmp_path / "f.sqlite")
    ok("import", str(_clients(tmp_path, bad_hersfeld_pbf)), "--city", "bad-hersfeld",
       "--db", db)
    (tmp_path / "teams.csv").write_text("id;mitglieder\nrad;Frau A\naltstadt;Herr B\n",
                                        encoding="utf-8")
    refused = ("Ohne --city gilt die Standardstadt Kassel, für die die Datenbank keine "
               "Fälle enthält, nur Fälle von: Bad Hersfeld. Nichts gespeichert: bitte mit "
               "--city")
    for args in (["teams", "--set", str(tmp_path / "teams.csv")],
                 ["absence", "add", "team-2", "21.12.2026"]):
        res = run(*args, "--db", db)
        assert res.exit_code == 2, res.output
        assert refused in " ".join(res.output.split()), res.output
    with Store.open(db) as s, s.session() as session:
        assert session.query(TeamAbsenceRow).count() == 0
        assert session.query(CityTeamsRow).count() == 0
    out = ok("teams", "--db", db)  # a look is not refused but says so
    assert "Die Datenbank enthält Fälle von: Bad Hersfeld – --city angeben" in out, out
    out = ok("absence", "list", "--db", db)
    assert out.startswith("Keine Abwesenheiten für Kassel eingetragen. Die Datenbank "
                          "enthält Fälle von: Bad Hersfeld"), out
    # with --city given the other city's data are stored, with a warning
    out = ok("absence", "add", "team-2", "21.12.2026", "--city", "lauf", "--db", db)
    assert "Hinweis: die Abwesenheiten gelten für Lauf a.d. Pegnitz (--city lauf)" in out
    assert "(1 Tag neu eingetragen)" in out
    # the city's own database: no hint; an unknown team names the city it was looked for in
    res = run("absence", "add", "rad", "21.12.2026", "--city", "bad-hersfeld", "--db", db)
    assert res.exit_code == 2
    assert ("Team „rad“ gibt es nicht (Stadt Bad Hersfeld, Teams: team-1, team-2). Gehört "
            "es zu einer anderen Stadt, mit --city deren Profil angeben.") in " ".join(
                res.output.split()), res.output
    out = ok("absence", "add", "team-2", "21.12.2026", "--city", "bad-hersfeld", "--db", db)
    assert "Hinweis" not in out, out


def test_the_readmes_examples_of_a_citys_data_name_the_city():
    """QA 36 #12a: the README's `hausbesuch audit --kundennummer C0001` (no --city) printed
    „0 Einträge für Kassel“ for a database of another city. Every example in its command
    blocks of a command that reads or changes a city's cases and defaults to Kassel names
    --city (commands on a stored plan take its city; `audit --ohne-stadt` and `plans
    --all` name none)."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"^```(?:bash)?\n(.*?)^```", text, re.S | re.M))
    city_data = ("audit", "disclose", "rectify", "status", "outcomes", "import", "addresses",
                 "address", "plan", "plans", "teams", "absence", "purge")
    missing = []
    for line in blocks.splitlines():
        m = re.match(r"\s*hausbesuch ([a-z-]+)( .*)?$", line.split("#")[0].rstrip())
        if m is None or m[1] not in city_data:
            continue
        if not re.search(r"--city|--ohne-stadt|--all", m[2] or ""):
            missing.append(line.strip())
    assert missing == [], missing
