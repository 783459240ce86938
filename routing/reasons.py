"""Why was a visit left out? Reasons derived by checking the constraints one by one.

Codes (checked in this order; the first that holds is reported):

``skill``
    No team has all the skills the visit needs.
``district``
    No team (with the skills) is responsible for the visit's district (hard rule), or
    none of the teams working on the allowed days is (their names are given).
``capacity``
    The visit's amount exceeds every team's capacity; or the teams working on the
    allowed days are too small; or (checked last) the load of every route that could
    take the visit leaves no room for its amount.
``no_shift``
    No team that has the skills works on a day the visit is allowed on (or the allowed
    days lie after the span); when teams do work then, each one's reason is given.
``pin_conflict``
    Two pins contradict each other (two visits fixed to one route position, a visit in
    two frozen prefixes, a pin against the frozen prefix it is in).
``pin``
    The pin (team/day/position/time) cannot hold: the team does not exist; the day lies
    outside the visit's range; the team lacks a skill, is not responsible for the
    district (hard rule), is too small for the amount, has no shift that day (or was
    taken out, :attr:`Problem.absent`) or makes fewer visits than the position; the time
    lies outside the visit's windows; or the pinned visit does not fit there with the
    other pins. Each team-day the pin names is checked and its reason given.
``max_visits``
    Every shift that could take the visit allows no visit at all (``max_visits`` /
    VROOM's ``max_tasks`` is 0).
``unreachable``
    The place cannot be reached from (or left back to) the start/end of any shift that
    could take the visit (the matrix marks the leg unreachable).
``time_window``
    Even alone on a route, the visit cannot be served in any of its time windows: the
    way there and back, the service and the break do not fit into any shift. Or (checked
    with ``days_full``, before it) on every team-day that could take it a planned visit
    with time windows holds its time: the two fit in neither order; that visit is named,
    with its priority against this one's (or as pinned). When the windows lie on days on
    which no team that may take the visit has a shift (absent, taken out, a day it does
    not work), that is the reason, with what to do (another window, the teams, how the
    team-days come back: :attr:`Problem.absent_undo`); such days among others are named
    after the reason above.
``days_full``
    The visit fits a shift on its own, but it was tried at every position of every route
    that could take it and fits none without leaving out a planned visit; planned visits
    of lower priority were tried as swaps as well. The text says whether working time,
    the most visits per route or (mixed with working time) capacity is used up.
``not_checked``
    The time limit ran out before the visit could be tried in every route.

When only some teams may take the visit at all (its skills, its district under hard
responsibility, its amount: :func:`routing.model.rules_out`), a reason found among them
(``no_shift``, ``max_visits``, ``unreachable``, ``time_window``, ``days_full``, the
late ``capacity``) says so: „(nur Team nord hat die nötige Fähigkeit: arabisch)“, or in
the words of :attr:`Problem.skill_verb` „(nur Team nord spricht Arabisch)“.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from routing.model import (
    DAY,
    Problem,
    Route,
    Team,
    TimeWindow,
    Unassigned,
    Vehicle,
    Visit,
    _clock,
    _hm,
    _pin_text,
    _window_text,
    day_name,
    reachable,
    rules_out,
)
from routing.schedule import schedule


def _range_text(first: int, last: int, problem: Problem) -> str:
    names = problem.day_names
    if first == last:
        return day_name(first, names)
    if names:
        return f"{day_name(first, names)} bis {day_name(last, names)}"
    return f"Tag {first + 1} bis {last + 1}"


def _days_text(v: Visit, problem: Problem) -> str:
    """The visit's allowed days, cut to the span where they reach into it."""
    first, last = v.earliest_day, v.latest_day
    if first >= problem.days:  # entirely after the span: as given
        if last is None:
            return f"ab {day_name(first, problem.day_names)}"
        return _range_text(first, last, problem)
    last = problem.days - 1 if last is None else min(last, problem.days - 1)
    return _range_text(first, last, problem)


def _on(d: int, problem: Problem) -> str:
    """ "an Tag 3" or "am Mi 09.12.2026" (with the problem's day names)."""
    return f"am {problem.day_names[d]}" if d < len(problem.day_names) else f"an Tag {d + 1}"


def _amount(a: Sequence[int]) -> str:
    return ", ".join(str(x) for x in a)


def _minutes(sec: int) -> str:
    return f"{sec} s" if sec < 60 else f"{round(sec / 60)} Min."


def _up(sec: int) -> int:
    """``sec`` rounded up to a whole minute (a time or a duration, in seconds)."""
    return -(-int(sec) // 60) * 60


def _district(visit: Visit) -> str:
    """„den Stadtteil Nord“; an empty name (QA 24 F8: „für den Stadtteil  zuständig“)
    reads „den leeren Stadtteil „““."""
    d = visit.district or ""
    return f"den Stadtteil {d}" if d.strip() else f"den leeren Stadtteil „{d}“"


def _team_says(problem: Problem, visit: Visit, t: Team) -> tuple[str, str] | None:
    """Why this team cannot take the visit on any day (skills, district under hard
    responsibility, capacity): (code, German sentence), or None."""
    code = rules_out(visit, t, problem.responsibility)
    if code == "skill":
        missing = ", ".join(sorted(visit.skills - t.skills))
        return ("skill", f"Team {t.id} hat die nötige Fähigkeit nicht ({missing}).")
    if code == "district":
        return ("district", f"Team {t.id} ist für {_district(visit)} nicht "
                            "zuständig (Zuständigkeit: hart).")
    if code == "capacity":
        return ("capacity", f"Die Menge des Besuchs ({_amount(visit.amount)}) übersteigt die "
                            f"Kapazität von Team {t.id} ({_amount(t.capacity) or 0}).")
    return None


def _teams_text(ids: Sequence[str]) -> str:
    """„Team nord“, „die Teams nord und süd“, „die Teams a, b und c“."""
    if len(ids) == 1:
        return f"Team {ids[0]}"
    return f"die Teams {', '.join(ids[:-1])} und {ids[-1]}"


def _only(problem: Problem, visit: Visit) -> str:
    """Which teams may take the visit at all, and what the others lack (its skills, its
    district under hard responsibility, the capacity for its amount: :func:`rules_out`),
    as words for a reason built from those teams only: „nur Team nord spricht Arabisch“
    (with :attr:`Problem.skill_verb`), „nur Team nord ist für den Stadtteil Nord
    zuständig“. QA 36 #6: a reason that named only the visits of the one team with the
    language left the coordinator puzzled by the other team's free days. "" when every
    team (or none) may take it."""
    teams = problem.teams
    codes = {t.id: rules_out(visit, t, problem.responsibility) for t in teams}
    able = [t.id for t in teams if codes[t.id] is None]
    if not able or len(able) == len(teams):
        return ""
    one = len(able) == 1
    kept = {c for c in codes.values() if c is not None}
    if len(kept) > 1:  # the others lack different things: „nur Team nord spricht
        # Arabisch“ would be untrue of a team that speaks it in another district (review 36 #2)
        return f"nur {_teams_text(able)} {'kann' if one else 'können'} ihn übernehmen"
    parts = []
    if "skill" in kept:
        skills = sorted(visit.skills)
        if problem.skill_verb:
            verb = problem.skill_verb[0 if one else 1]
            parts.append(f"{verb} {' und '.join(skills)}")
        else:
            what = ("die nötige Fähigkeit" if len(skills) == 1
                    else "die nötigen Fähigkeiten")
            parts.append(f"{'hat' if one else 'haben'} {what}: {', '.join(skills)}")
    if "district" in kept:
        parts.append(f"{'ist' if one else 'sind'} für {_district(visit)} zuständig")
    if "capacity" in kept:
        parts.append(f"{'hat' if one else 'haben'} die Kapazität für die Menge "
                     f"{_amount(visit.amount)}")
    return f"nur {_teams_text(able)} " + " und ".join(parts)


def _and(words: Sequence[str]) -> str:
    """„a“, „a und b“, „a, b und c“."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} und {words[-1]}"


def _needs(problem: Problem, visit: Visit) -> str:
    """What a team must bring to take the visit, where some team lacks it (its skills,
    its district under hard responsibility, the capacity for its amount:
    :func:`rules_out`), as the end of a clause after „ein Team, das …“: „Arabisch
    spricht“ (with :attr:`Problem.skill_verb`), „für den Stadtteil Nord zuständig ist“;
    "" when every team may take it."""
    kept = {c for t in problem.teams
            if (c := rules_out(visit, t, problem.responsibility)) is not None}
    parts = []
    if "skill" in kept:
        skills = sorted(visit.skills)
        if problem.skill_verb:
            parts.append(f"{' und '.join(skills)} {problem.skill_verb[0]}")
        else:
            what = ("die nötige Fähigkeit" if len(skills) == 1
                    else "die nötigen Fähigkeiten")
            parts.append(f"{what} ({', '.join(skills)}) hat")
    if "district" in kept:
        parts.append(f"für {_district(visit)} zuständig ist")
    if "capacity" in kept:
        parts.append(f"die Kapazität für die Menge {_amount(visit.amount)} hat")
    return _and(parts) if parts else ""


def _off_days(problem: Problem, visit: Visit,
              vehicles: Sequence[Vehicle]) -> tuple[list[int], bool]:
    """The days of the visit's time windows (in the span, on its allowed days) on which
    no team that may take it (:func:`rules_out`) has a shift (absent, taken out by a
    re-plan, a day it does not work), and whether that is all of them."""
    able = {t.id for t in problem.teams if rules_out(visit, t, problem.responsibility) is None}
    days = sorted({d for w in visit.time_windows for d in range(w.start // DAY, w.end // DAY + 1)
                   if d < problem.days and visit.day_allowed(d)})
    worked = {veh.day for veh in vehicles if veh.team.id in able}
    off = [d for d in days if d not in worked]
    return off, bool(off) and len(off) == len(days)


def _off_text(problem: Problem, visit: Visit, off: Sequence[int], *,
              ways: bool) -> str:
    """QA 37 #2: the visit's time windows lie on the days ``off`` (:func:`_off_days`), on
    which no team that may take it has a shift; the reason said that the way, the visit
    and the break did not fit the working time, and the coordinator looked at shifts and
    travel times, not at the absence. Says so: the days, each team that may take the
    visit with why it has no shift then (:attr:`Problem.absent`, else that it does not
    work then), in the words of the ``no_shift`` reason; with ``ways`` what to do (another
    time window, teams that work then and may take the visit, the team-days back:
    :attr:`Problem.absent_undo`), else only how the team-days come back."""
    on = " oder ".join(_on(d, problem) for d in off)
    only = _only(problem, visit)
    who = ("kein Team, das den Besuch übernehmen kann," if only  # (named in it)
           else "kein Team mit den nötigen Fähigkeiten" if visit.skills else "kein Team")
    said: list[str] = []
    undo: list[str] = []
    plain: dict[tuple[int, ...], list[str]] = {}  # days without a reason -> teams
    for t in problem.teams:
        if rules_out(visit, t, problem.responsibility) is not None:
            continue
        days = []
        for d in off:
            if (why := problem.absent.get((t.id, d))) is not None:
                said.append(f"Team {t.id} {why}.")
                if (back := problem.absent_undo.get((t.id, d))) and back not in undo:
                    undo.append(back)
            else:
                days.append(d)
        if days:
            plain.setdefault(tuple(days), []).append(t.id)
    for days, ids in plain.items():
        them = _teams_text(ids)
        said.append(f"{them[0].upper()}{them[1:]} {'arbeitet' if len(ids) == 1 else 'arbeiten'} "
                    f"{_and([_on(d, problem) for d in days])} nicht.")
    head = (f"Das Zeitfenster liegt {on}; dann" if ways
            else f"{_on(off[0], problem)[0].upper()}{_on(off[0], problem)[1:]}"
            + "".join(f" oder {_on(d, problem)}" for d in off[1:]))
    text = (f"{head} hat {who} eine Schicht" + (f" ({only})" if ways and only else "")
            + (": " + " ".join(said) if said else "."))
    if not ways:
        return text + (f" Um den Besuch dann einzuplanen: {' oder '.join(undo)}." if undo else "")
    todo = ["ein anderes Zeitfenster vereinbaren"]
    if only or plain:  # a team that works then could take it (days off, skills, ...)
        need = _needs(problem, visit)
        todo.append("die Teams ändern (ein Team, das dann arbeitet"
                    + (f" und {need})" if need else ")"))
    return (f"{text} Bitte {' oder '.join(todo)}"
            + (f", oder {' oder '.join(undo)}" if undo else "") + ".")


def _pin_off_text(problem: Problem, teams: Sequence[str], days: Iterable[int]) -> str:
    """The end of a pin's reason whose time lies on ``days``, on which none of ``teams``
    (the teams that could reach it) works: „arbeitet Team A nicht.“; a team absent then
    says so in the absence's words (:attr:`Problem.absent`) and how it comes back
    (:attr:`Problem.absent_undo`), as the reason of a window on such days does
    (:func:`_off_text`; reason2 notes, session 37)."""
    days = sorted(days)
    said: list[str] = []
    undo: list[str] = []
    plain: list[str] = []
    for t in teams:
        whys = [problem.absent.get((t, d)) for d in days]
        if not all(whys):
            plain.append(t)
            continue
        said += [f"Team {t} {why}." for why in whys]
        undo += [back for d in days if (back := problem.absent_undo.get((t, d)))
                 and back not in undo]
    if not said:
        return (f"arbeitet Team {teams[0]} nicht." if len(teams) == 1
                else f"arbeitet keines der Teams ({', '.join(teams)}).")
    who = (f"hat Team {teams[0]} keine Schicht" if len(teams) == 1
           else f"hat keines der Teams ({', '.join(teams)}) eine Schicht")
    on = _and([_on(d, problem) for d in days])
    rest = (f" {_teams_text(plain)[0].upper()}{_teams_text(plain)[1:]} "
            f"{'arbeitet' if len(plain) == 1 else 'arbeiten'} {on} nicht." if plain else "")
    return (f"{who}: {' '.join(said)}{rest}"
            + (f" Um den Besuch dann einzuplanen: {' oder '.join(undo)}." if undo else ""))


def _with_only(text: str, only: str) -> str:
    """``text`` (a reason ending in a full stop) with ``only`` (:func:`_only`) in
    parentheses before its end."""
    if not only:
        return text
    return f"{text[:-1]} ({only})." if text.endswith(".") else f"{text} ({only})"


def _alone_why(problem: Problem, visit: Visit, veh: Vehicle) -> str | None:
    """Why the visit does not fit this team-day even alone, as one German sentence naming
    the shift's start or end or its break; None when no single cause is found."""
    t, sh = veh.team, veh.shift
    mode, names = t.mode, problem.day_names
    to = problem.duration(mode, veh.start, visit.location)
    back = problem.duration(mode, visit.location, veh.end)
    w0, w1 = sh.window.start, sh.window.end
    on = _on(veh.day, problem)

    def when(x: int) -> str:
        """A clock time in whole minutes (rounded up: not there before it)."""
        x = _up(x)
        return f"{_hm(x)} Uhr" if x // DAY == veh.day else f"{_clock(x, names)} Uhr"

    early, late = [], []
    for w in visit.time_windows or (TimeWindow(w0, max(w0, w1)),):
        if w.end < w0 and w.end // DAY < veh.day or w.start > w1 and w.start // DAY > veh.day:
            return (f"Die Uhrzeit liegt {_on(w.start // DAY, problem)}, die Schicht von Team "
                    f"{t.id} {on}.")
        first = max(w.start, w0 + to)
        if first > w.end:
            early.append(w)
        elif first + visit.service + back > w1:
            late.append(first)
        else:  # the time fits: then the break is what does not
            bare = replace(veh, shift=replace(sh, breaks=()))
            if sh.breaks and schedule(problem, bare, [visit], check_static=False) is not None:
                b = min(sh.breaks, key=lambda b: b.window.start)
                return (f"Mit der Pause von Team {t.id} ({_window_text(b.window, names, veh.day)}"
                        f", {_minutes(b.duration)}) passt der Besuch nicht in die Schicht "
                        f"{on}.")
            return None
    out = []
    if early:
        if all(w.end < w0 for w in early):
            out.append(f"Team {t.id} beginnt {on} erst um {_hm(w0)} Uhr.")
        else:
            # whole minutes that add up (QA 20a F6: „16:32:02 Uhr“ after a rounded way),
            # each rounded up: the time named is never before the true one
            out.append(f"Team {t.id} ist {on} nach Schichtbeginn ({_hm(w0)} Uhr) und "
                       f"{_up(to) // 60} Min. Anfahrt frühestens um {when(w0 + _up(to))} "
                       "dort.")
    if late:
        first = _up(min(late))
        service, way = _up(visit.service), _up(back)
        out.append(f"Team {t.id} arbeitet {on} bis {_hm(w1)} Uhr: Besuch ab {when(first)} "
                   f"({service // 60} Min.) und Rückweg ({way // 60} Min.) enden erst "
                   f"um {when(first + service + way)}.")
    return " ".join(out) or None


def _pinned_in(problem: Problem, route: Route, index: dict[str, int]) -> list[Visit]:
    return [problem.visits[index[x]] for x in route.visits if problem.visits[index[x]].pin]


def _clashes(visit: Visit, a: int, b: int) -> bool:
    """Every start the visit's windows allow puts its service over ``[a, b)`` (another
    visit's time): „zur selben Zeit“ holds. False for a visit without a time."""
    return bool(visit.time_windows) and all(
        w.end < b and w.start + visit.service > a for w in visit.time_windows)


def _blockers(problem: Problem, routes: Sequence[Route], visit: Visit,
              reach: Sequence[Vehicle], index: dict[str, int], *,
              pinned: bool = True, clash: list[bool] | None = None) -> list[str] | None:
    """The pinned visits (with ``pinned=False``: the planned visits with time windows or a
    pin) that take the visit's time on every team-day it could have: each one with the visit
    alone in the route fits in neither order. None when some team-day has no such visit
    (then no single other visit is the cause). Without ``pinned`` each is named with its
    priority against the visit's („höhere Priorität“), or as „fest eingeplant“. ``clash``
    gets, per visit named, whether the visit's own time overlaps it (:func:`_clashes`)."""
    by_vehicle = {r.vehicle: r for r in routes}
    names = problem.day_names
    found: list[str] = []
    for veh in reach:
        if schedule(problem, veh, [visit], check_static=False) is None:
            continue  # not even alone: no other visit is the cause here
        r = by_vehicle.get(veh.index)
        if r is None:
            return None
        here = []
        others = (_pinned_in(problem, r, index) if pinned else
                  [w for x in r.visits
                   if (w := problem.visits[index[x]]).time_windows or w.pin is not None])
        for w in others:
            if (schedule(problem, veh, [visit, w], check_static=False) is None
                    and schedule(problem, veh, [w, visit], check_static=False) is None):
                st = next(s for s in r.steps if s.visit == w.id)
                # in whole minutes (QA 20a F6), cut as the plan's report shows them
                # (``%H:%M``; QA 24 F8: the end rounded up read 14:36 where it says 14:35)
                span = TimeWindow(st.service_start // 60 * 60,
                                  (st.service_start + st.service) // 60 * 60)
                rank = "" if pinned else "; " + (
                    "fest eingeplant" if w.pin is not None else
                    "höhere Priorität" if w.priority > visit.priority else
                    "gleiche Priorität" if w.priority == visit.priority else
                    f"niedrigere Priorität: {w.priority} gegenüber {visit.priority}")
                here.append(f"{w.id} (Team {r.team}, {_window_text(span, names)}{rank})")
                if clash is not None:
                    clash.append(_clashes(visit, st.service_start,
                                          st.service_start + st.service))
        if not here:
            return None
        found += [h for h in here if h not in found]
    return found or None


def explain(
    problem: Problem,
    routes: Sequence[Route],
    visit: Visit,
    *,
    checked: bool = True,
    alone: Sequence[bool] | None = None,
    quick: bool = False,
    fits: Sequence[bool] | None = None,
    _vehicles: Sequence[Vehicle] | None = None,
    _index: dict[str, int] | None = None,
    _ids: dict[int, tuple[str, ...]] | None = None,
) -> tuple[str, str]:
    """Reason code and German sentence for one unassigned visit.

    ``alone[v]`` False proves the visit does not fit vehicle ``v`` even on an empty route,
    ``fits[v]`` False that it fits no position of ``v``'s route as it is (both from
    ``routing._lns.fit_matrix``); they spare the schedule. ``quick`` skips the checks
    that simulate a route (out of time): such a visit is ``not_checked``, unless ``fits``
    proves that no route that could take it has room (then the reason says what is used
    up, as when the visit was tried everywhere).
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
        return ("district", f"{who} für {_district(visit)} zuständig.")
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
        if visit.earliest_day >= problem.days:
            return ("no_shift",
                    f"Der erlaubte Zeitraum ({_days_text(visit, problem)}) liegt nach dem "
                    f"Planungszeitraum ({_range_text(0, problem.days - 1, problem)}).")
        days = _days_text(visit, problem)
        day_ok = [veh for veh in skilled if visit.day_allowed(veh.day)]
        says = [x for veh in day_ok if (x := _team_says(problem, visit, veh.team)) is not None]
        # the teams that may take it at all, when the others are left out (QA 36 #6)
        only = f" ({x})" if (x := _only(problem, visit)) else ""
        if says:  # teams work then, but are not responsible or too small
            code = says[0][0] if len({c for c, _ in says}) == 1 else "no_shift"
            texts = list(dict.fromkeys(t for _, t in says))
            return (code, f"Im erlaubten Zeitraum ({days}) kann kein Team den Besuch "
                          f"übernehmen{only}: " + " ".join(texts))
        who = ("kein Team, das den Besuch übernehmen kann," if only  # (named in it)
               else "kein Team mit den nötigen Fähigkeiten" if visit.skills else "kein Team")
        # the teams out on those days (taken out by a re-plan, absent): named, as the
        # pin's reason names them (QA 33c L5: „hat kein Team eine Schicht“ said nothing of
        # a team that would have worked then)
        able = {t.id for t in teams if visit.skills <= t.skills}
        gone = [f"Team {t} {why}." for (t, d), why in
                sorted(problem.absent.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                if t in able and visit.day_allowed(d)]
        return ("no_shift", f"Im erlaubten Zeitraum ({days}) hat {who} eine Schicht{only}"
                + (": " + " ".join(gone) if gone else "."))
    allowed = [veh for veh in in_days if problem.compatible(visit, veh)]
    if not allowed:
        return ("pin", _pin_reason(problem, visit))
    zero = [veh for veh in allowed if veh.max_visits == 0]
    allowed = [veh for veh in allowed if veh.max_visits != 0]
    if not allowed:
        said = [_limit_sentence(problem, veh) for veh in zero if _kept_before(veh)]
        if len(said) == len(zero):  # a re-plan: the visits kept have used up each day
            return ("max_visits", _with_only(" ".join(dict.fromkeys(said)),
                                             _only(problem, visit)))
        only = f" ({x})" if (x := _only(problem, visit)) else ""
        return (
            "max_visits",
            f"Die Schichten, die den Besuch übernehmen könnten{only}, erlauben keinen "
            "Besuch (Höchstzahl der Besuche 0, Feld 'max_tasks' bzw. 'max_visits').",
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
            _with_only("Der Ort ist über das Wegenetz nicht erreichbar: es gibt keinen Weg "
                       "vom Startpunkt der Teams dorthin oder von dort zurück.",
                       _only(problem, visit)),
        )
    # proven without simulating a route: no route that could take the visit has room
    no_room = fits is not None and not any(fits[veh.index] for veh in reach)
    if quick and not (no_room and visit.pin is None):
        return (
            "not_checked",
            "Der Besuch wurde in der verfügbaren Rechenzeit nicht eingeplant.",
        )
    alone_ok = False
    for veh in reach:
        if alone is not None and not alone[veh.index]:
            continue
        if quick:  # not proven not to fit alone: taken as fitting (the routes are full)
            alone_ok = True
            break
        # alone on the route; a position pin cannot be met alone unless it is 1
        if schedule(problem, veh, [visit], check_static=False) is not None:
            alone_ok = True
            break
    pin_text = _pin_text(visit.pin, problem.day_names) if visit.pin is not None else ""
    if not alone_ok:
        if visit.pin is not None:
            days = {d for w in visit.time_windows for d in range(w.start // DAY, w.end // DAY + 1)}
            near = [veh for veh in reach if not days or veh.day in days]
            teams = sorted({veh.team.id for veh in reach})
            if days and not near and not any(  # once, not per team-day (QA 33a F7)
                    veh.day in days for veh in problem.vehicles() if veh.team.id in teams):
                on = " oder ".join(_on(d, problem) for d in sorted(days))
                what = ("Die Uhrzeit liegt" if visit.pin.window is not None
                        else "Die Zeitfenster liegen")  # (a team's pin, the client's times)
                return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                               f"{what} {on}; dann " + _pin_off_text(problem, teams, days))
            near = near or reach
            whys = [_alone_why(problem, visit, veh) for veh in near]
            if all(whys):
                return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                               + " ".join(dict.fromkeys(w for w in whys if w)))
            return (
                "pin",
                f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                "Hin- und Rückweg, Besuchsdauer, Zeitfenster und Pause passen so in keine "
                "Schicht.",
            )
        if visit.time_windows:
            # the windows' days on which no team that may take the visit works (QA 37 #2)
            off, every = _off_days(problem, visit, vehicles)
            if every:
                return ("time_window", _off_text(problem, visit, off, ways=True))
            return (
                "time_window",
                _with_only("Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und "
                           "Rückweg, Besuchsdauer und Pause passen nicht in die Arbeitszeit.",
                           _only(problem, visit))
                + (" " + _off_text(problem, visit, off, ways=False) if off else ""),
            )
        return (
            "time_window",
            _with_only("Der Besuch passt mit Hin- und Rückweg, Besuchsdauer und Pause in "
                       "keine Schicht.", _only(problem, visit)),
        )
    idx = problem.visit_index() if _index is None else _index
    if visit.pin is not None and visit.pin.position is not None and visit.pin.position > 1:
        # (position 1 fits alone: the other pins of its route are the cause, below)
        p = visit.pin.position
        return ("pin", f"Die feste Position {p} ({pin_text}) lässt sich mit den übrigen "
                       "Vorgaben nicht einhalten: "
                       + _position_why(problem, visit, reach))
    if visit.pin is not None:
        clash: list[bool] = []
        blockers = _blockers(problem, routes, visit, reach, idx, clash=clash)
        if blockers:
            one = len(blockers) == 1
            if all(clash):
                return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                               f"zur selben Zeit {'ist Besuch' if one else 'sind die Besuche'} "
                               f"{', '.join(blockers)} fest eingeplant.")
            # a visit without a time, or one free to be before or after the other (QA 24
            # F8): no "same time", the two do not fit the shift in either order
            return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                           + (f"mit dem fest eingeplanten Besuch {blockers[0]} passt der "
                              "Besuch in keiner Reihenfolge in die Schicht." if one else
                              "mit keinem der fest eingeplanten Besuche "
                              f"{', '.join(blockers)} passt der Besuch in einer Reihenfolge "
                              "in die Schicht."))
        used = _used_up(problem, visit, reach, routes, idx)
        if used:
            return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich nicht einhalten: "
                           + " ".join(used))
        in_reach = {veh.index for veh in reach}
        pinned = [w.id for r in routes if r.vehicle in in_reach
                  for w in _pinned_in(problem, r, idx)]
        if pinned:
            return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich zusammen mit den "
                           f"festen Besuchen {', '.join(pinned)} nicht einhalten (Zeit, "
                           "Arbeitszeit, Pause).")
        return ("pin", f"Die feste Zuordnung ({pin_text}) lässt sich in den Touren nicht "
                       "mehr unterbringen (Zeit, Arbeitszeit, Pause).")
    if not (checked or no_room):
        return (
            "not_checked",
            "Der Besuch wurde in der verfügbaren Rechenzeit nicht eingeplant.",
        )
    allowed_ids = {veh.index for veh in reach}
    in_routes = [r for r in routes if r.vehicle in allowed_ids]
    ids_of = _ids if _ids is not None else {r.vehicle: r.visits for r in routes}
    prios = [problem.visits[idx[x]].priority for vi in allowed_ids for x in ids_of.get(vi, ())]
    if prios and min(prios) >= visit.priority:
        rank = ("; die eingeplanten Besuche der passenden Teams haben gleiche oder höhere "
                "Priorität.")
        tail = f"(Priorität {visit.priority}) passt in keine Tour mehr{rank}"
    else:
        tail = (f"(Priorität {visit.priority}) passt in keine Tour, ohne einen anderen "
                "eingeplanten Besuch zu verdrängen.")
    binds = {_what_binds(problem, visit, veh, in_routes, idx, ids_of.get(veh.index, ()))
             for veh in reach}
    if binds == {"time"} and visit.time_windows and not quick:
        # QA 20c S3: the day is not full, one planned visit holds the visit's time
        blockers = _blockers(problem, in_routes, visit, reach, idx, pinned=False)
        if blockers:
            one = len(blockers) == 1
            # (the teams named are those that may take the visit: what keeps the others
            # out said with them, QA 36 #6)
            return ("time_window", _with_only(
                "Das Zeitfenster überschneidet sich mit "
                f"{'dem Besuch' if one else 'den Besuchen'} {', '.join(blockers)}: "
                + ("die beiden Besuche lassen sich in keiner Reihenfolge nacheinander "
                   "einplanen." if one else "mit keinem von ihnen lässt sich der Besuch "
                   "in einer Reihenfolge nacheinander einplanen."), _only(problem, visit)))
    only = _only(problem, visit)
    if binds == {"capacity"}:
        return ("capacity", _with_only(
            "Die Kapazität der passenden Teams ist ausgeschöpft: der Besuch "
            f"(Menge {_amount(visit.amount)}, {tail[1:]}", only))
    if binds == {"max_visits"}:
        return ("days_full", _with_only("Die Touren der passenden Teams haben die Höchstzahl "
                                        f"der Besuche erreicht: der Besuch {tail}", only))
    if "capacity" in binds:
        return ("days_full", _with_only("Die Touren sind voll (Arbeitszeit oder Kapazität): "
                                        f"der Besuch {tail}", only))
    return ("days_full", _with_only(f"Die Tage sind voll: der Besuch {tail}", only))


def _what_binds(problem: Problem, visit: Visit, veh: Vehicle, routes: Sequence[Route],
                index: dict[str, int], ids: Sequence[str] | None = None) -> str:
    """What a team-day has used up for the visit: its capacity ("capacity", the visit's
    amount no longer fits the load), its number of visits ("max_visits") or else "time".
    ``ids``: the visits of the team-day's route, when known (else found in ``routes``)."""
    if ids is None:
        r = next((r for r in routes if r.vehicle == veh.index), None)
        ids = r.visits if r is not None else ()
    cap = veh.team.capacity
    if visit.amount and cap:
        load = [0] * len(cap)
        for x in ids:
            for k, a in enumerate(problem.visits[index[x]].amount):
                load[k] += a
        if any(load[k] + a > cap[k] for k, a in enumerate(visit.amount) if k < len(cap)):
            return "capacity"
    if veh.max_visits is not None and len(ids) >= veh.max_visits:
        return "max_visits"
    return "time"


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def _kept_before(veh: Vehicle) -> int:
    """The visits a re-plan keeps on the team-day (begun before its moment, or done), as
    its shift says (``Shift.kept``); 0 for a shift whose own lower limit is just its limit
    (review 25: this was inferred from any shift limit below the team's)."""
    if veh.team.max_visits is None or veh.shift.max_visits is None:
        return 0
    return veh.shift.kept


def _limit_sentence(problem: Problem, veh: Vehicle, which: str | None = None) -> str:
    """The team's most visits of the day, used up by the visits a re-plan keeps (and by
    ``which``, those planned after them): a re-plan from 10:00 of a team that makes at
    most 4 visits a day and did 3 before then gives the rest of the day 1 (not 0, nor
    „höchstens 1 Besuch“ as though that were the team's limit)."""
    full, left, before = veh.team.max_visits, veh.max_visits, _kept_before(veh)
    assert full is not None and left is not None
    head = (f"Team {veh.team.id} macht {_on(veh.day, problem)} höchstens {full} "
            f"{'Besuch' if full == 1 else 'Besuche'}; "
            f"{before} davon {'lag' if before == 1 else 'lagen'} vor dem Zeitpunkt der "
            f"Neuplanung oder {'ist' if before == 1 else 'sind'} schon erledigt")
    if not left or which is None:
        return head + "."
    return (head + f", {'der übrige ist' if left == 1 else f'die übrigen {left} sind'} "
            f"schon {which}.")


def _used_up(problem: Problem, visit: Visit, reach: Sequence[Vehicle],
             routes: Sequence[Route], index: dict[str, int]) -> list[str]:
    """Why a pinned visit that fits its team-days alone is left out, when on every one of
    them the route has reached its most visits or its capacity (QA 24 F3: before, such a
    pin was blamed on „Zeit, Arbeitszeit, Pause“): one sentence per team-day, naming the
    limit and the visits that use it up. Empty when time (or a mix) is what binds."""
    by_vehicle = {r.vehicle: r for r in routes}
    out: list[str] = []
    for veh in reach:
        r = by_vehicle.get(veh.index)
        ids = list(r.visits) if r is not None else []
        binds = _what_binds(problem, visit, veh, routes, index)
        if binds == "time":
            return []
        t, on = veh.team.id, _on(veh.day, problem)
        pinned = all(problem.visits[index[x]].pin is not None for x in ids)
        which = (f"fest eingeplant: {_ids(ids)}" if pinned else f"eingeplant: {_ids(ids)}")
        if binds == "max_visits" and _kept_before(veh):
            sentence = _limit_sentence(problem, veh, which)
        elif binds == "max_visits":
            n = veh.max_visits
            sentence = (f"Team {t} macht {on} höchstens {n} "
                        f"{'Besuch' if n == 1 else 'Besuche'}, "
                        f"{'er ist' if n == 1 else 'so viele sind'} schon {which}.")
        else:
            cap = veh.team.capacity
            load = [0] * len(cap)
            for x in ids:
                for k, a in enumerate(problem.visits[index[x]].amount[:len(load)]):
                    load[k] += a
            sentence = (f"Die Kapazität von Team {t} ({_amount(cap)}) ist {on} mit "
                        f"{_amount(load)} ausgeschöpft ({which}); der Besuch braucht "
                        f"{_amount(visit.amount)}.")
        if sentence not in out:
            out.append(sentence)
    return out


def _position_why(problem: Problem, visit: Visit, reach: Sequence[Vehicle]) -> str:
    """Why a visit fixed to route position ``p`` fails although it fits a shift alone
    (QA 24 F4: before, always „davor müssten 1 andere Besuche passen“, also when position 1
    was held). Per team-day: the visits fixed to the positions before it break the
    capacity or leave no time for it; or some positions before it are free, and too few
    other visits could fill them."""
    assert visit.pin is not None and visit.pin.position is not None
    p = visit.pin.position
    assert p > 1
    names = problem.day_names
    out: list[str] = []
    for veh in reach:
        t, on = veh.team.id, _on(veh.day, problem)
        held: dict[int, Visit] = {}
        for w in problem.visits:
            q = w.pin
            if (w.id != visit.id and w.id not in problem.conflicts and q is not None
                    and q.position is not None and q.position < p
                    and q.team == t and q.day == veh.day):
                held[q.position] = w
        free = p - 1 - len(held)
        if free == 0:
            before = [held[k] for k in range(1, p)]
            ids = _ids([w.id for w in before])
            where = f"Position 1 bis {p - 1}" if p > 2 else "Position 1"
            them = (f"dem festen Besuch {ids} ({where})" if p == 2 else
                    f"den festen Besuchen {ids} ({where})")
            cap = veh.team.capacity
            load = [0] * len(cap)
            for w in (*before, visit):
                for k, a in enumerate(w.amount):
                    if k < len(load):
                        load[k] += a
            if visit.amount and any(load[k] > c for k, c in enumerate(cap)):
                sentence = (f"Mit {them} braucht die Tour von Team {t} {on} die Menge "
                            f"{_amount(load)}, die Kapazität ist {_amount(cap)}.")
            elif schedule(problem, veh, [*before, visit], check_static=False) is None:
                r = schedule(problem, veh, before, check_static=False)
                if r is None:
                    sentence = ((f"Schon der feste Besuch {ids} ({where}) passt" if p == 2
                                 else f"Schon die festen Besuche {ids} ({where}) passen")
                                + f" nicht in die Schicht von Team {t} {on}.")
                else:
                    st = next(s for s in r.steps if s.visit == before[-1].id)
                    end = st.service_start + st.service
                    last = before[-1]
                    arrive = end + problem.duration(veh.team.mode, last.location,
                                                    visit.location)
                    done = TimeWindow(st.service_start // 60 * 60, end // 60 * 60)
                    after = (f"Nach Besuch {last.id} (Position {p - 1}, Team {t}, "
                             f"{_window_text(done, names)})")
                    if visit.time_windows and arrive > max(w.end for w in visit.time_windows):
                        times = ", ".join(_window_text(w, names, veh.day)
                                          for w in visit.time_windows)
                        sentence = f"{after} ist die Uhrzeit des Besuchs ({times}) vorbei."
                    else:
                        sentence = (f"{after} passt der Besuch nicht mehr in die Schicht "
                                    "(Arbeitszeit, Pause).")
            else:
                sentence = (f"Mit {them} und den übrigen festen Besuchen der Tour von Team "
                            f"{t} {on} passt der Besuch nicht (Zeit, Arbeitszeit, Pause).")
        else:
            mine = {w.id for w in held.values()}
            others = [w for w in problem.visits
                      if w.id != visit.id and w.id not in problem.conflicts
                      and w.id not in mine and problem.compatible(w, veh)
                      and (w.pin is None or w.pin.position is None or w.pin.position < p)]
            some = ("ein anderer Besuch" if free == 1 else f"{free} andere Besuche")
            more = " noch" if held else ""
            sentence = (f"Davor {'müsste' if free == 1 else 'müssten'}{more} {some} in die "
                        f"Tour von Team {t} {on} passen")
            if len(others) < free:
                sentence += (", es kommt aber kein anderer Besuch dafür in Frage" if not others
                             else ", dafür kommt aber nur einer in Frage" if len(others) == 1
                             else f", dafür kommen aber nur {len(others)} in Frage")
                sentence += " (Team, Tag, Fähigkeiten, feste Zuordnungen)."
            else:
                sentence += "."
        if sentence not in out:
            out.append(sentence)
    return " ".join(out)


def _pin_reason(problem: Problem, visit: Visit) -> str:
    """Which part of a pin rules out every shift, found by checking each team-day the pin
    names: the day range, the team's shifts (or why it has none: :attr:`Problem.absent`),
    skills, district (hard responsibility), capacity, the number of visits."""
    pin = visit.pin
    assert pin is not None
    names = problem.day_names
    text = f"Die feste Zuordnung ({_pin_text(pin, names)}) ist nicht möglich: "
    team = next((t for t in problem.teams if t.id == pin.team), None)
    if pin.day is not None and not visit.day_allowed(pin.day):
        return text + f"{day_name(pin.day, names)} liegt außerhalb des erlaubten Zeitraums " + (
            f"({_days_text(visit, problem)})."
        )
    said = _team_says(problem, visit, team) if team is not None else None
    if said is not None:  # on no day, whatever the shifts
        return text + said[1]
    named = [veh for veh in problem.vehicles()
             if (pin.team is None or veh.team.id == pin.team)
             and (pin.day is None or veh.day == pin.day) and visit.day_allowed(veh.day)]
    if not named:
        if pin.day is not None:
            gone = [(t, problem.absent.get((t, pin.day))) for t in
                    ([team.id] if team is not None else [t.id for t in problem.teams])]
            notes = [f"Team {t} {why}." for t, why in gone if why]
            if team is not None:
                return text + (notes[0] if notes else
                               f"Team {team.id} arbeitet {_on(pin.day, problem)} nicht.")
            return text + " ".join(notes or [f"{_on(pin.day, problem).capitalize()} arbeitet "
                                             "kein Team."])
        days = _days_text(visit, problem)
        last = problem.days - 1 if visit.latest_day is None else visit.latest_day
        notes = [f"Team {t} {why}." for (t, d), why in sorted(problem.absent.items())
                 if t == pin.team and visit.earliest_day <= d <= last]
        return text + (" ".join(notes) if notes else
                       f"Team {pin.team} hat im erlaubten Zeitraum ({days}) keine Schicht.")
    sentences: list[str] = []
    for veh in named:
        said = _team_says(problem, visit, veh.team)
        sentence = said[1] if said is not None else None
        if sentence is None and pin.position is not None and veh.max_visits is not None and (
            pin.position > veh.max_visits
        ):
            n = veh.max_visits
            sentence = (f"Team {veh.team.id} macht {_on(veh.day, problem)} höchstens {n} "
                        f"{'Besuch' if n == 1 else 'Besuche'}.")
        if sentence is not None and sentence not in sentences:
            sentences.append(sentence)
    if sentences:
        return text + " ".join(sentences)
    return text + "keine Schicht passt (Team, Tag, Fähigkeiten, erlaubte Tage, Kapazität)."


def explain_all(
    problem: Problem,
    routes: Sequence[Route],
    unassigned: Iterable[int],
    checked: Iterable[int] | None = None,
    *,
    alone: Any = None,
    deadline: float | None = None,
    arrays: Any = None,
) -> list[Unassigned]:
    """Reasons for all unassigned visit indices (``checked``: proven not to fit).

    ``alone``: optional bool matrix (unassigned visit in the given order x vehicle),
    False where the visit provably does not fit the vehicle alone; given (the compiled
    search is loaded), the same proof for the routes as they are is made here too, so
    that a visit no route has room for is told what is used up, also after ``deadline``
    (``time.monotonic()``), from when on only the checks without route simulation are
    made (QA 24 F5: on a big week nearly every left-out visit read „in der verfügbaren
    Rechenzeit nicht eingeplant“, though the routes were full). ``arrays``: those of
    ``routing._lns.fit_arrays`` when the caller has them (spares building them again).
    """
    chk = set(checked) if checked is not None else None
    vehicles = problem.vehicles()
    index = problem.visit_index()
    unassigned = list(unassigned)
    fits = None
    if alone is not None and unassigned:
        from routing._lns import fit_matrix

        lists: list[list[int]] = [[] for _ in vehicles]
        for r in routes:
            lists[r.vehicle] = [index[x] for x in r.visits]
        fits = fit_matrix(problem, vehicles, lists, unassigned, arrays)
    ids_of = {r.vehicle: r.visits for r in routes}
    out = []
    for q, i in enumerate(unassigned):
        v = problem.visits[i]
        code, text = explain(
            problem, routes, v, checked=chk is None or i in chk,
            alone=None if alone is None else alone[q],
            quick=deadline is not None and time.monotonic() > deadline,
            fits=None if fits is None else fits[q],
            _vehicles=vehicles, _index=index, _ids=ids_of,
        )
        out.append(Unassigned(v.id, code, text))
    return out
