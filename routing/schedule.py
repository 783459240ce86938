"""Timing of one route: given the order of its visits, when does each step happen?

Used after the solver (to report clean times), to repair a plan by inserting left-out
visits, and to derive reasons. The feasibility checker in :mod:`routing.check` does
not use this module: it verifies reported times with its own code.

Semantics (the checker uses the same rules)
-------------------------------------------
Between the end of one service (or the departure from the start) and the start of the
next service (or the arrival at the end) lies a *gap*. Breaks assigned to a gap are
taken inside it, one after the other, each entirely inside its window; travel may be
split around them, so the gap must hold the travel time plus all its breaks. A break
of the last gap (before the end) whose window opens only when the team is already back
(the arrival at the end, without it, is at or before the window's start) is not taken:
it is not part of the route (a morning route does not wait at the office for its lunch
break; QA 22 F4). A team back any later takes it, on the way or before it leaves its
last visit, as any other. In the same way a break of the first gap is not taken when the
team leaves its own start at or after the break's latest start: it had the break there
before leaving (an afternoon route does not leave at the lunch break's latest start to
wait at its first door). Not for a shift that starts elsewhere or after a frozen prefix
(:attr:`Shift.start`, :attr:`Shift.fixed`: a re-plan's rest of a day the team began),
and not in the search's own estimate of a day's length (:mod:`routing._lns`, which
counts such a break: a little more than the day takes). The schedule is the earliest
one; then the departure is moved as late as possible without delaying the first visit
(no needless waiting at the first door). With a span cost
(:attr:`routing.model.Problem.span_cost`) the departure is moved as late as possible
without delaying the return (also the visits before an idle wait move later: the
shortest day of this order).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from routing.model import Problem, Route, Step, Vehicle, Visit, reachable

#: Largest number of break-to-gap assignments tried when searching placements.
MAX_BREAK_COMBINATIONS = 2_000


def _gap_breaks(n_gaps: int, gaps: Sequence[int]) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n_gaps)]
    for b, g in enumerate(gaps):
        out[g].append(b)
    return out


def static_ok(problem: Problem, vehicle: Vehicle, visits: Sequence[Visit]) -> bool:
    """Compatibility, capacity, max visits and position pins of a visit order (no times)."""
    team = vehicle.team
    if vehicle.max_visits is not None and len(visits) > vehicle.max_visits:
        return False
    load = [0] * len(team.capacity)
    for pos, v in enumerate(visits, start=1):
        if not problem.compatible(v, vehicle):
            return False
        if v.pin is not None and v.pin.position is not None and v.pin.position != pos:
            return False
        for k, a in enumerate(v.amount):
            load[k] += a
    return all(load[k] <= c for k, c in enumerate(team.capacity))


def _lateness(route: Route, span_cost: int = 0) -> tuple[int, int, int]:
    """How late a timing is: its return, then the sum of its service starts (of two timings
    that return together, the one that does not wait before its visits is better). With a
    span cost the later departure wins before the sum (the shorter day)."""
    return (route.steps[-1].arrival,
            -route.steps[0].service_start if span_cost > 0 else 0,
            sum(s.service_start for s in route.steps if s.kind == "job"))


def schedule(
    problem: Problem,
    vehicle: Vehicle,
    visits: Sequence[Visit],
    break_gaps: Sequence[int] | None = None,
    *,
    check_static: bool = True,
    search: bool = False,
) -> Route | None:
    """Earliest feasible timing of ``visits`` in this order on ``vehicle``, or None.

    ``break_gaps[b]`` is the gap (0 = before the first visit, ``len(visits)`` = before
    the end) that the shift's break ``b`` is taken in. Without it (or when that
    assignment is infeasible, or with ``search``) every assignment is tried and the one
    that returns earliest wins; of those, the one whose visits start earliest (a lunch
    break is not put before the first visit when it fits later in the day).
    """
    if check_static and not static_ok(problem, vehicle, visits):
        return None
    breaks = vehicle.shift.breaks
    n_gaps = len(visits) + 1
    if not breaks:
        return _timed(problem, vehicle, visits, [])
    if not search and break_gaps is not None and len(break_gaps) == len(breaks):
        r = _timed(problem, vehicle, visits, list(break_gaps))
        if r is not None:
            return r
    best: Route | None = None
    for i, combo in enumerate(itertools.combinations_with_replacement(range(n_gaps), len(breaks))):
        if i >= MAX_BREAK_COMBINATIONS:
            break
        # breaks sorted by window start are taken in that order
        order = sorted(range(len(breaks)), key=lambda b: (breaks[b].window.start, b))
        gaps = [0] * len(breaks)
        for b, g in zip(order, combo, strict=True):
            gaps[b] = g
        r = _timed(problem, vehicle, visits, gaps)
        if r is not None and (best is None or _lateness(r, problem.span_cost)
                              < _lateness(best, problem.span_cost)):
            best = r
    return best


def _latest_departure(run, steps: list[Step], travel: list[int],
                      visits: Sequence[Visit]) -> list[Step]:
    """With a span cost (:attr:`Problem.span_cost`): the schedule that leaves as late as
    possible without a later return, i.e. the shortest day of this order (the visits
    before an idle wait move later instead of waiting at a door). The return time is
    non-decreasing in the departure time (windows, breaks), so a bisection finds it."""
    back = steps[-1].arrival
    lo = steps[0].arrival  # known good
    hi = back - sum(travel) - sum(v.service for v in visits)  # no later departure can do
    best = steps
    while lo < hi:
        mid = (lo + hi + 1) // 2
        cand = run(mid)
        if cand is not None and cand[-1].arrival == back:
            lo, best = mid, cand
        else:
            hi = mid - 1
    return best


def _timed(
    problem: Problem, vehicle: Vehicle, visits: Sequence[Visit], gaps: list[int]
) -> Route | None:
    team, shift = vehicle.team, vehicle.shift
    mode = team.mode
    n_gaps = len(visits) + 1
    in_gap = _gap_breaks(n_gaps, gaps)
    for lst in in_gap:
        lst.sort(key=lambda b: (shift.breaks[b].window.start, b))
    locs: list[int | None] = [vehicle.start] + [v.location for v in visits] + [vehicle.end]
    travel = []
    dist = 0
    for k in range(n_gaps):
        t = problem.duration(mode, locs[k], locs[k + 1])
        if not reachable(t):
            return None
        travel.append(t)
        d = problem.distance(mode, locs[k], locs[k + 1])
        dist += d if reachable(d) else 0

    # a day that begins at the team's own start (not a re-plan's rest from where the team
    # is, nor after a frozen prefix): a break too late when it leaves was had there
    from_base = shift.start is None and not shift.fixed

    def run(depart: int) -> list[Step] | None:
        steps = [Step("start", depart, depart, 0, vehicle.start)]
        e = depart
        for k in range(n_gaps):
            tb = e
            arrival = e + travel[k]
            brk_steps = []
            for b in in_gap[k]:
                br = shift.breaks[b]
                if k == len(visits) and arrival <= br.window.start:
                    continue  # back before its window opens: the break is not on the route
                if k == 0 and from_base and depart >= br.latest_start:
                    continue  # leaves when it is too late for it: taken before, at the base
                bs = max(tb, br.window.start)
                if bs > br.latest_start:
                    return None
                if bs < arrival:  # the break delays the arrival (taken before or on the way)
                    arrival += br.duration
                tb = bs + br.duration
                brk_steps.append(Step("break", bs, bs, br.duration, None, None, b))
            ready = max(arrival, tb)
            steps.extend(brk_steps)
            if k < len(visits):
                v = visits[k]
                s = v.earliest_start(ready)
                if s is None:
                    return None
                steps.append(Step("job", ready, s, v.service, v.location, v.id))
                e = s + v.service
            else:
                if ready > shift.window.end:
                    return None
                steps.append(Step("end", ready, ready, 0, vehicle.end))
        return steps

    steps = run(shift.window.start)
    if steps is None:
        return None
    # Leave as late as possible without delaying the first service.
    if visits:
        first = next(s for s in steps if s.kind == "job")
        if not in_gap[0]:
            later = max(shift.window.start, first.service_start - travel[0])
        elif len(in_gap[0]) == 1:
            br = shift.breaks[in_gap[0][0]]
            later = max(
                shift.window.start,
                min(first.service_start - travel[0] - br.duration, br.latest_start),
            )
        else:
            later = shift.window.start
        # leaving just in time for the first service, once every break of the first gap
        # is too late to start (the team had it at its base): an afternoon route does
        # not leave at the lunch break's latest start to wait at the first door
        just_in_time = first.service_start - travel[0]
        if from_base and in_gap[0] and all(just_in_time >= shift.breaks[b].latest_start
                                           for b in in_gap[0]):
            later = max(later, just_in_time)
        if later > shift.window.start:
            moved = run(later)
            if moved is not None and [s.service_start for s in moved if s.kind == "job"] == [
                s.service_start for s in steps if s.kind == "job"
            ]:
                steps = moved
        if problem.span_cost > 0:
            steps = _latest_departure(run, steps, travel, visits)
    return Route(vehicle.index, team.id, vehicle.day, tuple(steps), sum(travel), dist)
