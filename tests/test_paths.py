"""Street-following leg geometry on the real Bad Hersfeld networks."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.matrix import travel_matrix
from geodata.network import haversine_m, load_network
from geodata.paths import leg, leg_geometry, route_geometry, route_legs
from geodata.snap import edge_piece, edge_twins


@pytest.fixture(scope="module")
def walk(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "walk")


@pytest.fixture(scope="module")
def drive(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "drive")


def points(net, n, seed):
    rng = np.random.default_rng(seed)
    idx = rng.choice(net.n_nodes, n, replace=False)
    off = rng.uniform(-4e-4, 4e-4, (2, n))
    return list(zip(net.node_lon[idx] + off[0], net.node_lat[idx] + off[1], strict=True))


def polyline_length(coords):
    a = np.asarray(coords)
    return float(haversine_m(a[:-1, 0], a[:-1, 1], a[1:, 0], a[1:, 1]).sum())


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_legs_match_the_matrix(mode, walk, drive):
    """Each leg's duration/distance equals the matrix entry (same path, same costs)."""
    net = walk if mode == "walk" else drive
    pts = points(net, 12, seed=21)
    tm = travel_matrix(net, [p[0] for p in pts], [p[1] for p in pts])
    for i in range(len(pts)):
        for j in range(len(pts)):
            if i == j:
                continue
            lg = leg(net, pts[i], pts[j])
            assert lg.duration_s == tm.durations[i, j], (i, j)
            assert lg.distance_m == tm.distances[i, j], (i, j)


def test_geometry_follows_the_streets(drive):
    """The line starts/ends at the points, runs over the used edges, and its length is
    the leg's distance (access legs and partial edges included)."""
    pts = points(drive, 8, seed=5)
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        lg = leg(drive, a, b)
        coords = list(lg.coords)
        assert coords[0] == pytest.approx(a) and coords[-1] == pytest.approx(b)
        assert polyline_length(coords) == pytest.approx(lg.distance_m, rel=0.01, abs=3)
        # every street edge's vertices are on the line, in order
        flat = {tuple(c) for c in coords}
        for e in lg.edges:
            for v in drive.edge_geometry(e):
                assert (float(v[0]), float(v[1])) in flat
        if lg.edges:
            used = np.array(lg.edges)
            assert (drive.edge_u[used[1:]] == drive.edge_v[used[:-1]]).all()


def test_one_way_leg_goes_around(drive):
    """Against a one-way street the line is a detour, along it the street piece."""
    twin = edge_twins(drive)
    e = int(
        np.flatnonzero(
            (twin < 0) & (drive.edge_u != drive.edge_v) & (drive.edge_length > 80)
            & np.isin(drive.edge_highway, ["residential", "tertiary", "secondary", "unclassified"])
        )[0]
    )
    a = edge_piece(drive, e, 0.25, 0.25)[0]
    b = edge_piece(drive, e, 0.75, 0.75)[0]
    ahead = leg(drive, a, b)
    back = leg(drive, b, a)
    assert polyline_length(ahead.coords) == pytest.approx(0.5 * drive.edge_length[e], rel=0.02)
    assert ahead.edges == ()
    assert len(back.edges) >= 2
    assert polyline_length(back.coords) > polyline_length(ahead.coords) + 50


def test_route_and_cache(walk):
    pts = points(walk, 5, seed=8)
    lines = route_geometry(walk, pts)
    assert len(lines) == 4
    for k, line in enumerate(lines):
        assert line[0] == pytest.approx(pts[k]) and line[-1] == pytest.approx(pts[k + 1])
    again = route_legs(walk, pts)
    assert again[2] is route_legs(walk, pts)[2]  # served from the per-network cache
    assert leg_geometry(walk, pts[0], pts[1]) == lines[0]
    inner = leg_geometry(walk, pts[0], pts[1], include_access=False)
    assert inner[0] != pytest.approx(pts[0]) or len(inner) < len(lines[0])


def test_unreachable_leg_is_empty(walk):
    lg = leg(walk, (float("nan"), 50.87), (9.71, 50.87))
    assert lg.coords == () and lg.duration_s == -1
