"""Travel matrices on the real Bad Hersfeld extract, checked against a reference Dijkstra.

The reference inserts every snapped point into the graph as a node (splitting its edge,
chained in order when several points share an edge), connects it to the point by its
access leg in both directions, and runs networkx's Dijkstra on integer weights. The leg
costs are restated here from the documented rules (edge time in ms, fraction of the edge,
access leg at the mode's access speed), not taken from the implementation.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geodata import _ch
from geodata.matrix import UNREACHABLE, travel_matrix
from geodata.network import load_network, nearest_nodes
from geodata.snap import access_speed_mps, edge_piece

SHIFT = 26


def _key(t_ms: int, length_dm: int) -> int:
    return (int(t_ms) << SHIFT) | int(length_dm)


def _edge_costs(net, e: int) -> tuple[int, int]:
    return int(round(net.edge_time[e] * 1000)), int(round(net.edge_length[e] * 10))


_base: dict[int, tuple[object, nx.DiGraph]] = {}


def _base_graph(net) -> nx.DiGraph:
    hit = _base.get(id(net))
    if hit is None or hit[0] is not net:
        g = nx.DiGraph()
        for e in range(net.n_edges):
            u, v = int(net.edge_u[e]), int(net.edge_v[e])
            if u == v:
                continue
            w = _key(*_edge_costs(net, e))
            if not g.has_edge(u, v) or g[u][v]["w"] > w:
                g.add_edge(u, v, w=w)
        hit = _base[id(net)] = (net, g)
    return hit[1].copy()


def _add_min(g: nx.DiGraph, a, b, w: int) -> None:
    if not g.has_edge(a, b) or g[a][b]["w"] > w:
        g.add_edge(a, b, w=w)


def reference_keys(net, snap, tsnap=None) -> np.ndarray:
    """Packed (time ms, length dm) of the fastest paths, by networkx over an augmented graph.

    Documented rule restated: points with identical coordinates are 0 apart.
    """
    tsnap = snap if tsnap is None else tsnap
    g = _base_graph(net)
    speed = access_speed_mps(net)
    # points on each directed edge: (fraction along that edge, point node)
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for tag, s in (("s", snap), ("t", tsnap)):
        for i in range(len(s)):
            if s.edge[i] < 0:
                continue
            p, sp = (tag, i), (tag, i, "street")
            d = float(s.distance_m[i])
            acc = _key(round(d / speed * 1000), round(d * 10))
            f = float(s.frac[i])
            if f in (0.0, 1.0):
                # exactly at a junction: the point hangs off that node
                node = int(net.edge_u[s.edge[i]] if f == 0.0 else net.edge_v[s.edge[i]])
                _add_min(g, p, node, acc)
                _add_min(g, node, p, acc)
                continue
            g.add_edge(p, sp, w=acc)
            g.add_edge(sp, p, w=acc)
            on_edge.setdefault(int(s.edge[i]), []).append((float(s.frac[i]), sp))
            if s.twin[i] >= 0:
                on_edge.setdefault(int(s.twin[i]), []).append((1.0 - float(s.frac[i]), sp))
    for e, pts in on_edge.items():
        t_ms, l_dm = _edge_costs(net, e)
        pts.sort(key=lambda x: x[0])
        prev, prev_t, prev_l = int(net.edge_u[e]), 0, 0
        for f, sp in pts:
            a_t, a_l = round(f * t_ms), round(f * l_dm)
            _add_min(g, prev, sp, _key(a_t - prev_t, a_l - prev_l))
            prev, prev_t, prev_l = sp, a_t, a_l
        _add_min(g, prev, int(net.edge_v[e]), _key(t_ms - prev_t, l_dm - prev_l))
    out = np.full((len(snap), len(tsnap)), -1, dtype=np.int64)
    for i in range(len(snap)):
        if snap.edge[i] < 0:
            continue
        dist = nx.single_source_dijkstra_path_length(g, ("s", i), weight="w")
        for j in range(len(tsnap)):
            out[i, j] = dist.get(("t", j), -1)
            same = snap.lon[i] == tsnap.lon[j] and snap.lat[i] == tsnap.lat[j]
            if same and tsnap.edge[j] >= 0:
                out[i, j] = 0
    return out


def to_seconds(keys: np.ndarray) -> np.ndarray:
    return np.where(keys < 0, -1, ((keys >> SHIFT) + 999) // 1000)


def to_metres(keys: np.ndarray) -> np.ndarray:
    return np.where(keys < 0, -1, ((keys & ((1 << SHIFT) - 1)) + 5) // 10)


@pytest.fixture(scope="module")
def walk(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "walk")


@pytest.fixture(scope="module")
def drive(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "drive")


@pytest.fixture(scope="module")
def bike(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "bike")


def near_nodes(net, n, seed, spread_m=60.0):
    rng = np.random.default_rng(seed)
    idx = rng.choice(net.n_nodes, n, replace=False)
    dlat = rng.uniform(-spread_m, spread_m, n) / 111_195.0
    dlon = rng.uniform(-spread_m, spread_m, n) / (111_195.0 * np.cos(np.radians(50.87)))
    return net.node_lon[idx] + dlon, net.node_lat[idx] + dlat


def check_against_reference(net, lons, lats, rows=None):
    tm = travel_matrix(net, lons, lats)
    ref = reference_keys(net, tm.snap)
    rows = range(len(lons)) if rows is None else rows
    for i in rows:
        ref_s = to_seconds(ref[i])
        ref_s[i] = 0
        ref_m = to_metres(ref[i])
        ref_m[i] = 0
        np.testing.assert_array_equal(tm.durations[i], ref_s, err_msg=f"durations row {i}")
        np.testing.assert_array_equal(tm.distances[i], ref_m, err_msg=f"distances row {i}")
    return tm


@pytest.mark.parametrize("mode", ["walk", "drive", "bike"])
def test_equals_reference_dijkstra(mode, walk, drive, bike):
    """Every entry equals a Dijkstra over the graph with the points inserted as nodes."""
    net = {"walk": walk, "drive": drive, "bike": bike}[mode]
    lons, lats = near_nodes(net, 40, seed=7)
    tm = check_against_reference(net, lons, lats, rows=range(0, 40, 4))
    assert tm.durations.dtype == np.int32 and tm.distances.dtype == np.int32
    assert tm.ids == list(range(40))
    assert (tm.durations[~np.eye(40, dtype=bool)] > 0).all()


def test_points_sharing_an_edge_use_it_directly(walk):
    """Points on the same street piece: the direct way along the edge is found."""
    e = int(np.argmax(np.where(walk.edge_u != walk.edge_v, walk.edge_length, 0)))
    pts = edge_piece(walk, e, 0.2, 0.8)
    lon = np.array([pts[0][0], pts[-1][0], *near_nodes(walk, 6, seed=3)[0]])
    lat = np.array([pts[0][1], pts[-1][1], *near_nodes(walk, 6, seed=3)[1]])
    tm = check_against_reference(walk, lon, lat)
    # on the line itself: 60 % of the edge's walking time (rounded up), both directions
    expected = np.ceil(0.6 * walk.edge_time[e])
    assert abs(tm.durations[0, 1] - expected) <= 1
    assert abs(tm.durations[1, 0] - expected) <= 1


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking in CI
)
@given(
    st.lists(
        st.tuples(st.floats(9.69, 9.75), st.floats(50.855, 50.885)), min_size=3, max_size=12
    )
)
def test_random_points_match_reference_and_triangle(drive, pts):
    """Random points (hypothesis): reference values and the triangle inequality."""
    lons = np.array([p[0] for p in pts])
    lats = np.array([p[1] for p in pts])
    tm = check_against_reference(drive, lons, lats, rows=[0, len(pts) - 1])
    d = tm.durations.astype(np.int64)
    n = len(pts)
    # d[i, k] <= d[i, j] + d[j, k] for all i, j, k
    assert (d[:, None, :] <= d[:, :, None] + d[None, :, :]).all()
    assert n == d.shape[0]


def test_triangle_inequality_large(walk):
    d = travel_matrix(walk, *near_nodes(walk, 150, seed=11), distances=False).durations
    d = d.astype(np.int64)
    assert (d[:, None, :] <= d[:, :, None] + d[None, :, :]).all()


def test_nodes_as_points_equal_scipy(drive):
    """Points exactly on nodes: times equal SciPy's Dijkstra on the plain graph.

    Tolerance: rounding up to whole seconds (< 1 s) plus per-edge millisecond rounding.
    """
    rng = np.random.default_rng(5)
    snappable = ~np.isin(drive.edge_highway, ["motorway", "motorway_link"])
    idx = rng.choice(np.unique(drive.edge_u[snappable]), 50, replace=False)
    tm = travel_matrix(drive, drive.node_lon[idx], drive.node_lat[idx])
    assert np.nanmax(tm.snap.distance_m) < 0.01
    ref = dijkstra(drive.csr("time"), indices=idx)[:, idx]
    diff = tm.durations - ref
    assert diff.min() > -0.1 and diff.max() < 1.1


def test_drive_asymmetric_on_one_way(drive):
    """A real one-way street: along it is short, against it means a detour."""
    one_way = np.flatnonzero(
        (_ch_twins(drive) < 0) & (drive.edge_u != drive.edge_v) & (drive.edge_length > 80)
        & np.isin(drive.edge_highway, ["residential", "tertiary", "secondary", "unclassified"])
    )
    assert one_way.size > 0, "the extract has one-way streets"
    e = int(one_way[0])
    pts = edge_piece(drive, e, 0.25, 0.75)
    tm = travel_matrix(drive, [pts[0][0], pts[-1][0]], [pts[0][1], pts[-1][1]], ["a", "b"])
    assert (tm.snap.edge == e).all()
    ahead = tm.durations[0, 1]
    back = tm.durations[1, 0]
    assert abs(ahead - 0.5 * drive.edge_time[e]) <= 1
    assert back > ahead + 5, (drive.edge_name[e], ahead, back)
    assert tm.distances[1, 0] > tm.distances[0, 1]


def _ch_twins(net):
    from geodata.snap import edge_twins

    return edge_twins(net)


def test_rectangular_matrix(walk):
    s_lon, s_lat = near_nodes(walk, 7, seed=1)
    t_lon, t_lat = near_nodes(walk, 11, seed=2)
    sq = travel_matrix(walk, np.r_[s_lon, t_lon], np.r_[s_lat, t_lat])
    rect = travel_matrix(
        walk, s_lon, s_lat, [f"s{i}" for i in range(7)],
        targets=(t_lon, t_lat, [f"t{j}" for j in range(11)]),
    )
    assert rect.durations.shape == (7, 11)
    assert rect.source_ids[0] == "s0" and rect.target_ids[-1] == "t10"
    np.testing.assert_array_equal(rect.durations, sq.durations[:7, 7:])
    np.testing.assert_array_equal(rect.distances, sq.distances[:7, 7:])
    with pytest.raises(ValueError):
        _ = rect.ids


def test_identical_points_and_diagonal(walk):
    lons, lats = near_nodes(walk, 4, seed=9)
    lons = np.r_[lons, lons[0]]
    lats = np.r_[lats, lats[0]]
    tm = travel_matrix(walk, lons, lats)
    assert (np.diag(tm.durations) == 0).all()
    assert tm.durations[0, 4] == 0 and tm.durations[4, 0] == 0
    np.testing.assert_array_equal(tm.durations[0, 1:4], tm.durations[4, 1:4])
    np.testing.assert_array_equal(tm.durations[1:4, 0], tm.durations[1:4, 4])


def subnetwork(net, keep_edge):
    """The network restricted to some edges (nodes renumbered), like a real extract's piece."""
    keep_edge = np.asarray(keep_edge, dtype=bool)
    used = np.zeros(net.n_nodes, dtype=bool)
    used[net.edge_u[keep_edge]] = True
    used[net.edge_v[keep_edge]] = True
    new = np.full(net.n_nodes, -1, dtype=np.int64)
    new[used] = np.arange(int(used.sum()))
    kept = np.flatnonzero(keep_edge)
    off = net.geom_offsets
    take = np.concatenate([np.arange(off[e], off[e + 1]) for e in kept])
    sizes = np.diff(off)[kept]
    return replace(
        net,
        node_osmid=net.node_osmid[used],
        node_lon=net.node_lon[used],
        node_lat=net.node_lat[used],
        edge_u=new[net.edge_u[kept]].astype(np.int32),
        edge_v=new[net.edge_v[kept]].astype(np.int32),
        edge_length=net.edge_length[kept],
        edge_time=net.edge_time[kept],
        edge_way=net.edge_way[kept],
        edge_name=net.edge_name[kept],
        edge_highway=net.edge_highway[kept],
        geom_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        geom_lon=net.geom_lon[take],
        geom_lat=net.geom_lat[take],
    )


def test_unreachable_pairs_are_explicit(walk):
    """Two separate parts of the real network: pairs across them are UNREACHABLE."""
    cut = float(np.median(walk.node_lon))
    west = (walk.node_lon[walk.edge_u] < cut - 0.004) & (walk.node_lon[walk.edge_v] < cut - 0.004)
    east = (walk.node_lon[walk.edge_u] > cut + 0.004) & (walk.node_lon[walk.edge_v] > cut + 0.004)
    sub = subnetwork(walk, west | east)
    lon_w, lat_w = near_nodes(walk, 200, seed=4, spread_m=0)
    pick_w = np.flatnonzero(lon_w < cut - 0.01)[:3]
    pick_e = np.flatnonzero(lon_w > cut + 0.01)[:3]
    lons = np.r_[lon_w[pick_w], lon_w[pick_e], np.nan]
    lats = np.r_[lat_w[pick_w], lat_w[pick_e], 50.87]
    tm = travel_matrix(sub, lons, lats, [f"p{i}" for i in range(7)])
    # never the full network's hierarchy
    assert _ch.hierarchy_cache_path(sub) != _ch.hierarchy_cache_path(walk)
    assert (tm.durations[:3, 3:6] == UNREACHABLE).all()
    assert (tm.durations[3:6, :3] == UNREACHABLE).all()
    assert (tm.distances[:3, 3:6] == UNREACHABLE).all()
    assert not tm.reachable[:3, 3:6].any()
    # the point without coordinates: unreachable from and to everything but itself
    assert (tm.durations[6, :6] == UNREACHABLE).all() and (tm.durations[:6, 6] == UNREACHABLE).all()
    assert tm.durations[6, 6] == 0
    assert [w.id for w in tm.snap.warnings if w.reason == "invalid"] == ["p6"]
    # reachable pairs still equal the reference (which finds no path across either)
    ref = reference_keys(sub, tm.snap)
    for i in range(6):
        r = to_seconds(ref[i])
        r[i] = 0
        np.testing.assert_array_equal(tm.durations[i, :6], r[:6])


def test_hierarchy_disk_cache(walk):
    """The hierarchy is cached on disk per network and gives identical results from there."""
    lons, lats = near_nodes(walk, 20, seed=12)
    first = travel_matrix(walk, lons, lats)
    assert _ch.hierarchy_cache_path(walk).exists()
    _ch._memo.clear()
    again = travel_matrix(walk, lons, lats)
    assert again.hierarchy_cache == "hit"
    np.testing.assert_array_equal(first.durations, again.durations)
    fresh = travel_matrix(walk, lons, lats, use_cache=False)
    np.testing.assert_array_equal(first.durations, fresh.durations)


def test_distances_optional(walk):
    lons, lats = near_nodes(walk, 5, seed=2)
    tm = travel_matrix(walk, lons, lats, distances=False)
    assert tm.distances is None
    frame = tm.to_frame()
    assert list(frame.columns) == list(range(5))


def test_matrix_nodes_match_nearest_nodes_helper(walk):
    """Sanity: the benchmark's source nodes are valid indices."""
    lons, lats = near_nodes(walk, 10, seed=1)
    idx = nearest_nodes(walk, lons, lats)
    assert idx.min() >= 0 and idx.max() < walk.n_nodes


MEMORY_SCRIPT = """
import json, resource, sys, time
import numpy as np
from geodata.matrix import travel_matrix
from geodata.network import load_network
net = load_network(sys.argv[1], "walk")
rng = np.random.default_rng(0)
idx = rng.choice(net.n_nodes, 2000, replace=False)
lons = net.node_lon[idx] + rng.uniform(-3e-4, 3e-4, 2000)
lats = net.node_lat[idx] + rng.uniform(-3e-4, 3e-4, 2000)
tm = travel_matrix(net, lons, lats)
# the peak of this process's own memory: VmHWM starts anew at exec, while ru_maxrss keeps
# the high-water mark of the forking parent (the test runner) on Linux
try:
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rss_mb": hwm / 1024,
                  "shape": list(tm.durations.shape), "reachable": bool(tm.reachable.all()),
                  "matrix_s": tm.timings["matrix"]}))
"""


def test_memory_2000_points(bad_hersfeld_pbf):
    """2,000 points in a fresh process: peak RSS far below 2 GB."""
    res = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(bad_hersfeld_pbf)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    info = json.loads(res.stdout.strip().splitlines()[-1])
    assert info["shape"] == [2000, 2000]
    assert info["reachable"]
    assert info["rss_mb"] < 1024, info


def _off_north(net, km: float) -> tuple[float, float]:
    """A point ``km`` north of the network's northernmost node (that far from it, and no
    nearer to any edge than the northernmost geometry allows)."""
    top = int(np.argmax(net.node_lat))
    return float(net.node_lon[top]), float(net.node_lat[top] + km * 1000 / 111_195.0)


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_point_kilometres_outside_the_extract_is_unreachable(mode, walk, drive):
    """QA 20c S1: a point 10 km outside Bad Hersfeld is unreachable (-1) and reported, not
    given an access leg of hours; one 1 km off stays reachable, its access leg counted at
    walking speed for drive too (park, then walk)."""
    net = walk if mode == "walk" else drive
    lons, lats = near_nodes(net, 3, seed=21, spread_m=0)
    near_lon, near_lat = _off_north(net, 1.0)
    far_lon, far_lat = _off_north(net, 10.0)
    tm = travel_matrix(net, np.r_[lons, near_lon, far_lon], np.r_[lats, near_lat, far_lat],
                       ["a", "b", "c", "1km", "10km"])
    assert 800 <= tm.snap.distance_m[3] <= 1000 + 1
    assert tm.snap.distance_m[4] > 9_000
    assert (tm.durations[4, :4] == UNREACHABLE).all() and (tm.durations[:4, 4] == UNREACHABLE).all()
    assert (tm.distances[4, :4] == UNREACHABLE).all() and not tm.reachable[:4, 4].any()
    assert tm.reachable[:4, :4].all()
    walk_s = tm.snap.distance_m[3] / (4.5 / 3.6)
    assert (tm.durations[3, :3] >= walk_s).all() and (tm.durations[:3, 3] >= walk_s).all()
    by_id = {w.id: w for w in tm.snap_warnings}
    assert by_id["10km"].unreachable and by_id["10km"].to_dict()["unreachable"] is True
    assert "nicht erreichbar" in by_id["10km"].message()
    assert not by_id["1km"].unreachable and "nicht erreichbar" not in by_id["1km"].message()
