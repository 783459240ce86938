"""The on-disk cache of districts built from an extract: equal answers, no stale answers.

Real extracts (Bad Hersfeld, Lauf, Bad Hersfeld plus boundary relations) in a cache
directory of the test's own (the networks are shared with the session's test cache, so
they are not rebuilt). Whether the extract was read is seen by counting the calls of
the two functions that read it for districts (``_osm_districts``: the boundary pass, which
every build makes; ``_place_nodes``: the fallback's place nodes).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import osmium
import pytest
import shapely
from osmium.osm import mutable

import geodata.districts as districts_mod
from geodata.cache import cache_dir
from geodata.districts import Districts, load_districts
from tests.test_districts import address_points, write_boundary_extract


@pytest.fixture(scope="module")
def boundary_extract(tmp_path_factory, bad_hersfeld_pbf):
    """Bad Hersfeld plus admin_level 10 ("Nord", "Süd", one cut off) and 9 relations."""
    dst = tmp_path_factory.mktemp("boundaries") / "bad-hersfeld-boundaries.osm.pbf"
    return write_boundary_extract(bad_hersfeld_pbf, dst)


def _empty_cache(root: Path) -> Path:
    """A cache directory without districts whose networks are the session's."""
    shared_networks = cache_dir("networks")
    root.mkdir(parents=True)
    (root / "networks").symlink_to(shared_networks, target_is_directory=True)
    return root


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """The test's own districts cache (set as HAUSBESUCH_CACHE_DIR)."""
    root = _empty_cache(tmp_path / "cache")
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(root))
    return root


@pytest.fixture
def reads(monkeypatch) -> dict[str, int]:
    """Counts the district passes over an extract."""
    counts = {"boundaries": 0, "places": 0}

    def spy(name, key):
        real = getattr(districts_mod, name)

        def wrapper(*args, **kwargs):
            counts[key] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(districts_mod, name, wrapper)

    spy("_osm_districts", "boundaries")
    spy("_place_nodes", "places")
    return counts


def built_afresh(tmp_path: Path, osm_path: Path, **options) -> Districts:
    """The districts built from the extract in a new, empty cache directory."""
    root = _empty_cache(tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}")
    before = os.environ["HAUSBESUCH_CACHE_DIR"]
    os.environ["HAUSBESUCH_CACHE_DIR"] = str(root)
    try:
        return load_districts(osm_path, **options)
    finally:
        os.environ["HAUSBESUCH_CACHE_DIR"] = before


def assert_same(a: Districts, b: Districts) -> None:
    assert a.source == b.source
    assert a.names == b.names
    assert a.notes == b.notes
    assert [shapely.to_wkb(g) for g in a.geometries] == [shapely.to_wkb(g) for g in b.geometries]


def cache_files(root: Path) -> list[Path]:
    return sorted((root / "districts").glob("*.json")) if (root / "districts").is_dir() else []


CASES = {
    # Bad Hersfeld's level 8 relations are cut by the bbox: skipped with a note, fallback cells
    "bad-hersfeld-level-8": ("bad_hersfeld_pbf", {"admin_level": 8}, "fallback", "unvollständig"),
    # Lauf has no boundaries: fallback cells, with the note that OSM had none
    "lauf-source-osm": ("lauf_pbf", {"source": "osm"}, "fallback", "Keine vollständigen"),
    # complete boundary relations, one cut off (skipped with a note)
    "boundaries": ("boundary_extract", {}, "osm", "Abgeschnitten"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_cache_hit_is_equal_and_does_not_read_the_extract(
    case, request, cache, reads, tmp_path
):
    fixture, options, source, note = CASES[case]
    osm_path = request.getfixturevalue(fixture)
    osm_path = osm_path[0] if isinstance(osm_path, tuple) else osm_path
    reference = built_afresh(tmp_path, osm_path, **options)
    assert reference.source == source and any(note in n for n in reference.notes)
    reads.update(boundaries=0, places=0)

    first = load_districts(osm_path, **options)
    assert reads["boundaries"] == 1  # built: the extract was read
    assert_same(first, reference)
    (entry,) = cache_files(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o644  # public map data, like the networks

    places = reads["places"]
    second = load_districts(osm_path, **options)
    third = load_districts(osm_path, **options)
    assert reads == {"boundaries": 1, "places": places}  # not read again
    assert_same(second, reference)
    assert_same(third, reference)
    # the same answer for every address
    lons, lats = address_points(Path(str(osm_path)))
    assert (second.assign(lons, lats) == reference.assign(lons, lats)).all()
    assert cache_files(cache) == [entry]


def test_a_changed_extract_is_built_again(lauf_pbf, bad_hersfeld_pbf, cache, reads, tmp_path):
    """Same path, new content: never the old districts. Same content, touched: still a hit."""
    town = tmp_path / "town"
    town.mkdir()
    path = town / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"
    shutil.copyfile(lauf_pbf, path)
    lauf = load_districts(path)
    assert reads["boundaries"] == 1 and lauf.source == "fallback" and len(lauf) > 1

    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    assert_same(load_districts(path), lauf)
    assert reads["boundaries"] == 1  # touched, same content: the cache still holds

    # a newer extract under the same name: the place nodes are gone
    newer = tmp_path / "newer.osm.pbf"
    with osmium.SimpleWriter(str(newer)) as w:
        for obj in osmium.FileProcessor(str(lauf_pbf)):
            if isinstance(obj, osmium.osm.Node) and "place" in obj.tags:
                w.add_node(mutable.Node(base=obj, tags={t.k: t.v for t in obj.tags if t.k != "place"}))
            else:
                w.add(obj)
    os.replace(newer, path)
    single = load_districts(path)
    assert reads["boundaries"] == 2
    assert single.names == ["Lauf an der Pegnitz"]
    assert_same(single, built_afresh(tmp_path, path))

    # another town's extract copied over it
    shutil.copyfile(bad_hersfeld_pbf, path)
    other = load_districts(path)
    assert reads["boundaries"] == 4  # (one more for the reference built afresh above)
    assert_same(other, built_afresh(tmp_path, bad_hersfeld_pbf))
    assert not set(other.names) & set(lauf.names)


def test_every_option_has_its_own_entry(boundary_extract, lauf_pbf, cache, reads, tmp_path):
    """admin_level, area, source, network mode and the file's name each change the key."""
    path, sued, _ = boundary_extract
    lauf_copy = tmp_path / "anderer-name.osm.pbf"
    shutil.copyfile(lauf_pbf, lauf_copy)
    variants = [
        (path, {}),
        (path, {"admin_level": 9}),
        (path, {"admin_level": 7}),  # none at this level: the fallback cells
        (path, {"area": sued.buffer(0.002)}),
        (path, {"area": sued.buffer(0.003)}),
        (lauf_pbf, {}),
        (lauf_pbf, {"source": "osm"}),
        (lauf_pbf, {"network_mode": "drive"}),
        (lauf_copy, {}),  # same content, another name (the town may be named after the file)
    ]
    got = []
    for osm_path, options in variants:
        before = reads["boundaries"]
        got.append(load_districts(osm_path, **options))
        assert reads["boundaries"] == before + 1, options  # a miss: built from the extract
    assert len(cache_files(cache)) == len(variants)
    assert [d.names for d in got[:4]] == [["Süd", "Nord"], ["Kernstadt"], got[2].names, ["Süd"]]
    assert got[2].source == "fallback"
    # and each entry answers its own options, equal to a fresh build
    for (osm_path, options), first in zip(variants, got, strict=True):
        before = reads["boundaries"]
        again = load_districts(osm_path, **options)
        assert reads["boundaries"] == before, options
        assert_same(again, first)
        assert_same(again, built_afresh(tmp_path, osm_path, **options))


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{\"format\": 1, \"names\": [",
        b"\xff\xfe not json",
        b"[1, 2, 3]",
        b"{\"format\": 1, \"source\": \"fallback\", \"names\": [\"A\"], \"notes\": [], "
        b"\"wkb\": [\"bm90IHdrYg==\"]}",
        b"{\"format\": 1, \"source\": \"fallback\", \"names\": [\"A\"], \"notes\": [], "
        b"\"wkb\": [\"AQEAAAAAAAAAAAAAAAAAAAAAAAAA\"]}",  # a point, not a polygon
    ],
    ids=["empty", "truncated", "binary", "list", "bad-wkb", "point"],
)
def test_a_damaged_entry_is_built_again(damage, bad_hersfeld_pbf, cache, reads, tmp_path):
    reference = load_districts(bad_hersfeld_pbf)
    (entry,) = cache_files(cache)
    entry.write_bytes(damage)
    before = reads["boundaries"]
    again = load_districts(bad_hersfeld_pbf)
    assert reads["boundaries"] == before + 1
    assert_same(again, reference)
    # the entry was written anew and serves the next call
    assert_same(load_districts(bad_hersfeld_pbf), reference)
    assert reads["boundaries"] == before + 1
    assert cache_files(cache) == [entry]


def test_without_the_cache_nothing_is_read_or_written(lauf_pbf, cache, reads):
    a = load_districts(lauf_pbf, use_cache=False)
    b = load_districts(lauf_pbf, use_cache=False)
    assert reads["boundaries"] == 2
    assert cache_files(cache) == []
    assert_same(a, b)


def test_a_user_file_is_read_each_time(lauf_pbf, cache, tmp_path):
    """The user's district file is not cached: a changed file gives its new districts."""
    lauf = load_districts(lauf_pbf)
    out = lauf.to_geojson(tmp_path / "bezirke.geojson")
    first = load_districts(lauf_pbf, districts_file=out)
    assert first.source == "file" and sorted(first.names) == sorted(lauf.names)
    Districts(["Ganz Lauf"], [shapely.union_all(lauf.geometries)], "file").to_geojson(out)
    assert load_districts(lauf_pbf, districts_file=out).names == ["Ganz Lauf"]


def test_a_cache_folder_that_cannot_be_made_builds_without_it(lauf_pbf, cache, reads, tmp_path):
    """Review 23 #5: the districts' folder of the cache cannot be made (here a file stands
    in its place; a read-only cache alike): the districts are built and returned, as
    without the cache, not refused."""
    reference = built_afresh(tmp_path, lauf_pbf)
    (cache / "districts").write_text("kein Ordner", encoding="utf-8")
    reads.update(boundaries=0, places=0)
    assert_same(load_districts(lauf_pbf), reference)
    assert_same(load_districts(lauf_pbf), reference)
    assert reads["boundaries"] == 2  # built each time
    assert (cache / "districts").read_text(encoding="utf-8") == "kein Ordner"
