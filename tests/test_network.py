"""Street networks built from the real extracts (geodata.osm, geodata.network)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import osmium
import pytest
from scipy.sparse.csgraph import dijkstra

from geodata.errors import EmptyAreaError, ExtractError, SettingsError
from geodata.network import (
    MODES,
    NetworkSettings,
    build_network,
    haversine_m,
    load_network,
    parse_maxspeed,
)
from geodata.osm import check_extract, iter_ways, osm_timestamp


@pytest.fixture(scope="module")
def bh_walk(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "walk")


@pytest.fixture(scope="module")
def bh_drive(bad_hersfeld_pbf):
    return load_network(bad_hersfeld_pbf, "drive")


# Plausible sizes: the shared SOURCES.md reports osmnx/pyrosm figures for the same files
# (osmnx simplifies more aggressively, so our node counts are somewhat higher).
EXPECTED_KM = {  # sum of directed edge lengths per SOURCES.md (osmnx)
    ("bad-hersfeld", "walk"): 1343,
    ("bad-hersfeld", "drive"): 418,
    ("lauf", "walk"): 465,
    ("lauf", "drive"): 207,
}


@pytest.mark.parametrize("mode", MODES)
def test_both_extracts_load_in_every_mode(extract, mode):
    net = load_network(extract, mode)
    assert net.n_nodes > 500 and net.n_edges > net.n_nodes
    town = "lauf" if "lauf" in extract.name else "bad-hersfeld"
    km = net.edge_length.sum() / 1000
    if (town, mode) in EXPECTED_KM:
        assert km == pytest.approx(EXPECTED_KM[(town, mode)], rel=0.15)
    # every node lies inside the data's extent and is reachable from node 0 and back
    d_out = dijkstra(net.csr(), indices=0)
    d_in = dijkstra(net.csr().T, indices=0)
    assert np.isfinite(d_out).all() and np.isfinite(d_in).all()
    assert net.dropped_nodes >= 0
    assert (net.edge_time > 0).all() and (net.edge_length > 0).all()


def test_lauf_is_clipped_and_still_loads(lauf_pbf):
    segments = list(iter_ways(lauf_pbf))
    clipped = [s for s in segments if s.clipped]
    assert len(clipped) > 20, "the Lauf extract is cut at its bbox"
    # every yielded segment has only present nodes
    assert all(np.isfinite(s.lon).all() and len(s.node_ids) >= 2 for s in clipped)
    net = load_network(lauf_pbf, "walk")
    lon0, lat0, lon1, lat1 = net.bbox
    assert 11.24 <= lon0 < lon1 <= 11.31 and 49.49 <= lat0 < lat1 <= 49.54


def test_xml_gz_and_pbf_give_the_same_network(bad_hersfeld_pbf, bad_hersfeld_xml):
    a = build_network(bad_hersfeld_pbf, "drive")
    b = build_network(bad_hersfeld_xml, "drive")
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    assert a.edge_length.sum() == pytest.approx(b.edge_length.sum())


def test_osm_timestamp(bad_hersfeld_pbf, bad_hersfeld_xml, lauf_pbf):
    assert osm_timestamp(bad_hersfeld_pbf) == "2021-10-27T14:42:29Z"
    assert osm_timestamp(bad_hersfeld_xml) == "2021-10-27T14:42:29Z"
    assert osm_timestamp(lauf_pbf).startswith("2020-01-15T")


def _oneway_edges(net):
    """Indices of drive edges u->v whose reverse v->u does not exist."""
    pairs = set(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True))
    return [i for i, (u, v) in enumerate(zip(net.edge_u, net.edge_v, strict=True))
            if u != v and (int(v), int(u)) not in pairs]


def test_drive_one_way_forces_a_detour(bh_drive):
    oneways = _oneway_edges(bh_drive)
    assert len(oneways) > 50
    csr = bh_drive.csr("length")
    u = bh_drive.edge_u[oneways].astype(int)
    v = bh_drive.edge_v[oneways].astype(int)
    there = dijkstra(csr, indices=u)[np.arange(len(u)), v]
    back = dijkstra(csr, indices=v)[np.arange(len(u)), u]
    assert (there <= bh_drive.edge_length[oneways] + 1e-6).all()
    # Against a one-way the route goes around (a parallel carriageway may rarely be shorter).
    assert np.mean(back > there + 1.0) > 0.95


def test_walk_ignores_one_ways(bad_hersfeld_pbf, bh_drive, bh_walk):
    oneways = _oneway_edges(bh_drive)
    ways = {int(bh_drive.edge_way[i]) for i in oneways}
    walk_pairs = {}
    for u, v, w in zip(bh_walk.edge_u, bh_walk.edge_v, bh_walk.edge_way, strict=True):
        walk_pairs.setdefault(int(w), set()).add((int(u), int(v)))
    checked = 0
    for w in ways:
        edges = walk_pairs.get(w)
        if not edges:
            continue
        assert all((v, u) in edges for u, v in edges), f"way {w} must be two-way on foot"
        checked += 1
    assert checked > 20


def test_network_path_never_below_beeline(extract):
    net = load_network(extract, "walk")
    rng = np.random.default_rng(7)
    src = rng.choice(net.n_nodes, 20, replace=False)
    dst = rng.choice(net.n_nodes, 200, replace=False)
    d = dijkstra(net.csr("length"), indices=src)[:, dst]
    beeline = haversine_m(
        net.node_lon[src][:, None], net.node_lat[src][:, None],
        net.node_lon[dst][None, :], net.node_lat[dst][None, :],
    )
    assert (d >= beeline - 0.5).all()
    assert np.median(d / np.maximum(beeline, 1)) < 2.0  # and streets are not absurdly detoured


def test_travel_time_matches_speed(bh_walk, bad_hersfeld_pbf):
    assert np.allclose(bh_walk.edge_time, bh_walk.edge_length / (4.5 / 3.6))
    bike = load_network(bad_hersfeld_pbf, "bike", NetworkSettings(bike_kmh=20))
    assert np.allclose(bike.edge_time, bike.edge_length / (20 / 3.6))


def test_drive_speeds_from_maxspeed_and_defaults(bh_drive):
    kmh = bh_drive.edge_length / bh_drive.edge_time * 3.6
    assert kmh.min() >= 5 and kmh.max() <= 130
    res = bh_drive.edge_highway == "residential"
    assert np.median(kmh[res]) <= 50


@pytest.mark.parametrize(
    ("value", "kmh"),
    [("50", 50), ("30 mph", 48.28032), ("DE:urban", 50), ("DE:zone30", 30), ("DE:zone:30", 30),
     ("walk", 7), ("none", 130), ("70;50", 50), ("", None), ("signals", 50), ("unknown", None)],
)
def test_parse_maxspeed(value, kmh):
    got = parse_maxspeed(value)
    assert got == (pytest.approx(kmh) if kmh is not None else None)


def test_access_tags_respected(bad_hersfeld_pbf):
    walk = load_network(bad_hersfeld_pbf, "walk")
    drive = load_network(bad_hersfeld_pbf, "drive")
    bike = load_network(bad_hersfeld_pbf, "bike")
    tags = {s.way_id: s.tags for s in iter_ways(bad_hersfeld_pbf)}
    for w in set(walk.edge_way.tolist()):
        assert tags[w].get("foot") not in ("no", "private")
        assert tags[w]["highway"] not in ("motorway", "motorway_link")
    for w in set(bike.edge_way.tolist()):
        assert tags[w]["highway"] not in ("motorway", "motorway_link")
        assert tags[w].get("bicycle") != "no"
    for w in set(drive.edge_way.tolist()):
        assert tags[w].get("access") != "private" or tags[w].get("motor_vehicle") in ("yes", "designated")
        assert tags[w]["highway"] not in ("footway", "steps", "path", "cycleway")


def test_cache_hit_then_miss_after_setting_change(lauf_pbf, tmp_path, monkeypatch):
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    a = load_network(lauf_pbf, "walk")
    b = load_network(lauf_pbf, "walk")
    c = load_network(lauf_pbf, "walk", NetworkSettings(walk_kmh=5.0))
    d = load_network(lauf_pbf, "walk", NetworkSettings(walk_kmh=5.0))
    assert (a.cache, b.cache, c.cache, d.cache) == ("miss", "hit", "miss", "hit")
    assert np.array_equal(a.edge_time, b.edge_time)
    assert c.edge_time.sum() < a.edge_time.sum()
    # a setting of another mode does not invalidate this mode's network
    e = load_network(lauf_pbf, "walk", NetworkSettings(bike_kmh=25.0))
    assert e.cache == "hit"
    # the cache never lands beside the extract or in the repository
    assert not list(lauf_pbf.parent.glob("*.npz"))
    assert list((tmp_path / "cache" / "networks").glob("walk-*.npz"))


def test_changed_file_rebuilds(lauf_pbf, tmp_path, monkeypatch):
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "lauf.osm.pbf"
    shutil.copy(lauf_pbf, copy)
    assert load_network(copy, "drive").cache == "miss"
    assert load_network(copy, "drive").cache == "hit"
    # rewrite the file without one drivable way: new content, new network
    victim = next(s.way_id for s in iter_ways(lauf_pbf) if s.tags.get("highway") == "residential")
    changed = tmp_path / "lauf2.osm.pbf"
    with osmium.SimpleWriter(str(changed)) as writer:
        for obj in osmium.FileProcessor(str(lauf_pbf)):
            if not (obj.is_way() and obj.id == victim):
                writer.add(obj)
    shutil.move(changed, copy)
    again = load_network(copy, "drive")
    assert again.cache == "miss"
    assert victim not in set(again.edge_way.tolist())


def test_xdg_cache_home_respected(lauf_pbf, tmp_path, monkeypatch):
    monkeypatch.delenv("HAUSBESUCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_network(lauf_pbf, "drive").cache == "miss"
    assert list((tmp_path / "xdg" / "hausbesuch" / "networks").glob("drive-*.npz"))


def test_to_networkx_matches(bh_drive):
    g = bh_drive.to_networkx()
    assert g.number_of_nodes() == bh_drive.n_nodes
    assert g.number_of_edges() == bh_drive.n_edges


# ----------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    with pytest.raises(ExtractError, match="nicht gefunden"):
        load_network(tmp_path / "nope.osm.pbf", "walk")


def test_not_an_osm_file(tmp_path):
    bad = tmp_path / "fake.osm"
    bad.write_text("Kundennummer;Adresse\n1;Am Markt 1\n")
    with pytest.raises(ExtractError, match="Keine OSM-Datei"):
        load_network(bad, "walk")
    pbf = tmp_path / "fake.osm.pbf"
    pbf.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(ExtractError, match="kann nicht gelesen werden"):
        load_network(pbf, "walk")
    with pytest.raises(ExtractError, match="Unbekanntes Dateiformat"):
        check_extract(__file__)


def test_empty_area(tmp_path):
    empty = tmp_path / "empty.osm.gz"
    with gzip.open(empty, "wt") as fh:
        fh.write('<?xml version="1.0"?>\n<osm version="0.6">\n'
                 '<node id="1" lat="50.86" lon="9.70"><tag k="amenity" v="bench"/></node>\n</osm>\n')
    with pytest.raises(EmptyAreaError, match="keine Wege"):
        load_network(empty, "walk")


def test_unknown_mode(lauf_pbf):
    with pytest.raises(SettingsError, match="Unbekannte Fortbewegungsart 'fly'"):
        load_network(lauf_pbf, "fly")


def test_invalid_speed():
    with pytest.raises(SettingsError, match="walk_kmh"):
        NetworkSettings(walk_kmh=0)


def test_extract_path_object(tmp_path, lauf_pbf):
    assert check_extract(str(lauf_pbf)) == Path(lauf_pbf)
