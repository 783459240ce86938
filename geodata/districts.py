"""District polygons (Stadtteile) and the assignment of points to them.

:func:`load_districts` builds a :class:`Districts` set from one of three sources:

``"osm"``
    Complete OSM boundary relations (``boundary=administrative``) at the
    requested ``admin_level`` (10 = Stadtteile in Kassel), assembled to
    multipolygons by pyosmium's area handling. Relations cut by the extract's
    boundary (members missing) cannot be assembled and are skipped; their names
    are listed in :attr:`Districts.notes`.
``"file"``
    A user polygon file (GeoJSON, GeoPackage, Shapefile), as cities publish on
    their open-data portals, with a name column. Other coordinate systems are
    reprojected to WGS84. Name spellings are mapped onto known (OSM) names with
    :func:`canonical_district_name` (e.g. ``"Nord (Holland)"`` →
    ``"Nord-Holland"``). A file none of whose polygons meets the extract's area
    (the town polygon of a download, else the extract's bounding box, else the
    network's) gets a warning in :attr:`Districts.notes`: it belongs to another
    town, and every address would be ``außerhalb``.
``"fallback"``
    When neither exists: Voronoi cells around OSM place nodes
    (``place=suburb|quarter|neighbourhood|village|hamlet``, plus the
    ``town``/``city`` node itself so that the core of the town is named after
    it rather than split among its suburbs), computed in EPSG:25832 and
    clipped to the street network's hull (buffered by 100 m), each named after
    its node. Without any such node, one district named after the town covers
    the whole hull.

The districts built from an extract (``"osm"`` and ``"fallback"``) are cached on disk
beside the networks (:func:`districts_cache_path`), keyed by the extract's content
hash and name and by every option that shapes them; a user file is read each time
(it is small, and a Shapefile's identity spans several files).

:meth:`Districts.assign` gives every point a district name or the explicit
label :data:`OUTSIDE` (``"außerhalb"``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.cache import PUBLIC, atomic_write, cache_dir, cache_key, file_digest
from geodata.errors import EmptyAreaError, GeodataError
from geodata.osm import read_objects

log = logging.getLogger(__name__)

#: Label for points in no district.
OUTSIDE = "außerhalb"

#: How each note of :attr:`Districts.notes` began up to session 38 (the substitute cells, a
#: district file's coordinate system or empty rows, a file of another town, incomplete OSM
#: boundaries): notes on the city's configuration, which a plan carries on. For plans
#: stored before then only: a plan now lists its districts' notes apart
#: (``hausbesuch.planning.report.DISTRICT_NOTES``), so a note reworded here needs no
#: change of this pattern; one stored without that list is told apart by it (hausbesuch
#: shows them after the notes that need the coordinator's action, QA 38 F7, and a re-plan
#: of such a plan makes them anew).
NOTE_START = re.compile(
    r"Keine Bezirksgrenzen verfügbar: |Keine Ortsteil-Knoten \(place="
    r"|Keine vollständigen OSM-Bezirksgrenzen auf admin_level "
    r"|\d+ Bezirksgrenze\(n\) auf admin_level "
    r"|Die Bezirksdatei .+ (?:nennt kein Koordinatensystem|wurde von .+ nach WGS84 umgerechnet)"
    r"|\d+ Objekt\(e\) ohne Flächengeometrie in "
    r"|(?:Der Bezirk|Keiner der \d+ Bezirke) aus .+ im Gebiet des OSM-Auszugs ")
#: The instruction of the substitute districts' note: a district file in the profile.
FILE_HINT = ("Genaue Stadtteile: eine Bezirksdatei im Profil angeben ([districts] source = "
             "\"file\", file = \"stadtteile.geojson\").")

#: Valid values of :attr:`Districts.source`.
SOURCES = ("osm", "file", "fallback")

#: Place types whose nodes seed the fallback cells.
FALLBACK_PLACE_TYPES = ("suburb", "quarter", "neighbourhood", "village", "hamlet")
#: The town's own node also seeds a cell (the core of the town keeps its name).
CORE_PLACE_TYPES = ("town", "city")

#: Projected CRS for distances and Voronoi cells (ETRS89 / UTM 32N, Germany).
PROJECTED_CRS = "EPSG:25832"

#: Buffer (m) around the network hull that bounds the fallback cells.
HULL_BUFFER_M = 100.0

#: Bump when the building of districts from an extract changes, so that old cache
#: entries (see :func:`districts_cache_path`) are not reused.
CACHE_VERSION = 2

#: Name columns tried (case-insensitively, in this order) in a user district file.
NAME_COLUMN_CANDIDATES = (
    "name",
    "stadtteil",
    "stt_name",
    "stadtteilname",
    "stadtteil_name",
    "stadtteil_bez",
    "bezeichnung",
    "bezeichnun",  # Shapefile column names are cut at 10 characters
    "stadtbezirk",
    "stbz_name",
    "ortsteil",
    "ortsteilname",
    "ortsbezirk",
    "bezirk",
    "bezirksname",
    "gen",
    "name_de",
)


class DistrictsError(GeodataError):
    """District data cannot be used (missing or unreadable file, no polygons, no name column)."""


# --------------------------------------------------------------------------- names


def _name_key(name: str) -> str:
    """Spelling-insensitive key: case, ß, brackets, slashes and dashes do not matter."""
    s = unicodedata.normalize("NFC", str(name)).casefold().replace("ß", "ss")
    s = re.sub(r"[\s/()\[\]\-–—_,.;:+&]+", "-", s)
    return s.strip("-")


def canonical_district_name(name: str, known_names: Iterable[str]) -> str:
    """Map a user's spelling of a district onto the known (OSM) spelling.

    Kassel's historic tables write ``"Nord (Holland)"``, ``"Süsterfeld/Helleböhn"``,
    ``"Philippinenhof/Warteberg"`` or ``"Wolfsanger/Hasenhecke"`` where OSM writes
    ``"Nord-Holland"``, ``"Süsterfeld-Helleböhn"`` and so on. Names are compared
    ignoring case, ``ß``/``ss``, brackets, slashes, dashes and spaces. When that
    finds no match, a name that is the unique leading part of a known name maps
    onto it (``"Süsterfeld"`` → ``"Süsterfeld-Helleböhn"``).

    Parameters
    ----------
    name
        The spelling found in the user's data.
    known_names
        The canonical names (usually the OSM district names).

    Returns
    -------
    str
        The matching known name, or ``name`` (stripped) unchanged when none matches.
    """
    stripped = " ".join(str(name).split())
    known = list(dict.fromkeys(known_names))
    if stripped in known:
        return stripped
    key = _name_key(stripped)
    if not key:
        return stripped
    exact = [k for k in known if _name_key(k) == key]
    if len(exact) == 1:
        return exact[0]
    parts = key.split("-")
    prefix = [k for k in known if _name_key(k).split("-")[: len(parts)] == parts]
    if len(prefix) == 1:
        return prefix[0]
    return stripped


# --------------------------------------------------------------------------- the set


@dataclass(eq=False)
class Districts:
    """Named district polygons in WGS84 (lon/lat) and where they came from.

    Attributes
    ----------
    names
        District names, unique, in a stable order.
    geometries
        One shapely ``Polygon`` or ``MultiPolygon`` (EPSG:4326) per name.
    source
        ``"osm"``, ``"file"`` or ``"fallback"``.
    notes
        German remarks for the user (skipped relations, assumed CRS …).
    """

    names: list[str]
    geometries: list[BaseGeometry]
    source: str
    notes: list[str] = field(default_factory=list)
    _tree: shapely.STRtree | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown districts source {self.source!r}")
        if len(self.names) != len(self.geometries):
            raise ValueError("names and geometries differ in length")
        if len(set(self.names)) != len(self.names):
            raise ValueError("district names must be unique")
        for name, geom in zip(self.names, self.geometries, strict=True):
            if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
                raise ValueError(f"district {name!r} has no polygon geometry")

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(zip(self.names, self.geometries, strict=True))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of all districts."""
        b = shapely.total_bounds(np.asarray(self.geometries, dtype=object))
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    def canonical(self, name: str) -> str:
        """:func:`canonical_district_name` against this set's names."""
        return canonical_district_name(name, self.names)

    def assign(self, lons: Any, lats: Any) -> np.ndarray:
        """District name for each point (lon/lat, WGS84), or :data:`OUTSIDE`.

        Vectorised with a shapely STRtree. A point on a shared border goes to the
        first district in :attr:`names`; points with NaN coordinates are outside.

        Returns
        -------
        numpy.ndarray
            A string array with one name per point.
        """
        x = np.asarray(lons, dtype=np.float64).ravel()
        y = np.asarray(lats, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lons and lats differ in length")
        labels = np.array([*self.names, OUTSIDE], dtype=str)
        best = np.full(x.shape[0], len(self.names), dtype=np.int64)
        if x.shape[0] and self.names:
            if self._tree is None:
                self._tree = shapely.STRtree(np.asarray(self.geometries, dtype=object))
            ok = np.isfinite(x) & np.isfinite(y)
            idx = np.flatnonzero(ok)
            pts = shapely.points(x[idx], y[idx])
            p_i, g_i = self._tree.query(pts, predicate="intersects")
            np.minimum.at(best, idx[p_i], g_i)
        return labels[best]

    def to_geojson_dict(self) -> dict[str, Any]:
        """The districts as a GeoJSON FeatureCollection (properties ``name``, ``source``)."""
        features = []
        for name, geom in zip(self.names, self.geometries, strict=True):
            gj = json.loads(shapely.to_geojson(geom))
            gj["coordinates"] = _round_coords(gj["coordinates"])
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": name, "source": self.source},
                    "geometry": gj,
                }
            )
        return {"type": "FeatureCollection", "source": self.source, "features": features}

    def to_geojson(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_geojson_dict` to ``path`` (UTF-8, atomically) and return the path."""
        p = Path(path)
        with atomic_write(p, "w", encoding="utf-8", file_mode=PUBLIC) as fh:
            json.dump(self.to_geojson_dict(), fh, ensure_ascii=False)
        return p


def _round_coords(c: Any, nd: int = 7) -> Any:
    if isinstance(c, list | tuple) and c and isinstance(c[0], int | float):
        return [round(float(v), nd) for v in c]
    return [_round_coords(v, nd) for v in c]


# --------------------------------------------------------------------------- helpers


def _transformer(src: Any, dst: Any):  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _reproject(geom: BaseGeometry, tr: Any) -> BaseGeometry:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of ``geom`` (made valid), or None when it has none."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            return shapely.union_all(parts)
    return None


def _merge_by_name(
    names: Sequence[str], geoms: Sequence[BaseGeometry]
) -> tuple[list[str], list[BaseGeometry]]:
    """One geometry per name (parts of a name are united), in first-seen order."""
    grouped: dict[str, list[BaseGeometry]] = {}
    for n, g in zip(names, geoms, strict=True):
        grouped.setdefault(n, []).append(g)
    out_names: list[str] = []
    out_geoms: list[BaseGeometry] = []
    for n, gs in grouped.items():
        g = gs[0] if len(gs) == 1 else shapely.union_all(gs)
        g = _polygonal(g)
        if g is not None:
            out_names.append(n)
            out_geoms.append(g)
    return out_names, out_geoms


def _pretty_town_name(path: Path) -> str:
    """A readable town name from an extract's file name (``lauf-an-der-pegnitz_2020…``)."""
    stem = path.name
    for suffix in (".osm.pbf", ".osm.xml.gz", ".osm.gz", ".osm.bz2", ".osm", ".pbf", ".xml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = re.sub(r"[_-]\d{4}-\d{2}-\d{2}$", "", stem)
    stem = re.sub(r"[_-]\d{6,8}$", "", stem)
    words = [w for w in re.split(r"[_\-\s]+", stem) if w]
    small = {"an", "am", "der", "die", "das", "im", "in", "ob", "bei", "vor", "auf", "zu"}
    return " ".join(w if w in small else w[:1].upper() + w[1:] for w in words) or path.name


# --------------------------------------------------------------------------- (a) OSM


def _admin_level_str(level: int | str) -> str:
    return str(int(level)) if str(level).strip().isdigit() else str(level).strip()


def osm_boundary_names(osm_path: str | os.PathLike[str], admin_level: int = 10) -> list[str]:
    """Names of all ``boundary=administrative`` relations at ``admin_level``, complete or not."""
    from geodata.osm import check_extract

    p = check_extract(osm_path)
    level = _admin_level_str(admin_level)
    names: list[str] = []
    fp = osmium.FileProcessor(str(p), osmium.osm.RELATION).with_filter(
        osmium.filter.TagFilter(("boundary", "administrative"))
    )
    for rel in read_objects(p, fp):
        if rel.tags.get("admin_level", "").strip() == level:
            name = rel.tags.get("name") or rel.tags.get("name:de")
            if name:
                names.append(name)
    return list(dict.fromkeys(names))


def _osm_districts(
    osm_path: Path, admin_level: int, area: BaseGeometry | None
) -> tuple[list[str], list[BaseGeometry], list[str]]:
    """Complete boundary relations (and closed boundary ways) at ``admin_level``.

    Returns names, geometries and the names of relations that could not be
    assembled (cut by the extract's boundary).
    """
    level = _admin_level_str(admin_level)
    tag_filter = osmium.filter.TagFilter(("boundary", "administrative"))
    fp = osmium.FileProcessor(str(osm_path)).with_areas(tag_filter).with_filter(tag_filter)
    wkb = osmium.geom.WKBFactory()
    relations: dict[int, str] = {}
    assembled: set[int] = set()
    names: list[str] = []
    geoms: list[BaseGeometry] = []
    for obj in read_objects(osm_path, fp):
        if obj.tags.get("admin_level", "").strip() != level:
            continue
        name = obj.tags.get("name") or obj.tags.get("name:de")
        if isinstance(obj, osmium.osm.Relation):
            relations[obj.id] = name or f"Relation {obj.id}"
            continue
        if not isinstance(obj, osmium.osm.Area):
            continue
        try:
            geom = shapely.from_wkb(wkb.create_multipolygon(obj), on_invalid="ignore")
        except (RuntimeError, shapely.errors.GEOSException):
            continue  # a ring that osmium could not close
        geom = _polygonal(geom)
        if geom is None:
            continue
        if not obj.from_way():
            assembled.add(obj.orig_id())
        if area is not None and not area.contains(geom.representative_point()):
            continue  # a neighbouring municipality's district
        names.append(name or f"{'Weg' if obj.from_way() else 'Relation'} {obj.orig_id()}")
        geoms.append(geom)
    skipped = [n for rid, n in relations.items() if rid not in assembled]
    return names, geoms, skipped


# --------------------------------------------------------------------------- (b) file


def _pick_layer(path: Path) -> str | None:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # noqa: BLE001 - reported by read_file below with a German message
        return None
    if len(layers) <= 1:
        return None
    for name, gtype in layers:
        if gtype and "polygon" in str(gtype).lower():
            return str(name)
    return str(layers[0][0])


def _detect_name_column(columns: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in NAME_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    fuzzy = [c for c in columns if "name" in c.lower() or "stadtteil" in c.lower()]
    return fuzzy[0] if len(fuzzy) == 1 else None


def _file_districts(
    path: Path, name_column: str | None, known_names: Sequence[str]
) -> tuple[list[str], list[BaseGeometry], list[str]]:
    import geopandas as gpd

    notes: list[str] = []
    if not path.exists():
        raise DistrictsError(f"Bezirksdatei nicht gefunden: {path}")
    if path.is_dir() and not any(path.glob("*.shp")):
        raise DistrictsError(f"Bezirksdatei ist ein Ordner ohne Shapefile: {path}")
    try:
        gdf = gpd.read_file(path, layer=_pick_layer(path))
    except Exception as exc:  # noqa: BLE001 - pyogrio/GDAL raise many kinds of errors
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistrictsError(
            f"Die Bezirksdatei kann nicht gelesen werden: {path} ({msg}). Erwartet wird "
            "GeoJSON, GeoPackage oder Shapefile mit Polygonen und einer Namensspalte."
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        # a table without geometry (a CSV, a spreadsheet) reads as a plain DataFrame
        raise DistrictsError(
            f"Die Bezirksdatei {path.name} enthält keine Geometrien (eine Tabelle?). Erwartet "
            "wird GeoJSON, GeoPackage oder Shapefile mit Polygonen und einer Namensspalte."
        )
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    if len(gdf) == 0:
        raise DistrictsError(f"Die Bezirksdatei enthält keine Objekte: {path}")
    geoms = [_polygonal(g) for g in gdf.geometry.array]
    if not any(g is not None for g in geoms):
        kinds = sorted({g.geom_type for g in gdf.geometry.array if g is not None and not g.is_empty})
        raise DistrictsError(
            f"Die Bezirksdatei enthält keine Flächen (Polygone): {path}"
            + (f"; gefunden: {', '.join(kinds)}" if kinds else "")
        )
    if name_column is not None:
        if name_column not in columns:
            raise DistrictsError(
                f"Spalte {name_column!r} fehlt in der Bezirksdatei {path.name}. "
                f"Vorhandene Spalten: {', '.join(columns) or '(keine)'}"
            )
        col = name_column
    else:
        detected = _detect_name_column(columns)
        if detected is None:
            raise DistrictsError(
                f"Keine Namensspalte in der Bezirksdatei {path.name} gefunden (gesucht: name, "
                f"stadtteil, bezeichnung …). Vorhandene Spalten: {', '.join(columns) or '(keine)'}. "
                "Bitte die Spalte mit --name-column angeben."
            )
        col = detected
    # coordinate system: reproject to WGS84, never guess silently
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            notes.append(
                f"Die Bezirksdatei {path.name} nennt kein Koordinatensystem; "
                "angenommen wird WGS84 (Längen-/Breitengrade)."
            )
        else:
            raise DistrictsError(
                f"Die Bezirksdatei {path.name} nennt kein Koordinatensystem (fehlt die "
                ".prj-Datei?) und ihre Koordinaten sind keine Längen-/Breitengrade."
            )
    elif not gdf.crs.equals("EPSG:4326"):
        epsg = gdf.crs.to_epsg()
        notes.append(
            f"Die Bezirksdatei {path.name} wurde von "
            f"{f'EPSG:{epsg}' if epsg else gdf.crs.name} nach WGS84 umgerechnet."
        )
        tr = _transformer(gdf.crs, "EPSG:4326")
        geoms = [None if g is None else _polygonal(_reproject(g, tr)) for g in geoms]
    names: list[str] = []
    out: list[BaseGeometry] = []
    skipped_rows = 0
    for i, (value, geom) in enumerate(zip(gdf[col].tolist(), geoms, strict=True)):
        if geom is None:
            skipped_rows += 1
            continue
        if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
            raise DistrictsError(
                f"Bezirksdatei {path.name}, Objekt {i + 1}: die Namensspalte {col!r} ist leer."
            )
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        names.append(canonical_district_name(text, known_names) if known_names else " ".join(text.split()))
        out.append(geom)
    if skipped_rows:
        notes.append(f"{skipped_rows} Objekt(e) ohne Flächengeometrie in {path.name} übersprungen.")
    return names, out, notes


# --------------------------------------------------------------------------- (c) fallback


def _place_nodes(osm_path: Path, types: Sequence[str]) -> list[tuple[str, str, float, float]]:
    """(name, place type, lon, lat) of named place nodes of the given types."""
    wanted = set(types)
    out = []
    fp = osmium.FileProcessor(str(osm_path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    )
    for n in read_objects(osm_path, fp):
        kind = n.tags.get("place")
        name = n.tags.get("name")
        if kind in wanted and name and n.location.valid():
            out.append((name, kind, n.location.lon, n.location.lat))
    return out


def _extract_extent(
    osm_path: Path, area: BaseGeometry | None, mode: str
) -> BaseGeometry | None:
    """The area an extract covers (WGS84): ``area``, else the bounding box of its header,
    else of its ``mode`` network; None when none is known."""
    if area is not None:
        return area
    try:
        reader = osmium.io.Reader(str(osm_path), osmium.osm.osm_entity_bits.NOTHING)
        box = reader.header().box()
        reader.close()
        if box.valid():
            a, b = box.bottom_left, box.top_right
            return shapely.box(a.lon, a.lat, b.lon, b.lat)
    except RuntimeError:
        pass
    from geodata.network import load_network

    try:
        net = load_network(osm_path, mode)
    except GeodataError:
        return None
    return shapely.box(*net.bbox) if net.n_edges else None


def _outside_note(
    geoms: Sequence[BaseGeometry], districts_file: Path, osm_path: Path, extent: BaseGeometry
) -> str | None:
    """A warning when no district polygon meets the extract's area, else None."""
    if not geoms or any(g.intersects(extent) for g in geoms):
        return None
    which = "Der Bezirk" if len(geoms) == 1 else f"Keiner der {len(geoms)} Bezirke"
    where = "liegt nicht" if len(geoms) == 1 else "liegt"
    return (
        f"{which} aus {districts_file.name} {where} im Gebiet des OSM-Auszugs "
        f"{osm_path.name}. Gehört die Bezirksdatei zu einer anderen Stadt? So erhält jede "
        f"Adresse den Bezirk „{OUTSIDE}“."
    )


def network_hull(osm_path: str | os.PathLike[str], mode: str = "walk") -> BaseGeometry:
    """Convex hull of the ``mode`` network's geometry, buffered by 100 m (EPSG:25832)."""
    from geodata.network import load_network

    net = load_network(osm_path, mode)
    if net.n_edges == 0:
        raise EmptyAreaError(f"Der OSM-Auszug enthält kein Wegenetz ({mode}): {osm_path}")
    tr = _transformer("EPSG:4326", PROJECTED_CRS)
    x, y = tr.transform(net.geom_lon, net.geom_lat)
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
    return hull.buffer(HULL_BUFFER_M)


def _fallback_districts(
    osm_path: Path, network_mode: str, area: BaseGeometry | None, town: str | None
) -> tuple[list[str], list[BaseGeometry], list[str]]:
    to_utm = _transformer("EPSG:4326", PROJECTED_CRS)
    to_wgs = _transformer(PROJECTED_CRS, "EPSG:4326")
    if area is not None:
        region = _reproject(area, to_utm).buffer(HULL_BUFFER_M)
    else:
        region = network_hull(osm_path, network_mode)
    places = _place_nodes(osm_path, (*FALLBACK_PLACE_TYPES, *CORE_PLACE_TYPES))
    seeds: dict[tuple[float, float], str] = {}
    for name, _kind, lon, lat in places:
        x, y = to_utm.transform(lon, lat)
        if region.contains(shapely.Point(x, y)):
            seeds.setdefault((round(x, 1), round(y, 1)), name)
    notes: list[str] = []
    if not seeds:
        core = [p for p in places if p[1] in CORE_PLACE_TYPES]
        name = town or (core[0][0] if core else _pretty_town_name(osm_path))
        notes.append(
            "Keine Ortsteil-Knoten (place=suburb/quarter/neighbourhood/village/hamlet) im "
            f"Auszug: ein einziger Bezirk {name!r} umfasst das ganze Gebiet."
        )
        return [name], [_polygonal(_reproject(region, to_wgs))], notes  # type: ignore[list-item]
    coords = np.array(list(seeds.keys()))
    seed_names = list(seeds.values())
    if len(seeds) == 1:
        cells = [region]
        owners = [0]
    else:
        diagram = shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=region)
        cells = list(shapely.get_parts(diagram))
        tree = shapely.STRtree(cells)
        seed_pts = shapely.points(coords)
        s_i, c_i = tree.query(seed_pts, predicate="intersects")
        owner_of_cell: dict[int, int] = {}
        for s, c in zip(s_i.tolist(), c_i.tolist(), strict=True):
            owner_of_cell.setdefault(c, s)
        owners = [owner_of_cell.get(i, -1) for i in range(len(cells))]
    names: list[str] = []
    geoms: list[BaseGeometry] = []
    for cell, owner in zip(cells, owners, strict=True):
        if owner < 0:
            continue
        clipped = _polygonal(shapely.intersection(cell, region))
        if clipped is None:
            continue
        names.append(seed_names[owner])
        geoms.append(_reproject(clipped, to_wgs))
    notes.append(
        f"Keine Bezirksgrenzen verfügbar: {len(set(names))} Ersatzbezirke um die Ortsteil-Knoten "
        "des OSM-Auszugs gebildet. Die Namen sind nur ungefähr: jede Adresse erhält den Namen "
        "des nächsten Ortsteil-Knotens, eine Kernstadt ohne eigene Knoten auch die Namen "
        f"umliegender Dörfer (sogar solcher einer Nachbargemeinde). {FILE_HINT}"
    )
    return names, geoms, notes


# --------------------------------------------------------------------------- entry point


def load_districts(
    osm_path: str | os.PathLike[str] | None,
    *,
    districts_file: str | os.PathLike[str] | None = None,
    admin_level: int = 10,
    name_column: str | None = None,
    network_mode: str = "walk",
    source: str = "auto",
    known_names: Sequence[str] | None = None,
    area: BaseGeometry | None = None,
    use_cache: bool = True,
) -> Districts:
    """Load the districts of a town.

    Parameters
    ----------
    osm_path
        The town's OSM extract (may be None when only ``districts_file`` is used).
    districts_file
        A user polygon file (GeoJSON, GeoPackage or Shapefile) with a name column.
    admin_level
        OSM ``admin_level`` of the district boundaries (10 = Kassel's Stadtteile).
    name_column
        Name column of ``districts_file``; detected among name/stadtteil/… when None.
    network_mode
        Network whose hull bounds the fallback cells.
    source
        ``"auto"`` (the file when given, else complete OSM boundaries, else the
        fallback), ``"file"`` (the file is required), or ``"osm"`` (OSM
        boundaries; the fallback with a note when there are none).
    known_names
        Canonical district names (e.g. from the city profile). A user file's
        spellings are mapped onto these and onto the names of the extract's
        boundary relations at ``admin_level`` with :func:`canonical_district_name`.
    area
        The town's polygon (WGS84). OSM districts whose interior point lies
        outside it are dropped, and fallback cells are clipped to it instead of
        the network hull. For a file made by :func:`geodata.download.download_place`
        the downloaded place polygon is used when ``area`` is None.
    use_cache
        Districts built from an extract come from the on-disk cache when an entry
        for the same extract content and options exists (see
        :func:`districts_cache_path`); False builds them anew and leaves the cache
        alone. A ``districts_file`` is always read anew.

    Raises
    ------
    DistrictsError
        Missing or unreadable district file, no polygons, no name column.
    geodata.errors.ExtractError
        Missing or unreadable OSM extract.
    """
    from geodata.osm import check_extract

    if source not in ("auto", "file", "osm"):
        raise DistrictsError(
            f"Unbekannte Bezirksquelle {source!r}: erlaubt sind auto, osm und file."
        )
    osm_p = check_extract(osm_path) if osm_path is not None else None
    town: str | None = None
    if osm_p is not None and area is None:
        from geodata.download import download_info

        info = download_info(osm_p)
        if info is not None:
            area = info.get("polygon")
            town = info.get("name")

    if districts_file is not None or source == "file":
        if districts_file is None:
            raise DistrictsError(
                "Das Profil verlangt eine Bezirksdatei (districts.source = file), "
                "aber es ist keine angegeben."
            )
        known = list(known_names or [])
        if osm_p is not None:
            known += osm_boundary_names(osm_p, admin_level)
        file_path = Path(districts_file).expanduser()
        names, geoms, notes = _file_districts(file_path, name_column, known)
        names, geoms = _merge_by_name(names, geoms)
        if osm_p is not None:
            extent = _extract_extent(osm_p, area, network_mode)
            warning = None if extent is None else _outside_note(geoms, file_path, osm_p, extent)
            if warning:
                notes.append(warning)
        return Districts(names, geoms, "file", notes)

    if osm_p is None:
        raise DistrictsError("Für Bezirke wird ein OSM-Auszug oder eine Bezirksdatei benötigt.")
    if not use_cache:
        return _extract_districts(osm_p, admin_level, network_mode, source, area, town)
    try:
        target = districts_cache_path(
            osm_p, admin_level=admin_level, network_mode=network_mode, source=source,
            area=area, town=town,
        )
    except OSError as exc:  # no districts folder in the cache (not writable): built anew
        log.warning("districts cache folder unusable, building without it: %s", exc)
        return _extract_districts(osm_p, admin_level, network_mode, source, area, town)
    cached = _read_cached(target)
    if cached is not None:
        return cached
    districts = _extract_districts(osm_p, admin_level, network_mode, source, area, town)
    _write_cached(target, districts)
    return districts


# --------------------------------------------------------------------------- disk cache


def districts_cache_path(
    osm_path: Path,
    *,
    admin_level: int | str,
    network_mode: str,
    source: str,
    area: BaseGeometry | None,
    town: str | None,
) -> Path:
    """Where the districts built from an extract with these options are cached.

    The key holds the extract's content hash and file name (the fallback may name its
    single district after the file), every option that shapes the result (admin level,
    network mode, source, the area polygon as a hash of its WKB, the town's name), the
    module's constants and cache version and the network builder's version (the
    fallback cells are clipped to the network's hull).
    """
    from geodata.network import CACHE_VERSION as NETWORK_VERSION

    area_hash = (
        None if area is None else hashlib.sha256(shapely.to_wkb(area, hex=False)).hexdigest()
    )
    key = cache_key(
        "districts", CACHE_VERSION, NETWORK_VERSION, file_digest(osm_path), osm_path.name,
        admin_level, network_mode, source, area_hash, town,
        FALLBACK_PLACE_TYPES, CORE_PLACE_TYPES, PROJECTED_CRS, HULL_BUFFER_M,
    )
    return cache_dir("districts") / f"{key}.json"


def _read_cached(path: Path) -> Districts | None:
    """The districts stored at ``path``, or None when there are none or they are unusable."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("districts cache %s unreadable, rebuilding: %s", path.name, exc)
        return None
    try:
        if data["format"] != CACHE_VERSION:
            return None
        geoms = [shapely.from_wkb(base64.b64decode(g, validate=True)) for g in data["wkb"]]
        return Districts(
            [str(n) for n in data["names"]], geoms, str(data["source"]),
            [str(n) for n in data["notes"]],
        )
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        log.warning("districts cache %s unusable, rebuilding: %s", path.name, exc)
        return None


def _write_cached(path: Path, districts: Districts) -> None:
    """Store ``districts`` at ``path`` (atomically, readable by all: public map data only)."""
    data = {
        "format": CACHE_VERSION,
        "source": districts.source,
        "names": districts.names,
        "notes": districts.notes,
        "wkb": [base64.b64encode(shapely.to_wkb(g, hex=False)).decode("ascii")
                for g in districts.geometries],
    }
    try:
        with atomic_write(path, "w", encoding="utf-8", file_mode=PUBLIC) as fh:
            json.dump(data, fh, ensure_ascii=False)
    except OSError as exc:  # a cache that cannot be written costs time, not correctness
        log.warning("districts cache %s not written: %s", path.name, exc)


def _extract_districts(
    osm_p: Path,
    admin_level: int,
    network_mode: str,
    source: str,
    area: BaseGeometry | None,
    town: str | None,
) -> Districts:
    """OSM boundaries of an extract, else the fallback cells (no cache)."""
    names, geoms, skipped = _osm_districts(osm_p, admin_level, area)
    notes: list[str] = []
    if skipped:
        shown = ", ".join(skipped[:10]) + (" …" if len(skipped) > 10 else "")
        notes.append(
            f"{len(skipped)} Bezirksgrenze(n) auf admin_level {admin_level} sind im Auszug "
            f"unvollständig (abgeschnitten) und wurden übersprungen: {shown}"
        )
    if names:
        names, geoms = _merge_by_name(names, geoms)
        return Districts(names, geoms, "osm", notes)
    if source == "osm":
        notes.append(
            f"Keine vollständigen OSM-Bezirksgrenzen auf admin_level {admin_level} im Auszug."
        )
    f_names, f_geoms, f_notes = _fallback_districts(osm_p, network_mode, area, town)
    f_names, f_geoms = _merge_by_name(f_names, f_geoms)
    return Districts(f_names, f_geoms, "fallback", notes + f_notes)
