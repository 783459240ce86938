"""District polygons from the three sources, on the real extracts, and point assignment."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from osmium.osm import mutable
from pyproj import Transformer

from geodata.districts import (
    FALLBACK_PLACE_TYPES,
    OUTSIDE,
    Districts,
    DistrictsError,
    canonical_district_name,
    load_districts,
)
from geodata.errors import GeodataError

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)

#: Kassel's 23 Stadtteile in OSM spelling.
KASSEL_OSM_NAMES = [
    "Bad Wilhelmshöhe", "Bettenhausen", "Brasselsberg", "Fasanenhof", "Forstfeld",
    "Harleshausen", "Jungfernkopf", "Kirchditmold", "Mitte", "Niederzwehren",
    "Nord-Holland", "Nordshausen", "Oberzwehren", "Philippinenhof-Warteberg",
    "Rothenditmold", "Südstadt", "Süsterfeld-Helleböhn", "Unterneustadt",
    "Vorderer Westen", "Waldau", "Wehlheiden", "Wesertor", "Wolfsanger-Hasenhecke",
]  # fmt: skip


# --------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=4)
def address_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of every address (node, or the mean of a way's nodes) in an extract."""
    lons: list[float] = []
    lats: list[float] = []
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("addr:housenumber"))
    )
    for obj in fp:
        if isinstance(obj, osmium.osm.Node):
            lons.append(obj.location.lon)
            lats.append(obj.location.lat)
        elif isinstance(obj, osmium.osm.Way):
            locs = [n.location for n in obj.nodes if n.location.valid()]
            if locs:
                lons.append(float(np.mean([loc.lon for loc in locs])))
                lats.append(float(np.mean([loc.lat for loc in locs])))
    return np.asarray(lons), np.asarray(lats)


def place_nodes(path: Path, types: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    out = {}
    for n in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    ):
        if n.tags.get("place") in types and n.tags.get("name"):
            out.setdefault(n.tags["name"], (n.location.lon, n.location.lat))
    return out


def utm(geom):
    return shapely.transform(geom, lambda c: np.column_stack(TO_UTM.transform(c[:, 0], c[:, 1])))


def wgs(geom):
    return shapely.transform(geom, lambda c: np.column_stack(TO_WGS.transform(c[:, 0], c[:, 1])))


# --------------------------------------------------------------------------- (c) fallback


@pytest.fixture(scope="module")
def fallback(extract):
    return load_districts(extract)


def test_fallback_names_are_real_place_nodes(extract, fallback):
    """Both extracts lack complete Stadtteil boundaries: cells around their place nodes."""
    assert fallback.source == "fallback"
    assert len(fallback) >= 5
    places = place_nodes(extract, (*FALLBACK_PLACE_TYPES, "town", "city"))
    assert set(fallback.names) <= set(places)
    # the suburbs/villages themselves, not only the town, name districts
    sub = place_nodes(extract, FALLBACK_PLACE_TYPES)
    assert len(set(fallback.names) & set(sub)) >= 4
    # every district contains its own place node
    lon = [places[n][0] for n in fallback.names]
    lat = [places[n][1] for n in fallback.names]
    assert list(fallback.assign(lon, lat)) == fallback.names
    assert any("Ersatzbezirke" in n for n in fallback.notes)


def test_fallback_note_says_names_are_approximate_and_names_the_file_source(fallback):
    """QA 27 F5: the cells' names can be wrong for most of a town; the note says so and
    names the profile setting that gives real Stadtteile."""
    note = next(n for n in fallback.notes if "Ersatzbezirke" in n)
    assert "nur ungefähr" in note
    assert "Kernstadt" in note
    assert '[districts] source = "file"' in note


def test_fallback_cells_partition_the_hull(fallback):
    geoms = [utm(g) for g in fallback.geometries]
    assert all(g.is_valid and g.area > 0 for g in geoms)
    union = shapely.union_all(geoms)
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-6)  # no overlaps
    assert union.area > 5e6  # m²: a town with its villages, not a sliver


def test_every_address_gets_a_district_far_points_are_outside(extract, fallback):
    lons, lats = address_points(extract)
    assert len(lons) > 2000
    labels = fallback.assign(lons, lats)
    assert labels.shape == lons.shape
    assert OUTSIDE not in set(labels.tolist())
    assert len(set(labels.tolist())) >= 5  # addresses spread over several districts
    minx, miny, maxx, maxy = fallback.bounds
    far = fallback.assign(
        [0.0, 13.405, minx - 0.1, (minx + maxx) / 2, np.nan, 9.7],
        [0.0, 52.52, (miny + maxy) / 2, maxy + 0.1, 50.87, np.nan],
    )
    assert far.tolist() == [OUTSIDE] * 6


def test_fallback_clips_to_network_hull(extract, fallback):
    from geodata.network import load_network

    net = load_network(extract, "walk")
    hull = utm(shapely.convex_hull(shapely.multipoints(np.column_stack([net.geom_lon, net.geom_lat]))))
    union = utm(shapely.union_all(fallback.geometries))
    # the cells cover the whole network hull and reach at most ~100 m beyond it
    assert union.buffer(1.0).contains(hull)
    assert hull.buffer(101.0).contains(union)


def test_clipped_boundary_relations_are_skipped_with_a_note(bad_hersfeld_pbf):
    """Bad Hersfeld's admin_level 8 relations are cut by the bbox: not used, but named."""
    d = load_districts(bad_hersfeld_pbf, admin_level=8)
    assert d.source == "fallback"
    note = " ".join(d.notes)
    assert "unvollständig" in note and "Bad Hersfeld" in note and "Ludwigsau" in note


def test_single_district_without_place_nodes(lauf_pbf, tmp_path):
    """An extract without place nodes: one district, named after the town, covers the hull."""
    dst = tmp_path / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"
    with osmium.SimpleWriter(str(dst)) as w:
        for obj in osmium.FileProcessor(str(lauf_pbf)):
            if isinstance(obj, osmium.osm.Node) and "place" in obj.tags:
                tags = {t.k: t.v for t in obj.tags if t.k != "place"}
                w.add_node(mutable.Node(base=obj, tags=tags))
            else:
                w.add(obj)
    d = load_districts(dst)
    assert d.source == "fallback" and d.names == ["Lauf an der Pegnitz"]
    lons, lats = address_points(lauf_pbf)
    assert set(d.assign(lons, lats).tolist()) == {"Lauf an der Pegnitz"}


# --------------------------------------------------------------------------- (a) OSM boundaries


def _nearest_node(ids, lon, lat, x, y):
    i = int(np.argmin((lon - x) ** 2 + (lat - y) ** 2))
    return int(ids[i]), float(lon[i]), float(lat[i])


def write_boundary_extract(source: Path, dst: Path) -> tuple[Path, shapely.Polygon, shapely.Polygon]:
    """Write the real extract ``source`` plus admin_level 10 relations over real nodes to ``dst``.

    A rectangle around Bad Hersfeld's centre is split in "Nord" and "Süd" along ways
    that join real OSM nodes; a third relation names a way the file lacks (cut off); a
    level 9 relation "Kernstadt" covers both halves. Returns the file and the two
    halves' polygons (from the real nodes' coordinates).
    """
    src = str(source)
    reader = osmium.io.Reader(src, osmium.osm.osm_entity_bits.NOTHING)
    header = osmium.io.Header()
    for key in ("osmosis_replication_timestamp", "timestamp"):
        if reader.header().get(key):
            header.set(key, reader.header().get(key))
    reader.close()
    ids, lon, lat = [], [], []
    for n in osmium.FileProcessor(src, osmium.osm.NODE):
        ids.append(n.id)
        lon.append(n.location.lon)
        lat.append(n.location.lat)
    ids, lon, lat = np.array(ids), np.array(lon), np.array(lat)
    corners = {
        "SW": (9.680, 50.850), "SE": (9.740, 50.850), "E": (9.740, 50.868),
        "W": (9.680, 50.868), "NE": (9.740, 50.885), "NW": (9.680, 50.885),
    }  # fmt: skip
    snap = {k: _nearest_node(ids, lon, lat, *v) for k, v in corners.items()}
    max_way = max(w.id for w in osmium.FileProcessor(src, osmium.osm.WAY))
    max_rel = max(r.id for r in osmium.FileProcessor(src, osmium.osm.RELATION))
    w_south, w_mid, w_north = max_way + 1, max_way + 2, max_way + 3
    new_ways = {
        w_south: [snap[k][0] for k in ("W", "SW", "SE", "E")],
        w_mid: [snap[k][0] for k in ("E", "W")],
        w_north: [snap[k][0] for k in ("E", "NE", "NW", "W")],
    }
    admin = {"type": "boundary", "boundary": "administrative"}
    new_rels = [
        (max_rel + 1, [w_south, w_mid], {**admin, "admin_level": "10", "name": "Süd"}),
        (max_rel + 2, [w_mid, w_north], {**admin, "admin_level": "10", "name": "Nord"}),
        (max_rel + 3, [w_mid, max_way + 99], {**admin, "admin_level": "10", "name": "Abgeschnitten"}),
        (max_rel + 4, [w_south, w_north], {**admin, "admin_level": "9", "name": "Kernstadt"}),
    ]
    with osmium.SimpleWriter(str(dst), header=header) as w:
        for obj in osmium.FileProcessor(src, osmium.osm.NODE):
            w.add_node(obj)
        for obj in osmium.FileProcessor(src, osmium.osm.WAY):
            w.add_way(obj)
        for wid, nodes in new_ways.items():
            w.add_way(mutable.Way(id=wid, nodes=nodes, tags={"boundary": "administrative"}))
        for obj in osmium.FileProcessor(src, osmium.osm.RELATION):
            w.add_relation(obj)
        for rid, members, tags in new_rels:
            w.add_relation(mutable.Relation(id=rid, members=[("w", m, "outer") for m in members], tags=tags))
    ring = {k: (v[1], v[2]) for k, v in snap.items()}
    sued = shapely.Polygon([ring[k] for k in ("W", "SW", "SE", "E")])
    nord = shapely.Polygon([ring[k] for k in ("E", "NE", "NW", "W")])
    return dst, sued, nord


@pytest.fixture(scope="module")
def boundary_extract(tmp_path_factory, bad_hersfeld_pbf):
    """The real Bad Hersfeld extract plus boundary relations (see write_boundary_extract)."""
    dst = tmp_path_factory.mktemp("boundaries") / "bad-hersfeld-boundaries.osm.pbf"
    return write_boundary_extract(bad_hersfeld_pbf, dst)


def test_osm_boundaries_from_a_real_file(boundary_extract, bad_hersfeld_pbf):
    path, sued, nord = boundary_extract
    d = load_districts(path)
    assert d.source == "osm"
    assert sorted(d.names) == ["Nord", "Süd"]
    geoms = dict(zip(d.names, d.geometries, strict=True))
    # the assembled polygons are exactly the rings over the real nodes
    assert utm(geoms["Süd"]).area == pytest.approx(utm(sued).area, rel=1e-6)
    assert utm(geoms["Nord"]).area == pytest.approx(utm(nord).area, rel=1e-6)
    assert utm(sued).area > 5e6
    # the incomplete relation is skipped and named; the clipped level-10 ones don't exist
    assert any("Abgeschnitten" in n for n in d.notes)
    # addresses: same answer as an independent point-in-polygon test
    lons, lats = address_points(bad_hersfeld_pbf)
    labels = d.assign(lons, lats)
    pts = shapely.points(lons, lats)
    border = shapely.union(sued.boundary, nord.boundary)
    clear = shapely.distance(utm(border), utm(pts)) > 1.0
    expected = np.where(
        shapely.contains(sued, pts), "Süd", np.where(shapely.contains(nord, pts), "Nord", OUTSIDE)
    )
    assert (labels[clear] == expected[clear]).all()
    counts = {k: int((labels == k).sum()) for k in ("Nord", "Süd", OUTSIDE)}
    assert min(counts.values()) > 50, counts


def test_osm_boundaries_admin_level_and_area(boundary_extract):
    path, sued, nord = boundary_extract
    level9 = load_districts(path, admin_level=9)
    assert level9.source == "osm" and level9.names == ["Kernstadt"]
    assert utm(level9.geometries[0]).area == pytest.approx(utm(sued).area + utm(nord).area, rel=1e-6)
    only_south = load_districts(path, area=sued.buffer(0.002))
    assert only_south.names == ["Süd"]


def test_source_osm_without_boundaries_falls_back_with_note(lauf_pbf):
    d = load_districts(lauf_pbf, source="osm")
    assert d.source == "fallback"
    assert any("Keine vollständigen OSM-Bezirksgrenzen" in n for n in d.notes)


# --------------------------------------------------------------------------- (b) user files


@pytest.fixture(scope="module")
def town_grid():
    """A 3×3 grid of 1.5 km cells (EPSG:25832) centred on Bad Hersfeld's town node."""
    cx, cy = TO_UTM.transform(9.7068, 50.8681)
    x0, y0, size = cx - 2250.0, cy - 2250.0, 1500.0
    cells, names = [], []
    for r in range(3):
        for c in range(3):
            cells.append(shapely.box(x0 + c * size, y0 + r * size, x0 + (c + 1) * size, y0 + (r + 1) * size))
            names.append(f"Planquadrat {chr(65 + r)}{c + 1}")
    return names, cells, (x0, y0, size)


def _expected_grid_labels(lons, lats, grid):
    names, _, (x0, y0, size) = grid
    x, y = TO_UTM.transform(np.asarray(lons), np.asarray(lats))
    c = np.floor((x - x0) / size).astype(int)
    r = np.floor((y - y0) / size).astype(int)
    inside = (c >= 0) & (c < 3) & (r >= 0) & (r < 3)
    out = np.array([OUTSIDE] * len(x), dtype=object)
    out[inside] = [names[i] for i in (r[inside] * 3 + c[inside])]
    fx, fy = (x - x0) / size, (y - y0) / size
    margin = np.minimum(np.abs(fx - np.round(fx)), np.abs(fy - np.round(fy))) * size
    return out.astype(str), margin > 1.0


@pytest.mark.parametrize(
    ("suffix", "driver", "column"),
    [
        (".geojson", "GeoJSON", "name"),
        (".gpkg", "GPKG", "NAME"),
        (".shp", "ESRI Shapefile", "Stadtteil"),
    ],
)
def test_user_file_in_utm_is_reprojected_and_assigns(
    tmp_path, town_grid, bad_hersfeld_pbf, suffix, driver, column
):
    names, cells, _ = town_grid
    gdf = gpd.GeoDataFrame({"id": range(9), column: names}, geometry=cells, crs="EPSG:25832")
    path = tmp_path / f"stadtteile{suffix}"
    gdf.to_file(path, driver=driver)
    d = load_districts(bad_hersfeld_pbf, districts_file=path)
    assert d.source == "file"
    assert d.names == names
    assert any("EPSG:25832" in n and "WGS84" in n for n in d.notes)
    # the district geometries are in lon/lat now
    minx, miny, maxx, maxy = d.bounds
    assert 9.6 < minx < maxx < 9.8 and 50.8 < miny < maxy < 50.95
    # real address points: the same answer as the grid arithmetic in UTM
    lons, lats = address_points(bad_hersfeld_pbf)
    expected, clear = _expected_grid_labels(lons, lats, town_grid)
    labels = d.assign(lons, lats)
    assert (labels[clear] == expected[clear]).all()
    assert (labels == OUTSIDE).sum() > 100 and (labels != OUTSIDE).sum() > 500


def test_user_file_explicit_name_column_and_duplicates(tmp_path, town_grid):
    names, cells, _ = town_grid
    wgs_cells = [wgs(c) for c in cells]
    # two features share a name: one district made of both parts
    labels = ["West", "Mitte", "Ost"] * 3
    gdf = gpd.GeoDataFrame(
        {"name": ["x"] * 9, "bez_txt": labels}, geometry=wgs_cells, crs="EPSG:4326"
    )
    path = tmp_path / "bezirke.geojson"
    gdf.to_file(path, driver="GeoJSON")
    d = load_districts(None, districts_file=path, name_column="bez_txt")
    assert d.names == ["West", "Mitte", "Ost"]
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in d.geometries)
    c = wgs_cells[4].centroid
    assert d.assign([c.x], [c.y]).tolist() == ["Mitte"]
    assert not any("umgerechnet" in n for n in d.notes)  # WGS84 needs no reprojection


def test_user_file_kassel_spellings_map_to_osm_names(tmp_path):
    """Kassel's historic table spellings in a user file become the OSM spellings."""
    spellings = ["Nord (Holland)", "Süsterfeld/Helleböhn", "Philippinenhof/Warteberg",
                 "Wolfsanger/Hasenhecke", "Mitte"]  # fmt: skip
    cells = [shapely.box(9.40 + 0.01 * i, 51.30, 9.409 + 0.01 * i, 51.31) for i in range(5)]
    path = tmp_path / "kassel.geojson"
    gpd.GeoDataFrame({"Stadtteil": spellings}, geometry=cells, crs="EPSG:4326").to_file(path)
    d = load_districts(None, districts_file=path, known_names=KASSEL_OSM_NAMES)
    assert d.names == ["Nord-Holland", "Süsterfeld-Helleböhn", "Philippinenhof-Warteberg",
                       "Wolfsanger-Hasenhecke", "Mitte"]  # fmt: skip
    # without known names the spellings stay as written
    assert load_districts(None, districts_file=path).names == spellings


def test_geojson_round_trip(tmp_path, bad_hersfeld_pbf):
    d = load_districts(bad_hersfeld_pbf)
    out = d.to_geojson(tmp_path / "out" / "districts.geojson")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == len(d)
    assert data["features"][0]["properties"] == {"name": d.names[0], "source": "fallback"}
    again = load_districts(None, districts_file=out)
    assert again.source == "file" and again.names == d.names
    lons, lats = address_points(bad_hersfeld_pbf)
    assert (again.assign(lons, lats) == d.assign(lons, lats)).mean() > 0.999


def test_user_file_errors_are_german_and_specific(tmp_path):
    with pytest.raises(DistrictsError, match="Bezirksdatei nicht gefunden"):
        load_districts(None, districts_file=tmp_path / "fehlt.geojson")
    garbage = tmp_path / "kaputt.geojson"
    garbage.write_text("das ist kein GeoJSON", encoding="utf-8")
    with pytest.raises(DistrictsError, match="kann nicht gelesen werden"):
        load_districts(None, districts_file=garbage)
    points = tmp_path / "punkte.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(9.7, 50.8)], crs="EPSG:4326").to_file(points)
    with pytest.raises(DistrictsError, match="keine Flächen.*Point"):
        load_districts(None, districts_file=points)
    nameless = tmp_path / "ohne_namen.gpkg"
    gpd.GeoDataFrame(
        {"nummer": [1], "flaeche_qm": [2.5]}, geometry=[shapely.box(9.7, 50.8, 9.71, 50.81)], crs="EPSG:4326"
    ).to_file(nameless)
    with pytest.raises(DistrictsError, match=r"Keine Namensspalte.*nummer, flaeche_qm.*--name-column"):
        load_districts(None, districts_file=nameless)
    with pytest.raises(DistrictsError, match=r"Spalte 'bezirk' fehlt.*nummer, flaeche_qm"):
        load_districts(None, districts_file=nameless, name_column="bezirk")
    empty_name = tmp_path / "leer.geojson"
    gpd.GeoDataFrame(
        {"name": ["Nord", ""]},
        geometry=[shapely.box(9.7, 50.8, 9.71, 50.81), shapely.box(9.71, 50.8, 9.72, 50.81)],
        crs="EPSG:4326",
    ).to_file(empty_name)
    with pytest.raises(DistrictsError, match="Objekt 2: die Namensspalte 'name' ist leer"):
        load_districts(None, districts_file=empty_name)
    assert issubclass(DistrictsError, GeodataError)  # the CLI shows it without a traceback
    with pytest.raises(DistrictsError, match="Bezirksdatei"):
        load_districts(None, source="file")


# --------------------------------------------------------------------------- names and assign


def _kassel_table_names(shared_data: Path) -> list[str]:
    names = []
    for fname, col in (
        ("kassel_stadtteile_postcodes.csv", "District"),
        ("kassel_stadtteile_households.csv", "District"),
    ):
        with open(shared_data / "kassel" / fname, encoding="utf-8") as fh:
            names += [row[col] for row in csv.DictReader(fh, delimiter=";")]
    return names


def test_canonical_names_for_kassel_tables(shared_data):
    """Every Stadtteil name in the real Kassel tables maps onto one OSM name."""
    table = _kassel_table_names(shared_data)
    mapped = {n: canonical_district_name(n, KASSEL_OSM_NAMES) for n in table}
    assert set(mapped.values()) == set(KASSEL_OSM_NAMES)
    assert mapped["Nord (Holland)"] == "Nord-Holland"
    assert mapped["Süsterfeld/Helleböhn"] == "Süsterfeld-Helleböhn"
    assert mapped["Süsterfeld"] == "Süsterfeld-Helleböhn"
    assert mapped["Philippinenhof/Warteberg"] == "Philippinenhof-Warteberg"
    assert mapped["Wolfsanger/Hasenhecke"] == "Wolfsanger-Hasenhecke"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  nord  (holland) ", "Nord-Holland"),
        ("SÜDSTADT", "Südstadt"),
        ("Vorderer  Westen", "Vorderer Westen"),
        ("Bad Wilhelmshoehe", "Bad Wilhelmshoehe"),  # no fuzzy guessing beyond spelling rules
        ("Atlantis", "Atlantis"),
        ("Nord", "Nord-Holland"),  # unique leading part
    ],
)
def test_canonical_name_rules(raw, expected):
    assert canonical_district_name(raw, KASSEL_OSM_NAMES) == expected


def test_canonical_name_ambiguous_prefix_is_left_alone():
    assert canonical_district_name("Ober", ["Ober-Stadt", "Ober-Dorf"]) == "Ober"
    assert canonical_district_name("Ober", ["Ober", "Ober-Dorf"]) == "Ober"


def test_assign_on_shared_border_and_inputs():
    a = shapely.box(0, 0, 1, 1)
    b = shapely.box(1, 0, 2, 1)
    d = Districts(["A", "B"], [a, b], "file")
    out = d.assign(np.array([0.5, 1.0, 1.5, 3.0]), np.array([0.5, 0.5, 0.5, 0.5]))
    assert out.tolist() == ["A", "A", "B", OUTSIDE]
    assert d.assign([], []).tolist() == []
    with pytest.raises(ValueError):
        d.assign([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        Districts(["A", "A"], [a, b], "file")


# --------------------------------------------------------------------------- a file of another town


def _file(tmp_path: Path, name: str, cells: list, names: list[str]) -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame({"name": names}, geometry=cells, crs="EPSG:4326").to_file(path)
    return path


KASSEL_CELLS = [shapely.box(9.40 + 0.01 * i, 51.30, 9.409 + 0.01 * i, 51.31) for i in range(3)]


def test_district_file_outside_the_extract_is_warned(tmp_path, lauf_pbf, bad_hersfeld_pbf):
    """Polygons of another town: a German note says so (every address would be
    'außerhalb'); with the extract's header box (Lauf), the network's box (Bad Hersfeld's
    header has none) and a download's town polygon (``area``)."""
    far = _file(tmp_path, "kassel.geojson", KASSEL_CELLS, ["Nord", "Mitte", "Süd"])
    for extract in (lauf_pbf, bad_hersfeld_pbf):
        d = load_districts(extract, districts_file=far)
        warned = [n for n in d.notes if "liegt im Gebiet des OSM-Auszugs" in n]
        assert warned == [
            f"Keiner der 3 Bezirke aus kassel.geojson liegt im Gebiet des OSM-Auszugs "
            f"{extract.name}. Gehört die Bezirksdatei zu einer anderen Stadt? So erhält jede "
            f"Adresse den Bezirk „{OUTSIDE}“."
        ], d.notes
    one = _file(tmp_path, "fern.geojson", KASSEL_CELLS[:1], ["Fern"])
    assert any(n.startswith("Der Bezirk aus fern.geojson liegt nicht im Gebiet")
               for n in load_districts(lauf_pbf, districts_file=one).notes)
    # the town polygon of a download decides when given
    kassel_area = shapely.box(9.35, 51.25, 9.55, 51.40)
    assert not any("Gebiet" in n for n in
                   load_districts(lauf_pbf, districts_file=far, area=kassel_area).notes)


def test_district_file_of_the_town_is_not_warned(tmp_path, lauf_pbf, bad_hersfeld_pbf):
    """One polygon meeting the extract is enough (a file may reach beyond it)."""
    lauf = [shapely.box(11.27, 49.50, 11.29, 49.52), KASSEL_CELLS[0]]
    d = load_districts(lauf_pbf, districts_file=_file(tmp_path, "lauf.geojson", lauf, ["A", "B"]))
    assert not any("Gebiet des OSM-Auszugs" in n for n in d.notes)
    bh = [shapely.box(9.70, 50.86, 9.72, 50.88)]
    d = load_districts(bad_hersfeld_pbf, districts_file=_file(tmp_path, "bh.geojson", bh, ["Mitte"]))
    assert not any("Gebiet des OSM-Auszugs" in n for n in d.notes)
    # without an extract there is nothing to compare with
    assert not any("Gebiet" in n for n in load_districts(None, districts_file=_file(
        tmp_path, "k.geojson", KASSEL_CELLS, ["Nord", "Mitte", "Süd"])).notes)
