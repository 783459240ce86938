"""Solution -> plan: team-day routes with times and street geometry, unassigned visits.

The solver speaks absolute seconds over the span and location indices; this module turns
that back into dates, wall-clock times, places and case ids (:mod:`hausbesuch.plandata`).
Street-following geometry of each leg is computed here, once, and stored with the plan, so
that every view (maps, GPX, pages, exports) can be written again from the store alone.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from hausbesuch.care_of import without_own_name
from hausbesuch.plandata import PlannedStop, TeamDayRoute, UnassignedVisit
from hausbesuch.planning.builder import Built, Span
from hausbesuch.planning.options import DAY_S

__all__ = ["assemble_routes", "assemble_unassigned", "new_visit_id", "route_geometry",
           "with_way_back"]


def new_visit_id() -> str:
    """A new stable case-visit id (no client data in it)."""
    return "B" + uuid.uuid4().hex[:15]


def route_geometry(net: Any, points: Sequence[tuple[float, float]]
                   ) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Street-following polylines (lon, lat) of each leg between consecutive points."""
    from geodata.paths import route_legs

    return tuple(
        tuple((float(x), float(y)) for x, y in leg.coords) for leg in route_legs(net, list(points))
    )


def _clock(span: Span, day_index: int):  # type: ignore[no-untyped-def]
    day = span.date(day_index)
    midnight = datetime(day.year, day.month, day.day)

    def at(t: int) -> datetime:
        return midnight + timedelta(seconds=int(t) - day_index * DAY_S)

    return day, at


def assemble_routes(
    built: Built,
    solution: Any,
    span: Span,
    *,
    visit_ids: dict[str, str] | None = None,
    kept: dict[tuple[str, date], TeamDayRoute] | None = None,
) -> list[TeamDayRoute]:
    """Team-day routes of the solution, in the solver's order.

    ``visit_ids``: case-visit ids to keep (a re-plan); other visits get new ids.
    ``kept``: per (team, day), the part of an earlier route that stays as it was (visits
    before a re-plan's moment): the new stops follow it and the route is re-drawn.
    """
    visit_ids = dict(visit_ids or {})
    kept = dict(kept or {})
    team_by_id = {t.id: t for t in built.teams}
    ti_of = {t.id: i for i, t in enumerate(built.teams)}
    loc_of = {v.id: v.location for v in built.problem.visits}
    routes: list[TeamDayRoute] = []
    for route in solution.routes:
        team = team_by_id[route.team]
        day, at = _clock(span, route.day)
        ti = ti_of[team.id]
        start_loc = built.shift_start_loc.get((team.id, route.day), built.depot_loc[2 * ti])
        end_loc = built.depot_loc[2 * ti + 1]
        before = kept.pop((team.id, day), None)
        mode = built.mode_of[team.id]
        stops: list[PlannedStop] = (list(_kept_way_back(before, mode, built.places[end_loc]))
                                    if before else [])
        lunch = before.lunch if before else None
        # the kept stops keep their numbers (``position``); the new ones take, in their
        # order, the numbers left free (QA 28 F10; :attr:`TeamDayRoute.numbers`)
        free = (n for n in itertools.count(1) if n not in {s.position for s in stops})
        for st in route.steps:
            if st.kind == "job":
                c = built.candidates[st.visit]
                vid = visit_ids.get(c.id) or c.visit_id or new_visit_id()
                stops.append(PlannedStop(
                    client_id=c.id, position=next(free), arrival=at(st.arrival),
                    start=at(st.service_start), end=at(st.service_start + st.service),
                    lon=float(c.geocode.lon), lat=float(c.geocode.lat),  # type: ignore[arg-type]
                    # never the client's own name, also on the route page
                    address=without_own_name(c.client, c.geocode), district=c.geocode.district,
                    window_text=c.window_text, notiz=c.client.notiz or "",
                    visit_id=vid, tries_before=c.tries_before,
                    sprache=c.client.sprache, angekuendigt_ab=c.client.angekuendigt_ab,
                    failed_before=c.failed_before, agreed_on=c.agreed_on,
                    way_back_s=way_back_s(built, mode, loc_of[c.id], end_loc),
                ))
            elif st.kind == "break":
                lunch = (at(st.service_start), at(st.service_start + st.service))
        net = built.nets[mode]
        first = before.start_lonlat if before else built.places[start_loc]
        pts = [first, *[(s.lon, s.lat) for s in stops], built.places[end_loc]]
        travel, distance = int(route.travel), int(route.distance)
        if before:
            travel += before.travel_s
            distance += before.distance_m
        routes.append(TeamDayRoute(
            team_id=team.id, team_label=team.label, day=day, mode=net.mode,
            start_lonlat=first, end_lonlat=built.places[end_loc],
            start_label=before.start_label if before else built.labels[start_loc],
            depart=before.depart if before else at(route.steps[0].service_start),
            return_=at(route.steps[-1].arrival),
            stops=tuple(stops), travel_s=travel, distance_m=distance,
            service_s=int(route.service) + (before.service_s if before else 0),
            waiting_s=int(route.waiting) + (before.waiting_s if before else 0),
            lunch=lunch, legs=route_geometry(net, pts),
        ))
    for before in kept.values():  # kept parts the solver gave nothing more to do
        if before.stops:
            routes.append(with_way_back(built, before) if before.ends_open else before)
    return routes


def way_back_s(built: Built, mode: str, loc: int, end_loc: int) -> int | None:
    """Seconds from location ``loc`` to the team's end point ``end_loc`` by ``mode``, as
    the solver counts the way (its travel-time matrix): what an appointment agreed at
    that door must leave room for before the shift ends (QA 37 #1, stored with each stop:
    :attr:`PlannedStop.way_back_s`). None without a path."""
    from routing.model import UNREACHABLE

    seconds = built.problem.duration(mode, loc, end_loc)
    return seconds if 0 <= seconds < UNREACHABLE else None


def _kept_way_back(route: TeamDayRoute, mode: str, end: tuple[float, float]
                   ) -> tuple[PlannedStop, ...]:
    """The stops a re-plan keeps of ``route``, each with its stored way back while the
    team still travels by ``mode`` and ends at ``end`` (the way was counted to that point);
    without it otherwise (the check then falls back to the route's times)."""
    if route.mode == mode and tuple(route.end_lonlat) == tuple(end):
        return route.stops
    return tuple(replace(s, way_back_s=None) for s in route.stops)


def last_begun(stops: Sequence[PlannedStop]) -> PlannedStop:
    """The stop of a re-plan's kept visits the team began last (the latest start; of two
    alike, the later in the list): where it is and from when it goes on. The kept visits
    stand in the order of the version re-planned, which keeps their numbers (a visit done
    out of that order, before its planned time, is kept at the time it took place)."""
    return max(enumerate(stops), key=lambda k_st: (k_st[1].start, k_st[0]))[1]


def with_way_back(built: Built, route: TeamDayRoute) -> TeamDayRoute:
    """A route cut by a re-plan (its first visits kept, nothing after them: the team is
    removed for the rest of the day, or the solver gave it nothing more) with its way back
    from the last visit to the team's end point, as the solver would count it: the travel
    time of the same street network and matrix (QA 19d #1: before, its return was the end
    of the last visit). Without a path the route stays open (its pages say that the tour
    ends after the last visit, no time)."""
    from geodata.matrix import UNREACHABLE, travel_matrix

    ti = next((i for i, t in enumerate(built.teams) if t.id == route.team_id), None)
    net = built.nets.get(built.mode_of.get(route.team_id, route.mode))
    if ti is None or net is None:
        return route
    last = last_begun(route.stops)
    k = route.stops.index(last)
    end = built.places[built.depot_loc[2 * ti + 1]]
    # every kept stop's way back (stored with it, QA 37 #1), the last one's is the route's
    tm = travel_matrix(net, [s.lon for s in route.stops], [s.lat for s in route.stops],
                       targets=([end[0]], [end[1]]), distances=True)
    travel = int(tm.durations[k, 0])
    if travel == UNREACHABLE or travel < 0:
        return route
    distance = int(tm.distances[k, 0]) if tm.distances is not None else 0
    back = [int(t) if t >= 0 else None for t in tm.durations[:, 0]]
    legs = route.legs
    if len(legs) == len(route.stops):  # the legs to the visits: the one home follows
        legs = (*legs, *route_geometry(net, [(last.lon, last.lat), end]))
    # a lunch break kept after the last visit (a moment after it) comes before the way back
    leave = max(last.end, route.lunch[1]) if route.lunch else last.end
    return replace(route, end_lonlat=end, return_=leave + timedelta(seconds=travel),
                   travel_s=route.travel_s + travel, distance_m=route.distance_m + distance,
                   legs=legs, stops=tuple(replace(s, way_back_s=b)
                                          for s, b in zip(route.stops, back, strict=True)))


def language_reason(languages: Any, teams: Any, fix: str = "") -> str:
    """The reason of the solver's ``skill`` code in the words of the application, where a
    client's skills are the languages of the client list (QA 18b #12: „Kein Team hat die
    nötige Fähigkeit (Arabisch)“ called a language a skill and did not say what to do).
    ``fix``: where the teams get the language, as
    :func:`hausbesuch.planning.workflow._teams_fix` words it for this plan (QA 36 #11b:
    „Sprachen der Teams in ihrer Liste eintragen“ named neither the page „Teams“ nor
    the teams file); a plan's words follow „bitte“, a re-plan's are a sentence."""
    spoken = set().union(*(set(t.skills) for t in teams)) if teams else set()
    missing = sorted(set(languages) - spoken)
    what = (" und ".join(missing) if missing
            else f"{' und '.join(sorted(languages))} zugleich")
    cause = f"Kein Team spricht {what} (Sprache in der Kundenliste)"
    if not fix:
        return f"{cause}."
    return f"{cause}. {fix}." if fix[0].isupper() else f"{cause}; bitte {fix}."


def with_revisit_rule(why: str, note: str) -> str:
    """A window's reason ``why`` with the revisit rule that narrowed the windows
    (``note``, :attr:`Candidate.revisit_note`): a sentence of its own before the ways out
    („Bitte …“), else in parentheses at the end (before, it always came last, as if it
    belonged to the last way out: reason2 notes, session 37)."""
    rule = f"Regel für erneute Besuche: {note}"
    cause, ways, rest = why.partition(" Bitte ")
    if ways:
        return f"{cause} {rule}.{ways}{rest}"
    return f"{why.rstrip('.')} ({rule})."


def assemble_unassigned(built: Built, solution: Any, *,
                        teams_fix: str = "") -> list[UnassignedVisit]:
    """The solver's unassigned visits with their reasons (German); ``teams_fix``: how the
    teams get a language none speaks (:func:`language_reason`)."""
    out = []
    for u in solution.unassigned:
        c = built.candidates[u.visit]
        why = (language_reason(c.client.sprache, built.teams, teams_fix)
               if u.code == "skill" and c.client.sprache else u.reason)
        if u.code == "time_window" and c.revisit_note:
            # the windows the solver could not serve are narrowed by the revisit rule
            why = with_revisit_rule(why, c.revisit_note)
        reason = f"{c.pin_note} nicht einplanbar: {why}" if c.pin_note else why
        out.append(UnassignedVisit(c.id, u.code, reason, c.geocode.lon, c.geocode.lat,
                                   c.client.address, c.geocode.district,
                                   tries_before=c.tries_before))
    return out


def renumber(route: TeamDayRoute) -> TeamDayRoute:
    """Positions 1..n in the order of the stops."""
    return replace(route, stops=tuple(replace(s, position=i + 1)
                                      for i, s in enumerate(route.stops)))
