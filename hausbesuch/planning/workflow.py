"""Plans as runs over the store: plan a span, re-plan from a moment, show a stored plan.

:func:`plan_span` is what ``hausbesuch plan`` runs: optionally import a list first, then plan
the open backlog of the store (clients in status ``offen`` with no visit already planned
in the span; pins kept; the directives of recorded outcomes applied). Every client
considered ends up in exactly one of three places, so nothing is lost:

- ``geplant``: in a team-day route (team, day, position, times);
- ``nicht_eingeplant``: a client the span could not hold, with a German reason;
- ``abgelehnt``: a row that cannot be planned as it is (bad field, address not found).

The plan, its case visits (stable ids) and the audit rows are written in one transaction;
the files are views of the stored plan (:func:`write_plan_files`, ``hausbesuch show``).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from hausbesuch import athome, clock
from hausbesuch.caseids import id_key
from hausbesuch.casework import CaseState, Casework
from hausbesuch.casework.rules import STATUS_LABELS, Directive
from hausbesuch.casework.service import same_person_notes
from hausbesuch.config import (
    Profile,
    district_options,
    profile_ref,
    resolve_osm,
)
from hausbesuch.errors import CasesRefused, UserError
from hausbesuch.fields import count, format_clock, format_day, format_days, format_moment
from hausbesuch.othercities import other_cities_hint
from hausbesuch.plandata import (
    OUTSIDE,
    Client,
    Geocode,
    Plan,
    PlannedStop,
    Rejected,
    TeamDayRoute,
    UnassignedVisit,
)
from hausbesuch.planning.assemble import (
    assemble_routes,
    assemble_unassigned,
    language_reason,
    last_begun,
)
from hausbesuch.planning.builder import (
    EARLY_LETTER_COST_S,
    Candidate,
    ShiftOverride,
    Span,
    VisitNeeds,
    after_letters,
    build_problem,
    depot_lonlat,
    district_rules,
    make_candidate,
    passed_pin,
    team_from_dict,
    team_to_dict,
)
from hausbesuch.planning.doors import door_split_notes
from hausbesuch.planning.options import PlanOptions, PlanResult, Progress, noop_progress
from hausbesuch.planning.report import (
    DISTRICT_NOTES,
    FREE_TEAM_DAYS_NOTE,
    LATE_LETTER_NOTE,
    LATE_LETTER_REPLAN_NOTE,
    SHORT_TIME_NOTE,
    district_note_test,
    free_team_days_note,
    late_letter_note,
    no_visit_note,
    report_rows,
    short_time_note,
    with_chances,
    write_report,
)
from hausbesuch.store import (
    CaseVisitRow,
    ChangeMarker,
    ClientRow,
    OutcomeRow,
    PlanRow,
    Store,
    UnassignedRow,
    VisitRow,
    lock_changes,
)
from hausbesuch.teams import from_midnight, plan_shift, team_day_off

__all__ = ["plan_span", "replan", "save_plan_and_visits", "show_plan", "write_plan_files"]


def _suggestion_text(s: Any) -> str:
    return s if isinstance(s, str) else str(getattr(s, "match", None) or s)


def _run_solver(problem: Any, options: PlanOptions, say: Progress,
                initial: dict[tuple[str, int], list[str]] | None = None) -> Any:
    """Solve with the compiled improvement phase ready (compiled once per installation)."""
    from hausbesuch.planning import solver_process
    from routing import prepare, ready

    if not ready():
        say("Optimierer wird einmalig übersetzt (ca. 20 s)", 0.5)
    child = solver_process.current()  # a server's job: solve beside its process
    if child is None:
        prepare()  # load (or compile) the compiled search before the solver's clock starts
    say("Touren optimieren", 0.5)

    def progress(elapsed: float, _obj: Any) -> None:
        say(_solver_stage(elapsed, options.time_limit),
            0.5 + 0.4 * min(1.0, elapsed / options.time_limit))

    if child is not None:
        return child.solve(problem, time_limit=options.time_limit, seed=options.seed,
                           threads=options.threads, initial=initial, progress=progress)
    from routing.solve import solve

    return solve(problem, time_limit=options.time_limit, seed=options.seed,
                 threads=options.threads, initial=initial, progress=progress)


def _solver_stage(elapsed: float, limit: float) -> str:
    """The stage shown while the solver runs: seconds of its limit, then (the last
    rounds and the route timing take a moment beyond it) that it finishes; never „6 von
    4 s“."""
    if elapsed >= limit:
        return "Touren optimieren (abschließen)"
    return f"Touren optimieren ({min(int(elapsed), int(limit)):d} von {limit:.0f} s)"


def _districts(osm_path: Path, profile: Profile, districts_file: Any) -> Any:
    from geodata.districts import load_districts

    return load_districts(osm_path, **district_options(profile, districts_file))


def _district_notes(districts: Any) -> list[str]:
    """The districts' notes a plan's warnings carry: those on the coordinator's own
    district file (a file of another town: every client „außerhalb“) and those on the
    substitute districts (cells around place nodes: „Keine Bezirksgrenzen verfügbar: …
    Ersatzbezirke …“, approximate names the README promises a plan warns about, QA 32b
    F1); not those on complete OSM boundaries."""
    return list(districts.notes) if districts.source in ("file", "fallback") else []


def _carry_district_notes(params: dict[str, Any], districts: Any) -> None:
    """The districts' notes (:func:`_district_notes`) among a plan's warnings (``params``,
    before the plan is made of them) and listed apart (:data:`DISTRICT_NOTES`), so that
    every view of the plan, stored and shown again, puts them last
    (:func:`~hausbesuch.planning.report.plan_notes`) whatever their words."""
    notes = _district_notes(districts)
    params.setdefault("warnings", []).extend(notes)
    params[DISTRICT_NOTES] = notes


def _keep_districts(store: Store, profile: Profile, districts: Any, actor: str) -> None:
    """The city's districts in the store as the plan used them (exports read them there)."""
    store.save_districts(profile.name, zip(districts.names, districts.geometries, strict=True),
                         source=districts.source, actor=actor, if_changed=True)


def _assign(districts: Any, located: dict[str, Any]) -> dict[str, str]:
    import numpy as np

    ids = [k for k, loc in located.items() if loc.plannable]
    if not ids:
        return {}
    lons = np.array([located[k].lon for k in ids], dtype=float)
    lats = np.array([located[k].lat for k in ids], dtype=float)
    return {k: str(n) for k, n in zip(ids, districts.assign(lons, lats), strict=True)}


def _pending(store: Store, city: str, span: Span, today: date
             ) -> tuple[dict[str, CaseVisitRow], dict[str, CaseVisitRow], list[CaseVisitRow]]:
    """Case visits still to do (``geplant``): (those in the span, by client; those before
    or after it from ``today`` on, by client: not yet due, their clients are not planned
    again (a week planned after the one that follows it must not book them twice); those
    before ``today`` and before the span that await their outcome, by day and team: the
    one rule of :func:`hausbesuch.casework.stops.visits_without_outcome`, as ``show``
    and the case page find them)."""
    from hausbesuch.casework.stops import visits_without_outcome

    with store.session() as s:
        rows = list(s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.city == city, CaseVisitRow.status == "geplant")
            .order_by(CaseVisitRow.day)))
        overdue = visits_without_outcome(
            s, city, through=min(today, span.start) - timedelta(days=1))
    ahead: dict[str, CaseVisitRow] = {}
    for r in rows:  # the first one of a client
        if r.day >= today and not span.start <= r.day <= span.last:
            ahead.setdefault(r.client_id, r)
    return ({r.client_id: r for r in rows if span.start <= r.day <= span.last},
            ahead, sorted(overdue, key=lambda v: (v.day, v.team_id, v.start_at, v.client_id)))


def _free_open(states: Iterable[CaseState], busy: Container[str]) -> list[CaseState]:
    """The cases a plan of a span takes as candidates: open, and no visit still to do in
    the span or from today on in any plan (``busy``: the keys of :func:`_pending`'s first
    two): one plan has a case at a time (no double booking)."""
    return [st for st in states if st.status == "offen" and st.client.id not in busy]


def _taken_up(cw: Casework, plan: Plan, span: Span,
              ids: Sequence[str] | None = None, pending: tuple | None = None
              ) -> list[CaseState]:
    """The open cases a re-plan of ``plan`` takes up although the plan does not know them
    (imported since, or re-opened; QA 22 F9): those a ``plan`` of its span would take
    (:func:`_free_open`), but not the plan's own (its routes, its lists of cases not
    planned or rejected: the re-plan keeps or looks at them as before). None once the
    span is over. ``ids``: only among these. ``pending``: :func:`_pending` of the span
    today, when read already."""
    today = cw.today()
    if span.last < today:
        return []
    in_span, ahead, _ = pending or _pending(cw.store, plan.city, span, today)
    known = ({st.client_id for r in plan.routes for st in r.stops}
             | {u.client_id for u in plan.unassigned} | {r.id for r in plan.rejected if r.id})
    return [st for st in _free_open(cw.states(ids), {**ahead, **in_span})
            if st.client.id not in known]


def open_cases_to_take_up(store: Store, profile: Profile, plan: Plan,
                          ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` (case ids) that the next re-plan of ``plan`` takes up although
    the plan does not know them (:func:`_taken_up`): the web's pin form accepts them."""
    cw = Casework(store, profile, actor="lesen")  # (reads only)
    span = Span(plan.start, plan.days, cw.calendar)
    return [st.client.id for st in _taken_up(cw, plan, span, ids)]


def revisits_waiting(store: Store, profile: Profile, plan: Plan
                     ) -> list[tuple[str, date, int | None, str, date]]:
    """The failed tries of ``plan`` (the newest version of its family) whose revisit only
    its next re-plan plans (as :func:`_replan` takes them up, QA 31): (case id, the try's
    day, its minute of the day or None, its result, the revisit's earliest day), by the
    try's day. Not a case with a visit still to do in the plan or from today in another,
    one pinned from today on (the re-plan plans the pin), one the plan lists as not
    planned (its revisit was looked at), nor one whose revisit may only come after the
    plan's days; none once they are over. The plan page lists them (closing notes 31: the
    coordination learnt of them nowhere before „Neu planen“)."""
    cw = Casework(store, profile, actor="lesen")  # (reads only)
    span = Span(plan.start, plan.days, cw.calendar)
    today = cw.today()
    ids = sorted({st.visit_id for r in plan.routes for st in r.stops if st.visit_id})
    if span.last < today or not ids:
        return []
    with store.session() as s:
        states = {v.visit_id: (v.client_id, v.status) for v in s.scalars(
            select(CaseVisitRow).where(CaseVisitRow.visit_id.in_(ids)))}
        tried = {vid: cid for vid, (cid, status) in states.items() if status == "erledigt"}
        busy = {cid for cid, status in states.values() if status == "geplant"}
        busy |= set(s.scalars(select(CaseVisitRow.client_id).where(
            CaseVisitRow.city == plan.city, CaseVisitRow.status == "geplant",
            CaseVisitRow.plan_id != plan.id, CaseVisitRow.day >= today,
            CaseVisitRow.client_id.in_(sorted(set(tried.values()))))))
        busy |= set(s.scalars(select(ClientRow.client_id).where(
            ClientRow.city == plan.city, ClientRow.pin_day >= today,
            ClientRow.pin_day <= span.last, ClientRow.client_id.in_(
                sorted(set(tried.values()))))))
        last = {}
        for o in s.scalars(select(OutcomeRow).where(OutcomeRow.visit_id.in_(sorted(tried)))
                           .order_by(OutcomeRow.day, OutcomeRow.time_min, OutcomeRow.id)):
            last[o.client_id] = o
    busy |= {u.client_id for u in plan.unassigned}
    due = _revisits_due(cw, span, set(tried.values()) - busy)
    return sorted(((cid, last[cid].day, last[cid].time_min, last[cid].result, d.earliest)
                   for cid, d in due.items()
                   if cid in last and d.earliest is not None and d.earliest <= span.last),
                  key=lambda w: (w[1], w[2] or 0, w[0]))


def _taken_up_unreported(overdue: Sequence[CaseVisitRow], ids: Sequence[str]) -> list[str]:
    """The note of a re-plan on the cases it took up (``ids``, :func:`_taken_up`) whose
    visit on a past day, in another plan, has no outcome yet (``overdue``: the third of
    :func:`_pending`): in ``plan``'s words (QA 41 F9: a later week's re-plan planned them
    again without the „Haben die Teams berichtet?“ the plans give; a team would ring at
    the same door twice)."""
    if not ids:
        return []
    from hausbesuch.casework.stops import no_outcome_note

    taken = set(ids)
    overdue = [v for v in overdue if v.client_id in taken]
    if not overdue:
        return []
    n = len({v.client_id for v in overdue})
    return [no_outcome_note(
        [(v.day, v.team_id, v.client_id, "") for v in overdue],
        how="(hausbesuch outcomes LISTE), am besten vor dem Planen",
        then=f"diese Neuplanung plant {'den Fall' if n == 1 else 'die Fälle'} erneut ein")]


def _taken_up_note(ids: Sequence[str]) -> list[str]:
    """The note of a re-plan that took up open cases its plan did not know (ids only)."""
    if not ids:
        return []
    n = len(ids)
    shown = ", ".join(ids[:10]) + (" …" if n > 10 else "")
    what = "offener Fall" if n == 1 else "offene Fälle"
    # (taken up as candidates: planned, or listed as not planned with the reason; review
    # 22 #13: the note alone read as "planned")
    return [f"{n} {what} seit dem Plan aufgenommen ({shown}): eingeplant oder mit Grund "
            "als nicht eingeplant aufgeführt."]


def _revisits_due(cw: Casework, span: Span, ids: Iterable[str]) -> dict[str, Directive]:
    """Those of ``ids`` (cases with a recorded visit in the plan a re-plan keeps) whose
    revisit the re-plan takes up (QA 31), with their directive: open, the last outcome a
    failed try below ``max_failed_tries`` (the directive names the earliest day; after the
    last allowed try the case is in Klärung and no longer open), no appointment agreed
    since. None once the span is over: the next plan takes them."""
    if span.last < cw.today() or not (ids := sorted(ids)):
        return {}
    return {st.client.id: st.directive for st in cw.states(ids)
            if st.status == "offen" and st.erased_at is None
            and st.directive.earliest is not None and st.directive.appointment is None}


def _revisits_note(placed: Iterable[tuple[str, date]]) -> str:
    """The note of a re-plan that planned revisits (:func:`_revisits_due`; case ids and
    days only): „2 Wiederholungsbesuche eingeplant (letzter Versuch ohne Kontakt):
    K-1 am Mi, 09.12.2026, K-2 am Do, 10.12.2026.“; "" for none. Made for its version
    only (:data:`_REMADE_NOTE`): in the next one they are visits as any other."""
    shown = sorted(set(placed), key=lambda p: (p[1], p[0]))
    if not shown:
        return ""
    what = ("Wiederholungsbesuch" if len(shown) == 1
            else f"{len(shown)} Wiederholungsbesuche")
    return (f"{what} eingeplant (letzter Versuch ohne Kontakt): "
            + ", ".join(f"{cid} am {format_day(day)}" for cid, day in shown) + ".")


def _revisit_reason(u: UnassignedVisit, d: Directive, span: Span) -> UnassignedVisit:
    """A revisit a re-plan cannot place says it is one, when it may come at the earliest,
    and that the case comes into the next plan (it stays open, without a visit ahead: the
    next ``plan`` takes it up; QA 31: „kein Arbeitstag nach …“ alone did not say that)."""
    assert d.earliest is not None
    when = format_day(d.earliest)
    if u.code == "revisit_rules_window":  # no plan takes it: not „kommt in den nächsten Plan“
        return replace(u, reason=f"Wiederholungsbesuch (frühestens {when}): {u.reason}")
    if d.earliest > span.last:
        reason = (f"Wiederholungsbesuch frühestens {when} – nach diesem Plan (bis "
                  f"{format_day(span.last)}); kommt in den nächsten Plan.")
    else:
        reason = (f"Wiederholungsbesuch (frühestens {when}) in diesem Plan nicht "
                  f"einplanbar: {u.reason.rstrip('.')}; kommt in den nächsten Plan.")
    return replace(u, reason=reason)


def _status_reason(st: CaseState) -> str:
    """Why a case that is not open is not planned ("Status „abgeschlossen“: …"), for the
    plan's outputs (report.csv, overview, plan view): the outcomes' own reason ("verzogen
    am …") when they set the status; a status set by hand says only that: the reason typed
    with it is free text (it may name a person) and stays with the case (``status``, the
    web app's case page). A case ``purge --absent-days`` closed says so: that reason is a
    fixed text without a name."""
    from hausbesuch.casework.service import absent_since

    reason = f"Status „{STATUS_LABELS[st.status]}“: wird nicht geplant"
    d = st.directive
    if d.by_outcomes and d.status == st.status and d.reason:
        return f"{reason} ({d.reason})."
    if st.status == "abgeschlossen" and (day := absent_since(st.client_status_reason)):
        return (f"{reason} (automatisch abgeschlossen: nicht mehr in der Kundenliste, "
                f"zuletzt am {format_day(day)}).")
    return f"{reason} (von Hand gesetzt; der Grund steht beim Fall)."


def _teams(profile: Profile, teams: Sequence[Any] | None, index: Any,
           store: Store | None = None) -> list[Any]:
    """The run's teams (the given ones, else the city's stored ones, else the profile's),
    every empty start/end at the depot."""
    if teams is None:
        from hausbesuch.team_store import base_teams
        from hausbesuch.teams import default_teams

        teams = base_teams(store, profile) if store is not None else default_teams(profile)
    depot = depot_lonlat(profile, index)
    return [t.with_depot(profile.depot.address, depot) for t in teams]


def _bound_size(candidates: list[Candidate], team_list: Sequence[Any], span: Span,
                profile: Profile, options: PlanOptions, unassigned: list[UnassignedVisit],
                warnings: list[str], absent: Container[tuple[str, int]] = ()
                ) -> list[Candidate]:
    """Warnings for the coordinator, and the candidates cut to what the span can hold
    before any matrix is allocated (see :mod:`hausbesuch.capacity`); public holidays and
    the team-days in ``absent`` (team id, day index) have no shift."""
    from hausbesuch import capacity as cap

    shortest = min((c.service_s // 60 for c in candidates), default=None)
    warnings += cap.team_warnings(team_list, profile.workday.visit_minutes, shortest)
    anchors = [t.start_lonlat for t in team_list if t.start_lonlat is not None]
    skip = {*absent, *((t.id, k) for t in team_list for k in range(span.days)
                       if not span.is_work(k))}
    bound = cap.visit_capacity(team_list, span.start, span.days,
                               [c.service_s / 60 for c in candidates], skip=skip)
    # Pinned visits (a Team/Datum from the list, an agreed appointment) are always kept;
    # the pre-selection chooses among the others for the room they leave.
    pinned = [c for c in candidates if c.pinned]
    free = [c for c in candidates if not c.pinned]
    lonlat = [(float(c.geocode.lon), float(c.geocode.lat)) for c in free]  # type: ignore[arg-type]
    sel = cap.preselect([c.priority for c in free], lonlat, anchors,
                        max(0, bound - len(pinned)))
    if sel.drop:
        reason = cap.over_capacity_reason(sel, span.days)
        for i in sel.drop:
            c = free[i]
            unassigned.append(UnassignedVisit(c.id, cap.OVER_CAPACITY, reason, c.geocode.lon,
                                              c.geocode.lat, c.client.address,
                                              c.geocode.district, tries_before=c.tries_before))
        keep = {id(free[i]) for i in sel.keep} | {id(c) for c in pinned}
        candidates = [c for c in candidates if id(c) in keep]  # input order kept
        warnings.append(
            f"{count(len(sel.drop), 'Kunde', 'Kunden')} über der Wochenkapazität nicht "
            "vorausgewählt: die Teams "
            f"schaffen im Zeitraum höchstens {bound} Besuche; geplant wurde unter den "
            f"{len(sel.keep)} dringendsten."
        )
    modes = {options.mode or t.mode for t in team_list}
    cap.check_matrix_memory(len(candidates) + 2 * len(team_list), len(modes))
    return candidates


def _team_spelling(c: Candidate, team_ids: set[str]) -> Candidate:
    """The candidate with its pinned team spelled as the team is (a list's ``TEAM-1`` is
    team ``team-1``: team ids, like case ids, are compared without regard to case)."""
    if not c.pin_team or c.pin_team in team_ids:
        return c
    same = [t for t in team_ids if t.casefold() == c.pin_team.casefold()]
    return replace(c, pin_team=same[0]) if len(same) == 1 else c


#: The codes of the reasons :func:`make_candidate` gives for a case left out for the
#: span's days or the client's windows (no working day left, a window on no possible day
#: or time, the revisit rule's half-days): a language no team speaks comes before them
#: (:func:`_spoken_by_none`). Not a pin, appointment or announced window (before, outside
#: or on a day off the span: the plan of that day takes it, or the coordinator moves it),
#: nor an announcement or revisit only after the span: those stay as they are.
DAYS_REASONS = frozenset({
    "no_working_day", "announced_no_working_day", "revisit_no_working_day",
    "no_day_after_replan", "window_before_replan", "window_outside_span", "revisit_rules",
    "revisit_rules_window"})


def _spoken_by_none(u: UnassignedVisit, client: Client, teams: Sequence[Any], *,
                    replan: bool, teams_file: bool) -> UnassignedVisit:
    """``u`` (a case :func:`make_candidate` leaves out) with the language reason instead
    when it was left out for its days or windows (:data:`DAYS_REASONS`) and no team of
    ``teams`` speaks the client's languages: the coordinator must change the teams first,
    and then the days do not matter (QA 36 #6: a plan with a holiday read „Das Zeitfenster
    „Mi vormittags“ liegt an keinem möglichen Tag …; kein Arbeitstag: Mi, 06.01.2027
    (Heilige Drei Könige …)“ for a Russian speaker no team could visit, and „Kein Team
    spricht Russisch“ was never said). Any other reason stays (review 36 #11: a pin or an
    appointment before the span was replaced too, and the coordinator no longer learnt
    that the plan of that day takes the visit). Its words on how the teams get the
    language are those of the solver's reason (:func:`_teams_fix`: ``replan``, the plan's
    ``teams_file``)."""
    needs = VisitNeeds(tuple(client.sprache))
    if (u.code not in DAYS_REASONS or not client.sprache or not teams
            or any(needs.rules_out(t) != "skill" for t in teams)):
        return u
    fix = _teams_fix(["sprachen"], replan=replan, web=False, teams_file=teams_file)
    return replace(u, code="skill", reason=language_reason(client.sprache, teams, fix))


def _pin_check(c: Candidate, team_ids: set[str],
               out: Mapping[tuple[str, int], ShiftOverride] | None = None,
               span: Span | None = None, teams: Sequence[Any] = (),
               first: int = 0, needs: VisitNeeds | None = None, *, replan: bool = True,
               teams_file: bool = False) -> UnassignedVisit | None:
    """A candidate pinned to a team that does not exist, to a team that can take the
    visit on no day (``needs``, the candidate's :class:`VisitNeeds`: a language the team
    does not speak, a district it is not responsible for under hard responsibility;
    :func:`_pin_never_text`), or to a team-day on which the team
    has no shift (``out``: the team-days removed, (team, day index) -> override: the
    absences of :func:`_absences`, and in a re-plan also the teams taken out and those the
    city's teams changed, :func:`_city_team_changes`), with the cause and what to do
    (:func:`_pin_out_text`, naming as other teams only those that may take the visit).
    QA 33c L5: a pin to a team taken out by „Team abmelden“ read
    „Im erlaubten Zeitraum … hat kein Team eine Schicht“ when no other team worked either,
    and said nothing of what to do. Review 34 #8: a pin to a team without the client's
    language read „Die feste Zuordnung … ist nicht möglich: Team A hat die nötige
    Fähigkeit nicht (Arabisch)“, and said nothing of what to do. ``replan``: a re-plan's
    check (it keeps the plan's teams), else a plan's; ``teams_file``: the teams are a
    ``--teams`` file's, not the city's (:func:`_teams_fix`)."""
    what = c.pin_note or "Festlegung"
    if c.pin_team and c.pin_team not in team_ids:
        where = "laut Liste " if c.pin_note.startswith("Festlegung laut Liste") else ""
        return UnassignedVisit(
            c.id, "pin_unknown_team",
            f"Team „{c.pin_team}“ {where}gibt es nicht (Teams: {', '.join(sorted(team_ids))}). "
            "Bitte die Festlegung aufheben oder ein anderes Team festlegen.",
            c.geocode.lon, c.geocode.lat, c.client.address, c.geocode.district,
            tries_before=c.tries_before)
    own = next((t for t in teams if t.id == c.pin_team), None) if c.pin_team else None
    if own is not None and needs is not None and (code := needs.rules_out(own)) is not None:
        return UnassignedVisit(
            c.id, f"pin_team_{code}", f"{what}: " + _pin_never_text(
                own, needs, teams, replan=replan, teams_file=teams_file),
            c.geocode.lon, c.geocode.lat, c.client.address, c.geocode.district,
            tries_before=c.tries_before)
    out = out or {}
    ov = out.get((c.pin_team, c.pin_day)) if c.pin_team and c.pin_day is not None else None
    if ov is None or not ov.removed or span is None:
        return None
    return UnassignedVisit(
        c.id, ov.code, f"{what}: "
        + _pin_out_text(c.pin_team, c.pin_day, ov, out, span, teams, first, needs=needs),
        c.geocode.lon, c.geocode.lat, c.client.address, c.geocode.district,
        tries_before=c.tries_before)


def _outside_shift_text(team: str, day: date, minute: int | None,
                        cut: tuple[int, int] | None, params: Mapping[str, Any] | None,
                        *, pinned: bool = True) -> str | None:
    """Why a visit pinned to ``team`` on ``day`` at ``minute`` (after midnight) is not
    planned by a re-plan that takes over the shorter shift ``cut`` ((start, end) in
    minutes) of the city's teams (:func:`_city_team_changes`): the minute lies outside it
    or at its start (the team only sets out then), with the shift the version re-planned
    had (``params``: :func:`hausbesuch.teams.plan_shift`) and what to do (``pinned``: a
    pin is stored, else one is being made); None when it lies within it, or ``cut`` or
    ``minute`` is None. The one wording of the re-plan's reason and of the web's pin form
    and table of pins (closing 34: the form took such a time, the re-plan refused it)."""
    if cut is None or minute is None or cut[0] < minute < cut[1]:
        return None
    was = plan_shift(params, team, day)
    then = (f", im Plan {format_clock(was[0])}–{format_clock(was[1])} Uhr"
            if was is not None and was != cut else "")
    # (the cause in the solver's words, the team quoted as in the other pin advice:
    # „Team „A“ arbeitet am … bis 12:00 Uhr“)
    cause = (f"Team „{team}“ arbeitet am {format_day(day)} bis {format_clock(cut[1])} Uhr"
             if minute >= cut[1] else
             f"Team „{team}“ beginnt am {format_day(day)} erst um {format_clock(cut[0])} Uhr")
    within = f"nach {format_clock(cut[0])} und vor {format_clock(cut[1])} Uhr"
    todo = (f"die Festlegung aufheben oder neu festlegen: mit einer Uhrzeit {within}, "
            "ohne Uhrzeit oder bei einem anderen Team" if pinned else
            f"eine Uhrzeit {within} eintragen, die Uhrzeit leer lassen oder ein anderes "
            "Team wählen")
    return (f"Uhrzeit {format_clock(minute)} Uhr passt nicht: {cause} (Schicht laut den Teams "
            f"der Stadt seit dem Plan geändert{then}; „Neu planen“ übernimmt sie). "
            f"Bitte {todo}.")


def _pin_never_text(team: Any, needs: VisitNeeds, teams: Sequence[Any], *,  # noqa: ANN401
                    pinned: bool = True, replan: bool = True, web: bool = False,
                    teams_file: bool = False) -> str:
    """Why a visit with ``needs`` cannot be pinned to ``team`` (a TeamConfig) on any day
    (:meth:`VisitNeeds.rules_out`), and what to do: take the pin back (``pinned``: a pin
    is stored; else one is being made) or pin a team of ``teams`` that may take it (named);
    when none may, where the teams get the field they lack (:func:`_teams_fix`). The one
    wording of the plan's and re-plan's reason and of the web's pin form and table of
    pins."""
    able = sorted(t.id for t in teams if t.id != team.id and needs.rules_out(t) is None)
    cause = f"Team „{team.id}“ {needs.lacks(team)} und kann den Besuch daher an keinem " \
        "Tag übernehmen"
    if able:
        todo = ("Bitte die Festlegung aufheben oder ein Team festlegen"
                if pinned else "Bitte ein Team wählen") \
            + f", das ihn übernehmen kann ({', '.join(able)})"
        return f"{cause}. {todo}."
    # the columns that keep each team out (review 35 #5: only the pinned team's was named)
    codes = {code for t in (team, *teams) for code in needs.causes(t)}
    columns = [col for code, col in (("skill", "sprachen"), ("district", "stadtteile"))
               if code in codes]
    fix = _teams_fix(columns, replan=replan, web=web, teams_file=teams_file)
    if not replan:
        todo = ("Auch kein anderes Team kann ihn übernehmen: bitte die Festlegung aufheben"
                + (f" oder {fix}" if fix else ""))
        return f"{cause}. {todo}."
    todo = "Auch kein anderes Team des Plans kann ihn übernehmen" + (
        ": bitte die Festlegung aufheben" if pinned else "")
    return f"{cause}. {todo}." + (f" {fix}." if fix else "")


def _teams_fix(columns: Sequence[str], *, replan: bool, web: bool, teams_file: bool) -> str:
    """How the teams get the ``columns`` („sprachen“, „stadtteile“) that keep every team
    from a visit, in German (review 35 #5: a plan from a ``--teams`` file, and the command
    line, were sent to the web's page „Teams“ only, and a new plan was told „erst ein
    neuer Plan“): in a plan (``replan`` False) words after „oder“, the teams file of the
    plan (``teams_file``) or the city's teams changed and the plan made again; in a re-plan
    a sentence, that only a new plan uses changed teams. ``web``: the web's words only (a
    new plan in the web uses the city's teams). "" without columns."""
    if not columns:
        return ""
    col = ("Spalte " if len(columns) == 1 else "Spalten ") + " und ".join(
        f"„{c}“" for c in columns)
    if web:
        where = f"Seite „Teams“, {col}"
    elif teams_file:
        where = f"{col} der Teams-Datei"
    else:  # (the command after „;“: the web's pages leave it out, web_reason)
        where = f"{col} der Teams der Stadt: Seite „Teams“; hausbesuch teams --set"
    if not replan:
        return (f"die Teams-Datei ändern ({col}) und neu planen" if teams_file and not web
                else f"die Teams ändern ({where}) und neu planen")
    return ("Eine Neuplanung behält die Teams des Plans; erst ein neuer Plan nutzt "
            f"geänderte Teams ({where})")


def _pin_out_text(team: str, k: int, ov: ShiftOverride,
                  out: Mapping[tuple[str, int], ShiftOverride], span: Span,
                  teams: Sequence[Any], first: int = 0, *, pinned: bool = True,
                  web: bool = False, needs: VisitNeeds | None = None) -> str:
    """Why a visit cannot be pinned to ``team`` on day ``k`` of ``span``, whose shift
    ``ov`` removes (one of ``out``, as :func:`_pin_check` takes them), and what to do:
    take the pin back (``pinned``: a pin there is stored; else one is being made, and
    another team-day is to be chosen), pin another team (those of ``teams`` that work
    that day and may take the visit, ``needs``: :meth:`VisitNeeds.rules_out`, are named;
    None: the visit is not known, every team that works then) or another day (when the
    team works on one from day ``first`` on, a re-plan's days over being no choice, and
    may take the visit), or bring the team back (the override's
    ``undo``; ``web``: in the web's words, :func:`_undo_words`). The one wording of the
    re-plan's reason and of the web's pin form and table of pins. Review 34 #8: the
    teams named included those without the client's language."""
    def works(t: Any, j: int) -> bool:
        return (span.is_work(j) and span.date(j).weekday() in t.weekdays
                and not out.get((t.id, j), ShiftOverride()).removed)

    def may(t: Any) -> bool:
        return needs is None or needs.rules_out(t) is None

    working = [t for t in teams if t.id != team and works(t, k)]
    others = sorted(t.id for t in working if may(t))
    own = next((t for t in teams if t.id == team), None)
    later = own is not None and may(own) and any(
        works(own, j) for j in range(max(first, 0), span.days) if j != k)
    choices = [*([f"ein anderes Team ({', '.join(others)})"] if others else []),
               *(["einen anderen Tag"] if later else [])]
    if others:
        lead = "Bitte"
    elif working and needs is not None:  # (they work, but none may take the visit)
        lead = ("An dem Tag arbeitet kein anderes Team, das den Besuch übernehmen kann ("
                + "; ".join(f"Team „{t.id}“ {needs.lacks(t)}" for t in
                            sorted(working, key=lambda t: t.id)) + "): bitte")
    else:
        lead = "An dem Tag arbeitet auch kein anderes Team: bitte"
    if pinned:
        todo = lead + " die Festlegung aufheben" + (
            (", " if len(choices) > 1 else " oder ") + " oder ".join(choices) + " festlegen"
            if choices else "")
    else:
        todo = f"{lead} {' oder '.join(choices) or 'ein anderes Team an einem anderen Tag'} " \
            "wählen"
    undo = _undo_words(ov, team, span.date(k)) if web else ov.undo
    cause = f"Team „{team}“ {ov.why}" + ("" if pinned else
                                        ": dort lässt sich kein Besuch festlegen")
    return f"{cause}. {todo}" + (f", oder {undo}" if undo else "") + "."


def _undo_words(ov: ShiftOverride, team: str, day: date) -> str:
    """How the web brings ``team`` back on ``day`` (the override's ``undo`` without the
    command line): delete the absence, or bring the team back at *Neu planen*."""
    if not ov.undo:
        return ""
    if ov.code == "pin_team_absent":
        return _absence_undo(team, day, web=True)
    if ov.code == "pin_team_out":
        return _out_undo(team, web=True)
    return ov.undo


def _absence_undo(team: str, day: date, *, web: bool = False) -> str:
    """What brings back a team entered as absent on ``day``, in words after „oder“."""
    return ("die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“"
            + ("" if web else f"; hausbesuch absence remove {team} {day:%d.%m.%Y}") + ")")


def _out_undo(team: str, *, web: bool = False) -> str:
    """What brings back a team a re-plan took out for the rest of a day, in words after
    „oder“."""
    if web:
        return f"Team {team} mit „Neu planen“ → „Team wieder einplanen“ zurückholen"
    return (f"Team {team} beim Neu planen wieder einplanen (im Web „Team wieder einplanen“, "
            f"sonst hausbesuch replan … --with-team {team})")


def _absences(store: Store, profile: Profile, team_list: Sequence[Any], span: Span,
              since: date | None = None) -> dict[tuple[str, int], ShiftOverride]:
    """No shift for the team-days marked absent (:mod:`hausbesuch.absences`) in the span
    (from ``since`` on)."""
    from hausbesuch import absences

    ids = {t.id for t in team_list}
    out: dict[tuple[str, int], ShiftOverride] = {}
    for team, day in absences.listed(store, profile.name, since or span.start, span.last):
        k = span.index(day)
        if team in ids and k is not None and span.is_work(k):
            out[(team, k)] = ShiftOverride(
                removed=True, why=f"ist am {format_day(day)} abwesend (eingetragen)",
                undo=_absence_undo(team, day))
    return out


def _from_now(team_list: Sequence[Any], span: Span,
              absent: Container[tuple[str, int]]) -> tuple[dict[tuple[str, int],
                                                           ShiftOverride], list[str]]:
    """A new plan whose first day is today: no visit before the moment it is made (QA 40
    F5: a plan made at 07:28 had visits at 06:30 and 07:16, begun before it existed).
    Each team's shift that day starts at the next full minute, as a re-plan's from now;
    a team whose shift is over by then has no tour that day, with its reason. Only on the
    real date: an exercise's day (``HAUSBESUCH_HEUTE``) stays as it is while the real
    clock goes on, and is planned whole (simulations and exercises give the same plan at
    any hour). (overrides by (team, day index 0), the plan's note)"""
    if clock.exercise_day() is not None or span.start != clock.today() or not span.is_work(0):
        return {}, []
    now = clock.now()
    minute = now.hour * 60 + now.minute + (1 if now.second or now.microsecond else 0)
    out: dict[tuple[str, int], ShiftOverride] = {}
    short = span.calendar.short_day(span.start)  # (a short day ends every shift early)
    for t in team_list:
        if (t.id, 0) in absent or span.start.weekday() not in t.weekdays \
                or minute <= t.shift_start_min:
            continue
        end = t.shift_end_min if short is None else min(t.shift_end_min, short.end_min)
        if minute >= end:
            out[(t.id, 0)] = ShiftOverride(
                removed=True, why=(f"hat heute ({format_day(span.start)}) nach "
                                   f"{format_clock(minute)} Uhr keine Arbeitszeit mehr "
                                   f"(Schichtende {format_clock(end)} Uhr)"))
        else:
            out[(t.id, 0)] = ShiftOverride(start_s=minute * 60)
    if not out:
        return out, []
    over = sorted(t for (t, _k), ov in out.items() if ov.removed)
    note = (f"Erster Tag ist heute ({format_day(span.start)}): geplant ab jetzt, "
            f"{format_clock(minute)} Uhr; kein Besuch beginnt vor der Erstellung des Plans.")
    if over:
        note += (f" Schicht schon zu Ende, heute keine Tour: Team {', '.join(over)}.")
    return out, [note]


def _holiday_notes(span: Span, team_list: Sequence[Any] = ()) -> list[str]:
    """The holidays on weekdays of the span, which get no tours (each a note of its own);
    the short working days (``[casework] short_days``), whose tours end early, with the
    teams of ``team_list`` whose shift that weekday begins only at or after the day's end
    (QA 41 F7: they had no tour and the reasons said only „kein Team eine Schicht“); and
    Heiligabend and Silvester on a weekday of the span that the profile keeps as full
    working days (QA 40 F1: they got the fullest days of their weeks until 16:00, and the
    half day many offices keep could not be entered)."""
    notes = [f"{span.holiday_text(day, name)}: an dem Tag keine Touren."
             for day, name in span.holidays()]
    shorts = span.short_days()
    notes += [f"{format_day(day)} ({short.name} laut Profil): alle Touren enden um "
              f"{format_clock(short.end_min)} Uhr.{_late_teams(day, short, team_list)}"
              for day, short in shorts]
    shortened = {day for day, _ in shorts}
    for d in span.work_days:
        day = span.date(d)
        if (day.day, day.month) in EVE_DAYS and day not in shortened:
            notes.append(f"{format_day(day)} ({EVE_DAYS[(day.day, day.month)]}) ist laut "
                         "Profil ein voller Arbeitstag. Endet die Arbeit früher: im "
                         "Stadtprofil unter [casework] short_days = "
                         f"[\"{day:%d.%m.} bis 12:00\"] eintragen (oder den Tag frei: "
                         "local_holidays).")
    return notes


def _late_teams(day: date, short: Any, team_list: Sequence[Any]) -> str:
    """`` Team t3 beginnt erst um 13:00 Uhr: an dem Tag keine Tour.`` for the teams that
    work on ``day``'s weekday but begin at or after the short day's end, else ""."""
    late = [t for t in team_list
            if day.weekday() in t.weekdays and t.shift_start_min >= short.end_min]
    return "".join(f" Team {t.id} beginnt erst um {format_clock(t.shift_start_min)} Uhr: an "
                   "dem Tag keine Tour." for t in late)


def _short_day_hint(u: UnassignedVisit, cand: Candidate | None,
                    shorts: Sequence[tuple[date, Any]]) -> UnassignedVisit:
    """A visit the solver found no shift's time for (``time_window``) whose windows fall
    on a weekday of a short day of the span (``[casework] short_days``): the reason names
    that day and its end („… Zeitfenster ist in keiner Schicht erreichbar …; verkürzter
    Arbeitstag: Do, 24.12.2026 (Heiligabend laut Profil) nur bis 12:00 Uhr.“), else the
    window „Do 13-16“ of a week whose only Thursday is 24.12. seemed to fit. ``shorts``:
    the span's short days (:meth:`Span.short_days`)."""
    if not shorts or u.code != "time_window" or cand is None or not cand.client.zeitfenster:
        return u
    # (a window of that weekday that reaches past the day's end: the short day is a cause)
    hit = [f"{format_day(day)} ({short.name} laut Profil) nur bis "
           f"{format_clock(short.end_min)} Uhr" for day, short in shorts
           if any(day.weekday() in sl.weekdays and sl.end_min > short.end_min
                  for sl in cand.client.zeitfenster)]
    if not hit:
        return u
    return replace(u, reason=f"{u.reason.rstrip('.')}; verkürzter Arbeitstag: "
                             f"{', '.join(hit)}.")


#: (day, month) of the days many offices work only half of, with their names
EVE_DAYS = {(24, 12): "Heiligabend", (31, 12): "Silvester"}


def _absence_notes(absent: dict[tuple[str, int], Any], span: Span) -> list[str]:
    return [f"Team {team} ist am {format_day(span.date(k))} abwesend: an dem Tag keine Tour."
            for team, k in sorted(absent, key=lambda x: (x[1], x[0]))]


def _city_team_changes(plan_teams: Sequence[Any], city_teams: Sequence[Any], span: Span,
                       moment: datetime, *, take: bool | None = True
                       ) -> tuple[dict[tuple[str, int], ShiftOverride], list[str]]:
    """What a re-plan from ``moment`` takes over of the city's teams as they are now
    (``city_teams``, :func:`_teams`) where they differ from the plan's (``plan_teams``,
    whose ids, routes and shifts the versions keep), and the note that says so (none when
    they are alike). From the first day the re-plan has whole (the day after the moment's;
    the moment's when it is midnight: on the moment's day the team may be out already,
    ``--without-team`` takes it out for the rest of it): a team no longer among the city's
    teams, or on a weekday it no longer works, has no tour (an override with its reason);
    a shift begun later or ended earlier is kept to, and one with no hour within the
    plan's shift leaves the team without a tour (review 33: an inverted window dropped the
    team-day unsaid). A new team, more days or longer
    hours, another lunch break, mode, limit, start or end point, languages or districts
    are not taken over (a version keeps the plan's teams): the note names them and that a new
    plan uses them (QA 33a F2: the city's changed teams were ignored without a word).
    ``take`` None: a plan stored before it said whether it used the city's teams (or a
    ``--teams`` file, whose teams a re-plan keeps without a word): nothing is taken over,
    the note names every difference."""
    from hausbesuch.fields import weekday_span

    def shift(t: Any) -> str:
        return f"{format_clock(t.shift_start_min)}–{format_clock(t.shift_end_min)}"

    def lunch(t: Any) -> tuple[Any, ...]:
        return (t.lunch_window, t.lunch_min) if t.has_lunch else ()

    k0 = _first_whole_day(span, moment)
    city = {t.id: t for t in city_teams}
    out: dict[tuple[str, int], ShiftOverride] = {}
    taken: list[str] = []
    left: list[str] = []
    for t in plan_teams:
        days = [k for k in range(max(k0, 0), span.days)
                if take and span.is_work(k) and span.date(k).weekday() in t.weekdays]
        c = city.get(t.id)
        if c is None:
            for k in days:
                out[(t.id, k)] = ShiftOverride(
                    removed=True, why="gehört seit dem Plan nicht mehr zu den Teams der Stadt",
                    code="pin_team_changed")
            (taken if days else left).append(
                f"Team {t.id} gehört nicht mehr zu den Teams der Stadt"
                + (f": ohne Tour ab {format_day(span.date(days[0]))}" if days else ""))
            continue
        more = []
        gone = [k for k in days if span.date(k).weekday() not in c.weekdays]
        for k in gone:
            out[(t.id, k)] = ShiftOverride(
                removed=True, why=f"arbeitet laut den Teams der Stadt nur noch "
                f"{weekday_span(c.weekdays)} (seit dem Plan geändert)", code="pin_team_changed")
        if gone:
            taken.append(f"Team {t.id} arbeitet nur noch {weekday_span(c.weekdays)} (im "
                         f"Plan {weekday_span(t.weekdays)}): ohne Tour am "
                         + ", ".join(format_day(span.date(k)) for k in gone))
        if c.weekdays - t.weekdays or (not take and c.weekdays != t.weekdays):
            more.append(f"Tage {weekday_span(c.weekdays)}")
        start = max(t.shift_start_min, c.shift_start_min)
        end = min(t.shift_end_min, c.shift_end_min)
        rest = [k for k in days if k not in gone]
        if start >= end and rest:  # no hour of the city's shift within the plan's
            for k in rest:
                out[(t.id, k)] = ShiftOverride(
                    removed=True, why=f"hat laut den Teams der Stadt jetzt die Schicht "
                    f"{shift(c)}, ohne Überschneidung mit der des Plans ({shift(t)})",
                    code="pin_team_changed")
            taken.append(f"Team {t.id} hat jetzt die Schicht {shift(c)} (im Plan "
                         f"{shift(t)}, keine Überschneidung): ohne Tour am "
                         + ", ".join(format_day(span.date(k)) for k in rest))
            more.append(f"Schicht {shift(c)}")
        elif (start, end) != (t.shift_start_min, t.shift_end_min) and rest:
            for k in rest:
                out[(t.id, k)] = ShiftOverride(start_s=start * 60, end_s=end * 60)
            taken.append(f"Team {t.id}: Schicht {format_clock(start)}–{format_clock(end)} "
                         f"(im Plan {shift(t)})")
            if (c.shift_start_min, c.shift_end_min) != (start, end):
                more.append(f"Schicht {shift(c)}")
        elif (c.shift_start_min, c.shift_end_min) != (t.shift_start_min, t.shift_end_min):
            more.append(f"Schicht {shift(c)}")
        # (a shift cut short before its lunch window has none: the team file then has
        # none either, and the shorter shift says it)
        cut = bool(rest) and c.shift_end_min < t.shift_end_min and not c.has_lunch \
            and t.has_lunch and t.lunch_window[1] > end
        more += [what for what, differs in (
            ("Mittagspause", lunch(c) != lunch(t) and not cut),
            ("Verkehrsmittel", c.mode != t.mode),
            ("höchstens Besuche am Tag", c.max_visits_per_day != t.max_visits_per_day),
            ("Start oder Ende", (c.start_address, c.start_lonlat, c.end_address, c.end_lonlat)
             != (t.start_address, t.start_lonlat, t.end_address, t.end_lonlat)),
            ("Sprachen", c.skills != t.skills),
            ("Stadtteile", set(c.districts) != set(t.districts))) if differs]
        if more:
            left.append(f"Team {t.id}: {', '.join(more)}")
    ids = {t.id for t in plan_teams}
    left += [f"Team {t.id} (neu)" for t in city_teams if t.id not in ids]
    if not taken and not left:
        return out, []
    note = "Die Teams der Stadt weichen von denen des Plans ab."
    if taken:
        note += f" Diese Neuplanung übernimmt davon: {'; '.join(taken)}."
    if left:
        note += (f" Nicht übernommen (eine Neuplanung behält die Teams des Plans; erst ein "
                 f"neuer Plan nutzt sie): {'; '.join(left)}.")
    if taken and k0 > (moment.date() - span.start).days >= 0:  # (the day in the span)
        note += (f" Am {format_day(moment.date())} selbst gilt noch der Plan: ein Team, "
                 "das nicht mehr arbeitet, beim Neu planen abmelden (hausbesuch replan … "
                 "--without-team TEAM).")
    return out, [note]


def _changed_shifts(params: Mapping[str, Any], plan_teams: Sequence[Any],
                    city_teams: Callable[[], Sequence[Any]], span: Span, moment: datetime
                    ) -> tuple[dict[tuple[str, int], ShiftOverride], list[str]]:
    """The shifts a re-plan from ``moment`` of the version with ``params`` takes over of
    the city's teams (``city_teams``: read only when the plan used them), and its note
    (:func:`_city_team_changes`; none for a plan of a ``--teams`` file, whose teams a
    re-plan keeps without a word); what the versions before took over stays on the days
    before this one's first whole day (the moment's own: „selbst gilt noch der Plan“,
    the version's plan)."""
    changed, notes = ({}, []) if params.get("teams_of_city") is False else \
        _city_team_changes(plan_teams, city_teams(), span, moment,
                           take=params.get("teams_of_city"))
    first = _first_whole_day(span, moment)
    earlier = _taken_shifts(params.get("team_day_shifts"), span)
    changed.update({key: ov for key, ov in earlier.items() if key[1] < first})
    return changed, notes


def _taken_out(team: str, day: date, gone: Sequence[tuple[datetime, int, datetime | None]]
               ) -> ShiftOverride | None:
    """No shift for ``team`` on ``day``, the day a re-plan plans from, when re-plans took
    it out then for the rest of the day (``gone``: its absences that day in force,
    :func:`_in_force`, first first); its reason as the version's notes say it: from the
    minute, or the whole day."""
    if not gone or gone[0][2] is not None:
        return None
    since = ("den ganzen Tag" if from_midnight(gone[0][0]) else
             f"ab {gone[0][0]:%H:%M} Uhr für den Rest des Tages")
    return ShiftOverride(removed=True, why=f"ist am {format_day(day)} {since} abgemeldet "
                         "(Neuplanung)", code="pin_team_out", undo=_out_undo(team))


def _taken_shift(changed: Mapping[tuple[str, int], ShiftOverride],
                 c: Candidate) -> tuple[int, int] | None:
    """(start, end) in minutes of the shorter shift a re-plan takes over of the city's
    teams (``changed``, :func:`_changed_shifts`) on the team-day ``c`` is pinned to; None
    when it takes over none there."""
    ov = changed.get((c.pin_team or "", c.pin_day)) if c.pin_day is not None else None
    if ov is None or ov.removed or ov.start_s is None or ov.end_s is None:
        return None
    return ov.start_s // 60, ov.end_s // 60


def _first_whole_day(span: Span, moment: datetime) -> int:
    """The index of the first day a re-plan from ``moment`` has whole: the day after the
    moment's, or the moment's own when it is midnight (may lie outside the span)."""
    midnight = datetime.combine(moment.date(), time.min)
    return (moment.date() - span.start).days + (0 if moment == midnight else 1)


def _shift_rows(changed: Mapping[tuple[str, int], ShiftOverride],
                span: Span) -> list[dict[str, Any]]:
    """The team-days whose shift a re-plan took over of the city's teams
    (:func:`_city_team_changes`), as a version's ``team_day_shifts`` store them: team, day,
    the shift's start and end in minutes (None: no tour that day, ``grund`` says why)."""
    rows = []
    for (team, k), ov in sorted(changed.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if ov.removed:
            rows.append({"team": team, "tag": span.date(k).isoformat(), "von": None,
                         "bis": None, "grund": ov.why})
        elif ov.start_s is not None and ov.end_s is not None:
            rows.append({"team": team, "tag": span.date(k).isoformat(),
                         "von": ov.start_s // 60, "bis": ov.end_s // 60})
    return rows


def _taken_shifts(rows: Any, span: Span) -> dict[tuple[str, int], ShiftOverride]:  # noqa: ANN401
    """A version's ``team_day_shifts`` (:func:`_shift_rows`) as overrides of the days of
    ``span``; rows that cannot be read are skipped."""
    out: dict[tuple[str, int], ShiftOverride] = {}
    for row in rows if isinstance(rows, list) else []:
        try:
            k = span.index(date.fromisoformat(row["tag"]))
            team, a, b = str(row["team"]), row.get("von"), row.get("bis")
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if k is None:
            continue
        if a is None and b is None:
            out[(team, k)] = ShiftOverride(removed=True, why=str(row.get("grund") or ""),
                                           code="pin_team_changed")
        elif isinstance(a, int) and isinstance(b, int) and a < b:
            out[(team, k)] = ShiftOverride(start_s=a * 60, end_s=b * 60)
    return out


def _no_work_left(team: Any, span: Span, k: int, moment: datetime,
                  absent: Container[tuple[str, int]],
                  params: Mapping[str, Any] | None = None) -> str | None:
    """Why ``team`` has nothing left to do on day ``k`` of ``span`` from ``moment`` on, in
    the words after „arbeitet am Mi, 06.01.2027“ („nicht (Heilige Drei Könige, Feiertag
    in BY)“, „nicht (Wochenende)“, „nicht (Tage laut Plan: Mo–Mi)“, „nicht (als abwesend
    eingetragen)“, „nur bis 16:00 Uhr“), or None when it still works then: a removal
    there would take out nothing (QA 33a F6: a version was stored announcing it). The
    shift is the one the version re-planned (``params``) planned that day with: a shorter
    one an earlier re-plan took over of the city's teams, or none (review 34 #9)."""
    from hausbesuch.fields import weekday_span

    day = span.date(k)
    if not span.is_work(k):
        return f"nicht ({span.calendar.holiday_label(day) or 'Wochenende'})"
    if day.weekday() not in team.weekdays:
        return f"nicht (Tage laut Plan: {weekday_span(team.weekdays)})"
    if (team.id, k) in absent:
        return "nicht (als abwesend eingetragen)"
    if (off := team_day_off(params, team.id, day)) is not None:
        return f"nicht ({off})"
    end = (plan_shift(params, team.id, day) or (0, team.shift_end_min))[1]
    if moment >= datetime.combine(day, time.min) + timedelta(minutes=end):
        return f"nur bis {format_clock(end)} Uhr"
    return None


def _new_plan_id(created: datetime) -> str:
    return f"{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def plan_span(
    store: Store,
    profile: Profile,
    options: PlanOptions,
    *,
    actor: str,
    teams: Sequence[Any] | None = None,
    clients_path: str | os.PathLike[str] | None = None,
    osm: str | os.PathLike[str] | None = None,
    districts_file: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan the span from the store (after importing ``clients_path`` if given) and store
    the plan with its case visits. Returns the result, with ``plan_id`` set.

    Plans of one city are made one at a time (:meth:`Store.planning_lock`): each sees the
    visits of the plans made before it and books nobody twice."""
    memo: dict[str, Any] = {}  # the list is imported once, whatever the attempts
    with store.planning_lock(profile.name):
        return _attempts(lambda say, note: _plan_span(
            store, profile, options, actor=actor, teams=teams, clients_path=clients_path,
            osm=osm, districts_file=districts_file, progress=say, memo=memo, note=note),
            progress)


#: How often a plan is made again when cases changed while it was computed.
PLAN_ATTEMPTS = 3


class PlanOutdated(UserError):
    """Cases of a plan (or the city's teams) changed while it was computed: an outcome
    sent from a phone, an import, a status or address fix. The plan was not stored."""

    def __init__(self, changes: Sequence[tuple[str | None, str]]) -> None:
        from hausbesuch.auditlog import label

        ids = sorted({cid for cid, _ in changes if cid})
        what = sorted({label(action) for _, action in changes})
        self.shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
        cases = f"Fälle ({self.shown})" if ids else "Teams oder Abwesenheiten"
        super().__init__(
            f"Während der Planung wurden {cases} geändert ({'; '.join(what)}); der Plan "
            f"wurde {PLAN_ATTEMPTS}-mal neu berechnet und jedes Mal kam eine Änderung "
            "dazu. Nichts wurde gespeichert: bitte erneut planen, wenn weniger los ist.")


def _attempts(run: Callable[[Progress, str], PlanResult],
              progress: Progress | None) -> PlanResult:
    """Run a planning step; when cases changed meanwhile (:class:`PlanOutdated`), again
    from the store as it is now, up to :data:`PLAN_ATTEMPTS` times. ``run`` is given the
    progress and the note an attempt after a change stores with its plan (""; else „Neu
    berechnet, weil während der Planung geändert wurde: …“: a line that stays, the
    progress line is gone when the run ends; :func:`_add_note`)."""
    say = progress or noop_progress
    changed: list[str] = []
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        note = (f"Neu berechnet, weil während der Planung geändert wurde: "
                f"{'; '.join(changed)}.") if changed else ""
        try:
            return run(say, note)
        except PlanOutdated as exc:
            if attempt == PLAN_ATTEMPTS:
                raise
            changed.append(exc.shown or "Teams oder Abwesenheiten")
            say(f"Während der Planung geändert ({changed[-1]}): neu berechnen", 0.0)
    raise AssertionError("unreachable")  # pragma: no cover


def _add_note(plan: Plan, note: str) -> None:
    """A note of the run (:func:`_attempts`) among the plan's notes, in the files written
    from the result and in the stored plan's parameters, from which ``show`` and the web
    read the notes back; before the plan is stored."""
    if note:
        plan.warnings.append(note)
        plan.params.setdefault("warnings", []).append(note)


def _check_unchanged(store: Store, plan: Plan, marker: ChangeMarker, session: Any, *,
                     own: str | None = None) -> None:
    """Refuse to store ``plan`` (:class:`PlanOutdated`) when one of its cases or the
    city's teams changed after ``marker`` (:meth:`Store.changes_since`); the rows of plan
    ``own`` (written by this transaction) are not changes."""
    changes = store.changes_since(marker, plan.city, {c.id for c in plan.clients},
                                  session=session, own_plan=own)
    if changes:
        raise PlanOutdated(changes)


def _fix_hint(client_id: str) -> str:
    return f"Korrigieren mit „hausbesuch address {client_id} --set-address …“."


def _address_rejected(c: Client, loc: Any) -> Rejected:
    """The rejection of a client whose address is not found (with up to three suggestions)."""
    hint = ""
    if loc.suggestions:
        hint = " Vorschläge: " + "; ".join(_suggestion_text(s) for s in loc.suggestions[:3])
    if getattr(loc, "fix_outside", False):  # a fix from another area's map (QA 28)
        return Rejected(row=c.row, id=c.id, field="adresse",
                        reason=f"Adresse „{c.address}“: {loc.reason.rstrip('.')}. "
                        f"{_fix_hint(c.id)}" + hint)
    return Rejected(
        row=c.row, id=c.id, field="adresse",
        reason=f"Adresse „{c.address}“ nicht gefunden: "
        f"{(loc.reason or 'keine Übereinstimmung').rstrip('.')}. {_fix_hint(c.id)}" + hint)


def _erased_rejection(st: CaseState, row: int) -> Rejected | None:
    """The rejection of an open case whose personal data were erased (``hausbesuch
    purge``; reopened since): without them it cannot be visited. None for any other."""
    if st.erased_at is None:
        return None
    from hausbesuch.casework.erasure import erased_note

    return Rejected(row=row, id=st.client.id, field="adresse",
                    reason=f"{erased_note(st.erased_at)}: erst die Kundenliste mit dem Fall "
                    "einlesen.")


def _erased_geocode(client_id: str) -> Geocode:
    """What a plan records of where an erased case is: nothing (its address is gone)."""
    return Geocode(client_id, None, None, "unresolved", 0.0, "", "", OUTSIDE)


def _is_address_rejected(r: Rejected) -> bool:
    """Is ``r`` a stored client's rejection by :func:`_address_rejected` (made by a plan,
    not by reading the list)? Such a client is looked at again by a re-plan."""
    return bool(r.id) and r.field == "adresse" and _fix_hint(r.id or "") in r.reason


#: how many rejected rows the "nothing to plan" message names before "…"
NOTHING_TO_PLAN_ROWS = 10


def _nothing_to_plan(city: str, imported: Any, not_open: Sequence[CaseState] = (),
                     hint: str = "") -> str:
    """Why no plan is made: the city has no open case at all (nor a case of the list to
    report). Names the list's cases that are not open (with their status) and its rejected
    rows (row, field, reason), so nothing is lost although no plan and no report is
    written. (When open cases have their visits in other plans: :func:`_all_planned`.)
    ``hint``: :func:`hausbesuch.othercities.other_cities_hint`
    (a forgotten ``--city``)."""
    why = f"in {city} gibt es keinen offenen Fall"
    rejected = list(imported.rejected) if imported is not None else []
    if not rejected and not not_open:
        return (f"Nichts zu planen: {why}. "
                + (hint or "Zuerst eine Kundenliste einlesen (hausbesuch import)."))
    if not not_open:
        n = len(rejected)
        lines = [f"Nichts zu planen: {'die Zeile' if n == 1 else f'alle {n} Zeilen'} der "
                 f"Kundenliste {'ist' if n == 1 else 'sind'} abgelehnt, und {why}; kein Plan "
                 "gespeichert. Abgelehnt:"]
        lines += _rejected_lines(rejected, "hausbesuch import LISTE --report bericht.csv")
        return "\n".join(lines)
    head, *cases = _not_open_lines(not_open)
    lines = [f"Nichts zu planen: {why}; kein Plan gespeichert. {head}", *cases]
    if rejected:
        lines.append("Abgelehnt:")
        lines += _rejected_lines(rejected, "hausbesuch import LISTE --report bericht.csv")
    return "\n".join(lines)


def _planned_elsewhere(store: Store, busy: Mapping[str, CaseVisitRow],
                       status_of: Mapping[str, str], listed: Sequence[CaseState], *,
                       cli: bool) -> tuple[list[str], list[str]]:
    """What a refusal (nothing stored) says of the cases that already have a visit still
    to do in a stored plan (``busy``, :func:`_pending`): per plan its span and how many
    open cases it holds; the list's open cases among them (``listed``, each with its plan
    and day: every row of a list is accounted for); the plan's visits of cases no longer
    open, named as the plan's note names them (to re-plan that plan); how to change such
    a plan (``cli``: the command line's ``replan`` and ``show``; else the web's „Neu
    planen“). Returns (the lines, the case ids they name)."""
    from hausbesuch.store import StoreError

    if not busy:
        return [], []

    def span_of(pid: str) -> str:
        try:
            first, days = store.plan_span(pid)
        except StoreError:
            return ""
        return f" ({format_days(first, first + timedelta(days=days - 1))})"

    open_by: dict[str, int] = Counter()
    closed_by: dict[str, list[CaseVisitRow]] = {}
    for v in sorted(busy.values(), key=lambda v: (v.day, v.client_id)):
        if status_of.get(v.client_id, "offen") == "offen":
            open_by[v.plan_id or "?"] += 1
        else:
            closed_by.setdefault(v.plan_id or "?", []).append(v)
    named: list[str] = []
    lines = [f"  Plan {pid}{span_of(pid)}: {count(n, 'offener Fall', 'offene Fälle')}"
             for pid, n in sorted(open_by.items())]
    if listed:
        n = len(listed)
        lines.append(f"Schon eingeplant ({'ein Fall' if n == 1 else f'{n} Fälle'} der "
                     "Kundenliste):")
        shown = sorted(listed, key=lambda st: st.client.id)[:NOTHING_TO_PLAN_ROWS]
        named += [st.client.id for st in shown]
        lines += [f"  {st.client.id}: Plan {busy[st.client.id].plan_id}, "
                  f"{format_day(busy[st.client.id].day)}" for st in shown]
        if n > NOTHING_TO_PLAN_ROWS:
            lines.append(f"  … und {n - NOTHING_TO_PLAN_ROWS} weitere.")
    for pid, visits in sorted(closed_by.items()):
        n, shown = len(visits), visits[:NOTHING_TO_PLAN_ROWS]
        named += [v.client_id for v in shown]
        cases = ", ".join(f"{v.client_id} am {format_day(v.day)}" for v in shown)
        what = ("1 Besuch eines Falls eingeplant, der nicht mehr offen ist" if n == 1 else
                f"{n} Besuche von Fällen eingeplant, die nicht mehr offen sind")
        lines.append(f"In Plan {pid} {'ist' if n == 1 else 'sind'} noch {what} ({cases}"
                     f"{' …' if n > len(shown) else ''}); bitte jenen Plan neu planen, sonst "
                     "klingeln die Teams dort.")
    plans = sorted({*open_by, *closed_by})
    which = ("Einen dieser Pläne" if len(plans) > 1 else "Den Plan") + " ändern" + (
        " (etwa nach einer korrigierten Adresse oder mit einem neuen Fall)" if open_by else "")
    if cli:
        pid = plans[0] if len(plans) == 1 else "PLAN"
        lines.append(f"{which}: „hausbesuch replan {pid} --from …“; seine Dateien erneut "
                     f"schreiben: „hausbesuch show {pid} --out ORDNER“.")
    else:
        lines.append(f"{which}: in der Planübersicht öffnen und dort „Neu planen“ wählen.")
    return lines, sorted(set(named))


def _all_planned(city: str, imported: Any, not_open: Sequence[CaseState],
                 elsewhere: Sequence[str]) -> str:
    """Why no plan is made although the city has open cases: each of them has a visit
    still to do in a stored plan (in the span or from today on; a second plan would hold
    no visit, review 30: a plan of no team-day was stored and its folder then refused to
    the next plan of those days). ``elsewhere``: :func:`_planned_elsewhere`; the list's
    cases that are not open and its rejected rows are named as :func:`_nothing_to_plan`
    names them."""
    lines = [f"Nichts zu planen: jeder offene Fall in {city} hat schon einen geplanten "
             "Besuch, der noch aussteht; kein Plan gespeichert.", *elsewhere]
    if not_open:
        lines += _not_open_lines(not_open)
    rejected = list(imported.rejected) if imported is not None else []
    if rejected:
        lines.append("Abgelehnt:")
        lines += _rejected_lines(rejected, "hausbesuch import LISTE --report bericht.csv")
    return "\n".join(lines)


def _not_open_lines(not_open: Sequence[CaseState]) -> list[str]:
    """„Nicht offen (… der Kundenliste):“, the first cases with their status (never the
    reason typed with it), how to open one again."""
    n = len(not_open)
    lines = [f"Nicht offen ({'ein Fall' if n == 1 else f'{n} Fälle'} der Kundenliste):"]
    shown = sorted(not_open, key=lambda st: st.client.id)
    lines += [f"  {st.client.id}: Status „{STATUS_LABELS[st.status]}“"
              for st in shown[:NOTHING_TO_PLAN_ROWS]]
    if n > NOTHING_TO_PLAN_ROWS:
        lines.append(f"  … und {n - NOTHING_TO_PLAN_ROWS} weitere (hausbesuch status "
                     "KUNDENNUMMER zeigt jeden Fall).")
    lines.append("Ein Fall, der wieder besucht werden soll: „hausbesuch status KUNDENNUMMER "
                 "--set offen“, dann planen.")
    return lines


def _rejected_lines(rejected: Sequence[Rejected], where: str) -> list[str]:
    """The first rejected rows (row, id, field, reason), then how many more and where."""
    from hausbesuch.casework.service import field_reason

    lines = [(f"  Zeile {r.row}" + (f" ({r.id})" if r.id else "") if r.row else f"  Fall {r.id}")
             + f", {field_reason(r.field, r.reason)}" for r in rejected[:NOTHING_TO_PLAN_ROWS]]
    if len(rejected) > NOTHING_TO_PLAN_ROWS:
        n = len(rejected) - NOTHING_TO_PLAN_ROWS
        lines.append(f"  … und {n} weitere (alle mit {where}).")
    return lines


def _no_address_found(city: str, rejected: Sequence[Rejected],
                      not_open: Sequence[CaseState] = ()) -> str:
    """Why no plan is made although the city has open cases: not one of their addresses
    was found (every row of a list, if one was read, is rejected too). Names the list's
    cases that are not open as well (with their status), as :func:`_nothing_to_plan`
    does: no report is written."""
    return "\n".join([
        f"Nichts zu planen: von den offenen Fällen in {city} wurde keine Adresse gefunden; "
        "kein Plan gespeichert. Abgelehnt:",
        *_rejected_lines(sorted(rejected, key=lambda r: (r.row or 10**9, r.id or "")),
                         "hausbesuch addresses"),
        "Adressen korrigieren mit „hausbesuch addresses“ (Vorschläge) oder „hausbesuch "
        "address KUNDENNUMMER --set-address …“, dann neu planen.",
        *(_not_open_lines(not_open) if not_open else [])])


def _named_cases(rejected: Sequence[Rejected], not_open: Sequence[CaseState]) -> list[str]:
    """The case ids :func:`_no_address_found` names (sorted, each once)."""
    return sorted({r.id for r in rejected if r.id} | {st.client.id for st in not_open})


def _no_address_found_brief(city: str, rejected: Sequence[Rejected],
                            not_open: Sequence[CaseState] = ()) -> str:
    """:func:`_no_address_found` without the addresses (and c/o names) it quotes: the case
    ids and where to correct them (the web app's page *Adressen*). A web job stores its
    message, and anyone of the city can open the job."""
    ids = _named_cases(rejected, ())
    shown = ", ".join(ids[:NOTHING_TO_PLAN_ROWS])
    more = (f" und {len(ids) - NOTHING_TO_PLAN_ROWS} weitere"
            if len(ids) > NOTHING_TO_PLAN_ROWS else "")
    unnamed = sum(1 for r in rejected if not r.id)
    rows = f"; {count(unnamed, 'Zeile', 'Zeilen')} der Kundenliste" if unnamed else ""
    lines = [f"Nichts zu planen: von den offenen Fällen in {city} wurde keine Adresse "
             f"gefunden; kein Plan gespeichert. Abgelehnt: {shown}{more}{rows}.",
             "Die Adressen unter „Adressen“ korrigieren (dort mit Vorschlägen), dann neu "
             "planen."]
    if not_open:
        gone = sorted(st.client.id for st in not_open)
        lines.append(f"Nicht offen: {', '.join(gone[:NOTHING_TO_PLAN_ROWS])}"
                     + (" …" if len(gone) > NOTHING_TO_PLAN_ROWS else "") + ".")
    return "\n".join(lines)


def _plan_span(
    store: Store,
    profile: Profile,
    options: PlanOptions,
    *,
    actor: str,
    teams: Sequence[Any] | None,
    clients_path: str | os.PathLike[str] | None,
    osm: str | os.PathLike[str] | None,
    districts_file: str | os.PathLike[str] | None,
    progress: Progress | None,
    memo: dict[str, Any] | None = None,
    note: str = "",
) -> PlanResult:
    say = progress or noop_progress
    memo = {} if memo is None else memo
    say("Kundenliste lesen", 0.0)
    osm_path = resolve_osm(profile, osm, progress=lambda msg: say(msg, 0.0))
    cw = Casework(store, profile, actor=actor, osm=osm_path)
    span = Span(options.start, options.days, cw.calendar)
    span.require_work_days()
    if clients_path and "imported" not in memo:
        memo["imported"] = cw.import_clients(clients_path, today=options.start)
    imported = memo.get("imported")
    # what changes after this moment is found before the plan is stored (_check_unchanged)
    marker = store.change_marker()
    states = cw.states()
    today = cw.today()
    in_span, ahead, overdue = _pending(store, profile.name, span, today)
    busy = {**ahead, **in_span}
    # the list's ids by id_key: a case stored as "Q-101" is listed as "q-101" or "Ｑ-101"
    list_ids = {id_key(c.id) for c in imported.clients} if imported else set()
    row_of = {id_key(c.id): c.row for c in imported.clients} if imported else {}
    pool = _free_open(states, busy)
    others = [st for st in states if id_key(st.client.id) in list_ids
              and not (st.status == "offen" and st.client.id not in busy)]
    not_open = [st for st in others if st.status != "offen"]  # (the others are busy)
    status_of = {st.client.id: st.status for st in states}
    cli = actor.startswith("cli:")
    busy_open = any(status_of.get(v.client_id, "offen") == "offen" for v in busy.values())

    def planned_elsewhere() -> tuple[list[str], list[str]]:
        """What a refusal says of the plans that hold the other cases (nothing is
        stored); read only when refusing (it reads each plan's span)."""
        return _planned_elsewhere(store, busy, status_of,
                                  [st for st in others if st.status == "offen"], cli=cli)

    if not pool:  # no case to plan: no plan is stored (it would hold no team-day)
        elsewhere, named = planned_elsewhere()
        if busy_open:
            text = _all_planned(profile.name, imported, not_open, elsewhere)
        else:
            # on the command line only: the web reaches its own city's cases only and has
            # no --city (nor should it name the other cities of the database)
            hint = other_cities_hint(store, profile.name) if cli else ""
            text = "\n".join([_nothing_to_plan(profile.name, imported, others, hint),
                              *elsewhere])
        if not named:
            raise UserError(text)
        # (a web job keeps the case ids it names: a view of its message is audited)
        raise CasesRefused(text, client_ids=sorted({*named, *_named_cases([], not_open)}),
                           brief=text)
    say("Adressen geokodieren (offline)", 0.1)
    # an erased case's address is "(gelöscht)": nothing to look up
    located = cw.locate([st.client for st in pool + others if st.erased_at is None])
    say("Stadtteile zuordnen", 0.25)
    districts = _districts(osm_path, profile, districts_file)
    district_of = _assign(districts, located)

    rejected: list[Rejected] = list(imported.rejected) if imported else []
    # a rejected row of an erased case that is done quotes what was erased: not kept
    from hausbesuch.casework.erasure import ERASABLE, ERASED

    gone = {id_key(st.client.id) for st in states
            if st.erased_at is not None and st.status in ERASABLE}
    rejected = [replace(r, reason=ERASED) if r.id and id_key(r.id) in gone else r
                for r in rejected]
    unassigned: list[UnassignedVisit] = []
    snapshot = []
    geocodes = []
    candidates: list[Candidate] = []
    passed_pins: dict[str, str] = {}
    other_ids = {st.client.id for st in others}
    left_out: dict[str, Client] = {}  # the cases make_candidate left out for their days
    for st in pool + others:
        if st.erased_at is not None:
            c = replace(st.client, row=row_of.get(id_key(st.client.id), 0))
            snapshot.append(c)
            geocodes.append(_erased_geocode(c.id))
            if c.id in other_ids:  # done, and listed: its status says why
                unassigned.append(UnassignedVisit(c.id, f"status_{st.status}",
                                                  _status_reason(st), None, None, c.address,
                                                  OUTSIDE, tries_before=st.directive.tries))
            else:
                rejected.append(_erased_rejection(st, c.row))  # type: ignore[arg-type]
            continue
        loc = located[st.client.id]
        c = _as_corrected(replace(st.client, row=row_of.get(id_key(st.client.id), 0)), loc)
        snapshot.append(c)
        g = loc.geocode(district_of.get(c.id, OUTSIDE))
        geocodes.append(g)
        if c.id in other_ids:
            if c.id in busy and st.status == "offen":  # (a closed one: its status says why)
                v = busy[c.id]
                reason = (f"Bereits in Plan {v.plan_id} am {format_day(v.day)} eingeplant "
                          "(zum Ändern: jenen Plan neu planen).")
                code = "already_planned"
            else:
                reason, code = _status_reason(st), f"status_{st.status}"
            unassigned.append(UnassignedVisit(c.id, code, reason, g.lon, g.lat, c.address,
                                              g.district, tries_before=st.directive.tries))
            continue
        if not loc.plannable:
            rejected.append(_address_rejected(c, loc))
            continue
        cand = make_candidate(c, g, span=span, profile=profile, directive=st.directive,
                              pin_team=st.pin_team, pin_day=st.pin_day,
                              pin_time_min=st.pin_time_min, pin_source=st.pin_source,
                              today=today)
        if passed := passed_pin(span, st.directive, st.pin_day, st.pin_source, today):
            passed_pins[c.id] = passed
        if isinstance(cand, UnassignedVisit):
            unassigned.append(cand)
            left_out[c.id] = c
        else:
            candidates.append(cand)

    if not candidates and all(u.client_id in other_ids for u in unassigned):
        # every open case's address failed (the list's cases not open plan nothing either;
        # the other open cases are in stored plans, ``elsewhere``)
        elsewhere, named = planned_elsewhere()
        if busy_open:
            elsewhere = ["Die übrigen offenen Fälle sind schon eingeplant:", *elsewhere]
        raise CasesRefused(
            "\n".join([_no_address_found(profile.name, rejected, not_open), *elsewhere]),
            client_ids=sorted({*_named_cases(rejected, others), *named}),
            brief="\n".join([_no_address_found_brief(profile.name, rejected, not_open),
                             *elsewhere]))
    team_list = _teams(profile, teams, cw.index, store)
    team_ids = {t.id for t in team_list}
    absent = _absences(store, profile, team_list, span)
    from_now, now_note = _from_now(team_list, span, absent)
    shifts_cut = {**absent, **from_now}  # (the first day's shifts from now on, if today)
    unassigned[:] = [_spoken_by_none(u, left_out[u.client_id], team_list, replan=False,
                                     teams_file=teams is not None)
                     if u.client_id in left_out else u for u in unassigned]
    kept_cands = []
    for cand in candidates:
        cand = _team_spelling(cand, team_ids)
        bad = _pin_check(cand, team_ids, shifts_cut, span, team_list,
                         needs=VisitNeeds.of(cand, profile, districts.names),
                         replan=False, teams_file=teams is not None)
        (unassigned.append(bad) if bad else kept_cands.append(cand))
    params = {"options": options.to_dict(), "teams": [team_to_dict(t) for t in team_list],
              # the city's teams (not a --teams file's): a re-plan takes over what it can
              # of their changes since (:func:`_city_team_changes`)
              "teams_of_city": teams is None,
              # the profile it was made with: letters, replan and show load this one
              "profile": profile_ref(profile),
              # ... and its [erreichbarkeit]: every view shows the chances as made
              athome.PARAMS_KEY: athome.stored_settings(profile),
              "osm": str(osm_path),
              # which extract the points were found in, and which points an address fix
              # by text gave: the pin checks keep a point only while both still hold
              # (_points_unchanged, review 36 #3)
              "extract": extract_fingerprint(osm_path),
              "fix_points": _fix_points(located),
              "districts_file": str(districts_file) if districts_file else None,
              "total_rows": imported.total_rows if imported else None,
              "list": imported.source if imported else None,
              # (without a list: the stored open cases that seem one person, QA 44a F2)
              "warnings": [*(imported.warnings if imported else same_person_notes(
                  [st for st in states if st.erased_at is None],
                  cw.other_person_pairs()))]}
    _carry_district_notes(params, districts)
    params["warnings"] += [*_holiday_notes(span, team_list), *_absence_notes(absent, span),
                           *now_note, *athome.plan_notes(profile, team_list)]
    params["passed_pins"] = passed_pins  # (report.csv's rows say it: QA 40 F2)
    # (stored: :func:`hausbesuch.teams.plan_shift` ends a team's shift there for every
    # view of the plan, the letters' windows and the web's forms)
    params["short_days"] = span.calendar.short_ends(span.start, span.days)
    pool_ids = {st.client.id for st in pool}
    overdue = [v for v in overdue if v.client_id in pool_ids]
    if overdue:  # (in the words of show's note; these cases are open, and planned here)
        from hausbesuch.casework.stops import no_outcome_note

        n = len({v.client_id for v in overdue})
        params["warnings"].append(no_outcome_note(
            [(v.day, v.team_id, v.client_id, "") for v in overdue],
            # (review 37 #3: „bis dahin sind die Fälle hier erneut eingeplant“ read as if
            # an outcome entered later took them out of this plan; it does not)
            how="(hausbesuch outcomes LISTE), am besten vor dem Planen",
            then=f"dieser Plan plant {'den Fall' if n == 1 else 'die Fälle'} erneut ein"))
    # a visit ahead keeps an open case out of this plan; a case no longer open is not
    # planned anyway, but its visit is still on a route: named apart, to re-plan that plan
    ahead_by_plan: dict[str, list[Any]] = {}
    closed_by_plan: dict[str, list[Any]] = {}
    for v in sorted(busy.values(), key=lambda v: (v.day, v.client_id)):
        if status_of.get(v.client_id, "offen") != "offen":
            closed_by_plan.setdefault(v.plan_id or "?", []).append(v)
        elif v.client_id not in in_span:
            ahead_by_plan.setdefault(v.plan_id or "?", []).append(v)
    for pid, visits in sorted(closed_by_plan.items()):
        n = len(visits)
        shown = ", ".join(f"{v.client_id} am {format_day(v.day)}" for v in visits[:10])
        params["warnings"].append(
            f"{n} {'Fall ist' if n == 1 else 'Fälle sind'} nicht mehr offen, aber in Plan "
            f"{pid} noch eingeplant ({shown}{' …' if n > 10 else ''}); bitte jenen Plan "
            "neu planen, sonst klingeln die Teams dort.")
    for pid, visits in sorted(ahead_by_plan.items()):
        for when, these in (("vor", [v for v in visits if v.day < span.start]),
                            ("nach", [v for v in visits if v.day > span.last])):
            if not these:
                continue
            n = len(these)
            shown = ", ".join(f"{v.client_id} am {format_day(v.day)}" for v in these[:10])
            params["warnings"].append(
                f"{n} {'Fall hat' if n == 1 else 'Fälle haben'} in Plan {pid} schon einen "
                f"geplanten Besuch {when} diesem Zeitraum ({shown}{' …' if n > 10 else ''}) "
                f"und {'wird' if n == 1 else 'werden'} hier nicht eingeplant.")
    others_in_span = Counter(v.plan_id or "?" for v in in_span.values())
    booked_twice = [
        f"Im Zeitraum {'ist' if n == 1 else 'sind'} schon {count(n, 'Besuch', 'Besuche')} "
        f"in Plan {pid} eingeplant; dieser Plan kommt "
        "dazu, die Teams können doppelt verplant sein. Änderungen an einem Plan (etwa "
        "eine danach korrigierte Adresse) besser als neue Version dieses Plans: „Neu planen“ auf seiner Seite im Web, "
        f"„replan {pid} --from …“ auf der Kommandozeile." for pid, n in sorted(others_in_span.items())]
    params["warnings"] += booked_twice
    params["warnings"] += _older_plans_in_span(store, profile.name, span)
    kept_cands = _bound_size(kept_cands, team_list, span, profile, options, unassigned,
                             params["warnings"],
                             [k for k, ov in shifts_cut.items() if ov.removed])
    result = _solve_and_assemble(
        kept_cands, team_list, span=span, options=options, osm_path=osm_path, index=cw.index,
        profile=profile, say=say, districts=districts, unassigned=unassigned,
        rejected=rejected, clients=snapshot, geocodes=geocodes, params=params, store=store,
        overrides=shifts_cut)
    if booked_twice and not any(r.stops for r in result.plan.routes):
        # a plan without visits books no team: only its cases not planned, with their
        # reasons, are stored (QA 31: „0 Besuche“ and the teams „doppelt verplant“)
        _drop_notes(result, booked_twice)
    if empty := no_visit_note(result.plan, others_in_span):
        # first among its notes (QA 45c F9: „0 Besuche“ beside the real plan, unsaid)
        for where in (result.plan.params.setdefault("warnings", []), result.plan.warnings):
            where.insert(0, empty)
    result.chances = athome.plan_chances(store, profile, result.plan)
    result.absent_columns = dict(imported.absent_columns) if imported else {}
    say("Plan speichern", 0.95)
    _add_note(result.plan, _passed_pins_note(passed_pins, result.plan))
    _add_note(result.plan, note)
    for n in _later_plan_note(store, result.plan, replan=False):
        _add_note(result.plan, n)
    _keep_districts(store, profile, districts, actor)
    save_plan_and_visits(store, result.plan, actor=actor, unchanged_since=marker)
    result.plan_id = result.plan.id
    say("Fertig", 1.0)
    return result


def _drop_notes(result: PlanResult, notes: Collection[str]) -> None:
    """Take ``notes`` out of a plan's notes: those stored with it (``params``), those its
    files and pages show (``plan.warnings``) and those the command line prints."""
    plan = result.plan
    for where in (plan.params.setdefault("warnings", []), plan.warnings, result.warnings):
        where[:] = [w for w in where if w not in notes]


def _solve_and_assemble(
    candidates: list[Candidate], team_list: list[Any], *, span: Span, options: PlanOptions,
    osm_path: Path, index: Any, profile: Profile, say: Progress, districts: Any,
    unassigned: list[UnassignedVisit], rejected: list[Rejected], clients: list[Any],
    geocodes: list[Any], params: dict[str, Any],
    overrides: dict[tuple[str, int], ShiftOverride] | None = None,
    kept: dict[tuple[str, date], TeamDayRoute] | None = None,
    version: int = 1, predecessor_id: str | None = None, store: Store | None = None,
    move_cost: int = 0, initial: dict[tuple[str, int], list[str]] | None = None,
) -> PlanResult:
    from routing.vroom_json import job_ids, solution_to_json

    routes: list[TeamDayRoute] = []
    solution_json: dict[str, Any] = {}
    snap_far: dict[str, float] = {}
    built = build_problem(candidates, team_list, span=span, options=options,
                          osm_path=osm_path, index=index, overrides=overrides, progress=say,
                          move_cost=move_cost, span_cost=profile.workday.span_cost,
                          team_balance=profile.workday.balance_minutes * 60,
                          replan=predecessor_id is not None,
                          # the letters written today (a new plan's; a re-plan's for the
                          # visits without one: announced_by_letter): their visits prefer
                          # the days after the post brings them
                          prefer_from=after_letters(span, profile, clock.today()),
                          early_cost=EARLY_LETTER_COST_S,
                          # the doors of the visits a re-plan keeps: no other team there
                          # that day (QA 45c F3)
                          kept=kept, quality={g.client_id: g.quality for g in geocodes},
                          **district_rules(profile, districts))
    model = athome.planning_model(store, profile, start=span.start) \
        if store is not None else None
    plain = built
    if store is not None:  # when people are at home, learned from the outcomes
        built = athome.adjust_built(built, store=store, profile=profile, start=span.start,
                                    seed=options.seed, model=model)
    solution = _run_solver(built.problem, options, say, initial)
    short = short_time_note(solution, options.time_limit)  # the time limit cut the search
    if built.problem.has_groups:  # a visit's alternatives (when weighed) become the visit
        solution = athome.merge_alternatives(plain.problem, built.problem, solution)
        built = plain
    if store is not None:  # visits of a route in the order that finds people at home
        solution = athome.improve_solution(built, solution, store=store, profile=profile,
                                           start=span.start, model=model)
    say("Wege für die Karten berechnen", 0.9)
    solution_json = solution_to_json(built.problem, solution)
    routes = assemble_routes(built, solution, span, kept=kept)
    shorts = span.short_days()
    unassigned = unassigned + [
        _short_day_hint(u, built.candidates.get(u.client_id), shorts)
        for u in assemble_unassigned(built, solution, teams_fix=_teams_fix(
            ["sprachen"], replan=predecessor_id is not None, web=False,
            teams_file=params.get("teams_of_city") is False))]
    snap_far = built.snap_far
    params["snap_far"] = snap_far
    if note := unshared_note(built.problem, solution, profile.workday.balance_minutes):
        params["warnings"] = [*(params.get("warnings") or []), note]
    if short:
        params["warnings"] = [*(params.get("warnings") or []), short]
    created = clock.now().replace(microsecond=0)
    row_of = {c.id: (c.row or 10**9, i) for i, c in enumerate(clients)}
    plan = Plan(
        id=_new_plan_id(created), city=profile.name, created_at=created, start=span.start,
        days=span.days, routes=routes,
        unassigned=sorted(unassigned, key=lambda u: row_of.get(u.client_id, (10**9, 0))),
        rejected=sorted(rejected, key=lambda r: (r.row or 10**9, r.id or "")),
        clients=clients, geocodes=geocodes, solution=solution_json,
        version=version, predecessor_id=predecessor_id, params=params,
        warnings=list(params.get("warnings") or []),
    )
    complete_unassigned(plan, job_ids(built.problem).values())
    # two teams at one door on one day that the solver could not mend (QA 45c F3); the
    # routes include a re-plan's kept visits
    for note in door_split_notes(plan, {(v, span.date(r.day)) for r in solution.routes
                                        for v in r.visits}):
        params["warnings"] = [*(params.get("warnings") or []), note]
        plan.warnings.append(note)
    # a re-plan's letters are those of the visits it planned without one (a letter out
    # keeps its window, and ``letters`` judges it by the date it carries)
    anew = None if predecessor_id is None else {
        v for r in solution.routes for v in r.visits
        if (c := plain.candidates.get(v)) is not None and c.promise is None}
    if late := late_letter_note(plan, profile, clock.today(), anew=anew):
        # letters written today that come too late for the plan's first days (QA 36 #3)
        params["warnings"] = [*(params.get("warnings") or []), late]
        plan.warnings.append(late)
    if predecessor_id is None and (free := free_team_days_note(
            plan, [(v.team.id, span.date(v.day)) for v in built.problem.vehicles()],
            team_list)):
        # team-days left empty while cases stay out: which, and why (QA 36, Lauf: „3
        # Team-Tage“ of 10 beside 15 not planned for their language); a re-plan drops it
        params["warnings"] = [*(params.get("warnings") or []), free]
        plan.warnings.append(free)
    result = PlanResult(plan=plan, districts=districts,
                        warnings=list(params.get("warnings") or []))
    result.report_rows = report_rows(plan, total_rows=params.get("total_rows"),
                                     snap_far=snap_far)
    return result


#: A team with less than this part of its share of the planned visits (by working time)
#: is named in the plan's notes (:func:`unshared_note`).
UNSHARED_PART = 0.5


def unshared_note(problem: Any, solution: Any, balance_minutes: int) -> str | None:
    """The plan's note on a team that got far fewer of the planned visits than its working
    time would give it (less than :data:`UNSHARED_PART` of its share), or None: the solver
    weighs travel against ``[workday] balance_minutes`` per visit over a team's share, so a
    slower team (on foot beside one by bike, QA 32b) may sit idle on most days without a
    word. A team's share is by working time, at most the visits its shifts allow
    (``max_visits``; :func:`routing.solve.fair_shares`), counting only the shifts that
    could take one of the visits planned (their days, windows, pins, skills): a team
    taken out for a day whose visits were announced for that day has no share of them
    (QA 33b F7: „Team team-2 hat 0 der 8 eingeplanten Besuche (… etwa 3)“ of a re-plan
    without it, by its working time on days none of them could go to). Not for one team,
    nor for a plan of fewer than four visits per team."""
    from routing.solve import fair_shares, team_caps, team_work

    teams = problem.teams
    if len(teams) < 2:
        return None
    ids = {v for r in solution.routes for v in r.visits}
    planned_visits = [v for v in problem.visits if v.id in ids]
    vehicles = [veh for veh in problem.vehicles()
                if any(_could_take(problem, v, veh) for v in planned_visits)]
    work = team_work(problem, vehicles)
    visits = Counter(r.team for r in solution.routes for _ in r.visits)
    planned = sum(visits.values())
    if float(work.sum()) <= 0 or planned < 4 * len(teams):
        return None
    fair = fair_shares(planned, work, team_caps(problem, vehicles))
    few = [(t.id, visits.get(t.id, 0), round(float(fair[i])))
           for i, t in enumerate(teams)
           if work[i] > 0 and visits.get(t.id, 0) < UNSHARED_PART * fair[i]]
    if not few:
        return None
    named = "; ".join(f"Team {team} hat {n} der {planned} eingeplanten Besuche (nach seiner "
                      f"Arbeitszeit etwa {share})" for team, n, share in few)
    by_id = {t.id: t for t in teams}
    bound = [team for team, _, _ in few if by_id[team].districts]
    outside = ""
    if bound and problem.responsibility == "soft" and problem.outside_cost > 0:
        # a team kept to its districts (stadtteile) helps elsewhere only when that saves
        # more than a visit outside costs: the other setting to turn
        outside = (f" {'Team ' + bound[0] if len(bound) == 1 else 'Die Teams ' + ', '.join(bound)}"
                   f" {'besucht' if len(bound) == 1 else 'besuchen'} außerhalb "
                   f"{'seiner' if len(bound) == 1 else 'ihrer'} Stadtteile nur, wo das mehr "
                   "spart als [workday] outside_minutes (jetzt "
                   f"{problem.outside_cost // 60}); niedriger gesetzt, "
                   f"{'hilft es' if len(bound) == 1 else 'helfen sie'} mehr aus.")
    return (f"{named}. Die Planung verteilt nach Wegzeit: ein langsameres Team (zu Fuß "
            "neben einem mit Rad oder Auto) oder eines mit engerer Zuständigkeit oder "
            "Sprache bekommt weniger. Für eine gleichmäßigere Verteilung im Stadtprofil "
            f"[workday] balance_minutes höher setzen (jetzt {balance_minutes}; mehr "
            f"Ausgleich kostet mehr Wegzeit).{outside}")


def _could_take(problem: Any, visit: Any, vehicle: Any) -> bool:
    """Whether ``vehicle`` (a team's shift) could take ``visit``: skills, days, pins and
    capacity (:meth:`routing.model.Problem.compatible`), and a time window of the visit
    within the shift (a window promised by a letter is on its day alone)."""
    if not problem.compatible(visit, vehicle):
        return False
    w = vehicle.shift.window
    return not visit.time_windows or any(tw.start <= w.end and tw.end >= w.start
                                         for tw in visit.time_windows)


def complete_unassigned(plan: Plan, used_ids: Iterable[int] = ()) -> None:
    """``plan.json``'s ``unassigned`` (``plan.solution``) as complete as the plan's: the
    solver's entries with the plan's reason (the words of report.csv), and after them the
    clients left out before solving (a pin on a holiday, windows only on days off, a case
    closed, …) in VROOM's shape, a job id no other entry uses (the case id itself when it
    is decimal and free, else one after every id in use), the case id as ``description``,
    ``reason_code`` and ``reason`` (QA 19d #3: before, plan.json listed only the
    solver's). No location: plan.json holds no client's
    point, and they have no place in the matrix. ``summary.unassigned`` counts them all."""
    sol = plan.solution
    if not isinstance(sol, dict) or "unassigned" not in sol:
        return
    entries: list[dict[str, Any]] = sol["unassigned"]
    why = {u.client_id: u for u in plan.unassigned}
    ids = {int(x) for x in used_ids}
    ids.update(int(st["id"]) for r in sol.get("routes", ()) for st in r.get("steps", ())
               if st.get("type") == "job" and isinstance(st.get("id"), int))
    seen = set()
    for e in entries:
        ids.add(int(e["id"]))
        cid = str(e.get("description", e["id"]))
        seen.add(cid)
        if (u := why.get(cid)) is not None:
            e["reason_code"], e["reason"] = u.code, u.reason
    left = []
    for u in plan.unassigned:
        if u.client_id not in seen:
            seen.add(u.client_id)
            left.append(u)
    # A decimal case id is its own job id when no other job has it: with decimal ids the
    # solver's entries carry the case id as job id and no description, so a counted id
    # could be another case's number (review 19b #1).
    from routing.vroom_json import is_uint64

    own = {u.client_id: int(u.client_id) for u in left if is_uint64(u.client_id)}
    own = {c: n for c, n in own.items() if n not in ids}  # (decimal ids are canonical)
    ids.update(own.values())
    nxt = max(ids, default=0) + 1
    for u in left:
        if (job := own.get(u.client_id)) is None:
            job, nxt = nxt, nxt + 1  # (above every id in use)
        entries.append({"id": job, "type": "job", "description": u.client_id,
                        "reason_code": u.code, "reason": u.reason})
    if isinstance(sol.get("summary"), dict):
        sol["summary"]["unassigned"] = len(entries)


def save_plan_and_visits(store: Store, plan: Plan, *, actor: str,
                         keep_ids: Sequence[str] = (),
                         unchanged_since: ChangeMarker | None = None) -> str:
    """Store a plan and its case visits in one transaction (every visit audited).

    Case visits of the plan's stops are created or, for ids that exist (a re-plan), moved
    to this plan version. A case visit of ``keep_ids`` that the plan no longer holds is
    marked ``entfallen``. With ``unchanged_since`` (:meth:`Store.change_marker` taken
    before the plan read the store) nothing is stored when a case of the plan or the
    city's teams changed since (:class:`PlanOutdated`), checked in the same transaction.
    """
    now = clock.now()
    with store.session() as s:
        store.save_plan(plan, actor=actor, session=s)
        seen = set()
        for r in plan.routes:
            for st in r.stops:
                seen.add(st.visit_id)
                v = s.get(CaseVisitRow, st.visit_id)
                if v is None:
                    v = CaseVisitRow(visit_id=st.visit_id, city=plan.city, client_id=st.client_id,
                                     try_no=st.tries_before + 1, created_at=now, status="geplant")
                    s.add(v)
                    action = "besuch_geplant"
                elif v.status == "erledigt":
                    continue  # a visit with an outcome stays as it was recorded
                else:
                    action = "besuch_verschoben" if (v.team_id, v.day, v.start_at) != (
                        r.team_id, r.day, st.start) else "besuch_unveraendert"
                v.plan_id, v.team_id, v.day = plan.id, r.team_id, r.day
                v.start_at, v.end_at, v.updated_at, v.status = st.start, st.end, now, "geplant"
                if action != "besuch_unveraendert":
                    store.audit(actor, action, city=plan.city, client_id=st.client_id,
                                plan_id=plan.id, visit_id=st.visit_id,
                                details={"team": r.team_id, "tag": r.day.isoformat(),
                                         "beginn": st.start.strftime("%H:%M")}, session=s)
        for vid in keep_ids:
            if vid in seen:
                continue
            v = s.get(CaseVisitRow, vid)
            if v is not None and v.status == "geplant":
                # the day it is called off is today's as the project counts it (the
                # exercise's HAUSBESUCH_HEUTE too, as the letters' date): "ENTFÄLLT seit"
                v.status, v.updated_at, v.plan_id = "entfallen", clock.now_on_today(), plan.id
                store.audit(actor, "besuch_entfallen", city=plan.city, client_id=v.client_id,
                            plan_id=plan.id, visit_id=vid, session=s)
        if unchanged_since is not None:
            # last, in the storing transaction, with the lock that makes a change wait
            # until this commits (PostgreSQL; SQLite's writers wait anyway): a change is
            # either seen here or comes after the plan (review 16 #3)
            lock_changes(s, plan.city, exclusive=True)
            _check_unchanged(store, plan, unchanged_since, s, own=plan.id)
    return plan.id


# --------------------------------------------------------------------------- files


def write_plan_files(result: PlanResult, out_dir: str | os.PathLike[str], profile: Profile) -> Any:
    """Write plan.json, report.csv and the maps/pages/GPX/print sheets into ``out_dir``."""
    from geodata.cache import atomic_write
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "plan.json", "w", encoding="utf-8", newline="") as fh:
        fh.write(json.dumps(result.plan.solution, ensure_ascii=False, indent=1))
    write_report(with_chances(result.report_rows, result.plan, result.chances),
                 out / "report.csv")
    settings = MapSettings.from_profile(profile)
    result.files = write_outputs(result.plan, out, districts=result.districts, settings=settings,
                                 chances=result.chances, gone=result.gone)
    result.out_dir = out
    return result.files


def show_plan(store: Store, plan_id: str, profile: Profile, *,
              osm: str | os.PathLike[str] | None = None,
              reason_text: Callable[[str], str] | None = None,
              with_districts: bool = True) -> PlanResult:
    """A stored plan as a result ready for :func:`write_plan_files` (the same files the
    ``plan`` run wrote, apart from the creation time). A stop whose case was closed since
    (and has no outcome of its own) is shown as the phone shows it: its visit is off
    (:attr:`PlanResult.gone`); one with an outcome says „erledigt 09:40 Uhr: …“
    (:attr:`PlannedStop.done`). A version a re-plan has replaced says so
    (:attr:`Plan.replaced`). ``reason_text``: how the stored reasons of rejected rows and
    unassigned visits and the plan's notes are said in the files (the web's ZIP: without
    the command line's hints, QA 26 F8); None: as stored (the command line's files).
    ``with_districts=False``: without the district outlines (read from the OSM extract),
    for the files of one team-day (print sheet, GPX), which do not show them."""
    from hausbesuch.casework.stops import mark_done, mark_gone, mark_unreported
    from hausbesuch.versions import replacement

    plan = store.load_plan(plan_id)
    if plan.city != profile.name:
        raise UserError(f"Plan {plan_id} gehört zu {plan.city}, nicht zu {profile.name} "
                        f"(--city angeben).")
    if reason_text is not None:
        said = reason_text
        plan = replace(
            plan, rejected=[replace(r, reason=said(r.reason)) for r in plan.rejected],
            unassigned=[replace(u, reason=said(u.reason)) for u in plan.unassigned],
            warnings=[said(w) for w in plan.warnings])
        if DISTRICT_NOTES in plan.params:  # (told apart by their words: the words said)
            plan.params = {**plan.params,
                           DISTRICT_NOTES: [said(w) for w in plan.params[DISTRICT_NOTES]]}
        if isinstance(plan.solution, dict) and plan.solution.get("unassigned"):
            # plan.json's reasons (complete_unassigned) in the same words (QA 45c F6)
            plan.solution = {**plan.solution, "unassigned": [
                {**e, "reason": said(e["reason"])} if isinstance(e.get("reason"), str) else e
                for e in plan.solution["unassigned"]]}
    # a stop whose case was closed since is off in every file (gone, QA 25 F3); one with
    # an outcome recorded says so instead of its planned visit (done, QA 28 F10); one on a
    # day gone by without an outcome says that (unreported, QA 36 #4)
    plan = mark_unreported(store, mark_done(store, mark_gone(store, plan)), clock.today())
    plan.replaced, plan.replaced_version = replacement(store, plan.id)
    params = plan.params or {}
    districts = None
    if with_districts:
        osm_path = resolve_osm(profile, osm or params.get("osm"))
        districts = _districts(osm_path, profile, params.get("districts_file"))
    result = PlanResult(plan=plan, districts=districts, plan_id=plan.id,
                        warnings=list(params.get("warnings") or []),
                        chances=athome.plan_chances(store, profile, plan),
                        gone={(r.team_id, r.day): g for r in plan.routes
                              if (g := {s.position: s.gone for s in r.stops if s.gone})})
    result.report_rows = report_rows(plan, total_rows=params.get("total_rows"),
                                     snap_far=params.get("snap_far") or {})
    return result


# --------------------------------------------------------------------------- re-plan

#: Minimal disruption: a re-plan moves a visit to another team-day only when that serves
#: more (or more urgent) visits, or saves more than this much travel (seconds).
REPLAN_MOVE_COST_S = 15 * 60


def _head_route(r: TeamDayRoute, head: Sequence[PlannedStop],
                lunch: tuple[datetime, datetime] | None) -> TeamDayRoute:
    """The first visits of a route as a route of their own, with its own figures: travel,
    waiting and visit time of those visits, the distance of their legs, no way back yet
    (the route ends with the last of them in time). A re-plan keeps it and plans on from
    there. ``head`` holds stops of ``r``; each keeps the number it was shown with in ``r``
    (:attr:`TeamDayRoute.numbers`) as its ``position``, and they stand in the order of
    their times."""
    from geodata.network import haversine_m

    travel = waiting = service = 0.0
    # (a stop stored without a visit id by its position in ``r``)
    where: dict[str | int, int] = {st.visit_id or st.position: i for i, st in enumerate(r.stops)}
    idx = [where[st.visit_id or st.position] for st in head]
    numbers = r.numbers
    head = [replace(st, position=numbers[i] or st.position) for i, st in zip(idx, head,
                                                                              strict=True)]
    # in the order the team went (a visit done early stands where it took place), as the
    # map's line, the directions, the way on and a later re-plan read the list; the
    # numbers are the positions (review 29: kept in the version's order, the line sent
    # the team back to a door visited before, and a second re-plan counted a visit's time
    # as travel)
    pairs = sorted(zip(idx, head, strict=True), key=lambda p: p[1].start)
    idx, head = [i for i, _ in pairs], [st for _, st in pairs]
    for i, st in zip(idx, head, strict=True):  # each kept visit with the leg to it
        prev = r.stops[i - 1].end if i else r.depart
        if st.start < prev:  # kept at the time it took place, before its place in the plan
            prev = st.arrival
        gap = (st.arrival - prev).total_seconds()
        if lunch is not None and prev <= lunch[0] and lunch[1] <= st.arrival:
            gap -= (lunch[1] - lunch[0]).total_seconds()
        travel += max(0.0, gap)
        waiting += max(0.0, (st.start - st.arrival).total_seconds())
        service += (st.end - st.start).total_seconds()
    # a visit done before the route's planned departure (QA 33c L3: „Start 08:33“ above
    # visits done at 08:10): the team left the way to its first stop before it. An
    # estimate: the plan's leg to the stop done first (from the start when it was the
    # first planned, else from the stop planned before it; the plan has no travel time
    # from the start to every stop); review 33: the planned first stop's leg was taken
    # when another stop was done first
    depart = r.depart
    if head and head[0].arrival < depart:
        i = idx[0]
        first_leg = max(0.0, (r.stops[i].arrival
                              - (r.stops[i - 1].end if i else r.depart)).total_seconds())
        depart = head[0].arrival - timedelta(seconds=first_leg)
        travel += first_leg
    legs = tuple(r.legs[i] for i in idx) if len(r.legs) >= len(r.stops) else ()
    if legs:
        distance = sum(float(haversine_m(a[0], a[1], b[0], b[1]))
                       for leg in legs for a, b in zip(leg, leg[1:], strict=False))
    else:  # a route read without its geometry: its distance in the share of its travel
        distance = r.distance_m * travel / r.travel_s if r.travel_s else 0.0
    return replace(r, stops=tuple(head), depart=depart, return_=last_begun(head).end,
                   lunch=lunch,
                   travel_s=int(round(travel)), waiting_s=int(round(waiting)),
                   service_s=int(round(service)), distance_m=int(round(distance)), legs=legs)


def _as_corrected(client: Client, loc: Any) -> Client:
    """The client as the field sees it: after an address fix by text that the geocoder
    found exactly, its address is the corrected one as OSM spells it (route pages, sheets,
    letters), not the list's, with the house number the coordinator typed, never OSM's
    range or list covering it ("Bierweg 4", not "Bierweg 2-6": the match of
    :meth:`hausbesuch.casework.Casework.locate`). A fix found only at street level (its
    house number not in OSM: „Johannes-Brahms-Straße 3“ taken as a suggestion for the
    list's „Brahmsstraße 3“, a street that does not exist) shows OSM's street with the
    fix's number, not the list's street beside the pin; without a number in the fix the
    list's words stay. Otherwise unchanged (a point set by hand keeps the list's words,
    the only ones there are)."""
    from hausbesuch.casework.service import with_typed_number

    if loc.source == "geokodiert":
        return _typo_corrected(client, loc)
    if not (loc.source == "korrektur_adresse" and loc.plannable and loc.match):
        return client
    if loc.quality in {"exact", "interpolated"}:
        address = loc.match
    elif loc.quality == "street" and (
            numbered := with_typed_number(loc.match, getattr(loc, "fix_address", ""))):
        address = numbered
    else:
        return client
    return replace(client, address=address, street=None, housenumber=None, postcode=None,
                   town=None)


def _typo_corrected(client: Client, loc: Any) -> Client:
    """The client as the field sees it when the geocoder found the list's address with a
    typing error in the street's name that it is sure of („Breitenstrase 20“: found, not in
    doubt, at the Breitenstraße; :func:`geodata.geocode.street_typo_of`): the address with
    the street as OSM writes it, the rest as typed (house number, c/o line, additions,
    postcode and town), so that the route pages, the print sheet, the phone and the map
    say where the team goes, not the typo (QA 31). The *Adressen* page keeps the list's
    words, and ``report.csv`` names the typo („Straßenname unscharf erkannt: …“).
    The street typed as OSM has it (also „Breitenstr.“) keeps its words, only a house
    number glued to it gets its space („Breitenstraße20“ -> „Breitenstraße 20“, as the
    geocoder read it). Otherwise unchanged: found in doubt (the street may be another
    one) or not found."""
    from geodata.addresses import parse_address
    from geodata.geocode import street_typo_of

    if loc.doubt or not loc.plannable or not loc.match or not client.address:
        return client
    typed = parse_address(client.address).street
    found = parse_address(loc.match).street
    typo = street_typo_of(typed, found)
    address = _street_replaced(client.address, typed, found if typo else None)
    if address is None or address == client.address:
        return client
    street = client.street
    if street and (own := parse_address(street).street or street.strip()):
        if street_typo_of(own, found):
            street = _street_replaced(street, own, found) or found
        else:
            street = _street_replaced(street, own, None) or street
    return replace(client, address=address, street=street)


def _street_replaced(text: str, typed: str, found: str | None) -> str | None:
    """``text`` with the street ``typed`` (as the parser read it) written as ``found``
    (None: as typed): its first occurrence, in any case (the parser drops a closing dot
    and doubled spaces), also with the house number glued to it, which gets its space
    („Breitenstrase20“ -> „Breitenstraße 20“: the parser splits the number off, so the
    typo is corrected there too); None when the street does not stand in ``text``."""
    pattern = (r"(?<!\w)" + r"\s+".join(re.escape(w) for w in typed.split())
               + r"\.?(?![^\W\d_])")
    m = re.search(pattern, text, re.IGNORECASE)
    if m is None:
        return None
    glued = text[m.end():m.end() + 1].isdigit()
    return (text[:m.start()] + (m.group(0) if found is None else found)
            + (" " if glued else "") + text[m.end():])


def replan(
    store: Store,
    plan_id: str,
    profile: Profile,
    *,
    moment: datetime,
    actor: str,
    without_teams: Sequence[str] = (),
    with_teams: Sequence[str] = (),
    time_limit: float | None = None,
    osm: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    threads: int | None = None,
    seed: int | None = None,
) -> PlanResult:
    """A new version of a plan: every visit before ``moment`` (and every visit with an
    outcome) stays as it was; the rest of the span is re-optimized from where each team is
    at that moment, pins kept, ``without_teams`` removed for the rest of that day (and
    the teams earlier versions removed for the rest of a day from the moment's on: on a
    later day they work until they went; ``with_teams`` brings such a team back from the
    moment on, for the moment's day), absent team-days left out. An appointment agreed at a
    visit, and the revisit of a case whose visit of the plan failed (:func:`_revisits_due`),
    is a visit of its own. Disruption is minimal: the old plan is the solver's start and a
    visit moves to another team-day only when that serves more (or more urgent) visits or
    saves more than :data:`REPLAN_MOVE_COST_S` of travel. One at a time with the city's
    other plans (:meth:`Store.planning_lock`). ``time_limit``, ``threads`` and ``seed``
    replace the plan's own for this re-plan (None keeps them).
    """
    with store.planning_lock(profile.name):
        return _attempts(lambda say, note: _replan(
            store, plan_id, profile, moment=moment, actor=actor, without_teams=without_teams,
            with_teams=with_teams, time_limit=time_limit, osm=osm, progress=say,
            threads=threads, seed=seed, note=note), progress)


T = TypeVar("T")


def _merge_by_id(old: Sequence[T], fresh: dict[str, T], key: Callable[[T], str]) -> list[T]:
    """``old`` with the items of ``fresh`` in place of those of the same id, the rest of
    ``fresh`` appended."""
    seen = {key(x) for x in old}
    return [fresh.get(key(x), x) for x in old] + [x for k, x in fresh.items() if k not in seen]


def _merge_rejected(old: Sequence[Rejected], fresh: dict[str, Rejected],
                    handled: set[str]) -> list[Rejected]:
    """The rejections of a re-plan: the list's rows rejected at import stay; a stored
    client's address rejection (:func:`_address_rejected`) stays only if the re-plan did
    not look at that client again, else its rejection of today (or none) takes its place."""
    kept = [r for r in old
            if not (_is_address_rejected(r) and (r.id in handled or r.id in fresh))]
    rows = kept + list(fresh.values())
    return sorted(rows, key=lambda r: (r.row or 10**9, r.id or ""))


def _replan(
    store: Store,
    plan_id: str,
    profile: Profile,
    *,
    moment: datetime,
    actor: str,
    without_teams: Sequence[str],
    time_limit: float | None,
    osm: str | os.PathLike[str] | None,
    progress: Progress | None,
    with_teams: Sequence[str] = (),
    threads: int | None = None,
    seed: int | None = None,
    note: str = "",
) -> PlanResult:
    say = progress or noop_progress
    # what changes after this moment is found before the version is stored
    marker = store.change_marker()
    old = store.load_plan(plan_id)
    if old.city != profile.name:
        raise UserError(f"Plan {plan_id} gehört zu {old.city}, nicht zu {profile.name} "
                        "(--city angeben).")
    params = dict(old.params or {})
    if "options" not in params or "teams" not in params:
        raise UserError(f"Plan {plan_id} enthält nicht die Angaben zum Neuplanen (er stammt "
                        "von einer älteren Version); bitte neu planen mit hausbesuch plan.")
    options = PlanOptions.from_dict(params["options"])
    if time_limit is not None:
        options = replace(options, time_limit=time_limit)
    if threads is not None:
        options = replace(options, threads=threads)
    if seed is not None:
        options = replace(options, seed=seed)
    span_end = datetime.combine(old.start + timedelta(days=old.days), datetime.min.time())
    span_start = datetime.combine(old.start, datetime.min.time())
    if not span_start <= moment < span_end:
        # a plan not begun yet is re-planned from its start (QA 41 F8: „from now“, as the
        # weekly cycle does it, was refused without saying what to give)
        hint = (f" Für eine Neuplanung vor seinem Beginn: --from "
                f"\"{old.start:%Y-%m-%d} 00:00\" (Beginn des Plans)."
                if moment < span_start else "")
        raise UserError(f"--from {format_moment(moment)} liegt nicht im Zeitraum des Plans "
                        f"({format_days(old.start, old.start + timedelta(days=old.days - 1))})."
                        + hint)
    team_list = [team_from_dict(d) for d in params["teams"]]
    ids = {t.id for t in team_list}
    for option, named in (("--without-team", without_teams), ("--with-team", with_teams)):
        unknown = [t for t in named if t not in ids]
        if unknown:
            raise UserError(f"{option}: Team „{unknown[0]}“ gibt es in Plan {plan_id} nicht "
                            f"(Teams: {', '.join(sorted(ids))}).")
    if both := sorted(set(without_teams) & set(with_teams)):
        raise UserError(f"Team „{both[0]}“ steht bei --without-team und bei --with-team; "
                        "bitte nur eines angeben.")
    newer = [p for p in store.list_plans(old.city) if _predecessor(store, p.id) == plan_id]
    if newer:
        raise UserError(f"Plan {plan_id} wurde bereits durch Plan {newer[0].id} ersetzt; "
                        f"bitte diesen neu planen.")
    say("Plan laden", 0.0)
    osm_path = resolve_osm(profile, osm or params.get("osm"))
    cw = Casework(store, profile, actor=actor, osm=osm_path)
    span = Span(old.start, old.days, cw.calendar)
    # the plan's visits with an outcome, whichever version they were recorded under (a
    # recorded visit keeps the plan id of its version; before, a replan of a replan took
    # them for visits still to do)
    old_visit_ids = sorted({st.visit_id for r in old.routes for st in r.stops if st.visit_id})
    with store.session() as s:
        recorded = {v.visit_id for v in s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.visit_id.in_(old_visit_ids),
            CaseVisitRow.status == "erledigt"))} if old_visit_ids else set()
        # visits called off since the plan was made (a cancellation letter for a case
        # closed since): never kept on a route again, before or after the moment (before,
        # one before the moment was kept and so made "geplant" again, unaudited)
        called_off = {v.visit_id for v in s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.visit_id.in_(old_visit_ids),
            CaseVisitRow.status == "entfallen"))} if old_visit_ids else set()
        # when each recorded visit took place (the time its outcome gives)
        done_at = {o.visit_id: datetime.combine(o.day, datetime.min.time())
                   + timedelta(minutes=o.time_min)
                   for o in s.execute(select(OutcomeRow.visit_id, OutcomeRow.day,
                                             OutcomeRow.time_min).where(
                       OutcomeRow.visit_id.in_(sorted(recorded))))
                   if o.time_min is not None} if recorded else {}
    day_index = (moment.date() - old.start).days
    # the teams earlier re-plans took out for the rest of a day stay out on every day
    # from the moment's on (QA 20a #1: before, a second re-plan of the day put them back to
    # work; review 20 #1: a re-plan from an earlier day put a team taken out for a later
    # day back to work): team-day -> when it went, and the version that took it out; those
    # named now go at this moment. Days before the moment's are history.
    # Each absence is a span of time (review 21: a return counted for its whole day, so a
    # re-plan from before it forgot the absence): team-day -> [(from, version, back at or
    # None: the rest of the day)], every day of the plan (a re-plan from an earlier moment
    # needs them); those in force at or after the moment are planned around.
    spells = {k: list(w) for k, w in _removed_earlier(store, old).items() if k[0] in ids}
    carried = _in_force(spells, moment, span_end.date())
    absent = _absences(store, profile, team_list, span, since=moment.date())
    for t in without_teams:  # (QA 33a F6: a removal on a day off stored a version)
        if (t, moment.date()) not in carried and (
                why := _no_work_left(next(x for x in team_list if x.id == t), span,
                                     day_index, moment, absent, old.params)):
            raise UserError(f"--without-team: Team {t} arbeitet am {format_day(moment.date())}"
                            f" {why}; da ist nichts abzumelden. Nichts gespeichert.")
    # a team back at work (it was taken out by mistake, or came back): from the moment on
    # (the moment's day only: a removal of a later day stays until a re-plan from that
    # day brings the team back, review 20c #2); a removal after the moment is called off
    back_of = {t for t in with_teams if (t, moment.date()) in carried}
    if missing := sorted(set(with_teams) - back_of):
        raise UserError(f"--with-team: Team „{missing[0]}“ ist am {format_day(moment.date())} in Plan "
                        f"{plan_id} nicht abgemeldet (eine Abmeldung eines späteren Tages "
                        "hebt eine Neuplanung ab jenem Tag auf).")
    for t in back_of:
        key = (t, moment.date())
        spells[key] = [(at, v, back if back is not None and back <= moment else moment)
                       for at, v, back in spells[key] if at < moment]
    for t in without_teams:  # out from the moment (or since it went, if out then) on
        key = (t, moment.date())
        now_out = [w for w in spells.get(key, []) if w[0] <= moment
                   and (w[2] is None or w[2] > moment)]
        spells[key] = [w for w in spells.get(key, []) if w[0] < moment and w not in now_out] \
            + ([(w[0], w[1], None) for w in now_out] or [(moment, old.version + 1, None)])
    spells = {k: sorted(w) for k, w in spells.items() if w}
    out_since = _in_force(spells, moment, span_end.date())
    kept: dict[tuple[str, date], TeamDayRoute] = {}
    overrides: dict[tuple[str, int], ShiftOverride] = {}
    moving: list[tuple[str, str]] = []  # (client id, visit id) to plan again
    home_of: dict[str, tuple[str, int]] = {}
    initial: dict[tuple[str, int], list[str]] = {}  # warm start: the old order
    off_clients: set[str] = set()  # clients of visits called off (a visit of their own)
    for r in old.routes:
        off = [st for st in r.stops if st.visit_id in called_off]
        off_clients.update(st.client_id for st in off)  # its case says what comes next
        if r.day < moment.date():  # earlier days stay whole, but for what was called off
            # (each stop with the number it was shown with)
            kept[(r.team_id, r.day)] = r if not off else replace(r, stops=tuple(
                replace(st, position=nr or st.position)
                for st, nr in zip(r.stops, r.numbers, strict=True)
                if st.visit_id not in called_off))
            continue
        # (a team taken out later that day by the version re-planned keeps its visits
        # until then: a re-plan from an earlier moment does not take them away)
        gone = out_since.get((r.team_id, r.day))
        cut = max(moment, gone[0][0]) if gone and r.day == moment.date() else moment
        go = [st for st in r.stops if st.start >= cut and st.visit_id not in recorded
              and st.visit_id not in called_off]
        moving += [(st.client_id, st.visit_id) for st in go]
        for st in go:  # minimal disruption: each visit's team-day is its home
            home_of[st.client_id] = (r.team_id, span.index(r.day))
            initial.setdefault((r.team_id, span.index(r.day)), []).append(st.client_id)
        # the visits kept: those begun by the moment (the plan's history) and those with a
        # recorded outcome, each with the number it was shown with (the morning's sheet
        # and phone: QA 28 F10; before, a visit done early took the number of another),
        # in the order of their times (_head_route).
        # A recorded visit planned after the moment: done before it (out of the plan's
        # order) it is kept at the time it took place and does not hold up the team; done
        # after it (a replan from a past moment) it stays at its time, and its team-day is
        # planned on from its end (before: pinned to its exact minute, and dropped when the
        # moment left too little time to get there)
        head = []
        for st in r.stops:
            if st.visit_id in called_off or not (st.start < cut or st.visit_id in recorded):
                continue
            if st.start >= cut:
                at = done_at.get(st.visit_id)
                if at is not None and at < moment:
                    st = replace(st, arrival=at, start=at, end=at + (st.end - st.start))
            head.append(st)
        if head:  # the moment's day, or recorded visits after the moment
            end = max([moment] + [st.end for st in head])
            kept[(r.team_id, r.day)] = _head_route(
                r, head, r.lunch if r.lunch and r.lunch[0] < end else None)
    for t in team_list:
        for k in range(day_index, span.days):
            d = span.date(k)
            before = kept.get((t.id, d))
            if (t.id, k) in absent:
                continue  # (its own override, with its reason)
            gone = out_since.get((t.id, d), [])
            if k == day_index and (out := _taken_out(t.id, d, gone)) is not None:
                overrides[(t.id, k)] = out
                continue
            midnight = datetime.combine(d, datetime.min.time())
            resume = moment
            if k == day_index and gone:  # out for a while (its visits before then kept):
                resume = max(moment, gone[0][2] or moment)  # it starts again on its return
                gone = gone[1:]
            ov: ShiftOverride | None = None
            if before is not None and before.stops:
                last = last_begun(before.stops)  # where the team is, from when
                start_s = max(resume, last.end) - midnight
                ov = ShiftOverride(place=(last.lon, last.lat),
                                   start_s=int(start_s.total_seconds()),
                                   lunch=before.lunch is None, kept=len(before.stops))
            elif k == day_index:
                start_s = resume - midnight
                ov = ShiftOverride(start_s=int(start_s.total_seconds()))
            if gone:  # it works until it goes, back at its end (a later day: until it
                # first goes; its return is planned by a re-plan from that day)
                ov = replace(ov or ShiftOverride(),
                             end_s=int((gone[0][0] - midnight).total_seconds()))
            if ov is not None:
                overrides[(t.id, k)] = ov
    # the city's teams changed since the plan (QA 33a F2: kept without a word): from the
    # first day the re-plan has whole, a day a team no longer works has no tour and a
    # shorter shift is kept to; what a re-plan cannot take over is said
    changed, team_notes = _changed_shifts(
        params, team_list, lambda: _teams(profile, None, cw.index, store), span, moment)
    # every team-day's shift is stored with the version: the letters and the pin checks
    # keep to it (:func:`hausbesuch.teams.plan_shift`; closing 33: they kept to the plan's)
    params["team_day_shifts"] = _shift_rows(changed, span)
    for key, ov in changed.items():
        have = overrides.get(key)
        if key in absent or (have is not None and have.removed):
            continue
        if have is None or ov.removed:
            overrides[key] = ov
            continue
        overrides[key] = replace(
            have, start_s=max(x for x in (have.start_s, ov.start_s, 0) if x is not None),
            end_s=min((x for x in (have.end_s, ov.end_s) if x is not None), default=None))
    overrides.update(absent)
    # the candidates: the moving visits plus what the old plan could not hold, plus open
    # clients pinned into the rest of the span since (an appointment agreed at the door on
    # a visit of this plan, a pin set after planning): a visit of their own
    moving_ids = {cid for cid, _ in moving} | off_clients
    visit_of = dict(moving)
    with store.session() as s:
        pins = {r.client_id: r for r in s.execute(select(
            ClientRow.client_id, ClientRow.pin_day, ClientRow.pin_time_min,
            ClientRow.pin_source).where(
            ClientRow.city == old.city, ClientRow.status == "offen",
            ClientRow.pin_day >= moment.date(), ClientRow.pin_day < span_end.date()))}
        pinned_since = set(pins)
        # clients this version may plan although the old one held no visit for them (not
        # planned, rejected, or their visit called off): another plan may have booked them
        free_again = (off_clients | {u.client_id for u in old.unassigned}
                      | {r.id for r in old.rejected if _is_address_rejected(r) and r.id})
    unrecorded = {st.client_id: st for r in kept.values() for st in r.stops
                  if st.visit_id not in recorded}
    # the cases whose visit of this plan failed (nicht angetroffen, Nachricht hinterlassen)
    # and that have no visit still to do in it: their revisit, where the rules leave a day
    # of the span, is a visit of their own, as an agreed appointment's (QA 31: before, the
    # kept stop with its outcome was all the plan said of them until the next week's plan)
    visited = {st.client_id for r in kept.values() for st in r.stops
               if st.visit_id in recorded}
    tried = _revisits_due(cw, span, visited - moving_ids - pinned_since - set(unrecorded))
    with store.session() as s:
        look = sorted(pinned_since | free_again | set(tried))
        # a visit still to do in another plan: that plan has the client (an overdue one,
        # before today without an outcome, does not: plans take those up again)
        elsewhere = {v.client_id: v for v in s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.city == old.city, CaseVisitRow.status == "geplant",
            CaseVisitRow.plan_id != old.id, CaseVisitRow.day >= cw.today(),
            CaseVisitRow.client_id.in_(look)))} if look else {}
    # a case visited in this plan whose next visit another plan holds (the next week's,
    # made since): nothing to do here, and nothing to list (review 31, QA 31b: it was
    # listed as „Bereits in Plan …“, also when the version before had listed its revisit
    # as not plannable, which put it among ``free_again``)
    left_to_other = (visited & set(elsewhere)) - {cid for cid, _ in moving}
    booked = (free_again & set(elsewhere)) - {cid for cid, _ in moving} - left_to_other
    waiting = set(unrecorded) | set(elsewhere)
    revisit_ids = set(tried) - set(elsewhere)
    # (and the clients the old plan rejected for their address: fixed since, or not);
    # not those another plan has booked since (they would have two visits)
    pool_ids = list(((moving_ids | free_again) - booked - left_to_other)
                    | (pinned_since - waiting) | revisit_ids)
    # and the open cases the plan does not know that `plan` would take now (imported
    # since, re-opened; QA 22 F9: before, only a pin brought such a case in)
    pending = _pending(store, old.city, span, cw.today())
    new_ids = sorted(st.client.id for st in _taken_up(cw, old, span, pending=pending))
    pool_ids = sorted(set(pool_ids) | set(new_ids))
    new_from = max(moment, datetime.combine(cw.today(), datetime.min.time()))
    pin_notes = _pins_not_taken(pins, pinned_since & waiting - moving_ids, unrecorded,
                                elsewhere)
    states = {st.client.id: st for st in cw.states(pool_ids)}
    with store.session() as s:
        promises = {
            v.client_id: (v.promised_start, v.promised_end)
            for v in s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.visit_id.in_(list(visit_of.values())),
                CaseVisitRow.promised_start.is_not(None)))
        }
    say("Adressen geokodieren (offline)", 0.1)
    # only open cases: a visit of a case closed since (by hand, or by an outcome of
    # another visit) is called off (``entfallen``, as every moving visit this version
    # does not hold) and listed with its status
    pool: list[CaseState] = [states[c] for c in pool_ids
                             if c in states and states[c].status == "offen"]
    located = cw.locate([st.client for st in pool if st.erased_at is None])
    # the version keeps points of the old one: found in the same extract only when the
    # old one's points were (else no extract is vouched for: _points_unchanged looks
    # every case up); a point an address fix by text gave stays one until looked up again
    params["extract"] = (here if (here := extract_fingerprint(osm_path)) == params.get("extract")
                         else None)
    # (a case looked up here takes what gave its point now: review 37 #11, the list only
    # grew)
    params["fix_points"] = sorted({*(c for c in params.get("fix_points") or ()
                                     if c not in located), *_fix_points(located)})
    districts = _districts(osm_path, profile, params.get("districts_file"))
    district_of = _assign(districts, located)
    geo_old = {g.client_id: g for g in old.geocodes}
    row_old = {c.id: c.row for c in old.clients}
    old_address = {c.id: c.address for c in old.clients}
    candidates: list[Candidate] = []
    unassigned: list[UnassignedVisit] = []
    was_at = {u.client_id: (u.lon, u.lat, u.address, u.district) for u in old.unassigned}
    was_at.update({st.client_id: (st.lon, st.lat, st.address, st.district)
                   for r in old.routes for st in r.stops})
    for cid in sorted(booked):  # named as `plan` names them
        v = elsewhere[cid]
        lon, lat, address, district = was_at.get(cid, (None, None, "", ""))
        unassigned.append(UnassignedVisit(
            cid, "already_planned", f"Bereits in Plan {v.plan_id} am {format_day(v.day)} "
            "eingeplant (zum Ändern: jenen Plan neu planen).", lon, lat, address, district))
    # what this version knows of the clients it plans again: the address as fixed since,
    # its point and district, or a rejection with today's reason (before, the old plan's
    # rows were passed on, so a client fixed and planned since was still reported
    # "abgelehnt" and a moved client kept its old point in the report)
    fresh_clients: dict[str, Client] = {}
    fresh_geo: dict[str, Geocode] = {}
    fresh_rejected: dict[str, Rejected] = {}
    # (a visit the old version planned freely for a passed pin and this one keeps: its
    # words stay; the cases planned again here are looked at anew below)
    again = {st.client.id for st in pool}
    passed_before = {cid: words for cid, words in (old.params.get("passed_pins") or {}).items()
                     if cid not in again}
    still_open = ({st.client.id for st in cw.states(list(passed_before))
                   if st.status == "offen"}
                  if passed_before else set())
    passed_pins = {cid: words for cid, words in passed_before.items() if cid in still_open}
    today = cw.today()
    for st in sorted(pool, key=lambda x: x.client.id):
        # (a case taken up as new is no row of a list given to this re-plan: the summary
        # said „6 Fälle (1 aus der Liste)“)
        row_old.setdefault(st.client.id, 0 if st.client.id in new_ids else st.client.row)
        gone = _erased_rejection(st, row_old[st.client.id])
        if gone is not None:  # reopened after its data were erased (the old plan's rounded
            fresh_rejected[st.client.id] = gone  # point is no door to ring at)
            fresh_clients[st.client.id] = replace(st.client, row=gone.row)
            fresh_geo[st.client.id] = _erased_geocode(st.client.id)
            continue
        loc = located[st.client.id]
        c = _as_corrected(replace(st.client, row=row_old[st.client.id]), loc)
        # the old plan's point only for the address it was found for (a client who moved
        # to an address not found is rejected, not visited at the old door)
        same = old_address.get(c.id) == c.address
        g = (loc.geocode(district_of.get(c.id, OUTSIDE)) if loc.plannable
             else geo_old.get(c.id) if same else None)
        if g is None or g.lon is None:
            fresh_rejected[c.id] = _address_rejected(c, loc)
            # (the report's quality is that of the address rejected, not the old one's)
            fresh_clients[c.id] = c
            fresh_geo[c.id] = loc.geocode(district_of.get(c.id, OUTSIDE))
            continue
        fresh_clients[c.id], fresh_geo[c.id] = c, g
        # (a new case, a revisit, one the old plan could not plan or whose visit was
        # called off: not before today, as `plan` plans; a re-plan from a past moment
        # planned the old „Nicht eingeplant“ into days over, QA 31)
        today_on = (c.id in new_ids or c.id in revisit_ids
                    or c.id in free_again - pinned_since - set(visit_of))
        cand = make_candidate(c, g, span=span, profile=profile, directive=st.directive,
                              pin_team=st.pin_team, pin_day=st.pin_day,
                              pin_time_min=st.pin_time_min, promise=promises.get(c.id),
                              visit_id=visit_of.get(c.id), pin_source=st.pin_source,
                              not_before=new_from if today_on else moment,
                              replan_from=moment if today_on else None, today=today)
        # (a pinned day passed: planned freely, said as `plan` says it; QA 40 F2: a
        # re-plan planned a list's holiday on another day without a word)
        if passed := passed_pin(span, st.directive, st.pin_day, st.pin_source, today):
            passed_pins[c.id] = passed
        if isinstance(cand, UnassignedVisit):
            unassigned.append(_spoken_by_none(
                _revisit_reason(cand, tried[c.id], span) if c.id in revisit_ids else cand,
                c, team_list, replan=True, teams_file=params.get("teams_of_city") is False))
        elif (bad := _pin_check(cand := _team_spelling(cand, ids), ids, overrides,
                                span, team_list, day_index,
                                VisitNeeds.of(cand, profile, districts.names),
                                teams_file=params.get("teams_of_city") is False)) is not None:
            unassigned.append(bad)
        elif (cut := _outside_shift_text(
                cand.pin_team or "", span.date(cand.pin_day) if cand.pin_day is not None
                else span.start, st.pin_time_min, _taken_shift(changed, cand),
                old.params)) is not None:
            # a time of the pin outside the shorter shift taken over (as the pin form
            # says: closing 34)
            unassigned.append(UnassignedVisit(
                cand.id, "pin_team_changed", f"{cand.pin_note or 'Festlegung'}: {cut}",
                cand.geocode.lon, cand.geocode.lat, cand.client.address,
                cand.geocode.district, tries_before=cand.tries_before))
        else:
            candidates.append(replace(cand, home=home_of.get(c.id)))
    stop_of = {st.client_id: st for r in old.routes for st in r.stops}
    for cid in sorted(moving_ids):
        if (st := states.get(cid)) is not None and st.status != "offen":
            was = stop_of[cid]
            unassigned.append(UnassignedVisit(cid, f"status_{st.status}", _status_reason(st),
                                              was.lon, was.lat, was.address, was.district,
                                              tries_before=st.directive.tries))
    moved = [c for c in candidates if c.moved_promise is not None]
    moved_ids = {c.id for c in moved}
    # (whether a correction letter written today comes too late for the announced day)
    late_of = {c.id: _late_post(profile, c.moved_promise[0].date()) for c in moved}
    handled = ({c.id for c in candidates} | {u.client_id for u in unassigned}
               | set(fresh_rejected))
    for u in old.unassigned:  # clients no longer open keep their old reason
        if u.client_id not in handled and u.client_id not in left_to_other:
            unassigned.append(u)
    # every team out for the rest of a day from the moment's on, those taken out earlier
    # too: the next re-plan reads them here (:func:`_removed_earlier`)
    params.update(replan_from=moment.isoformat(timespec="minutes"),
                  # when it was made, on the day taken as today (HAUSBESUCH_HEUTE in an
                  # exercise: the plan's created_at is the real date, QA 33a F9)
                  replan_made=clock.now_on_today().isoformat(timespec="seconds"),
                  without_teams=sorted({t for t, _ in out_since}),
                  removed_teams=_spell_rows(out_since),
                  # every absence of the plan's days, also those before the moment and
                  # those over: a re-plan from an earlier moment needs them
                  teams_out_spans=_spell_rows(spells),
                  returned_teams=[{"team": t, "ab": moment.isoformat(timespec="minutes")}
                                  for t in sorted(set(with_teams))])
    # the notes of holidays (of this version's profile: ``--city`` may name another
    # Land), absences, pins not taken up and moved announcements are made again for it
    # ... and so are the districts' notes (as the re-plan finds the districts: a district
    # file set or changed since must not leave the old note, review 32 #4)
    old_district_note = district_note_test(old.params)
    params["warnings"] = [w for w in params.get("warnings") or []
                          if not _REMADE_NOTE.match(w) and not _STALE_NOTE.match(w)
                          and not old_district_note(w)]
    params["warnings"] += (_holiday_notes(span, team_list) + _absence_notes(absent, span)
                           + same_person_notes([st for st in cw.states()
                                                if st.erased_at is None],
                                               cw.other_person_pairs())
                           + athome.plan_notes(profile, team_list)
                           + _still_out_notes({(k, w) for k, ws in out_since.items()
                                               for w in ws}, old.version + 1)
                           + _back_notes(back_of, moment, carried) + team_notes
                           + pin_notes + _taken_up_note(new_ids)
                           + _taken_up_unreported(pending[2], new_ids)
                           + [_moved_note(c, late=late_of[c.id]) for c in moved])
    params["passed_pins"] = passed_pins
    # (stored: :func:`hausbesuch.teams.plan_shift` ends a team's shift there for every
    # view of the plan, the letters' windows and the web's forms)
    params["short_days"] = span.calendar.short_ends(span.start, span.days)
    _carry_district_notes(params, districts)
    params["options"] = options.to_dict()
    params["profile"] = profile_ref(profile)  # the version's own (``--city`` may name another)
    params[athome.PARAMS_KEY] = athome.stored_settings(profile)
    worded = {u.client_id for u in unassigned}  # (revisits among them: worded already)
    result = _solve_and_assemble(
        candidates, team_list, span=span, options=options, osm_path=osm_path,
        index=cw.index, profile=profile, say=say, districts=districts,
        unassigned=unassigned, rejected=_merge_rejected(old.rejected, fresh_rejected, handled),
        clients=_merge_by_id(old.clients, fresh_clients, lambda c: c.id),
        geocodes=_merge_by_id(old.geocodes, fresh_geo, lambda g: g.client_id),
        params=params, overrides=overrides, kept=kept,
        version=old.version + 1, predecessor_id=old.id, store=store,
        move_cost=REPLAN_MOVE_COST_S, initial=initial)
    result.chances = athome.plan_chances(store, profile, result.plan)
    result.plan.solution.setdefault("hausbesuch", {})["neuplanung"] = _kept_part(
        old, moment, kept)
    # a revisit the solver could not place says it is one, and that the next plan takes it
    result.plan.unassigned = [
        _revisit_reason(u, tried[u.client_id], span)
        if u.client_id in revisit_ids and u.client_id not in worded else u
        for u in result.plan.unassigned]
    # ... and those it placed are named in the version's notes: the coordinator sees what
    # the re-plan added besides what it moved (a letter may be due for them)
    _add_note(result.plan, _revisits_note(
        (s.client_id, r.day) for r in result.plan.routes for s in r.stops
        if s.client_id in revisit_ids and s.visit_id not in recorded))
    # announced visits that cannot be kept get the reason the letters issue asks for
    for i, u in enumerate(result.plan.unassigned):
        if (u.client_id in promises and u.client_id not in moved_ids
                and not u.reason.startswith("angekündigt")):
            ps, pe = promises[u.client_id]
            result.plan.unassigned[i] = replace(
                u, code="announced_unplannable",
                reason=f"angekündigt ({format_day(ps.date())}, {ps:%H:%M}–{pe:%H:%M} Uhr), "
                f"aber nicht mehr einplanbar: {u.reason}")
    # a pin that moved an announced visit and could not be planned itself: the note says
    # the case has no visit now, and its reason that the announced one is off all the same
    stuck = {u.client_id for u in result.plan.unassigned} & moved_ids
    for c in (c for c in moved if c.id in stuck):
        was, now = (_moved_note(c, late=late_of[c.id]),
                    _moved_note(c, placed=False, late=late_of[c.id]))
        for notes in (result.plan.warnings, result.plan.params.get("warnings") or []):
            notes[:] = [now if n == was else n for n in notes]
        ps, pe = c.moved_promise
        result.plan.unassigned = [replace(u, reason=f"{u.reason.rstrip('.')}; der angekündigte "
                                          f"Besuch ({format_day(ps.date())}, {ps:%H:%M}–"
                                          f"{pe:%H:%M} Uhr) entfällt trotzdem.")
                                  if u.client_id == c.id else u
                                  for u in result.plan.unassigned]
    # ... and those whose cancellation is written say so, not again that one is due
    # (QA 33b F8; also the reason carried from the version before)
    from hausbesuch.letters import called_off_reasons

    result.plan.unassigned = called_off_reasons(store, result.plan, result.plan.unassigned,
                                                keep=set(promises))
    complete_unassigned(result.plan)  # (the reasons of announced visits, as just given)
    result.report_rows = report_rows(result.plan, total_rows=params.get("total_rows"),
                                     snap_far=result.plan.params.get("snap_far"))
    say("Plan speichern", 0.95)
    # every announced visit this version gives up or moves out of its window (those the
    # moved notes name aside), with what to do, and the handed-out day links whose
    # team-day it leaves without visits (QA 38 F6, F4: before, only an announcement moved
    # by a pin was named, and nothing of the links)
    for n in (_announced_off_notes(store, profile, result.plan, old.id, moved_ids)
              + _emptied_link_notes(store, result.plan, old.id)):
        _add_note(result.plan, n)
    _add_note(result.plan, _passed_pins_note(passed_pins, result.plan))
    _add_note(result.plan, note)
    for n in _later_plan_note(store, result.plan, replan=True):
        _add_note(result.plan, n)
    _keep_districts(store, profile, districts, actor)
    save_plan_and_visits(store, result.plan, actor=actor, keep_ids=[v for _, v in moving],
                         unchanged_since=marker)
    # its files (``replan --out``) say of the visits done „erledigt 09:40 Uhr: …“, as
    # ``show`` does (QA 28 F10)
    from hausbesuch.casework.stops import mark_done, mark_unreported

    # ... and of those on a day gone by without an outcome that none is recorded: the
    # re-plan keeps them where they were (QA 36 #4)
    result.plan = mark_unreported(store, mark_done(store, result.plan), clock.today())
    result.plan_id = result.plan.id
    say("Fertig", 1.0)
    return result


#: The notes a replan makes again for its version (:func:`_holiday_notes`,
#: :func:`_absence_notes`, :func:`_pins_not_taken`, :func:`_moved_note`): those of the
#: plan it replaces go; so does the note on a profile without a Land of plans made before
#: ``land`` was required (QA 18b #4).
def _passed_pins_note(passed: dict[str, str], plan: Plan) -> str:
    """The plan's note on the cases whose pinned day passed (:func:`passed_pin`'s words per
    case id): planned freely; after the solve, so that a case the plan could not hold all
    the same is not among those „frei eingeplant“ (it is named apart, its reason stands with
    the cases not planned). Made again by each re-plan (:data:`_REMADE_NOTE`)."""
    if not passed:
        return ""
    planned = {s.client_id for r in plan.routes for s in r.stops}
    ins = [f"{cid} ({w})" for cid, w in sorted(passed.items()) if cid in planned]
    outs = [f"{cid} ({w})" for cid, w in sorted(passed.items()) if cid not in planned]
    parts = [f"daher frei eingeplant: {', '.join(ins)}"] if ins else []
    if outs:
        parts.append(f"{'' if ins else 'daher '}frei geplant, aber nicht eingeplant (Grund "
                     f"bei den nicht eingeplanten Fällen): {', '.join(outs)}")
    return ("Festgelegter Tag verstrichen, ohne Besuch oder ohne erfasstes Ergebnis; "
            + "; ".join(parts) + ".")


_REMADE_NOTE = re.compile(
    r"Kein Bundesland angegeben im Profil "
    r"|(?:\d+ Fälle, die|1 Fall, den) (?:diese Neuplanung|dieser Plan) nicht einplant, "
    r"|Festgelegter Tag verstrichen, ohne Besuch oder ohne erfasstes Ergebnis; "
    r"|(?:\d+ )?Wiederholungsbesuche? eingeplant \(letzter Versuch ohne Kontakt\): "
    r"|\w\w,? \d\d\.\d\d\.\d{4} \(.+, Feiertag (?:in|laut) .+\): an dem Tag keine Touren\.$"
    r"|\w\w, \d\d\.\d\d\.\d{4} \(.+ laut Profil\): alle Touren enden um \d\d:\d\d Uhr\."
    r"(?: Team .+ beginnt erst um \d\d:\d\d Uhr: an dem Tag keine Tour\.)*$"
    r"|\w\w, \d\d\.\d\d\.\d{4} \((?:Heiligabend|Silvester)\) ist laut Profil ein voller Arbeitstag\. "
    r"|Team .+ ist am (?:\w\w, )?\d\d\.\d\d\.\d{4} abwesend: an dem Tag keine Tour\.$"
    r"|(?:Vereinbarter Termin|Festlegung) für .+ am (?:\w\w, )?\d\d\.\d\d\.\d{4}.* "
    r"nicht eingeplant: "
    r"|.+: angekündigt für (?:\w\w, )?\d\d\.\d\d\.\d{4},? .+; jetzt gilt: "
    r"|\d+ angekündigte(?:r Besuch ist| Besuche sind) in diesem Plan nicht mehr im "
    r"angekündigten Zeitfenster "
    r"|Team .+ hat am \w\w, \d\d\.\d\d\.\d{4} keine Besuche mehr \(Neuplanung\); "
    r"|Team .+ bleibt für den Rest des \w\w,? \d\d\.\d\d\.\d{4} abgemeldet \(seit "
    r"|Team .+ ist ab \w\w,? \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr wieder eingeplant "
    r"|Team .+ ist am \w\w,? \d\d\.\d\d\.\d{4} von \d\d:\d\d bis \d\d:\d\d Uhr abgemeldet "
    r"|Team .+ ist am \w\w,? \d\d\.\d\d\.\d{4} ab \d\d:\d\d Uhr für den Rest des Tages abgemeldet "
    r"|Team .+ (?:ist|bleibt) am \w\w,? \d\d\.\d\d\.\d{4} den ganzen Tag abgemeldet "
    r"|Team .+ ist am \w\w,? \d\d\.\d\d\.\d{4} bis \d\d:\d\d Uhr abgemeldet "
    r"|Team .+ ist ab \w\w,? \d\d\.\d\d\.\d{4} wieder eingeplant "
    r"|Die Abmeldung von Team .+ ab \d\d:\d\d Uhr am \w\w,? \d\d\.\d\d\.\d{4} ist aufgehoben\.$"
    r"|Team .+ hat \d+ der \d+ eingeplanten Besuche \(nach seiner Arbeitszeit etwa "
    rf"|{re.escape(athome.NOTE_HEAD)}"  # athome.plan_notes: of the version's profile
    rf"|{re.escape(SHORT_TIME_NOTE)}"  # short_time_note: the re-plan's own search decides
    rf"|{re.escape(LATE_LETTER_NOTE)}"  # late_letter_note: of the first version's day
    rf"|{re.escape(LATE_LETTER_REPLAN_NOTE)}"  # ... and of the re-plan's day
    rf"|{FREE_TEAM_DAYS_NOTE}"  # free_team_days_note: of the first version's search
    r"|Die Teams der Stadt weichen von denen des Plans ab\. "
    # door_split_notes: of the version's routes (QA 46 F1)
    r"|.+ \(eine Adresse\) am \w\w, \d\d\.\d\d\.\d{4} von Team .+ besucht: "
    # same_person_notes: of the cases and the marks „andere Person“ now (QA 46 F2)
    r"|.+: gleicher Name und gleiche Anschrift – doppelt angelegt\? ")


#: The notes a plan made of the store as it stood then (visits without outcome, passed
#: pins, visits of cases no longer open or in other plans): out of date for a replan,
#: which does not make them again (QA 16c #9).
_STALE_NOTE = re.compile(
    r"\d+ Besuche? an (?:einem )?vergangenen Tag(?:en)? ohne Ergebnis: "
    r"|\d+ Besuche? vor heute ohne erfasstes Ergebnis \("  # (the words until session 37)
    r"|Festgelegter Tag verstrichen, ohne Besuch oder ohne erfasstes Ergebnis; "
    r"|\d+ (?:Fall ist|Fälle sind) nicht mehr offen, aber in Plan "
    r"|\d+ (?:Fall hat|Fälle haben) in Plan .+ schon einen geplanten Besuch "
    r"|Im Zeitraum (?:ist|sind) schon .+ in Plan .+ eingeplant; "
    r"|\d+ offene(?:r Fall| Fälle) seit dem Plan aufgenommen \("
    # (the run that made that version was computed again: not this one, review 31)
    r"|Neu berechnet, weil während der Planung geändert wurde: ")


def _late_post(profile: Profile, day: date) -> date | None:
    """The day the post brings a correction letter written today
    (:func:`hausbesuch.letters.arrival_day`) when that is too late for a visit announced
    for ``day`` (:func:`hausbesuch.letters.comes_late`: the rule by which ``letters
    --correction`` asks to phone instead), else None."""
    from hausbesuch.letters import arrival_day, comes_late

    today = clock.today()
    return arrival_day(profile, today) if comes_late(profile, today, day) else None


def _too_late(arrives: date) -> str:
    """Why a correction letter does not do for a visit announced before ``arrives``
    (:func:`hausbesuch.letters.late_words`, as the status and pin notes say it)."""
    from hausbesuch.letters import late_words

    return late_words("ein Korrekturbrief", arrives)


def _moved_note(c: Candidate, *, placed: bool = True, late: date | None = None) -> str:
    """The note for an announced visit moved by a later pin or appointment, or by the
    client's windows changed since the letter (QA 44b F1); ``placed``
    False: the pin itself could not be planned (QA 33b F10: the note said „jetzt gilt“ the
    pin, and the client was left with a correction letter and no visit, unsaid). ``late``
    (:func:`_late_post`): a correction letter would come too late, the client is to be
    phoned (QA 38 F6)."""
    ps, pe = c.moved_promise
    head = (f"{c.id}: angekündigt für {format_day(ps.date())}, {ps:%H:%M}–{pe:%H:%M} Uhr; "
            f"jetzt gilt: {c.pin_note or 'eine andere Festlegung'}")
    # (a client's window changed after the letter: :func:`windows_keep_promise`)
    window = c.pin_note.startswith("Zeitfenster")
    if not placed:
        way = (f"anrufen und absagen ({_too_late(late)})" if late is not None else
               "einen Korrekturbrief schreiben (hausbesuch letters … --correction)")
        what, change = (("Dieses Zeitfenster", "mit dem Kunden ein anderes Zeitfenster "
                         "klären") if window else ("Diese Festlegung", "die Festlegung ändern"))
        return (f"{head}. {what} lässt sich nicht einplanen (Grund unter „Nicht "
                "eingeplant“). "
                "Der angekündigte Besuch entfällt trotzdem: der Fall hat in diesem Plan "
                f"keinen Besuch. Bitte {change} und neu planen oder {way}.")
    if late is not None:
        return (f"{head}. Der angekündigte Besuch entfällt; {_too_late(late)}: bitte "
                "anrufen und absagen.")
    return (f"{head}. Der angekündigte Besuch entfällt; bitte für diesen Plan einen "
            "Korrekturbrief schreiben (hausbesuch letters … --correction).")


def _announced_off_notes(store: Store, profile: Profile, plan: Plan, replaced: str,
                         named: Collection[str]) -> list[str]:
    """The notes of a re-planned version (``plan``, not stored yet, replacing version
    ``replaced``) naming every announced visit from today on that it does not keep in
    its window: the correction letters ``letters --correction`` writes for it
    (:func:`hausbesuch.letters.broken_promises`; those of cases in ``named``, which a
    moved note names, left out). Those whose day comes before a correction letter written
    today could arrive (:func:`_late_post`) are to be phoned, the others get a letter."""
    from hausbesuch.letters import broken_promises

    # (its line of versions is that of the version it replaces until it is stored)
    items = sorted((a for a in broken_promises(store, replace(plan, id=replaced))
                    if a.client_id not in named and a.day >= clock.today()),
                   key=lambda a: (a.window, id_key(a.client_id)))
    late = {a.visit_id: _late_post(profile, a.day) for a in items}
    out = []
    for group in ([a for a in items if late[a.visit_id] is not None],
                  [a for a in items if late[a.visit_id] is None]):
        if not group:
            continue
        n = len(group)
        head = (f"{count(n, 'angekündigter Besuch ist', 'angekündigte Besuche sind')} in "
                "diesem Plan nicht mehr im angekündigten Zeitfenster (entfallen oder "
                "verschoben)")
        way = (f", und {_too_late(late[group[0].visit_id])}: bitte anrufen und absagen"
               if late[group[0].visit_id] is not None else
               f": bitte {'einen Korrekturbrief' if n == 1 else 'Korrekturbriefe'} "
               f"schreiben (hausbesuch letters {plan.id} --correction)")
        out.append(f"{head}{way}: " + ", ".join(
            f"{a.client_id} ({format_day(a.day)}, {a.window[0]:%H:%M}–"
            f"{a.window[1]:%H:%M} Uhr)" for a in group) + ".")
    return out


def _emptied_link_notes(store: Store, plan: Plan, replaced: str) -> list[str]:
    """The notes of a re-planned version (``plan``, replacing version ``replaced``) on the
    day links handed out for its line of versions and still valid (they follow the
    re-plans) whose team-day it gives no visits: the team is to be told (QA 38 F4: the
    team asked for a new link that could not exist)."""
    from hausbesuch.letters import plan_lineage

    with store.session() as s:
        links = store.valid_day_links(s, plan_lineage(s, replaced))
    toured = {(r.team_id, r.day) for r in plan.routes if r.stops}
    return [f"Team {team} hat am {format_day(day)} keine Besuche mehr (Neuplanung); "
            + ("sein ausgegebener Tageslink zeigt" if n == 1
               else f"seine {n} ausgegebenen Tageslinks zeigen")
            + " das an. Bitte dem Team Bescheid geben."
            for (team, day), n in sorted(links.items(), key=lambda kv: (kv[0][1], kv[0][0]))
            if (team, day) not in toured]


#: reason codes of cases no later plan can take (besides pins to a day of the plan or
#: before it, ``pin_*``), which :func:`_later_plan_note` does not name
_NO_LATER_PLAN = frozenset({"already_planned", "revisit_rules_window"})


def _later_plan_note(store: Store, plan: Plan, *, replan: bool) -> list[str]:
    """The notes of a plan (or re-planned version, ``replan``) that leaves open cases out
    while a plan of later days is stored already without a visit of them (QA 40 F8: a
    Silvester re-plan left 23 cases out; the plan of the next week, made the day before,
    held 14 of them nowhere, and nothing said so): that plan takes them up only when it is
    re-planned (:func:`_taken_up`), the next ``plan`` of its days refuses them as booked
    there. Not a case no longer open, nor one planned elsewhere or also in this plan, nor
    one that no later plan can take (:data:`_NO_LATER_PLAN`: pinned to a day of this plan or
    before it, a window the revisit rule rules out for good); not one a later plan knows
    (in its routes, or looked at and listed as not planned with its reason: QA 41 F1, the
    note kept sending the coordinator to re-plan a plan that had done so). A case pinned to
    a later day (``pin_outside_span``) is sent to the stored plan whose days hold that day,
    and to none when no stored plan holds it (the plan of its days will take it); every
    other case to the first later plan: one note per plan to re-plan. [] when no later plan
    is stored or they hold them all. Ids only."""
    from hausbesuch.versions import newest_plans

    visited = {s.client_id for r in plan.routes for s in r.stops if not s.off}
    code_of = {u.client_id: u.code for u in plan.unassigned}
    left = sorted({cid for cid, code in code_of.items()
                   if not code.startswith("status_") and code not in _NO_LATER_PLAN
                   and not (code.startswith("pin") and code != "pin_outside_span")}
                  - visited)
    if not left:
        return []
    last = plan.start + timedelta(days=max(plan.days, 1) - 1)
    with store.session() as s:
        later = s.execute(newest_plans(plan.city).where(PlanRow.start > last)
                          .order_by(PlanRow.start, PlanRow.created_at, PlanRow.id)).all()
        if not later:
            return []
        ids = [p.id for p in later]
        held = set(s.scalars(select(VisitRow.client_id).where(
            VisitRow.plan_id.in_(ids), VisitRow.client_id.in_(left))))
        held |= set(s.scalars(select(UnassignedRow.client_id).where(
            UnassignedRow.plan_id.in_(ids), UnassignedRow.client_id.in_(left),
            UnassignedRow.code != "already_planned")))
        missing = [cid for cid in left if cid not in held]
        pinned = [cid for cid in missing if code_of[cid] == "pin_outside_span"]
        pin_day = dict(s.execute(select(ClientRow.client_id, ClientRow.pin_day).where(
            ClientRow.city == plan.city, ClientRow.client_id.in_(pinned))).all()) \
            if pinned else {}
    by_plan: dict[int, list[str]] = {}  # (index in ``later``: the plans in their order)
    for cid in missing:
        target: int | None = 0
        if cid in pin_day:
            day = pin_day[cid]
            target = next((k for k, p in enumerate(later) if day is not None
                           and p.start <= day < p.start + timedelta(days=max(p.days, 1))),
                          None)
        if target is not None:
            by_plan.setdefault(target, []).append(cid)
    return [_later_plan_words(later[k], by_plan[k], replan) for k in sorted(by_plan)]


def _later_plan_words(later: Any, missing: Sequence[str], replan: bool) -> str:
    """:func:`_later_plan_note`'s note on the cases ``missing`` that the stored plan
    ``later`` (id, start, days) takes up only with a re-plan."""
    n = len(missing)
    shown = ", ".join(missing[:10]) + (f" … und {n - 10} weitere" if n > 10 else "")
    this = "diese Neuplanung" if replan else "dieser Plan"
    days = format_days(later.start, later.start + timedelta(days=max(later.days, 1) - 1))
    return ((f"{n} Fälle, die {this} nicht einplant, stehen" if n > 1
             else f"1 Fall, den {this} nicht einplant, steht")
            + f" in keinem späteren Plan: {shown}. Plan {later.id} ({days}) ist schon "
            f"gespeichert und nimmt {'sie' if n > 1 else 'ihn'} erst mit einer Neuplanung auf "
            f"(„Neu planen“ auf seiner Seite im Web, „replan {later.id} --from …“ auf der "
            "Kommandozeile).")


def _older_plans_in_span(store: Store, city: str, span: Span) -> list[str]:
    """Notes for plans stored by a version before the casework store (their visits have
    no case visit): the plan cannot see whom they visit, so it says so."""
    with store.session() as s:
        replaced = select(PlanRow.predecessor_id).where(PlanRow.predecessor_id.is_not(None))
        rows = s.execute(
            select(VisitRow.plan_id, func.count()).join(PlanRow, PlanRow.id == VisitRow.plan_id)
            .where(PlanRow.city == city, VisitRow.visit_id.is_(None),
                   VisitRow.day >= span.start, VisitRow.day <= span.last,
                   VisitRow.plan_id.not_in(replaced))  # the newest version of each line
            .group_by(VisitRow.plan_id).order_by(VisitRow.plan_id)).all()
    return [f"Plan {pid} stammt von einer älteren Programmversion und hat "
            f"{count(n, 'Besuch', 'Besuche')}"
            " in diesem Zeitraum, die die Fallverwaltung nicht kennt: sie sind hier nicht "
            "berücksichtigt, Kundinnen und Kunden können doppelt eingeplant sein. Bitte den "
            "alten Plan prüfen (hausbesuch show …)." for pid, n in rows]


def _pins_not_taken(pins: Mapping[str, Any], ids: set[str],
                    unrecorded: Mapping[str, PlannedStop],
                    elsewhere: Mapping[str, CaseVisitRow]) -> list[str]:
    """Warnings for pins into the rest of a re-planned span (an appointment agreed at the
    door, a pin from the list or the web) that the re-plan cannot take up, with what to do:
    the client's visit of this plan still stands (no outcome yet), or another plan has the
    client."""
    out = []
    for cid in sorted(ids):
        p = pins[cid]
        standing = unrecorded.get(cid)
        day = standing.start.date() if standing is not None else (
            elsewhere[cid].day if cid in elsewhere else None)
        if day == p.pin_day:  # the visit that stands is the pinned one
            continue
        what = "Vereinbarter Termin" if p.pin_source == "termin" else "Festlegung"
        at = format_day(p.pin_day) + (f", {format_clock(p.pin_time_min)} Uhr"
                                      if p.pin_time_min is not None else "")
        if cid in unrecorded:
            st = unrecorded[cid]
            why = (f"der Besuch am {format_moment(st.start)} hat noch kein Ergebnis; erst das "
                   "Ergebnis erfassen, dann neu planen.")
        else:
            v = elsewhere[cid]
            why = (f"Plan {v.plan_id} hat am {format_day(v.day)} einen Besuch geplant (zum "
                   "Ändern: jenen Plan neu planen).")
        out.append(f"{what} für {cid} am {at} nicht eingeplant: {why}")
    return out


def _kept_part(old: Plan, moment: datetime,
               kept: Mapping[tuple[str, date], TeamDayRoute]) -> dict[str, Any]:
    """What plan.json says of a re-planned version beyond the solver's output: the
    solver only saw the rest of the span, so the routes (or their first visits) kept
    from the predecessor are listed here, in the same units (seconds from the span's
    first midnight, day = index of the span's day), with case ids only."""
    day0 = datetime.combine(old.start, datetime.min.time())

    def sec(t: datetime) -> int:
        return int((t - day0).total_seconds())

    routes = []
    for (team, day), r in sorted(kept.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        routes.append({
            "team": team, "day": (day - old.start).days,
            "description": f"Team {team}, Tag {(day - old.start).days + 1} (übernommen)",
            "steps": [{"type": "job", "description": st.client_id, "visit_id": st.visit_id,
                       "arrival": sec(st.arrival),
                       "waiting_time": int((st.start - st.arrival).total_seconds()),
                       "service": int((st.end - st.start).total_seconds())}
                      for st in r.stops],
        })
    return {"vorgaenger": old.id, "ab": moment.isoformat(timespec="minutes"),
            "uebernommene_touren": routes}


Spells = dict[tuple[str, date], list[tuple[datetime, int, datetime | None]]]


def _in_force(spells: Spells, moment: datetime, end: date) -> Spells:
    """The absences of ``spells`` a re-plan from ``moment`` plans around: those of the
    moment's day and later days (before ``end``) not over at the moment."""
    out = {k: [w for w in ws if w[2] is None or w[2] > moment] for k, ws in spells.items()
           if moment.date() <= k[1] < end}
    return {k: ws for k, ws in out.items() if ws}


def _spell_rows(spells: Spells) -> list[dict[str, Any]]:
    """``spells`` as a plan's params store them (``bis``: back at, when not the rest of the
    day)."""
    return [{"team": t, "ab": at.isoformat(timespec="minutes"), "version": v,
             **({"bis": back.isoformat(timespec="minutes")} if back is not None else {})}
            for (t, _), ws in sorted(spells.items()) for at, v, back in ws]


def _removed_earlier(store: Store, old: Plan) -> Spells:
    """The team-days that re-plans up to ``old`` took a team out of for the rest of the
    day: (team, day) -> (the moment it went, the version that took it out); the earliest
    when two did. Follows the whole chain of predecessors up to the first plan, whatever
    day each re-planned from (review 20 #1: a re-plan from an earlier day still holds a
    removal of a later one), and past a version that stored its set (``removed_teams``,
    each with when the team went): a version stored before this fix held only those of
    its moment's day, and one from a later day than the new moment dropped those before
    its own day. Versions made before that set was stored name only the teams taken out by
    themselves, at their moment (``without_teams``). A version that stored every absence
    of the plan's days, each a span of time (``teams_out_spans``: from, version, back at or
    the rest of the day), is read alone: it holds what the versions before it knew
    (review 21: a return counted for its whole day)."""
    from hausbesuch.store import PlanRow

    out: dict[tuple[str, date], tuple[datetime, int]] = {}
    # teams brought back (``with_teams``) by a newer version: on that day the removals
    # of older versions no longer hold
    back: set[tuple[str, date]] = set()

    def take(team: str, at: datetime, version: int) -> None:
        key = (team, at.date())
        if key not in back and (key not in out or (at, version) < out[key]):
            out[key] = (at, version)

    params, version, before = old.params or {}, old.version, old.predecessor_id
    with store.session() as s:
        while True:
            try:
                at = datetime.fromisoformat(params.get("replan_from") or "")
            except ValueError:
                break  # the first plan
            if "teams_out_spans" in params:
                spells: Spells = {}
                for w in params["teams_out_spans"]:
                    at = datetime.fromisoformat(w["ab"])
                    if (w["team"], at.date()) not in back:
                        spells.setdefault((w["team"], at.date()), []).append(
                            (at, int(w["version"]),
                             datetime.fromisoformat(w["bis"]) if w.get("bis") else None))
                for key, (at, v) in out.items():  # (newer versions without the set)
                    spells[key] = [w for w in spells.get(key, []) if w[0] < at] + [(at, v, None)]
                return {k: sorted(ws) for k, ws in spells.items()}
            for w in params.get("returned_teams") or []:
                back.add((w["team"], datetime.fromisoformat(w["ab"]).date()))
            if "removed_teams" in params:  # its whole set, each team with when it went
                for w in params["removed_teams"]:
                    take(w["team"], datetime.fromisoformat(w["ab"]), int(w["version"]))
            else:
                for t in params.get("without_teams") or []:
                    take(t, at, version)
            if before is None:
                break
            row = s.execute(select(PlanRow.params, PlanRow.version, PlanRow.predecessor_id)
                            .where(PlanRow.id == before)).first()
            if row is None:
                break
            try:
                params = json.loads(row.params or "{}")
            except ValueError:
                break
            version, before = row.version, row.predecessor_id
    return {k: [(at, v, None)] for k, (at, v) in out.items()}


def teams_out(store: Store, plan: Plan, moment: datetime) -> list[str]:
    """The teams that re-plans up to ``plan`` took out on ``moment``'s day and that are
    still out at ``moment`` or go later that day (:func:`_removed_earlier`): those a
    re-plan from ``moment`` can bring back (``with_teams``)."""
    spells = _in_force(_removed_earlier(store, plan), moment, moment.date() + timedelta(days=1))
    return sorted({t for t, d in spells if d == moment.date()})


def team_out_at(store: Store, plan: Plan, team: str, day: date, minute: int | None,
                moment: datetime) -> tuple[datetime, datetime | None] | None:
    """The absence (from, back at; None: the rest of the day) of ``team`` on ``day`` that
    re-plans up to ``plan`` took it out for (:func:`_removed_earlier`) and that a re-plan
    from ``moment`` would plan around, when it covers ``minute`` (minutes after midnight;
    None: any time the re-plan could still give the team that day); None when the team is
    there. As :func:`replan` reads them: on the moment's day a team out for the rest of
    the day from a time still to come is taken out from the moment on. For a pin the
    next re-plan could not take up (QA 26 F1)."""
    spells = _in_force(_removed_earlier(store, plan), moment,
                       day + timedelta(days=1)).get((team, day), [])
    if not spells:
        return None
    if day == moment.date() and spells[0][2] is None:
        return spells[0][0], None  # (replan: out from the moment on)
    midnight = datetime.combine(day, datetime.min.time())
    if minute is None:  # only a rest-of-day absence that began by then leaves nothing
        since = max(moment, midnight)
        return next(((at, back) for at, _, back in spells if back is None and at <= since),
                    None)
    at_pin = midnight + timedelta(minutes=minute)
    return next(((at, back) for at, _, back in spells
                 if at <= at_pin and (back is None or back > at_pin)), None)


@dataclass(frozen=True)
class TeamDaysOut:
    """The team-days of a stored plan on which its next re-plan gives the team no shift
    (:func:`team_days_out`): the plan's ``span`` and ``teams``, the removed team-days
    ``out`` ((team, day index) -> override, as :func:`_pin_check` takes them) and the
    index of the re-plan's day (``first``)."""

    span: Span
    teams: tuple[Any, ...]
    out: Mapping[tuple[str, int], ShiftOverride]
    first: int
    #: the team-days whose shorter shift the re-plan takes over of the city's teams:
    #: (team, day index) -> (start, end) in minutes after midnight
    shifts: Mapping[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def _spelled(self, team: str) -> str:
        same = [t.id for t in self.teams if t.id.casefold() == team.casefold()]
        return team if team in same or len(same) != 1 else same[0]

    def reason(self, team: str, day: date, *, pinned: bool, web: bool = True,
               needs: VisitNeeds | None = None) -> tuple[str, str] | None:
        """(code, German text) of why a visit pinned to ``team`` (spelled in any case) on
        ``day`` is not planned by that re-plan, and what to do (:func:`_pin_out_text`:
        the re-plan's reason without its „Festlegung …:“; ``pinned``: a pin stored, else
        one being made; ``web``: without the command line); None when the team works
        then, or the day lies before the re-plan's or outside the plan. ``needs``: the
        visit's (:class:`VisitNeeds`; None: not known): a team that may take it on no
        day is said first (:func:`_pin_never_text`), and only teams that may take it are
        named (review 34 #8)."""
        team = self._spelled(team)
        k = self.span.index(day)
        if k is None or k < self.first:
            return None
        if (never := self.never(team, needs, pinned=pinned, web=web)) is not None:
            return never
        ov = self.out.get((team, k))
        if ov is None or not ov.removed:
            return None
        return ov.code, _pin_out_text(team, k, ov, self.out, self.span, self.teams,
                                      self.first, pinned=pinned, web=web, needs=needs)

    def never(self, team: str, needs: VisitNeeds | None, *, pinned: bool,
              web: bool = True) -> tuple[str, str] | None:
        """(code, German text) of why a visit with ``needs`` cannot be pinned to ``team``
        (spelled in any case) on any day, and what to do (:func:`_pin_never_text`, the
        re-plan's reason without its „Festlegung …:“; ``web``: without the command
        line); None when the team may take it, is not the plan's, or ``needs`` is None
        (the visit is not known)."""
        team = self._spelled(team)
        own = next((t for t in self.teams if t.id == team), None)
        if own is None or needs is None or (code := needs.rules_out(own)) is None:
            return None
        return f"pin_team_{code}", _pin_never_text(own, needs, self.teams, pinned=pinned,
                                                   web=web)

    def outside_shift(self, team: str, day: date, minute: int | None,
                      params: Mapping[str, Any] | None, *, pinned: bool) -> str | None:
        """Why a visit pinned to ``team`` on ``day`` at ``minute`` (after midnight) is not
        planned then by the re-plan: the minute lies outside (or at the start of) the
        shorter shift it takes over of the city's teams (:meth:`shift`; the version's
        ``params`` say the shift it had, :func:`hausbesuch.teams.plan_shift`), and what
        to do (``pinned``: a pin stored, else one being made), in German; None when it
        lies within it, or nothing is taken over then. Closing 34: the pin form took such
        a time, which only the next re-plan refused."""
        team = self._spelled(team)
        cut = self.shift(team, day) if minute is not None else None
        return _outside_shift_text(team, day, minute, cut, params, pinned=pinned)

    def shift(self, team: str, day: date) -> tuple[int, int] | None:
        """(start, end) in minutes of the shorter shift of ``team`` on ``day`` that the
        re-plan takes over of the city's teams (:func:`_city_team_changes`); None when it
        keeps the version's (:func:`hausbesuch.teams.plan_shift` says which)."""
        k = self.span.index(day)
        return self.shifts.get((self._spelled(team), k)) if k is not None else None


def visit_districts(store: Store, profile: Profile, plan: Plan, client_ids: Sequence[str],
                    actor: str = "web") -> tuple[dict[str, str], tuple[str, ...]]:
    """The district the next re-plan of ``plan`` gives each case of ``client_ids``, as
    :func:`replan` reads it: the case's address as it is now, located the same way (an
    address fix, the list's coordinate, the geocoder: :meth:`Casework.locate`) in the
    districts of the plan's extract and district file; :data:`geodata.districts.OUTSIDE`
    for an address outside every district; a case not found (or whose data were erased)
    is left out (the re-plan keeps the plan's point for an unchanged address, and rejects
    a changed one). And the city's district names it reads. Review 35 #4: the web's pin
    checks knew only the plan's district, none for a case the plan does not hold (a new
    case) and the old one for a case that moved since, so under hard responsibility they
    took a pin that the re-plan refused.

    A case whose point :meth:`Casework.locate` would find again as the plan found it
    (:func:`_points_unchanged`: the same address, no fix or coordinate since, the same
    extract) is not located: its point in the plan is placed in the districts (review 35b
    #2: a list pinning every case of a big city located them all, and loaded the
    geocoder, on each view of the plan page)."""
    import numpy as np

    params = plan.params or {}
    osm_path = resolve_osm(profile, params.get("osm"))
    cw = Casework(store, profile, actor=actor, osm=osm_path)
    clients = [st.client for st in cw.states(list(client_ids)) if st.erased_at is None]
    districts = _districts(osm_path, profile, params.get("districts_file"))
    kept = _points_unchanged(store, plan, clients, osm_path)
    rest = [c for c in clients if c.id not in kept]
    out = _assign(districts, cw.locate(rest) if rest else {})
    if kept:
        names = districts.assign(np.array([p[0] for p in kept.values()], dtype=float),
                                 np.array([p[1] for p in kept.values()], dtype=float))
        out.update({k: str(n) for k, n in zip(kept, names, strict=True)})
    return out, tuple(districts.names)


def extract_fingerprint(osm_path: str | os.PathLike[str]) -> dict[str, int]:
    """What a plan stores of the extract it found its points in (``params["extract"]``):
    the file's size and modification time in nanoseconds. Another extract at the same path
    differs in either, also one copied with its own old date (review 36 #3: the file date
    was compared with the plan's creation, and an older-dated newer extract passed)."""
    st = Path(osm_path).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _fix_points(located: Mapping[str, Any]) -> list[str]:
    """The case ids whose point an address fix by text gave (``params["fix_points"]``)."""
    return sorted(k for k, loc in located.items() if loc.source == "korrektur_adresse")


def _points_unchanged(store: Store, plan: Plan, clients: Sequence[Client],
                      osm_path: Path) -> dict[str, tuple[float, float]]:
    """``{case id: (lon, lat)}`` of the ``clients`` (as they are now) whose point
    :meth:`Casework.locate` would find again as ``plan`` found it, without looking: the
    plan holds a plannable point of the case (its geocodes), its snapshot has the case's
    address and name as they are now (what the geocoder reads), the list gives no
    coordinate, and the case has no address fix, or the same point set by hand that the
    plan has (a fix by text is looked up: the geocoder decides). Not a case whose point
    in the plan an address fix by text gave (``params["fix_points"]``) and that has no
    fix now: its point is the fix's, not the list address's. Nothing unless the plan
    names the extract its points were found in and the extract at ``osm_path`` is that
    very file (:func:`extract_fingerprint`, size and modification time to the
    nanosecond; review 36 #3): another extract may place an address elsewhere, and a plan
    stored before session 37 names none. The district is not taken over: the caller
    places the point in the districts as they are now, as the re-plan does."""
    from hausbesuch.casework.service import PLANNABLE_QUALITIES
    from hausbesuch.store import AddressFixRow, GeocodeRow, PlanClientRow

    ids = [c.id for c in clients if c.lon is None and c.lat is None]
    params = plan.params or {}
    stored = params.get("extract")
    if not ids or not stored:
        return {}
    try:
        if extract_fingerprint(osm_path) != stored:
            return {}
    except OSError:
        return {}
    fixed = set(params.get("fix_points") or ())
    with store.session() as s:
        points, snaps, fixes = {}, {}, {}
        for i in range(0, len(ids), 900):
            part = ids[i:i + 900]
            points.update({g.client_id: g for g in s.execute(select(
                GeocodeRow.client_id, GeocodeRow.lon, GeocodeRow.lat, GeocodeRow.quality)
                .where(GeocodeRow.plan_id == plan.id, GeocodeRow.client_id.in_(part)))})
            snaps.update({r.client_id: r for r in s.execute(select(
                PlanClientRow.client_id, PlanClientRow.address, PlanClientRow.name)
                .where(PlanClientRow.plan_id == plan.id,
                       PlanClientRow.client_id.in_(part)))})
            fixes.update({f.client_id: f for f in s.execute(select(
                AddressFixRow.client_id, AddressFixRow.source_address, AddressFixRow.lon,
                AddressFixRow.lat, AddressFixRow.stale).where(
                AddressFixRow.city == plan.city, AddressFixRow.client_id.in_(part)))})
    out = {}
    for c in clients:
        g, snap, fix = points.get(c.id), snaps.get(c.id), fixes.get(c.id)
        if (g is None or snap is None or g.lon is None or g.lat is None
                or g.quality not in PLANNABLE_QUALITIES
                or (snap.address, snap.name) != (c.address, c.name)):
            continue
        if fix is None:  # found by the geocoder then (not a coordinate of the list, nor
            # the address of a fix by text gone since)
            same = g.quality not in ("manual", "given") and c.id not in fixed
        else:  # the point set by hand then, that applies now
            same = (g.quality == "manual" and not fix.stale
                    and fix.source_address == c.address and (fix.lon, fix.lat) == (g.lon, g.lat))
        if same:
            out[c.id] = (g.lon, g.lat)
    return out


def team_days_out(store: Store, profile: Profile, plan: Plan,
                  moment: datetime) -> TeamDaysOut:
    """The team-days of ``plan`` (the newest version of its family) on which a re-plan
    from ``moment`` gives the team no shift, read as :func:`replan` reads them: a day the
    team is entered as absent (:func:`_absences`, from the moment's day on), the moment's
    day when re-plans took the team out for the rest of it (:func:`_taken_out`;
    :func:`team_out_at` says from when to when), and a day the city's teams no longer
    have the team or it no longer works then, or with no hour of the plan's shift
    (:func:`_changed_shifts`: from the first day the re-plan has whole, and as the
    versions before took them over). A visit pinned there is not planned
    (:func:`_pin_check`, QA 33c L5): the web's pin form refuses such a team-day and its
    table of pins says so."""
    from hausbesuch.team_store import base_teams

    span = Span(plan.start, plan.days, profile.casework.calendar())
    params = dict(plan.params or {})
    team_list = [team_from_dict(d) for d in params.get("teams") or []]
    k0 = (moment.date() - plan.start).days
    if not team_list:
        return TeamDaysOut(span, (), {}, max(k0, 0))
    ids = {t.id for t in team_list}
    end = plan.start + timedelta(days=plan.days)
    out_since = _in_force({k: w for k, w in _removed_earlier(store, plan).items()
                           if k[0] in ids}, moment, end)
    # (the depot of the city's teams does not decide whether a team works a day)
    changed, _ = _changed_shifts(params, team_list, lambda: base_teams(store, profile),
                                 span, moment)
    out = {key: ov for key, ov in changed.items() if ov.removed}
    shifts = {key: (ov.start_s // 60, ov.end_s // 60) for key, ov in changed.items()
              if not ov.removed and ov.start_s is not None and ov.end_s is not None}
    if 0 <= k0 < span.days:  # (taken out before a day changed: as the re-plan)
        day = span.date(k0)
        out.update({(t.id, k0): ov for t in team_list
                    if (ov := _taken_out(t.id, day, out_since.get((t.id, day), [])))})
    out.update(_absences(store, profile, team_list, span, since=moment.date()))
    return TeamDaysOut(span, tuple(team_list), out, max(k0, 0), shifts)


#: The least time between now and a pinned visit today (minutes): the coordinator still
#: starts „Neu planen“, the plan is made and the phone fetches its new route; only then can
#: the team set out.
MIN_PIN_LEAD_MIN = 15
#: The top speeds (km/h) of :func:`earliest_visit_start`'s estimate, per mode: those of the
#: street network (:class:`geodata.network.NetworkSettings`: walking and cycling at one
#: speed on every way), and for a car the German motorway's advisory speed, above every
#: default of the network's roads (a car is never faster over the straight line).
TOP_KMH = {"walk": 4.5, "bike": 15.0, "drive": 130.0}


def earliest_visit_start(plan: Plan, team: str, day: date, moment: datetime,
                         place: tuple[float, float] | None
                         ) -> tuple[datetime, str] | None:
    """The earliest moment a re-plan from ``moment`` could begin a visit at ``place``
    (lon, lat; None: not known) with ``team`` on ``day``, the moment's day, and where the
    team comes from when the way decides it (German: „vom Ausgangspunkt“, „vom laufenden
    Besuch“, „vom letzten Besuch“, „vom Endpunkt“; "" when the lead does); None on
    another day. A lower bound that never refuses what a re-plan
    could plan: :data:`MIN_PIN_LEAD_MIN` after ``moment``, and no sooner than the team
    can be there over the straight line at :data:`TOP_KMH` of its route's mode from
    where the re-plan starts it (:mod:`routing.replan`): from the end of its last visit
    begun by ``moment``, from its end point once its route is over, else from its start
    at the later of ``moment`` and its shift's start (at its departure if that was
    earlier). A team with no route that day: the lead only. A pin at "now" was
    accepted and could not be reached (closing 26)."""
    from geodata.network import haversine_m

    if day != moment.date():
        return None
    floor = moment + timedelta(minutes=MIN_PIN_LEAD_MIN)
    route = next((r for r in plan.routes if r.team_id == team and r.day == day), None)
    if route is None or place is None:
        return floor, ""
    begun = [st for st in route.to_visit if st.start <= moment]
    if route.return_ <= moment:
        origin, free, where = route.end_lonlat, moment, "vom Endpunkt"
    elif begun:
        last = begun[-1]
        origin, free, where = (last.lon, last.lat), max(moment, last.end), "vom laufenden Besuch"
        if last.end <= moment:
            where = "vom letzten Besuch"
    else:
        # not out yet: a re-plan starts the team at its start at the later of now and its
        # shift's start (routing.replan), not at the old route's departure, which the
        # schedule put as late as its first visit allowed (review 27: a team standing by
        # its start at 08:05 was told „frühestens gegen 09:55 Uhr“); departed without a
        # visit begun: its departure, the smaller bound
        shift = plan_shift(getattr(plan, "params", None), team, day)
        ready = (moment if shift is None
                 else max(moment, datetime.combine(day, time.min) + timedelta(minutes=shift[0])))
        origin, free, where = route.start_lonlat, min(route.depart, ready), "vom Ausgangspunkt"
    metres = float(haversine_m(origin[0], origin[1], place[0], place[1]))
    travel = timedelta(hours=metres / 1000.0 / TOP_KMH.get(route.mode, TOP_KMH["drive"]))
    return (free + travel, where) if free + travel > floor else (floor, "")


def _still_out_notes(
        out: Iterable[tuple[tuple[str, date], tuple[datetime, int, datetime | None]]],
        version: int,
) -> list[str]:
    """The notes of the teams out at or after the moment (the moment's day or a later
    one): taken out by this re-plan (``version``, the new version's number: QA 22 F1, that
    version said nothing of it, only later ones did), or by an earlier one for the rest of
    a day or until they came back: they stay out."""
    def note(t: str, at: datetime, v: int, back: datetime | None) -> str:
        day = format_day(at.date())
        whole = from_midnight(at)  # not "ab 00:00 Uhr"
        if v == version and back is None:
            if whole:
                return (f"Team {t} ist am {day} den ganzen Tag abgemeldet (diese "
                        f"Neuplanung, Version {v}); seine Besuche an dem Tag sind neu "
                        "verteilt oder offen.")
            return (f"Team {t} ist am {day} ab {at:%H:%M} Uhr für den Rest des Tages "
                    f"abgemeldet (diese Neuplanung, Version {v}); seine Besuche ab dann sind "
                    "neu verteilt oder offen.")
        if back is None:
            if whole:
                return (f"Team {t} bleibt am {day} den ganzen Tag abgemeldet (Neuplanung "
                        f"Version {v}).")
            return (f"Team {t} bleibt für den Rest des {day} abgemeldet (seit {at:%H:%M} Uhr, "
                    f"Neuplanung Version {v}).")
        if whole:
            return (f"Team {t} ist am {day} bis {back:%H:%M} Uhr abgemeldet (Neuplanung "
                    f"Version {v}).")
        return (f"Team {t} ist am {day} von {at:%H:%M} bis {back:%H:%M} Uhr abgemeldet "
                f"(Neuplanung Version {v}).")

    return [note(t, at, v, back)
            for (t, _), (at, v, back) in sorted(out, key=lambda kv: (kv[1][0], kv[0]))]


def _back_notes(teams: Iterable[str], moment: datetime, carried: Spells) -> list[str]:
    """The notes of the teams a re-plan brings back (``with_teams``) from its moment: back
    at work when out at the moment; a removal later that day called off (review 21 #6:
    that team was not out at the moment)."""
    day = format_day(moment.date())
    notes = []
    for t in sorted(teams):
        spells = carried.get((t, moment.date()), [])
        if any(at <= moment for at, _, _ in spells):
            since = "" if from_midnight(moment) else f" {moment:%H:%M} Uhr"
            notes.append(f"Team {t} ist ab {day}{since} wieder eingeplant (vorher abgemeldet).")
        notes += [f"Die Abmeldung von Team {t} ab {at:%H:%M} Uhr am {day} ist aufgehoben."
                  for at, _, _ in spells if at > moment]
    return notes


def _predecessor(store: Store, plan_id: str) -> str | None:
    from hausbesuch.store import PlanRow

    with store.session() as s:
        return s.scalar(select(PlanRow.predecessor_id).where(PlanRow.id == plan_id))

