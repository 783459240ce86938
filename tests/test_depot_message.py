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
