"""Compiled shortest-path kernels: contraction hierarchies, RPHAST many-to-many, one-to-one.

Internal module of :mod:`geodata.matrix` and :mod:`geodata.paths`; the public API lives there.

Weights are *packed integer keys*: ``key = time_ms << SHIFT | length``, with the length in
``length_unit_dm`` decimetres (1 for every city-sized network). Adding keys adds both parts
exactly, and comparing keys compares lexicographically by (time, length): the shortest paths
found are the fastest ones, and among equally fast ones the shortest in length. The
integer arithmetic makes every algorithm here give bit-identical results (CH, Dijkstra, a
reference in the tests), independent of the summation order.

The contraction hierarchy (Geisberger et al. 2008) is built with lazy priority updates
(edge difference + contracted neighbours + level) and bounded witness searches; a
limited witness search only adds superfluous shortcuts, never wrong distances. Queries
use RPHAST (Delling et al. 2011): the targets' backward upward search spaces are collected
once, then for every source an upward Dijkstra followed by one linear downward sweep over
that restricted node set, sources in parallel on all cores. Compile results are cached
on disk by numba (``cache=True``).
"""

from __future__ import annotations

import hashlib
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit, prange

from geodata.cache import PUBLIC, atomic_write

#: Bits of the packed key that hold the length; the time (ms) sits above them.
SHIFT = 26
LMASK = (1 << SHIFT) - 1
INF = np.iinfo(np.int64).max

# --------------------------------------------------------------------------- indexed heap


@njit(cache=True, nogil=True)
def _hpush(hk, hv, pos, size, key, v):
    """Insert ``v`` with ``key`` or lower its key (must not be higher); return the new size."""
    i = pos[v]
    if i < 0:
        i = size
        size += 1
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        pos[hv[i]] = i
        i = p
    hk[i] = key
    hv[i] = v
    pos[v] = i
    return size


@njit(cache=True, nogil=True)
def _hsift_down(hk, hv, pos, size, i):
    key = hk[i]
    v = hv[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= key:
            break
        hk[i] = hk[c]
        hv[i] = hv[c]
        pos[hv[i]] = i
        i = c
    hk[i] = key
    hv[i] = v
    pos[v] = i


@njit(cache=True, nogil=True)
def _hpop(hk, hv, pos, size):
    """Remove the minimum; return (key, item, new size)."""
    key = hk[0]
    v = hv[0]
    pos[v] = -1
    size -= 1
    if size > 0:
        hk[0] = hk[size]
        hv[0] = hv[size]
        pos[hv[0]] = 0
        _hsift_down(hk, hv, pos, size, 0)
    return key, v, size


@njit(cache=True, nogil=True)
def _hset(hk, hv, pos, size, key, v):
    """Insert ``v`` or change its key in either direction; return the new size."""
    i = pos[v]
    if i < 0 or key < hk[i]:
        return _hpush(hk, hv, pos, size, key, v)
    hk[i] = key
    _hsift_down(hk, hv, pos, size, i)
    return size


# --------------------------------------------------------------------------- preprocessing


@njit(cache=True, nogil=True)
def _witness(src, skip, bound, limit, head_out, e_to, e_w, e_next_out, contracted,
             dist, touched, hk, hv, pos):
    """Bounded Dijkstra from ``src`` avoiding ``skip`` and contracted nodes.

    Fills ``dist`` for the touched nodes (listed in ``touched``); returns their count.
    """
    nt = 0
    dist[src] = 0
    touched[nt] = src
    nt += 1
    size = _hpush(hk, hv, pos, 0, 0, src)
    settled = 0
    while size > 0:
        d, x, size = _hpop(hk, hv, pos, size)
        if d > bound:
            break
        settled += 1
        if settled > limit:
            break
        e = head_out[x]
        while e >= 0:
            y = e_to[e]
            if y != skip and not contracted[y]:
                nd = d + e_w[e]
                if nd < dist[y]:
                    if dist[y] == INF:
                        touched[nt] = y
                        nt += 1
                    dist[y] = nd
                    size = _hpush(hk, hv, pos, size, nd, y)
            e = e_next_out[e]
    for i in range(size):
        pos[hv[i]] = -1
    return nt


@njit(cache=True, nogil=True)
def _contract_node(v, add, limit, ne, cap, head_out, head_in, e_from, e_to, e_w,
                   e_next_out, e_next_in, contracted, dist, touched, hk, hv, pos):
    """Simulate (``add=False``) or perform the contraction of ``v``.

    Returns (shortcuts needed, edges removed, new edge count); the edge count is -1 when
    the edge pool is full (the caller retries with a larger pool).
    """
    shortcuts = 0
    removed = 0
    ei = head_in[v]
    while ei >= 0:
        u = e_from[ei]
        if u != v and not contracted[u]:
            removed += 1
            w1 = e_w[ei]
            maxw = np.int64(-1)
            eo = head_out[v]
            while eo >= 0:
                x = e_to[eo]
                if x != v and x != u and not contracted[x]:
                    c = w1 + e_w[eo]
                    if c > maxw:
                        maxw = c
                eo = e_next_out[eo]
            if maxw >= 0:
                nt = _witness(u, v, maxw, limit, head_out, e_to, e_w, e_next_out, contracted,
                              dist, touched, hk, hv, pos)
                eo = head_out[v]
                while eo >= 0:
                    x = e_to[eo]
                    if x != v and x != u and not contracted[x]:
                        c = w1 + e_w[eo]
                        if dist[x] > c:
                            shortcuts += 1
                            if add:
                                # an existing edge u -> x is lowered instead of duplicated
                                f = head_out[u]
                                found = False
                                while f >= 0:
                                    if e_to[f] == x:
                                        found = True
                                        if c < e_w[f]:
                                            e_w[f] = c
                                        break
                                    f = e_next_out[f]
                                if not found:
                                    if ne >= cap:
                                        for k in range(nt):
                                            dist[touched[k]] = INF
                                        return shortcuts, removed, -1
                                    e_from[ne] = u
                                    e_to[ne] = x
                                    e_w[ne] = c
                                    e_next_out[ne] = head_out[u]
                                    head_out[u] = ne
                                    e_next_in[ne] = head_in[x]
                                    head_in[x] = ne
                                    ne += 1
                    eo = e_next_out[eo]
                for k in range(nt):
                    dist[touched[k]] = INF
        ei = e_next_in[ei]
    eo = head_out[v]
    while eo >= 0:
        x = e_to[eo]
        if x != v and not contracted[x]:
            removed += 1
        eo = e_next_out[eo]
    return shortcuts, removed, ne


@njit(cache=True, nogil=True)
def _priority(shortcuts, removed, deleted, level):
    return np.int64(2 * (shortcuts - removed) + deleted + level)


@njit(cache=True, nogil=True)
def contract(n, tail, head, weight, cap, sim_limit, limit):
    """Contract all nodes of the graph (``tail``/``head``/``weight``, no self loops, no duplicates).

    Returns ``(ok, rank, e_from, e_to, e_w)``: ``rank[v]`` is the contraction order, the
    edge arrays hold the original edges (possibly lowered) and all shortcuts. ``ok`` is
    False when ``cap`` edges did not suffice.
    """
    m = tail.shape[0]
    e_from = np.empty(cap, np.int32)
    e_to = np.empty(cap, np.int32)
    e_w = np.empty(cap, np.int64)
    e_next_out = np.empty(cap, np.int32)
    e_next_in = np.empty(cap, np.int32)
    head_out = np.full(n, -1, np.int32)
    head_in = np.full(n, -1, np.int32)
    for i in range(m):
        e_from[i] = tail[i]
        e_to[i] = head[i]
        e_w[i] = weight[i]
        e_next_out[i] = head_out[tail[i]]
        head_out[tail[i]] = i
        e_next_in[i] = head_in[head[i]]
        head_in[head[i]] = i
    ne = m
    contracted = np.zeros(n, np.bool_)
    dist = np.full(n, INF, np.int64)
    touched = np.empty(n, np.int32)
    hk = np.empty(n, np.int64)
    hv = np.empty(n, np.int32)
    pos = np.full(n, -1, np.int32)
    # priority queue over nodes
    pk = np.empty(n, np.int64)
    pv = np.empty(n, np.int32)
    ppos = np.full(n, -1, np.int32)
    psize = 0
    deleted = np.zeros(n, np.int64)
    level = np.zeros(n, np.int64)
    rank = np.full(n, -1, np.int32)
    stamp = np.full(n, -1, np.int32)
    for v in range(n):
        sc, rm, _ = _contract_node(v, False, sim_limit, ne, cap, head_out, head_in, e_from,
                                   e_to, e_w, e_next_out, e_next_in, contracted, dist,
                                   touched, hk, hv, pos)
        psize = _hpush(pk, pv, ppos, psize, _priority(sc, rm, 0, 0), v)
    order = 0
    while psize > 0:
        _, v, psize = _hpop(pk, pv, ppos, psize)
        sc, rm, _ = _contract_node(v, False, sim_limit, ne, cap, head_out, head_in, e_from,
                                   e_to, e_w, e_next_out, e_next_in, contracted, dist,
                                   touched, hk, hv, pos)
        p = _priority(sc, rm, deleted[v], level[v])
        if psize > 0 and p > pk[0]:
            psize = _hpush(pk, pv, ppos, psize, p, v)
            continue
        _, _, ne = _contract_node(v, True, limit, ne, cap, head_out, head_in, e_from, e_to,
                                  e_w, e_next_out, e_next_in, contracted, dist, touched,
                                  hk, hv, pos)
        if ne < 0:
            return False, rank, e_from[:0], e_to[:0], e_w[:0]
        contracted[v] = True
        rank[v] = order
        order += 1
        # neighbours: one more contracted neighbour, deeper level, new priority
        for direction in range(2):
            e = head_out[v] if direction == 0 else head_in[v]
            while e >= 0:
                x = e_to[e] if direction == 0 else e_from[e]
                if not contracted[x] and stamp[x] != v:
                    stamp[x] = v
                    deleted[x] += 1
                    if level[v] + 1 > level[x]:
                        level[x] = level[v] + 1
                    sc, rm, _ = _contract_node(x, False, sim_limit, ne, cap, head_out, head_in,
                                               e_from, e_to, e_w, e_next_out, e_next_in,
                                               contracted, dist, touched, hk, hv, pos)
                    psize = _hset(pk, pv, ppos, psize, _priority(sc, rm, deleted[x], level[x]), x)
                e = e_next_out[e] if direction == 0 else e_next_in[e]
    return True, rank, e_from[:ne].copy(), e_to[:ne].copy(), e_w[:ne].copy()


# --------------------------------------------------------------------------- RPHAST queries


@njit(cache=True, nogil=True)
def select_targets(n, rank, bwd_ptr, bwd_to, bwd_w, exit_nodes):
    """The restricted sweep graph for the targets' exit nodes.

    Returns ``(r_nodes, r_index, r_ptr, r_src, r_w)``: the nodes reachable upward from any
    exit node (the targets' backward search spaces), sorted by decreasing rank; the
    position of every graph node in that list (-1 if absent); and for each position the
    incoming downward edges as (position of the higher tail, weight).
    """
    mark = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int32)
    top = 0
    for i in range(exit_nodes.shape[0]):
        x = exit_nodes[i]
        if x >= 0 and not mark[x]:
            mark[x] = True
            stack[top] = x
            top += 1
    count = top
    while top > 0:
        top -= 1
        v = stack[top]
        for k in range(bwd_ptr[v], bwd_ptr[v + 1]):
            a = bwd_to[k]
            if not mark[a]:
                mark[a] = True
                stack[top] = a
                top += 1
                count += 1
    r_nodes = np.empty(count, np.int32)
    j = 0
    for v in range(n):
        if mark[v]:
            r_nodes[j] = v
            j += 1
    keys = np.empty(count, np.int64)
    for i in range(count):
        keys[i] = -rank[r_nodes[i]]
    r_nodes = r_nodes[np.argsort(keys)]
    r_index = np.full(n, -1, np.int32)
    for i in range(count):
        r_index[r_nodes[i]] = i
    r_ptr = np.zeros(count + 1, np.int64)
    for i in range(count):
        v = r_nodes[i]
        r_ptr[i + 1] = r_ptr[i] + (bwd_ptr[v + 1] - bwd_ptr[v])
    r_src = np.empty(r_ptr[count], np.int32)
    r_w = np.empty(r_ptr[count], np.int64)
    for i in range(count):
        v = r_nodes[i]
        k0 = r_ptr[i]
        for k in range(bwd_ptr[v], bwd_ptr[v + 1]):
            r_src[k0] = r_index[bwd_to[k]]
            r_w[k0] = bwd_w[k]
            k0 += 1
    return r_nodes, r_index, r_ptr, r_src, r_w


#: Sources swept together (one index load feeds this many SIMD-friendly updates).
BLOCK = 16
#: "Infinite" inside the sweep: adding any real path cost to it cannot overflow int64.
BIG = np.int64(1) << 62


@njit(cache=True, parallel=True)
def many_to_many(n, fwd_ptr, fwd_to, fwd_w, r_index, r_ptr, r_src, r_w,
                 src_nodes, src_cost, tgt_nodes, tgt_cost, n_threads):
    """Packed-key distances from every source to every target (``INF`` when unreachable).

    Sources and targets are given by up to ``k`` nodes each with the packed cost of the leg
    between the point and that node (``src_nodes[i, j] < 0`` marks an unused slot).
    Sources are processed in blocks of :data:`BLOCK`: an upward search for each, then one
    downward sweep for the whole block.
    """
    ns = src_nodes.shape[0]
    nt = tgt_nodes.shape[0]
    kt = tgt_nodes.shape[1]
    nr = r_ptr.shape[0] - 1
    tgt_r = np.full((nt, kt), -1, np.int64)
    for t in range(nt):
        for j in range(kt):
            if tgt_nodes[t, j] >= 0:
                tgt_r[t, j] = r_index[tgt_nodes[t, j]]
    out = np.full((ns, nt), INF, np.int64)
    n_blocks = (ns + BLOCK - 1) // BLOCK
    n_work = max(1, min(n_threads, n_blocks))
    for w in prange(n_work):
        dist = np.full(n, INF, np.int64)
        touched = np.empty(n, np.int32)
        hk = np.empty(n, np.int64)
        hv = np.empty(n, np.int32)
        pos = np.full(n, -1, np.int32)
        dr = np.empty((nr, BLOCK), np.int64)
        for blk in range(w, n_blocks, n_work):
            lo = blk * BLOCK
            dr[:, :] = BIG
            for b in range(BLOCK):
                s = lo + b
                if s >= ns:
                    break
                nt_ = 0
                size = 0
                for j in range(src_nodes.shape[1]):
                    x = src_nodes[s, j]
                    if x >= 0 and src_cost[s, j] < dist[x]:
                        if dist[x] == INF:
                            touched[nt_] = x
                            nt_ += 1
                        dist[x] = src_cost[s, j]
                        size = _hpush(hk, hv, pos, size, dist[x], x)
                while size > 0:
                    d, x, size = _hpop(hk, hv, pos, size)
                    for k in range(fwd_ptr[x], fwd_ptr[x + 1]):
                        y = fwd_to[k]
                        nd = d + fwd_w[k]
                        if nd < dist[y]:
                            if dist[y] == INF:
                                touched[nt_] = y
                                nt_ += 1
                            dist[y] = nd
                            size = _hpush(hk, hv, pos, size, nd, y)
                for k in range(nt_):
                    x = touched[k]
                    i = r_index[x]
                    if i >= 0:
                        dr[i, b] = dist[x]
                    dist[x] = INF
            # downward sweep for the whole block
            for i in range(nr):
                row = dr[i]
                for k in range(r_ptr[i], r_ptr[i + 1]):
                    src_row = dr[r_src[k]]
                    wk = r_w[k]
                    for b in range(BLOCK):
                        cand = src_row[b] + wk
                        if cand < row[b]:
                            row[b] = cand
            for b in range(BLOCK):
                s = lo + b
                if s >= ns:
                    break
                for t in range(nt):
                    best = BIG
                    for j in range(kt):
                        i = tgt_r[t, j]
                        if i >= 0:
                            cand = dr[i, b] + tgt_cost[t, j]
                            if cand < best:
                                best = cand
                    out[s, t] = best if best < BIG else INF
    return out


@njit(cache=True, parallel=True)
def unpack(keys, unit_dm, with_distances):
    """Whole seconds (rounded up) and metres (rounded) as int32; -1 where ``INF``."""
    ns, nt = keys.shape
    dur = np.empty((ns, nt), np.int32)
    dist = np.empty((ns, nt) if with_distances else (0, 0), np.int32)
    for s in prange(ns):
        for t in range(nt):
            k = keys[s, t]
            if k == INF:
                dur[s, t] = -1
                if with_distances:
                    dist[s, t] = -1
            else:
                dur[s, t] = ((k >> SHIFT) + 999) // 1000
                if with_distances:
                    dist[s, t] = ((k & LMASK) * unit_dm + 5) // 10
    return dur, dist


# --------------------------------------------------------------------------- one-to-one


@njit(cache=True, nogil=True)
def dijkstra_path(n, ptr, adj_to, adj_w, adj_edge, edge_tail, src_nodes, src_cost,
                  tgt_nodes, tgt_cost):
    """Fastest path from one point to another over the original graph (CSR by tail).

    ``src_nodes``/``src_cost`` and ``tgt_nodes``/``tgt_cost`` are the point's entry and
    exit nodes with their packed leg costs (-1 = unused). Returns ``(key, entry slot,
    exit slot, edges)``: the packed cost, which entry and exit the path uses, and the
    edge ids between them in travel order; ``key`` is ``INF`` when there is no path.
    """
    dist = np.full(n, INF, np.int64)
    pred = np.full(n, -1, np.int64)
    hk = np.empty(n, np.int64)
    hv = np.empty(n, np.int32)
    pos = np.full(n, -1, np.int32)
    size = 0
    for j in range(src_nodes.shape[0]):
        x = src_nodes[j]
        if x >= 0 and src_cost[j] < dist[x]:
            dist[x] = src_cost[j]
            pred[x] = -j - 2
            size = _hpush(hk, hv, pos, size, dist[x], x)
    is_exit = np.zeros(n, np.bool_)
    for j in range(tgt_nodes.shape[0]):
        if tgt_nodes[j] >= 0:
            is_exit[tgt_nodes[j]] = True
    best = INF
    best_exit = -1
    while size > 0:
        d, x, size = _hpop(hk, hv, pos, size)
        if d >= best:
            break
        if is_exit[x]:
            for j in range(tgt_nodes.shape[0]):
                if tgt_nodes[j] == x and d + tgt_cost[j] < best:
                    best = d + tgt_cost[j]
                    best_exit = j
        for k in range(ptr[x], ptr[x + 1]):
            y = adj_to[k]
            nd = d + adj_w[k]
            if nd < dist[y]:
                dist[y] = nd
                pred[y] = adj_edge[k]
                size = _hpush(hk, hv, pos, size, nd, y)
    if best_exit < 0:
        return best, -1, -1, np.empty(0, np.int64)
    y = tgt_nodes[best_exit]
    count = 0
    while pred[y] >= 0:
        count += 1
        y = edge_tail[pred[y]]
    entry = -pred[y] - 2
    edges = np.empty(count, np.int64)
    y = tgt_nodes[best_exit]
    i = count - 1
    while pred[y] >= 0:
        edges[i] = pred[y]
        y = edge_tail[pred[y]]
        i -= 1
    return best, entry, best_exit, edges


@njit(cache=True, nogil=True)
def same_edge_and_identical(out, s_edge, s_frac, s_fwd, s_bwd, s_acc, s_lon, s_lat,
                            t_edge, t_frac, t_fwd, t_bwd, t_acc, t_lon, t_lat, t_twin):
    """Lower ``out[s, t]`` by the direct way along a shared edge, and set 0 for equal points.

    ``*_fwd`` is the packed cost from the canonical edge's tail to the point, ``*_bwd`` from
    the twin edge's tail (-1 without a twin); ``*_acc`` the access leg (``INF`` when the
    point is not snapped).
    """
    order = np.argsort(t_edge)
    sorted_edges = t_edge[order]
    for s in range(out.shape[0]):
        e = s_edge[s]
        if e < 0 or s_acc[s] == INF:
            continue
        lo = np.searchsorted(sorted_edges, e, side="left")
        hi = np.searchsorted(sorted_edges, e, side="right")
        for k in range(lo, hi):
            t = order[k]
            if t_acc[t] == INF:
                continue
            if s_lon[s] == t_lon[t] and s_lat[s] == t_lat[t]:
                out[s, t] = 0
                continue
            best = out[s, t]
            if s_frac[s] <= t_frac[t]:
                cand = s_acc[s] + (t_fwd[t] - s_fwd[s]) + t_acc[t]
                if cand < best:
                    best = cand
            if t_twin[t] >= 0 and s_frac[s] >= t_frac[t]:
                cand = s_acc[s] + (t_bwd[t] - s_bwd[s]) + t_acc[t]
                if cand < best:
                    best = cand
            out[s, t] = best


# --------------------------------------------------------------------------- Python side

CH_VERSION = 1

#: Bound on the access legs (point to street) the packed integers must hold: it keeps them
#: far from overflow. The legs a matrix accepts are shorter (``geodata.snap.MAX_ACCESS_M``,
#: 5 km: a point farther off is unreachable); this bound only sizes the length unit.
ACCESS_CAP_M = 100_000.0


def length_unit_dm(net: Any) -> int:
    """Length unit of the packed keys in decimetres: 1, or coarser for huge networks.

    Every path length (at most the sum of all edge lengths plus two access legs) must fit
    in :data:`SHIFT` bits.
    """
    total_dm = float(np.sum(net.edge_length)) * 10.0 + 2 * ACCESS_CAP_M * 10.0
    unit = 1
    while total_dm / unit >= float(LMASK):
        unit *= 10
    return unit


def pack(time_ms: Any, length_units: Any) -> Any:
    """Packed key(s) from integer milliseconds and length units."""
    return (np.asarray(time_ms, dtype=np.int64) << SHIFT) | np.asarray(length_units, dtype=np.int64)


def unpack_seconds(keys: np.ndarray) -> np.ndarray:
    """Travel time in whole seconds, rounded up (keeps the triangle inequality); -1 for INF."""
    out = ((keys >> SHIFT) + 999) // 1000
    out[keys == INF] = -1
    return out


def unpack_metres(keys: np.ndarray, unit_dm: int) -> np.ndarray:
    """Length in whole metres (rounded); -1 for INF."""
    out = ((keys & LMASK) * unit_dm + 5) // 10
    out[keys == INF] = -1
    return out


def edge_keys(net: Any) -> np.ndarray:
    """Packed key of every edge of ``net``."""
    unit = length_unit_dm(net)
    t = np.rint(np.asarray(net.edge_time, dtype=np.float64) * 1000.0).astype(np.int64)
    length = np.rint(np.asarray(net.edge_length, dtype=np.float64) * 10.0 / unit).astype(np.int64)
    return pack(np.maximum(t, 0), np.maximum(length, 0))


def network_digest(net: Any) -> str:
    """Content hash of the arrays that determine shortest paths (cheap: a few MB at most)."""
    h = hashlib.sha256()
    h.update(str(net.n_nodes).encode())
    for name in ("edge_u", "edge_v", "edge_time", "edge_length"):
        h.update(np.ascontiguousarray(getattr(net, name)).tobytes())
    return h.hexdigest()


@dataclass(eq=False)
class ContractionHierarchy:
    """Upward (``fwd``) and reversed downward (``bwd``) CH graphs in CSR form.

    ``fwd``: edges ``a -> b`` with ``rank[b] > rank[a]``, stored at ``a``. ``bwd``: edges
    ``a -> b`` with ``rank[a] > rank[b]``, stored at ``b`` with neighbour ``a``.
    """

    n: int
    rank: np.ndarray
    fwd_ptr: np.ndarray
    fwd_to: np.ndarray
    fwd_w: np.ndarray
    bwd_ptr: np.ndarray
    bwd_to: np.ndarray
    bwd_w: np.ndarray
    unit_dm: int
    build_seconds: float
    shortcuts: int
    cache: str = "none"  # "hit", "miss", "memory" or "none"

    _ARRAYS = ("rank", "fwd_ptr", "fwd_to", "fwd_w", "bwd_ptr", "bwd_to", "bwd_w")

    def save(self, path: Path) -> None:
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        meta = np.array([self.n, self.unit_dm, self.shortcuts], dtype=np.int64)
        with atomic_write(path, file_mode=PUBLIC) as fh:
            np.savez(fh, meta=meta, build_seconds=np.array(self.build_seconds), **arrays)

    @classmethod
    def load(cls, path: Path) -> ContractionHierarchy:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in cls._ARRAYS}
            n, unit, shortcuts = (int(x) for x in data["meta"])
            build = float(data["build_seconds"])
        return cls(n=n, unit_dm=unit, shortcuts=shortcuts, build_seconds=build, **arrays)


def _csr(n: int, owner: np.ndarray, other: np.ndarray, w: np.ndarray):
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=ptr[1:])
    return ptr, other[order].astype(np.int32), w[order].astype(np.int64)


def build_hierarchy(net: Any) -> ContractionHierarchy:
    """Contract ``net`` (no cache; see :func:`hierarchy`)."""
    t0 = time.perf_counter()
    n = net.n_nodes
    keys = edge_keys(net)
    u = np.asarray(net.edge_u, dtype=np.int64)
    v = np.asarray(net.edge_v, dtype=np.int64)
    keep = u != v
    u, v, keys = u[keep], v[keep], keys[keep]
    order = np.lexsort((keys, v, u))
    u, v, keys = u[order], v[order], keys[order]
    first = np.ones(u.shape[0], dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, keys = u[first].astype(np.int32), v[first].astype(np.int32), keys[first]
    cap = 4 * u.shape[0] + 1024
    while True:
        ok, rank, ef, et, ew = contract(n, u, v, keys, cap, 60, 500)
        if ok:
            break
        cap *= 2
    up = rank[et] > rank[ef]
    fwd_ptr, fwd_to, fwd_w = _csr(n, ef[up], et[up], ew[up])
    down = ~up
    bwd_ptr, bwd_to, bwd_w = _csr(n, et[down], ef[down], ew[down])
    return ContractionHierarchy(
        n=n,
        rank=rank,
        fwd_ptr=fwd_ptr,
        fwd_to=fwd_to,
        fwd_w=fwd_w,
        bwd_ptr=bwd_ptr,
        bwd_to=bwd_to,
        bwd_w=bwd_w,
        unit_dm=length_unit_dm(net),
        build_seconds=time.perf_counter() - t0,
        shortcuts=int(ef.shape[0] - u.shape[0]),
    )


_memo: weakref.WeakKeyDictionary[Any, ContractionHierarchy] = weakref.WeakKeyDictionary()


def hierarchy_cache_path(net: Any) -> Path:
    """Where the hierarchy of ``net`` is cached on disk."""
    from geodata.cache import cache_dir, cache_key

    key = cache_key(
        "ch", CH_VERSION, net.source_digest, net.mode, net.settings, network_digest(net)
    )
    return cache_dir("ch") / f"{net.mode}-{key}.npz"


def hierarchy(net: Any, *, use_cache: bool = True) -> ContractionHierarchy:
    """The contraction hierarchy of ``net``: from memory, the disk cache, or built now.

    The disk cache is keyed by the extract's digest, the mode, the settings and a hash of
    the graph arrays (so a network changed in memory never reuses a stale hierarchy).
    """
    if use_cache:
        hit = _memo.get(net)
        if hit is not None:
            hit.cache = "memory"
            return hit
    if not use_cache:
        ch = build_hierarchy(net)
        ch.cache = "none"
        return ch
    path = hierarchy_cache_path(net)
    ch = None
    if path.exists():
        try:
            ch = ContractionHierarchy.load(path)
            ch.cache = "hit"
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
    if ch is None:
        ch = build_hierarchy(net)
        ch.save(path)
        ch.cache = "miss"
    _memo[net] = ch
    return ch


_warm = False


def warm_up() -> float:
    """Load (or compile) the query kernels once per process; returns the seconds it took.

    Numba compiles on first call (``cache=True`` keeps the machine code on disk, so later
    processes only load it); calling this first keeps that one-off cost out of timings.
    """
    global _warm
    if _warm:
        return 0.0
    t0 = time.perf_counter()
    n = 3
    ptr = np.array([0, 1, 2, 2], dtype=np.int64)
    to = np.array([1, 2], dtype=np.int32)
    w = np.array([1, 1], dtype=np.int64)
    rank = np.array([0, 1, 2], dtype=np.int32)
    nodes = np.array([[0, -1]], dtype=np.int32)
    cost = np.zeros((1, 2), dtype=np.int64)
    _, r_index, r_ptr, r_src, r_w = select_targets(n, rank, ptr, to, w, nodes.ravel())
    keys = many_to_many(n, ptr, to, w, r_index, r_ptr, r_src, r_w, nodes, cost, nodes, cost, 1)
    i64 = np.zeros(1, dtype=np.int64)
    f64 = np.zeros(1, dtype=np.float64)
    same_edge_and_identical(keys, i64, f64, i64, i64, i64, f64, f64, i64, f64, i64, i64, i64,
                            f64, f64, i64)
    unpack(keys, 1, True)
    unpack(keys, 1, False)
    _warm = True
    return time.perf_counter() - t0
