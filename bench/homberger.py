"""Gehring-Homberger-like VRPTW instances with 200 and 400 customers: ours vs PyVRP vs pyvroom.

The public Gehring-Homberger files cannot be downloaded at run time, so comparable
instances are generated here (seeded, same layout as the Solomon/GH families):

- ``C``: customers in clusters, ``R``: uniformly random, ``RC``: half and half;
- class 1: short horizon (1,000 x size/100 ... see ``HORIZON``), small vehicles
  (capacity 200); class 2: long horizon, large vehicles (capacity 700);
- demand 10-40, service 90 (C) or 10 (R, RC); a quarter of the customers without a
  window, the rest with windows of 30-120 (class 1) or 120-500 (class 2) around a
  reachable time; as many vehicles as the GH instances (size / 4).

Each instance is solved by the three solvers of ``bench/solomon.py`` with the same
time limit; the table prints each solver's length and its gap to the best of the three
in this run (no best-known solutions exist for generated instances). Every solution is
checked with ``routing.check``.

Usage::

    nice python bench/homberger.py [--sizes 200,400] [--families C1,R1,RC1,C2,R2,RC2]
                                   [--time-limit 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from solomon import run_solver  # noqa: E402

import routing  # noqa: E402
from routing.check import check  # noqa: E402
from routing.solomon import SolomonInstance, euclidean_length, to_problem  # noqa: E402

#: Depot due time per class, for 100 customers; GH scales the area with the size.
HORIZON = {"1": 1000, "2": 3000}


def generate(family: str, size: int, seed: int) -> SolomonInstance:
    rng = np.random.default_rng([seed, size, sum(map(ord, family))])
    kind, cls = family[:-1], family[-1]
    side = 100 * math.sqrt(size / 100)  # GH: the area grows with the number of customers
    depot = np.array([side / 2, side / 2])
    n_clustered = size if kind == "C" else size // 2 if kind == "RC" else 0
    centres = rng.uniform(0.1 * side, 0.9 * side, (max(1, size // 25), 2))
    pts = []
    for i in range(size):
        if i < n_clustered:
            c = centres[rng.integers(len(centres))]
            pts.append(np.clip(c + rng.normal(0, side / 40, 2), 0, side))
        else:
            pts.append(rng.uniform(0, side, 2))
    xy = np.vstack([depot, np.array(pts)])
    horizon = int(HORIZON[cls] * math.sqrt(size / 100))
    service = np.full(size + 1, 90 if kind == "C" else 10)
    service[0] = 0
    demand = np.concatenate([[0], rng.integers(10, 41, size)])
    ready = np.zeros(size + 1, int)
    due = np.full(size + 1, horizon)
    lo_w, hi_w = (30, 120) if cls == "1" else (120, 500)
    for i in range(1, size + 1):
        d0 = math.dist(xy[0], xy[i])
        if rng.random() < 0.25:
            due[i] = int(horizon - d0 - service[i])
            continue
        width = int(rng.integers(lo_w, hi_w + 1))
        latest = int(horizon - d0 - service[i])
        centre = int(rng.integers(int(math.ceil(d0)), max(int(math.ceil(d0)) + 1, latest)))
        ready[i] = max(int(math.ceil(d0)), centre - width // 2)
        due[i] = min(latest, ready[i] + width)
        if due[i] < ready[i]:
            ready[i], due[i] = 0, latest
    return SolomonInstance(
        f"{family}_{size}_{seed}", size // 4, 200 if cls == "1" else 700, xy, demand, ready,
        due, service,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="200,400")
    ap.add_argument("--families", default="C1,R1,RC1,C2,R2,RC2")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default="ours,pyvrp,vroom")
    args = ap.parse_args(argv)
    routing.prepare()
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    print(f"{'instance':14} " + " ".join(f"{s:>17}" for s in solvers))
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    for size in [int(x) for x in args.sizes.split(",")]:
        for fam in [f.strip() for f in args.families.split(",") if f.strip()]:
            inst = generate(fam, size, args.seed)
            problem = to_problem(inst)
            lengths: dict[str, float] = {}
            for s in solvers:
                t = time.monotonic()
                sol = run_solver(s, problem, inst, args.time_limit, args.threads)
                ok = not check(problem, sol) and not sol.unassigned
                lengths[s] = euclidean_length(inst, sol) if ok else math.inf
                _ = time.monotonic() - t
            best = min(lengths.values())
            cells = []
            for s in solvers:
                g = 100 * (lengths[s] - best) / best if math.isfinite(lengths[s]) else math.nan
                gaps[s].append(g)
                cells.append(f"{lengths[s]:>9.1f} {g:>+6.2f}%")
            print(f"{inst.name:14} " + " ".join(f"{c:>17}" for c in cells), flush=True)
    print(f"{'mean gap':14} " + " ".join(
        f"{np.nanmean(gaps[s]):>+16.2f}%" for s in solvers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
