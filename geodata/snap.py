"""Snap points (homes, depots) onto a street network.

A point joins the network at the nearest position on the nearest edge, not merely at the
nearest node: edge geometries are searched in a local metric projection (equirectangular
around the network's centre; over a city the distortion stays far below a metre), the
point is projected onto the closest polyline, and that position splits the edge. A two-way
street is one physical line with two directed edges (:func:`edge_twins`); a point on it
can leave and be reached in both directions, a point on a one-way street only downstream
(left towards the edge's head, reached from its tail).

The *access leg* from the point to its snapped position is the straight line between them
(haversine), counted at the mode's access speed (:func:`access_speed_mps`): the walking
speed for ``walk`` and, for ``drive``, also the walking speed (park, then walk the last
metres); the cycling speed for ``bike``.

No home visit ends with a walk of kilometres from the street: a point farther than
:data:`MAX_ACCESS_M` (5 km) from every edge (a place outside the extract, a wrong
coordinate) is still snapped and reported, but unreachable in a matrix
(:attr:`SnapWarning.unreachable`), rather than getting an access leg of hours.

For ``drive``, motorways and their ramps are not snapped to (nobody visits a home from
the Autobahn) unless the network has nothing else.

Points farther than ``max_distance_m`` (default 300 m) from every edge are still snapped,
but reported in :attr:`SnapResult.warnings`; points with missing or invalid coordinates are
not snapped at all (reported, and unreachable in a matrix).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from geodata.network import EARTH_RADIUS_M, StreetNetwork, haversine_m

#: Default distance (m) beyond which a snapped point is reported.
DEFAULT_MAX_DISTANCE_M = 300.0

#: Longest access leg (m) a point may have: a point farther than this from every edge is
#: unreachable in a matrix (and reported whatever ``max_distance_m`` is). No home visit
#: walks 5 km from the street; a point that far off lies outside the extract.
MAX_ACCESS_M = 5_000.0


def max_access_text() -> str:
    """:data:`MAX_ACCESS_M` for German texts: „5 km“."""
    return f"{MAX_ACCESS_M / 1000:g}".replace(".", ",") + " km"

#: Highway classes not snapped to for ``drive`` (when anything else exists).
NO_SNAP_DRIVE = frozenset({"motorway", "motorway_link"})


@dataclass(frozen=True)
class SnapWarning:
    """A point that is far from the network (``reason="far"``) or has no valid position.

    ``unreachable``: the point is farther than :data:`MAX_ACCESS_M` from every edge (or
    has no valid position) and is unreachable in a matrix.
    """

    id: Any
    index: int
    distance_m: float | None
    reason: str  # "far" or "invalid"
    unreachable: bool = False

    def message(self) -> str:
        """German text for users."""
        if self.reason == "invalid":
            return f"Punkt {self.id}: ungültige oder fehlende Koordinaten, nicht erreichbar."
        if self.unreachable:
            return (
                f"Punkt {self.id} liegt {self.distance_m:.0f} m vom nächsten Weg entfernt, "
                f"mehr als {max_access_text()}: nicht erreichbar (liegt der Punkt "
                "außerhalb des Kartenausschnitts? Koordinaten prüfen)."
            )
        return (
            f"Punkt {self.id} liegt {self.distance_m:.0f} m vom nächsten Weg entfernt "
            "(Koordinaten prüfen)."
        )

    def to_dict(self) -> dict[str, Any]:
        d = self.distance_m
        return {
            "id": self.id,
            "distance_m": None if d is None else round(d, 1),
            "reason": self.reason,
            "unreachable": self.unreachable or self.reason == "invalid",
        }


@dataclass(eq=False)
class SnapResult:
    """Where each point joins the network.

    Arrays have one entry per point. ``edge`` is the snapped directed edge (the lower
    index of a two-way pair; -1 when the point has no valid coordinates), ``twin`` the
    opposite edge of the same street (-1 on a one-way street), ``frac`` the position along
    ``edge``'s geometry (0 at its tail, 1 at its head), ``snap_lon``/``snap_lat`` that
    position and ``distance_m`` the access leg's length (NaN when not snapped).
    """

    ids: list[Any]
    lon: np.ndarray
    lat: np.ndarray
    edge: np.ndarray
    twin: np.ndarray
    frac: np.ndarray
    snap_lon: np.ndarray
    snap_lat: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    warnings: list[SnapWarning] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def snapped(self) -> np.ndarray:
        """Boolean mask of points that joined the network."""
        return self.edge >= 0


class _Projection:
    """Local equirectangular projection (metres) around a reference point."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.ky = EARTH_RADIUS_M * math.pi / 180.0
        self.kx = self.ky * math.cos(math.radians(lat0))

    def forward(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def inverse(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / self.ky + self.lat0


def edge_twins(net: StreetNetwork) -> np.ndarray:
    """For every edge the opposite directed edge of the same street piece, or -1.

    Twins share the OSM way and have swapped end nodes and the reversed geometry.
    """
    return _index(net).twin


@dataclass(eq=False)
class _SnapIndex:
    proj: _Projection
    twin: np.ndarray
    candidates: np.ndarray  # edge ids that points may snap to
    seg_edge: np.ndarray  # per segment of a candidate edge: its edge id
    seg_ax: np.ndarray
    seg_ay: np.ndarray
    seg_dx: np.ndarray
    seg_dy: np.ndarray
    seg_len: np.ndarray
    seg_cum0: np.ndarray  # projected distance along the edge at the segment's start
    piece_seg: np.ndarray  # per piece (<= PIECE_M long): its segment
    edge_len: np.ndarray  # projected length of every edge (m)
    cum: list[np.ndarray | None]  # lazily filled cumulative vertex distances per edge
    tree: cKDTree


#: A snapped position this close (m) to an edge's end is at that junction.
SNAP_EPS_M = 1e-3

#: Segments are cut into pieces of at most this length (m) for the KD-tree of midpoints.
PIECE_M = 20.0

_indexes: weakref.WeakKeyDictionary[StreetNetwork, _SnapIndex] = weakref.WeakKeyDictionary()


def _compute_twins(net: StreetNetwork) -> np.ndarray:
    m = net.n_edges
    off = net.geom_offsets
    npts = np.diff(off)
    u, v, way = net.edge_u, net.edge_v, net.edge_way
    groups: dict[tuple[int, int, int, int], list[int]] = {}
    for e in range(m):
        groups.setdefault((int(way[e]), int(u[e]), int(v[e]), int(npts[e])), []).append(e)
    twin = np.full(m, -1, dtype=np.int64)
    glon, glat = net.geom_lon, net.geom_lat
    for e in range(m):
        if twin[e] >= 0:
            continue
        for c in groups.get((int(way[e]), int(v[e]), int(u[e]), int(npts[e])), ()):
            if c == e or twin[c] >= 0:
                continue
            a, b = off[e], off[e + 1]
            ca, cb = off[c], off[c + 1]
            if np.array_equal(glon[a:b], glon[ca:cb][::-1]) and np.array_equal(
                glat[a:b], glat[ca:cb][::-1]
            ):
                twin[e] = c
                twin[c] = e
                break
    return twin


def _index(net: StreetNetwork) -> _SnapIndex:
    hit = _indexes.get(net)
    if hit is not None:
        return hit
    proj = _Projection(float(np.mean(net.node_lon)), float(np.mean(net.node_lat)))
    twin = _compute_twins(net)
    edges = np.arange(net.n_edges)
    canonical = (twin < 0) | (edges < twin)
    if net.mode == "drive":
        allowed = ~np.isin(net.edge_highway, list(NO_SNAP_DRIVE))
        if (canonical & allowed).any():
            canonical &= allowed
    x, y = proj.forward(net.geom_lon, net.geom_lat)
    off = net.geom_offsets
    seg_all = np.hypot(np.diff(x), np.diff(y))
    cs = np.concatenate([[0.0], np.cumsum(seg_all)])
    edge_len = cs[off[1:] - 1] - cs[off[:-1]]
    cand = edges[canonical]
    # segments of the candidate edges: vertex k -> k + 1 inside each edge's range
    starts = np.concatenate([np.arange(off[e], off[e + 1] - 1) for e in cand])
    seg_edge = np.repeat(cand, np.diff(off)[cand] - 1)
    first_vertex = off[seg_edge]
    seg_len = seg_all[starts]
    n_pieces = np.maximum(1, np.ceil(seg_len / PIECE_M).astype(np.int64))
    piece_seg = np.repeat(np.arange(starts.shape[0]), n_pieces)
    k = np.arange(piece_seg.shape[0]) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    t = (k + 0.5) / n_pieces[piece_seg]
    ax, ay = x[starts], y[starts]
    dx, dy = x[starts + 1] - ax, y[starts + 1] - ay
    mid = np.column_stack([ax[piece_seg] + t * dx[piece_seg], ay[piece_seg] + t * dy[piece_seg]])
    idx = _SnapIndex(
        proj=proj,
        twin=twin,
        candidates=cand,
        seg_edge=seg_edge,
        seg_ax=ax,
        seg_ay=ay,
        seg_dx=dx,
        seg_dy=dy,
        seg_len=seg_len,
        seg_cum0=cs[starts] - cs[first_vertex],
        piece_seg=piece_seg,
        edge_len=edge_len,
        cum=[None] * net.n_edges,
        tree=cKDTree(mid),
    )
    _indexes[net] = idx
    return idx


def _nearest(idx: _SnapIndex, x: np.ndarray, y: np.ndarray):
    """Exact nearest position on the candidate edges for projected points.

    Any piece holding the nearest position has its midpoint within ``d0 + PIECE_M / 2``
    of the point, where ``d0`` is the distance to the nearest midpoint (itself a point on
    an edge): those pieces are the candidates, projected onto exactly.
    """
    pts = np.column_stack([x, y])
    d0, _ = idx.tree.query(pts)
    balls = idx.tree.query_ball_point(pts, d0 + PIECE_M / 2 + 1e-6)
    counts = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
    flat = np.fromiter((k for b in balls for k in b), dtype=np.int64, count=int(counts.sum()))
    who = np.repeat(np.arange(len(balls)), counts)
    seg = idx.piece_seg[flat]
    # one row per (point, segment)
    pair = np.unique(who * (idx.seg_len.shape[0] + 1) + seg)
    who, seg = pair // (idx.seg_len.shape[0] + 1), pair % (idx.seg_len.shape[0] + 1)
    px, py = x[who] - idx.seg_ax[seg], y[who] - idx.seg_ay[seg]
    dx, dy = idx.seg_dx[seg], idx.seg_dy[seg]
    ll = dx * dx + dy * dy
    t = np.where(ll > 0, (px * dx + py * dy) / np.where(ll > 0, ll, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    qx, qy = t * dx, t * dy
    d = np.hypot(px - qx, py - qy)
    e = idx.seg_edge[seg]
    # nearest first; ties: lowest edge id, then earliest segment
    order = np.lexsort((seg, e, np.round(d, 6), who))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = who[order][1:] != who[order][:-1]
    best = order[first]
    e_b, s_b = e[best], seg[best]
    along = idx.seg_cum0[s_b] + t[best] * idx.seg_len[s_b]
    total = idx.edge_len[e_b]
    f = np.clip(np.where(total > 0, along / np.where(total > 0, total, 1.0), 0.0), 0.0, 1.0)
    # within a millimetre of an end: exactly at the junction (rounding must not hide that)
    f[along <= SNAP_EPS_M] = 0.0
    f[(total - along <= SNAP_EPS_M) & (along > SNAP_EPS_M)] = 1.0
    return who[best], e_b, f, idx.seg_ax[s_b] + qx[best], idx.seg_ay[s_b] + qy[best]


def access_speed_mps(net: StreetNetwork) -> float:
    """Speed (m/s) of the leg between a point and the street: walking, or cycling for bike."""
    settings = net.settings or {}
    if net.mode == "bike":
        return float(settings.get("bike_kmh", 15.0)) / 3.6
    return float(settings.get("walk_kmh", 4.5)) / 3.6


def snap_points(
    net: StreetNetwork,
    lons: Sequence[float] | np.ndarray,
    lats: Sequence[float] | np.ndarray,
    ids: Sequence[Any] | None = None,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> SnapResult:
    """Snap points to the nearest position on the nearest edge of ``net``.

    Parameters
    ----------
    net
        The street network.
    lons, lats
        Coordinates (WGS84 degrees); NaN or out-of-range values make a point unsnapped.
    ids
        Point ids for the warnings (default: ``0 .. n-1``).
    max_distance_m
        Points farther than this from every edge are reported in ``warnings``.
    """
    lon = np.asarray(lons, dtype=np.float64).ravel()
    lat = np.asarray(lats, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise ValueError("lons and lats must have the same length")
    n = lon.shape[0]
    id_list = list(range(n)) if ids is None else list(ids)
    if len(id_list) != n:
        raise ValueError("ids must have one entry per point")
    idx = _index(net)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    edge = np.full(n, -1, dtype=np.int64)
    frac = np.zeros(n)
    snap_lon = np.full(n, np.nan)
    snap_lat = np.full(n, np.nan)
    dist = np.full(n, np.nan)
    vi = np.flatnonzero(valid)
    if vi.size:
        rows, e_sel, f, sx, sy = _nearest(idx, *idx.proj.forward(lon[vi], lat[vi]))
        rows = vi[rows]
        slon, slat = idx.proj.inverse(sx, sy)
        edge[rows] = e_sel
        frac[rows] = f
        snap_lon[rows] = slon
        snap_lat[rows] = slat
        dist[rows] = haversine_m(lon[rows], lat[rows], slon, slat)
    twin = np.where(edge >= 0, idx.twin[np.maximum(edge, 0)], -1)
    warnings: list[SnapWarning] = []
    for i in range(n):
        if edge[i] < 0:
            warnings.append(SnapWarning(id_list[i], i, None, "invalid", unreachable=True))
        elif dist[i] > max_distance_m or dist[i] > MAX_ACCESS_M:
            warnings.append(SnapWarning(id_list[i], i, float(dist[i]), "far",
                                        unreachable=bool(dist[i] > MAX_ACCESS_M)))
    return SnapResult(
        ids=id_list,
        lon=lon,
        lat=lat,
        edge=edge,
        twin=twin,
        frac=frac,
        snap_lon=snap_lon,
        snap_lat=snap_lat,
        distance_m=dist,
        max_distance_m=float(max_distance_m),
        warnings=warnings,
    )


def edge_cumulative(net: StreetNetwork, e: int) -> np.ndarray:
    """Projected cumulative distance (m) at each vertex of edge ``e`` (0 at the tail)."""
    idx = _index(net)
    cum = idx.cum[e]
    if cum is None:
        a, b = net.geom_offsets[e], net.geom_offsets[e + 1]
        x, y = idx.proj.forward(net.geom_lon[a:b], net.geom_lat[a:b])
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        idx.cum[e] = cum
    return cum


def edge_piece(net: StreetNetwork, e: int, f0: float, f1: float) -> list[tuple[float, float]]:
    """The part of edge ``e``'s geometry between fractions ``f0 <= f1`` as (lon, lat) pairs."""
    a, b = int(net.geom_offsets[e]), int(net.geom_offsets[e + 1])
    lon, lat = net.geom_lon[a:b], net.geom_lat[a:b]
    cum = edge_cumulative(net, e)
    total = cum[-1]
    if total <= 0:
        return [(float(lon[0]), float(lat[0]))]

    def at(f: float) -> tuple[float, float]:
        d = f * total
        k = int(np.clip(np.searchsorted(cum, d, side="right") - 1, 0, len(cum) - 2))
        seg = cum[k + 1] - cum[k]
        t = 0.0 if seg <= 0 else (d - cum[k]) / seg
        t = min(max(t, 0.0), 1.0)
        return (
            float(lon[k] + t * (lon[k + 1] - lon[k])),
            float(lat[k] + t * (lat[k + 1] - lat[k])),
        )

    d0, d1 = f0 * total, f1 * total
    out = [at(f0)]
    inner = np.flatnonzero((cum > d0) & (cum < d1))
    out.extend((float(lon[k]), float(lat[k])) for k in inner)
    out.append(at(f1))
    return out
