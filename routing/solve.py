"""Solve a :class:`~routing.model.Problem` with OR-Tools and ruin-and-recreate: always a plan.

Model
-----
Every team-day (shift) is one OR-Tools vehicle. Every visit is optional (a disjunction)
with a drop penalty built in three layers, so that the objective is lexicographic like
VROOM's: first the pinned visits, then the sum of priorities of the served visits, then
the number of served visits, and only then the travel time (plus the optional balance
cost, and the span cost of :attr:`~routing.model.Problem.span_cost`, which only the
ruin-and-recreate phase weighs: see there). The matrices are registered with
``RegisterTransitMatrix`` (no Python callbacks in the search). Time windows (several per visit), service times, shift windows, breaks
(``SetBreakIntervalsOfVehicle``), skills and day ranges (allowed vehicles), max visits
and position pins (a visit-counter dimension) and capacities are hard constraints.

Search
------
``PARALLEL_CHEAPEST_INSERTION`` builds the first solution, ``GUIDED_LOCAL_SEARCH``
improves it for the first ``1 - LNS_SHARE`` of the search time; then the
ruin-and-recreate phase (:mod:`routing._lns`, SISR) improves that plan for the rest.
With ``threads > 1`` independent workers run in separate processes, each on a
differently numbered copy of the model (the numbering changes the search path), with
its own guided-local-search lambda (from the third worker on also another
first-solution strategy) and its own random stream in the second phase; the best plan
wins (ties: lowest worker). A worker that has not reported by the time limit is
dropped. The progress callback follows the worker that runs in the calling process.
When OR-Tools gives no plan in time, or its model would take too long to build (the
matrices, move costs and window gaps are estimated, and a build is given up when it
overruns), the second phase builds the plan from nothing. Its first iteration runs
also past the deadline: it inserts every left-out visit where it fits, the quick
construction no plan goes without (``stats["short_of_time"]`` tells when the search
did no more than that).

Afterwards the plan is re-timed (:mod:`routing.schedule`; if a route of the second
phase would not re-time, the worker's OR-Tools plan is used), left-out visits are
inserted where they still fit (or swapped for a lower-priority visit), and each
visit that stays out gets a reason (:mod:`routing.reasons`).

Determinism
-----------
- ``seed=None`` (default): every worker searches until the time limit. Best quality,
  but the result depends on how far the search got, i.e. on machine load.
- ``seed=N``: every worker stops after a fixed amount of search work (in OR-Tools
  ``work_per_second * (1 - LNS_SHARE) * time_limit`` accepted moves or
  ``NEIGHBORS_PER_SECOND * (1 - LNS_SHARE) * time_limit`` neighbours examined, whichever
  comes first, without the operators whose neighbours a count cannot weigh
  (``HEURISTIC_OPERATORS``); then ``LNS_ITERATIONS_PER_SECOND * LNS_SHARE * time_limit``
  ruin-and-recreate iterations; the rates are fixed constants, not measured). Same
  problem + seed + time limit + threads => same plan, on any machine, *as long as the
  time limit is not hit first*; it remains a hard cap, and OR-Tools' local search may take
  at most ``SEEDED_ORTOOLS_CAP`` of the search time left at its first solution, OR-Tools
  in all ``SEEDED_ORTOOLS_LIMIT`` of the time left after building its model (the rest is
  the second phase's). ``Solution.stats["deterministic"]`` says whether that held.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing.model import (
    DELAY_MOVES,
    Problem,
    Route,
    Solution,
    Unassigned,
    Vehicle,
    Visit,
    reachable,
)

#: Accepted local-search moves per second of time limit in seeded (deterministic) mode.
WORK_PER_SECOND = 50
#: Neighbours OR-Tools' local search examines per second of time limit in seeded mode: a
#: second work limit beside ``WORK_PER_SECOND`` (whichever is reached first ends the
#: phase). Accepted moves can be rare: on a week of 300 candidates for 100 places, 7 in
#: the first 0.3 s and then none in the next 200,000 neighbours, so that the solution
#: limit alone let OR-Tools run to its time cap, the second phase had one iteration
#: left and the plan depended on the load (closing 34). On the shared machine OR-Tools
#: examined 300,000-550,000 neighbours a second on that week, 85,000-190,000 on weeks of
#: 100 and 400 candidates with windows (bench/deadline.py's ``week``; 1 thread, the
#: bench's default): the 20,000 a second of time limit take it at most about a quarter
#: of that second. With 2 threads (the CLI's default) on the 2 cores at load 5-6 a
#: worker examined 80,000-400,000 a second on the 300-candidate week (review 35 #1).
NEIGHBORS_PER_SECOND = 100_000
#: OR-Tools' local-search operators that rebuild part of the plan with an insertion
#: heuristic for each neighbour: off in seeded mode. One such neighbour costs as much as
#: thousands of others (with them, OR-Tools examined 100,000 neighbours of the week above
#: in its first 0.27 s and 110,000 in the next 1.4 s), so a count of neighbours does not
#: measure their work; the second phase's ruin-and-recreate does the like far quicker.
HEURISTIC_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)
#: Ruin-and-recreate iterations per second of time limit in seeded (deterministic) mode.
LNS_ITERATIONS_PER_SECOND = 2_000
#: Share of the search time left at its first solution that a seeded OR-Tools local
#: search may take at most. Its work limits end it far sooner on the machines they were
#: measured on; the cap keeps a slow machine from taking the second phase's time, which
#: could leave it a single iteration (closing 34). It starts at the first solution, which
#: no work limit counts (review 35 #1: counted from the model's end, with 2 threads on 2
#: loaded cores the first solution took 0.2-0.4 s of a cap of 0.37-0.45 s at 2 s). A
#: run the cap cuts is not deterministic.
SEEDED_ORTOOLS_CAP = 0.5
#: Share of the search time left after building its model that a seeded OR-Tools phase
#: may take in all, first solution included (its time limit: the safeguard for a first
#: solution that takes long; it ends the search before the cap above only when the first
#: solution took more than half of that time).
SEEDED_ORTOOLS_LIMIT = 0.75
#: Share of each worker's search time given to ruin-and-recreate after OR-Tools.
LNS_SHARE = 0.8
#: Seconds kept back from the time limit for building the model and post-processing.
OVERHEAD_S = 0.4
#: Start temperature (mean legs) of the second phase after a warm start: a good start plan
#: is refined, not shaken up (the default TEMP_START = 3 forgets it quickly).
WARM_TEMP_START = 0.3
#: Seconds per visit kept back for re-timing, proofs and reasons (repair and reasons stop
#: at the deadline themselves; capped at half the time limit).
RESERVE_PER_VISIT_S = 0.001
#: Time cap of the OR-Tools phase for small problems: base + per visit (stop when done).
ORTOOLS_BASE_S = 0.05
ORTOOLS_S_PER_VISIT = 0.05
#: Below this many visits the search runs in one process whatever ``threads`` says.
MIN_VISITS_PER_WORKER = 10
#: OR-Tools' model costs about this many seconds per matrix entry to build (measured:
#: 0.35 s per 1,500 x 1,500 matrix); when building would take more than BUILD_SHARE of
#: the search time, the plan is built by the ruin-and-recreate phase alone.
BUILD_S_PER_ENTRY = 1.5e-7
BUILD_SHARE = 0.25
#: OR-Tools removes a gap between two time windows of a visit from its time variable one
#: second at a time (measured 0.08-0.12 us per second of gap on the shared machine): "Mo-Fr 14-16" for 200
#: visits of a 5-day week cost 6 s before the search began (QA 34a F2). Only the part
#: of a gap inside a shift that could serve the visit is removed (a visit's time lies
#: inside its team-day's shift anyway), and the seconds removed count in the estimate
#: of the model's building time.
BUILD_S_PER_GAP_SECOND = 1e-7
#: A build that has taken this share of the time left to the search when it began is
#: given up: the ruin-and-recreate phase builds the plan (the estimate above missed,
#: e.g. under load).
BUILD_ABORT_SHARE = 0.5
#: The search "had no time" when its improvement phase ran fewer than this many
#: ruin-and-recreate iterations per visit (at least ``MIN_SEARCH_ITERATIONS``; cut by the
#: deadline, or a seeded run's work for a tiny time limit), or OR-Tools alone found no
#: plan, or a visit was left untried: ``Solution.stats["short_of_time"]``.
MIN_SEARCH_ITERATIONS = 20
MIN_SEARCH_ITERATIONS_PER_VISIT = 0.5
#: Seconds the reasons take per left-out visit, and per left-out visit and team-day
#: (measured: 0.7 s for 1,700 left-out visits and 40 team-days, bench/bigweek.py); the
#: insertions and swaps stop in time for them.
REASONS_S_PER_VISIT = 0.0002
REASONS_S_PER_VISIT_VEHICLE = 0.00001
#: The whole :func:`solve` returns by ``time_limit + MARGIN_S`` (every stage after the
#: search checks the deadline; only work linear in the input size is not interruptible).
MARGIN_S = 0.5
#: Rounds of mending doors (routing.doors) and repairing after it: a move between
#: routes may make room for a visit left out, whose insertion may split a door again.
DOOR_ROUNDS = 3
#: (first-solution strategy, guided-local-search lambda) per worker; worker i uses entry
#: i mod len. Different numberings and penalty strengths diversify the workers (lambda 0.1,
#: OR-Tools' default, left C101/C109 stuck 3 % above the optimum in our runs).
STRATEGIES: tuple[tuple[str, float], ...] = (
    ("PARALLEL_CHEAPEST_INSERTION", 0.5),
    ("PARALLEL_CHEAPEST_INSERTION", 1.0),
    ("SAVINGS", 0.3),
)

ProgressCallback = Callable[[float, int], None]


@dataclass
class _WorkerResult:
    worker: int
    objective: int
    routes: list[list[int]]  # per vehicle: visit indices in order
    break_starts: list[list[int]]  # per vehicle: start time of each break
    solutions: int
    hit_time_limit: bool
    status: int
    events: list[tuple[float, int]] = field(default_factory=list)
    break_gaps: list[list[int] | None] | None = None  # per vehicle, set by the LNS phase
    ortools_routes: list[list[int]] | None = None  # OR-Tools' plan when the LNS changed it
    lns: dict[str, Any] | None = None
    from_scratch: bool = False  # OR-Tools found nothing; the LNS phase built the plan
    build_given_up: bool = False  # OR-Tools' model took too long to build (see BUILD_*)
    arrays: Any = None  # the LNS arrays of the in-process worker (reused by fit_matrix)
    warm: bool = False  # OR-Tools started from a given plan
    # what ended OR-Tools' search: "solutions" or "neighbors" (a seeded run's work limits),
    # "time_limit", "done" (by itself: no first solution or a local optimum, not for
    # time); None when it did not search
    ortools_stop: str | None = None
    ortools_neighbors: int = 0  # neighbours its local search examined (seeded runs)


def penalties(problem: Problem) -> list[int]:
    """Drop penalty per visit: pins >> priority sum >> visit count >> travel cost.

    The alternatives of a group (:attr:`Visit.group`) all take the highest penalty among
    them: at most one is served, so the others' penalties are the same constant in
    every plan and serving the group gains exactly one penalty.

    ``unit`` exceeds any possible travel cost (every route leg at the longest finite
    travel time, plus the largest possible balance cost), so serving one more visit
    always beats any saving in travel time.
    """
    n = len(problem.visits)
    vehicles = problem.vehicles()
    max_leg = 0
    for m in problem.durations.values():
        fin = m[(m >= 0) & (m < 10**9)]
        if fin.size:
            max_leg = max(max_leg, int(fin.max()))
    unit = (n + 2 * len(vehicles)) * max(max_leg, 1) + problem.extra_per_visit() * n + 1
    unit += problem.span_bound()
    prio_unit = (n + 1) * unit
    pin_unit = (sum(v.priority for v in problem.visits) + 1) * prio_unit + (n + 1) * unit
    out = []
    for v in problem.visits:
        p = unit + v.priority * prio_unit
        if v.pin is not None:
            p += pin_unit
        out.append(p)
    if problem.has_groups:  # alternatives share one penalty: that of the group's best
        out = [max(out[j] for j in problem.alternatives(i)) for i in range(n)]
    if sum(out) >= 2**62:
        raise OverflowError("penalties overflow int64; reduce the matrix values")
    return out


def _node_layout(problem: Problem, vehicles: list[Vehicle]):
    """Nodes: visits first (in ``order``), then one node per distinct depot location."""
    n = len(problem.visits)
    depot_of: dict[int | None, int] = {}
    starts, ends = [], []
    for veh in vehicles:
        for loc, lst in ((veh.start, starts), (veh.end, ends)):
            if loc not in depot_of:
                depot_of[loc] = n + len(depot_of)
            lst.append(depot_of[loc])
    depot_locs = list(depot_of)
    return starts, ends, depot_locs


def _window_plan(problem: Problem, vehicles: list[Vehicle]):
    """What OR-Tools' model needs of each visit's time windows, by visit index.

    Returns (allowed vehicles per visit, per visit None (no window meets a shift that
    could serve it: never served) or ``(lo, hi, gaps)`` for a visit with windows (its
    time variable's range and the intervals to remove from it), the seconds removed in
    all). A visit's service starts inside the shift of its team-day (the route's start
    and end lie inside it, and time only moves forward along a route), so only the part
    of a gap between two windows that lies inside a shift that could serve the visit is
    removed: OR-Tools removes a gap second by second (``BUILD_S_PER_GAP_SECOND``), and the
    nights between "Mo-Fr 14-16" are three quarters of its gaps.
    """
    horizon = max(veh.shift.window.end for veh in vehicles) + 1 if vehicles else 1
    allowed_of: list[list[int]] = []
    ranges: list[tuple[int, int, list[tuple[int, int]]] | None] = []
    total = 0
    for v in problem.visits:
        allowed = [vi for vi, veh in enumerate(vehicles) if problem.compatible(v, veh)]
        allowed_of.append(allowed)
        tws = [(w.start, min(w.end, horizon)) for w in v.time_windows if w.start <= horizon]
        if not v.time_windows:
            ranges.append((0, horizon, []))
            continue
        shifts: list[list[int]] = []  # merged shift windows of the allowed vehicles
        for a, b in sorted((vehicles[vi].shift.window.start, vehicles[vi].shift.window.end)
                           for vi in allowed):
            if shifts and a <= shifts[-1][1] + 1:
                shifts[-1][1] = max(shifts[-1][1], b)
            else:
                shifts.append([a, b])
        # the times it may start: its windows inside those shifts (sorted, disjoint)
        pieces = sorted((max(wa, sa), min(wb, sb)) for wa, wb in tws for sa, sb in shifts
                        if max(wa, sa) <= min(wb, sb))
        if not pieces:  # no window in a shift that could serve it
            ranges.append(None)
            continue
        lo, hi = pieces[0][0], pieces[-1][1]
        gaps = []  # within [lo, hi], the shifts' times outside the pieces
        for sa, sb in shifts:
            a, b = max(sa, lo), min(sb, hi)
            for pa, pb in pieces:
                if a > b or pa > b:
                    break
                if pb < a:
                    continue
                if pa > a:
                    gaps.append((a, pa - 1))
                a = pb + 1
            if a <= b:
                gaps.append((a, b))
        total += sum(b - a + 1 for a, b in gaps)
        ranges.append((lo, hi, gaps))
    return allowed_of, ranges, total


def _solve_worker(
    problem: Problem,
    worker: int,
    seed: int | None,
    deadline: float,
    solution_limit: int | None,
    progress: ProgressCallback | None,
    t0: float,
    extra_params: str | None = None,
    lns_share: float = LNS_SHARE,
    lns_iterations: int | None = None,
    initial: list[list[int]] | None = None,
    neighbor_limit: int | None = None,
) -> _WorkerResult:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    vehicles = problem.vehicles()
    n = len(problem.visits)
    # Worker-specific numbering of the visits: node i is visit perm[i].
    if worker == 0 and seed is None:
        perm = np.arange(n)
    else:
        rng = np.random.default_rng([seed or 0, worker])
        perm = rng.permutation(n) if worker > 0 or seed is not None else np.arange(n)
    visits = [problem.visits[i] for i in perm]
    starts, ends, depot_locs = _node_layout(problem, vehicles)
    n_nodes = n + len(depot_locs)
    node_loc: list[int | None] = [v.location for v in visits] + depot_locs
    service = [v.service for v in visits] + [0] * len(depot_locs)

    horizon = max(veh.shift.window.end for veh in vehicles) + 1 if vehicles else 1
    pen_all = penalties(problem)
    pen = [pen_all[i] for i in perm]

    def from_scratch(given_up: bool = False) -> _WorkerResult:
        # The ruin-and-recreate phase builds the plan from nothing (its first iteration
        # inserts every visit where it fits, run even past the deadline), or from the
        # start plan when there is one (a re-plan's old routes; review 29c: it was
        # ignored).
        result = _WorkerResult(
            worker, sum(pen_all),
            [list(r) for r in initial] if initial is not None else [[] for _ in vehicles],
            [[br.window.start for br in veh.shift.breaks] for veh in vehicles],
            0, given_up, -1, [],
        )
        result.from_scratch = True
        result.build_given_up = given_up
        result.warm = initial is not None
        _improve_result(problem, vehicles, result, seed, deadline, lns_iterations, t0, progress)
        return result

    n_mats = 2 * len({veh.team.mode for veh in vehicles})
    budget = BUILD_SHARE * (deadline - t0)  # fixed by the time limit: seeded runs repeat
    if lns_share > 0 and (problem.has_groups or BUILD_S_PER_ENTRY * n_nodes**2 * n_mats
                          > budget):
        # Too large for the time limit: building OR-Tools' model alone would eat the
        # search time. Or alternatives (Visit.group): OR-Tools' insertion heuristics and
        # local search handle a disjunction of several nodes badly (a week of 100
        # clients in three alternatives each: no first plan in 3 s).
        return from_scratch()
    allowed_of, ranges, gap_s = _window_plan(problem, vehicles)
    moves = _move_costs(problem, vehicles, perm, n_nodes)
    n_own = 0 if moves is None else int(moves.any(axis=0).sum())  # per-vehicle matrices
    if lns_share > 0 and (BUILD_S_PER_ENTRY * n_nodes**2 * (n_mats + n_own)
                          + BUILD_S_PER_GAP_SECOND * gap_s > budget):
        return from_scratch()  # the windows' gaps or the move costs would eat the time
    # the estimate may miss (a loaded machine): a build past this point is given up
    give_up_at = time.monotonic() + BUILD_ABORT_SHARE * max(0.0, deadline - time.monotonic())

    def too_slow() -> bool:
        return lns_share > 0 and time.monotonic() > give_up_at

    manager = pywrapcp.RoutingIndexManager(n_nodes, len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    # Matrices over nodes, one transit (service + travel) and one cost matrix per mode.
    transit_idx: dict[str, int] = {}
    cost_idx: dict[str, int] = {}
    base_cost: dict[str, np.ndarray] = {}
    loc_arr = np.array([-1 if x is None else x for x in node_loc], dtype=np.int64)
    free = loc_arr < 0
    for mode in sorted({veh.team.mode for veh in vehicles}):
        dm = problem.durations[mode]
        li = np.where(free, 0, loc_arr)
        sub = dm[np.ix_(li, li)].astype(np.int64)
        sub[free, :] = 0
        sub[:, free] = 0
        bad = (sub < 0) | (sub >= 10**9)
        cost = np.where(bad, horizon, sub)
        tr = np.where(bad, horizon + 1, sub + np.array(service, dtype=np.int64)[:, None])
        np.fill_diagonal(cost, 0)
        np.fill_diagonal(tr, 0)
        transit_idx[mode] = routing.RegisterTransitMatrix(tr.tolist())
        cost_idx[mode] = routing.RegisterTransitMatrix(cost.tolist())
        base_cost[mode] = cost
    for vi, veh in enumerate(vehicles):
        if too_slow():
            return from_scratch(given_up=True)
        if moves is not None and moves[:, vi].any():  # minimal disruption: own matrix
            cost_v = base_cost[veh.team.mode] + moves[:, vi][None, :]
            np.fill_diagonal(cost_v, 0)
            routing.SetArcCostEvaluatorOfVehicle(
                routing.RegisterTransitMatrix(cost_v.tolist()), vi
            )
        else:
            routing.SetArcCostEvaluatorOfVehicle(cost_idx[veh.team.mode], vi)

    routing.AddDimensionWithVehicleTransits(
        [transit_idx[veh.team.mode] for veh in vehicles], horizon, horizon, False, "Time"
    )
    time_dim = routing.GetDimensionOrDie("Time")
    # No span cost here (Problem.span_cost): OR-Tools' span holds the breaks taken inside
    # a route, so it pays for a lunch break and cuts routes before noon (1-2 % more travel
    # in bench/week.py --span-cost 1); the second phase, which decides the plan, weighs
    # the span without breaks.
    solver = routing.solver()

    # Visit counter: positions (pins), max visits, balance.
    count_idx = routing.RegisterUnaryTransitVector([1] * n + [0] * len(depot_locs))
    caps = [veh.max_visits if veh.max_visits is not None else n for veh in vehicles]
    routing.AddDimensionWithVehicleCapacity(count_idx, 0, caps, True, "Visits")
    count_dim = routing.GetDimensionOrDie("Visits")

    # Capacities (VROOM delivery amounts).
    n_cap = len(vehicles[0].team.capacity) if vehicles else 0
    for k in range(n_cap):
        amounts = [v.amount[k] if k < len(v.amount) else 0 for v in visits]
        ci = routing.RegisterUnaryTransitVector(amounts + [0] * len(depot_locs))
        routing.AddDimensionWithVehicleCapacity(
            ci, 0, [veh.team.capacity[k] for veh in vehicles], True, f"Load{k}"
        )

    for vi, veh in enumerate(vehicles):
        w = veh.shift.window
        time_dim.CumulVar(routing.Start(vi)).SetRange(w.start, w.end)
        time_dim.CumulVar(routing.End(vi)).SetRange(w.start, w.end)

    all_vehicles = list(range(len(vehicles)))
    for node, v in enumerate(visits):
        if too_slow():
            return from_scratch(given_up=True)
        idx = manager.NodeToIndex(node)
        cum = time_dim.CumulVar(idx)
        inactive = False
        i = int(perm[node])
        if v.time_windows:
            if ranges[i] is None:
                inactive = True
            else:
                lo, hi, gaps = ranges[i]
                cum.SetRange(lo, hi)
                for a, b in gaps:
                    cum.RemoveInterval(a, b)
        allowed = allowed_of[i]
        if not allowed or inactive:
            routing.ActiveVar(idx).SetValue(0)
        elif len(allowed) < len(all_vehicles):
            routing.VehicleVar(idx).SetValues([-1, *allowed])
        if v.pin is not None and v.pin.position is not None and allowed and not inactive:
            if v.pin.position - 1 <= max(caps[vi] for vi in allowed):
                count_dim.CumulVar(idx).SetValue(v.pin.position - 1)
            else:  # more visits before it than any allowed route may hold
                routing.ActiveVar(idx).SetValue(0)
        if v.group is None:
            routing.AddDisjunction([idx], pen[node])
    # alternatives (Visit.group): one disjunction of at most one node per group, at the
    # penalty of one visit (a group's members share priority and penalty)
    node_of = {int(i): node for node, i in enumerate(perm)}
    done_groups: set[str] = set()
    for node, v in enumerate(visits):
        if v.group is None or v.group in done_groups:
            continue
        done_groups.add(v.group)
        members = problem.alternatives(int(perm[node]))
        routing.AddDisjunction([manager.NodeToIndex(node_of[i]) for i in members],
                               max(pen[node_of[i]] for i in members), 1)

    # Breaks: may not overlap a service; travel may be split around them.
    node_visit_transit = [0] * routing.Size()
    for index in range(routing.Size()):
        node_visit_transit[index] = service[manager.IndexToNode(index)]
    break_vars: list[list[Any]] = []
    for vi, veh in enumerate(vehicles):
        ivs = []
        for bi, br in enumerate(veh.shift.breaks):
            ivs.append(
                solver.FixedDurationIntervalVar(
                    br.window.start, br.latest_start, br.duration, False, f"break_{vi}_{bi}"
                )
            )
        break_vars.append(ivs)
        if ivs:
            time_dim.SetBreakIntervalsOfVehicle(ivs, vi, node_visit_transit)

    if problem.balance > 0 and vehicles:
        servable = servable_count(problem, vehicles)
        target = math.ceil(servable / len(vehicles))
        for vi in range(len(vehicles)):
            count_dim.SetCumulVarSoftUpperBound(routing.End(vi), target, problem.balance)

    params = pywrapcp.DefaultRoutingSearchParameters()
    strategy, lam = STRATEGIES[worker % len(STRATEGIES)]
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    params.guided_local_search_lambda_coefficient = lam
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    # OR-Tools checks its limit between moves; keep a margin for long moves under load.
    searching = time.monotonic()
    remaining = max(0.05, 0.95 * (deadline - searching))
    if lns_share > 0:  # the rest is the second phase's
        # seeded: the work limits end the phase; the cap (SEEDED_ORTOOLS_CAP, from the
        # first solution on: see over_neighbors) only keeps a slow machine from taking
        # the second phase's time, and this time limit a first solution that takes long
        # (no work limit counts it): past either the run is no longer deterministic
        # (closing 34: a seeded OR-Tools phase without a cap left the second phase one
        # iteration)
        remaining *= 1.0 - lns_share if solution_limit is None else SEEDED_ORTOOLS_LIMIT
    # Stop when done: guided local search never ends by itself; a small plan gets at
    # most ORTOOLS_BASE_S + ORTOOLS_S_PER_VISIT per visit (the second phase stops on
    # its own when it stalls). Seeded runs end by their work limits instead (a time cap
    # would make them depend on the machine's load; theirs is only the safeguard above).
    if solution_limit is None:
        remaining = min(remaining, ORTOOLS_BASE_S + ORTOOLS_S_PER_VISIT * n)
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    if solution_limit is not None:
        params.solution_limit = max(1, solution_limit)
        for name in HEURISTIC_OPERATORS:  # their work is no count of neighbours
            setattr(params.local_search_operators, name, pywrapcp.BOOL_FALSE)
    params.log_search = False
    if extra_params:
        from google.protobuf import text_format

        text_format.Merge(extra_params, params)
        # its time limit as given there (review 35b #3: a shorter one that ended the
        # search was taken for the search ending by itself, and the run for deterministic)
        remaining = params.time_limit.ToMilliseconds() / 1000
    events: list[tuple[float, int]] = []
    best = [None]
    found = [0]  # solutions OR-Tools reported (its solution limit counts these)

    def on_solution() -> None:
        found[0] += 1
        obj = routing.CostVar().Value()
        if best[0] is None or obj < best[0]:
            best[0] = obj
            el = time.monotonic() - t0
            events.append((el, obj))
            if progress is not None:
                progress(el, obj)

    routing.AddAtSolutionCallback(on_solution)
    # seeded: a limit OR-Tools asks once per neighbour its local search examines (and at
    # a few other points of its search, always the same), counting: a work limit that
    # follows its time where accepted moves are rare (NEIGHBORS_PER_SECOND). It also
    # holds the cap: from its first look at the clock after the first solution (every
    # 64th check: the clock costs twice the count), the local search may take
    # SEEDED_ORTOOLS_CAP of the time left to the deadline (review 35 #1: a cap
    # counted from the model's end was used up by the first solution when two workers
    # shared two loaded cores, and OR-Tools stopped after 17,000 of 40,000 neighbours).
    checks = [0]
    cap_at: list[float | None] = [None]
    capped = [False]

    def over_neighbors() -> bool:
        checks[0] += 1
        if checks[0] > neighbor_limit:
            return True
        if checks[0] & 63 or not found[0]:
            return False
        now = time.monotonic()
        if cap_at[0] is None:
            cap_at[0] = now + SEEDED_ORTOOLS_CAP * max(0.0, deadline - now)
        elif now > cap_at[0]:
            capped[0] = True
            return True
        return False

    if neighbor_limit is not None:
        neighbors_cap = solver.CustomLimit(over_neighbors)  # kept alive during the search
        routing.AddSearchMonitor(neighbors_cap)
    sol = None
    warm = False
    if initial is not None:  # warm start: the given routes (already checked feasible)
        inv = np.empty(n, np.int64)
        inv[perm] = np.arange(n)
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes(
            [[int(inv[i]) for i in r] for r in initial], True
        )
        if start is not None:
            sol = routing.SolveFromAssignmentWithParameters(start, params)
            warm = sol is not None
    if sol is None:
        sol = routing.SolveWithParameters(params)
    status = routing.status()
    ended = time.monotonic()
    hit_time = ended >= deadline - 0.01
    if neighbor_limit is not None and checks[0] > neighbor_limit:
        stop = "neighbors"
    elif solution_limit is not None and found[0] >= solution_limit:
        stop = "solutions"
    elif capped[0] or status == 4 or ended >= searching + remaining - 0.01:
        # the cap, or its time limit (4: FAIL_TIMEOUT; the clock from before its start,
        # with a margin for the whole milliseconds it was given: a doubt counts as time)
        stop = "time_limit"
    else:  # by itself: no first solution, or a local optimum (review 35 #6: a
        # metaheuristic of search_params that ends, or OPTIMAL, was taken for time)
        stop = "done"
    routes: list[list[int]] = [[] for _ in vehicles]
    bstarts: list[list[int]] = [[] for _ in vehicles]
    objective = -1
    if sol is not None:
        objective = sol.ObjectiveValue()
        for vi in range(len(vehicles)):
            idx = sol.Value(routing.NextVar(routing.Start(vi)))
            while not routing.IsEnd(idx):
                routes[vi].append(int(perm[manager.IndexToNode(idx)]))
                idx = sol.Value(routing.NextVar(idx))
        intervals = sol.IntervalVarContainer()
        starts_by_name: dict[str, int] = {}
        for i in range(intervals.Size()):
            el = intervals.Element(i)
            starts_by_name[el.Var().Name()] = el.StartValue()
        for vi, ivs in enumerate(break_vars):
            bstarts[vi] = [starts_by_name.get(iv.Name(), iv.StartMin()) for iv in ivs]
    if solution_limit is not None:
        # seeded: deterministic when a work limit ended OR-Tools (or it found no first
        # solution, not for time), not when its time cap did (a slow or loaded machine)
        hit_time = stop == "time_limit"
    result = _WorkerResult(
        worker, objective, routes, bstarts, len(events), hit_time, int(status), events
    )
    result.warm = warm
    result.ortools_stop = stop
    result.ortools_neighbors = min(checks[0], neighbor_limit or checks[0])
    if (sol is None or (status != 1 and not any(routes))) and lns_share > 0:
        # OR-Tools found no first plan in time (a large problem on a short limit): the
        # ruin-and-recreate phase builds one from nothing (every visit left out). OR-Tools
        # stopped in its first-solution heuristic answers with a plan that serves nothing
        # (status 2, QA 34a F1): that is no plan either; taken for one, the second phase
        # had no time left to improve it and the week was planned empty.
        result.objective = sum(pen_all)
        result.routes = [[] for _ in vehicles]
        result.break_starts = [[br.window.start for br in veh.shift.breaks] for veh in vehicles]
        result.from_scratch = True
    if lns_share > 0 and (lns_iterations is None or lns_iterations > 0):
        _improve_result(problem, vehicles, result, seed, deadline, lns_iterations, t0, progress)
    return result


#: Reasons a left-out visit has for the plan's sake (the routes as they are: full of
#: working time, a planned visit holding its time, the load), which a longer search may
#: undo; the others hold for any plan (:mod:`routing.reasons`).
PLAN_REASONS = frozenset({"days_full", "time_window", "capacity"})


def _room_for_more(problem: Problem, vehicles: list[Vehicle], routes: Sequence[Route],
                   unassigned: Sequence[Unassigned], order: Sequence[int], alone) -> bool:
    """Whether a longer search might plan more of the left-out visits: one was not tried
    in time (``not_checked``), or one left out for the plan's sake (``PLAN_REASONS``) may
    fit alone on a team-day whose route still has a free place (fewer visits than its
    ``max_visits``; ``alone``: the visits of ``order`` x vehicles, False where a visit
    cannot fit even alone, or None: then every compatible team-day counts). False when
    every place such a visit could take is filled, or each left-out visit is kept out by
    its own constraints: more time then shortens the ways but plans no more visits
    (closing 34: a week of 300 candidates for 100 places, all filled, was told „Mit mehr
    Rechenzeit ... werden meist mehr Besuche eingeplant“)."""
    count = {r.vehicle: len(r.visits) for r in routes}
    free = [veh.max_visits is None or count.get(vi, 0) < veh.max_visits
            for vi, veh in enumerate(vehicles)]
    idx = problem.visit_index()
    row = {i: k for k, i in enumerate(order)}
    for u in unassigned:
        if u.code == "not_checked":
            return True
        if u.code not in PLAN_REASONS or u.visit not in idx:
            continue
        i = idx[u.visit]
        for vi, veh in enumerate(vehicles):
            if not free[vi]:
                continue
            if alone is not None and i in row:
                if alone[row[i], vi]:
                    return True
            elif problem.compatible(problem.visits[i], veh):
                return True
    return False


def _search_cut(result: _WorkerResult, n_visits: int) -> bool:
    """Whether the time limit left a worker's search less than its least work: fewer than
    ``MIN_SEARCH_ITERATIONS`` (or ``MIN_SEARCH_ITERATIONS_PER_VISIT`` per visit) rounds of
    the second phase, whether the deadline ended them or (seeded) the amount of work the
    time limit gives (a stalled search has run 20,000 at least), or, without the second
    phase, OR-Tools found no plan in time."""
    if result.lns is not None:
        least = max(MIN_SEARCH_ITERATIONS, MIN_SEARCH_ITERATIONS_PER_VISIT * n_visits)
        return result.lns["iterations"] < least
    return result.hit_time_limit and not any(result.routes)


def _improve_result(problem, vehicles, result, seed, deadline, iterations, t0, progress):
    """Run the ruin-and-recreate phase on a worker's plan (in place)."""
    from routing._lns import improve

    bal_coef, bal_target = _balance_terms(problem, vehicles)
    def on_improve(obj: int) -> None:
        if obj < result.objective:
            el = time.monotonic() - t0
            result.events.append((el, obj))
            if progress is not None:
                progress(el, obj)

    start_objective = result.objective
    arrays: list = []
    routes, gaps, st = improve(
        problem, vehicles, result.routes, penalties(problem), bal_coef=bal_coef,
        bal_target=bal_target, deadline=deadline, iterations=iterations,
        seed=(seed or 0) * 1009 + result.worker, on_improve=on_improve,
        # one iteration even past the deadline: its recreate step inserts every left-out
        # visit where it fits, the quick construction no plan goes without (QA 34a F1:
        # OR-Tools stopped in its first-solution heuristic with 10 of 100 visits placed,
        # and the deadline had passed; 0.01-0.05 s for 300-400 visits)
        min_iterations=1,
        arrays_out=arrays if result.worker == 0 else None,  # worker 0 runs in this process
        temp_start=WARM_TEMP_START if result.warm else None,
    )
    result.arrays = arrays[0] if arrays else None
    result.lns = st
    # compare in the phase's own terms (OR-Tools' objective may lack the move costs)
    if st["objective"] < st["start_objective"] or start_objective < 0:
        result.ortools_routes = result.routes
        result.objective = st["objective"]
        result.routes = routes
        result.break_gaps = gaps
    else:
        result.objective = st["start_objective"]
    if iterations is not None and st.get("hit_time_limit"):
        result.hit_time_limit = True


#: Largest OR-Tools model with one cost matrix per vehicle (minimal disruption); above
#: it only the ruin-and-recreate phase sees the move costs.
MAX_VEHICLE_MATRIX_ENTRIES = 20_000_000


def visit_costs(problem: Problem, vehicles: list[Vehicle]) -> np.ndarray | None:
    """Per visit and vehicle the cost of serving it there, beyond travel: the visit's own
    ``cost`` (an alternative's), ``move_cost``
    away from its home team-day and :data:`DELAY_MOVES` times ``move_cost`` for each day
    later than its home day (a visit put off waits; a team free on its day should take it:
    QA 33c M1, a team's open stops of the morning went two days later, into the idle time
    before an appointment there, while the team sat idle from 09:18) or, when it has a
    later ``preferred_from_day`` than its home day, than that day (moving it there is not
    putting it off; the app gives a visit with a home no preferred day, session 38),
    ``outside_cost`` outside the team's districts (soft), ``early_cost`` on a day before
    the visit's ``preferred_from_day`` (e.g. before its announcement letter arrives).
    A visit whose home team-day has no shift any more (its team taken out that day) must
    move anyway: another team on that day costs half, so the visit stays on its day where
    a team there has room, rather than go to a later day for a little less travel (QA 26:
    the visits of a team taken out at noon went to Thursday beside an idle team)."""
    moving = problem.move_cost > 0 and any(v.home is not None for v in problem.visits)
    outside = problem.responsibility == "soft" and problem.outside_cost > 0 and any(
        t.districts for t in problem.teams
    )
    own = any(v.cost for v in problem.visits)
    early = problem.early_bound() > 0
    if not (moving or outside or own or early):
        return None
    vid = {(veh.team.id, veh.day): vi for vi, veh in enumerate(vehicles)}
    out = np.zeros((len(problem.visits), len(vehicles)), np.int64)
    for i, v in enumerate(problem.visits):
        out[i, :] = v.cost
        if moving and v.home is not None:
            out[i, :] += problem.move_cost
            if tuple(v.home) in vid:
                out[i, vid[tuple(v.home)]] -= problem.move_cost
            else:
                for vi, veh in enumerate(vehicles):
                    if veh.day == v.home[1]:
                        out[i, vi] -= problem.move_cost - problem.move_cost // 2
            # put off: per day later, twice again; a visit that prefers a later day than
            # its home (its letter not written yet) is put off only beyond that day
            since = max(v.home[1], v.preferred_from_day or 0) if early else v.home[1]
            for vi, veh in enumerate(vehicles):
                out[i, vi] += DELAY_MOVES * problem.move_cost * max(0, veh.day - since)
        if outside and v.district is not None:
            for vi, veh in enumerate(vehicles):
                if problem.outside(v, veh.team):
                    out[i, vi] += problem.outside_cost
        if early and v.preferred_from_day is not None:
            for vi, veh in enumerate(vehicles):
                if veh.day < v.preferred_from_day:
                    out[i, vi] += problem.early_cost
    return out


def _move_costs(problem: Problem, vehicles: list[Vehicle], perm, n_nodes: int):
    """:func:`visit_costs` over OR-Tools' nodes (None when off or too large to register)."""
    if n_nodes * n_nodes * len(vehicles) > MAX_VEHICLE_MATRIX_ENTRIES:
        return None
    vc = visit_costs(problem, vehicles)
    if vc is None:
        return None
    out = np.zeros((n_nodes, len(vehicles)), np.int64)
    out[: len(perm)] = vc[np.asarray(perm, dtype=np.int64)]
    return out


def _start_routes(
    problem: Problem, vehicles: list[Vehicle], initial: Mapping[tuple[str, int], Sequence[str]]
) -> list[list[int]] | None:
    """Visit indices per vehicle of a start plan, each cut to its longest feasible prefix.

    An id that names no visit but a group (:attr:`Visit.group`) stands for the group's
    alternative that fits there, the one of least ``cost`` first."""
    from routing.schedule import schedule

    idx = problem.visit_index()
    groups: dict[str, list[int]] = {}
    for i, v in enumerate(problem.visits):
        if v.group is not None:
            groups.setdefault(v.group, []).append(i)
    for members in groups.values():
        members.sort(key=lambda i: (problem.visits[i].cost, i))
    used: set[int] = set()
    out: list[list[int]] = []
    for veh in vehicles:
        seq: list[int] = []
        for x in initial.get((veh.team.id, veh.day), ()):
            cands = [idx[x]] if x in idx else groups.get(x, [])
            cands = [i for i in cands if not used.intersection(problem.alternatives(i))]
            if not cands:
                continue
            fit = next((i for i in cands if schedule(
                problem, veh, [problem.visits[j] for j in [*seq, i]]) is not None), None)
            if fit is None:
                break  # the longest prefix that still fits (a later start, ...)
            seq.append(fit)
            used.add(fit)
        out.append(seq)
    return out if any(out) else None


def servable_count(problem: Problem, vehicles: list[Vehicle]) -> int:
    """How many visits some team-day could take (skills, days, pins, capacity): the
    balance targets share these out. The alternatives of a group (:attr:`Visit.group`)
    count once, as the one visit of them that can be served (review 29c: counted per
    alternative, each team's share grew threefold and the balance stopped working)."""
    seen: set[str] = set()
    n = 0
    for v in problem.visits:
        if v.group is not None and v.group in seen:
            continue
        if any(problem.compatible(v, veh) for veh in vehicles):
            n += 1
            if v.group is not None:
                seen.add(v.group)
    return n


def _balance_terms(problem: Problem, vehicles: list[Vehicle]) -> tuple[int, int]:
    """(cost per visit over the target, target visits per team-day) of the balance option."""
    if problem.balance <= 0 or not vehicles:
        return 0, 0
    servable = servable_count(problem, vehicles)
    return problem.balance, math.ceil(servable / len(vehicles))


def team_work(problem: Problem, vehicles: list[Vehicle]) -> np.ndarray:
    """Each team's working time in the span (seconds; its shifts' windows less their
    breaks), by team index: what :func:`team_shares` shares the visits by."""
    work = np.zeros(max(1, len(problem.teams)), np.float64)
    for veh in vehicles:
        w = veh.shift.window
        work[veh.team_index] += max(0, w.end - w.start - sum(b.duration for b in veh.shift.breaks))
    return work


def team_caps(problem: Problem, vehicles: list[Vehicle]) -> np.ndarray:
    """Each team's most visits in the span (the sum of its shifts' ``max_visits``; inf
    when a shift has no limit), by team index."""
    cap = np.zeros(max(1, len(problem.teams)), np.float64)
    for veh in vehicles:
        m = veh.max_visits
        cap[veh.team_index] += math.inf if m is None else m
    return cap


def fair_shares(total: float, work: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """``total`` visits shared in proportion to ``work`` (a team's working time), no team
    above its ``cap`` (:func:`team_caps`): what a capped team cannot take goes to the
    others, again by working time (water filling). Fractional shares, by team index."""
    share = np.zeros(len(work), np.float64)
    open_ = work > 0
    left = float(total)
    while left > 1e-9 and open_.any():
        part = left * work * open_ / float(work[open_].sum())
        over = open_ & (share + part >= cap - 1e-9)
        if not over.any():
            return share + part
        left -= float((cap[over] - share[over]).sum())
        share[over] = cap[over]
        open_ &= ~over
    return share


def team_shares(problem: Problem, vehicles: list[Vehicle]) -> tuple[int, np.ndarray, np.ndarray]:
    """(cost per visit over a team's share, team index per vehicle, share per team) of
    :attr:`Problem.team_balance`.

    A team's share of the servable visits is proportional to its working time in the
    span (its shifts' windows less their breaks), rounded up: a team absent on a day or
    with shorter shifts has a smaller share, and none without shifts. A team whose shifts
    allow fewer visits (``max_visits``) has at most that many; the rest is shared by the
    others (:func:`fair_shares`).
    """
    vteam = np.array([veh.team_index for veh in vehicles], np.int64)
    n_teams = max(1, len(problem.teams))
    share = np.zeros(n_teams, np.int64)
    if problem.team_balance <= 0 or not vehicles:
        return 0, vteam, share
    work = team_work(problem, vehicles)
    if float(work.sum()) <= 0:
        return 0, vteam, share
    fair = fair_shares(servable_count(problem, vehicles), work, team_caps(problem, vehicles))
    share[:] = np.ceil(fair - 1e-9).astype(np.int64)
    return problem.team_balance, vteam, share


def _timed_routes(problem, vehicles, routes, break_gaps, break_starts):
    """Re-time every route (``schedule``): (routes, all re-timed); None for a failed one."""
    from routing.schedule import schedule

    out: list[Route | None] = []
    for vi, veh in enumerate(vehicles):
        seq = [problem.visits[i] for i in routes[vi]]
        if not seq:
            out.append(None)
            continue
        if break_gaps is not None and break_gaps[vi] is not None:
            gaps = break_gaps[vi]
        else:
            gaps = _gaps_from_break_starts(problem, veh, seq, break_starts[vi])
        out.append(schedule(problem, veh, seq, gaps))
    ok = all(r is not None for vi, r in enumerate(out) if routes[vi])
    return out, ok


def _settle_breaks(problem: Problem, vehicles: list[Vehicle], routes: list[Route]) -> list[Route]:
    """Each route's final timing: the break where the route returns earliest and its visits
    start earliest (the search leaves the break wherever it fitted: a lunch break before
    the first visit made a team start at noon although the morning was free)."""
    from routing.schedule import _lateness, schedule

    idx = problem.visit_index()
    out = []
    for r in routes:
        veh = vehicles[r.vehicle]
        if not veh.shift.breaks:  # nothing to place: the timing is the earliest already
            out.append(r)
            continue
        better = schedule(problem, veh, [problem.visits[idx[x]] for x in r.visits],
                          check_static=False, search=True)
        out.append(better if better is not None and _lateness(better, problem.span_cost)
                   <= _lateness(r, problem.span_cost) else r)
    return out


def _gaps_from_break_starts(
    problem: Problem, veh: Vehicle, seq: list[Visit], bstarts: list[int]
) -> list[int]:
    """Rough gap of each break from OR-Tools' start times (exact gaps are re-checked)."""
    from routing.schedule import schedule

    base = schedule(problem, veh, seq, [len(seq)] * len(veh.shift.breaks), check_static=False)
    gaps = []
    for bs in bstarts:
        g = 0
        if base is not None:
            jobs = [s for s in base.steps if s.kind == "job"]
            for k, s in enumerate(jobs):
                if s.service_start < bs:
                    g = k + 1
        gaps.append(g)
    return gaps


def _load_compiled(compile: bool = False) -> None:
    """Load OR-Tools and, when numba's disk cache holds it, the compiled improvement
    phase into this process (about a second, once per process); ``compile``: also
    compile it when the cache does not hold it (:func:`routing.prepare`, 15-20 s once
    per installation). :func:`solve` loads before its clock starts: counted against
    the time limit, the first solve of a process under load had no time left to explain
    its unassigned visits."""
    from ortools.constraint_solver import pywrapcp  # noqa: F401

    try:
        from routing import _lns
    except Exception:  # numba cannot cache here: OR-Tools only
        return
    if compile or (not _lns._run.signatures and _lns.ready()):
        _lns.warm_up()


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int | None = None,
    threads: int = 1,
    progress: ProgressCallback | None = None,
    work_per_second: int = WORK_PER_SECOND,
    search_params: str | None = None,
    improve: bool = True,
    initial: Mapping[tuple[str, int], Sequence[str]] | None = None,
) -> Solution:
    """Plan the visits: routes per team-day and unassigned visits with reasons.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        Wall-clock seconds for the whole call (model, search, post-processing).
    seed : int or None
        None: search until the time limit. An int: deterministic mode (see module doc).
    threads : int
        Independent search workers (processes); 1 runs in this process. At most one per
        core (and one for fewer than ``MIN_VISITS_PER_WORKER`` visits).
    progress : callable(elapsed_s, objective) or None
        Called whenever the in-process worker improves its objective.
    search_params : str or None
        Extra OR-Tools ``RoutingSearchParameters`` in protobuf text format, merged over
        the defaults of every worker (for experiments and benchmarks).
    improve : bool
        Run the ruin-and-recreate phase (:mod:`routing._lns`) after OR-Tools. It needs
        numba's compiled code: when that is not in the disk cache yet (first run after
        installing), this call plans with OR-Tools alone and a background process
        compiles for the next call; :func:`routing._lns.warm_up` compiles up front.

    initial : mapping (team id, day) -> visit ids, optional
        A start plan (warm start, e.g. :attr:`routing.replan.Replan.initial`): each route
        cut to its longest feasible prefix seeds OR-Tools' search.

    Returns
    -------
    Solution
        Never "no solution": visits that do not fit come back in ``unassigned``.
    """
    from routing.doors import door_splits, mend_doors
    from routing.reasons import explain_all
    from routing.repair import repair

    if time_limit <= 0:
        raise ValueError("time_limit must be positive")
    if improve:
        _load_compiled()  # off the clock: loading code is no search time
    t0 = time.monotonic()
    # never more search processes than cores: '--threads 1000' would fork 999 processes
    threads = max(1, min(int(threads), os.cpu_count() or 1))
    if len(problem.visits) < MIN_VISITS_PER_WORKER:
        threads = 1  # a second search process cannot help a tiny problem, only cost
    reserve = OVERHEAD_S + RESERVE_PER_VISIT_S * len(problem.visits) + (0.25 if threads > 1 else 0.0)
    reserve = min(reserve, 0.5 * time_limit)
    deadline = t0 + max(0.1, time_limit - reserve)
    vehicles = problem.vehicles()
    lns_share = LNS_SHARE if improve else 0.0
    lns_ready = None
    if lns_share > 0 and vehicles and problem.visits:
        try:
            from routing import _lns
        except Exception:  # numba cannot cache here (no writable cache dir): OR-Tools only
            _lns = None
        lns_ready = _lns is not None and _lns.ready()
        if not lns_ready:  # first run after installing: compile for the next solve
            if _lns is not None:
                _lns.compile_in_background()
            lns_share = 0.0
    solution_limit = (
        None if seed is None else max(1, int(work_per_second * time_limit * (1 - lns_share)))
    )
    lns_iterations = (
        None if seed is None else max(1, int(LNS_ITERATIONS_PER_SECOND * time_limit * lns_share))
    )
    neighbor_limit = (
        None if seed is None
        else max(1, round(NEIGHBORS_PER_SECOND * time_limit * (1 - lns_share)))
    )
    start_routes = _start_routes(problem, vehicles, initial) if initial else None
    results: list[_WorkerResult] = []
    late = False
    if vehicles and problem.visits:
        futures = []
        pool = None
        if threads > 1:
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            pool = ProcessPoolExecutor(max_workers=threads - 1, mp_context=ctx)
            for w in range(1, threads):
                futures.append(
                    pool.submit(
                        _solve_worker, problem, w, seed, deadline, solution_limit, None, t0,
                        search_params, lns_share, lns_iterations, start_routes, neighbor_limit,
                    )
                )
        try:
            results.append(
                _solve_worker(
                    problem, 0, seed, deadline, solution_limit, progress, t0, search_params,
                    lns_share, lns_iterations, start_routes, neighbor_limit,
                )
            )
            for f in futures:
                try:
                    wait_s = max(0.05, t0 + time_limit - OVERHEAD_S / 2 - time.monotonic())
                    results.append(f.result(timeout=wait_s))
                except FuturesTimeout:  # a worker overran the time limit: drop it
                    late = True
        finally:
            if pool is not None:
                if late:
                    for proc in list(getattr(pool, "_processes", {}).values()):
                        proc.terminate()
                pool.shutdown(wait=not late, cancel_futures=True)
    t_search = time.monotonic() - t0
    valid = [r for r in results if r.objective >= 0]
    best = min(valid, key=lambda r: (r.objective, r.worker)) if valid else None

    routes: list[Route] = []
    used: set[int] = set()
    fallback = False
    if best is not None:
        plan = best.routes
        timed, ok = _timed_routes(problem, vehicles, plan, best.break_gaps, best.break_starts)
        if not ok and best.ortools_routes is not None:
            # the improvement phase produced a route that does not re-time (should not
            # happen): fall back to the plan OR-Tools proved feasible
            plan = best.ortools_routes
            timed, ok = _timed_routes(problem, vehicles, plan, None, best.break_starts)
            fallback = True
        for vi, r in enumerate(timed):
            if r is not None:  # OR-Tools' routes always re-time; a failure leaves them out
                routes.append(r)
                used.update(plan[vi])
    unassigned_idx = problem.open_visits(used)
    may_fit = None
    arrays = None
    if lns_ready and unassigned_idx:
        from routing._lns import fit_arrays, fit_matrix

        arrays = next((r.arrays for r in results if r.arrays is not None), None)
        if arrays is None:
            arrays = fit_arrays(problem, vehicles)

        def may_fit(cands: list[int], seqs: list[list[int]], only: list[int] | None = None):
            return fit_matrix(problem, vehicles, seqs, cands, arrays, only)

    hard = t0 + time_limit
    t_retime = time.monotonic()
    # leave time for the reasons (per left-out visit: a base and a share per team-day),
    # but at least half of what is left to the insertions (a list of 50,000 rows: the
    # reasons turn quick at the deadline, a visit that fits must not stay out untried)
    reasons_s = len(unassigned_idx) * (
        REASONS_S_PER_VISIT + REASONS_S_PER_VISIT_VEHICLE * len(vehicles))
    routes, unassigned_idx, moves, checked = repair(
        problem, routes, unassigned_idx, may_fit=may_fit,
        deadline=max(hard - 0.1 - reasons_s, t_retime + 0.5 * (hard - 0.1 - t_retime)),
    )
    # one door, one team a day (routing.doors): a move frees room elsewhere, which the
    # repair tries again for the visits left out (and the doors after it)
    door_left: list[Any] = []
    door_mended = 0
    def post_deadline() -> float:  # as the repair's: at least half of what is left
        now = time.monotonic()
        return max(hard - 0.1 - reasons_s, now + 0.5 * (hard - 0.1 - now))

    for _ in range(DOOR_ROUNDS):
        routes, door_left, n = mend_doors(problem, routes, deadline=post_deadline())
        door_mended += n
        if not n or not unassigned_idx:
            break
        routes, unassigned_idx, more, checked = repair(
            problem, routes, unassigned_idx, may_fit=may_fit, deadline=post_deadline())
        moves += more
        if not more:
            break
    door_left = door_splits(problem, routes)  # a last repair may have split one again
    t_repair = time.monotonic()
    routes = _settle_breaks(problem, vehicles, routes)
    t_settle = time.monotonic()
    alone = None
    if lns_ready and unassigned_idx:
        from routing._lns import fit_arrays, fit_matrix

        if arrays is None:
            arrays = fit_arrays(problem, vehicles)
        alone = fit_matrix(problem, vehicles, [[] for _ in vehicles], unassigned_idx, arrays)
    unassigned = explain_all(
        problem, routes, unassigned_idx, checked, alone=alone, deadline=hard + MARGIN_S / 2,
        arrays=arrays,
    )
    elapsed = time.monotonic() - t0
    # the time limit cut the search before it could do its least work: the plan is what
    # a quick construction and the repair placed (the app warns, naming the time limit)
    short = bool(problem.visits and vehicles) and (
        best is None or _search_cut(best, len(problem.visits))
        or any(u.code == "not_checked" for u in unassigned))
    stats: dict[str, Any] = {
        "seed": seed,
        "threads": threads,
        "time_limit": time_limit,
        "elapsed": round(elapsed, 3),
        "search_elapsed": round(t_search, 3),
        # seconds of each stage after the search: re-timing the plan, insertions and
        # swaps, the final break placement, the reasons
        "post_elapsed": {
            "retime": round(t_retime - t0 - t_search, 3),
            "repair": round(t_repair - t_retime, 3),
            "settle": round(t_settle - t_repair, 3),
            "reasons": round(t0 + elapsed - t_settle, 3),
        },
        "workers": [
            {
                "worker": r.worker,
                "strategy": STRATEGIES[r.worker % len(STRATEGIES)][0],
                "objective": r.objective,
                "improvements": r.solutions,
                "hit_time_limit": r.hit_time_limit,
                # OR-Tools gave no plan (none in time, or its model was too large to build
                # in the time: build_given_up when the building ran out of it), the
                # ruin-and-recreate phase built it
                "from_scratch": r.from_scratch,
                "build_given_up": r.build_given_up,
                # what ended OR-Tools' search (seeded: "solutions" or "neighbors", its work
                # limits; "time_limit"; "done": by itself, no first solution or a local
                # optimum, not for time; None: it did not search) and the neighbours it
                # examined (counted in seeded runs)
                "ortools_stop": r.ortools_stop,
                "ortools_neighbors": r.ortools_neighbors,
            }
            for r in results
        ],
        "best_worker": best.worker if best else None,
        "repair_moves": moves,
        # doors served on one day by two team-days: mended by routing.doors, and those
        # left (door, day, teams, visits)
        "doors_mended": door_mended,
        "door_splits": [{"door": d.door, "day": d.day, "teams": list(d.teams),
                         "visits": list(d.visits)} for d in door_left],
        "lns": best.lns if best else None,
        "lns_ready": lns_ready,
        "lns_fallback": fallback,
        "deterministic": seed is not None
        and lns_ready is not False  # without the second phase the same seed plans otherwise
        and not late
        and not any(r.hit_time_limit for r in results),
        "events": best.events if best else [],
        "short_of_time": short,
        # when short of time: whether more time might plan more visits (_room_for_more),
        # else None
        "may_place_more": _room_for_more(problem, vehicles, routes, unassigned,
                                         unassigned_idx, alone) if short else None,
    }
    sol = Solution(tuple(sorted(routes, key=lambda r: r.vehicle)), tuple(unassigned), 0, stats)
    return Solution(sol.routes, sol.unassigned, objective(problem, sol), stats)


def objective(problem: Problem, solution: Solution) -> int:
    """The solver's objective for a solution: drop penalties + travel + balance cost
    (+ the span cost of each used team-day, :attr:`Problem.span_cost`, and the team
    balance cost, :attr:`Problem.team_balance`)."""
    pen = penalties(problem)
    idx = problem.visit_index()
    # a group left out costs one penalty, not one per alternative (review 29c)
    left = {problem.visits[idx[u.visit]].group or ("", u.visit): pen[idx[u.visit]]
            for u in solution.unassigned}
    total = sum(left.values())
    total += solution.travel
    vehicles_all = problem.vehicles()
    vc = visit_costs(problem, vehicles_all)
    for r in solution.routes:
        if problem.span_cost > 0 and r.visits:
            total += problem.span_cost * _span(r)
        if vc is not None:
            total += sum(int(vc[idx[x], r.vehicle]) for x in r.visits)
        if problem.district_cost > 0:
            ds = {problem.visits[idx[x]].district for x in r.visits} - {None}
            total += problem.district_cost * max(0, len(ds) - 1)
    if problem.balance > 0:
        vehicles = problem.vehicles()
        if vehicles:
            servable = servable_count(problem, vehicles)
            target = math.ceil(servable / len(vehicles))
            for r in solution.routes:
                total += problem.balance * max(0, len(r.visits) - target)
    if problem.team_balance > 0:
        coef, _, share = team_shares(problem, vehicles_all)
        if coef > 0:
            ti = {t.id: k for k, t in enumerate(problem.teams)}
            count = np.zeros(len(share), np.int64)
            for r in solution.routes:
                count[ti[r.team]] += len(r.visits)
            total += sum(coef * max(0, int(c) - int(s)) for c, s in zip(count, share, strict=True))
    return total


def _span(route: Route) -> int:
    """A route's length for the span cost: from leaving to coming back, breaks not counted
    (a day that holds the lunch break is no longer for it)."""
    brk = sum(s.service for s in route.steps if s.kind == "break")
    return route.steps[-1].arrival - route.steps[0].service_start - brk


def default_threads() -> int:
    """Both cores where available (the solver's workers are processes)."""
    return max(1, min(2, os.cpu_count() or 1))


__all__ = ["solve", "objective", "penalties", "default_threads", "Visit", "Unassigned", "reachable"]
