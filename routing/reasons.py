"""Why was a visit left out? Reasons derived by checking the constraints one by one.

Codes (checked in this order; the first that holds is reported):

``skill``
    No team has all the skills the visit needs.
``district``
    No team (with the skills) is responsible for the visit's district (hard rule).
``capacity``
    The visit's amount exceeds every team's capacity.
``no_shift``
    No team that has the skills works on a day the visit is allowed on.
``pin_conflict``
    Two pins contradict each other (two visits fixed to one route position, a visit in
    two frozen prefixes, a pin against the frozen prefix it is in).
``pin``
    The pin (team/day/position/time) cannot hold: the team does not exist, lacks a skill
    or does not work that day, the day lies outside the visit's range, the time outside
    its windows, or the pinned visit does not fit there with the other pins.
``max_visits``
    Every shift that could take the visit allows no visit at all (``max_visits`` /
    VROOM's ``max_tasks`` is 0).
``unreachable``
    The place cannot be reached from (or left back to) the start/end of any shift that
    could take the visit (the matrix marks the leg unreachable).
``time_window``
    Even alone on a route, the visit cannot be served in any of its time windows: the
    way there and back, the service and the break do not fit into any shift.
``days_full``
    The visit fits a shift on its own, but it was tried at every position of every route
    that could take it and fits none without leaving out a planned visit; planned visits
    of lower priority were tried as swaps as well.
``not_checked``
    The time limit ran out before the visit could be tried in every route.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from routing.model import (
    Problem,
    Route,
    Unassigned,
    Vehicle,
    Visit,
    _pin_text,
    day_name,
    reachable,
)
from routing.schedule import schedule


def _days_text(v: Visit, problem: Problem) -> str:
    days, names = problem.days, problem.day_names
    last = v.latest_day if v.latest_day is not None else days - 1
    last = min(last, days - 1)
    if v.earliest_day == last:
        return day_name(v.earliest_day, names)
    if names:
        return f"{day_name(v.earliest_day, names)} bis {day_name(last, names)}"
    return f"Tag {v.earliest_day + 1} bis {last + 1}"


def _on(d: int, problem: Problem) -> str:
    """ "an Tag 3" or "am Mi 09.12.2026" (with the problem's day names)."""
    return f"am {problem.day_names[d]}" if d < len(problem.day_names) else f"an Tag {d + 1}"


def explain(
    problem: Problem,
    routes: Sequence[Route],
    visit: Visit,
    *,
    checked: bool = True,
    alone: Sequence[bool] | None = None,
    quick: bool = False,
    _vehicles: Sequence[Vehicle] | None = None,
    _index: dict[str, int] | None = None,
) -> tuple[str, str]:
    """Reason code and German sentence for one unassigned visit.

    ``alone[v]`` False proves the visit does not fit vehicle ``v`` even on an empty route
    (from ``routing._lns.fit_matrix``); it spares the schedule. ``quick`` skips the
    checks that simulate a route (out of time): such a visit is ``not_checked``.
    """
    vehicles = problem.vehicles() if _vehicles is None else _vehicles
    teams = problem.teams
    if visit.id in problem.conflicts:
        return problem.conflicts[visit.id]
    if not vehicles:
        return ("no_shift", "Im Planungszeitraum hat kein Team eine Schicht.")
    if not any(visit.skills <= t.skills for t in teams):
        have = set().union(*(t.skills for t in teams)) if teams else set()
        missing = sorted(visit.skills - have) or sorted(visit.skills)
        return (
            "skill",
            "Kein Team hat die nötige Fähigkeit ("
            + ", ".join(missing)
            + "), daher kann der Besuch nicht eingeplant werden.",
        )
    skilled = [veh for veh in vehicles if visit.skills <= veh.team.skills]
    if problem.responsibility == "hard" and skilled and all(
        problem.outside(visit, veh.team) for veh in skilled
    ):
        who = "Kein Team mit den nötigen Fähigkeiten ist" if visit.skills else "Kein Team ist"
        return ("district", f"{who} für den Stadtteil {visit.district} zuständig.")
    if visit.amount and not any(
        all(a <= (veh.team.capacity[k] if k < len(veh.team.capacity) else 0)
            for k, a in enumerate(visit.amount))
        for veh in skilled
    ):
        return ("capacity", "Die Menge des Besuchs übersteigt die Kapazität jedes Teams.")
    in_days = [
        veh for veh in skilled if problem.compatible(visit, veh, use_pin=False)
    ]
    if not in_days:
        who = "kein Team mit den nötigen Fähigkeiten" if visit.skills else "kein Team"
        return ("no_shift",
                f"Im erlaubten Zeitraum ({_days_text(visit, problem)}) hat {who} eine Schicht.")
    allowed = [veh for veh in in_days if problem.compatible(visit, veh)]
    if not allowed:
        return ("pin", _pin_reason(problem, visit))
    allowed = [veh for veh in allowed if veh.max_visits != 0]
    if not allowed:
        return (
            "max_visits",
            "Die Schichten, die den Besuch übernehmen könnten, erlauben keinen Besuch "
            "(Höchstzahl der Besuche 0, Feld 'max_tasks' bzw. 'max_visits').",
        )

    def leg_ok(veh) -> bool:
        mode = veh.team.mode
        to = problem.duration(mode, veh.start, visit.location)
        back = problem.duration(mode, visit.location, veh.end)
        return reachable(to) and reachable(back)

    reach = [veh for veh in allowed if leg_ok(veh)]
    if not reach:
        return (
            "unreachable",
            "Der Ort ist über das Wegenetz nicht erreichbar: es gibt keinen Weg vom "
            "Startpunkt der Teams dorthin oder von dort zurück.",
        )
    if quick:
        return (
            "not_checked",
            "Der Besuch wurde in der verfügbaren Rechenzeit nicht eingeplant.",
        )
    alone_ok = False
    for veh in reach:
        if alone is not None and not alone[veh.index]:
            continue
        # alone on the route; a position pin cannot be met alone unless it is 1
        if schedule(problem, veh, [visit], check_static=False) is not None:
            alone_ok = True
            break
    if not alone_ok:
        if visit.pin is not None:
            return (
                "pin",
                f"Die feste Zuordnung ({_pin_text(visit.pin, problem.day_names)}) lässt sich nicht einhalten: "
                "Hin- und Rückweg, Besuchsdauer, Zeitfenster und Pause passen so in keine "
                "Schicht.",
            )
        if visit.time_windows:
            return (
                "time_window",
                "Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
                "Besuchsdauer und Pause passen nicht in die Arbeitszeit.",
            )
        return (
            "time_window",
            "Der Besuch passt mit Hin- und Rückweg, Besuchsdauer und Pause in keine "
            "Schicht.",
        )
    if visit.pin is not None and visit.pin.position is not None:
        p = visit.pin.position
        return (
            "pin",
            f"Die feste Position {p} ({_pin_text(visit.pin, problem.day_names)}) lässt sich mit den übrigen "
            f"Vorgaben nicht einhalten: davor müssten {p - 1} andere Besuche passen.",
        )
    if visit.pin is not None:
        return (
            "pin",
            f"Die feste Zuordnung ({_pin_text(visit.pin, problem.day_names)}) lässt sich zusammen mit den "
            "anderen festen Besuchen nicht einhalten (Zeit, Arbeitszeit, Pause).",
        )
    if not checked:
        return (
            "not_checked",
            "Der Besuch wurde in der verfügbaren Rechenzeit nicht eingeplant.",
        )
    allowed_ids = {veh.index for veh in reach}
    in_routes = [r for r in routes if r.vehicle in allowed_ids]
    idx = problem.visit_index() if _index is None else _index
    prios = [problem.visits[idx[x]].priority for r in in_routes for x in r.visits]
    if prios and min(prios) >= visit.priority:
        return (
            "days_full",
            f"Die Tage sind voll: der Besuch (Priorität {visit.priority}) passt in keine "
            "Tour mehr; die eingeplanten Besuche der passenden Teams haben gleiche oder "
            "höhere Priorität.",
        )
    return (
        "days_full",
        f"Die Tage sind voll: der Besuch (Priorität {visit.priority}) passt in keine Tour, "
        "ohne einen anderen eingeplanten Besuch zu verdrängen.",
    )


def _pin_reason(problem: Problem, visit: Visit) -> str:
    """Which part of a pin rules out every shift (team, day range, skills, max visits)."""
    pin = visit.pin
    assert pin is not None
    text = f"Die feste Zuordnung ({_pin_text(pin, problem.day_names)}) ist nicht möglich: "
    team = next((t for t in problem.teams if t.id == pin.team), None)
    if pin.day is not None and not visit.day_allowed(pin.day):
        return text + f"{day_name(pin.day, problem.day_names)} liegt außerhalb des erlaubten Zeitraums " + (
            f"({_days_text(visit, problem)})."
        )
    if team is not None and not visit.skills <= team.skills:
        missing = ", ".join(sorted(visit.skills - team.skills))
        return text + f"Team {team.id} hat die nötige Fähigkeit nicht ({missing})."
    if team is not None and pin.day is not None and all(s.day != pin.day for s in team.shifts):
        why = problem.absent.get((team.id, pin.day))  # e.g. taken out by a re-plan
        return text + f"Team {team.id} {why or f'arbeitet {_on(pin.day, problem)} nicht'}."
    if team is not None and pin.position is not None and team.max_visits is not None and (
        pin.position > team.max_visits
    ):
        return text + f"Team {team.id} macht höchstens {team.max_visits} Besuche am Tag."
    return text + "keine Schicht passt (Team, Tag, Fähigkeiten, erlaubte Tage, Kapazität)."


def explain_all(
    problem: Problem,
    routes: Sequence[Route],
    unassigned: Iterable[int],
    checked: Iterable[int] | None = None,
    *,
    alone: Any = None,
    deadline: float | None = None,
) -> list[Unassigned]:
    """Reasons for all unassigned visit indices (``checked``: proven not to fit).

    ``alone``: optional bool matrix (unassigned visit in the given order x vehicle),
    False where the visit provably does not fit the vehicle alone. After ``deadline``
    (``time.monotonic()``) only the checks without route simulation are made.
    """
    chk = set(checked) if checked is not None else None
    vehicles = problem.vehicles()
    index = problem.visit_index()
    out = []
    for q, i in enumerate(unassigned):
        v = problem.visits[i]
        code, text = explain(
            problem, routes, v, checked=chk is None or i in chk,
            alone=None if alone is None else alone[q],
            quick=deadline is not None and time.monotonic() > deadline,
            _vehicles=vehicles, _index=index,
        )
        out.append(Unassigned(v.id, code, text))
    return out
