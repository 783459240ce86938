"""Street networks for walking, cycling and driving, built from a local OSM extract.

A :class:`StreetNetwork` is a directed graph in plain NumPy arrays: nodes are
junctions and dead ends (OSM nodes shared by two or more ways, or ending one),
edges are the street pieces between them with their full geometry. Each edge has
a length (metres, along the geometry) and a travel time (seconds) for the mode:

- ``walk``: ``walk_kmh`` (4.5 km/h by default) on every way open to pedestrians;
  one-way tags are ignored; no motorways, no ``foot=no``.
- ``bike``: ``bike_kmh`` (15 km/h by default); one-ways respected unless
  cyclists are exempted (``oneway:bicycle=no``, ``cycleway=opposite*``); no
  motorways, no ``bicycle=no``; footways only where cycling is allowed.
- ``drive``: ``maxspeed`` where tagged (numbers, ``mph``, ``DE:urban`` …),
  otherwise German defaults per highway class; one-ways and roundabouts
  respected; no ``access=private``, no ``motor_vehicle=no``.

The graph is restricted to its largest strongly connected component, so that
every node can reach every other; :attr:`StreetNetwork.dropped_nodes` says how
many nodes that removed. Networks are cached on disk (see :func:`load_network`),
keyed by the extract's content hash, the mode and the settings.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geodata.cache import PUBLIC, atomic_write, cache_dir, cache_key, file_digest
from geodata.errors import EmptyAreaError, SettingsError
from geodata.osm import check_extract, iter_ways, osm_timestamp

MODES = ("walk", "bike", "drive")

#: Bump when the build logic changes, so old cache entries are not reused.
CACHE_VERSION = 1

EARTH_RADIUS_M = 6_371_008.8

#: German default speeds (km/h) per highway class where ``maxspeed`` is missing.
#: Urban streets dominate the visits: residential streets default to 30 (most
#: German residential areas are Tempo-30 zones), main roads to 50.
DRIVE_DEFAULT_KMH: dict[str, float] = {
    "motorway": 120.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 7.0,
    "road": 30.0,
    "service": 15.0,
}

#: German implicit speed limits (``maxspeed=DE:…``), km/h.
_DE_ZONES = {
    "urban": 50.0,
    "rural": 100.0,
    "motorway": 130.0,
    "living_street": 7.0,
    "walk": 7.0,
    "bicycle_road": 30.0,
    "zone30": 30.0,
    "zone:30": 30.0,
    "zone20": 20.0,
    "zone:20": 20.0,
    "zone10": 10.0,
    "zone:10": 10.0,
}

_NO = {"no", "private"}
_YES = {"yes", "designated", "permissive", "destination", "official"}

# Highway values never routable (osmnx's filters, adapted per mode below).
_NEVER = {
    "abandoned",
    "bus_guideway",
    "construction",
    "no",
    "planned",
    "platform",
    "proposed",
    "raceway",
    "razed",
    "rest_area",
    "services",
    "disused",
    "elevator",
    "bus_stop",
}
_MOTORWAY = {"motorway", "motorway_link"}
_DRIVE_EXCLUDED = {
    "bridleway",
    "corridor",
    "cycleway",
    "escalator",
    "footway",
    "path",
    "pedestrian",
    "steps",
    "track",
}
_DRIVE_SERVICE_EXCLUDED = {
    "alley",
    "driveway",
    "emergency_access",
    "parking",
    "parking_aisle",
    "private",
}


@dataclass(frozen=True)
class NetworkSettings:
    """Settings that shape a network; every field is part of the cache key."""

    walk_kmh: float = 4.5
    bike_kmh: float = 15.0
    drive_default_kmh: dict[str, float] = field(default_factory=lambda: dict(DRIVE_DEFAULT_KMH))
    #: speed (km/h) for a drivable highway class missing from ``drive_default_kmh``
    drive_fallback_kmh: float = 30.0

    def __post_init__(self) -> None:
        for name in ("walk_kmh", "bike_kmh", "drive_fallback_kmh"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 < value <= 200):
                raise SettingsError(
                    f"Ungültige Einstellung {name}={value!r}: erwartet wird eine Geschwindigkeit "
                    "in km/h größer als 0 und höchstens 200."
                )
        for key, value in self.drive_default_kmh.items():
            if not (isinstance(value, int | float) and 0 < value <= 200):
                raise SettingsError(
                    f"Ungültige Einstellung drive_default_kmh[{key!r}]={value!r}: erwartet wird "
                    "eine Geschwindigkeit in km/h größer als 0 und höchstens 200."
                )

    def key(self, mode: str | None = None) -> dict[str, Any]:
        """The settings as plain data; with ``mode``, only those that shape that mode's network."""
        d = asdict(self)
        d["drive_default_kmh"] = sorted(self.drive_default_kmh.items())
        if mode == "walk":
            return {"walk_kmh": d["walk_kmh"]}
        if mode == "bike":
            return {"bike_kmh": d["bike_kmh"]}
        if mode == "drive":
            return {k: d[k] for k in ("drive_default_kmh", "drive_fallback_kmh")}
        return d


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is a known travel mode, else raise :class:`SettingsError`."""
    if mode not in MODES:
        raise SettingsError(
            f"Unbekannte Fortbewegungsart {mode!r}: erlaubt sind walk (zu Fuß), "
            "bike (Fahrrad) und drive (Auto)."
        )
    return mode


# --------------------------------------------------------------------------- tags


def _routable(tags: dict[str, str], mode: str) -> bool:
    """Whether a way may be used at all by ``mode`` (direction is handled separately)."""
    hw = tags.get("highway", "")
    if not hw or hw in _NEVER or tags.get("area") == "yes":
        return False
    access = tags.get("access", "")
    if mode == "walk":
        if hw in _MOTORWAY:
            return False
        foot = tags.get("foot", "")
        if foot in _NO:
            return False
        if hw == "cycleway" and foot not in _YES:
            return False  # osmnx excludes cycleways for walking unless shared with pedestrians
        if access in _NO and foot not in _YES:
            return False
        return tags.get("service") != "private"
    if mode == "bike":
        if hw in _MOTORWAY or hw in {"steps", "corridor", "escalator"}:
            return False
        bicycle = tags.get("bicycle", "")
        if bicycle in _NO or bicycle == "dismount" and hw != "footway":
            return False
        if hw in {"footway", "pedestrian"} and bicycle not in _YES:
            return False
        if access in _NO and bicycle not in _YES:
            return False
        return tags.get("service") != "private"
    # drive
    if hw in _DRIVE_EXCLUDED or tags.get("service") in _DRIVE_SERVICE_EXCLUDED:
        return False
    if hw == "service":
        return False  # osmnx's drive network leaves out service roads entirely
    for key in ("motor_vehicle", "motorcar", "vehicle"):
        if tags.get(key) in _NO:
            return False
    return access not in _NO or tags.get("motor_vehicle") in _YES or tags.get("motorcar") in _YES


def _direction(tags: dict[str, str], mode: str) -> tuple[bool, bool]:
    """(forward allowed, backward allowed) for ``mode``."""
    if mode == "walk":
        return True, True
    oneway = tags.get("oneway", "").lower()
    hw = tags.get("highway", "")
    forward, backward = True, True
    if oneway in {"yes", "true", "1"}:
        backward = False
    elif oneway in {"-1", "reverse"}:
        forward = False
    elif oneway != "no" and (
        tags.get("junction") in {"roundabout", "circular"} or hw in _MOTORWAY
    ):
        backward = False
    if mode == "bike":
        ob = tags.get("oneway:bicycle", "").lower()
        opposite = any(
            tags.get(k, "").startswith("opposite")
            for k in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
        )
        if ob == "no" or opposite:
            return True, True
        if ob in {"yes", "true", "1"}:
            return True, False
        if ob == "-1":
            return False, True
    return forward, backward


_NUM_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(mph|km/h|kmh)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h (``None`` when unknown).

    Understands plain numbers, ``mph``, ``DE:urban``/``DE:rural``/``DE:zone30`` …,
    ``walk``, ``none`` (motorways without limit: 130, the advisory speed) and
    lists separated by ``;`` (the lowest value is taken).
    """
    if not value:
        return None
    speeds = []
    for part in value.split(";"):
        part = part.strip().lower()
        m = _NUM_RE.match(part)
        if m:
            kmh = float(m.group(1).replace(",", "."))
            if m.group(2) == "mph":
                kmh *= 1.609344
            if kmh > 0:
                speeds.append(kmh)
            continue
        if part in {"none", "signals", "variable"}:
            speeds.append(130.0 if part == "none" else 50.0)
            continue
        if part in {"walk", "living_street"}:
            speeds.append(7.0)
            continue
        if ":" in part:
            country, _, kind = part.partition(":")
            kmh = _DE_ZONES.get(kind)
            if kmh is not None:
                speeds.append(kmh)
    return min(speeds) if speeds else None


def _speed_kmh(tags: dict[str, str], mode: str, settings: NetworkSettings) -> float:
    if mode == "walk":
        return settings.walk_kmh
    if mode == "bike":
        return settings.bike_kmh
    parsed = parse_maxspeed(tags.get("maxspeed"))
    if parsed is None:
        fwd = parse_maxspeed(tags.get("maxspeed:forward"))
        bwd = parse_maxspeed(tags.get("maxspeed:backward"))
        parsed = min(x for x in (fwd, bwd, math.inf) if x is not None)
        if parsed == math.inf:
            parsed = None
    if parsed is not None:
        return parsed
    hw = tags.get("highway", "")
    return settings.drive_default_kmh.get(hw, settings.drive_fallback_kmh)


# --------------------------------------------------------------------------- geometry


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Great-circle distance in metres (vectorised over NumPy arrays)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


# --------------------------------------------------------------------------- the network


@dataclass(eq=False)
class StreetNetwork:
    """A directed street network in arrays (see the module docstring).

    Node arrays have length ``n``; edge arrays length ``m``. Edge ``i`` runs from
    node ``edge_u[i]`` to ``edge_v[i]``; its geometry is
    ``geom_lon[geom_offsets[i]:geom_offsets[i + 1]]`` (and ``geom_lat``), from
    ``u`` to ``v`` inclusive. A two-way street is two edges with reversed geometry.
    """

    mode: str
    node_osmid: np.ndarray
    node_lon: np.ndarray
    node_lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray  # metres, float64
    edge_time: np.ndarray  # seconds, float64
    edge_way: np.ndarray  # OSM way id
    edge_name: np.ndarray  # street name ("" when unnamed)
    edge_highway: np.ndarray  # highway class
    geom_offsets: np.ndarray  # int64, m + 1
    geom_lon: np.ndarray
    geom_lat: np.ndarray
    dropped_nodes: int
    osm_timestamp: str | None
    source_digest: str
    settings: dict[str, Any]
    cache: str = "none"  # "hit", "miss" or "none" (built without the cache)

    @property
    def n_nodes(self) -> int:
        return int(self.node_lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the network's geometry."""
        return (
            float(self.geom_lon.min()),
            float(self.geom_lat.min()),
            float(self.geom_lon.max()),
            float(self.geom_lat.max()),
        )

    def edge_geometry(self, i: int) -> np.ndarray:
        """Edge ``i``'s polyline as an ``(k, 2)`` array of (lon, lat)."""
        a, b = self.geom_offsets[i], self.geom_offsets[i + 1]
        return np.column_stack([self.geom_lon[a:b], self.geom_lat[a:b]])

    def csr(self, weight: str = "time") -> sp.csr_matrix:
        """Adjacency matrix with ``weight`` ("time" in s or "length" in m).

        Parallel edges keep their minimum; self-loops are left out (they never
        shorten a path).
        """
        w = {"time": self.edge_time, "length": self.edge_length}.get(weight)
        if w is None:
            raise SettingsError(f"Unbekanntes Kantengewicht {weight!r}: erlaubt sind time und length.")
        keep = self.edge_u != self.edge_v
        u, v, w = self.edge_u[keep], self.edge_v[keep], w[keep]
        order = np.lexsort((w, v, u))
        u, v, w = u[order], v[order], w[order]
        first = np.ones(u.shape[0], dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        n = self.n_nodes
        return sp.csr_matrix((w[first], (u[first], v[first])), shape=(n, n))

    def to_networkx(self) -> Any:
        """The network as an osmnx-style ``networkx.MultiDiGraph`` (for interoperability).

        Nodes carry ``x``/``y`` (lon/lat), edges ``length`` (m), ``travel_time`` (s),
        ``name``, ``highway``, ``osmid`` and a shapely ``geometry``.
        """
        import networkx as nx
        from shapely.geometry import LineString

        g = nx.MultiDiGraph(crs="epsg:4326", mode=self.mode)
        for i in range(self.n_nodes):
            g.add_node(i, x=float(self.node_lon[i]), y=float(self.node_lat[i]), osmid=int(self.node_osmid[i]))
        for i in range(self.n_edges):
            g.add_edge(
                int(self.edge_u[i]),
                int(self.edge_v[i]),
                length=float(self.edge_length[i]),
                travel_time=float(self.edge_time[i]),
                name=str(self.edge_name[i]),
                highway=str(self.edge_highway[i]),
                osmid=int(self.edge_way[i]),
                geometry=LineString(self.edge_geometry(i)),
            )
        return g

    def summary(self) -> dict[str, Any]:
        """The figures ``hausbesuch network`` prints."""
        return {
            "mode": self.mode,
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "dropped_nodes": self.dropped_nodes,
            "bbox": [round(x, 7) for x in self.bbox],
            "osm_timestamp": self.osm_timestamp,
            "length_km": round(float(self.edge_length.sum()) / 1000.0, 3),
        }

    # -- persistence -------------------------------------------------------

    _ARRAYS = (
        "node_osmid",
        "node_lon",
        "node_lat",
        "edge_u",
        "edge_v",
        "edge_length",
        "edge_time",
        "edge_way",
        "edge_name",
        "edge_highway",
        "geom_offsets",
        "geom_lon",
        "geom_lat",
    )

    def save(self, path: Path) -> None:
        """Write the network atomically to ``path`` (an uncompressed ``.npz``)."""
        meta = {
            "mode": self.mode,
            "dropped_nodes": self.dropped_nodes,
            "osm_timestamp": self.osm_timestamp,
            "source_digest": self.source_digest,
            "settings": self.settings,
        }
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        arrays["meta"] = np.array(json.dumps(meta))
        with atomic_write(path, file_mode=PUBLIC) as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: Path) -> StreetNetwork:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in cls._ARRAYS}
            meta = json.loads(str(data["meta"]))
        return cls(**arrays, **meta)


def build_network(
    path: str | Path, mode: str, settings: NetworkSettings | None = None
) -> StreetNetwork:
    """Build the ``mode`` network of an extract (no cache; see :func:`load_network`)."""
    check_mode(mode)
    settings = settings or NetworkSettings()
    p = check_extract(path)

    segments = [s for s in iter_ways(p) if _routable(s.tags, mode)]
    if not segments:
        raise EmptyAreaError(
            f"Der OSM-Auszug {p.name} enthält keine Wege für die Fortbewegungsart {mode!r}."
        )

    # A node is a graph node when two or more segments share it, or it ends a segment,
    # or it repeats inside one segment (loops).
    all_ids = np.concatenate([s.node_ids for s in segments])
    uniq, counts = np.unique(all_ids, return_counts=True)
    shared = set(uniq[counts > 1].tolist())
    for s in segments:
        shared.add(int(s.node_ids[0]))
        shared.add(int(s.node_ids[-1]))

    us: list[int] = []
    vs: list[int] = []
    lengths: list[float] = []
    times: list[float] = []
    ways: list[int] = []
    names: list[str] = []
    highways: list[str] = []
    geo_lon: list[np.ndarray] = []
    geo_lat: list[np.ndarray] = []
    node_pos: dict[int, tuple[float, float]] = {}

    for s in segments:
        fwd, bwd = _direction(s.tags, mode)
        if not (fwd or bwd):
            continue
        kmh = _speed_kmh(s.tags, mode, settings)
        mps = kmh / 3.6
        name = s.tags.get("name", "") or s.tags.get("ref", "")
        hw = s.tags.get("highway", "")
        seg_len = haversine_m(s.lon[:-1], s.lat[:-1], s.lon[1:], s.lat[1:])
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        ids = s.node_ids
        cut = [0] + [i for i in range(1, len(ids) - 1) if int(ids[i]) in shared] + [len(ids) - 1]
        for a, b in zip(cut[:-1], cut[1:], strict=True):
            u, v = int(ids[a]), int(ids[b])
            length = max(float(cum[b] - cum[a]), 0.1)
            lon = s.lon[a : b + 1]
            lat = s.lat[a : b + 1]
            node_pos[u] = (float(lon[0]), float(lat[0]))
            node_pos[v] = (float(lon[-1]), float(lat[-1]))
            for allowed, (x, y, glon, glat) in (
                (fwd, (u, v, lon, lat)),
                (bwd, (v, u, lon[::-1], lat[::-1])),
            ):
                if not allowed:
                    continue
                us.append(x)
                vs.append(y)
                lengths.append(length)
                times.append(length / mps)
                ways.append(s.way_id)
                names.append(name)
                highways.append(hw)
                geo_lon.append(glon)
                geo_lat.append(glat)

    if not us:
        raise EmptyAreaError(
            f"Der OSM-Auszug {p.name} enthält keine befahrbaren Wege für {mode!r}."
        )

    osm_nodes = np.array(sorted(node_pos), dtype=np.int64)
    u_idx = np.searchsorted(osm_nodes, np.asarray(us, dtype=np.int64))
    v_idx = np.searchsorted(osm_nodes, np.asarray(vs, dtype=np.int64))
    n = osm_nodes.shape[0]

    # Largest strongly connected component.
    adj = sp.csr_matrix((np.ones(u_idx.shape[0]), (u_idx, v_idx)), shape=(n, n))
    _, labels = connected_components(adj, directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    keep_node = labels == largest
    keep_edge = keep_node[u_idx] & keep_node[v_idx]
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[keep_node] = np.arange(int(keep_node.sum()))

    kept = np.flatnonzero(keep_edge)
    sizes = np.array([geo_lon[i].shape[0] for i in kept], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    lonlat = np.array([node_pos[int(i)] for i in osm_nodes[keep_node]], dtype=np.float64).reshape(-1, 2)

    return StreetNetwork(
        mode=mode,
        node_osmid=osm_nodes[keep_node],
        node_lon=lonlat[:, 0].copy(),
        node_lat=lonlat[:, 1].copy(),
        edge_u=new_index[u_idx[kept]].astype(np.int32),
        edge_v=new_index[v_idx[kept]].astype(np.int32),
        edge_length=np.asarray(lengths, dtype=np.float64)[kept],
        edge_time=np.asarray(times, dtype=np.float64)[kept],
        edge_way=np.asarray(ways, dtype=np.int64)[kept],
        edge_name=np.asarray([names[i] for i in kept], dtype=str),
        edge_highway=np.asarray([highways[i] for i in kept], dtype=str),
        geom_offsets=offsets,
        geom_lon=np.concatenate([geo_lon[i] for i in kept]),
        geom_lat=np.concatenate([geo_lat[i] for i in kept]),
        dropped_nodes=int(n - keep_node.sum()),
        osm_timestamp=osm_timestamp(p),
        source_digest=file_digest(p),
        settings=settings.key(),
    )


def network_cache_path(path: str | Path, mode: str, settings: NetworkSettings | None = None) -> Path:
    """Where the cached network for (extract content, mode, settings) lives."""
    settings = settings or NetworkSettings()
    key = cache_key("network", CACHE_VERSION, file_digest(path), mode, settings.key(mode))
    return cache_dir("networks") / f"{mode}-{key}.npz"


def load_network(
    path: str | Path,
    mode: str,
    settings: NetworkSettings | None = None,
    *,
    use_cache: bool = True,
) -> StreetNetwork:
    """The ``mode`` network of an extract, from the on-disk cache when possible.

    The cache key is the extract's content hash, the mode, the settings and the
    build logic's version: a changed file or setting rebuilds. ``network.cache``
    tells whether it was a ``"hit"`` or a ``"miss"``.
    """
    check_mode(mode)
    p = check_extract(path)
    settings = settings or NetworkSettings()
    if not use_cache:
        net = build_network(p, mode, settings)
        net.cache = "none"
        return net
    target = network_cache_path(p, mode, settings)
    if target.exists():
        try:
            net = StreetNetwork.load(target)
            net.cache = "hit"
            net.settings = settings.key()  # settings of other modes may differ from the build's
            return net
        except (OSError, ValueError, KeyError):
            target.unlink(missing_ok=True)  # a damaged entry: rebuild it
    net = build_network(p, mode, settings)
    net.save(target)
    net.cache = "miss"
    return net


def timed_load(
    path: str | Path, mode: str, settings: NetworkSettings | None = None, *, use_cache: bool = True
) -> tuple[StreetNetwork, float]:
    """:func:`load_network` and the seconds it took."""
    t0 = time.perf_counter()
    net = load_network(path, mode, settings, use_cache=use_cache)
    return net, time.perf_counter() - t0


def nearest_nodes(net: StreetNetwork, lons: Iterable[float], lats: Iterable[float]) -> np.ndarray:
    """Index of the nearest network node for each point (a KD-tree in a local metric)."""
    from scipy.spatial import cKDTree

    lat0 = math.radians(float(np.mean(net.node_lat)))
    sx = math.cos(lat0)
    tree = cKDTree(np.column_stack([net.node_lon * sx, net.node_lat]))
    q = np.column_stack([np.asarray(list(lons), dtype=float) * sx, np.asarray(list(lats), dtype=float)])
    _, idx = tree.query(q)
    return np.asarray(idx, dtype=np.int64)
