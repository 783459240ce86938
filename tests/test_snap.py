"""Snapping points onto the real Bad Hersfeld networks."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.network import haversine_m, load_network
from geodata.snap import (
    _index,
    access_speed_mps,
    edge_piece,
    edge_twins,
    snap_points,
)


@pytest.fixture(scope="module")
def walk(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "walk")


@pytest.fixture(scope="module")
def drive(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "drive")


def longest_edge(net):
    return int(np.argmax(np.where(net.edge_u != net.edge_v, net.edge_length, 0)))


def test_twins_are_the_reverse_street(walk, drive):
    for net in (walk, drive):
        twin = edge_twins(net)
        has = np.flatnonzero(twin >= 0)
        assert (twin[twin[has]] == has).all()
        assert (net.edge_u[has] == net.edge_v[twin[has]]).all()
        assert (net.edge_way[has] == net.edge_way[twin[has]]).all()
    # walking ignores one-way tags: every street piece has both directions
    loops = walk.edge_u == walk.edge_v
    assert (edge_twins(walk)[~loops] >= 0).mean() > 0.99
    # driving has real one-way streets
    assert (edge_twins(drive) < 0).sum() > 20


def test_point_on_an_edge_snaps_onto_it_not_to_a_node(walk):
    """The middle of a long edge joins there, not at the (far) nearest node."""
    e = longest_edge(walk)
    mid = edge_piece(walk, e, 0.5, 0.5)[0]
    res = snap_points(walk, [mid[0]], [mid[1]], ["mitte"])
    twin = edge_twins(walk)[e]
    assert int(res.edge[0]) in {e, int(twin)}
    f = res.frac[0] if res.edge[0] == e else 1 - res.frac[0]
    assert abs(f - 0.5) < 0.01
    assert res.distance_m[0] < 0.5
    node_d = haversine_m(walk.node_lon, walk.node_lat, mid[0], mid[1]).min()
    assert node_d > 50  # the nearest node is far away; the edge is right here
    assert res.warnings == []


def test_offset_point_projects_perpendicular(walk):
    """A point 25 m beside a street: the access leg is about 25 m."""
    e = longest_edge(walk)
    piece = edge_piece(walk, e, 0.5, 0.52)
    (lon0, lat0), (lon1, lat1) = piece[0], piece[-1]
    # unit normal in metres
    kx = 111_195.0 * np.cos(np.radians(lat0))
    dx, dy = (lon1 - lon0) * kx, (lat1 - lat0) * 111_195.0
    nrm = np.hypot(dx, dy)
    px = lon0 + (-dy / nrm) * 25 / kx
    py = lat0 + (dx / nrm) * 25 / 111_195.0
    res = snap_points(walk, [px], [py])
    assert 15 < res.distance_m[0] <= 25.5


_lines_memo: dict[int, np.ndarray] = {}


def _candidate_lines(net):
    """Shapely lines (same local projection) of every edge the index may snap to."""
    if id(net) not in _lines_memo:
        idx = _index(net)
        lines = []
        for e in idx.candidates:
            g = net.edge_geometry(int(e))
            x, y = idx.proj.forward(g[:, 0], g[:, 1])
            lines.append(shapely.linestrings(np.column_stack([x, y])))
        _lines_memo[id(net)] = np.array(lines, dtype=object)
    return _lines_memo[id(net)]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(9.65, 9.80), st.floats(50.84, 50.89)), min_size=1, max_size=20))
def test_snap_is_the_nearest_edge_by_brute_force(walk, pts):
    """Hypothesis: the snapped edge is as near as the nearest of all edge geometries."""
    lons = np.array([p[0] for p in pts])
    lats = np.array([p[1] for p in pts])
    res = snap_points(walk, lons, lats)
    idx = _index(walk)
    lines = _candidate_lines(walk)
    x, y = idx.proj.forward(lons, lats)
    for i in range(len(pts)):
        d_all = shapely.distance(lines, shapely.points(x[i], y[i]))
        k = int(np.flatnonzero(idx.candidates == res.edge[i])[0])
        assert d_all[k] <= d_all.min() + 1e-6
        # the reported access leg is the true distance to the snapped position
        assert abs(res.distance_m[i] - d_all.min()) < max(0.5, 0.005 * d_all.min())


def test_far_and_invalid_points_are_reported(walk):
    lon_min, lat_min, lon_max, lat_max = walk.bbox
    res = snap_points(
        walk,
        [np.mean([lon_min, lon_max]), lon_max + 0.05, np.nan, 200.0],
        [np.mean([lat_min, lat_max]), lat_max + 0.05, 50.87, 50.87],
        ["ok", "weit", "leer", "kaputt"],
    )
    by_id = {w.id: w for w in res.warnings}
    assert "ok" not in by_id
    assert by_id["weit"].reason == "far" and by_id["weit"].distance_m > 300
    assert "m vom nächsten Weg entfernt" in by_id["weit"].message()
    assert by_id["leer"].reason == "invalid" and by_id["kaputt"].reason == "invalid"
    assert list(res.snapped) == [True, True, False, False]
    assert by_id["weit"].to_dict()["id"] == "weit"


def test_threshold_is_configurable(walk):
    e = longest_edge(walk)
    mid = edge_piece(walk, e, 0.5, 0.5)[0]
    # about 150 m north of the street's middle
    res = snap_points(walk, [mid[0]], [mid[1] + 150 / 111_195.0], max_distance_m=5.0)
    assert len(res.warnings) == (1 if res.distance_m[0] > 5 else 0)


def test_drive_does_not_snap_to_motorways(drive):
    hw = drive.edge_highway
    moto = np.flatnonzero(np.isin(hw, ["motorway", "motorway_link"]))
    assert moto.size > 0, "Bad Hersfeld has motorway ramps (A 4 / A 7)"
    for e in moto[:5]:
        p = edge_piece(drive, int(e), 0.5, 0.5)[0]
        res = snap_points(drive, [p[0]], [p[1]])
        assert hw[res.edge[0]] not in {"motorway", "motorway_link"}
        assert res.distance_m[0] > 0


def test_access_speeds(walk, drive, bad_hersfeld_pbf):
    bike = load_network(bad_hersfeld_pbf, "bike")
    assert access_speed_mps(walk) == pytest.approx(4.5 / 3.6)
    assert access_speed_mps(drive) == pytest.approx(4.5 / 3.6)  # walk the last metres
    assert access_speed_mps(bike) == pytest.approx(15.0 / 3.6)


def test_edge_piece_follows_geometry(walk):
    e = longest_edge(walk)
    whole = edge_piece(walk, e, 0.0, 1.0)
    geom = walk.edge_geometry(e)
    assert np.allclose(whole[0], geom[0]) and np.allclose(whole[-1], geom[-1])
    lon = np.array([p[0] for p in whole])
    lat = np.array([p[1] for p in whole])
    length = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]).sum()
    assert length == pytest.approx(walk.edge_length[e], rel=1e-3)
    half = edge_piece(walk, e, 0.0, 0.5)
    hl = np.array(half)
    hlen = haversine_m(hl[:-1, 0], hl[:-1, 1], hl[1:, 0], hl[1:, 1]).sum()
    assert hlen == pytest.approx(walk.edge_length[e] / 2, rel=1e-2)


def test_points_kilometres_off_are_unreachable_whatever_the_threshold(walk):
    """QA 20c S1: beyond MAX_ACCESS_M (5 km) a point is reported as unreachable, even
    with a threshold above it; 1 km off it is only reported as far."""
    from geodata.snap import MAX_ACCESS_M

    top = int(np.argmax(walk.node_lat))
    lon = float(walk.node_lon[top])
    lats = [float(walk.node_lat[top]) + km * 1000 / 111_195.0 for km in (1.0, 10.0)]
    res = snap_points(walk, [lon, lon], lats, ["1km", "10km"], max_distance_m=50_000)
    assert [w.id for w in res.warnings] == ["10km"]
    assert res.warnings[0].unreachable and res.distance_m[1] > MAX_ACCESS_M
    res = snap_points(walk, [lon, lon], lats, ["1km", "10km"])
    assert [(w.id, w.unreachable) for w in res.warnings] == [("1km", False), ("10km", True)]
