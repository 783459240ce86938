"""Travel-time and distance matrices between points on a street network.

:func:`travel_matrix` snaps the points (:mod:`geodata.snap`) and computes exact shortest
paths between all sources and targets:

- **durations** in whole seconds (``int32``), the fastest path from the source point to
  the target point: access leg (point to street) + partial edge + streets + partial edge
  + access leg. Internally everything is summed in integer milliseconds; the result is
  rounded *up* to seconds, which keeps the triangle inequality
  ``d[a, c] <= d[a, b] + d[b, c]`` exact on the integers.
- **distances** in whole metres (``int32``, rounded): the length of that fastest path
  (among equally fast paths the shortest one); not the shortest possible distance.
- one-way streets make the matrix asymmetric (``drive``, ``bike``).
- **unreachable** pairs hold :data:`UNREACHABLE` (-1) in both arrays;
  :attr:`TravelMatrix.reachable` is the boolean mask. A pair is unreachable when a point
  has no valid coordinates, lies more than :data:`geodata.snap.MAX_ACCESS_M` (5 km) off the
  network (it is reported in the snap warnings as ``unreachable``), or (in a network that
  is not strongly connected) there is no path.
- the diagonal of a square matrix is 0; points with identical coordinates are 0 apart.

The method is a contraction hierarchy (built once per network and cached on disk, see
:mod:`geodata._ch`) queried with RPHAST: one upward search per source and a linear sweep
over the targets' search spaces, sources in parallel on all cores. For 1,000 points on the
Bad Hersfeld walking network that is about 7-9x faster than SciPy's Dijkstra from the
sources (``bench/matrix.py``; numbers in ``bench/RESULTS-matrix.md``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from geodata import _ch
from geodata.network import StreetNetwork
from geodata.snap import (
    DEFAULT_MAX_DISTANCE_M,
    MAX_ACCESS_M,
    SnapResult,
    access_speed_mps,
    snap_points,
)

#: Value of unreachable pairs in :attr:`TravelMatrix.durations` and ``distances``.
UNREACHABLE = -1

__all__ = ["UNREACHABLE", "PointLegs", "TravelMatrix", "point_legs", "travel_matrix"]


@dataclass(eq=False)
class PointLegs:
    """How each snapped point connects to the graph, as packed integer keys (see ``_ch``).

    ``entry_nodes[i]``/``entry_cost[i]``: the (up to two) nodes the point can leave
    towards, with the cost from the point to them (access leg + rest of the edge);
    ``exit_nodes``/``exit_cost``: the nodes it is reached from, with the cost from them to
    the point. Slot 0 uses the snapped edge, slot 1 its twin, slot 2 the node itself when
    the point snapped exactly onto an end of the edge (fraction 0 or 1: it is then at the
    junction, reachable from every street into it); -1 when unused.
    ``fwd``/``bwd``: cost from the tail of the edge / of the twin to the point along it;
    ``access``: the access leg (``INF`` when the point is not usable).
    """

    entry_nodes: np.ndarray
    entry_cost: np.ndarray
    exit_nodes: np.ndarray
    exit_cost: np.ndarray
    fwd: np.ndarray
    bwd: np.ndarray
    access: np.ndarray
    unit_dm: int


def point_legs(net: StreetNetwork, snap: SnapResult) -> PointLegs:
    """The packed costs that connect the snapped points to the graph."""
    n = len(snap)
    unit = _ch.length_unit_dm(net)
    keys = _ch.edge_keys(net)
    t_all = keys >> _ch.SHIFT
    l_all = keys & _ch.LMASK
    speed = access_speed_mps(net)
    cap = min(MAX_ACCESS_M, _ch.ACCESS_CAP_M)  # farther off: no home visit walks that far
    ok = (snap.edge >= 0) & (np.nan_to_num(snap.distance_m, nan=np.inf) <= cap)
    e = np.where(ok, snap.edge, 0)
    tw = np.where(ok & (snap.twin >= 0), snap.twin, 0)
    has_twin = ok & (snap.twin >= 0)
    f = snap.frac
    d = np.where(ok, snap.distance_m, 0.0)
    acc = _ch.pack(np.rint(d / speed * 1000.0), np.rint(d * 10.0 / unit))
    # along the snapped edge (tail u -> point -> head v)
    t_e, l_e = t_all[e], l_all[e]
    a_t = np.clip(np.rint(f * t_e), 0, t_e).astype(np.int64)
    a_l = np.clip(np.rint(f * l_e), 0, l_e).astype(np.int64)
    fwd = _ch.pack(a_t, a_l)  # u -> point
    rest = _ch.pack(t_e - a_t, l_e - a_l)  # point -> v
    # along the twin (v -> point -> u), position 1 - f
    t_w, l_w = t_all[tw], l_all[tw]
    b_t = np.clip(np.rint((1.0 - f) * t_w), 0, t_w).astype(np.int64)
    b_l = np.clip(np.rint((1.0 - f) * l_w), 0, l_w).astype(np.int64)
    bwd = _ch.pack(b_t, b_l)  # v -> point
    rest_w = _ch.pack(t_w - b_t, l_w - b_l)  # point -> u

    entry_nodes = np.full((n, 3), -1, dtype=np.int32)
    exit_nodes = np.full((n, 3), -1, dtype=np.int32)
    entry_cost = np.full((n, 3), _ch.INF, dtype=np.int64)
    exit_cost = np.full((n, 3), _ch.INF, dtype=np.int64)
    u_node = net.edge_u[e]
    v_node = net.edge_v[e]
    entry_nodes[ok, 0] = v_node[ok]
    entry_cost[ok, 0] = (acc + rest)[ok]
    exit_nodes[ok, 0] = u_node[ok]
    exit_cost[ok, 0] = (fwd + acc)[ok]
    # the twin runs v -> u: leave towards u, reached from v
    entry_nodes[has_twin, 1] = net.edge_v[tw][has_twin]
    entry_cost[has_twin, 1] = (acc + rest_w)[has_twin]
    exit_nodes[has_twin, 1] = net.edge_u[tw][has_twin]
    exit_cost[has_twin, 1] = (bwd + acc)[has_twin]
    # exactly at a junction: leave and arrive through the node itself
    at_u = ok & (f <= 0.0)
    at_v = ok & (f >= 1.0) & ~at_u
    for mask, node in ((at_u, u_node), (at_v, v_node)):
        entry_nodes[mask, 2] = node[mask]
        exit_nodes[mask, 2] = node[mask]
        entry_cost[mask, 2] = acc[mask]
        exit_cost[mask, 2] = acc[mask]
    access = np.where(ok, acc, _ch.INF).astype(np.int64)
    return PointLegs(
        entry_nodes=entry_nodes,
        entry_cost=entry_cost,
        exit_nodes=exit_nodes,
        exit_cost=exit_cost,
        fwd=np.where(ok, fwd, 0).astype(np.int64),
        bwd=np.where(has_twin, bwd, 0).astype(np.int64),
        access=access,
        unit_dm=unit,
    )


@dataclass(eq=False)
class TravelMatrix:
    """Durations (s) and distances (m) from every source to every target point.

    ``durations[i, j]`` is the travel time from ``source_ids[i]`` to ``target_ids[j]``;
    :data:`UNREACHABLE` (-1) marks pairs without a path. ``distances`` is ``None`` when
    not requested. ``snap``/``target_snap`` say where the points joined the network (the
    same object for a square matrix); ``timings`` holds seconds per phase (``snap``,
    ``hierarchy``, ``matrix``) and ``hierarchy_cache`` whether the contraction hierarchy
    came from ``"memory"``, the disk cache (``"hit"``) or was built (``"miss"``);
    ``timings["compile"]`` is numba's one-off load or compile of the kernels in this process.
    """

    source_ids: list[Any]
    target_ids: list[Any]
    durations: np.ndarray
    distances: np.ndarray | None
    snap: SnapResult
    target_snap: SnapResult
    mode: str
    timings: dict[str, float] = field(default_factory=dict)
    hierarchy_cache: str = "none"

    @property
    def square(self) -> bool:
        """Whether sources and targets are the same points."""
        return self.target_snap is self.snap

    @property
    def ids(self) -> list[Any]:
        """The point ids of a square matrix (rows and columns)."""
        if not self.square:
            raise ValueError("ids is only defined for a square matrix; use source_ids/target_ids")
        return self.source_ids

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask: True where a path exists."""
        return self.durations != UNREACHABLE

    @property
    def snap_warnings(self) -> list[Any]:
        """Snap warnings of the sources and (if different) the targets."""
        if self.square:
            return list(self.snap.warnings)
        return list(self.snap.warnings) + list(self.target_snap.warnings)

    def to_frame(self, kind: str = "durations") -> Any:
        """A pandas DataFrame (rows: sources, columns: targets) of durations or distances."""
        import pandas as pd

        data = self.durations if kind == "durations" else self.distances
        if data is None:
            raise ValueError("distances were not computed (travel_matrix(distances=True))")
        return pd.DataFrame(data, index=list(self.source_ids), columns=list(self.target_ids))


def _as_points(points: Any) -> tuple[np.ndarray, np.ndarray, list[Any] | None]:
    if isinstance(points, SnapResult):
        return points.lon, points.lat, points.ids
    if len(points) == 2:
        lons, lats = points
        return np.asarray(lons, float), np.asarray(lats, float), None
    lons, lats, ids = points
    return np.asarray(lons, float), np.asarray(lats, float), list(ids)


def travel_matrix(
    net: StreetNetwork,
    lons: Sequence[float] | np.ndarray,
    lats: Sequence[float] | np.ndarray,
    ids: Sequence[Any] | None = None,
    *,
    targets: Any = None,
    distances: bool = True,
    max_snap_m: float = DEFAULT_MAX_DISTANCE_M,
    use_cache: bool = True,
) -> TravelMatrix:
    """Travel times (and distances) between points on ``net``.

    Parameters
    ----------
    net
        The network (:func:`geodata.network.load_network`); its mode decides speeds and
        one-way rules.
    lons, lats
        Source points (WGS84 degrees).
    ids
        Point ids (default ``0 .. n-1``), attached to the result.
    targets
        ``None`` for the square N x N matrix, else the targets as ``(lons, lats)`` or
        ``(lons, lats, ids)``: an M x N matrix from the sources to these targets.
    distances
        Also compute the distances (the length of each fastest path); free of extra
        searches, it only costs the conversion.
    max_snap_m
        Points farther from the network are reported in the snap warnings.
    use_cache
        Use the in-memory and on-disk cache of the contraction hierarchy.

    Returns
    -------
    TravelMatrix
        Integer matrices with :data:`UNREACHABLE` for pairs without a path.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    snap = snap_points(net, lons, lats, ids, max_distance_m=max_snap_m)
    if targets is None:
        tsnap = snap
    else:
        tl, ta, tids = _as_points(targets)
        tsnap = snap_points(net, tl, ta, tids, max_distance_m=max_snap_m)
    timings["snap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ch = _ch.hierarchy(net, use_cache=use_cache)
    timings["hierarchy"] = time.perf_counter() - t0

    timings["compile"] = _ch.warm_up()
    t0 = time.perf_counter()
    keys = _query(net, ch, snap, tsnap)
    timings["matrix"] = time.perf_counter() - t0
    dur, dist_ = _ch.unpack(keys, ch.unit_dm, distances)
    dist = dist_ if distances else None
    return TravelMatrix(
        source_ids=list(snap.ids),
        target_ids=list(tsnap.ids),
        durations=dur,
        distances=dist,
        snap=snap,
        target_snap=tsnap,
        mode=net.mode,
        timings=timings,
        hierarchy_cache=ch.cache,
    )


def _query(
    net: StreetNetwork, ch: _ch.ContractionHierarchy, snap: SnapResult, tsnap: SnapResult
) -> np.ndarray:
    """Packed keys source x target (``_ch.INF`` when unreachable)."""
    src = point_legs(net, snap)
    tgt = src if tsnap is snap else point_legs(net, tsnap)
    ns, nt = len(snap), len(tsnap)
    if ns == 0 or nt == 0:
        return np.full((ns, nt), _ch.INF, dtype=np.int64)
    _, r_index, r_ptr, r_src, r_w = _ch.select_targets(
        ch.n, ch.rank, ch.bwd_ptr, ch.bwd_to, ch.bwd_w, tgt.exit_nodes.ravel()
    )
    keys = _ch.many_to_many(
        ch.n,
        ch.fwd_ptr,
        ch.fwd_to,
        ch.fwd_w,
        r_index,
        r_ptr,
        r_src,
        r_w,
        src.entry_nodes,
        src.entry_cost,
        tgt.exit_nodes,
        tgt.exit_cost,
        numba.get_num_threads(),
    )
    _ch.same_edge_and_identical(
        keys,
        snap.edge,
        snap.frac,
        src.fwd,
        src.bwd,
        src.access,
        snap.lon,
        snap.lat,
        tsnap.edge,
        tsnap.frac,
        tgt.fwd,
        tgt.bwd,
        tgt.access,
        tsnap.lon,
        tsnap.lat,
        tsnap.twin,
    )
    if tsnap is snap:
        np.fill_diagonal(keys, 0)
    return keys
