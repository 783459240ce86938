"""Bigger weeks: 8 walking teams x 5 days, 500 / 1,000 / 2,000 candidate visits.

(``--teams`` / ``--days`` change the week: ``--days 1 --teams 5 --sizes 80,200,400`` is
the over-full day of a coordinator who loads the whole list for a few team-days.)

Candidates are random real street nodes of Bad Hersfeld's walk network (travel times by
Dijkstra on the network of the shared extract); each candidate set is a superset of the
previous one (the first 500 of 1,000 are the 500, ...), with priorities 0-100, 30-60
minute visits, a fifth announced for a 3-hour window, languages. A week holds far
fewer visits than candidates, as in a large Jobcenter.

Ours and pyvroom get the same problem and time limit. Printed per size: served visits,
served priority sum, travel hours and the wall time of the whole call (ours must stay
within limit + 15 s; the served priority must not fall as candidates grow). With several
``--seeds`` (each its own set of street points and visits) and both solvers, a last table
gives ours / pyvroom per size: served priority and travel, each seed and the mean.

``--compare-repair`` (QA 25) solves each week twice with ours: once with the repair step
as it was (a route changed by a move is tried in Python for every left-out visit, the
swaps run to the deadline: ``routing.repair.SWAP_RESERVE = 0``, ``REPROVE_CHANGED =
False``; the repair's deadline keeps 0.2 ms per left-out visit for the reasons:
``routing.solve.REASONS_S_PER_VISIT_VEHICLE = 0``), once as it is; per run it prints served visits, left-out visits that would
still fit a route as it stands ("insertable", found by the compiled fit test and
confirmed by :func:`routing.repair.try_insert`), those marked ``not_checked`` and the
wall time, and then after / before as ratios.

Usage::

    nice python bench/bigweek.py [--sizes 500,1000,2000] [--time-limit 30] [--threads 2]
        [--teams 8] [--days 5] [--max-visits 6] [--seeds 1,2,3] [--compare-repair]
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
import routing.repair as repair_mod  # noqa: E402
import routing.solve as solve_mod  # noqa: E402
from routing import Break, Problem, Shift, Team, TimeWindow, Visit, at  # noqa: E402
from routing.check import check  # noqa: E402
from routing.solve import solve  # noqa: E402


def week(dur: np.ndarray, n: int, seed: int, teams: int = 8, days: int = 5,
         max_visits: int | None = 6) -> Problem:
    rng = np.random.default_rng(seed)
    visits = []
    for i in range(1, len(dur)):
        tws: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.2:
            d = int(rng.integers(0, days))
            h = int(rng.choice([9, 10, 13]))
            tws = (TimeWindow(at(d, h), at(d, h + 3)),)
        r = rng.random()
        sk = frozenset({"türkisch"}) if r < 0.1 else frozenset({"arabisch"}) if r < 0.2 else frozenset()
        visits.append(Visit(f"K{i:05d}", i, service=int(rng.choice([1800, 2700, 3600])),
                            time_windows=tws, priority=int(rng.integers(0, 101)), skills=sk))
    visits = visits[:n]  # the same first n for every size: supersets
    lunch = [Break(TimeWindow(at(d, 11, 30), at(d, 14)), 1800) for d in range(days)]
    langs = [frozenset({"türkisch"}), frozenset({"arabisch"}), frozenset()]
    team_list = [
        Team(f"T{k + 1}",
             tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16)), (lunch[d],)) for d in range(days)),
             start=0, end=0, skills=langs[k % 3], max_visits=max_visits, mode="walk")
        for k in range(teams)
    ]
    used = [0] + [v.location for v in visits]
    sub = dur[np.ix_(used, used)]
    visits = [Visit(v.id, k + 1, v.service, v.time_windows, v.priority, v.skills)
              for k, v in enumerate(visits)]
    return Problem(visits, team_list, days, {"walk": sub})


def insertable(problem: Problem, sol) -> int:
    """Left-out visits that fit some route of ``sol`` as it stands (compiled fit test as
    the filter, each hit confirmed by the Python insertion)."""
    from routing._lns import fit_matrix

    idx = problem.visit_index()
    vehicles = problem.vehicles()
    left = [idx[u.visit] for u in sol.unassigned]
    if not left:
        return 0
    by_vehicle = {r.vehicle: r for r in sol.routes}
    lists = [[idx[x] for x in by_vehicle[v.index].visits] if v.index in by_vehicle else []
             for v in vehicles]
    fits = fit_matrix(problem, vehicles, lists, left)
    n = 0
    for q, i in enumerate(left):
        for vi in np.flatnonzero(fits[q]):
            r = by_vehicle.get(int(vi))
            seq = [problem.visits[x] for x in lists[vi]]
            if repair_mod.try_insert(problem, vehicles[vi], seq, r, problem.visits[i]) is not None:
                n += 1
                break
    return n


def compare_repair(p: Problem, time_limit: float, threads: int) -> dict[str, tuple]:
    """Solve ``p`` with the repair step as it was and as it is: per variant (served,
    insertable left, not_checked, wall s)."""
    out = {}
    for name in ("before", "after"):
        saved = (repair_mod.SWAP_RESERVE, repair_mod.REPROVE_CHANGED,
                 solve_mod.REASONS_S_PER_VISIT_VEHICLE)
        if name == "before":
            repair_mod.SWAP_RESERVE, repair_mod.REPROVE_CHANGED = 0.0, False
            solve_mod.REASONS_S_PER_VISIT_VEHICLE = 0.0
        try:
            t = time.monotonic()
            sol = solve(p, time_limit=time_limit, threads=threads)
            wall = time.monotonic() - t
        finally:
            (repair_mod.SWAP_RESERVE, repair_mod.REPROVE_CHANGED,
             solve_mod.REASONS_S_PER_VISIT_VEHICLE) = saved
        assert not check(p, sol)
        nc = sum(1 for u in sol.unassigned if u.code == "not_checked")
        out[name] = (len(sol.served), insertable(p, sol), nc, wall)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="500,1000,2000")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", default=None, help="several seeds, e.g. 1,2,3 (over --seed)")
    ap.add_argument("--teams", type=int, default=8)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--max-visits", type=int, default=6, help="per team-day; 0: no limit")
    ap.add_argument("--solvers", default="ours,vroom")
    ap.add_argument("--compare-repair", action="store_true",
                    help="ours with the repair step as it was and as it is (QA 25)")
    args = ap.parse_args(argv)
    maxv = args.max_visits or None
    routing.prepare()
    sizes = [int(x) for x in args.sizes.split(",")]
    seeds = [int(x) for x in (args.seeds or str(args.seed)).split(",")]
    solvers = [x.strip() for x in args.solvers.split(",") if x.strip()]
    print(f"{args.teams} walking teams x {args.days} days, max {maxv or 'any'} visits per team-day, "
          f"{args.time_limit:g} s each")
    if args.compare_repair:
        return _compare_main(args, sizes, seeds, maxv)
    results: dict[tuple[int, int, str], tuple[int, int]] = {}
    for seed in seeds:
        t = time.monotonic()
        dur, _, _, _ = street_points(max(sizes) + 1, seed, radius_m=3000.0, mode="walk")
        print(f"seed {seed}: matrix of {dur.shape[0]} real walk-network points of Bad Hersfeld "
              f"({time.monotonic() - t:.1f} s)")
        print(f"{'size':>6} {'solver':8} {'served':>7} {'priority':>9} {'travel h':>9} "
              f"{'wall s':>7} {'violations':>10}")
        for n in sizes:
            p = week(dur, n, seed, args.teams, args.days, maxv)
            for s in solvers:
                t = time.monotonic()
                if s == "ours":
                    sol = solve(p, time_limit=args.time_limit, threads=args.threads)
                else:
                    sol = run_vroom(p, args.time_limit, args.threads)
                wall = time.monotonic() - t
                errs = check(p, sol)
                prio = sum(v.priority for v in p.visits if v.id in set(sol.served))
                results[(seed, n, s)] = (prio, sol.travel)
                print(f"{n:>6} {s:8} {len(sol.served):>7} {prio:>9} {sol.travel / 3600:>9.2f} "
                      f"{wall:>7.1f} {len(errs):>10}", flush=True)
    if {"ours", "vroom"} <= set(solvers):
        print("ours / pyvroom (priority served, travel) per seed, mean:")
        for n in sizes:
            pr = [results[(sd, n, "ours")][0] / max(1, results[(sd, n, "vroom")][0]) for sd in seeds]
            tr = [results[(sd, n, "ours")][1] / max(1, results[(sd, n, "vroom")][1]) for sd in seeds]
            cells = "  ".join(f"{a:.3f}/{b:.3f}" for a, b in zip(pr, tr, strict=True))
            print(f"{n:>6}  {cells}  mean {sum(pr) / len(pr):.3f}/{sum(tr) / len(tr):.3f}")
    return 0


def _compare_main(args, sizes: list[int], seeds: list[int], maxv: int | None) -> int:
    print(f"{'seed':>4} {'size':>6} {'repair':7} {'served':>7} {'insertable':>10} "
          f"{'not_checked':>11} {'wall s':>7}")
    ratios = []
    for seed in seeds:
        dur, _, _, _ = street_points(max(sizes) + 1, seed, radius_m=3000.0, mode="walk")
        for n in sizes:
            res = compare_repair(week(dur, n, seed, args.teams, args.days, maxv),
                                 args.time_limit, args.threads)
            for name, (served, ins, nc, wall) in res.items():
                print(f"{seed:>4} {n:>6} {name:7} {served:>7} {ins:>10} {nc:>11} {wall:>7.2f}",
                      flush=True)
            (s0, i0, _, _), (s1, i1, _, _) = res["before"], res["after"]
            ratios.append((n, seed, s1 / max(1, s0), i1, i0))
    print("after / before: served visits, insertable left-out visits")
    for n, seed, rs, i1, i0 in ratios:
        ri = f"{i1 / i0:.2f}" if i0 else ("n/a (0/0)" if not i1 else f"{i1}/0")
        print(f"{n:>6} seed {seed}: served {rs:.3f}, insertable {ri} ({i1} / {i0})")
    i1s, i0s = sum(r[3] for r in ratios), sum(r[4] for r in ratios)
    print(f"mean served {sum(r[2] for r in ratios) / len(ratios):.3f}; insertable in all "
          f"{i1s} / {i0s}" + (f" = {i1s / i0s:.2f}" if i0s else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
