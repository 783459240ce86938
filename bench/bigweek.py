"""Bigger weeks: 8 walking teams x 5 days, 500 / 1,000 / 2,000 candidate visits.

Candidates are random real street nodes of Bad Hersfeld's walk network (travel times by
Dijkstra on the network of the shared extract); each candidate set is a superset of the
previous one (the first 500 of 1,000 are the 500, ...), with priorities 0-100, 30-60
minute visits, a fifth announced for a 3-hour window, languages. A week holds far
fewer visits than candidates, as in a large Jobcenter.

Ours and pyvroom get the same problem and time limit. Printed per size: served visits,
served priority sum, travel hours and the wall time of the whole call (ours must stay
within limit + 15 s; the served priority must not fall as candidates grow).

Usage::

    nice python bench/bigweek.py [--sizes 500,1000,2000] [--time-limit 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from week import run_vroom, street_points  # noqa: E402

import routing  # noqa: E402
from routing import Break, Problem, Shift, Team, TimeWindow, Visit, at  # noqa: E402
from routing.check import check  # noqa: E402
from routing.solve import solve  # noqa: E402


def week(dur: np.ndarray, n: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    visits = []
    for i in range(1, len(dur)):
        tws: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.2:
            d = int(rng.integers(0, 5))
            h = int(rng.choice([9, 10, 13]))
            tws = (TimeWindow(at(d, h), at(d, h + 3)),)
        r = rng.random()
        sk = frozenset({"türkisch"}) if r < 0.1 else frozenset({"arabisch"}) if r < 0.2 else frozenset()
        visits.append(Visit(f"K{i:05d}", i, service=int(rng.choice([1800, 2700, 3600])),
                            time_windows=tws, priority=int(rng.integers(0, 101)), skills=sk))
    visits = visits[:n]  # the same first n for every size: supersets
    lunch = [Break(TimeWindow(at(d, 11, 30), at(d, 14)), 1800) for d in range(5)]
    langs = [frozenset({"türkisch"}), frozenset({"arabisch"}), frozenset()]
    teams = [
        Team(f"T{k + 1}",
             tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16)), (lunch[d],)) for d in range(5)),
             start=0, end=0, skills=langs[k % 3], max_visits=6, mode="walk")
        for k in range(8)
    ]
    used = [0] + [v.location for v in visits]
    sub = dur[np.ix_(used, used)]
    visits = [Visit(v.id, k + 1, v.service, v.time_windows, v.priority, v.skills)
              for k, v in enumerate(visits)]
    return Problem(visits, teams, 5, {"walk": sub})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="500,1000,2000")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default="ours,vroom")
    args = ap.parse_args(argv)
    routing.prepare()
    sizes = [int(x) for x in args.sizes.split(",")]
    t = time.monotonic()
    dur, _, _, _ = street_points(max(sizes) + 1, args.seed, radius_m=3000.0, mode="walk")
    print(f"matrix: {dur.shape[0]} real walk-network points of Bad Hersfeld "
          f"({time.monotonic() - t:.1f} s)")
    print(f"{'size':>6} {'solver':8} {'served':>7} {'priority':>9} {'travel h':>9} "
          f"{'wall s':>7} {'violations':>10}")
    for n in sizes:
        p = week(dur, n, args.seed)
        for s in [x.strip() for x in args.solvers.split(",") if x.strip()]:
            t = time.monotonic()
            if s == "ours":
                sol = solve(p, time_limit=args.time_limit, threads=args.threads)
            else:
                sol = run_vroom(p, args.time_limit, args.threads)
            wall = time.monotonic() - t
            errs = check(p, sol)
            prio = sum(v.priority for v in p.visits if v.id in set(sol.served))
            print(f"{n:>6} {s:8} {len(sol.served):>7} {prio:>9} {sol.travel / 3600:>9.2f} "
                  f"{wall:>7.1f} {len(errs):>10}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
