"""``hausbesuch matrix`` on the real Bad Hersfeld extract."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from geodata.matrix import travel_matrix
from geodata.network import load_network
from hausbesuch.cli import app

runner = CliRunner()

POINTS = [
    ("a", 50.8680, 9.7070),
    ("b", 50.8720, 9.7110),
    ("c", 50.8600, 9.7200),
    ("d", 50.8655, 9.7301),
]


def write_points(path, rows, header="id,lat,lon", sep=","):
    path.write_text(
        "\n".join([header] + [sep.join(str(x) for x in r) for r in rows]) + "\n", encoding="utf-8"
    )
    return path


def read_matrix(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_writes_durations_equal_to_the_api(tmp_path, bad_hersfeld_pbf, mode):
    pts = write_points(tmp_path / "p.csv", POINTS)
    out = tmp_path / "m.csv"
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", mode, "--out", out)
    assert res.exit_code == 0, res.output
    header, rows = read_matrix(out)
    assert header == ["id", "a", "b", "c", "d"]
    assert [r[0] for r in rows] == ["a", "b", "c", "d"]
    got = np.array([[int(x) for x in r[1:]] for r in rows])
    net = load_network(bad_hersfeld_pbf, mode)
    tm = travel_matrix(net, [p[2] for p in POINTS], [p[1] for p in POINTS])
    np.testing.assert_array_equal(got, tm.durations)


def test_distances_and_stats(tmp_path, bad_hersfeld_pbf):
    # about 2.9 km from the nearest way: reported, still reachable (beyond 5 km it is not)
    pts = write_points(tmp_path / "p.csv", POINTS + [("weit", 50.92, 9.80)])
    out = tmp_path / "m.csv"
    res = run(
        "matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", out,
        "--distances", "--stats",
    )
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert stats["points"] == 5
    assert stats["graph_nodes"] == load_network(bad_hersfeld_pbf, "walk").n_nodes
    assert 0 <= stats["matrix_seconds"] < 30
    assert [w["id"] for w in stats["snap_warnings"]] == ["weit"]
    assert stats["snap_warnings"][0]["distance_m"] > 300
    assert "Punkt weit liegt" in res.stderr
    _, rows = read_matrix(out)
    net = load_network(bad_hersfeld_pbf, "walk")
    lats = [p[1] for p in POINTS] + [50.92]
    lons = [p[2] for p in POINTS] + [9.80]
    tm = travel_matrix(net, lons, lats)
    got = np.array([[int(x) for x in r[1:]] for r in rows])
    np.testing.assert_array_equal(got, tm.distances)


def test_semicolon_and_decimal_comma(tmp_path, bad_hersfeld_pbf):
    rows = [(i, str(lat).replace(".", ","), str(lon).replace(".", ",")) for i, lat, lon in POINTS]
    pts = write_points(tmp_path / "p.csv", rows, header="ID;Lat;Lon", sep=";")
    out = tmp_path / "m.csv"
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", out)
    assert res.exit_code == 0, res.output
    header, body = read_matrix(out)
    assert header == ["id", "a", "b", "c", "d"] and len(body) == 4


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id,lat\na,50.86\n", "lon"),
        ("id,lat,lon\na,50.86,9.70\nb,abc,9.71\n", "Zeile 3"),
        ("id,lat,lon\na,50.86,9.70\nb,,9.71\n", "Feld lat"),
        ("id,lat,lon\na,50.86,9.70\na,50.87,9.71\n", "Zeile 2"),
        ("id,lat,lon\na,150,9.70\n", "Feld lat"),
        ("id,lat,lon\n", "keine Datenzeilen"),
    ],
)
def test_bad_input_is_a_german_error(tmp_path, bad_hersfeld_pbf, content, expected):
    pts = tmp_path / "p.csv"
    pts.write_text(content, encoding="utf-8")
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--out", tmp_path / "m.csv")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("Fehler:")
    assert expected in res.stderr
    assert "Traceback" not in res.output
    assert not (tmp_path / "m.csv").exists()


def test_non_numeric_names_row_and_field(tmp_path, bad_hersfeld_pbf):
    pts = write_points(tmp_path / "p.csv", [("a", 50.86, 9.70), ("b", "x1", 9.71)])
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--out", tmp_path / "m.csv")
    assert res.exit_code == 2
    assert "Zeile 3" in res.stderr and "Feld lat" in res.stderr and "'x1'" in res.stderr


def test_unknown_mode(tmp_path, bad_hersfeld_pbf):
    pts = write_points(tmp_path / "p.csv", POINTS)
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "fly", "--out", tmp_path / "m.csv")
    assert res.exit_code == 2
    assert "Fortbewegungsart" in res.stderr and "fly" in res.stderr


def test_missing_points_file(tmp_path, bad_hersfeld_pbf):
    res = run("matrix", tmp_path / "nope.csv", "--osm", bad_hersfeld_pbf, "--out", tmp_path / "m.csv")
    assert res.exit_code == 2
    assert "nicht gefunden" in res.stderr


def test_help_documents_units_and_choice():
    res = run("matrix", "--help")
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "Sekunden" in text and "Metern" in text and "leer" in text


def test_city_profile_gives_the_same_matrix(tmp_path, bad_hersfeld_pbf):
    """``--city bad-hersfeld`` uses the profile's extract and default mode (walk)."""
    pts = write_points(tmp_path / "p.csv", POINTS)
    by_city = tmp_path / "city.csv"
    by_osm = tmp_path / "osm.csv"
    res = run("matrix", pts, "--city", "bad-hersfeld", "--out", by_city)
    if res.exit_code != 0 and "nicht gefunden" in res.stderr:
        pytest.skip(f"profile extract not available here: {res.stderr}")
    assert res.exit_code == 0, res.output
    assert run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", by_osm).exit_code == 0
    assert by_city.read_text(encoding="utf-8") == by_osm.read_text(encoding="utf-8")


def test_hostile_ids_are_written_as_text_not_formulas(tmp_path, bad_hersfeld_pbf):
    """Ids from the user never start a formula in the matrix CSV (hausbesuch.safe_cells)."""
    from tests.cells import formula_cells

    hostile = ["=1+1", "@SUM(A1)", "-5", "+49"]
    pts = write_points(tmp_path / "p.csv",
                       [(h, lat, lon) for h, (_, lat, lon) in zip(hostile, POINTS, strict=True)],
                       header="id;lat;lon", sep=";")
    out = tmp_path / "m.csv"
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", out)
    assert res.exit_code == 0, res.output
    header, rows = read_matrix(out)
    assert header == ["id", *("'" + h for h in hostile)]
    assert [r[0] for r in rows] == ["'" + h for h in hostile]
    assert formula_cells(out) == []
    assert all(int(x) >= 0 for r in rows for x in r[1:])  # the values stay plain numbers


def test_point_far_outside_the_extract_is_unreachable(tmp_path, bad_hersfeld_pbf):
    """QA 20c S1: a point 10 km outside the extract gets empty cells and a German
    warning that it cannot be reached, not a walk of hours."""
    net = load_network(bad_hersfeld_pbf, "walk")
    top = int(np.argmax(net.node_lat))
    far = ("weit", float(net.node_lat[top]) + 10_000 / 111_195.0, float(net.node_lon[top]))
    pts = write_points(tmp_path / "p.csv", POINTS + [far])
    out = tmp_path / "m.csv"
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", out,
              "--stats")
    assert res.exit_code == 0, res.output
    _, rows = read_matrix(out)
    assert [c == "" for c in rows[4][1:]] == [True] * 4 + [False]
    assert all(r[5] == "" for r in rows[:4]) and all(x != "" for r in rows[:4] for x in r[1:5])
    assert "nicht erreichbar" in res.stderr and "Punkt weit liegt" in res.stderr
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert stats["snap_warnings"][0]["unreachable"] is True
    assert stats["unreachable_pairs"] == 8


def test_out_through_a_symlink_is_refused_before_any_work(tmp_path, bad_hersfeld_pbf):
    """``--out`` was written with a plain open(): through a symbolic link it overwrote the
    file the link points to, into a FIFO it wrote (or waited for a reader). Like every other
    writer it refuses anything at the path that is not a regular file, before any work."""
    pts = write_points(tmp_path / "p.csv", POINTS)
    other = tmp_path / "andere.csv"
    other.write_text("nicht überschreiben\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(other)
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", link)
    assert res.exit_code == 2, res.output
    assert f"--out {link}: das ist ein symbolischer Verweis" in res.stderr, res.stderr
    assert other.read_text(encoding="utf-8") == "nicht überschreiben\n"
    assert link.is_symlink()


def test_out_into_a_fifo_is_refused_before_any_work(tmp_path, bad_hersfeld_pbf):
    import os
    import stat

    pts = write_points(tmp_path / "p.csv", POINTS)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    # a reader on the other end, so that a write through the FIFO would not block
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", fifo)
        try:
            written = os.read(reader, 65536)
        except BlockingIOError:
            written = b""
    finally:
        os.close(reader)
    assert res.exit_code == 2, res.output
    assert "eine benannte Pipe (FIFO)" in res.stderr, res.stderr
    assert written == b""
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "pipe.csv"]


def test_out_replaces_a_regular_file_and_is_private(tmp_path, bad_hersfeld_pbf):
    import os

    pts = write_points(tmp_path / "p.csv", POINTS)
    out = tmp_path / "neu" / "m.csv"
    out.parent.mkdir()
    out.write_text("alt\n", encoding="utf-8")
    os.chmod(out, 0o644)
    res = run("matrix", pts, "--osm", bad_hersfeld_pbf, "--mode", "walk", "--out", out)
    assert res.exit_code == 0, res.output
    header, rows = read_matrix(out)
    assert header == ["id", "a", "b", "c", "d"] and len(rows) == 4
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == ["m.csv"]
