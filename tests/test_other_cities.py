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
