"""Solomon VRPTW benchmark: our OR-Tools solver vs. pyvroom vs. PyVRP, same instances, same run.

Every instance is converted once (``routing.solomon``: Euclidean distance x1000, rounded
up; travel time = distance) and given to all three solvers with the same time budget:

- ours: ``routing.solve.solve`` with ``--threads`` workers (default 2 = both cores):
  OR-Tools, then the ruin-and-recreate phase (its numba code is compiled before timing);
- pyvroom: the JSON the project writes (``problem_to_json(pure=True)``) loaded with
  ``vroom.Input.from_json``, exploration level 5, ``--threads`` threads, timeout;
- PyVRP: the same matrix, one vehicle type with the instance's fleet, single thread.

Every solution is checked with ``routing.check`` (independent checker) and reported as
the true Euclidean length; the gap is against the ``<name>_distance`` BKS (vehicle count
free). Prints one row per instance and the mean gap per solver; ``--markdown`` also
writes the table.

Usage::

    nice python bench/solomon.py --time-limit 10 [--instances C101,R201] [--markdown F]
        [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from routing.check import check  # noqa: E402
from routing.model import Solution  # noqa: E402
from routing.schedule import schedule  # noqa: E402
from routing.solomon import SolomonInstance, euclidean_length, load  # noqa: E402
from routing.solve import solve  # noqa: E402
from routing.vroom_json import problem_to_json, solution_from_json  # noqa: E402

DATA = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "vrp"


def run_ours(problem, tl: float, threads: int, seed: int | None = None) -> Solution:
    return solve(problem, time_limit=tl, threads=threads, seed=seed)


def run_vroom(problem, tl: float, threads: int) -> Solution:
    import vroom

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(problem_to_json(problem, pure=True), fh)
        path = fh.name
    inp = vroom.Input.from_json(path)
    Path(path).unlink()
    sol = inp.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=tl))
    return solution_from_json(problem, sol.to_dict())


def run_pyvrp(problem, inst: SolomonInstance, tl: float) -> Solution:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from routing.model import Route, Unassigned

    m = problem.durations["car"]
    model = pyvrp.Model()
    locs = [model.add_location(x=int(x * 1000), y=int(y * 1000)) for x, y in inst.xy]
    depot = model.add_depot(locs[0], tw_early=problem.teams[0].shifts[0].window.start,
                            tw_late=problem.teams[0].shifts[0].window.end)
    for v in problem.visits:
        w = v.time_windows[0]
        model.add_client(locs[v.location], delivery=[v.amount[0]], service_duration=v.service,
                         tw_early=w.start, tw_late=w.end)
    model.add_vehicle_type(num_available=len(problem.teams), capacity=[inst.capacity],
                           start_depot=depot, end_depot=depot,
                           tw_early=problem.teams[0].shifts[0].window.start,
                           tw_late=problem.teams[0].shifts[0].window.end)
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            model.add_edge(a, b, distance=int(m[i, j]), duration=int(m[i, j]))
    res = model.solve(stop=MaxRuntime(tl), seed=1, display=False)
    vehicles = problem.vehicles()
    routes = []
    served = set()
    for k, r in enumerate(res.best.routes()):
        seq = [problem.visits[a.idx] for a in r if a.is_client()]
        timed = schedule(problem, vehicles[k], seq)
        if timed is None:  # infeasible sequence: report it untimed so the checker flags it
            from routing.model import Step

            steps = [Step("start", 0, 0, 0, 0)] + [
                Step("job", 0, 0, v.service, v.location, v.id) for v in seq
            ] + [Step("end", 0, 0, 0, 0)]
            timed = Route(k, vehicles[k].team.id, 0, tuple(steps), 0, 0)
        routes.append(timed)
        served.update(v.id for v in seq)
    un = tuple(Unassigned(v.id, "", "") for v in problem.visits if v.id not in served)
    return Solution(tuple(routes), un)


def run_solver(name: str, problem, inst: SolomonInstance, tl: float, threads: int,
               seed: int | None = None) -> Solution:
    """Run one of the compared solvers: ``ours`` (``seed``: its deterministic mode),
    ``vroom`` or ``pyvrp``."""
    if name == "ours":
        return run_ours(problem, tl, threads, seed)
    if name == "vroom":
        return run_vroom(problem, tl, threads)
    return run_pyvrp(problem, inst, tl)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--instances", default="", help="comma-separated names (default: all 56)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--solvers", default="ours,vroom,pyvrp")
    ap.add_argument("--markdown", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=None,
                    help="ours in its deterministic mode (a fixed amount of search work)")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    from routing._lns import warm_up

    warm_up()  # compile/load the solver's numba code outside the timed runs
    bks = json.loads((args.data / "BKS.json").read_text())
    names = (
        [n.strip() for n in args.instances.split(",") if n.strip()]
        if args.instances
        else sorted(p.stem for p in (args.data / "solomon").glob("*.txt"))
    )
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    rows = []
    header = ["instance", "BKS"] + [f"{s} dist | gap | veh" for s in solvers]
    print(" | ".join(header), flush=True)
    for name in names:
        inst, problem = load(args.data / "solomon" / f"{name}.txt")
        best = bks[f"{name}_distance"]["best_known_cost"]
        row = [name, f"{best:.2f}"]
        for s in solvers:
            t0 = time.monotonic()
            sol = run_solver(s, problem, inst, args.time_limit, args.threads, args.seed)
            el = time.monotonic() - t0
            errs = check(problem, sol)
            length = euclidean_length(inst, sol)
            ok = not errs and not sol.unassigned and sol.routes
            gap = 100 * (length - best) / best if ok else math.nan
            gaps[s].append(gap)
            mark = "" if ok else f" INFEASIBLE({len(errs)} errs, {len(sol.unassigned)} unassigned)"
            row.append(f"{length:.2f} | {gap:+.2f}% | {len(sol.routes)}{mark} ({el:.1f}s)")
        rows.append(row)
        print(" | ".join(row), flush=True)
    summary = ["**mean gap**", ""]
    for s in solvers:
        g = gaps[s]
        bad = sum(1 for x in g if math.isnan(x))
        mean = sum(x for x in g if not math.isnan(x)) / max(1, len(g) - bad)
        summary += ["", f"**{mean:+.2f} %**" + (f" ({bad} infeasible)" if bad else ""), ""]
    print(" | ".join(summary), flush=True)
    if args.markdown:
        lines = [
            f"Solomon VRPTW, {len(names)} instances, {args.time_limit:g} s each, "
            f"{args.threads} threads for ours and pyvroom (PyVRP single-threaded). "
            "Distance = true Euclidean length; gap against the distance-only BKS.",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * (2 + 3 * len(solvers)),
        ]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("| " + " | ".join(summary) + " |")
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
