"""Independent feasibility checker for solutions (used by tests and benchmarks).

It shares no code with the solver or :mod:`routing.schedule`: it reads the reported
steps and verifies every constraint against the problem directly. Rules:

- every visit is either in exactly one route or unassigned, never both (an
  alternative of a served group, ``Visit.group``, is neither; at most one of a group
  is served);
- a route belongs to an existing team-day; skills, day range, capacity, max visits
  and pins (team, day, 1-based position) hold;
- a route starts with ``start`` and ends with ``end``; times never go backwards;
  the start is not before the shift begins and the end not after it ends;
- each service starts inside one of the visit's windows, never before the arrival,
  and lasts the visit's service time;
- between the end of one service (or the start) and the next service (or the end)
  the gap holds the travel time plus the breaks taken in it; the reported arrival is
  not earlier than that allows; legs the matrix marks unreachable are never used;
- every break of the shift is taken exactly once, entirely inside its window, without
  overlapping a service or another break; a break may be left out only when the team is
  at its base at every time the break could start, from its window's opening to its
  latest start (the break falls in the time at the base: not part of the route): back
  at its end by the time the window opens (after the route), departing from its start
  at or after the latest start (before the route), or at a ``position`` step at its end
  place reached by the time the window opens and left at or after the latest start
  (back at the office between two parts of its day, as a re-plan shows a team that was
  back and goes out again);
- a ``position`` step (where :func:`routing.replan` was told a team is: no visit) is a
  stop at its location: it is reached, left and timed like a visit (its ``service`` is
  the stay, from its ``service_start``), its legs count in the travel, and it takes no
  place in the positions of pins or the number of visits;
- the reported travel time (and distance) of each route matches the matrices.
"""

from __future__ import annotations

from routing.model import UNREACHABLE, Problem, Solution


def _unreach(x: int) -> bool:
    return x < 0 or x >= UNREACHABLE


def check(problem: Problem, solution: Solution, *, check_travel: bool = True) -> list[str]:
    """Return a list of violations (English, for developers); empty when feasible."""
    errs: list[str] = []
    visits = {v.id: v for v in problem.visits}
    served: dict[str, int] = {}
    veh_list = []
    for ti, t in enumerate(problem.teams):
        for s in sorted(t.shifts, key=lambda s: s.day):
            veh_list.append((ti, t, s))
    seen_vehicles: set[int] = set()
    for r in solution.routes:
        tag = f"route vehicle={r.vehicle} team={r.team} day={r.day}"
        if not 0 <= r.vehicle < len(veh_list):
            errs.append(f"{tag}: unknown vehicle")
            continue
        _, team, shift = veh_list[r.vehicle]
        if team.id != r.team or shift.day != r.day:
            errs.append(f"{tag}: vehicle is team {team.id} day {shift.day}")
        if r.vehicle in seen_vehicles:
            errs.append(f"{tag}: vehicle used twice")
        seen_vehicles.add(r.vehicle)
        steps = list(r.steps)
        if not steps or steps[0].kind != "start" or steps[-1].kind != "end":
            errs.append(f"{tag}: must begin with start and finish with end")
            continue
        if steps[0].service_start < shift.window.start:
            errs.append(f"{tag}: departs {steps[0].service_start} before shift start")
        if steps[-1].arrival > shift.window.end:
            errs.append(f"{tag}: ends {steps[-1].arrival} after shift end {shift.window.end}")
        mode = team.mode
        dur = problem.durations[mode]
        dist = problem.distances.get(mode)
        start_loc = shift.start if shift.start is not None else team.start
        end_loc = shift.end if shift.end is not None else team.end
        loc = start_loc
        free_t = steps[0].service_start  # end of last service / departure
        pending_breaks: list[tuple[int, int]] = []
        travel = 0
        distance = 0
        position = 0
        load = [0] * len(team.capacity)
        breaks_taken: dict[int, int] = {}
        busy: list[tuple[int, int, str]] = []
        for st in steps[1:]:
            if st.kind == "break":
                if st.break_index is None or not 0 <= st.break_index < len(shift.breaks):
                    errs.append(f"{tag}: unknown break {st.break_index}")
                    continue
                br = shift.breaks[st.break_index]
                b0, b1 = st.service_start, st.service_start + st.service
                if st.service != br.duration:
                    errs.append(f"{tag}: break {st.break_index} lasts {st.service}, not {br.duration}")
                if b0 < br.window.start or b1 > br.window.end:
                    errs.append(
                        f"{tag}: break {st.break_index} [{b0},{b1}] outside its window "
                        f"[{br.window.start},{br.window.end}]"
                    )
                if b0 < free_t:
                    errs.append(f"{tag}: break {st.break_index} starts {b0} before {free_t}")
                breaks_taken[st.break_index] = breaks_taken.get(st.break_index, 0) + 1
                pending_breaks.append((b0, b1))
                busy.append((b0, b1, f"break {st.break_index}"))
                continue
            if st.kind not in ("job", "position", "end"):
                errs.append(f"{tag}: unknown step type {st.kind!r}")
                continue
            if st.kind == "position":
                new_loc = st.location
                if new_loc is None or not 0 <= new_loc < len(dur):
                    errs.append(f"{tag}: position step at unknown location {new_loc!r}")
                    continue
                if st.service < 0:
                    errs.append(f"{tag}: position step at {new_loc} lasts {st.service}")
            elif st.kind == "job":
                v = visits.get(st.visit or "")
                if v is None:
                    errs.append(f"{tag}: unknown visit {st.visit!r}")
                    continue
                new_loc: int | None = v.location
                if st.location is not None and st.location != v.location:
                    errs.append(f"{tag}: visit {v.id} reported at {st.location}, not {v.location}")
            else:
                new_loc = end_loc
            t_leg = 0 if loc is None or new_loc is None else int(dur[loc, new_loc])
            d_leg = 0 if loc is None or new_loc is None or dist is None else int(dist[loc, new_loc])
            if _unreach(t_leg):
                errs.append(f"{tag}: leg {loc}->{new_loc} is unreachable")
                t_leg = 0
            travel += t_leg
            distance += d_leg if not _unreach(d_leg) else 0
            brk_total = sum(b1 - b0 for b0, b1 in pending_breaks)
            last_brk_end = max((b1 for _, b1 in pending_breaks), default=free_t)
            for i, (_b0, b1) in enumerate(sorted(pending_breaks)):
                for c0, _c1 in sorted(pending_breaks)[i + 1 :]:
                    if c0 < b1:
                        errs.append(f"{tag}: breaks overlap")
            earliest = max(free_t + t_leg + brk_total, last_brk_end)
            target = st.service_start if st.kind == "job" else st.arrival
            if target < earliest:
                errs.append(
                    f"{tag}: {st.kind} {st.visit or ''} at {target} but earliest possible is "
                    f"{earliest} (travel {t_leg}, breaks {brk_total})"
                )
            if st.arrival > st.service_start:
                errs.append(f"{tag}: {st.visit}: service starts before arrival")
            if st.arrival < free_t + t_leg and not pending_breaks:
                errs.append(f"{tag}: {st.visit or 'end'}: arrival {st.arrival} too early")
            pending_breaks = []
            loc = new_loc if new_loc is not None else loc
            if st.kind == "end":
                break
            if st.kind == "position":
                busy.append((st.service_start, st.service_start + st.service,
                             f"position {new_loc}"))
                free_t = st.service_start + st.service
                continue
            position += 1
            assert v is not None
            if v.id in served:
                errs.append(f"visit {v.id} served twice")
            served[v.id] = r.vehicle
            if st.service != v.service:
                errs.append(f"{tag}: visit {v.id} service {st.service}, expected {v.service}")
            if v.time_windows and not any(
                w.start <= st.service_start <= w.end for w in v.time_windows
            ):
                errs.append(f"{tag}: visit {v.id} starts {st.service_start} outside its windows")
            if not v.skills <= team.skills:
                errs.append(f"{tag}: visit {v.id} needs skills {sorted(v.skills - team.skills)}")
            if shift.day < v.earliest_day or (v.latest_day is not None and shift.day > v.latest_day):
                errs.append(f"{tag}: visit {v.id} not allowed on day {shift.day}")
            if v.pin is not None:
                if v.pin.team is not None and v.pin.team != team.id:
                    errs.append(f"{tag}: visit {v.id} pinned to team {v.pin.team}")
                if v.pin.day is not None and v.pin.day != shift.day:
                    errs.append(f"{tag}: visit {v.id} pinned to day {v.pin.day}")
                if v.pin.position is not None and v.pin.position != position:
                    errs.append(
                        f"{tag}: visit {v.id} pinned to position {v.pin.position}, is {position}"
                    )
            for k, a in enumerate(v.amount):
                if k >= len(load):
                    errs.append(f"{tag}: visit {v.id} has an amount but the team no capacity")
                else:
                    load[k] += a
            busy.append((st.service_start, st.service_start + v.service, f"visit {v.id}"))
            free_t = st.service_start + st.service
        max_v = shift.max_visits if shift.max_visits is not None else team.max_visits
        if max_v is not None and position > max_v:
            errs.append(f"{tag}: {position} visits > max {max_v}")
        for k, c in enumerate(team.capacity):
            if load[k] > c:
                errs.append(f"{tag}: load {load[k]} > capacity {c} (dimension {k})")
        # stays at the end place between two parts of the day (position steps there)
        at_base = [(st.arrival, st.service_start + st.service) for st in steps
                   if st.kind == "position" and st.location == end_loc]
        for b in range(len(shift.breaks)):
            bw = shift.breaks[b]
            latest = bw.window.end - bw.duration  # its latest start
            if b not in breaks_taken and (
                    steps[-1].arrival <= bw.window.start  # back before its window opens
                    or steps[0].service_start >= latest  # departs when it is too late
                    or any(a <= bw.window.start and e >= latest for a, e in at_base)):
                continue  # in the time at the base: no break on the route
            if breaks_taken.get(b, 0) != 1:
                errs.append(f"{tag}: break {b} taken {breaks_taken.get(b, 0)} times")
        busy.sort()
        for (a0, a1, an), (b0, b1, bn) in zip(busy, busy[1:], strict=False):
            if b0 < a1:
                errs.append(f"{tag}: {an} [{a0},{a1}] overlaps {bn} [{b0},{b1}]")
        times = [s.arrival for s in steps]
        if any(b < a for a, b in zip(times, times[1:], strict=False)):
            errs.append(f"{tag}: arrival times go backwards")
        if check_travel and r.travel != travel:
            errs.append(f"{tag}: reported travel {r.travel}, matrix says {travel}")
        if check_travel and dist is not None and r.distance != distance:
            errs.append(f"{tag}: reported distance {r.distance}, matrix says {distance}")
    unassigned = [u.visit for u in solution.unassigned]
    for u in unassigned:
        if u not in visits:
            errs.append(f"unassigned visit {u!r} unknown")
        if u in served:
            errs.append(f"visit {u} both served and unassigned")
    if len(set(unassigned)) != len(unassigned):
        errs.append("a visit is listed twice as unassigned")
    groups: dict[str, list[str]] = {}
    for vid in served:
        if (g := visits[vid].group) is not None:
            groups.setdefault(g, []).append(vid)
    for g, ids in sorted(groups.items()):
        if len(ids) > 1:
            errs.append(f"group {g!r}: {len(ids)} alternatives served ({sorted(ids)})")
    for u in unassigned:
        if u in visits and visits[u].group in groups:
            errs.append(f"visit {u} unassigned although its group {visits[u].group!r} "
                        "is served")
    missing = set(visits) - set(served) - set(unassigned)
    missing = {x for x in missing if visits[x].group not in groups}
    if missing:
        errs.append(f"visits neither served nor unassigned: {sorted(missing)[:10]}")
    return errs
