"""The web app's calls into the casework store (outcomes, audit), in one place.

Pages call these functions, never the tables of the casework store directly; when the
casework API changes, only this module follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from hausbesuch import clock
from hausbesuch.casework import Casework, CaseworkError
from hausbesuch.casework.rules import result_label, status_word
from hausbesuch.casework.service import VISIT_TIME_MARGIN_MIN, id_may_be_shown, outcome_stamp

# re-exported: the pages' calls into the casework (the rule of a stop that is off)
from hausbesuch.casework.stops import closed_cases as closed_cases
from hausbesuch.casework.stops import done_of as done_of
from hausbesuch.casework.stops import gone_of as gone_of
from hausbesuch.casework.stops import outcomes_of_stops as outcomes_of_stops
from hausbesuch.casework.wayback import way_back
from hausbesuch.config import Profile
from hausbesuch.errors import UserError
from hausbesuch.store import OutcomeRow, Store

if TYPE_CHECKING:
    from hausbesuch.plandata import TeamDayRoute
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.planning.workflow import TeamDaysOut


def audit(store: Store, actor: str, action: str, **kwargs: Any) -> None:
    """One row of the append-only audit log (never a name: ids, codes, dates)."""
    store.audit(actor, action, **kwargs)


#: How far a typed visit time may lie outside the team's working hours (minutes): the
#: casework's one rule for the phone, the case page's forms and an outcomes file (QA 22
#: F5, QA 26 F3); the phone's page uses it to fill its field.
PHONE_HOURS_MARGIN_MIN = VISIT_TIME_MARGIN_MIN


def record_outcome(store: Store, profile: Profile, actor: str, client_id: str, day: date,
                   result: str, *, time_min: int | None, appointment: datetime | None,
                   note: str | None, idempotency_key: str,
                   route: TeamDayRoute | None = None) -> bool:
    """Record an outcome from a phone once per ``idempotency_key``; True for a repeat.
    ``route``: the stored route of the visit's team-day, whose times tell the way back
    from the client's door that the check of an appointment counts (QA 37 #1).

    Raises :class:`hausbesuch.casework.CaseworkError` (German) for an outcome the casework
    refuses (e.g. a second one for the same visit, an appointment before the visit, a
    case no longer ``offen``: the phone shows its visit as called off; an appointment
    whose visit ends after the teams' shift, before anything is stored: the team is still
    at the door and agrees another time, QA 28 F1).
    """
    _row, new = casework(store, profile, actor).record_outcome(
        client_id, day, result, time_min=time_min, appointment=appointment, note=note,
        source="web", idempotency_key=idempotency_key, only_open=True,
        check_time=time_min is not None, refuse_past_shift=True,
        way_back=way_back(route, client_id) if route is not None else None)
    return not new


def past_pin_day(day: date) -> str | None:
    """Why a visit cannot be pinned to ``day``: it lies before today
    (:func:`hausbesuch.clock.today`; today itself is fine), in German, naming the day;
    None when it does not (QA 22 F3: a pin to a day over was taken, and the page said
    „„Neu planen“ übernimmt es“, which no re-plan can)."""
    from hausbesuch.maps import fmt_date

    today = clock.today()
    if day >= today:
        return None
    return (f"{fmt_date(day)} ist schon vorbei (heute ist {fmt_date(today)}): auf einen "
            "vergangenen Tag lässt sich kein Besuch festlegen. Bitte heute oder einen "
            "späteren Tag wählen.")


def closed_refusal(client_id: str | None, status: str) -> str:
    """Why a case no longer ``offen`` cannot be pinned, and what to do, in German
    (``client_id`` None: the case not named, its id looks like a name). QA 13c #4."""
    from hausbesuch.letters import status_label

    return ((f"{client_id}: " if client_id else "")
            + f"Fall „{status_label(status)}“, wird nicht mehr besucht; zum Festlegen den "
            "Fall erst wieder öffnen (Fälle → Status setzen: offen).")


def closed_pin_refusal(store: Store, plan: Any, client_id: str,  # noqa: ANN401
                       profile: Profile | None = None) -> tuple[str, str] | None:
    """Why the case ``client_id`` cannot be pinned because it is no longer ``offen`` (its
    status as stored now): (:func:`closed_refusal`, the pin form's field
    ``kundennummer``), naming the case unless its id looks like a name
    (:func:`id_may_be_shown` with the id pattern of the city's ``profile``, None: the
    plan's); None for an open case or one the city does not hold. The first check of a
    pin (:func:`pin_refusal`; the plan page's form runs it before its own checks of day
    and time: review 36)."""
    now = _case_status(store, plan.city, client_id)
    if now in (None, "offen"):
        return None
    return closed_refusal(shown_id(client_id, profile or _plan_profile(plan)),
                          now), "kundennummer"


def shown_id(client_id: str, profile: Profile) -> str | None:
    """``client_id`` as a message may repeat it: itself, or None when it looks like a name
    (:func:`id_may_be_shown` with the id pattern of the city's ``profile``)."""
    return client_id if id_may_be_shown(
        client_id, profile.casework.id_form()["id_pattern"]) else None


def _case_status(store: Store, city: str, client_id: str) -> str | None:
    """The case's status as stored now; None for a case the city does not hold."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        row = s.get(ClientRow, {"city": city, "client_id": client_id})
        return None if row is None else row.status


def pin_refusal(store: Store, plan: Any, team: str, day: date,  # noqa: ANN401
                minutes: int | None, client_id: str | None = None, *,
                profile: Profile | None = None, days_out: TeamDaysOut | None = None,
                status: bool = True) -> tuple[str, str] | None:
    """Why the next re-plan of ``plan`` (its newest version) could not take up a pin of a
    visit to ``team`` on ``day`` (``minutes`` after midnight, or None): (German message
    that says what to do, the pin form's field in error), or None when it could. The one
    check of every pin the web stores (:func:`pin_visit`; the plan page's form): a day
    over (:func:`past_pin_day`), a time of today before the moment *Neu planen* plans from
    (:func:`hausbesuch.web.planjobs.replan_moment`), a team taken out then (*Team
    abmelden*: :func:`hausbesuch.planning.workflow.team_out_at`). QA 26 F1: such pins were
    accepted with „„Neu planen“ übernimmt es“, and the next re-plan dropped the visit
    from the week. A team-day the re-plan gives no shift for another cause is refused
    with it and what to do, in the words of the re-plan's reason (:func:`pin_days_out`:
    the team entered as absent, no longer among the city's teams or no longer working
    that day; closing 33: accepted, then „Nicht eingeplant“). A team that cannot take the
    case's visit on any day (:func:`pin_needs`: its language; review 34 #8) is refused
    naming the case and the teams that can, and a time outside the shorter shift the
    re-plan takes over of the city's teams with that shift (closing 34), each in the words
    of the re-plan's reason. A time of today the team
    cannot reach by then is refused too: at least
    :data:`~hausbesuch.planning.workflow.MIN_PIN_LEAD_MIN` minutes ahead and the way from
    where the team is (:func:`~hausbesuch.planning.workflow.earliest_visit_start`, to the
    place the plan has for ``client_id``; closing 26: a pin at "now" was accepted).
    ``days_out``: :func:`pin_days_out` of ``plan`` when the caller has it (a form of many
    team-days), else read for the city's ``profile`` (None: the plan's own).

    A case no longer ``offen`` (``client_id``'s status) is refused before everything
    else (:func:`closed_refusal`, field ``kundennummer``): no team nor day would take it
    (QA 36 #8: the form sent the coordinator to a team that speaks the client's language
    first, which then said „Fall „erreicht“, wird nicht mehr besucht“). ``status``
    False leaves the status to the caller (:func:`pin_visit` reads it under its lock)."""
    from hausbesuch.fields import format_clock
    from hausbesuch.maps import fmt_date
    from hausbesuch.planning.workflow import MIN_PIN_LEAD_MIN, earliest_visit_start, team_out_at
    from hausbesuch.teams import from_midnight, plan_shift
    from hausbesuch.web.planjobs import replan_moment

    if status and client_id is not None and (
            closed := closed_pin_refusal(store, plan, client_id, profile)) is not None:
        return closed
    if (why := past_pin_day(day)) is not None:
        return why, "ziel"
    moment = replan_moment(plan.start)
    if minutes is not None and day == moment.date() and minutes < (
            moment.hour * 60 + moment.minute):
        return (f"Uhrzeit {format_clock(minutes)} Uhr ist heute ({fmt_date(day)}) schon vorbei "
                f"(jetzt {moment:%H:%M} Uhr): „Neu planen“ plant ab jetzt. Bitte eine "
                "spätere Uhrzeit eintragen, die Uhrzeit leer lassen oder einen späteren "
                "Tag wählen.", "uhrzeit")
    if days_out is None:
        days_out = pin_days_out(store, plan, profile, moment)
    # the case's visit asks for a language (a district) the team lacks: never there
    # (review 34 #8), said before a cause of that one day
    needs = (pin_needs(store, plan, [client_id], profile).get(client_id)
             if client_id is not None and days_out is not None else None)
    if days_out is not None and (never := days_out.never(team, needs, pinned=False)):
        # the case named, unless its id looks like a name (as the form's field keeps it
        # out: review 35 #11)
        named = client_id is not None and id_may_be_shown(
            client_id, (profile or _plan_profile(plan)).casework.id_form()["id_pattern"])
        return (f"{client_id}: " if named else "") + never[1], "ziel"
    out = team_out_at(store, plan, team, day, minutes, moment)
    if out is None:  # (taken out for the rest of the day: said below, from when to when)
        gone = (days_out.reason(team, day, pinned=False, needs=needs)
                if days_out is not None else None)
        if gone is not None:
            return gone[1], "ziel"
    # the team-day's causes (absent, taken out) before a time outside the shorter shift
    # taken over, as the re-plan (_pin_check first) and the table of pins say them
    # (review 35 #3: the form said the shift, then, the time fixed, the absence); a team
    # out for a while that day is a time of its own, after the shift as in the re-plan
    if out is not None and out[1] is None:
        return _taken_out_refusal(team, day, out[0])
    if days_out is not None and (cut := days_out.outside_shift(
            team, day, minutes, plan.params, pinned=False)) is not None:
        return cut, "uhrzeit"
    if out is None and minutes is not None and (reach := earliest_visit_start(
            plan, team, day, moment, _place_in(plan, client_id))) is not None:
        earliest, where = reach
        if minutes * 60 < (earliest - datetime.combine(day, time.min)).total_seconds():
            at = _up_to_5_min(earliest)
            how = (f"„{team}“ kann frühestens gegen {at:%H:%M} Uhr dort sein ({where} aus, "
                   "in Luftlinie gerechnet)" if where else
                   f"ein Besuch lässt sich frühestens {MIN_PIN_LEAD_MIN} Minuten nach jetzt "
                   "festlegen")
            shift = plan_shift(plan.params, team, day)
            late = at.date() != day or (shift is not None
                                        and at.hour * 60 + at.minute >= shift[1])
            ask = ("Heute ist das in der Arbeitszeit nicht mehr zu schaffen: bitte die "
                   "Uhrzeit leer lassen, ein anderes Team oder einen späteren Tag wählen."
                   if late else f"Bitte eine Uhrzeit ab {at:%H:%M} Uhr eintragen, die "
                   "Uhrzeit leer lassen oder einen späteren Tag wählen.")
            return (f"Uhrzeit {format_clock(minutes)} Uhr ist zu knapp (jetzt {moment:%H:%M} "
                    f"Uhr): {how}. „Neu planen“ muss erst laufen und das Team den neuen "
                    f"Plan erhalten. {ask}", "uhrzeit")
    if out is None:
        return None
    at, back = out
    whole = from_midnight(at)
    span = f"bis {back:%H:%M} Uhr" if whole else f"von {at:%H:%M} bis {back:%H:%M} Uhr"
    return (f"Team „{team}“ ist am {fmt_date(day)} {span} abgemeldet: zu der Uhrzeit "
            f"lässt sich bei ihm kein Besuch festlegen. Bitte eine Uhrzeit ab "
            f"{back:%H:%M} Uhr, ein anderes Team oder einen anderen Tag wählen.", "uhrzeit")


def _taken_out_refusal(team: str, day: date, at: datetime) -> tuple[str, str]:
    """The pin form's refusal of a team-day whose team a re-plan took out for the rest of
    the day from ``at`` (*Team abmelden*), and the field in error."""
    from hausbesuch.maps import fmt_date
    from hausbesuch.teams import from_midnight

    span = "den ganzen Tag" if from_midnight(at) else f"ab {at:%H:%M} Uhr für den Rest des Tages"
    return (f"Team „{team}“ ist am {fmt_date(day)} {span} abgemeldet („Team abmelden“ beim "
            "Neu planen): dort lässt sich kein Besuch festlegen. Bitte ein anderes Team oder "
            "einen anderen Tag wählen, oder das Team erst mit „Neu planen“ → „Team wieder "
            "einplanen“ zurückholen.", "ziel")


def _plan_profile(plan: Any) -> Profile:  # noqa: ANN401
    """The profile ``plan`` was made with (its ``params``), loaded."""
    from hausbesuch.config import load_profile

    return load_profile((plan.params or {})["profile"])


def pin_needs(store: Store, plan: Any, client_ids: Sequence[str],  # noqa: ANN401
              profile: Profile | None = None) -> dict[str, VisitNeeds]:
    """What the visits of the cases ``client_ids`` ask of the team that takes them, as
    the next re-plan of ``plan`` reads them (:class:`hausbesuch.planning.builder.
    VisitNeeds`): the case's languages as they are now, the district the plan has for its
    address (none for a case the plan does not hold: any team may take it), the city's
    ``profile``'s responsibility (None: the profile the plan was made with; {} when the
    plan does not name it) and, under hard responsibility, the city's district names.
    Under hard responsibility with teams responsible for districts, the district decides,
    and each case's is the one the re-plan gives its address now
    (:func:`hausbesuch.planning.workflow.visit_districts`: review 35 #4, a new case had
    none and a case that moved since the plan its old one)."""
    from hausbesuch.config import load_profile
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.planning.workflow import visit_districts
    from hausbesuch.store import ClientRow, DistrictRow, _loads

    if profile is None:
        ref = (plan.params or {}).get("profile")
        if not isinstance(ref, str) or not ref:
            return {}
        profile = load_profile(ref)
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        return {}
    district = {u.client_id: u.district for u in plan.unassigned}
    district.update({st.client_id: st.district for r in plan.routes for st in r.stops})
    hard = profile.workday.responsibility == "hard"
    names: tuple[str, ...] | None = None
    if hard and any(t.get("districts") for t in (plan.params or {}).get("teams", [])):
        try:
            now, names = visit_districts(store, profile, plan, ids)
        except (ValueError, OSError):  # UserError, GeodataError (German), a file unread
            # the plan's extract or district file is gone or unreadable (replaced by a
            # newer one): the plan's districts, the city's stored names; the re-plan says
            # what it lacks (review 35b #1: the plan page and the pin form were a 500)
            pass
        else:
            district.update(now)
    with store.session() as s:
        languages = dict(s.execute(select(ClientRow.client_id, ClientRow.sprache).where(
            ClientRow.city == plan.city, ClientRow.client_id.in_(ids))).all())
        if hard and names is None:
            names = tuple(s.scalars(select(DistrictRow.name).where(
                DistrictRow.city == profile.name)))
    return {cid: VisitNeeds(tuple(_loads(languages.get(cid)) or ()), district.get(cid),
                            profile.workday.responsibility, names or None)
            for cid in ids}


def pin_days_out(store: Store, plan: Any, profile: Profile | None = None,  # noqa: ANN401
                 moment: datetime | None = None) -> TeamDaysOut | None:
    """The team-days of ``plan`` (the newest version of its family) that a re-plan from
    ``moment`` (default: the web's, :func:`hausbesuch.web.planjobs.replan_moment`) gives
    no shift (:func:`hausbesuch.planning.workflow.team_days_out`; its ``reason`` says why
    a pin there is not planned, and what to do), for the city's ``profile`` (None: the
    one the plan was made with; None when the plan does not name it)."""
    from hausbesuch.config import load_profile
    from hausbesuch.planning.workflow import team_days_out
    from hausbesuch.web.planjobs import replan_moment

    if profile is None:
        ref = (plan.params or {}).get("profile")
        if not isinstance(ref, str) or not ref:
            return None
        profile = load_profile(ref)
    return team_days_out(store, profile, plan,
                         moment if moment is not None else replan_moment(plan.start))


def _place_in(plan: Any, client_id: str | None) -> tuple[float, float] | None:  # noqa: ANN401
    """Where ``plan`` has the case's address (lon, lat): a stop's place or an unassigned
    visit's; None when it has none."""
    if client_id is None:
        return None
    for r in plan.routes:
        for st in r.stops:
            if st.client_id == client_id:
                return st.lon, st.lat
    return next(((u.lon, u.lat) for u in plan.unassigned if u.client_id == client_id
                 and u.lon is not None and u.lat is not None), None)


def _up_to_5_min(at: datetime) -> datetime:
    """``at`` rounded up to the next full five minutes (a time to suggest)."""
    at = at.replace(microsecond=0) + (timedelta(seconds=1) if at.microsecond else timedelta())
    over = (at.minute % 5) * 60 + at.second
    return at + timedelta(seconds=300 - over) if over else at


def pin_visit(store: Store, city: str, actor: str, client_id: str, plan_id: str, *,
              team: str, day: date, minutes: int | None, plan: Any = None,  # noqa: ANN401
              profile: Profile | None = None, read: str | None = None) -> str | None:
    """Pin the case's next visit to a team-day (optionally a start minute) for the next
    re-plan; audited (``visit_pinned``). Returns the case's status when it is no longer
    ``offen`` (nothing written: a re-plan could not take the pin up), else None.

    The case is locked first (:func:`hausbesuch.store.lock_clients`): a coordinator
    closing it at the same moment comes either before (the pin is refused) or after.
    Raises :class:`LookupError` for an unknown case and :class:`UserError` for a pin the
    next re-plan could not take up (:func:`pin_refusal`: a day over, a time of today
    already over, a team taken out then or without a shift that day; nothing written).
    ``plan``: the plan of ``plan_id`` when the caller has it loaded; ``profile``: the
    city's (None: the one the plan was made with). ``read``: the moment the form's page
    read the pins (:func:`~hausbesuch.casework.service.pin_moment`; "" when the form had
    none; None: not checked): a pin set, changed or taken back after it refuses the form
    under the lock (:class:`~hausbesuch.casework.service.StaleFormError`, nothing
    written), unless it asks for what is stored
    (:func:`~hausbesuch.casework.service.check_pin_unchanged`). The pin's moment
    (``clients.pin_since``) is now."""
    from hausbesuch.casework.service import check_pin_unchanged
    from hausbesuch.store import ClientRow, lock_clients, set_pin

    if (why := pin_refusal(store, plan if plan is not None else store.load_plan(plan_id),
                           team, day, minutes, client_id, profile=profile,
                           status=False)) is not None:
        raise UserError(why[0])
    with store.session() as s:
        lock_clients(s, city, [client_id])
        row = s.get(ClientRow, {"city": city, "client_id": client_id})
        if row is None:
            raise LookupError(client_id)
        if row.status != "offen":
            return row.status
        check_pin_unchanged(s, city, row, read, (team, day, minutes))  # under the lock
        if row.pin_source == "termin" and (row.pin_day, row.pin_time_min) != (day, minutes):
            # an appointment agreed with the client is not replaced in passing (review 22
            # #9: the pin form, which now takes cases from outside the plan too, dropped it
            # without a word); taking it back first is the deliberate way
            from hausbesuch.fields import format_clock, format_day

            # (as the case page's „Festgelegt: Do, 17.12.2026, 10:30 Uhr“)
            when = format_day(row.pin_day) + (f", {format_clock(row.pin_time_min)} Uhr"
                                              if row.pin_time_min is not None else "")
            raise UserError(f"Für {row.client_id} ist ein Termin am {when} vereinbart. Hat "
                            "er sich geändert, bitte erst die Festlegung des Termins "
                            "aufheben, dann neu festlegen.")
        set_pin(row, team, day, minutes, "web", at := clock.now())
        row.pin_since = at  # also when set again as it was: a page listing it is stale
        store.audit(actor, "visit_pinned", city=city, client_id=client_id, plan_id=plan_id,
                    details={"team": team, "day": day.isoformat(), "time_min": minutes},
                    session=s)
    return None


def pin_moves_announced(store: Store, profile: Profile, city: str, client_id: str
                        ) -> str | None:
    """For the pin form's confirmation: the announced visit the case's pin calls off, with
    the letter and what to do (:func:`~hausbesuch.casework.service.web_pin_moves_promise`);
    None when the pin keeps to it or nothing was announced."""
    from hausbesuch.casework.service import web_pin_moves_promise

    with store.session() as s:
        return web_pin_moves_promise(s, profile, city, client_id, clock.today())


def unpin_visit(store: Store, city: str, actor: str, client_id: str, plan_id: str,
                seen: str | None = None) -> bool:
    """Take back the case's pin (from the web, the list or an appointment); audited
    (``festlegung_aufgehoben`` with what was pinned). False when nothing was pinned
    (nothing written). The case is locked first, as in :func:`pin_visit`. ``seen``: the
    moment of the pin the form's row showed (``clients.pin_since``,
    :func:`~hausbesuch.casework.service.pin_moment`; "" when the form had none; None: not
    checked): a pin set anew since, even the same one, is not taken back
    (:class:`~hausbesuch.casework.service.StaleFormError`)."""
    from hausbesuch.casework.service import check_pin_seen
    from hausbesuch.store import ClientRow, lock_clients, set_pin

    with store.session() as s:
        lock_clients(s, city, [client_id])
        row = s.get(ClientRow, {"city": city, "client_id": client_id})
        if row is None or row.pin_day is None and row.pin_team is None:
            return False
        check_pin_seen(s, city, row, seen)  # under the lock, before anything is written
        old = {"team": row.pin_team, "day": row.pin_day.isoformat() if row.pin_day else None,
               "time_min": row.pin_time_min, "quelle": row.pin_source}
        set_pin(row, None, None, None, None, clock.now())
        store.audit(actor, "festlegung_aufgehoben", city=city, client_id=client_id,
                    plan_id=plan_id, details=old, session=s)
    return True


def outcomes_of_plan(store: Store, city: str, pairs: Sequence[tuple[str, date]]
                     ) -> list[dict[str, Any]]:
    """Outcomes recorded for the (client id, day) visits of a plan, newest first."""
    if not pairs:
        return []
    ids = sorted({c for c, _ in pairs})
    days = {d for _, d in pairs}
    wanted = set(pairs)
    with store.session() as s:
        rows = s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == city, OutcomeRow.client_id.in_(ids),
            OutcomeRow.day.in_(sorted(days))).order_by(OutcomeRow.recorded_at.desc()))
        return [{"client_id": r.client_id, "day": r.day, "result": r.result,
                 "time_min": r.time_min, "note": r.note, "appointment_at": r.appointment_at,
                 "recorded_by": r.recorded_by, "recorded_at": r.recorded_at, "source": r.source}
                for r in rows if (r.client_id, r.day) in wanted]


# --------------------------------------------------------------------------- clients


def casework(store: Store, profile: Profile, actor: str) -> Casework:
    return Casework(store, profile, actor=actor)


def import_clients(store: Store, profile: Profile, path: str, actor: str, *,
                   name: str | None = None) -> dict[str, Any]:
    """Import or update a client list (casework rules: fixes, pins, coordinates); the
    per-row report (ids, fields and reasons; no names). ``name`` is how messages name the
    file (an upload: the name of the file sent, never the temporary path)."""
    from hausbesuch.web.app import web_reason

    cw = casework(store, profile, actor)
    res = cw.import_clients(path, name=name)
    rejected = [_rejected_row(r.row, r.id, r.field, r.reason)
                for r in sorted(res.rejected, key=lambda r: r.row)]
    if rejected:  # whether each row's case is in the database, as *Kundenliste* says it
        with store.session() as s:
            stored = _stored_cases(s, cw.city) if any(r.id for r in res.rejected) else {}
        rows = {r.row for r in res.rejected}
        for shown, r in zip(rejected, sorted(res.rejected, key=lambda r: r.row), strict=True):
            shown["gespeichert"] = _in_database(r.id, r.field, r.reason, stored, rows)
    # a moved client still planned at the old address: the web's way to re-plan, not the
    # command line's (a coordinator in the browser may have none)
    web_notes = {res.replan_hint(text, pid): f"{text}: bitte Plan {pid} unter „Pläne“ "
                 "öffnen und dort „Neu planen“." for text, pid in res.moved_ahead}
    return {
        "total": res.total_rows, "new": len(res.new), "updated": len(res.updated),
        "unchanged": res.unchanged_read, "erased_kept": len(res.erased_kept),
        # (the import's own notes may name a command: the web's words instead)
        "warnings": [web_reason(web_notes.get(w, w)) for w in res.warnings]
        + [f"{cid}: {res.not_open_reason(cid, command=False)}." for cid in res.not_open],
        "stale": list(res.stale_fixes), "rejected": rejected, "absent": res.absent_note(),
        "all_absent": all(r["gespeichert"] == "nein" for r in rejected),
    }


def import_outcomes(store: Store, profile: Profile, path: str, actor: str, *,
                    name: str | None = None) -> dict[str, Any]:
    """Record an outcomes list (CSV/XLSX: Kundennummer; Datum; Uhrzeit; Ergebnis; Termin;
    Notiz) by the rules of ``hausbesuch outcomes`` (:meth:`Casework.record_outcomes_file`,
    its audit row, source „Datei“: a row recorded by either, from this file or an earlier
    one, is not recorded twice); the per-row report (ids, fields and reasons; no names).
    ``name``: how messages name the file. ``plans``: (plan id, rows recorded) of the
    newest version of each plan with a recorded row's visit; ``appointments``: the
    appointments agreed in recorded rows that a stored plan covering their day does not
    hold (:meth:`Casework.appointment_notes` in the web's words, with the plan to re-plan;
    not repeated among ``notes``). Raises :class:`~hausbesuch.errors.UserError` for a file
    that is no outcomes list."""
    from hausbesuch.web.app import web_reason

    cw = casework(store, profile, actor)
    res = cw.record_outcomes_file(path, name=name)
    notes, appointments = list(res.notes), []
    for row, cid, result in res.recorded:
        if result != "termin_vereinbart":
            continue
        for said, web in zip(cw.appointment_notes(cid),
                             cw.appointment_notes(cid, command=False), strict=True):
            if (line := f"Zeile {row} ({cid}): {said.text}.") in notes:  # as the file's
                notes.remove(line)
                appointments.append({"zeile": str(row), "id": cid, "plan": web.plan_id,
                                     "text": web_reason(web.text), "replan": web.replan})
    return {
        "source": res.source, "total": res.total_rows,
        "recorded": [{"zeile": str(row), "id": cid, "ergebnis": result_label(result)}
                     for row, cid, result in res.recorded],
        "duplicates": [{"zeile": str(row), "id": cid} for row, cid in res.duplicates],
        "rejected": [_outcome_rejected(r.row, r.id, r.field, r.reason)
                     for r in sorted(res.rejected, key=lambda r: r.row)],
        # (the casework's notes may name a command: the web's words instead)
        "notes": [web_reason(n) for n in notes], "appointments": appointments,
        "plans": _plans_of_visits(store, cw.city, res.visits),
    }


def _outcome_rejected(row: int, client_id: str | None, field: str, reason: str
                      ) -> dict[str, str]:
    """A rejected row of an outcomes list as the pages show it: Zeile, Kundennummer, Feld
    (German), Grund (said once: a reason that begins with its field's label)."""
    from hausbesuch.casework.service import field_label

    label = field_label(field)
    return {"zeile": str(row), "id": client_id or "", "feld": label,
            "grund": reason.removeprefix(f"{label}:").strip()}


def _plans_of_visits(store: Store, city: str, visits: Sequence[tuple[str, date]]
                     ) -> list[tuple[str, int]]:
    """(plan id, how many of them) of the newest version of each plan that planned one of
    the (case id, day) ``visits``, oldest plan first."""
    from hausbesuch.store import CaseVisitRow, PlanRow
    from hausbesuch.versions import newest_version

    if not visits:
        return []
    wanted = set(visits)
    with store.session() as s:
        made = [(cid, day, pid) for cid, day, pid in s.execute(
            select(CaseVisitRow.client_id, CaseVisitRow.day, CaseVisitRow.plan_id).where(
                CaseVisitRow.city == city,
                CaseVisitRow.client_id.in_(sorted({c for c, _ in visits})),
                CaseVisitRow.plan_id.is_not(None)))
            if (cid, day) in wanted]
    held: dict[str, set[tuple[str, date]]] = {}
    for cid, day, pid in made:
        held.setdefault(newest_version(store, pid), set()).add((cid, day))
    with store.session() as s:
        made_at = dict(s.execute(select(PlanRow.id, PlanRow.created_at).where(
            PlanRow.id.in_(sorted(held)))).all())
    return [(pid, len(held[pid])) for pid in sorted(held, key=lambda p: (
        made_at.get(p) is None, made_at.get(p) or datetime.min, p))]


#: The words of the web for the profile's form of the city's ids in a rejected id's reason
#: (:data:`hausbesuch.clients.ID_FORM_SET`, :data:`~hausbesuch.clients.ID_FORM_HOW`):
#: the coordination cannot set it, the administration can (QA 38 F7).
ID_FORM_WEB = {
    "set": "erwartet wird das Format der Fachanwendung, das die Administration im "
           "Stadtprofil festgelegt hat",
    "how": "bitte die Administration informieren: sie kann deren Format im Stadtprofil "
           "festlegen",
}


def _rejected_row(row: int, client_id: str | None, field: str, reason: str
                  ) -> dict[str, str]:
    """A rejected row as the pages show it: Zeile, Kundennummer, Feld (German), Grund
    (:func:`~hausbesuch.clients.rejection_shown`; the profile's form of ids in the
    coordination's words, :data:`ID_FORM_WEB`)."""
    from hausbesuch.clients import ID_FORM_HOW, ID_FORM_SET, rejection_shown

    label, why = rejection_shown(field, reason)
    why = why.replace(ID_FORM_SET, ID_FORM_WEB["set"]).replace(ID_FORM_HOW,
                                                               ID_FORM_WEB["how"])
    return {"zeile": str(row), "id": client_id or "", "feld": label, "grund": why}


def last_import(store: Store, city: str) -> dict[str, Any] | None:
    """The city's last import of a client list as stored (web upload or ``hausbesuch
    import``): when (``at``), by whom (``by``), the counts and its rejected rows (as
    :func:`import_clients` gives them; reasons without typed names or addresses); None
    before the first import."""
    from sqlalchemy import select

    from hausbesuch.accountnames import shown_name
    from hausbesuch.store import ImportRejectionRow, LastImportRow

    with store.session() as s:
        last = s.get(LastImportRow, city)
        if last is None:
            return None
        rows = s.scalars(select(ImportRejectionRow).where(ImportRejectionRow.city == city)
                         .order_by(ImportRejectionRow.seq)).all()
        by = shown_name(last.imported_by.removeprefix("cli:"))
        if last.imported_by.startswith("cli:"):
            by += " (Befehlszeile)"
        stored = _stored_cases(s, city) if any(r.client_id for r in rows) else {}
        rejected = []
        for r in rows:
            shown = _rejected_row(r.input_row, r.client_id, r.field_name, r.reason)
            shown["gespeichert"] = _in_database(r.client_id, r.field_name, r.reason, stored,
                                                {x.input_row for x in rows})
            rejected.append(shown)
        return {"at": last.imported_at, "by": by, "total": last.total_rows,
                "new": last.new, "updated": last.updated, "unchanged": last.unchanged,
                "erased_kept": last.erased_kept, "rejected_count": last.rejected,
                "rejected": rejected,
                "all_absent": all(r["gespeichert"] == "nein" for r in rejected)}


def _stored_cases(s: Any, city: str) -> dict[str, bool]:
    """The city's stored cases by :func:`~hausbesuch.caseids.id_key`: whether their data
    were erased."""
    from hausbesuch.caseids import id_key
    from hausbesuch.store import ClientRow

    return {id_key(cid): erased is not None for cid, erased in s.execute(
        select(ClientRow.client_id, ClientRow.erased_at).where(ClientRow.city == city))}


#: the reason of a row whose case id an earlier row of the list has
#: (:func:`hausbesuch.clients.read_clients`): „… doppelt: schon in Zeile 7“
_TWICE = re.compile(r"doppelt: schon in Zeile (\d+)")


def _in_database(client_id: str | None, field: str, reason: str, stored: dict[str, bool],
                 rejected_rows: set[int]) -> str:
    """Whether the case of a rejected row (its case id, field and reason) of the last
    import is in the database all the same, as *Kundenliste*, the import's result page
    and ``ablehnungen.csv`` say it (QA 31: the page said every such row's case was not,
    also for a second row of a case whose first row was read in): „nein“; „ja, aus Zeile
    7“ (a case id twice in the list, its first row read in); „ja, mit den bisherigen
    Daten“ (stored before, this row not read); „ja (Daten gelöscht)“. ``stored``:
    :func:`_stored_cases`; ``rejected_rows``: the numbers of the import's rejected rows."""
    from hausbesuch.caseids import id_key

    if not client_id or id_key(client_id) not in stored:
        return "nein"
    if stored[id_key(client_id)]:
        return "ja (Daten gelöscht)"
    if field == "id" and (m := _TWICE.search(reason)) and int(m[1]) not in rejected_rows:
        return f"ja, aus Zeile {m[1]}"
    return "ja, mit den bisherigen Daten"


def rejections_csv(rejected: list[dict[str, str]]) -> str:
    """The rejected rows of :func:`last_import` as a CSV (semicolons, as German Excel
    reads it; cells that a spreadsheet would run as a formula made safe), with whether
    each row's case is in the database all the same, as the page says it
    (:func:`_in_database`)."""
    import io

    from hausbesuch.safe_cells import write_csv

    out = io.StringIO()
    write_csv(out, ["Zeile", "Kundennummer", "Feld", "Grund", "In der Datenbank"],
              [[r["zeile"], r["id"], r["feld"], r["grund"], r.get("gespeichert", "")]
               for r in rejected])
    return "\ufeff" + out.getvalue()


def map_center(store: Store, profile: Profile, actor: str) -> tuple[float, float] | None:
    """(lat, lon) to open the address map at: the profile's depot."""
    return profile.depot_point(lambda address: casework(store, profile, actor).index
                               .geocode(address))


def unresolved(store: Store, profile: Profile, actor: str) -> list[dict[str, Any]]:
    """Clients whose address is unresolved, street-level, in doubt or whose fix went
    stale, with the geocoder's suggestions, the point found (if any) to start the map at
    and, for an address the map data hold at several places, those places (``candidates``:
    [lat, lon] each) to pick one."""
    return address_review(store, profile, actor)[0]


def address_review(store: Store, profile: Profile, actor: str
                   ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """:func:`unresolved`, and the open cases whose address a coordinator fixed to one
    found only at street level (:meth:`Casework.address_review`: named beside the list,
    never an all-clear without them): case id, the address as the field sees it, the
    geocoder's reason. Each row's ``stand``: the stamp of its fix and address, which its
    form sends back (QA 38 F1; :meth:`Casework.fix_stamps` of the rows shown only, read
    after them: what was written since they were read is left out, review 39 #3)."""
    from hausbesuch.planning.report import QUALITY_DE

    cw = casework(store, profile, actor)
    began = clock.now()  # before the rows are read: a fix stored after makes them stale
    problems, street_fixes = cw.address_review()
    street = [{"client_id": p.client_id, "address": p.address, "reason": p.reason}
              for p in street_fixes]
    if not problems:
        return [], street
    stamps = cw.fix_stamps([p.client_id for p in problems], before=began)
    clients = {st.client.id: st.client for st in cw.states([p.client_id for p in problems])}
    located = cw.locate([clients[p.client_id] for p in problems if p.client_id in clients])
    out = []
    for p in problems:
        loc = located.get(p.client_id)
        out.append({"client_id": p.client_id, "address": p.address, "quality": p.quality,
                    "quality_label": QUALITY_DE.get(p.quality, "Adresse"),
                    "reason": p.reason, "suggestions": list(p.suggestions),
                    "stale": p.stale_fix, "stand": stamps[p.client_id],
                    "lon": loc.lon if loc else None, "lat": loc.lat if loc else None,
                    "candidates": [[lat, lon] for lon, lat in loc.candidates]
                    if loc and loc.lon is None else []})
    return out, street


def address_row(store: Store, profile: Profile, actor: str, client_id: str
                ) -> dict[str, Any]:
    """One case of the city, whatever its status and however its address was found, as a
    row of the address page (:func:`unresolved`): to correct a point or an address set
    before, which the list of addresses to review no longer holds (QA 22 F2).
    :class:`CaseworkError` for a case id the city does not know."""
    from hausbesuch.planning.report import QUALITY_DE

    cw = casework(store, profile, actor)
    cid = cw.case_id(client_id)
    stamp = cw.fix_stamps([cid])[cid]  # before what the row shows
    st = cw.states([cid])[0]
    if st.erased_at is not None:
        # nothing to look up or correct: "(gelöscht)" is no address (QA 42b F3: the page
        # geocoded it, „Straße „gelöscht“ nicht gefunden“, and offered a form saving refused)
        from hausbesuch.casework.erasure import erased_note

        return {"client_id": cid, "address": st.client.address, "quality": "geloescht",
                "quality_label": "Daten gelöscht",
                "reason": f"{erased_note(st.erased_at)} (hausbesuch purge): keine "
                          "Korrektur möglich",
                "suggestions": [], "stale": False, "stand": stamp, "lon": None, "lat": None,
                "candidates": [], "erased": True}
    loc = cw.locate([st.client])[cid]
    if loc.fix_outside:  # a fix from another area's map: not used (QA 28)
        said = loc.reason
    elif loc.source in ("korrektur_punkt", "liste_koordinate"):
        said = ""  # the quality's label says it: „von Hand gesetzt“, „Koordinate aus …“
    elif loc.source == "korrektur_adresse":
        said = f"Adresse von Hand korrigiert: „{loc.match}“" if loc.match else \
            "Adresse von Hand korrigiert"
    else:
        said = (f"gefunden als „{loc.match}“" if loc.match and loc.lon is not None
                else "")
        if loc.reason:
            said = f"{said}; {loc.reason}" if said else loc.reason
    return {"client_id": cid, "address": st.client.address, "quality": loc.quality,
            "quality_label": QUALITY_DE.get(loc.quality, "Adresse"), "reason": said,
            "suggestions": list(loc.offered), "stale": False, "stand": stamp,
            "lon": loc.lon, "lat": loc.lat,
            "candidates": [[lat, lon] for lon, lat in loc.candidates]
            if loc.lon is None else []}


def stored_fix(store: Store, city: str, client_id: str) -> str | None:
    """What the city's case has stored as its address fix, as the page names it: the
    address („Bahnhofstraße 5, 36251 Bad Hersfeld“) or the point (Breite, Länge); None
    without a fix."""
    from hausbesuch.store import AddressFixRow

    with store.session() as s:
        fix = s.get(AddressFixRow, {"city": city, "client_id": client_id})
        if fix is None:
            return None
        if fix.address:
            return f"„{fix.address}“"
        if fix.lat is not None and fix.lon is not None:  # with a decimal comma, as the
            # address map's line says the point set (QA 33c L7: it said „50.873143“ here)
            lat, lon = (f"{v:.6f}".replace(".", ",") for v in (fix.lat, fix.lon))
            return f"(Breite {lat}, Länge {lon})"
        return ""


def fix_address(store: Store, profile: Profile, actor: str, client_id: str, *,
                point: tuple[float, float] | None = None, address: str | None = None,
                suggestion: int | None = None, suggested_for: str | None = None,
                point_as_typed: tuple[str, str] | None = None,
                seen: str | None = None) -> str | None:
    """Store a coordinator's fix: a point (lon, lat), an address text or a suggestion
    (its number; or its text, ``address``, offered for the typed ``suggested_for``);
    ``point_as_typed``: the form's Breite and Länge as typed, for a refusal's echo;
    ``seen``: the stamp of the fix the form's page showed (its row's ``stand``; a fix
    since refuses it: :class:`~hausbesuch.casework.service.StaleFormError`). Returns the note on a visit ahead that a stored plan still sends to the old place
    (:meth:`~hausbesuch.casework.Casework.visit_at_old_place`), with the web's way to
    re-plan, as the upload says it (review 33 #3); None without one."""
    cw = casework(store, profile, actor)
    loc = cw.fix_address(client_id, point=point, address=address, suggestion=suggestion,
                         suggested_for=suggested_for, point_as_typed=point_as_typed,
                         seen=seen)
    elsewhere = cw.visit_at_old_place(loc.client_id, loc)
    if elsewhere is None:
        return None
    text, plan_id, still_open = elsewhere
    return (f"{text}: bitte Plan {plan_id} unter „Pläne“ öffnen und dort „Neu planen“."
            if still_open else text)


# --------------------------------------------------------------------------- one case


def status_choices() -> list[tuple[str, str]]:
    """(code, German label) of every case status, as ``hausbesuch status --set`` takes them."""
    from hausbesuch.casework.rules import STATUS_LABELS, STATUSES

    return [(s, STATUS_LABELS[s]) for s in STATUSES]


def case_id(store: Store, profile: Profile, actor: str, client_id: str) -> str:
    """The stored spelling of a case id of the city; :class:`CaseworkError` (German, with
    the hint for an id that lost its leading zeros) when the city has no such case."""
    return casework(store, profile, actor).case_id(client_id)


def disclosure(store: Store, profile: Profile, actor: str, client_id: str
               ) -> tuple[str, str]:
    """The Auskunft (Art. 15 GDPR) of one case for the web's download: (stored id, the
    text ``hausbesuch disclose`` writes), audited as the command audits it
    (``auskunft_erteilt``, the case's id; ``ausgabe`` web instead of a file's path).
    :class:`CaseworkError` for an id the city does not know (nothing audited)."""
    from hausbesuch.casework.disclosure import (
        audit_disclosure,
        disclosure_document,
        web_details,
    )

    known = case_id(store, profile, actor, client_id)
    text = disclosure_document(store, profile.name, known)
    audit_disclosure(store, actor, profile.name, known, web_details())
    return known, text


#: Cases a list of one status shows at most per page (*Fälle*, :func:`cases_of_status`).
CASES_PER_PAGE = 200


def status_counts(store: Store, city: str) -> dict[str, int]:
    """How many of the city's cases have each status (every status, 0 for none)."""
    from sqlalchemy import func

    from hausbesuch.casework.rules import STATUSES
    from hausbesuch.store import ClientRow

    with store.session() as s:
        held = dict(s.execute(select(ClientRow.status, func.count())
                              .where(ClientRow.city == city).group_by(ClientRow.status)).all())
    return {st: int(held.get(st, 0)) for st in STATUSES}


def cases_of_status(store: Store, city: str, status: str, page: int = 1
                    ) -> list[dict[str, Any]]:
    """One page (from 1, :data:`CASES_PER_PAGE` each) of the city's cases with
    ``status``: id, status word, since when, reason (never a name), the status changed
    last first, then by id."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        rows = s.execute(select(ClientRow.client_id, ClientRow.status_since,
                                ClientRow.status_reason)
                         .where(ClientRow.city == city, ClientRow.status == status)
                         .order_by(ClientRow.status_since.desc().nulls_last(), ClientRow.client_id)
                         .offset((max(page, 1) - 1) * CASES_PER_PAGE)
                         .limit(CASES_PER_PAGE)).all()
    return [{"client_id": cid, "status_word": status_word(status), "since": since,
             "reason": reason or ""} for cid, since, reason in rows]


def case_cities(store: Store, client_id: str) -> set[str]:
    """The cities that hold a case with this id (as typed, or by
    :func:`hausbesuch.caseids.id_key`: without case, look-alike spaces and dashes)."""
    from hausbesuch.caseids import id_key
    from hausbesuch.store import ClientRow

    key = id_key(client_id)
    with store.session() as s:
        return {city for city, cid in s.execute(select(ClientRow.city, ClientRow.client_id))
                if id_key(cid) == key}


def visit_lengths(store: Store, profile: Profile, client_ids: list[str]) -> dict[str, int]:
    """{case id: how long its visit takes} (its Besuchsdauer, else the profile's) of the
    city's cases among ``client_ids`` (one query)."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        rows = s.execute(select(ClientRow.client_id, ClientRow.besuchsdauer_min).where(
            ClientRow.city == profile.name, ClientRow.client_id.in_(client_ids))).all()
    return {cid: minutes or profile.workday.visit_minutes for cid, minutes in rows}


def visit_minutes(store: Store, profile: Profile, client_id: str) -> int | None:
    """How long a visit of the city's case ``client_id`` takes (:func:`visit_lengths`);
    None for a case the city does not have."""
    return visit_lengths(store, profile, [client_id]).get(client_id)


def case_view(store: Store, profile: Profile, actor: str, client_id: str) -> dict[str, Any]:
    """One case as ``hausbesuch status`` shows it: status with its reason, pin, history,
    outcomes, the visits still planned for it, and the notes when a case that is no longer
    open still has a visit on a route or an agreed appointment is in no route of the
    stored plan covering its day (no name, no address). Raises
    :class:`CaseworkError` for an id the city does not know."""
    from hausbesuch.casework.rules import STATUS_LABELS
    from hausbesuch.casework.stops import closed_ids
    from hausbesuch.fields import format_clock
    from hausbesuch.planning.builder import pin_day_note

    cw = casework(store, profile, actor)
    known = cw.case_id(client_id)
    stamp = cw.status_stamp(known)  # before the status shown: a change meanwhile is stale
    st = cw.states([known])[0]
    with store.session() as s:
        outcomes = [{"day": o.day, "label": result_label(o.result),
                     "time": format_clock(o.time_min) if o.time_min is not None else "",
                     "appointment_at": o.appointment_at, "visit_id": o.visit_id or "",
                     "result": o.result, "has_note": bool(o.note),
                     "stand": outcome_stamp(s, profile.name, o)}  # (QA 38 F1)
                    for o in s.scalars(select(OutcomeRow).where(
                        OutcomeRow.city == profile.name, OutcomeRow.client_id == known)
                        .order_by(OutcomeRow.id))]
    # (a case no longer open: planned_after_close says its visit is to be called off)
    moved = [o for o in cw.visits_at_old_place([known]) if o.still_open]
    return {
        "client_id": known, "status": st.status, "status_label": STATUS_LABELS[st.status],
        "status_word": status_word(st.status), "status_stand": stamp, "why": st.why, "erased_at": st.erased_at,
        "pin_team": st.pin_team, "pin_day": st.pin_day,
        "pin_time": format_clock(st.pin_time_min) if st.pin_time_min is not None else "",
        # a pinned day passed, or no working day (QA 40 F2; ``status`` says the same)
        "pin_note": pin_day_note(cw.calendar, st.pin_day, cw.today(), st.pin_source,
                                 open_case=st.status == "offen", time_min=st.pin_time_min,
                                 service_min=st.client.besuchsdauer_min
                                 or profile.workday.visit_minutes),
        "history": [{"at": at, "status": status_word(status), "reason": why, "by": who}
                    for at, status, why, who in cw.status_history(known)],
        "outcomes": outcomes,
        "ahead": [{"day": day, "start": start, "plan_id": pid,
                   "old_place": any(o.visit.start_at == start and o.plan_id == pid
                                    for o in moved)}
                  for day, start, pid in cw.visits_ahead(known)],
        # visits up to today without an outcome: the coordination enters it (QA 22 F6);
        # one whose case was closed on or before its day is off („gone“), as the plan's
        # files, the phone and the plan's outcomes page say (QA 26): it awaits no outcome.
        # The coordination may still record one (record_outcome refuses a closed case
        # only from the phone), so its form stays, named so
        "to_enter": [{"visit_id": vid, "day": day, "start": start, "plan_id": pid,
                      "gone": closed_ids(store, profile.name, [known], by=day).get(known)}
                     for vid, day, start, pid in cw.visits_to_enter(known)],
        # visits up to today called off since their plan (a re-plan, a cancellation
        # letter) whose team may have gone anyway: ``hausbesuch outcomes`` takes their
        # outcome, so does the case page, as a visit called off (QA 33b F9, session 33)
        "called_off": [{"visit_id": vid, "day": day, "start": start, "plan_id": pid,
                        "since": since}
                       for vid, day, start, pid, since in cw.called_off_to_enter(known)],
        # an appointment whose visit ends after the shift: no plan can hold it (QA 26 F7)
        "late": (late := cw.agreed_appointment_past_shift(known)),
        # ... and one a letter announced: the cancellation it needs (QA 44b F6)
        "cancel": cw.cancellations_after_close(known, command=False),
        # ``replan``: the plan's „Neu planen“ is the way; not for an appointment that
        # plan's newest version tried and listed as not plannable (QA 37 #1: the page sent
        # the coordinator back to a re-plan that refuses it again)
        "notes": [{"text": text, "plan_id": pid, "replan": True}
                  for text, pid in cw.planned_after_close(known)]
        # a visit ahead still at the address or point the case had before (QA 38 F3)
        + [{"text": f"{o.client_id}: {o.moved_note}; bitte neu planen", "plan_id": o.plan_id,
            "replan": True} for o in moved]
        # (not „re-plan it“ beside an appointment no plan can hold: QA 41 F3)
        + [{"text": n.text, "plan_id": n.plan_id, "replan": n.replan}
           for n in cw.appointment_notes(known, command=False) if not (late and n.replan)],
    }


def plans_missing_appointment(store: Store, profile: Profile, actor: str,
                              client_id: str) -> list[str]:
    """The stored plans (newest versions) whose span holds the case's appointment agreed
    at the door but not the visit: only their re-plan plans it (QA 16a #4)."""
    return [pid for _, pid in casework(store, profile, actor).appointment_missing_from_plans(
        client_id, command=False)]


def team_shifts(store: Store, profile: Profile) -> dict[int, tuple[int, int]]:
    """{weekday (0 Monday): (first start, last end) in minutes} of the city's teams that
    work it: the hours :meth:`Casework.past_shift_refusal` checks an appointment against,
    for the phone to check before queueing (QA 28 F1)."""
    from hausbesuch.team_store import working_hours

    return working_hours(store, profile)


def way_back_limits(store: Store, profile: Profile, route: TeamDayRoute
                    ) -> dict[str, dict[int, tuple[int, int, int, bool]]]:
    """{client id of a stop: {weekday: (latest end of the visit, way back in minutes,
    shift end, exact)}} for the phone's check of an appointment agreed at that door (QA
    37 #1): the way back stored with the stop, else what the stored route's times tell
    (:func:`hausbesuch.casework.wayback.way_back`), counted as
    :meth:`Casework.past_shift_refusal` counts it; only
    the weekdays on which it moves the latest end (the rest keep :func:`team_shifts`'s
    rule), only stops with such a way back."""
    cw = casework(store, profile, "telefon")
    out: dict[str, dict[int, tuple[int, int, int, bool]]] = {}
    teams = None
    for st in route.stops:
        way = way_back(route, st.client_id)
        if way is None:
            continue
        teams = teams if teams is not None else cw.depot_teams()  # (read once)
        days = {wd: (limit, way.minutes, end, way.exact) for wd in range(7)
                if (got := cw.latest_visit_end(wd, way, teams)) is not None
                for limit, end, back in [got] if back is not None}
        if days:
            out[st.client_id] = days
    return out


def moved_since_plan(store: Store, profile: Profile, actor: str, plan_id: str
                     ) -> list[tuple[str, str]]:
    """(case id, „Adresse seit dem Plan geändert (…)“) of each open case whose visit ahead
    the plan ``plan_id`` (the newest version of its family) still sends to the address or
    point the case had before (:meth:`Casework.visits_at_old_place`, the rule of the
    address fix's confirmation): only its „Neu planen“ plans the new one (QA 38 F3: the
    plan page said nothing to the colleague)."""
    return [(o.client_id, o.moved_note) for o in casework(store, profile, actor)
            .visits_at_old_place(plan_id=plan_id) if o.still_open]


def appointments_to_replan(store: Store, profile: Profile, actor: str, plan_id: str,
                           start: date, days: int) -> list[tuple[str, datetime]]:
    """The appointments agreed at the door (the cases' pins from „Termin vereinbart“) on
    a day of the plan ``plan_id`` (the newest version of its family, spanning ``start``
    and ``days``) that it does not hold: (case id, appointment), first first. Only its
    re-plan plans them (:meth:`Casework.appointment_notes`); the plan page
    and *Ergebnisse* list them for the coordination (QA 28 F8: only the phone and the
    case page said so); not those it tried and listed as not plannable
    (:func:`appointment_notes_of_plan`)."""
    return [(cid, at) for cid, at, refused in appointment_notes_of_plan(
        store, profile, actor, plan_id, start, days) if refused is None]


def appointment_notes_of_plan(store: Store, profile: Profile, actor: str, plan_id: str,
                              start: date, days: int) -> list[tuple[str, datetime, str | None]]:
    """The appointments agreed at the door on a day of the plan ``plan_id`` (the newest
    version of its family, spanning ``start`` and ``days``) that it does not hold, first
    first: (case id, appointment, None) for one its re-plan plans, (case id, appointment,
    the note of :meth:`Casework.appointment_notes`: the stored reason and what to do) for
    one this version tried and listed as not plannable (QA 37 #1: the page said it waited
    for „Neu planen“, which refuses it again)."""
    from hausbesuch.store import ClientRow

    end = start + timedelta(days=max(days, 1) - 1)
    with store.session() as s:
        pins = [(cid, datetime.combine(day, time()) + timedelta(minutes=minute))
                for cid, day, minute in s.execute(
                    select(ClientRow.client_id, ClientRow.pin_day, ClientRow.pin_time_min)
                    .where(ClientRow.city == profile.name, ClientRow.pin_source == "termin",
                           ClientRow.pin_day >= start, ClientRow.pin_day <= end,
                           ClientRow.pin_time_min.is_not(None), ClientRow.status == "offen",
                           ClientRow.erased_at.is_(None)))]
    cw = casework(store, profile, actor)
    found = [(cid, at, None if n.replan else n.text) for cid, at in pins
             for n in cw.appointment_notes(cid, command=False) if n.plan_id == plan_id]
    return sorted(found, key=lambda x: (x[1], x[0]))


def set_status(store: Store, profile: Profile, actor: str, client_id: str, status: str,
               reason: str, seen: str | None = None) -> tuple[str, bool]:
    """Set a case's status by hand, as ``hausbesuch status --set`` does (history and the
    audit row ``status_geaendert`` by the casework service); returns (the stored id,
    whether the status changed). ``seen``: the case page's ``status_stand``; a status
    change since refuses it (:class:`~hausbesuch.casework.service.StaleFormError`)."""
    cw = casework(store, profile, actor)
    known = cw.case_id(client_id)
    return known, cw.set_status(known, status, reason, seen=seen)


def other_persons(store: Store, profile: Profile, actor: str, client_id: str
                  ) -> dict[str, Any]:
    """The case page's „Gleicher Name, gleiche Anschrift“ (no name): the cases marked
    as another person (``marked``: id, by whom, when) and those that seem the same
    person now without such a mark (``unchecked``), with the note the import gives."""
    from hausbesuch.casework.service import same_person_note

    cw = casework(store, profile, actor)
    known = cw.case_id(client_id)
    marked = cw.other_persons_of(known)
    done = {m[0] for m in marked}
    unchecked = [o for o in cw.same_person_now(known) if o not in done]
    return {"marked": [{"id": o, "by": by, "at": at} for o, by, at in marked],
            "unchecked": unchecked,
            "note": same_person_note([known, *unchecked], how=False) if unchecked else ""}


def mark_other_person(store: Store, profile: Profile, actor: str, client_id: str,
                      other_id: str, *, undo: bool) -> tuple[str, bool]:
    """``hausbesuch status ID --other-person ID [--undo]``: (the stored id, whether the
    mark changed); refusals as :class:`~hausbesuch.errors.UserError` (German)."""
    cw = casework(store, profile, actor)
    known = cw.case_id(client_id)
    try:
        other = cw.case_id(other_id)
    except CaseworkError:
        raise UserError(f"Kundennummer {other_id[:64]}: kein Fall dieser Stadt.") from None
    return known, cw.mark_other_person(known, other, undo=undo)


def result_choices() -> list[tuple[str, str]]:
    """(stored result, German label) for the outcome forms of the case page, labelled
    as on the phone and *Ergebnisse* (:func:`~hausbesuch.casework.rules.result_label`)."""
    from hausbesuch.casework import RESULTS

    return [(r, result_label(r)) for r in RESULTS]


def correct_outcome(store: Store, profile: Profile, actor: str, client_id: str,
                    visit_id: str, result: str, *, time_min: int,
                    appointment: datetime | None, note: str | None,
                    clear_note: bool = False, source: str | None = None,
                    seen: str | None = None) -> Any:
    """The coordination (or, ``source`` telefon, the phone that sent it, within its
    correction window) corrects the recorded outcome of the case's visit ``visit_id``
    (:meth:`Casework.correct_outcome`: audited, the status derived anew; ``clear_note``
    deletes its note); returns its :class:`~hausbesuch.casework.OutcomeCorrection`. A
    replaced or deleted note is reclaimed as ``hausbesuch rectify`` does (review 22 #7):
    PostgreSQL keeps the old text in a dead row version until the table is rewritten
    (:meth:`Store.reclaim` of ``outcomes`` alone, waiting at most 5 s for its lock;
    SQLite zeroes it at once, ``secure_delete``);
    :attr:`~hausbesuch.casework.OutcomeCorrection.reclaimed` says whether that worked."""
    cw = casework(store, profile, actor)
    fix = cw.correct_outcome(cw.case_id(client_id), result, visit_id=visit_id,
                             time_min=time_min, appointment=appointment, note=note,
                             clear_note=clear_note, source=source, seen=seen)
    if fix.old_note_dropped and store.engine.dialect.name == "postgresql":
        # only the table of the note, with a short wait for its lock: the rewrite blocks
        # the table for the phones meanwhile (``rectify`` rewrites every table)
        fix.reclaimed = store.reclaim(("outcomes",), lock_timeout_s=5)
    return fix


def old_visit_notes(store: Store, profile: Profile, actor: str, client_id: str,
                    visit_ids: list[str]) -> list[str]:
    """German notes for those of ``visit_ids`` (the case's visits at an appointment its
    corrected outcome no longer agrees) that a stored plan still holds as planned."""
    from hausbesuch.casework.service import old_visit_note

    cw = casework(store, profile, actor)
    return [old_visit_note(at, plan) for _vid, at, plan in cw.still_planned(client_id,
                                                                            visit_ids)]


def enter_outcome(store: Store, profile: Profile, actor: str, client_id: str,
                  visit_id: str, result: str, *, time_min: int,
                  appointment: datetime | None, note: str | None,
                  called_off: bool = False) -> str:
    """The coordination enters the outcome of a visit that has none
    (:meth:`Casework.enter_outcome`): "unveraendert" when the same outcome was stored
    already, "nachgetragen-abgesagt" when it went to a called-off visit (what the store
    recorded: a visit planned again meanwhile takes it as planned), else "nachgetragen".
    ``called_off``: the form of a visit called off since its plan, which the coordination
    records knowing so (as ``hausbesuch outcomes`` does); without it such a visit is
    refused, saying that it was called off."""
    cw = casework(store, profile, actor)
    entered = cw.enter_outcome(cw.case_id(client_id), visit_id, result, time_min=time_min,
                               appointment=appointment, note=note, called_off=called_off)
    return ("unveraendert" if not entered.new else "nachgetragen-abgesagt"
            if entered.called_off_since is not None else "nachgetragen")
