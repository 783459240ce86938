"""Repair a plan: insert left-out visits where they still fit, swap out lower priorities.

After the search, every unassigned visit is tried at every position of every route it
is compatible with (cheapest feasible insertion). A visit that fits nowhere may take the
place of one planned visit of *lower* priority (never a pinned one) when that makes it
fit; the displaced visit is then tried elsewhere. Every move strictly improves the
lexicographic objective (pins, priority sum, visit count), so the loop ends.
Alternatives (``Visit.group``) go in as one: the one of the group that costs least
(travel and its costs beyond travel: its own ``cost``, a move, a day before its preferred
one, ...); a group one of whose visits is planned is not tried.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from routing.model import Problem, Route, Vehicle, Visit
from routing.schedule import _timed, schedule, static_ok

#: The swaps stop this many times the last insertion pass's time before the deadline,
#: so that the insertion pass after them completes (0: they run to the deadline, as
#: before QA 25; ``bench/bigweek.py --compare-repair`` sets it so for comparison).
SWAP_RESERVE = 2.0
#: Ask ``may_fit`` again about routes a move changed (False: such a route is tried in
#: Python for every left-out visit, as before QA 25; for the same comparison).
REPROVE_CHANGED = True


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

    ``may_fit(visits, routes, only=None) -> bool array (len(visits), vehicles)`` may be
    given to skip insertion tries that cannot succeed (``routing._lns.fit_matrix``: False
    is a proof); ``routes`` are the visit indices per vehicle as they stand, ``only`` the
    vehicles to decide (the columns are then ``only``'s). It is asked about every left-out
    visit once and, after a move changed routes, again about those routes, so that an
    insertion pass tries only what may fit (a big week: thousands of left-out visits,
    each tried in Python at every position of every changed route, ran out of time).

    With a ``deadline``, the swaps stop early enough to leave the insertion pass that must
    follow them (twice the time the last pass took): when the time is up, every left-out
    visit has been tried (or proven not to fit) in the routes as they are.

    Returns the new routes, the still unassigned visit indices, the number of moves and
    the set of unassigned indices proven not to fit by single insertion (``checked``):
    after the final insertion pass that is every one of them.
    """
    from routing.solve import visit_costs

    vehicles = problem.vehicles()
    # a visit's cost beyond travel per vehicle (its own ``cost``, a move, outside its
    # districts, a day before its preferred one): where it goes in costs least
    extra = visit_costs(problem, vehicles)
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

    m = len(vehicles)
    # fit[i, v] False: proven that visit i fits no position of vehicle v's route, unless v
    # is in ``changed`` (its route changed since); asked[i]: row i has been asked at all
    fit = np.ones((len(problem.visits), m), dtype=bool)
    asked = np.zeros(len(problem.visits), dtype=bool)
    changed: set[int] = set()
    out_now: set[int] = set(unassigned)  # the visits not in a route at the moment
    # alternatives (Visit.group): a group one of whose visits is in a route is served;
    # its other visits are neither tried nor left out
    served: set[str] = problem.served_groups(
        idx[x] for r in by_vehicle.values() for x in r.visits)

    def gone(i: int) -> bool:
        g = problem.visits[i].group
        return g is not None and g in served

    def taken(i: int) -> None:
        """Visit i went into a route: its alternatives are no longer left out."""
        for j in problem.alternatives(i):
            out_now.discard(j)
        if problem.visits[i].group is not None:
            served.add(problem.visits[i].group)

    def freed(w: int) -> list[int]:
        """Visit w left its route: it and its alternatives are left out again."""
        if problem.visits[w].group is not None:
            served.discard(problem.visits[w].group)
        back = list(problem.alternatives(w))
        for j in back:
            out_now.add(j)
            asked[j] = False  # its proofs, if any, are older than its time in the route
        return back

    def reprove() -> None:
        """Ask ``may_fit`` about the visits never asked and the routes changed since."""
        if may_fit is None:
            return
        new = sorted(i for i in out_now if not asked[i])
        old = sorted(i for i in out_now if asked[i]) if REPROVE_CHANGED else []
        if not new and not (old and changed):
            return
        cur = [[idx[w.id] for w in seqs[v.index]] for v in vehicles]
        if new:
            fit[new] = may_fit(new, cur)
            asked[new] = True
        if old and changed:
            ch = sorted(changed)
            fit[np.ix_(old, ch)] = may_fit(old, cur, ch)
        if REPROVE_CHANGED:
            changed.clear()

    def moved(vi: int, r: Route) -> None:
        by_vehicle[vi] = r
        seqs[vi] = [problem.visits[idx[x]] for x in r.visits]
        changed.add(vi)

    def insert(i: int) -> bool:
        """Put visit i, or the alternative of its group that costs least, where it
        costs least (travel and the visit's costs beyond it, :func:`visit_costs`)."""
        best: tuple[int, int, Route, int] | None = None
        for a in problem.alternatives(i):
            if a not in out_now:
                continue
            visit = problem.visits[a]
            if changed or not asked[a]:
                reprove()
            for veh in vehicles:
                if not fit[a, veh.index] and veh.index not in changed:
                    continue
                res = try_insert(problem, veh, seqs[veh.index], by_vehicle.get(veh.index),
                                 visit)
                cost = visit.cost if extra is None else int(extra[a, veh.index])
                if res is not None and (best is None or res[0] + cost < best[0]):
                    best = (res[0] + cost, veh.index, res[1], a)
        if best is None:
            return False
        _, vi, r, a = best
        moved(vi, r)
        taken(a)
        return True

    def swap_in(i: int, until: float | None) -> int | None:
        """Put visit i in place of one planned visit of lower priority; return that one."""
        visit = problem.visits[i]
        swap: tuple[tuple[int, int], int, int, Route] | None = None
        for veh in vehicles:
            if until is not None and time.monotonic() > until:
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
        moved(vi, r)
        taken(i)
        freed(wi)
        return wi

    # Single insertions first, for every left-out visit (highest priority first): cheap,
    # and it is what proves a visit does not fit (its reason). Repeated after swaps, since
    # a swap changes routes. Both stop at the deadline, the swaps earlier (they leave the
    # insertion pass after them its time); a visit not tried in the last insertion pass
    # is not proven (its reason says "not checked").
    left = sorted(unassigned, key=key)
    untried: set[int] = set()
    while True:
        still = []
        t_pass = time.monotonic()
        tried: set[str] = set()  # groups tried in this pass (insert tries every member)
        for k, i in enumerate(left):
            if deadline is not None and time.monotonic() > deadline:
                # out of time: what may_fit proves hopeless everywhere stays proven
                reprove()
                for j in left[k:]:
                    if gone(j):
                        continue
                    if fit[j].any() or changed:
                        untried.add(j)
                    still.append(j)
                break
            if gone(i):  # an alternative of it went in
                continue
            g = problem.visits[i].group
            if g is not None and g in tried:  # its group was tried as one: it fits nowhere
                still.append(i)
                continue
            if g is not None:
                tried.add(g)
            if insert(i):
                moves += 1
            else:
                still.append(i)
        left = still
        if untried:
            break
        until = None
        if deadline is not None:
            until = deadline - SWAP_RESERVE * (time.monotonic() - t_pass) - (
                0.005 if SWAP_RESERVE else 0.0)
        swapped = False
        for i in list(left):
            if until is not None and time.monotonic() > until:
                break
            if i not in left or gone(i):
                continue
            out_i = swap_in(i, until)
            if out_i is None:
                continue
            moves += 1
            swapped = True
            left = [j for j in left if j != i and not gone(j)]
            left += [j for j in problem.alternatives(out_i) if j not in left]
            left.sort(key=key)
        if not swapped:
            break
    left = [j for j in left if not gone(j)]
    checked = set(left) - untried
    out = [r for r in by_vehicle.values() if r.visits]
    return sorted(out, key=lambda r: r.vehicle), sorted(left), moves, checked
