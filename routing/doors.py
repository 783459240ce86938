"""One door, one team a day: mend plans that send two teams to one door on one day.

Two visits at one door (:attr:`routing.model.Visit.door`: two case ids of one person, a
family with several clients at one address) served on one day by two team-days are two
visits by strangers in one day for the household and a wasted trip for the office. The
search usually keeps them together (no travel between them), but a full team-day, a
re-plan (visits keep their ``home`` team-day, a new visit at that door goes where it
fits) or the repair's cheapest insertion may split them.

After the repair, :func:`mend_doors` takes each door served on one day by several
team-days and tries, cheapest first:

1. to gather the door's visits of that day into one team-day route of that day (one of
   the team-days there, or another team-day of that day with room for all of them):
   each is inserted at its cheapest feasible position, next to the others when they
   share a location; when none has room, one visit at another door leaves the team-day
   that has some of the door's visits for the cheapest feasible position elsewhere (an
   exchange), making room for the rest;
2. else to move the visits of one of those team-days to a team-day of another day that
   does not split the door there (its route already holds the door's visits, or no
   route of that day does).

A move never loses a planned visit (every visit stays served: the lexicographic
objective of pins, priority sum and visit count does not change) and respects every
rule of the model (pins, days, skills, windows, breaks, max visits: a pinned visit
stays where it is pinned). A cheaper move is one with less travel and cost beyond
travel (:func:`routing.solve.visit_costs`: a re-plan's move costs). What cannot be
mended is returned as :class:`DoorSplit` (the app says so in the plan's notes).

A team-day's visits outside the problem (a re-plan's visits begun before its moment,
:attr:`routing.model.Shift.doors`) count at their doors: another team-day's visits
there that day go to that team-day, or to another day.

When no door has two visits the pass costs one look at the visits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.model import Problem, Route, Vehicle, Visit
from routing.repair import try_insert
from routing.schedule import schedule


@dataclass(frozen=True)
class DoorSplit:
    """Visits at one door served on one day by several team-days (not mended).

    ``visits`` are ordered by team, then by their position in the route; ``teams`` in
    the order of the problem's teams."""

    door: str
    day: int
    teams: tuple[str, ...]
    visits: tuple[str, ...]


def shared_doors(problem: Problem) -> dict[str, list[int]]:
    """The doors of two or more visits, or of a visit and a team-day's visits outside the
    problem (:attr:`routing.model.Shift.doors`): door -> visit indices."""
    doors: dict[str, list[int]] = {}
    for i, v in enumerate(problem.visits):
        if v.door is not None:
            doors.setdefault(v.door, []).append(i)
    outside = {d for t in problem.teams for sh in t.shifts for d in sh.doors}
    return {d: ix for d, ix in doors.items() if len(ix) > 1 or d in outside}


def _held(problem: Problem, doors: dict[str, list[int]]) -> dict[tuple[str, int], set[int]]:
    """(door, day) -> the vehicles whose visits outside the problem are at that door."""
    out: dict[tuple[str, int], set[int]] = {}
    for veh in problem.vehicles():
        for d in veh.shift.doors:
            if d in doors:
                out.setdefault((d, veh.day), set()).add(veh.index)
    return out


def door_splits(problem: Problem, routes: Sequence[Route]) -> list[DoorSplit]:
    """The doors served on one day by several team-days in ``routes``."""
    doors = shared_doors(problem)
    if not doors:
        return []
    return [s for s in _splits(problem, routes, doors).values() if s is not None]


def _splits(problem: Problem, routes: Sequence[Route], doors: dict[str, list[int]]
            ) -> dict[tuple[str, int], DoorSplit | None]:
    door_of = {problem.visits[i].id: d for d, ix in doors.items() for i in ix}
    seen: dict[tuple[str, int], dict[int, list[str]]] = {}
    for r in sorted(routes, key=lambda r: r.vehicle):
        for x in r.visits:
            d = door_of.get(x)
            if d is not None:
                seen.setdefault((d, r.day), {}).setdefault(r.vehicle, []).append(x)
    for key, held in _held(problem, doors).items():
        if key in seen:  # a visit at the door that day: the team-days outside count
            for vi in held:
                seen[key].setdefault(vi, [])
    vehicles = problem.vehicles()
    team_of = {v.index: v.team.id for v in vehicles}
    out: dict[tuple[str, int], DoorSplit | None] = {}
    for (d, day), per in sorted(seen.items()):
        if len(per) > 1:
            out[(d, day)] = DoorSplit(d, day, tuple(team_of[v] for v in sorted(per)),
                                      tuple(x for v in sorted(per) for x in per[v]))
    return out


def mend_doors(
    problem: Problem,
    routes: Sequence[Route],
    *,
    deadline: float | None = None,
) -> tuple[list[Route], list[DoorSplit], int]:
    """Gather the visits at one door on one day into one team-day (see the module doc).

    Returns the routes, the splits left (none could be mended, or the ``deadline``,
    a ``time.monotonic()`` value, passed) and the number of splits mended.
    """
    doors = shared_doors(problem)
    if not doors:
        return list(routes), [], 0
    from routing.solve import visit_costs

    vehicles = problem.vehicles()
    extra = visit_costs(problem, vehicles)
    idx = problem.visit_index()
    by_vehicle: dict[int, Route] = {r.vehicle: r for r in routes}
    mended = 0
    for key in sorted(_splits(problem, list(by_vehicle.values()), doors)):
        if deadline is not None and time.monotonic() > deadline:
            break  # out of time: the splits left are named
        split = _splits(problem, list(by_vehicle.values()), doors).get(key)
        if split is None:  # mended on the way (another door's move)
            continue
        best = _best_move(problem, vehicles, by_vehicle, split, idx, extra, doors)
        if best is None:
            continue
        for vi, r in best.items():
            if r is None:
                by_vehicle.pop(vi, None)
            else:
                by_vehicle[vi] = r
        mended += 1
    left = [s for s in _splits(problem, list(by_vehicle.values()), doors).values()
            if s is not None]
    return sorted(by_vehicle.values(), key=lambda r: r.vehicle), left, mended


def _cost(problem: Problem, r: Route | None, idx: dict[str, int],
          extra: np.ndarray | None) -> int:
    if r is None:
        return 0
    c = r.travel
    if extra is not None:
        c += sum(int(extra[idx[x], r.vehicle]) for x in r.visits)
    return c


def _without(problem: Problem, vehicles: list[Vehicle], r: Route, xs: Sequence[str],
             idx: dict[str, int]) -> Route | None | bool:
    """Route ``r`` without the visits ``xs``: the re-timed route, None when it is empty
    now, False when it is infeasible so (e.g. a position pin after a visit taken out)."""
    rest = [problem.visits[idx[x]] for x in r.visits if x not in xs]
    if not rest:
        return None
    out = schedule(problem, vehicles[r.vehicle], rest)
    return False if out is None else out


def _move(problem: Problem, vehicles: list[Vehicle], by_vehicle: dict[int, Route],
          movers: dict[int, list[str]], target: int, idx: dict[str, int],
          out_of_target: str | None = None) -> dict[int, Route | None] | None:
    """Take ``movers`` (vehicle -> visit ids) out of their routes and insert them one by
    one into ``target``'s route at the cheapest feasible position: the changed routes
    (None: the route is empty now), or None when a step is infeasible.

    ``out_of_target``: a visit of the target's route that makes room for them: it goes to
    the cheapest feasible position of another route (an exchange)."""
    out: dict[int, Route | None] = {}
    for vi, xs in movers.items():
        r = _without(problem, vehicles, by_vehicle[vi], xs, idx)
        if r is False:
            return None
        out[vi] = r  # type: ignore[assignment]
    route = by_vehicle.get(target)
    if out_of_target is not None and route is not None:
        r = _without(problem, vehicles, route, [out_of_target], idx)
        if r is False:
            return None
        route = r  # type: ignore[assignment]
    seq: list[Visit] = [problem.visits[idx[x]] for x in route.visits] if route else []
    for vi in sorted(movers):
        for x in movers[vi]:
            res = try_insert(problem, vehicles[target], seq, route, problem.visits[idx[x]])
            if res is None:
                return None
            route = res[1]
            seq = [problem.visits[idx[y]] for y in route.visits]
    out[target] = route
    if out_of_target is None:
        return out
    w = problem.visits[idx[out_of_target]]
    best: tuple[int, Route] | None = None
    for veh in vehicles:
        if veh.index == target:
            continue
        cur = out[veh.index] if veh.index in out else by_vehicle.get(veh.index)
        cur_seq = [problem.visits[idx[y]] for y in cur.visits] if cur is not None else []
        res = try_insert(problem, veh, cur_seq, cur, w)
        if res is not None and (best is None or res[0] < best[0]):
            best = res
    if best is None:
        return None
    out[best[1].vehicle] = best[1]
    return out


def _best_move(problem: Problem, vehicles: list[Vehicle], by_vehicle: dict[int, Route],
               split: DoorSplit, idx: dict[str, int], extra: np.ndarray | None,
               doors: dict[str, list[int]]) -> dict[int, Route | None] | None:
    """The cheapest feasible way to mend ``split``: gather on its day first, else move
    one team-day's visits of the door to another day."""
    here = {vi: [x for x in r.visits if x in split.visits]
            for vi, r in by_vehicle.items() if r.day == split.day}
    here = {vi: xs for vi, xs in here.items() if xs}
    held = _held(problem, doors)
    # a team-day whose visits outside the problem are at the door keeps them there
    fixed = held.get((split.door, split.day), set())

    def price(changed: dict[int, Route | None]) -> int:
        return sum(_cost(problem, r, idx, extra) - _cost(problem, by_vehicle.get(vi), idx, extra)
                   for vi, r in changed.items())

    def door_visits_of(door: str) -> set[str]:
        return {problem.visits[i].id for i in doors[door]}

    best: tuple[int, int, dict[int, Route | None]] | None = None
    # 1. gather on the day: into one of the team-days there (fewest visits moved first),
    # or into another team-day of the day
    for veh in vehicles:
        if veh.day != split.day or fixed - {veh.index}:
            continue
        movers = {vi: xs for vi, xs in here.items() if vi != veh.index}
        res = _move(problem, vehicles, by_vehicle, movers, veh.index, idx)
        if res is None:
            continue
        rank = (sum(len(xs) for xs in movers.values()), price(res))
        if best is None or rank < best[:2]:
            best = (*rank, res)
    if best is not None:
        return best[2]
    # ... or so after an exchange: a visit of another door leaves the team-day that has
    # the door's visits for another route, making room for the rest of them
    for vi in sorted(set(here) | fixed):
        if fixed - {vi} or vi not in by_vehicle:
            continue
        movers = {vj: xs for vj, xs in here.items() if vj != vi}
        for w in by_vehicle[vi].visits:
            if problem.visits[idx[w]].door in doors:  # no door split for another
                continue
            res = _move(problem, vehicles, by_vehicle, movers, vi, idx, out_of_target=w)
            if res is None:
                continue
            rank = (sum(len(xs) for xs in movers.values()) + 1, price(res))
            if best is None or rank < best[:2]:
                best = (*rank, res)
    if best is not None:
        return best[2]
    # 2. another day: the visits of one team-day go to a team-day of a day on which the
    # door is not split by them
    door_visits = door_visits_of(split.door)
    holders = set(here) | fixed
    for vi, xs in sorted(here.items()):
        if vi in fixed or len(holders - {vi}) > 1:  # moving these leaves the day split
            continue
        for veh in vehicles:
            if veh.day == split.day:
                continue
            there = {r.vehicle for r in by_vehicle.values()
                     if r.day == veh.day and door_visits.intersection(r.visits)}
            there |= held.get((split.door, veh.day), set())
            if there - {veh.index}:
                continue
            res = _move(problem, vehicles, by_vehicle, {vi: xs}, veh.index, idx)
            if res is None:
                continue
            rank = (len(xs), price(res))
            if best is None or rank < best[:2]:
                best = (*rank, res)
    return best[2] if best is not None else None


__all__ = ["DoorSplit", "door_splits", "mend_doors", "shared_doors"]
