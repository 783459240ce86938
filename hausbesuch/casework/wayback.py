"""The way back to the base from a stop of a stored route, as far as the stored plan knows
it, for the check of an appointment agreed at that door (QA 37 #1): the phone's refusal,
and the note of the case page, an outcomes file and a correction on one stored (review 37
#5).

The planner refuses an appointment whose visit *and* way back to the team's end point end
after the shift („Besuch ab 15:00 Uhr (45 Min.) und Rückweg (22 Min.) enden erst um 16:07
Uhr“). The phone and the server decide without the street network, from the stored route
of the visit's day:

- a stop planned since session 38 carries its way back
  (:attr:`~hausbesuch.plandata.PlannedStop.way_back_s`, the solver's travel time from that
  door to the end point, stored at planning time): **exact**, for every stop and every
  mode, whatever the order of the stops' times.

A stop stored before has none; its route's times tell:

- the route's **last** stop: its way back is known exactly, the route's return less the
  end of that visit (not for a route cut without its way back, nor when the break lies
  between them: a wait for the break window would count as way);
- any other stop, on foot (``walk``: every way is open both ways, so the travel times are
  the same in both directions) and with the start at the end point: a **lower bound**
  from the triangle inequality (the planner's travel times keep it), the known way
  between the base and the first or last stop less the stored time between that stop and
  this one: „mindestens 16 Min.“. A car's or bike's way back from a middle stop is not
  known (one-way streets): nothing is counted then.

A bound is never more than the true way back, so an appointment refused with it is one
the planner cannot plan either; the planner may still refuse one this check took (a
longer way back than the bound, other visits that day)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: coordinates within this many degrees are the same point (stored as doubles)
_SAME_POINT = 1e-6


@dataclass(frozen=True)
class WayBack:
    """The way back to the base from one stop of team ``team_id``'s route: ``seconds``
    (exact, or, ``exact`` False, at least that), travelling by ``mode`` to
    ``end_lonlat``."""

    seconds: int
    exact: bool
    mode: str
    end_lonlat: tuple[float, float]
    team_id: str = ""

    @property
    def minutes(self) -> int:
        """Whole minutes: an exact way rounded up (as the planner's reasons name it), a
        bound rounded down (it stays a bound)."""
        return -(-self.seconds // 60) if self.exact else self.seconds // 60

    def teams_with_it(self, teams: Sequence[Any]) -> set[str]:
        """The ids of the teams among ``teams`` (:class:`hausbesuch.teams.TeamConfig`, their
        empty ends set to the depot) that have this way back: the planner's travel times
        depend on the mode and the two points only, so every team that travels as the
        route's team still does and ends where it ends (the same end address and point as
        that team now; its point, when given, the route's). None when that team is gone
        or travels otherwise now."""
        own = next((t for t in teams if t.id == self.team_id), None)
        if own is None or own.mode != self.mode or (
                own.end_lonlat is not None and not _same(own.end_lonlat, self.end_lonlat)):
            return set()
        return {t.id for t in teams if t.mode == own.mode
                and (t.end_address, t.end_lonlat) == (own.end_address, own.end_lonlat)}


def _same(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(x - y) < _SAME_POINT for x, y in zip(a, b, strict=True))


def _between(route: Any, a: datetime, b: datetime) -> bool:
    """Whether the route's break lies (partly) between ``a`` and ``b``."""
    lunch = route.lunch
    return lunch is not None and lunch[0] < b and lunch[1] > a


def way_back(route: Any, client_id: str) -> WayBack | None:
    """The way back to the end point from the stop of ``client_id`` on ``route`` (a
    :class:`hausbesuch.plandata.TeamDayRoute`): the stop's stored way back, else as far as
    the route's stored times tell (see the module); None when they tell nothing."""
    stops = list(route.stops)
    k = next((i for i, s in enumerate(stops) if s.client_id == client_id), None)
    if k is None:
        return None
    if stops[k].way_back_s is not None:  # stored at planning time: exact
        return WayBack(stops[k].way_back_s, True, route.mode, tuple(route.end_lonlat),
                       route.team_id)
    if route.ends_open:
        return None
    if any(b.arrival < a.end for a, b in zip(stops, stops[1:], strict=False)):
        # stops not in the order of their times (a re-plan keeps a visit made out of
        # order at the time it was made, review 37 #2): the stored times between them
        # and the return tell no way
        return None
    end = tuple(route.end_lonlat)
    n = len(stops) - 1
    # the last stop's way back: the return less the end of its visit
    last = (None if _between(route, stops[n].end, route.return_)
            else int((route.return_ - stops[n].end).total_seconds()))
    if k == n:
        return None if last is None else WayBack(last, True, route.mode, end, route.team_id)
    if route.mode != "walk":
        return None
    # on foot the way is as long both ways (no one-way streets for walking): the stored
    # time between two stops is at least the way between them (a break or a wait only
    # adds to it), so d(stop, base) >= d(other, base) - time(stop ... other)
    def gap(i: int, j: int) -> int:  # stored time from the end of stop i to arriving at j
        return int((stops[j].arrival - stops[i].end).total_seconds())

    bounds = []
    if last is not None:
        bounds.append(last - sum(gap(i, i + 1) for i in range(k, n)))
    if _same(route.start_lonlat, end) and not _between(route, route.depart, stops[0].arrival):
        out = int((stops[0].arrival - route.depart).total_seconds())
        bounds.append(out - sum(gap(i, i + 1) for i in range(k)))
    best = max(bounds, default=0)
    return WayBack(best, False, route.mode, end, route.team_id) if best > 0 else None
