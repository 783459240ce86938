"""Reorder the visits of each route for a value that depends on when they start.

The solver values a visit by its priority alone; some values depend on the time of day
(the chance that somebody is at home, learned from outcomes). :func:`reorder_for_value`
takes a solved plan and, route by route, searches other orders of the same visits
(relocate one visit, swap two, reverse a stretch) that raise the summed value of the
visits at their new start times, keep every hard rule of the route (checked by
:func:`routing.schedule.schedule`: windows, breaks, shift, pins) and add at most a share
``max_extra_travel`` to the route's travel time. Which visits are served, and by which
team on which day, does not change.

The value callback receives the visit id and the second of the planning span at which
its service starts; it knows nothing of maps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from routing.model import Problem, Route, Solution, Vehicle, Visit, visits_by_id
from routing.schedule import schedule

#: The value of a visit starting at a second of the span (higher is better).
ValueFn = Callable[[str, int], float]


def route_value(route: Route, value: ValueFn) -> float:
    """Summed value of the route's visits at their start times."""
    return sum(value(s.visit, s.service_start) for s in route.steps
               if s.kind == "job" and s.visit is not None)


def _travel(problem: Problem, vehicle: Vehicle, order: Sequence[Visit]) -> int:
    """Travel time of an order from the shift's start to the team's end (no timing)."""
    mode = vehicle.team.mode
    here, total = vehicle.start, 0
    for v in order:
        total += problem.duration(mode, here, v.location)
        here = v.location
    return total + problem.duration(mode, here, vehicle.end)


def _neighbours(order: list[Visit]) -> Iterator[list[Visit]]:
    n = len(order)
    for i in range(n):  # relocate one visit
        for j in range(n):
            if j in (i, i - 1):
                continue
            rest = order[:i] + order[i + 1:]
            k = j if j < i else j - 1
            yield rest[:k + 1] + [order[i]] + rest[k + 1:]
    for i in range(n - 1):  # swap two visits
        for j in range(i + 2, n):
            cand = list(order)
            cand[i], cand[j] = cand[j], cand[i]
            yield cand
    for i in range(n - 1):  # reverse a stretch (2-opt)
        for j in range(i + 2, n + 1):
            yield order[:i] + order[i:j][::-1] + order[j:]


def reorder_route(
    problem: Problem, vehicle: Vehicle, route: Route, value: ValueFn, *,
    max_extra_travel: float = 0.05, max_passes: int = 50, max_checks: int = 3000,
) -> Route:
    """The best order found for one route (first-improvement local search); the route
    itself when no order of higher value keeps the rules and the travel budget.

    ``max_checks`` bounds the orders timed by :func:`schedule` (the expensive step), so
    that long routes cost a bounded time."""
    by_id = visits_by_id(problem.visits)
    order = [by_id[v] for v in route.visits]
    if len(order) < 2:
        return route
    budget = route.travel + max_extra_travel * max(route.travel, 0)
    best, best_val = route, route_value(route, value)
    checks = 0
    for _ in range(max_passes):
        for cand in _neighbours(order):
            if _travel(problem, vehicle, cand) > budget:
                continue
            if checks >= max_checks:
                return best
            checks += 1
            timed = schedule(problem, vehicle, cand)
            if timed is None or timed.travel > budget:
                continue
            val = route_value(timed, value)
            if val > best_val + 1e-9:
                best, best_val, order = timed, val, cand
                break
        else:
            break
    return best


def reorder_for_value(
    problem: Problem, solution: Solution, value: ValueFn, *, max_extra_travel: float = 0.05,
) -> Solution:
    """:func:`reorder_route` for every route of ``solution``; the objective is recomputed
    (travel may grow within the budget; nothing is dropped or added)."""
    from routing.solve import objective

    if max_extra_travel < 0:
        raise ValueError(f"max_extra_travel must not be negative: {max_extra_travel}")
    vehicles = problem.vehicles()
    routes = tuple(reorder_route(problem, vehicles[r.vehicle], r, value,
                                 max_extra_travel=max_extra_travel) for r in solution.routes)
    if all(new is old for new, old in zip(routes, solution.routes, strict=True)):
        return solution
    out = replace(solution, routes=routes)
    return replace(out, objective=objective(problem, out))
