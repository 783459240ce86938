"""Re-plan from a moment: the rest of the span, from where the teams are.

At time ``at`` (absolute seconds, day ``at // DAY``) part of a plan is history: every
visit whose service has begun (done or in progress), every break taken, every route of
an earlier day. :func:`replan` builds the problem of what is left:

- the visits not yet begun (planned or not) are candidates again, with their pins;
- today each team starts where it is: at its position (``positions``, see below), at
  its end when its route was over before ``at`` (it is back), or else at the place of
  its last begun visit, not before that visit ends (nor before ``at``); a shift
  override (:attr:`Shift.start`) carries the place, the shift window starts then;
  breaks already taken are dropped, the others keep what is left of their window;
  ``max_visits`` counts the begun visits (capacities are not reduced: the app does not
  use them);
- teams in ``remove`` do no more visits today (ill, car broken down); later days stay;
  reasons name the team-days so taken out, and the shifts already over, by
  :attr:`Problem.absent` ("Team A fällt an Tag 1 ab 11:30 Uhr aus (Neuplanung)");
- shifts of earlier days drop out;
- with ``move_cost`` every visit planned earlier keeps its team-day as its ``home``:
  moving it costs ``move_cost`` (minimal disruption).

:meth:`Replan.merge` puts the history and a solution of the rest together into one
solution of the original problem (which :func:`routing.check.check` accepts). A team-day
that gets nothing new keeps its planned route when all its visits were begun (a route
over before ``at`` keeps its times); otherwise it goes back to its end from its last
begun visit, taking the breaks still due (none of them before ``at``; not one the team
had at its start before it left, after its latest start: an afternoon route). A team
that was back at its end before ``at`` and goes out again shows its return as a stop there,
``Step("position", back, back, stay, end)``, from when it was back until it leaves for
its new visits (or its position). A break whose window passed while it was there is not
part of the route, as for a route back before the window opens (:func:`routing.check.
check`: the team was at its base for every start the break could have); no break is put
before ``at`` (except on the way to a position the team is at by then, see below).

A position ``(place, busy until)`` is a stop after the team's history, and the merged
route shows it as a step of its own, ``Step("position", arrival, arrival, stay, place)``
(:func:`routing.check.check` times it like a visit and counts its legs in the travel):

- the team goes there from its last begun visit (after the breaks it took since), or,
  when it began none today but had left its start by ``at``, from its start at its
  planned departure; it arrives as early as that allows;
- a team at its base (back at its end, or not yet left its start) leaves it as late as
  still gets it there by ``at`` (by ``busy until`` if earlier), not before it is back
  nor before its shift begins; a break whose window opens while it is at its base and
  that it could take neither after the stay is taken on the way, ending as it arrives,
  so that it is there by then; only when its window does not allow that and staying at
  its base until the break's latest start (the break then falls in the time at the
  base, not on the route) gets it there sooner does it stay;
- it stays until it is free there: ``busy until``, not before ``at`` and not before it
  can be there (the plan's history wins over a position it leaves no time for: a team
  placed at its visit's place "until 10:20" while its begun visit runs until 10:30 per
  plan is free at 10:30);
- a break still due whose window closes before the team is free there is taken on the
  way, not before ``at``; the other breaks stay in the problem of the rest;
- the rest starts there (the shift override) when the team is free, and the stay lasts
  until the team leaves for its first new visit;
- a team that gets nothing new goes back from there; when that way back would end after
  its shift, the stay is cut so that it is back at the shift's end (a plan has no
  overtime), and when it cannot get there and back within the shift at all, the
  position is left out (back from its last begun visit). A route that was over before
  ``at`` and gets nothing new keeps its times: a position then is after its day. A team
  placed today that did no visit that day has no route.

A place not in the matrix, or not reachable from where the team was, raises
:class:`RoutingInputError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from routing.errors import RoutingInputError
from routing.model import (
    DAY,
    Break,
    Pin,
    Problem,
    Route,
    Shift,
    Solution,
    Step,
    TimeWindow,
    Vehicle,
    _hm,
    reachable,
)


@dataclass(frozen=True)
class Replan:
    """The problem of the rest of the span and the history it continues.

    ``done`` maps (team, day) to the steps already behind that team-day (start, begun
    visits, taken breaks; break indices of the original shift). ``stops`` maps the
    team-days of today's ``positions``, and those of teams back at their end before the
    moment, to the steps from that history to where the team is: the start when nothing
    was begun, its stay at its end when it was back, the breaks the stay leaves no room
    for after it, and the ``position`` step (see the module doc).
    """

    original: Problem
    previous: Solution
    problem: Problem
    at: int
    done: Mapping[tuple[str, int], tuple[Step, ...]]
    done_visits: frozenset[str]
    past: tuple[Route, ...] = ()
    stops: Mapping[tuple[str, int], tuple[Step, ...]] = field(default_factory=dict)

    @property
    def initial(self) -> dict[tuple[str, int], list[str]]:
        """The rest of the previous plan per team-day: a warm start for ``solve``."""
        left = {v.id for v in self.problem.visits}
        out: dict[tuple[str, int], list[str]] = {}
        for r in self.previous.routes:
            seq = [x for x in r.visits if x in left]
            if seq:
                out[(r.team, r.day)] = seq
        return out

    def merge(self, rest: Solution) -> Solution:
        """History + the solution of :attr:`problem` as one solution of the original."""
        orig_veh = {(v.team.id, v.day): v for v in self.original.vehicles()}
        new_veh = self.problem.vehicles()
        by_key: dict[tuple[str, int], Route] = {}
        for r in rest.routes:
            by_key[(r.team, r.day)] = r
        routes = list(self.past)
        planned = {(r.team, r.day): r for r in self.previous.routes}
        keys = set(by_key) | set(self.done) | set(self.stops)
        for key in sorted(keys, key=lambda k: orig_veh[k].index):
            veh = orig_veh[key]
            head = list(self.done.get(key, ()))
            stop = list(self.stops.get(key, ()))
            tail = by_key.get(key)
            was = planned.get(key)
            if tail is None and was is not None and was.visits and set(was.visits) <= (
                    self.done_visits) and (not stop or was.steps[-1].arrival <= self.at):
                routes.append(was)  # all its visits begun, nothing new: it stays as planned
                continue
            steps: list[Step] = head + stop
            if tail is not None:
                nveh = new_veh[tail.vehicle]
                bmap = _break_map(veh.shift, nveh.shift)
                body = [s for s in tail.steps if s.kind != "start"]
                if not steps:
                    steps.append(tail.steps[0])
                elif stop:  # it stays there until it leaves for its new visits
                    pos = steps[-1]
                    steps[-1] = replace(pos, service=max(
                        pos.service, tail.steps[0].service_start - pos.service_start))
                for s in body:
                    if s.kind == "break" and s.break_index is not None:
                        s = replace(s, break_index=bmap[s.break_index])
                    steps.append(s)
            elif any(s.kind == "job" for s in head):
                # some of its visits went elsewhere: back from the last one begun (or from
                # its position)
                steps = head + (self._back_from(veh, head, stop) if stop
                                else self._way_back(veh, head))
            if not any(s.kind == "job" for s in steps):
                continue
            locs = [s.location for s in steps if s.kind in ("start", "job", "position", "end")]
            mode = veh.team.mode
            legs = list(zip(locs, locs[1:], strict=False))
            travel = sum(self.original.duration(mode, a, b) for a, b in legs)
            dist = sum(self.original.distance(mode, a, b) for a, b in legs)
            routes.append(Route(veh.index, veh.team.id, veh.day, tuple(steps), travel, dist))
        stats = dict(rest.stats)
        stats["replan"] = {"at": self.at, "done": sorted(self.done_visits)}
        routes.sort(key=lambda r: r.vehicle)
        return Solution(tuple(routes), rest.unassigned, rest.objective, stats)

    def _back_from(self, veh: Vehicle, head: list[Step], stop: list[Step]) -> list[Step]:
        """The stay at the position and the way back of a team-day that gets nothing new.

        The stay lasts until the team is free there; when the way back from then would end
        after the shift, the stay is cut to the latest moment that still gets the team back
        in time (a plan has no overtime). When the team cannot even get there and back
        within its shift, the position is left out: the team goes back from its last begun
        visit.
        """
        end = veh.shift.window.end
        pos = stop[-1]

        def back(service: int) -> list[Step]:
            steps = head + stop[:-1] + [replace(pos, service=service)]
            return steps[len(head):] + self._way_back(veh, steps)

        out = back(pos.service)
        if out[-1].arrival <= end:
            return out
        if back(0)[-1].arrival > end:
            return self._way_back(veh, head)
        lo, hi = 0, pos.service  # back(lo) fits, back(hi) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if back(mid)[-1].arrival <= end else (lo, mid)
        return back(lo)

    def _way_back(self, veh: Vehicle, head: list[Step]) -> list[Step]:
        """The rest of a team-day that gets nothing new: from the end of its last begun
        visit back to the end, with the breaks still due (the rules of routing.schedule
        and routing.check).

        The way back is the last gap of the route: the breaks the team took after its
        last visit count in it, as do the breaks not taken yet; these start no earlier
        than the moment (they did not happen before it) and are left out when the team
        is back before their window opens. A route that was over before the moment, or
        whose last visits were all begun, keeps its times.
        """
        jobs = [s for s in head if s.kind in ("job", "position")]
        last = jobs[-1] if jobs else head[0]
        free = last.service_start + last.service
        loc = last.location if jobs else veh.start
        travel = self.original.duration(veh.team.mode, loc, veh.end)
        gap = [s for s in head if s.kind == "break" and s.service_start >= free]
        brk = sum(s.service for s in gap)
        last_end = max([free] + [s.service_start + s.service for s in gap])
        ready = max([free, self.at] + [s.service_start + s.service for s in head
                                        if s.kind == "break"])
        taken = {s.break_index for s in head if s.kind == "break"} | _had_at_base(
            veh, head[0] if head else None)
        out: list[Step] = []
        sh = veh.shift
        for j in sorted(range(len(sh.breaks)), key=lambda j: sh.breaks[j].window.start):
            if j in taken:
                continue
            b = sh.breaks[j]
            if max(free + travel + brk, last_end) <= b.window.start:
                continue  # back before its window opens: not on the route
            bs = max(ready, b.window.start)
            out.append(Step("break", bs, bs, b.duration, None, None, j))
            ready = last_end = bs + b.duration
            brk += b.duration
        arrive = max(free + travel + brk, last_end)
        out.append(Step("end", arrive, arrive, 0, veh.end))
        return out


def _stop(problem: Problem, veh: Vehicle, head: tuple[Step, ...], loc: int, until: int,
          at: int, back: Step | None = None) -> tuple[Step, ...]:
    """The steps from a team-day's history to its position ``loc`` (see the module doc).

    ``head`` is the history, or the planned start alone when the team began nothing but
    had left by ``at`` (the stay then follows it). A team at its base (nothing begun and
    not left, or ``back`` at its end: its route was over before ``at``) goes there as
    :func:`_from_base` says. Otherwise the team goes there from its last begun visit
    (or start), after the breaks it took since that visit, and is there as early as
    routing.check allows; it is free there at ``until``, not before
    ``at`` nor before it can be there. A break still due whose window closes before the
    team is free there (no room for it after the stay) is taken on the way, not before
    ``at`` nor before the team is free of its history. The last step is the stay:
    ``Step("position", arrival, arrival, stay, loc)``.
    """
    if back is not None or not head:  # at its base: back at its end, or not yet left
        return _from_base(problem, veh, head, loc, until, at, back)
    sh = veh.shift
    out: list[Step] = []
    if len(head) == 1:  # nothing begun, but it had left its start: from there
        out.append(head[0])
    last = [s for s in head if s.kind != "break"][-1]
    free = last.service_start + last.service
    frm = last.location if last.kind == "job" else veh.start
    leg = problem.duration(veh.team.mode, frm, loc)
    if not reachable(leg):
        raise RoutingInputError(
            f"Neuplanung: Position von Team {veh.team.id}: Ort {loc} ist von Ort {frm} aus "
            "nicht erreichbar.")
    taken = [s for s in head if s.kind == "break"]
    gap = [s for s in taken if s.service_start >= free]
    ready = max([free, at] + [s.service_start + s.service for s in taken])
    skip = {s.break_index for s in taken}
    order = sorted(range(len(sh.breaks)), key=lambda j: sh.breaks[j].window.start)
    pre: list[Step] = []
    while True:
        brks = gap + pre
        reach = max([free + leg + sum(b.service for b in brks)]
                    + [b.service_start + b.service for b in brks])
        leave = max(at, until, reach)
        added = False
        for j in order:
            b = sh.breaks[j]
            if j in skip or b.window.end - max(b.window.start, leave) >= b.duration:
                continue
            skip.add(j)  # no room after the stay: on the way, if it fits there at all
            bs = max(ready, b.window.start)
            if bs + b.duration <= b.window.end:
                pre.append(Step("break", bs, bs, b.duration, None, None, j))
                ready = bs + b.duration
                added = True
        if not added:
            break
    return (*out, *pre, Step("position", reach, reach, leave - reach, loc))


def _from_base(problem: Problem, veh: Vehicle, head: tuple[Step, ...], loc: int,
               until: int, at: int, back: Step | None) -> tuple[Step, ...]:
    """The steps to a position ``loc`` of a team that is at its base: back at its end
    (``back``: its route was over before ``at``; the stay there is a ``position`` step at
    its end place) or at its start, nothing begun and not left (the start step).

    The team leaves its base as late as still gets it to ``loc`` by the moment (or by
    ``until``, if earlier), never before it is there. A break whose window opens while
    it is at its base is not part of the route when it leaves at or after the break's
    latest start (routing.check's rule). One it could otherwise take neither after the
    stay at ``loc`` is taken on the way, ending when the team is at ``loc`` (it leaves
    that much earlier), so that the team is there by the moment; only when the break's
    window does not allow that either and staying at its base until the break's latest
    start gets it there sooner does it stay there (before, it always stayed, and reached
    ``loc`` after the moment it was said to be there). With ``loc`` the end place itself,
    the stay there is one step (the team is at its position all along).
    """
    sh = veh.shift
    if back is not None:
        base, since = back.location, back.arrival
        taken = {s.break_index for s in head if s.kind == "break"}
    else:
        base, since = veh.start, sh.window.start
        taken = set()
    assert base is not None
    leg = problem.duration(veh.team.mode, base, loc)
    if not reachable(leg):
        raise RoutingInputError(
            f"Neuplanung: Position von Team {veh.team.id}: Ort {loc} ist von Ort {base} aus "
            "nicht erreichbar.")
    leave = max(since, min(at, until) - leg)
    order = sorted(range(len(sh.breaks)), key=lambda j: sh.breaks[j].latest_start)
    moved = True
    while moved:
        moved = False
        free = max(at, until, leave + leg)
        for j in order:
            b = sh.breaks[j]
            if j in taken or leave >= b.latest_start or (
                    b.window.end - max(b.window.start, free) >= b.duration):
                continue  # in the time at its base, or still due after the stay
            leave = b.latest_start  # at its base for every start the break could have
            moved = True
            break
    reach = leave + leg
    pre: list[Step] = []
    if loc != base and reach > max(since + leg, min(at, until)):  # late for a break
        way = _breaks_on_the_way(sh, taken, since, leg, min(at, until), max(at, until))
        if way is not None and way[1] < reach:
            leave, reach, pre = way
    free = max(at, until, reach)
    stay = Step("position", reach, reach, free - reach, loc)
    if back is None:
        return (Step("start", leave, leave, 0, base), *pre, stay)
    if loc == base:
        return (replace(back, service=free - back.arrival),)
    return (replace(back, service=leave - back.arrival), *pre, stay)


def _breaks_on_the_way(sh: Shift, taken: set[int], since: int, leg: int, by: int,
                       free: int) -> tuple[int, int, list[Step]] | None:
    """A team at its base since ``since`` that is to be at a place ``leg`` away by ``by``
    and free there at ``free``: the breaks due that fit neither after ``free`` nor in its
    time at its base, taken on the way (the last one ending when it arrives), and when it
    leaves and arrives; None when a break does not fit in its window so."""
    def after(j: int, t: int) -> bool:  # break j fits after the team is free at t
        b = sh.breaks[j]
        return b.window.end - max(b.window.start, t) >= b.duration

    due: list[int] = []
    while True:
        brk = sum(sh.breaks[j].duration for j in due)
        leave = max(since, by - leg - brk)
        more = [j for j in range(len(sh.breaks)) if j not in taken and j not in due
                and leave < sh.breaks[j].latest_start
                and not after(j, max(free, leave + leg + brk))]
        if not more:
            break
        due += more
    due.sort(key=lambda j: (sh.breaks[j].window.start, j))
    ready, starts = leave, []
    for j in due:  # as early as they can be ...
        bs = max(ready, sh.breaks[j].window.start)
        if bs > sh.breaks[j].latest_start:
            return None
        starts.append(bs)
        ready = bs + sh.breaks[j].duration
    reach = max(leave + leg + sum(sh.breaks[j].duration for j in due), ready)
    if any(j not in taken and j not in due and leave < sh.breaks[j].latest_start
           and not after(j, max(free, reach)) for j in range(len(sh.breaks))):
        return None  # a break pushed later has no room after the stay any more
    nxt = reach
    for k in reversed(range(len(due))):  # ... then as late: the last one ends on arrival
        b = sh.breaks[due[k]]
        starts[k] = max(starts[k], min(b.latest_start, nxt - b.duration))
        nxt = starts[k]
    return leave, reach, [Step("break", bs, bs, sh.breaks[j].duration, None, None, j)
                          for j, bs in zip(due, starts, strict=True)]


def _had_at_base(veh: Vehicle, start: Step | None) -> set[int]:
    """The breaks of the team-day's shift that a route leaving its start at ``start``
    had there before it left: it left at or after their latest start (the rule of
    routing.schedule and routing.check; an afternoon route takes no lunch break). They
    are not due on its way back. (The problem of the rest and a position drop them as
    it is: their window has no room left after the moment.)"""
    if start is None or start.kind != "start":
        return set()
    return {j for j, b in enumerate(veh.shift.breaks) if start.service_start >= b.latest_start}


def _break_map(orig: Shift, new: Shift) -> dict[int, int]:
    """Index of each break of the re-planned shift in the original shift."""
    out = {}
    used: set[int] = set()
    for k, b in enumerate(new.breaks):
        for j, ob in enumerate(orig.breaks):
            if j not in used and ob.duration == b.duration and ob.window.end == b.window.end:
                out[k] = j
                used.add(j)
                break
    return out


def _whole_seconds(t: object) -> bool:
    """A time of the span: a finite whole number of seconds (not a bool, not NaN)."""
    return (not isinstance(t, bool) and isinstance(t, numbers.Real)
            and math.isfinite(t) and t == int(t))


def replan(
    problem: Problem,
    previous: Solution,
    at: int,
    *,
    positions: Mapping[str, tuple[int, int]] | None = None,
    remove: Iterable[str] = (),
    move_cost: int = 0,
) -> Replan:
    """Build the problem of the rest of the span from ``at`` (see the module doc).

    Parameters
    ----------
    problem, previous : Problem and a Solution of it (the plan being carried out)
    at : int
        Absolute time of the re-plan (e.g. ``routing.at(2, 11, 30)``); a negative time
        raises :class:`RoutingInputError`.
    positions : mapping team id -> (location index, until)
        Where a team is and until when it is busy there (absolute seconds, a whole
        number): a stop after its history, shown in the merged route (module doc).
        Anything else (NaN, text, a fraction of a second, not a pair, a place not in
        the matrix) raises :class:`RoutingInputError`.
    remove : team ids
        Teams that do no further visits today.
    move_cost : int
        Minimal disruption: cost (travel seconds) of moving a visit planned earlier to
        another team-day. 0: re-optimise freely.
    """
    if not _whole_seconds(at):
        raise RoutingInputError(
            f"Neuplanung: Zeitpunkt {at!r} ist keine ganze Zahl von Sekunden ab Tag 1, 00:00 "
            "(z. B. routing.at(0, 11, 30)).")
    if at < 0:
        raise RoutingInputError(
            f"Neuplanung: der Zeitpunkt {at!r} liegt vor dem Planungszeitraum; erwartet sind "
            "Sekunden ab Tag 1, 00:00 (0 oder mehr, z. B. routing.at(0, 11, 30)).")
    at = int(at)
    today = at // DAY
    positions = dict(positions or {})
    removed = set(remove)
    tids = {t.id for t in problem.teams}
    for name in list(positions) + list(removed):
        if name not in tids:
            raise RoutingInputError(f"Neuplanung: unbekanntes Team {name}.")
    for name, pos in list(positions.items()):
        try:
            loc, until = pos
        except (TypeError, ValueError):
            raise RoutingInputError(
                f"Neuplanung: Position von Team {name}: erwartet (Ort, beschäftigt bis), "
                f"erhalten {pos!r}.") from None
        n_loc = len(next(iter(problem.durations.values())))
        if isinstance(loc, bool) or not isinstance(loc, numbers.Integral) or not (
                0 <= loc < n_loc):
            raise RoutingInputError(
                f"Neuplanung: Position von Team {name}: Ort {loc!r} ist kein Ort der Matrix "
                f"(0 bis {n_loc - 1}).")
        if not _whole_seconds(until):
            raise RoutingInputError(
                f"Neuplanung: Position von Team {name}: 'beschäftigt bis' {until!r} ist keine "
                "ganze Zahl von Sekunden ab Tag 1, 00:00 (z. B. routing.at(0, 13)).")
        positions[name] = (int(loc), int(until))
    vehicles = {(v.team.id, v.day): v for v in problem.vehicles()}
    route_of = {(r.team, r.day): r for r in previous.routes}

    done: dict[tuple[str, int], tuple[Step, ...]] = {}
    done_visits: set[str] = set()
    home: dict[str, tuple[str, int]] = {}
    where_now: dict[str, tuple[int | None, int, set[int]]] = {}
    back: dict[str, Step] = {}  # today's teams back at their end before the moment
    past: list[Route] = []
    for key, r in route_of.items():
        team, day = key
        if day < today:
            past.append(r)
            done_visits.update(r.visits)
            continue
        if day > today:
            for x in r.visits:
                home[x] = key
            continue
        head: list[Step] = [r.steps[0]]
        taken: set[int] = set()
        last_loc, free = None, None
        for s in r.steps[1:]:
            if s.kind == "job" and s.service_start < at:
                head.append(s)
                done_visits.add(s.visit or "")
                last_loc, free = s.location, s.service_start + s.service
            elif s.kind == "break" and s.service_start < at:
                head.append(s)
                taken.add(s.break_index if s.break_index is not None else -1)
                free = max(free or 0, s.service_start + s.service)
            elif s.kind == "job":
                home[s.visit or ""] = key
        if len(head) > 1:
            done[key] = tuple(head)
            if r.steps[-1].arrival <= at:  # back at its end: it is there (its base) now
                end = r.steps[-1]
                back[team] = Step("position", end.arrival, end.arrival, 0, end.location)
        where_now[team] = (last_loc, max(at, free or at), taken)

    def _history(team: str, day: int) -> tuple[Step, ...]:
        """What a placed team-day did before the moment: its begun steps, or its planned
        start when it had left by then, or nothing."""
        r = route_of.get((team, day))
        if (team, day) in done:
            return done[(team, day)]
        return r.steps[:1] if r is not None and r.steps[0].service_start < at else ()

    teams = []
    door_of = {v.id: v.door for v in problem.visits if v.door is not None}
    stops: dict[tuple[str, int], tuple[Step, ...]] = {}
    on = f"am {problem.day_names[today]}" if today < len(problem.day_names) else (
        f"an Tag {today + 1}")
    absent = dict(problem.absent)
    for t in problem.teams:
        shifts = []
        for s in t.shifts:
            if s.day < today:
                continue
            if s.day > today:
                shifts.append(s)
                continue
            if t.id in removed:
                absent[(t.id, s.day)] = f"fällt {on} ab {_hm(at)} Uhr aus (Neuplanung)"
                if t.id in positions:  # its way back goes from there
                    stops[(t.id, s.day)] = _stop(problem, vehicles[(t.id, s.day)],
                                                 _history(t.id, s.day), *positions[t.id], at,
                                                 back.get(t.id))
                continue
            loc, until, taken = where_now.get(t.id, (None, at, set()))
            veh = vehicles[(t.id, s.day)]
            place = positions.get(t.id)
            if place is None and t.id in back:  # back at its end: it goes out from there
                place = (back[t.id].location, at)
            if place is not None:
                stop = _stop(problem, veh, _history(t.id, s.day), *place, at, back.get(t.id))
                stops[(t.id, s.day)] = stop
                loc, until = stop[-1].location, stop[-1].service_start + stop[-1].service
                taken = taken | {x.break_index for x in stop if x.kind == "break"}
            start = max(s.window.start, until)
            if start > s.window.end:  # the shift is over
                absent[(t.id, s.day)] = (
                    f"hat {on} nach der Neuplanung ab {_hm(at)} Uhr keine Arbeitszeit mehr "
                    f"(Schichtende {_hm(s.window.end)} Uhr)")
                continue
            breaks = []
            for k, b in enumerate(s.breaks):
                if k in taken:
                    continue
                w0 = max(b.window.start, start)
                if b.window.end - w0 >= b.duration:
                    breaks.append(Break(TimeWindow(w0, b.window.end), b.duration))
            n_begun = sum(1 for x in done.get((t.id, s.day), ()) if x.kind == "job")
            left = None if veh.max_visits is None else max(0, veh.max_visits - n_begun)
            shifts.append(
                Shift(
                    s.day, TimeWindow(start, s.window.end), tuple(breaks),
                    start=loc if loc is not None else veh.start, end=veh.end,
                    fixed=tuple(x for x in s.fixed if x not in done_visits),
                    max_visits=left, kept=s.kept + n_begun,
                    # the doors of its begun visits: no other team there today
                    doors=s.doors | {door_of[x.visit] for x in done.get((t.id, s.day), ())
                                     if x.kind == "job" and door_of.get(x.visit or "")},
                )
            )
        teams.append(replace(t, shifts=tuple(shifts)))

    # Positions count from the route's start: today's begun visits no longer count.
    # Pins that came from frozen prefixes are rebuilt from the new prefixes.
    in_prefix = {x for t in problem.teams for s in t.shifts for x in s.fixed}
    n_done = {key: sum(1 for s in steps if s.kind == "job") for key, steps in done.items()}
    visits = []
    # a begun visit's alternatives (Visit.group) go with it: the group is served (review
    # 29c: left in, the rest of the plan served the client a second time)
    done_groups = {v.group for v in problem.visits if v.id in done_visits and v.group}
    for v in problem.visits:
        if v.id in done_visits or (v.group is not None and v.group in done_groups):
            continue
        pin = v.pin
        if pin is not None and v.id in in_prefix:
            pin = Pin(window=pin.window) if pin.window is not None else None
        elif pin is not None and pin.position is not None and pin.day == today:
            k = n_done.get((pin.team or "", today), 0)
            pin = replace(pin, position=pin.position - k if pin.position > k else None)
        if pin is not v.pin or (move_cost > 0 and v.id in home):
            v = replace(v, pin=pin, home=home.get(v.id) if move_cost > 0 else v.home)
        visits.append(v)
    # every other setting of the problem (districts, amounts, day names, ...) carries over
    new = replace(problem, visits=tuple(visits), teams=tuple(teams), move_cost=move_cost,
                  absent=absent)
    return Replan(problem, previous, new, at, done, frozenset(done_visits), tuple(past),
                  stops)


__all__ = ["Replan", "replan"]
