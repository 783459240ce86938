"""Which stops of a stored team-day do not take place any more, read from the store now.

A stop is off when its visit was called off (:attr:`PlannedStop.called_off`, part of the
stored plan), or when its case is no longer ``offen`` since the plan was made (closed or
put in Klärung by the coordination, reached at another visit, an outcome such as
„verzogen“) and no outcome was recorded at this very stop. The phone's route page, the
printed route sheet and the route page of the plan's files all ask :func:`gone_stops`
(or :func:`gone_of`), so they agree on which stop is off and why; such a stop keeps its
number (:attr:`TeamDayRoute.numbers`), shown struck through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hausbesuch.fields import format_day
from hausbesuch.plandata import Plan, PlannedStop, TeamDayRoute
from hausbesuch.store import CaseVisitRow, OutcomeRow, Store

__all__ = ["closed_cases", "closed_ids", "closed_words", "done_of", "done_text", "gone_of",
           "gone_stops", "mark_done", "mark_gone", "mark_unreported", "no_outcome_note",
           "outcomes_of_stops", "unreported_note", "visits_without_outcome"]


def closed_words(label: str, since: datetime | None) -> str:
    """A case no longer ``offen`` in the words of every page, file and refusal that says
    so: its status (``label``, German) and the day it was set, with its weekday as the
    pages write days (:func:`hausbesuch.fields.format_day`; „Fall „abgeschlossen“ seit Do,
    03.12.2026“, as the called-off window „ENTFÄLLT seit Fr, 04.12.2026“ beside it)."""
    when = f" seit {format_day(since.date())}" if since is not None else ""
    return f"Fall „{label}“{when}"


def closed_cases(store: Store, city: str, stops: Sequence[PlannedStop],
                 by: date | None = None, *,
                 since_of: dict[str, date] | None = None) -> dict[str, str]:
    """Per case id of ``stops`` whose case is no longer ``offen`` now (closed or put in
    Klärung since the plan, or reached at another visit): why its visit does not take
    place, without the case id („Fall „abgeschlossen“ seit Do, 03.12.2026.“). The phone
    shows such a stop as called off (:func:`gone_of`);
    :func:`hausbesuch.web.casework_api.record_outcome` refuses outcomes for it.
    ``by`` (the team-day): only cases closed on that day or before it (review 22 #8: the
    sheet of a day gone by, written again, called off a visit whose case was closed
    weeks later). ``since_of``, when given, gets the day each case left ``offen``."""
    return closed_ids(store, city, {st.client_id for st in stops}, by, since_of=since_of)


def closed_ids(store: Store, city: str, client_ids: Iterable[str], by: date | None = None,
               *, since_of: dict[str, date] | None = None) -> dict[str, str]:
    """:func:`closed_cases` for case ids (the case page's visits without an outcome, which
    are no stops of a loaded plan)."""
    from hausbesuch.letters import status_label
    from hausbesuch.store import ClientRow

    ids = sorted(set(client_ids))
    out: dict[str, str] = {}
    with store.session() as s:
        for k in range(0, len(ids), 400):
            for cid, status, since in s.execute(
                    select(ClientRow.client_id, ClientRow.status, ClientRow.status_since)
                    .where(ClientRow.city == city, ClientRow.client_id.in_(ids[k:k + 400]),
                           ClientRow.status != "offen")):
                if by is not None and since is not None and since.date() > by:
                    continue  # closed after that day: the visit was due then
                out[cid] = f"{closed_words(status_label(status), since)}."
                if since_of is not None and since is not None:
                    since_of[cid] = since.date()
    return out


def outcomes_of_stops(store: Store, city: str, day: date,
                      stops: Sequence[PlannedStop]) -> dict[int, dict[str, Any]]:
    """The outcome recorded for each stop of a team-day on ``day`` (result, time, note),
    by the stop's ``position``: the outcome of the stop's own visit (its ``visit_id``).
    An outcome stored without a visit id, and a stop without one (records of older
    versions), fall back to the client's newest outcome that day, but never for a stop
    called off while the client has another stop on the route: an outcome of another
    visit of the client that day does not make a called-off visit done."""
    if not stops:
        return {}
    with store.session() as s:
        rows = list(s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == city, OutcomeRow.day == day,
            OutcomeRow.client_id.in_(sorted({st.client_id for st in stops})))
            .order_by(OutcomeRow.recorded_at, OutcomeRow.id)))
    by_visit = {r.visit_id: r for r in rows if r.visit_id}
    loose = {r.client_id: r for r in rows if not r.visit_id}  # the newest of each client
    newest = {r.client_id: r for r in rows}
    live = {st.client_id for st in stops if not st.called_off}
    out: dict[int, dict[str, Any]] = {}
    for st in stops:
        if st.visit_id and st.visit_id in by_visit:
            r = by_visit[st.visit_id]
        elif st.called_off and st.client_id in live:
            continue  # the client's outcome belongs to its other stop
        else:
            r = (loose if st.visit_id else newest).get(st.client_id)
        if r is not None:
            out[st.position] = {"result": r.result, "time_min": r.time_min, "note": r.note,
                                "appointment_at": r.appointment_at,
                                "recorded_at": r.recorded_at, "source": r.source,
                                "recorded_by": r.recorded_by, "visit_id": r.visit_id,
                                "key": r.idempotency_key}
    return out


def gone_of(stops: Sequence[PlannedStop], closed: Mapping[str, str],
            recorded: Mapping[int, Any]) -> dict[int, str]:
    """By stop ``position``: why a stop not called off does not take place (the text of
    ``closed``, :func:`closed_cases`), for each stop whose case is closed and that has no
    outcome of its own in ``recorded`` (:func:`outcomes_of_stops`): a visit whose outcome
    closed the case took place and is shown as done, not as off."""
    return {s.position: closed[s.client_id] for s in stops
            if s.client_id in closed and not s.called_off and s.position not in recorded}


def gone_stops(store: Store, city: str, route: TeamDayRoute) -> dict[int, str]:
    """:func:`gone_of` for one team-day of a stored plan, read from the store now."""
    closed = closed_cases(store, city, route.stops, by=route.day)
    if not closed:
        return {}
    return gone_of(route.stops, closed, outcomes_of_stops(store, city, route.day, route.stops))


def mark_gone(store: Store, plan: Plan) -> Plan:
    """The plan with each stop of :func:`gone_stops` marked (:attr:`PlannedStop.gone` and
    ``gone_since``), as ``show`` and ``export`` write it: the GPX file, the maps, the
    counts, ``report.csv`` and both exports then treat such a visit as off, as the route
    page, the print sheet and the phone do (QA 25 F3). Routes without such a stop are
    kept as they are."""
    from dataclasses import replace

    routes = []
    for r in plan.routes:
        since: dict[str, date] = {}
        closed = closed_cases(store, plan.city, r.stops, by=r.day, since_of=since)
        gone = gone_of(r.stops, closed, outcomes_of_stops(store, plan.city, r.day, r.stops)
                       ) if closed else {}
        if gone:
            r = replace(r, stops=tuple(
                replace(s, gone=gone[s.position], gone_since=since.get(s.client_id))
                if s.position in gone else s for s in r.stops))
        routes.append(r)
    return replace(plan, routes=routes)


def done_text(recorded: Mapping[str, Any], *, appointment: bool = False) -> str:
    """What the pages say of a stop with a recorded outcome (``recorded``: one of
    :func:`outcomes_of_stops`) instead of its planned visit: „erledigt 09:40 Uhr:
    Verweigert“, the time the visit took place (the phone's „Uhrzeit des Besuchs“, the
    outcome file's „Uhrzeit“); „erledigt: Verweigert“ when none was given (QA 28 F10).
    ``appointment``: an appointment agreed is named with its day and time („erledigt
    09:40 Uhr: Termin vereinbart, Termin am Do, 14.01.2027, 10:00 Uhr“, as the phone's
    state line says it) in the written files (QA 36 #11e: the reprinted sheet said
    „bereits erfasst“ without them); the phone's heading keeps the short form."""
    from hausbesuch.casework.rules import result_label
    from hausbesuch.fields import format_moment

    t = recorded.get("time_min")
    when = f" {t // 60:02d}:{t % 60:02d} Uhr" if t is not None else ""
    appt = recorded.get("appointment_at") if appointment else None
    agreed = f", Termin am {format_moment(appt)}" if appt is not None else ""
    return f"erledigt{when}: {result_label(recorded['result'])}{agreed}"


def done_of(stops: Sequence[PlannedStop], recorded: Mapping[int, Mapping[str, Any]], *,
            appointment: bool = False) -> dict[int, str]:
    """By stop ``position``: :func:`done_text` of each stop not called off with an outcome
    in ``recorded`` (:func:`outcomes_of_stops`); ``appointment`` as there."""
    return {s.position: done_text(recorded[s.position], appointment=appointment)
            for s in stops if s.position in recorded and not s.called_off}


def mark_done(store: Store, plan: Plan) -> Plan:
    """The plan with each stop that has an outcome recorded marked
    (:attr:`PlannedStop.done`, :func:`done_of`), as ``show``, ``export``, the web's
    files and print sheet and a re-plan's files write it: the route page and the print
    sheet then say „erledigt 09:40 Uhr: Verweigert“ instead of a planned visit, and the
    sheet shows the outcome ticked, without boxes to fill in again (QA 28 F10), an
    appointment agreed with its day and time (QA 36 #11e). Only
    outcomes of the stop's own day count; routes without one are kept as they are."""
    from dataclasses import replace

    routes = []
    for r in plan.routes:
        done = done_of(r.stops, outcomes_of_stops(store, plan.city, r.day, r.stops),
                       appointment=True)
        if done:
            r = replace(r, stops=tuple(replace(s, done=done[s.position])
                                       if s.position in done else s for s in r.stops))
        routes.append(r)
    return replace(plan, routes=routes)


# --------------------------------------------------------------------------- no outcome


def visits_without_outcome(s: Session, city: str, *, through: date,
                           client_id: str | None = None,
                           visit_ids: Iterable[str] | None = None) -> list[CaseVisitRow]:
    """The one rule for a visit that awaits its outcome: a case visit of a stored plan
    still ``geplant`` (not called off, none recorded) on ``through`` or before, without
    an outcome of its own visit id; first first. Of one case (``client_id``: the case
    page's „Ohne Ergebnis“, :meth:`hausbesuch.casework.service.Casework.visits_to_enter`,
    ``through`` today) or of given visits (``visit_ids``: a plan's stops,
    :func:`mark_unreported`). A visit whose case was closed on or before its day is
    among them; the callers set it apart as off (:func:`closed_ids`, :func:`mark_gone`)."""
    q = select(CaseVisitRow).where(CaseVisitRow.city == city,
                                   CaseVisitRow.status == "geplant",
                                   CaseVisitRow.day <= through)
    if client_id is not None:
        q = q.where(CaseVisitRow.client_id == client_id)
    rows: list[CaseVisitRow] = []
    if visit_ids is None:
        rows = list(s.scalars(q.order_by(CaseVisitRow.start_at)))
    else:
        ids = sorted(set(visit_ids))
        for k in range(0, len(ids), 400):
            rows += s.scalars(q.where(CaseVisitRow.visit_id.in_(ids[k:k + 400])))
        rows.sort(key=lambda v: (v.start_at, v.visit_id))
    if not rows:
        return []
    done: set[str] = set()
    found = sorted({v.visit_id for v in rows})
    for k in range(0, len(found), 400):
        done.update(s.scalars(select(OutcomeRow.visit_id).where(
            OutcomeRow.city == city, OutcomeRow.visit_id.in_(found[k:k + 400]))))
    return [v for v in rows if v.visit_id not in done]


def mark_unreported(store: Store, plan: Plan, today: date) -> Plan:
    """The plan with each stop on a day before ``today`` that awaits its outcome marked
    (:attr:`PlannedStop.unreported`, :func:`visits_without_outcome`): the team went (or
    should have) and nobody recorded what happened (QA 36 #4). A stop called off, with an
    outcome or whose case was closed on or before its day (off, as :func:`mark_gone` and
    the case page's *Entfallen* say, also when the plan was not marked) is not. Today's
    visits are not: the team may still be out. Routes without one are kept as they are."""
    from dataclasses import replace

    ids = [s.visit_id for r in plan.routes if r.day < today for s in r.to_visit
           if s.visit_id and not s.done]
    if not ids:
        return plan
    with store.session() as s:
        # (the visit's day as stored now: a re-plan that moved it to another day shares
        # the visit id with this version, whose stop is then no visit awaiting an
        # outcome; review 36 #4)
        due = {(v.visit_id, v.day) for v in visits_without_outcome(
            s, plan.city, through=today - timedelta(days=1), visit_ids=ids)}
    if not due:
        return plan
    # the cases no longer open, in one read for the whole plan (review 37 #7: two reads
    # per team-day on each view of the plan page)
    left: dict[str, date] = {}
    closed = closed_cases(store, plan.city, [st for r in plan.routes for st in r.to_visit
                                             if (st.visit_id, r.day) in due], since_of=left)
    routes = []
    for r in plan.routes:
        if r.day < today and (mine := [st for st in r.to_visit if (st.visit_id, r.day) in due
                                       and not st.done]):
            # off: a case closed on or before the visit's day (one without a moment too);
            # a case closed after it still awaits the visit's outcome, but does not stay
            # open until then (named with why: review 36 #5)
            marked = {st.position for st in mine if st.client_id not in closed
                      or left.get(st.client_id, r.day) > r.day}
            if marked:
                r = replace(r, stops=tuple(
                    replace(st, unreported=True,
                            unreported_closed=closed.get(st.client_id, "").rstrip("."))
                    if st.position in marked else st for st in r.stops))
        routes.append(r)
    return replace(plan, routes=routes)


def unreported_visits(plan: Plan) -> list[tuple[TeamDayRoute, int | None, PlannedStop]]:
    """The stops :func:`mark_unreported` marked, by day, team and number: (route, the
    number the stop is shown with, stop)."""
    out = [(r, nr, st) for r in plan.routes
           for st, nr in zip(r.stops, r.numbers, strict=True) if st.unreported]
    return sorted(out, key=lambda x: (x[0].day, x[0].team_id, x[2].position))


def reported_question(teams: Iterable[str]) -> str:
    """The question to the coordinator about visits without an outcome of the ``teams``
    (one per visit): „Hat das Team berichtet?“, or „Haben die Teams berichtet?“ when they
    are several. The note of :func:`unreported_note` and the web's *Ergebnisse* ask it."""
    return "Haben die Teams berichtet?" if len(set(teams)) > 1 else "Hat das Team berichtet?"


#: At most this many case ids in the note on visits without an outcome
MAX_UNREPORTED_NAMED = 20


def no_outcome_note(visits: Sequence[tuple[date, str, str, str]], *, how: str,
                    then: str) -> str:
    """The one wording of a note on visits on past days without an outcome
    (:func:`visits_without_outcome`), by ``show``, ``replan`` and the plan's files
    (:func:`unreported_note`) and by ``plan`` for the cases it plans again
    (:func:`hausbesuch.planning.workflow.plan_span`): how many, the case ids by team-day
    (at most :data:`MAX_UNREPORTED_NAMED`), whether the team reported, how to enter the
    outcome (``how``, after „Ergebnis nachtragen“; may be "") and what holds until then
    (``then``: „bis dahin bleiben die Fälle offen“; may be ""). ``visits``: (day, team,
    case id, why the case is no longer open or ""), by day and team; a case no longer
    open is named with why („P012 (Fall „abgeschlossen“ seit Do, 10.12.2026)“)."""
    groups: dict[tuple[date, str], list[str]] = {}  # by team-day, in order
    for day, team, cid, closed in visits[:MAX_UNREPORTED_NAMED]:
        groups.setdefault((day, team), []).append(f"{cid} ({closed})" if closed else cid)
    named = [f"{format_day(day)}, Team {team}: {', '.join(ids)}"
             for (day, team), ids in groups.items()]
    n = len(visits)
    more = n - min(n, MAX_UNREPORTED_NAMED)
    return (f"{n} {'Besuch an einem vergangenen Tag' if n == 1 else 'Besuche an vergangenen Tagen'}"
            f" ohne Ergebnis: {'; '.join(named)}{f' … und {more} weitere' if more else ''}. "
            f"{reported_question(team for _, team, _, _ in visits)} Ergebnis nachtragen"
            f"{f' {how}' if how else ''}"
            f"{f'; {then}' if then else ''}.")


def unreported_note(plan: Plan) -> str | None:
    """The coordinator's note on the plan's visits on past days without an outcome
    (:func:`mark_unreported`), naming the case ids (at most
    :data:`MAX_UNREPORTED_NAMED`) and how to enter them: on the command line
    ``hausbesuch outcomes``, in the web's files the case page (:func:`no_outcome_note`).
    That the cases stay open until then is said only of cases still open: one closed
    after the visit's day (:attr:`PlannedStop.unreported_closed`) is named with its
    status, and no case is said to stay open when none is (review 36 #5: „bis dahin
    bleibt der Fall offen“ of a case closed). None without one."""
    if not any(getattr(st, "unreported", False)  # (plan_notes takes plan-like objects)
               for r in plan.routes for st in getattr(r, "stops", ())):
        return None
    found = unreported_visits(plan)
    how = ("unter „Fälle“ beim Besuch oder über „Ergebnisse“ des Plans"
           if getattr(plan, "for_web", False)
           else "mit „hausbesuch outcomes LISTE“ (Kundennummer; Datum; Uhrzeit; Ergebnis)")
    n_open = sum(1 for _, _, st in found if not st.unreported_closed)
    if n_open == len(found):
        then = f"bis dahin {'bleibt der Fall' if n_open == 1 else 'bleiben die Fälle'} offen"
    elif n_open:  # the others are named with their status
        then = ("bis dahin "
                + ("bleibt der übrige Fall" if n_open == 1 else "bleiben die übrigen Fälle")
                + " offen")
    else:
        then = ""
    return no_outcome_note([(r.day, r.team_id, st.client_id, st.unreported_closed)
                            for r, _, st in found], how=how, then=then)
