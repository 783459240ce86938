"""Repair a plan: insert left-out visits where they still fit, swap out lower priorities.

After the search, every unassigned visit is tried at every position of every route it
is compatible with (cheapest feasible insertion). A visit that fits nowhere may take the
place of one planned visit of *lower* priority (never a pinned one) when that makes it
fit; the displaced visit is then tried elsewhere. Every move strictly improves the
lexicographic objective (pins, priority sum, visit count), so the loop ends.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from routing.model import Problem, Route, Vehicle, Visit
from routing.schedule import _timed, schedule, static_ok


def _gaps_of(route: Route | None) -> list[int] | None:
    if route is None:
        return None
    gaps = []
    k = 0
    order: list[tuple[int, int]] = []
    for s in route.steps:
        if s.kind == "job":
            k += 1
        elif s.kind == "break" and s.break_index is not None:
            order.append((s.break_index, k))
    if not order:
        return None
    gaps = [0] * (max(b for b, _ in order) + 1)
    for b, g in order:
        gaps[b] = g
    return gaps


def try_insert(
    problem: Problem,
    vehicle: Vehicle,
    seq: Sequence[Visit],
    route: Route | None,
    visit: Visit,
) -> tuple[int, Route] | None:
    """Cheapest feasible insertion of ``visit`` into ``seq`` on ``vehicle``: (delta, route)."""
    if not problem.compatible(visit, vehicle):
        return None
    old_travel = route.travel if route is not None else 0
    hint = _gaps_of(route)
    best: tuple[int, Route] | None = None
    for p in range(len(seq) + 1):
        new = list(seq[:p]) + [visit] + list(seq[p:])
        if not static_ok(problem, vehicle, new):
            continue
        if _timed(problem, vehicle, new, []) is None:  # infeasible even without breaks
            continue
        gaps = None
        if hint is not None:
            gaps = [g + 1 if g > p else g for g in hint]
        r = schedule(problem, vehicle, new, gaps, check_static=False)
        if r is None:
            continue
        delta = r.travel - old_travel
        if best is None or delta < best[0]:
            best = (delta, r)
    return best


def repair(
    problem: Problem,
    routes: list[Route],
    unassigned: list[int],
    *,
    deadline: float | None = None,
    may_fit=None,
) -> tuple[list[Route], list[int], int, set[int]]:
    """Insert / swap unassigned visits (indices) into ``routes``.

    ``may_fit(visits) -> bool array (len(visits), vehicles)`` may be given to skip
    insertion tries that cannot succeed (``routing._lns.fit_matrix``: False is a proof);
    it is asked once, about the routes as given, and a route that a move changed is
    always tried again.

    Returns the new routes, the still unassigned visit indices, the number of moves and
    the set of unassigned indices proven not to fit by single insertion (``checked``):
    after the final insertion pass that is every one of them.
    """
    vehicles = problem.vehicles()
    by_vehicle: dict[int, Route] = {r.vehicle: r for r in routes}
    idx = problem.visit_index()
    seqs: dict[int, list[Visit]] = {
        v.index: [problem.visits[idx[i]] for i in by_vehicle[v.index].visits]
        if v.index in by_vehicle
        else []
        for v in vehicles
    }
    moves = 0

    def key(i: int) -> tuple[int, int, int]:
        v = problem.visits[i]
        return (-(v.pin is not None), -v.priority, i)

    hopeless: set[tuple[int, int]] = set()  # (visit, vehicle) proven not to fit
    changed: set[int] = set()  # vehicles whose route a move has changed since then
    if may_fit is not None and unassigned:
        fits = may_fit(list(unassigned))
        for q, i in enumerate(unassigned):
            for vi in range(len(vehicles)):
                if not fits[q, vi]:
                    hopeless.add((i, vi))

    def insert(i: int) -> bool:
        visit = problem.visits[i]
        best: tuple[int, int, Route] | None = None
        for veh in vehicles:
            if (i, veh.index) in hopeless and veh.index not in changed:
                continue
            res = try_insert(problem, veh, seqs[veh.index], by_vehicle.get(veh.index), visit)
            if res is not None and (best is None or res[0] < best[0]):
                best = (res[0], veh.index, res[1])
        if best is None:
            return False
        _, vi, r = best
        by_vehicle[vi] = r
        seqs[vi] = [problem.visits[idx[x]] for x in r.visits]
        changed.add(vi)
        return True

    def swap_in(i: int) -> int | None:
        """Put visit i in place of one planned visit of lower priority; return that one."""
        visit = problem.visits[i]
        swap: tuple[tuple[int, int], int, int, Route] | None = None
        for veh in vehicles:
            if deadline is not None and time.monotonic() > deadline:
                return None  # out of time: no swap (the visit keeps its 'days_full' proof)
            seq = seqs[veh.index]
            if not seq or not problem.compatible(visit, veh):
                continue
            for k, w in enumerate(seq):
                if w.pin is not None:
                    continue
                if visit.pin is None and w.priority >= visit.priority:
                    continue
                rest = seq[:k] + seq[k + 1 :]
                base = schedule(problem, veh, rest) if rest else None
                res = try_insert(problem, veh, rest, base, visit)
                if res is None:
                    continue
                rank = (w.priority, res[0])
                if swap is None or rank < swap[0]:
                    swap = (rank, veh.index, idx[w.id], res[1])
        if swap is None:
            return None
        _, vi, wi, r = swap
        by_vehicle[vi] = r
        seqs[vi] = [problem.visits[idx[x]] for x in r.visits]
        changed.add(vi)
        return wi

    # Single insertions first, for every left-out visit (highest priority first): cheap,
    # and it is what proves a visit does not fit (its reason). Repeated after swaps, since
    # a swap changes routes. Both stop at the deadline; a visit not tried in the last
    # insertion pass is not proven (its reason says "not checked").
    left = sorted(unassigned, key=key)
    untried: set[int] = set()
    while True:
        still = []
        for k, i in enumerate(left):
            if deadline is not None and time.monotonic() > deadline:
                # out of time: what fit_matrix proved hopeless everywhere stays proven
                for j in left[k:]:
                    if any((j, vi) not in hopeless or vi in changed
                           for vi in range(len(vehicles))):
                        untried.add(j)
                    still.append(j)
                break
            if insert(i):
                moves += 1
            else:
                still.append(i)
        left = still
        if untried:
            break
        swapped = False
        for i in list(left):
            if deadline is not None and time.monotonic() > deadline:
                break
            if i not in left:
                continue
            out_i = swap_in(i)
            if out_i is None:
                continue
            moves += 1
            swapped = True
            left.remove(i)
            left.append(out_i)
            left.sort(key=key)
        if not swapped:
            break
    checked = set(left) - untried
    out = [r for r in by_vehicle.values() if r.visits]
    return sorted(out, key=lambda r: r.vehicle), sorted(left), moves, checked
