"""Benchmark: travel-time matrices vs. SciPy's Dijkstra and the naive networkx way.

Run from the repository root (nice it on a shared machine)::

    nice python bench/matrix.py [--osm FILE] [--mode walk] [--sizes 100 500 1000 2000]

For every N it prints, measured in the same run on the same graph:

- ``ours``: :func:`geodata.matrix.travel_matrix` for N random points (snapping included,
  warm: kernels loaded, contraction hierarchy in memory), median of ``--repeat`` runs;
  ``ours_matrix`` is the query phase alone.
- ``scipy``: ``scipy.sparse.csgraph.dijkstra(net.csr("time"), indices=<N source nodes>)``
  (full rows from the N nearest nodes of the points; no snapping).
- ``naive``: one ``nx.shortest_path_length(G, s, t, weight="travel_time")`` per pair on
  ``net.to_networkx()``, timed for ``--naive-pairs`` sampled pairs and extrapolated to N².
- ``nx/src``: the less naive networkx way, one ``nx.single_source_dijkstra_path_length``
  per source, timed for ``--naive-sources`` sampled sources and extrapolated to N (the
  stricter baseline for the 50x target).

and the ratios scipy/ours, naive/ours and nx-per-source/ours. One-off costs are printed separately: the
contraction-hierarchy preprocessing (built from scratch here; normally cached on disk per
network) and numba's compile/load time. Timings are wall-clock on whatever machine runs
it; compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geodata import _ch  # noqa: E402
from geodata.matrix import travel_matrix  # noqa: E402
from geodata.network import load_network, nearest_nodes  # noqa: E402

SHARED = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_OSM = SHARED / "osm" / "bad-hersfeld_2021-10-27.osm.pbf"


def random_points(net, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points near random nodes (homes beside streets): up to ~40 m off in each direction."""
    idx = rng.choice(net.n_nodes, n, replace=n > net.n_nodes)
    dlat = rng.uniform(-40, 40, n) / 111_195.0
    dlon = rng.uniform(-40, 40, n) / (111_195.0 * np.cos(np.radians(net.node_lat[idx])))
    return net.node_lon[idx] + dlon, net.node_lat[idx] + dlat


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--osm", type=Path, default=DEFAULT_OSM)
    ap.add_argument("--mode", default="walk")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000, 2000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-pairs", type=int, default=60)
    ap.add_argument("--naive-sources", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)

    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    net = load_network(args.osm, args.mode)
    print(f"network: {args.osm.name} {args.mode}: {net.n_nodes} nodes, {net.n_edges} edges")

    t0 = time.perf_counter()
    ch = _ch.build_hierarchy(net)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    cached = _ch.hierarchy(net)  # disk cache (built and saved on the first run ever)
    t_load = time.perf_counter() - t0
    print(
        f"CH preprocessing (one-off, cached on disk per network): {t_build:.3f} s, "
        f"{ch.shortcuts} shortcuts; loading it from the cache: {t_load:.3f} s "
        f"(cache {cached.cache})"
    )
    t_compile = _ch.warm_up()
    print(f"numba kernels compile/load (one-off per process, cache=True): {t_compile:.3f} s")

    A = net.csr("time")
    G = net.to_networkx()
    rng = np.random.default_rng(args.seed)
    header = (
        f"{'N':>6} {'ours s':>9} {'matrix s':>9} {'scipy s':>9} {'naive s (extrap.)':>18} "
        f"{'nx/src s (extrap.)':>19} {'scipy/ours':>11} {'naive/ours':>11} {'nx-src/ours':>12}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in args.sizes:
        lons, lats = random_points(net, n, rng)
        travel_matrix(net, lons, lats)  # warm this size once
        ours, ours_m = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            tm = travel_matrix(net, lons, lats)
            ours.append(time.perf_counter() - t0)
            ours_m.append(tm.timings["matrix"])
        t_ours = statistics.median(ours)
        t_ours_m = statistics.median(ours_m)
        src = nearest_nodes(net, lons, lats)
        scipy_t = []
        for _ in range(max(1, args.repeat - 1)):
            t0 = time.perf_counter()
            dijkstra(A, directed=True, indices=src)
            scipy_t.append(time.perf_counter() - t0)
        t_scipy = statistics.median(scipy_t)
        k = args.naive_pairs
        pairs = rng.integers(0, n, size=(k, 2))
        t0 = time.perf_counter()
        for i, j in pairs:
            nx.shortest_path_length(G, int(src[i]), int(src[j]), weight="travel_time")
        t_naive = (time.perf_counter() - t0) / k * n * n
        ks = min(args.naive_sources, n)
        t0 = time.perf_counter()
        for i in rng.choice(n, size=ks, replace=False):
            nx.single_source_dijkstra_path_length(G, int(src[i]), weight="travel_time")
        t_src = (time.perf_counter() - t0) / ks * n
        rows.append((n, t_ours, t_ours_m, t_scipy, t_naive))
        print(
            f"{n:>6} {t_ours:>9.4f} {t_ours_m:>9.4f} {t_scipy:>9.4f} {t_naive:>18.1f} "
            f"{t_src:>19.1f} {t_scipy / t_ours:>11.1f} {t_naive / t_ours:>11.0f} "
            f"{t_src / t_ours:>12.0f}",
            flush=True,
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
