"""QA 18b #10: a depot that is not found is explained in German, with the geocoder's
reason and how to give its point in the profile."""

from __future__ import annotations

import re

import pytest

from geodata.geocode import load_index
from hausbesuch.config import load_profile
from hausbesuch.errors import UserError
from hausbesuch.planning.builder import depot_lonlat


@pytest.mark.parametrize(("address", "result"), [
    ("Hersbrucker Strasse 120, 91207 Lauf", "auf Straßenebene"),
    ("Gibtsnichtweg 7, 91207 Lauf", "nicht gefunden"),
])
def test_a_depot_not_found_says_how_to_give_its_point(lauf_pbf, address, result):
    index = load_index(lauf_pbf)
    profile = load_profile("lauf")
    profile = profile.model_copy(update={"depots": [profile.depot.model_copy(
        update={"address": address})]})
    with pytest.raises(UserError) as info:
        depot_lonlat(profile, index)
    msg = str(info.value)
    assert msg.startswith(f"Der Standort „Beispiel-Standort Rathaus Lauf“ ({address}) wurde "
                          f"in den OSM-Daten nicht genau gefunden (Ergebnis: {result}"), msg
    reason = index.geocode(address).reason.rstrip(".")
    assert reason and reason in msg
    assert re.search(r"unter \[\[depots\]\] korrigieren oder dort den Punkt des Standorts "
                     r"angeben, z\. B\. lat = 49\.\d{4} und lon = 11\.\d{4} \(hier ", msg), msg
    assert not re.search(r"\b(street|unresolved)\b|lon/lat", msg)


def test_a_depot_of_another_city_asks_whether_profile_and_extract_fit(lauf_pbf):
    """QA 18 verify-b N5: with a forgotten --city (Kassel's profile) and Lauf's extract the
    message told the user to edit the Kassel profile's depot."""
    with pytest.raises(UserError) as info:
        depot_lonlat(load_profile("kassel"), load_index(lauf_pbf))
    msg = str(info.value)
    assert msg.startswith("Der Standort „Jobcenter Stadt Kassel“ (Lewinskistraße 4, 34127 "
                          "Kassel) liegt nicht im OSM-Auszug"), msg
    assert "passen Stadtprofil (--city) und OSM-Auszug (--osm) zusammen? Ohne --city gilt " \
           "das Profil von Kassel." in msg and "[[depots]]" not in msg


def test_import_with_an_extract_of_another_city_than_the_profile_is_refused(
        tmp_path, lauf_pbf):
    """QA 18b #3: ``import LISTE --osm lauf.pbf`` without --city stored Lauf's clients as
    Kassel's cases; now nothing is stored and the message says to give --city."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app
    from hausbesuch.store import ClientRow, Store

    src = tmp_path / "k.csv"
    src.write_text("Kundennummer;Name;Adresse\nL-1;Probe, Paula;Marktplatz 1, 91207 Lauf\n",
                   encoding="utf-8")
    db = str(tmp_path / "s.sqlite")
    res = CliRunner().invoke(app, ["import", str(src), "--osm", str(lauf_pbf), "--db", db])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "enthält den Standort des Stadtprofils nicht (Jobcenter Stadt Kassel" in text
    assert "ohne --city gilt das Profil von Kassel" in text and "--city mit dem Profil" in text
    with Store.open(db) as store, store.session() as s:
        assert s.query(ClientRow).count() == 0
    ok = CliRunner().invoke(app, ["import", str(src), "--city", "lauf", "--osm", str(lauf_pbf),
                                  "--db", db])
    assert ok.exit_code == 0, ok.output


def test_a_depot_point_outside_the_extract_names_the_depot_and_the_area(lauf_pbf):
    """QA 27 F6: a depot given by lat/lon outside the extract (Hersbruck's, Lauf's
    extract) was reported as „Team altstadt, Start … (Länge und Breite vertauscht?)“."""
    from dataclasses import replace

    from hausbesuch.planning.builder import team_place_problems
    from hausbesuch.teams import default_teams

    index = load_index(lauf_pbf)
    profile = load_profile("lauf")

    def depot_at(lat: float, lon: float) -> str:
        p = profile.model_copy(update={"depots": [profile.depot.model_copy(
            update={"lat": lat, "lon": lon})]})
        with pytest.raises(UserError) as info:
            depot_lonlat(p, index)
        return str(info.value)

    msg = depot_at(49.5081, 11.43)
    assert msg.startswith("Der Standort „Beispiel-Standort Rathaus Lauf“ (depots[0] im "
                          "Profil, lat = 49.5081, lon = 11.43) liegt außerhalb des "
                          "OSM-Auszugs (Gebiet 49."), msg
    assert re.search(r"\(Gebiet 49\.\d\d–49\.\d\d N, 11\.\d\d–11\.\d\d O\): passen Auszug "
                     r"\(\[osm\]\) und Stadt zusammen\?", msg), msg
    assert "vertauscht" not in msg and "Team" not in msg
    # swapped coordinates (a profile written by hand past the check): then it says so
    assert "(Länge und Breite vertauscht?)" in depot_at(11.2793, 49.5182)
    # a team's own start outside: „vertauscht?“ only when the swapped point is inside
    team = default_teams(profile)[0]
    far, = team_place_problems([replace(team, start_lonlat=(11.43, 49.5081))], index)
    assert "außerhalb der Kartendaten der Stadt (Gebiet 49." in far and "vertauscht" not in far
    # (swapped team coordinates are refused when the teams are read: tests/test_teams.py)


def _lauf_profile_copy(tmp_path, extract, *, name=None, depot=None):
    """The shipped Lauf profile as a user's own file, with its ``[osm] file`` set to
    ``extract`` (and, if given, another town's name and depot address)."""
    from hausbesuch.config import PROFILE_DIR

    text = (PROFILE_DIR / "lauf.toml").read_text(encoding="utf-8")
    text = text.replace('file = "osm/lauf-an-der-pegnitz_2020-01-15.osm.pbf"',
                        f'file = "{extract}"')
    if name is not None:
        text = text.replace('name = "Lauf a.d. Pegnitz"', f'name = "{name}"')
    if depot is not None:
        text = text.replace('address = "Urlasstraße 22, 91207 Lauf an der Pegnitz"',
                            f'address = "{depot}"')
    path = tmp_path / f"{name or 'lauf'}-eigen.toml".lower()
    path.write_text(text, encoding="utf-8")
    return path


def _lauf_list(tmp_path):
    src = tmp_path / "k.csv"
    src.write_text("Kundennummer;Name;Adresse\nL-1;Probe, Paula;Marktplatz 1, 91207 Lauf\n"
                   "L-2;Probe, Peter;Hirschberger Straße 4, 91207 Lauf\n", encoding="utf-8")
    return src


def _stored(db):
    from hausbesuch.store import AddressFixRow, ClientRow, Store

    with Store.open(db) as store, store.session() as s:
        return s.query(ClientRow).count(), s.query(AddressFixRow).count()


def test_a_profile_whose_own_extract_is_of_another_town_is_refused(
        tmp_path, lauf_pbf, bad_hersfeld_pbf):
    """QA 27 F2: a Lauf profile whose ``[osm] file`` is Bad Hersfeld's extract passed every
    check (a wrong --osm is refused); ``addresses`` offered Bad Hersfeld's streets and
    ``address --suggestion`` stored a point 250 km away. Now import, addresses and address
    refuse it, naming the profile's file and the town, and nothing is stored."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app

    (tmp_path / "ok").mkdir()
    right = _lauf_profile_copy(tmp_path / "ok", lauf_pbf)
    wrong = _lauf_profile_copy(tmp_path, bad_hersfeld_pbf)
    src, db = _lauf_list(tmp_path), str(tmp_path / "s.sqlite")
    runner = CliRunner()

    def refused(args, stored):
        res = runner.invoke(app, [*args, "--city", str(wrong), "--db", db])
        assert res.exit_code == 2, (args, res.output)
        text = " ".join(res.output.split())
        assert (f"Der OSM-Auszug des Profils ({bad_hersfeld_pbf}, unter [osm] file in "
                f"{wrong}) enthält den Standort von Lauf a.d. Pegnitz nicht (Beispiel-"
                "Standort Rathaus Lauf, Urlasstraße 22, 91207 Lauf an der Pegnitz)") in text, text
        assert "36251" not in text and "Gespeichert" not in text, text
        assert _stored(db) == stored

    refused(["import", str(src)], (0, 0))
    ok = runner.invoke(app, ["import", str(src), "--city", str(right), "--db", db])
    assert ok.exit_code == 0, ok.output
    refused(["addresses"], (2, 0))
    refused(["address", "L-2", "--suggestion", "1"], (2, 0))
    fine = runner.invoke(app, ["addresses", "--city", str(right), "--db", db])
    assert fine.exit_code == 0 and "36251" not in fine.output, fine.output


def test_import_for_a_town_outside_the_profiles_extract_stores_nothing(tmp_path, lauf_pbf):
    """QA 27 F3: a Hersbruck profile with Lauf's extract: ``import`` stored the cases and
    only ``plan`` refused, while the same extract given as --osm was refused before
    anything was stored. Now both refuse before storing."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app

    profile = _lauf_profile_copy(tmp_path, lauf_pbf, name="Hersbruck",
                                 depot="Amberger Straße 2, 91217 Hersbruck")
    src = tmp_path / "k.csv"
    src.write_text("Kundennummer;Name;Adresse\nH-1;Probe, Paula;Marktplatz 1, 91217 Hersbruck\n",
                   encoding="utf-8")
    for extra in ([], ["--osm", str(lauf_pbf)]):
        db = str(tmp_path / f"s{len(extra)}.sqlite")
        res = CliRunner().invoke(app, ["import", str(src), "--city", str(profile), "--db", db,
                                       *extra])
        assert res.exit_code == 2, res.output
        text = " ".join(res.output.split())
        assert "(Beispiel-Standort Rathaus Lauf, Amberger Straße 2, 91217 Hersbruck" in text
        if not extra:
            assert f"Der OSM-Auszug des Profils ({lauf_pbf}, unter [osm] file in {profile}) " \
                   "enthält den Standort von Hersbruck nicht" in text, text
        assert _stored(db) == (0, 0)
