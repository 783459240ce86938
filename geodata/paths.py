"""Street-following path geometry between consecutive stops, for route lines on maps.

:func:`leg_geometry` returns the polyline of the fastest path from one point to another:
the access leg from the point to its snapped position, the rest of the snapped edge, the
streets in between with their full OSM geometry, the part of the last edge up to the
target's snapped position, and the access leg to the target. The path is the same one
:func:`geodata.matrix.travel_matrix` measures (same snapping, same integer costs; among
equally fast paths the shortest one), so a leg's :attr:`Leg.duration_s` equals the
matrix entry.

Legs are cached per network in memory (keyed by the two coordinates); :func:`route_legs`
computes all legs of a route at once.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geodata import _ch
from geodata.matrix import PointLegs, point_legs
from geodata.network import StreetNetwork
from geodata.snap import SnapResult, edge_piece, snap_points

Point = tuple[float, float]

#: Legs kept in memory per network (least recently used are dropped).
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Leg:
    """One street-following leg: its (lon, lat) polyline, duration (s) and distance (m).

    ``duration_s``/``distance_m`` are -1 and ``coords`` empty when there is no path.
    """

    coords: tuple[Point, ...]
    duration_s: int
    distance_m: int
    edges: tuple[int, ...]


@dataclass(eq=False)
class _Graph:
    ptr: np.ndarray
    to: np.ndarray
    w: np.ndarray
    edge: np.ndarray
    tail: np.ndarray
    unit_dm: int
    legs: OrderedDict[tuple[Point, Point, bool], Leg]


_graphs: weakref.WeakKeyDictionary[StreetNetwork, _Graph] = weakref.WeakKeyDictionary()


def _graph(net: StreetNetwork) -> _Graph:
    g = _graphs.get(net)
    if g is None:
        keys = _ch.edge_keys(net)
        ids = np.flatnonzero(net.edge_u != net.edge_v)
        order = ids[np.argsort(net.edge_u[ids], kind="stable")]
        ptr = np.zeros(net.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(net.edge_u[ids], minlength=net.n_nodes), out=ptr[1:])
        g = _Graph(
            ptr=ptr,
            to=net.edge_v[order].astype(np.int32),
            w=keys[order],
            edge=order.astype(np.int64),
            tail=net.edge_u.astype(np.int64),
            unit_dm=_ch.length_unit_dm(net),
            legs=OrderedDict(),
        )
        _graphs[net] = g
    return g


def _solve(
    net: StreetNetwork, snap: SnapResult, legs: PointLegs, i: int, j: int, include_access: bool
) -> Leg:
    g = _graph(net)
    if legs.access[i] == _ch.INF or legs.access[j] == _ch.INF:
        return Leg((), -1, -1, ())
    key, entry, exit_, edges = _ch.dijkstra_path(
        net.n_nodes,
        g.ptr,
        g.to,
        g.w,
        g.edge,
        g.tail,
        legs.entry_nodes[i],
        legs.entry_cost[i],
        legs.exit_nodes[j],
        legs.exit_cost[j],
    )
    coords: list[Point] = []
    fs, ft = float(snap.frac[i]), float(snap.frac[j])
    es, et = int(snap.edge[i]), int(snap.edge[j])
    same = es == et
    identical = snap.lon[i] == snap.lon[j] and snap.lat[i] == snap.lat[j]
    # the direct way along a shared edge, if it is at least as fast (as in the matrix)
    direct = None
    if identical:
        key, direct = 0, []
    elif same:
        acc = legs.access[i] + legs.access[j]
        if fs <= ft and acc + legs.fwd[j] - legs.fwd[i] <= key:
            key = acc + legs.fwd[j] - legs.fwd[i]
            direct = edge_piece(net, es, fs, ft)
        tw = int(snap.twin[j])
        if tw >= 0 and fs >= ft and acc + legs.bwd[j] - legs.bwd[i] <= key:
            key = acc + legs.bwd[j] - legs.bwd[i]
            direct = edge_piece(net, tw, 1.0 - fs, 1.0 - ft)
    if key == _ch.INF:
        return Leg((), -1, -1, ())
    if include_access:
        coords.append((float(snap.lon[i]), float(snap.lat[i])))
    if direct is not None:
        coords.extend(direct)
        edge_ids: tuple[int, ...] = ()
    else:
        # slot 0: along the snapped edge, 1: along its twin, 2: the point is at the node
        if entry == 2:
            coords.append((float(snap.snap_lon[i]), float(snap.snap_lat[i])))
        else:
            first = es if entry == 0 else int(snap.twin[i])
            f0 = fs if entry == 0 else 1.0 - fs
            coords.extend(edge_piece(net, first, f0, 1.0))
        for e in edges:
            coords.extend(net.edge_geometry(int(e)).tolist())
        if exit_ == 2:
            coords.append((float(snap.snap_lon[j]), float(snap.snap_lat[j])))
        else:
            last = et if exit_ == 0 else int(snap.twin[j])
            f1 = ft if exit_ == 0 else 1.0 - ft
            coords.extend(edge_piece(net, last, 0.0, f1))
        edge_ids = tuple(int(e) for e in edges)
    if include_access:
        coords.append((float(snap.lon[j]), float(snap.lat[j])))
    clean: list[Point] = []
    for c in coords:
        pt = (float(c[0]), float(c[1]))
        if not clean or clean[-1] != pt:
            clean.append(pt)
    arr = np.array([key], dtype=np.int64)
    return Leg(
        coords=tuple(clean),
        duration_s=int(_ch.unpack_seconds(arr)[0]),
        distance_m=int(_ch.unpack_metres(arr, g.unit_dm)[0]),
        edges=edge_ids,
    )


def route_legs(
    net: StreetNetwork, points: Sequence[Point], *, include_access: bool = True
) -> list[Leg]:
    """The legs between consecutive ``points`` ((lon, lat) pairs) of a route.

    Cached per network and leg; a route of n points has n - 1 legs.
    """
    pts = [(float(p[0]), float(p[1])) for p in points]
    g = _graph(net)
    out: list[Leg | None] = []
    todo: list[int] = []
    for k in range(len(pts) - 1):
        hit = g.legs.get((pts[k], pts[k + 1], include_access))
        if hit is not None:
            g.legs.move_to_end((pts[k], pts[k + 1], include_access))
        else:
            todo.append(k)
        out.append(hit)
    if todo:
        need = sorted({k for t in todo for k in (t, t + 1)})
        snap = snap_points(net, [pts[k][0] for k in need], [pts[k][1] for k in need])
        legs = point_legs(net, snap)
        where = {k: i for i, k in enumerate(need)}
        for k in todo:
            leg = _solve(net, snap, legs, where[k], where[k + 1], include_access)
            out[k] = leg
            g.legs[(pts[k], pts[k + 1], include_access)] = leg
            while len(g.legs) > CACHE_SIZE:
                g.legs.popitem(last=False)
    return [leg for leg in out if leg is not None]


def leg(net: StreetNetwork, from_point: Point, to_point: Point, *, include_access: bool = True) -> Leg:
    """The fastest street-following leg between two (lon, lat) points (cached)."""
    return route_legs(net, [from_point, to_point], include_access=include_access)[0]


def leg_geometry(
    net: StreetNetwork, from_point: Point, to_point: Point, *, include_access: bool = True
) -> list[Point]:
    """The (lon, lat) polyline of the fastest path from ``from_point`` to ``to_point``.

    It follows the streets from the snapped position of ``from_point`` to that of
    ``to_point`` (partial edges included); with ``include_access`` (default) it starts
    and ends at the points themselves (straight access legs). Empty when unreachable.
    """
    return list(leg(net, from_point, to_point, include_access=include_access).coords)


def route_geometry(
    net: StreetNetwork, points: Sequence[Point], *, include_access: bool = True
) -> list[list[Point]]:
    """Polylines of all legs of a route (consecutive ``points``), for maps."""
    return [list(leg_.coords) for leg_ in route_legs(net, points, include_access=include_access)]
