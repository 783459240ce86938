"""The ``hausbesuch districts`` command: local extracts, user files, profiles and the download."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from hausbesuch.cli import app
from tests.overpass_server import OverpassServer
from tests.test_download import PLACE, town_polygon

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def summary(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_districts_from_extract_writes_geojson(bad_hersfeld_pbf, tmp_path):
    out = tmp_path / "bezirke" / "districts.geojson"
    res = invoke("districts", "--osm", str(bad_hersfeld_pbf), "--out", str(out), "--json")
    s = summary(res)
    assert s["source"] == "fallback" and s["districts"] == len(s["names"]) >= 5
    assert "Bad Hersfeld" in s["names"] and s["out"] == str(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in data["features"]] == s["names"]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    assert "Ersatzbezirke" in res.stderr  # the user learns which source was used


def test_districts_admin_level_note(lauf_pbf, tmp_path):
    res = invoke("districts", "--osm", str(lauf_pbf), "--admin-level", "8", "--out", str(tmp_path / "d.geojson"))
    assert res.exit_code == 0, res.stderr
    # no JSON on the screen unless asked for (--json, for scripts; QA 32b F8)
    assert res.stdout == "" and "Bezirke nach " in res.stderr
    assert "admin_level 8" in res.stderr and "Lauf an der Pegnitz" in res.stderr


def test_districts_from_user_file(bad_hersfeld_pbf, tmp_path):
    cells = [shapely.box(9.68 + 0.02 * i, 50.85, 9.70 + 0.02 * i, 50.88) for i in range(3)]
    src = tmp_path / "teile.gpkg"
    gpd.GeoDataFrame({"kennung": ["W", "M", "O"], "txt": ["West", "Mitte", "Ost"]},
                     geometry=cells, crs="EPSG:4326").to_file(src)  # fmt: skip
    out = tmp_path / "d.geojson"
    s = summary(invoke("districts", "--osm", str(bad_hersfeld_pbf), "--districts", str(src),
                       "--name-column", "txt", "--out", str(out), "--json"))  # fmt: skip
    assert s["source"] == "file" and s["names"] == ["West", "Mitte", "Ost"]
    res = invoke("districts", "--osm", str(bad_hersfeld_pbf), "--districts", str(src), "--out", str(out))
    assert res.exit_code == 2
    assert "Keine Namensspalte" in res.stderr and "kennung, txt" in res.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--osm", "/nirgends/stadt.osm.pbf"], "OSM-Datei nicht gefunden"),
        (["--city", "bad-hersfeld", "--districts", "/nirgends/teile.geojson"], "Bezirksdatei nicht gefunden"),
        (["--city", "atlantis"], "Unbekanntes Stadtprofil"),
    ],
)
def test_districts_errors_are_german_without_traceback(tmp_path, args, message):
    res = invoke("districts", *args, "--out", str(tmp_path / "d.geojson"))
    assert res.exit_code == 2
    assert message in res.stderr and res.stderr.startswith("Fehler:")
    assert "Traceback" not in res.stderr + res.stdout
    assert not (tmp_path / "d.geojson").exists()


def test_districts_by_city_as_a_user_runs_it(bad_hersfeld_pbf, tmp_path):
    """The installed entry point (a subprocess) with a shipped profile."""
    out = tmp_path / "d.geojson"
    res = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "districts", "--city", "bad-hersfeld", "--out", str(out),
         "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["osm"].endswith(bad_hersfeld_pbf.name) and s["source"] == "fallback"
    assert out.exists()


@pytest.mark.slow  # a whole town downloaded from the loopback server through the command (~8 s)
def test_districts_profile_with_place_downloads_once(bad_hersfeld_pbf, tmp_path, monkeypatch):
    """A profile naming a place and no local file: downloaded via the loopback server, once."""
    polygon = town_polygon()
    profile = tmp_path / "hersfeld-download.toml"
    profile.write_text(
        'name = "Bad Hersfeld (Download)"\n'
        "[osm]\n"
        f'place = "{PLACE}"\n'
        "[[depots]]\n"
        'name = "Rathaus"\n'
        'address = "Am Markt 16, 36251 Bad Hersfeld"\n'
        "[districts]\n"
        'source = "osm"\n'
        "admin_level = 10\n"
        "[casework]\n"
        'land = "HE"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with OverpassServer(bad_hersfeld_pbf, {PLACE: polygon}) as srv:
        # the profile path uses the environment variables (as a user or a test would)
        monkeypatch.setenv("HAUSBESUCH_OVERPASS_URL", srv.overpass_url)
        monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", srv.nominatim_url)
        out = tmp_path / "d.geojson"
        first = invoke("districts", "--city", str(profile), "--out", str(out), "--json")
        s = summary(first)
        assert srv.count("/api/interpreter") >= 3 and srv.count("/nominatim/search") == 1
        assert "Schritt 1/5" in first.stderr and "Schritt 5/5" in first.stderr
        assert s["source"] == "fallback" and "Bad Hersfeld" in s["names"]
        assert "Keine vollständigen OSM-Bezirksgrenzen" in first.stderr
        assert str(tmp_path / "cache" / "downloads") in s["osm"]
        # districts are clipped to the downloaded place polygon
        union = shapely.union_all(
            [shapely.geometry.shape(f["geometry"]) for f in json.loads(out.read_text())["features"]]
        )
        assert polygon.buffer(0.003).contains(union) and union.area > 0.5 * polygon.area
        count = srv.count()
        second = summary(invoke("districts", "--city", str(profile), "--out", str(out), "--json"))
        assert srv.count() == count and second["osm"] == s["osm"]
        net = summary(invoke("network", "--city", str(profile), "--mode", "walk"))
        assert srv.count() == count and net["osm"] == s["osm"] and net["nodes"] > 1000
    assert np.isfinite(net["bbox"]).all()


def test_kassel_profile_with_user_file_needs_no_download(tmp_path, monkeypatch):
    """Kassel's profile has no local extract; a district file alone needs no download,
    and its historic spellings become the profile's OSM names."""
    from tests.netguard import deny_network

    src = tmp_path / "stadtteile.geojson"
    gpd.GeoDataFrame(
        {"Stadtteil": ["Nord (Holland)", "Wolfsanger/Hasenhecke"]},
        geometry=[shapely.box(9.49, 51.32, 9.51, 51.33), shapely.box(9.51, 51.33, 9.53, 51.34)],
        crs="EPSG:4326",
    ).to_file(src)
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    with deny_network() as attempts:
        res = invoke("districts", "--city", "kassel", "--districts", str(src), "--out",
                     str(tmp_path / "k.geojson"), "--json")
    s = summary(res)
    assert attempts == [] and s["osm"] is None and "Schritt" not in res.stderr
    assert s["source"] == "file" and s["names"] == ["Nord-Holland", "Wolfsanger-Hasenhecke"]


def test_district_file_of_another_town_is_warned(lauf_pbf, tmp_path):
    """A district file lying entirely outside the extract (copied from another city's
    profile): written as asked, with a German warning on stderr."""
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"name": ["Fern"]}, geometry=[shapely.box(9.40, 51.30, 9.41, 51.31)],
                     crs="EPSG:4326").to_file(far)
    res = invoke("districts", "--osm", str(lauf_pbf), "--districts", str(far),
                 "--out", str(tmp_path / "o.geojson"), "--json")
    assert summary(res)["districts"] == 1
    assert ("Hinweis: Der Bezirk aus far.geojson liegt nicht im Gebiet des OSM-Auszugs "
            f"{lauf_pbf.name}. Gehört die Bezirksdatei zu einer anderen Stadt?") in res.stderr


def test_a_plan_with_a_district_file_of_another_town_says_so(bad_hersfeld_pbf, tmp_path):
    """The warning reaches the plan (CLI output, index.html), not only `districts`: the
    coordinator who plans with a copied profile sees why every client is "außerhalb"."""
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week
    from tests.planning_fixtures import START, real_addresses

    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"name": ["Fern"]}, geometry=[shapely.box(9.40, 51.30, 9.41, 51.31)],
                     crs="EPSG:4326").to_file(far)
    (street, number, _, _), = real_addresses(load_index(bad_hersfeld_pbf))[:1]
    clients = tmp_path / "kunden.csv"
    clients.write_text(f"Kundennummer;Adresse\nK-1;{street} {number}, 36251 Bad Hersfeld\n",
                       encoding="utf-8")
    result = plan_week(clients, profile=load_profile("bad-hersfeld"), osm=bad_hersfeld_pbf,
                       districts_file=far,
                       options=PlanOptions(start=START, days=1, time_limit=1, threads=1))
    assert any("Der Bezirk aus far.geojson liegt nicht im Gebiet des OSM-Auszugs" in w
               for w in result.warnings), result.warnings


@pytest.mark.slow
def test_a_plan_on_substitute_districts_says_so_once(bad_hersfeld_pbf, tmp_path):
    """Bad Hersfeld's extract has no district boundaries: the plan's notes (CLI output,
    index.html, stored warnings) carry „Keine Bezirksgrenzen verfügbar: … Ersatzbezirke …“,
    as the README says (QA 32b F1), once, and a re-plan carries it on without saying it
    twice."""
    from datetime import date

    from hausbesuch.store import Store
    from tests.cli_helpers import ClockedCli

    start = date(2026, 12, 7)
    cli = ClockedCli(start)
    db, common, out = one_case_planned(cli, tmp_path, start)
    note = "Keine Bezirksgrenzen verfügbar: "
    assert out.count(f"Hinweis: {note}") == 1, out
    assert "Ersatzbezirke um die Ortsteil-Knoten" in " ".join(out.split()), out
    index = (tmp_path / "plan" / "index.html").read_text(encoding="utf-8")
    assert index.count(note) == 1
    with Store.open(db) as store:
        first = store.latest_plan("Bad Hersfeld")
    assert [w for w in first.warnings if w.startswith(note)], first.warnings
    again = cli.ok("replan", first.id, "--from", f"{start:%Y-%m-%d} 07:00", "--out",
                   str(tmp_path / "neu"), "--time-limit", "1", "--db", db)
    assert again.count(f"Hinweis: {note}") == 1, again
    with Store.open(db) as store:
        second = store.latest_plan("Bad Hersfeld")
    assert second.predecessor_id == first.id
    assert len([w for w in second.warnings if w.startswith(note)]) == 1, second.warnings
    index = (tmp_path / "neu" / "index.html").read_text(encoding="utf-8")
    assert index.count(note) == 1
    assert second.params["district_notes"] == [w for w in second.warnings
                                               if w.startswith(note)]
    # a version stored before plans had the note (nor listed their districts' notes
    # apart): its re-plan adds it, once
    import json

    from sqlalchemy import select, update

    from hausbesuch.store import PlanRow

    with Store.open(db) as store, store.session() as s:
        params = json.loads(s.scalar(select(PlanRow.params).where(PlanRow.id == second.id)))
        params["warnings"] = [w for w in params["warnings"] if not w.startswith(note)]
        del params["district_notes"]
        s.execute(update(PlanRow).where(PlanRow.id == second.id)
                  .values(params=json.dumps(params)))
    third = cli.ok("replan", second.id, "--from", f"{start:%Y-%m-%d} 07:30", "--out",
                   str(tmp_path / "neu2"), "--time-limit", "1", "--db", db)
    assert third.count(f"Hinweis: {note}") == 1, third
    # a note on districts the plan no longer uses (a district file of an earlier version,
    # review 32 #4): the re-plan drops it and says what holds now; listed among the
    # version's districts' notes (as made since session 39) and, in a version stored
    # before (no such list), told by its words
    stale = ("Der Bezirk aus alt.geojson liegt nicht im Gebiet des OSM-Auszugs x.osm.pbf. "
             "Gehört die Bezirksdatei zu einer anderen Stadt? So erhält jede Adresse den "
             "Bezirk „außerhalb“.")
    for listed, at in ((True, "08:00"), (False, "08:30")):
        with Store.open(db) as store:
            before = store.latest_plan("Bad Hersfeld").id
        with Store.open(db) as store, store.session() as s:
            params = json.loads(s.scalar(select(PlanRow.params).where(PlanRow.id == before)))
            params["warnings"].append(stale)
            if listed:
                params["district_notes"].append(stale)
            else:
                del params["district_notes"]
            s.execute(update(PlanRow).where(PlanRow.id == before)
                      .values(params=json.dumps(params)))
        fourth = cli.ok("replan", before, "--from", f"{start:%Y-%m-%d} {at}", "--out",
                        str(tmp_path / f"neu-{at[:2]}"), "--time-limit", "1", "--db", db)
        assert "alt.geojson" not in fourth and fourth.count(f"Hinweis: {note}") == 1, fourth
        with Store.open(db) as store:
            assert stale not in store.latest_plan("Bad Hersfeld").warnings


def one_case_planned(cli, tmp_path, start):  # noqa: ANN001, ANN201
    """One case (K-1 at a good Bad Hersfeld address) imported into a new SQLite store and
    planned from ``start`` for two days into ``tmp_path / "plan"`` on the substitute
    districts (Bad Hersfeld's extract has no boundaries): (db URL, the commands' city and
    db options, the plan command's output). ``cli``: a :class:`tests.cli_helpers.ClockedCli`."""
    from tests.test_cli_wording import GOOD, write_list

    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    common = ["--city", "bad-hersfeld", "--db", db]
    cli.ok("import", str(write_list(tmp_path / "kunden.csv", [("K-1", GOOD)])), *common)
    out = cli.ok("plan", *common, "--start", start.isoformat(), "--days", "2", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    return db, common, out
