"""A realistic planning week on a real street matrix: ours vs. pyvroom vs. PyVRP.

150 visits at random real street-network nodes of Bad Hersfeld (drive network from the
shared OSM extract, travel times by Dijkstra on the network), 3 teams x 5 days, shifts
8:00-16:00 with a 30-minute lunch break between 11:30 and 14:00, 30-60 minutes per visit,
a quarter of the visits announced for a 2-hour window on one weekday, some needing a
language (team skills), priorities 0-100, at most 6 visits per team-day. More clients
than the week holds, as in practice.

All three solvers get the same JSON / matrix and time limit:

- ours: ``routing.solve.solve`` (``--threads`` workers);
- pyvroom: the project's JSON (``problem_to_json(pure=True)``) via ``vroom.Input.from_json``;
- PyVRP: it has no skills and no breaks, so it solves the *relaxed* week (skills and
  breaks dropped; max visits as a capacity; day ranges and windows as its single time
  window, priorities as prizes). Its plan is checked against the relaxed week and then
  against the real one (violations are counted, not hidden).

Prints travel time, visits served, priority served, violations and time for each.

With ``--span-cost N`` it compares instead our solver with and without the span cost
(:attr:`routing.model.Problem.span_cost`, the app's default is 1) on the same weeks in
one run: the full week above and lighter weeks (60 and 30 visits, where the teams have
idle time), seeds ``--seed`` .. ``--seed + --weeks - 1``. It prints per week and in total
the waiting minutes (inside the routes as timed), travel minutes, visits and priority
served, and the ratios with/without.

With ``--balance N`` it compares our solver with the app's objective (span cost 1) without
and with the team balance of N minutes (:attr:`routing.model.Problem.team_balance`, the
app's ``[workday] balance_minutes``) on the same weeks: 150, 60 and 30 visits with three
teams and 30 visits with two, seeds ``--seed`` .. ``--seed + --weeks - 1``. It prints per
week the visits per team, travel minutes, visits and priority served, and in total the
ratios with/without and the largest gap between the teams' visits.

Usage::

    nice python bench/week.py [--time-limit 30] [--seed 1] [--threads 2]
    nice python bench/week.py --span-cost 1 [--weeks 3] [--time-limit 10]
    nice python bench/week.py --balance 10 [--weeks 3] [--time-limit 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from routing.check import check  # noqa: E402
from routing.model import (  # noqa: E402
    DAY,
    UNREACHABLE,
    Break,
    Problem,
    Route,
    Shift,
    Solution,
    Team,
    TimeWindow,
    Unassigned,
    Visit,
    at,
)
from routing.schedule import schedule  # noqa: E402
from routing.solve import solve  # noqa: E402
from routing.vroom_json import problem_to_json, solution_from_json  # noqa: E402

SHARED = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))
EXTRACT = SHARED / "osm" / "bad-hersfeld_2021-10-27.osm.pbf"


def street_matrix(n_points: int, seed: int, radius_m: float = 4000.0):
    """Travel times and lengths between random real network nodes (office = node 0)."""
    t, d, _, _ = street_points(n_points, seed, radius_m)
    return t, d


def street_points(n_points: int, seed: int, radius_m: float = 4000.0, mode: str = "drive"):
    """:func:`street_matrix` plus the points' longitudes and latitudes."""
    from scipy.sparse.csgraph import dijkstra

    from geodata.network import haversine_m, load_network

    net = load_network(EXTRACT, mode)
    lon0, lat0 = float(np.median(net.node_lon)), float(np.median(net.node_lat))
    dist0 = haversine_m(net.node_lon, net.node_lat, lon0, lat0)
    near = np.flatnonzero(dist0 < radius_m)
    rng = np.random.default_rng(seed)
    office = int(near[np.argmin(dist0[near])])
    chosen = rng.choice(near[near != office], size=n_points - 1, replace=False)
    nodes = np.concatenate([[office], chosen])
    t = dijkstra(net.csr("time"), indices=nodes)[:, nodes]
    d = dijkstra(net.csr("length"), indices=nodes)[:, nodes]
    t = np.where(np.isfinite(t), np.ceil(t), UNREACHABLE).astype(np.int64)
    d = np.where(np.isfinite(d), np.rint(d), UNREACHABLE).astype(np.int64)
    return t, d, net.node_lon[nodes], net.node_lat[nodes]


def week_problem(seed: int = 1, n_visits: int = 150, teams: str = "ABC") -> Problem:
    dur, dist = street_matrix(n_visits + 1, seed)
    rng = np.random.default_rng(seed)
    visits = []
    for i in range(1, n_visits + 1):
        tws: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.25:  # announced by letter: "Tuesday 10-12"
            day = int(rng.integers(0, 5))
            h = int(rng.choice([9, 10, 13]))
            tws = (TimeWindow(at(day, h), at(day, h + 2)),)
        r = rng.random()
        skills = frozenset({"türkisch"}) if r < 0.15 else frozenset({"arabisch"}) if r < 0.25 else frozenset()
        visits.append(
            Visit(
                f"K{i:04d}", i, service=int(rng.choice([1800, 2700, 3600])),
                time_windows=tws, priority=int(rng.integers(0, 101)), skills=skills,
            )
        )
    lunch = [Break(TimeWindow(at(d, 11, 30), at(d, 14)), 1800) for d in range(5)]
    langs = [frozenset({"türkisch"}), frozenset({"arabisch"}), frozenset()]
    team_list = [
        Team(
            name,
            tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16)), (lunch[d],)) for d in range(5)),
            start=0, end=0, skills=langs[k % 3], max_visits=6, mode="drive",
        )
        for k, name in enumerate(teams)
    ]
    return Problem(tuple(visits), tuple(team_list), 5, {"drive": dur}, {"drive": dist})


def run_vroom(problem: Problem, tl: float, threads: int) -> Solution:
    import vroom

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(problem_to_json(problem, pure=True), fh)
        path = fh.name
    inp = vroom.Input.from_json(path)
    Path(path).unlink()
    out = inp.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=tl))
    return solution_from_json(problem, out.to_dict())


def relaxed(problem: Problem) -> Problem:
    """The week without skills and breaks (what PyVRP can model)."""
    visits = tuple(dataclasses.replace(v, skills=frozenset()) for v in problem.visits)
    teams = tuple(
        dataclasses.replace(
            t, skills=frozenset(), shifts=tuple(dataclasses.replace(s, breaks=()) for s in t.shifts)
        )
        for t in problem.teams
    )
    return dataclasses.replace(problem, visits=visits, teams=teams)


def run_pyvrp(problem: Problem, tl: float) -> Solution:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    (mode,) = problem.durations
    dur = problem.durations[mode]
    n_loc = dur.shape[0]
    big = 10**7
    model = pyvrp.Model()
    locs = [model.add_location(x=0, y=0) for _ in range(n_loc)]
    vehicles = problem.vehicles()
    depot_loc = vehicles[0].team.start
    depot = model.add_depot(locs[depot_loc])
    # Prizes on PyVRP's scale (lexicographic penalties would swamp its penalty manager):
    # an hour of travel per served visit plus 100 s per priority point.
    for v in problem.visits:
        p = 3600 + 100 * v.priority
        lo, hi = (v.time_windows[0].start, v.time_windows[0].end) if v.time_windows else (0, problem.days * DAY)
        lo = max(lo, v.earliest_day * DAY)
        if v.latest_day is not None:
            hi = min(hi, (v.latest_day + 1) * DAY - 1)
        model.add_client(locs[v.location], delivery=[1], service_duration=v.service,
                         tw_early=lo, tw_late=hi, prize=int(p), required=False)
    for veh in vehicles:
        w = veh.shift.window
        model.add_vehicle_type(num_available=1, capacity=[veh.team.max_visits or 1000],
                               start_depot=depot, end_depot=depot, tw_early=w.start,
                               tw_late=w.end, start_late=w.end, unit_distance_cost=1)
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            t = int(dur[i, j]) if 0 <= dur[i, j] < 10**9 else big
            model.add_edge(a, b, distance=t, duration=t)
    res = model.solve(stop=MaxRuntime(tl), seed=1, display=False)
    if not res.is_feasible():
        print("  (PyVRP: best solution is infeasible)")
    routes = []
    served: set[str] = set()
    for r in res.best.routes():
        veh = vehicles[r.vehicle_type()]
        seq = [problem.visits[a.idx] for a in r if a.is_client()]
        timed = schedule(problem, veh, seq, check_static=False)
        if timed is None:
            timed = Route(veh.index, veh.team.id, veh.day, (), 0, 0)
        routes.append(timed)
        served.update(v.id for v in seq)
    un = tuple(Unassigned(v.id, "", "") for v in problem.visits if v.id not in served)
    return Solution(tuple(sorted(routes, key=lambda r: r.vehicle)), un)


def _figures(problem: Problem, sol: Solution) -> tuple[int, int, int, int]:
    """(waiting s, travel s, visits served, priority served) of a checked plan."""
    errs = check(problem, sol)
    if errs:
        raise SystemExit(f"infeasible plan: {errs[:3]}")
    served = set(sol.served)
    prio = sum(v.priority for v in problem.visits if v.id in served)
    return sum(r.waiting for r in sol.routes), sol.travel, len(served), prio


def compare_span(args: argparse.Namespace) -> int:
    """Our solver without and with the span cost on the same weeks (see the module doc)."""
    print(f"span cost {args.span_cost} vs 0, {args.time_limit:g} s per solve, "
          f"{args.threads} thread(s), seed 1 (fixed work)")
    print(f"{'week':14} {'wait min':>15} {'travel min':>15} {'served':>9} {'prio':>11}")
    total = np.zeros((2, 4), np.int64)
    for k in range(args.weeks):
        seed = args.seed + k
        for n in (150, 60, 30):
            base = week_problem(seed, n_visits=n)
            row = []
            for c in (0, args.span_cost):
                p = dataclasses.replace(base, span_cost=c)
                sol = solve(p, time_limit=args.time_limit, threads=args.threads, seed=1)
                row.append(_figures(p, sol))
            total += np.array(row, np.int64)
            (w0, t0, s0, p0), (w1, t1, s1, p1) = row
            print(f"{f'seed {seed}, {n}':14} {w0 // 60:>7}->{w1 // 60:<7} {t0 // 60:>7}->"
                  f"{t1 // 60:<7} {s0:>4}->{s1:<4} {p0:>5}->{p1:<5}", flush=True)
    (w0, t0, s0, p0), (w1, t1, s1, p1) = total
    print(f"{'total':14} {w0 // 60:>7}->{w1 // 60:<7} {t0 // 60:>7}->{t1 // 60:<7} "
          f"{s0:>4}->{s1:<4} {p0:>5}->{p1:<5}")
    print(f"ratios with/without: waiting {w1 / max(w0, 1):.2f}, travel {t1 / max(t0, 1):.3f}, "
          f"visits {s1 / max(s0, 1):.3f}, priority {p1 / max(p0, 1):.3f}")
    return 0


def _team_counts(problem: Problem, sol: Solution) -> list[int]:
    count = {t.id: 0 for t in problem.teams}
    for r in sol.routes:
        count[r.team] += len(r.visits)
    return list(count.values())


def compare_balance(args: argparse.Namespace) -> int:
    """Our solver (span cost 1) without and with the team balance on the same weeks."""
    print(f"team balance {args.balance} min vs 0 (span cost 1), {args.time_limit:g} s per "
          f"solve, {args.threads} thread(s), seed 1 (fixed work)")
    print(f"{'week':18} {'visits per team':>27} {'travel min':>15} {'served':>9} {'prio':>11}")
    total = np.zeros((2, 3), np.int64)
    gaps = [0, 0]
    for k in range(args.weeks):
        seed = args.seed + k
        for n, teams in ((150, "ABC"), (60, "ABC"), (30, "ABC"), (30, "AB")):
            base = dataclasses.replace(week_problem(seed, n_visits=n, teams=teams), span_cost=1)
            row, counts = [], []
            for c in (0, args.balance * 60):
                p = dataclasses.replace(base, team_balance=c)
                sol = solve(p, time_limit=args.time_limit, threads=args.threads, seed=1)
                _, t, s, pr = _figures(p, sol)
                row.append((t, s, pr))
                counts.append(_team_counts(p, sol))
            total += np.array(row, np.int64)
            for i in (0, 1):
                gaps[i] = max(gaps[i], max(counts[i]) - min(counts[i]))
            (t0, s0, p0), (t1, s1, p1) = row
            per = f"{'/'.join(map(str, counts[0]))}->{'/'.join(map(str, counts[1]))}"
            print(f"{f'seed {seed}, {n}, {len(teams)} teams':18} {per:>27} {t0 // 60:>7}->"
                  f"{t1 // 60:<7} {s0:>4}->{s1:<4} {p0:>5}->{p1:<5}", flush=True)
    (t0, s0, p0), (t1, s1, p1) = total
    print(f"{'total':18} {'':>27} {t0 // 60:>7}->{t1 // 60:<7} {s0:>4}->{s1:<4} {p0:>5}->{p1:<5}")
    print(f"ratios with/without: travel {t1 / max(t0, 1):.3f}, visits {s1 / max(s0, 1):.3f}, "
          f"priority {p1 / max(p0, 1):.3f}; largest gap between teams' visits in a week "
          f"{gaps[0]} -> {gaps[1]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--solvers", default="ours,vroom,pyvrp")
    ap.add_argument("--span-cost", type=int, default=0,
                    help="compare ours with this span cost and without (see the module doc)")
    ap.add_argument("--weeks", type=int, default=3,
                    help="seeds compared with --span-cost or --balance")
    ap.add_argument("--balance", type=int, default=0,
                    help="compare ours with this team balance (minutes) and without")
    args = ap.parse_args(argv)
    import routing

    routing.prepare()  # compile/load the solver's numba code outside the timed runs
    if args.span_cost > 0:
        return compare_span(args)
    if args.balance > 0:
        return compare_balance(args)
    t0 = time.monotonic()
    problem = week_problem(args.seed)
    print(
        f"week: {len(problem.visits)} visits, {len(problem.teams)} teams x {problem.days} days, "
        f"matrix {problem.durations['drive'].shape[0]} points ({time.monotonic() - t0:.1f} s)"
    )
    prio_total = sum(v.priority for v in problem.visits)
    print(f"{'solver':10} {'served':>7} {'prio':>11} {'travel h':>9} {'violations':>11} {'time s':>7}")
    for s in [x.strip() for x in args.solvers.split(",") if x.strip()]:
        t = time.monotonic()
        if s == "ours":
            sol, target = solve(problem, time_limit=args.time_limit, threads=args.threads), problem
        elif s == "vroom":
            sol, target = run_vroom(problem, args.time_limit, args.threads), problem
        else:
            target = relaxed(problem)
            sol = run_pyvrp(target, args.time_limit)
        el = time.monotonic() - t
        errs = check(target, sol)
        prio = sum(v.priority for v in problem.visits if v.id in set(sol.served))
        note = ""
        if s == "pyvrp":
            real = check(problem, dataclasses.replace(sol, routes=tuple(
                schedule(problem, problem.vehicles()[r.vehicle],
                         [next(v for v in problem.visits if v.id == x) for x in r.visits])
                or r for r in sol.routes)))
            note = f" (relaxed: no skills/breaks; {len(real)} violations in the real week)"
        print(
            f"{s:10} {len(sol.served):>7} {prio:>5}/{prio_total:<5} {sol.travel / 3600:>9.2f} "
            f"{len(errs):>11} {el:>7.1f}{note}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
