"""``report.csv``: one line per client of a plan (and per input row of its list)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from geodata.cache import atomic_write
from hausbesuch.care_of import CareOf
from hausbesuch.fields import count, format_day, format_moment
from hausbesuch.plandata import (
    STATUS_CALLED_OFF,
    STATUS_PLANNED,
    STATUS_REJECTED,
    STATUS_UNASSIGNED,
    Client,
    Geocode,
    Plan,
    PlannedStop,
    TeamDayRoute,
    address_in_doubt,
    is_appointment,
)
from hausbesuch.planning.builder import window_text

__all__ = ["DISTRICT_NOTES", "FREE_TEAM_DAYS_NOTE", "LATE_LETTER_NOTE",
           "LATE_LETTER_REPLAN_NOTE", "REPORT_COLUMNS", "QUALITY_DE", "SHORT_TIME_NOTE",
           "district_note_test", "free_team_days_note", "late_letter_note", "outside_window",
           "plan_notes", "quality_label", "report_rows", "short_time_note", "write_report"]

REPORT_COLUMNS = (
    "zeile",
    "id",
    "status",
    "team",
    "datum",
    "position",
    "ankunft",
    "beginn",
    "ende",
    "zeitfenster",
    "stadtteil",
    "geo_qualitaet",
    "versuche_bisher",
    "grund",
    # the at-home model's estimate at the planned time (``[erreichbarkeit]`` „anzeigen“,
    # „modell“: :func:`with_chances`), empty without one (QA 42a F8: only the pages had it)
    "chance_kontakt",
    "chance_grund",
)

#: German names of the geocoding qualities (report and pages).
QUALITY_DE = {
    "exact": "exakt",
    "interpolated": "interpoliert",
    "street": "auf Straßenebene",
    "manual": "von Hand gesetzt",
    "given": "Koordinate aus der Liste",
    "unresolved": "nicht gefunden",
}


def quality_label(quality: str) -> str:
    """The German name of a geocoding quality (the report's ``geo_qualitaet``); an unknown
    code is shown as it is."""
    return QUALITY_DE.get(quality, quality)


#: ``grund`` of a visit on a day gone by without an outcome (QA 36 #4)
UNREPORTED = "kein Ergebnis erfasst"


def visit_outcome(s: PlannedStop) -> str:
    """What ``report.csv`` says first of a visit not off about its outcome: „erledigt 09:40
    Uhr: Verweigert“ (:attr:`PlannedStop.done`), :data:`UNREPORTED` for one on a day gone
    by without an outcome (:attr:`PlannedStop.unreported`), else "" (the exports' column
    „Ergebnis“ of each visit says the same)."""
    if s.off:
        return ""
    return s.done or (UNREPORTED if s.unreported else "")


_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|javascript:", re.IGNORECASE)


def _field_reason(name: str, reason: str) -> str:
    from hausbesuch.clients import field_reason

    return field_reason(name, reason)


def _called_off(stop: PlannedStop) -> str:
    """„entfällt“, with the day it was called off when known, with its weekday as the pages
    write days (:func:`format_day`: „entfällt seit Fr, 04.12.2026“, as the pages' window
    „ENTFÄLLT seit Fr, 04.12.2026“); for a visit whose case was closed since the plan
    (:attr:`PlannedStop.gone`) why: „entfällt: Fall „abgeschlossen“ seit Sa, 05.12.2026.“"""
    if not stop.called_off and stop.gone:
        return f"entfällt: {stop.gone}"
    since = stop.called_off_since
    return f"entfällt seit {format_day(since)}" if since else "entfällt"


#: What a row says of an address a coordinator fixed by text (the *Adressen* page's words).
FIXED_BY_HAND = "Adresse von Hand korrigiert"


def _address_notes(g: Geocode | None, far_m: float | None, *, fixed: bool = False
                   ) -> list[str]:
    """What a planned client's row says about its address: found only roughly, found
    in doubt („bitte prüfen“: :func:`address_in_doubt`, the verdict of the *Adressen* page
    and the route pages), found with a harmless note (information), far from the nearest
    way. ``fixed``: its address is a coordinator's fix by text (``params["fix_points"]``),
    said so in place of the geocoder's note on the words, which the coordinator has seen
    (QA 44a F9: „… bitte PLZ/Ort prüfen“ after the fix); a fix found only roughly keeps
    what it is."""
    notes = []
    check = ", bitte prüfen" if address_in_doubt(g) else ""
    if g is not None and fixed and g.quality == "exact":
        notes.append(FIXED_BY_HAND)
    elif g is not None and fixed and g.quality in ("interpolated", "street"):
        notes.append(f"{FIXED_BY_HAND}, nur {QUALITY_DE[g.quality]} gefunden: {g.reason}")
    elif g is not None and g.quality not in ("exact", "manual", "given"):
        notes.append(f"Adresse nur {QUALITY_DE.get(g.quality, g.quality)} gefunden{check}: "
                     f"{g.reason}")
    elif g is not None and g.quality == "exact" and g.reason:
        # found, with a note: in doubt (a street name only similar, a town that does not
        # fit) or not (a plain typo the geocoder is sure of)
        notes.append(f"Adresse gefunden{check}: {g.reason}")
    if far_m is not None:
        from geodata.snap import max_access_text

        notes.append(f"Adresse {far_m:.0f} m vom nächsten Weg entfernt" + (
            f" (mehr als {max_access_text()}: nicht erreichbar, Koordinaten prüfen)"
            if _too_far(far_m) else ""))
    return notes


def _too_far(far_m: float | None) -> bool:
    """Whether a client is farther from every way than an access leg may be: unreachable
    (``geodata.snap.MAX_ACCESS_M``); its row says so beside the solver's reason."""
    from geodata.snap import MAX_ACCESS_M

    return far_m is not None and far_m > MAX_ACCESS_M


def _reasons(notes: Iterable[str]) -> str:
    """The notes of a report row in one cell, „; “ between them: a note that ends with a
    full stop gives it up before the next one („… kommt in den nächsten Plan; weiterer
    Besuch im Plan: …“, not „….; weiterer …“, review 31); the last keeps its own."""
    parts = [n for n in notes if n]
    return "; ".join([p.removesuffix(".") for p in parts[:-1]] + parts[-1:])


def _other_visits(visits: list[tuple[TeamDayRoute, PlannedStop]],
                  but: PlannedStop | None = None) -> list[str]:
    """„weiterer Besuch im Plan: Mo, 07.12.2026, 10:00 Uhr (Team team-1, entfällt seit Fr,
    04.12.2026)“ for each of a client's visits but ``but`` (the day with its weekday, as
    :func:`_called_off` beside it and the pages: :func:`format_moment`). A visit with its
    outcome recorded (:attr:`PlannedStop.done`: a failed try, the visit at which an
    appointment was agreed) is no further visit; it is named as made, as the pages say
    it: „Besuch im Plan am Do, 10.12.2026 (Team team-1): erledigt 10:20 Uhr: Nicht
    angetroffen“ (QA 31: the row of a failed try whose revisit the plan could not hold
    said „weiterer Besuch im Plan“ of the try itself)."""
    return [f"Besuch im Plan am {format_day(r.day)} (Team {r.team_id}): {s.done}" if s.done
            else f"Besuch im Plan am {format_day(r.day)} (Team {r.team_id}): "
            f"{UNREPORTED}" if s.unreported
            else f"weiterer Besuch im Plan: {format_moment(s.start)} "
            f"(Team {r.team_id}{', ' + _called_off(s) if s.off else ''})"
            for r, s in sorted(visits, key=lambda rs: rs[1].start) if s is not but]


def report_rows(
    plan: Plan, *, total_rows: int | None = None, snap_far: dict[str, float] | None = None
) -> list[dict[str, str]]:
    """One row per client of the plan: planned, unassigned (reason), rejected (reason) or
    called off (``entfallen``: every visit of the client in the plan was called off since
    the plan was made, :attr:`PlannedStop.called_off`, or its case was closed since,
    :attr:`PlannedStop.gone`). ``position`` is the number the stop is shown with
    (:attr:`TeamDayRoute.numbers`: without a gap after a visit called off, none for it).

    ``geo_qualitaet`` is the German name of the geocoding quality (``exakt``, ``von Hand
    gesetzt``, …; :data:`QUALITY_DE`), as people read it in the CSV and the workbook.

    Clients read from this plan's list carry their input row (``zeile``); clients from the
    store's backlog have none. With ``total_rows`` (a list run), the rows of the list must
    all be there, each exactly once.
    """
    snap_far = snap_far or {}
    geo = {g.client_id: g for g in plan.geocodes}
    # a client the plan visits twice (a visit made, and an appointment agreed at it, in a
    # re-plan): the row shows the last visit still to do and names the other; a client
    # whose every visit is called off: the last of them, as "entfallen"; a client with a
    # visit that could not be planned: that one, naming those in the plan
    visits: dict[str, list[tuple[TeamDayRoute, PlannedStop]]] = {}
    for r in plan.routes:
        for s in r.stops:
            visits.setdefault(s.client_id, []).append((r, s))
    planned = {cid: max([rs for rs in v if not rs[1].off] or v,
                        key=lambda rs: rs[1].start) for cid, v in visits.items()}
    # the number each stop is shown with on the pages, maps, GPX and the phone (one
    # numbering, QA 25 F4): none for a visit called off
    shown = {(r.team_id, r.day, s.position): nr
             for r in plan.routes for s, nr in zip(r.stops, r.numbers, strict=True)}
    moment = replan_moment(plan)
    # the cases whose pinned day had passed, planned freely (:func:`passed_pin`'s words)
    passed_pins = (getattr(plan, "params", None) or {}).get("passed_pins") or {}
    unassigned = {u.client_id: u for u in plan.unassigned}
    fixed = set((getattr(plan, "params", None) or {}).get("fix_points") or ())
    rows: list[dict[str, str]] = []
    rejected_ids = {r.id for r in plan.rejected if r.id}
    rejected_rows = {r.row for r in plan.rejected if r.row}
    for c in plan.clients:
        if c.id in rejected_ids and (c.row in rejected_rows or not c.row):
            continue  # rejected later (address not found): reported below
        g = geo.get(c.id)
        row = dict.fromkeys(REPORT_COLUMNS, "")
        row.update(zeile=str(c.row) if c.row else "", id=c.id, zeitfenster=window_text(c))
        if g is not None:
            row.update(stadtteil=g.district, geo_qualitaet=quality_label(g.quality))
        if c.id in unassigned:
            # a visit still to do that could not be planned (an appointment a re-plan
            # cannot place) is what needs the coordinator, also when the client has a
            # visit in the plan (the one at which it was agreed): that one is named
            u = unassigned[c.id]
            far = snap_far.get(c.id)
            notes = [u.reason, *(_address_notes(g, far, fixed=c.id in fixed) if c.id in visits
                                 else _address_notes(None, far) if _too_far(far)
                                 else []), *_other_visits(visits.get(c.id, []))]
            row.update(status=STATUS_UNASSIGNED, grund=_reasons(notes),
                       versuche_bisher=str(u.tries_before))
        elif c.id in planned:
            r, s = planned[c.id]
            nr = shown[(r.team_id, r.day, s.position)]
            row.update(
                status=STATUS_CALLED_OFF if s.off else STATUS_PLANNED,
                team=r.team_id, datum=r.day.isoformat(),
                position="" if nr is None else str(nr), ankunft=s.arrival.strftime("%H:%M"),
                beginn=s.start.strftime("%H:%M"), ende=s.end.strftime("%H:%M"),
                versuche_bisher=str(s.tries_before),
            )
            # a visit made says so, as the pages do („erledigt 09:00 Uhr: Verzogen“, QA
            # 33a F8: a re-plan's row said plain „geplant“ of it)
            # so does one on a day gone by without an outcome: the team did not report
            # (QA 36 #4)
            notes = [_called_off(s)] if s.off else [o] if (o := visit_outcome(s)) else []
            if not s.off and (outside := outside_window(c, s, moment)):
                notes.append(f"Hinweis: {outside}")
            if not s.off and (passed := passed_pins.get(c.id)):
                # the day the case was pinned to passed: not that day (QA 40 F2)
                notes.append(f"Hinweis: festgelegter Tag verstrichen ({passed}), daher frei "
                             "eingeplant")
            notes += _address_notes(g, snap_far.get(c.id), fixed=c.id in fixed)
            notes += _other_visits(visits[c.id], but=s)
            row["grund"] = _reasons(notes)
        else:
            raise RuntimeError(f"client {c.id} neither planned nor unassigned")
        if c.notiz and _MARKUP.search(c.notiz):
            # Not a reason to reject the client: the note is only ever shown as text.
            warn = "Hinweis: Notiz enthält HTML-/Skript-Code; sie wird nur als Text angezeigt"
            row["grund"] = f"{row['grund']}; {warn}" if row["grund"] else warn
        rows.append(row)
    for rej in plan.rejected:
        row = dict.fromkeys(REPORT_COLUMNS, "")
        row.update(zeile=str(rej.row) if rej.row else "", id=rej.id or "",
                   status=STATUS_REJECTED, grund=_field_reason(rej.field, rej.reason))
        g = geo.get(rej.id or "")
        if g is not None and rej.field == "adresse":
            row["geo_qualitaet"] = quality_label(g.quality)
        rows.append(row)
    rows.sort(key=lambda r: (r["zeile"] == "", int(r["zeile"] or 0), r["id"]))
    if total_rows is not None:
        listed = sum(1 for r in rows if r["zeile"])
        if listed != total_rows:
            raise RuntimeError(f"report has {listed} list rows for {total_rows} input rows")
    care_of = CareOf(plan)  # a reason quoting an address: without the host's name
    for row in rows:
        if row["grund"]:
            row["grund"] = care_of.text(row["id"], row["grund"])
    return rows


def outside_window(client: Client, stop: PlannedStop, kept_before: datetime | None = None
                   ) -> str:
    """German words for a visit planned outside the client's own ``Zeitfenster`` ("" when
    it fits one of them, or the client has none). The solver keeps a visit in its windows;
    only an agreed time (an appointment, a time pinned in the list or the web) overrides
    them (:func:`hausbesuch.planning.builder.make_candidate`), and such a pair is often a
    typo: it is planned as agreed, and said (QA 20a F4). A re-plan's visits before its
    moment (``kept_before``) are what happened, at the time recorded for them: nothing was
    agreed there (review 20 #3); so is a visit with its outcome recorded
    (:attr:`PlannedStop.done`, QA 33a F9)."""
    if (not client.zeitfenster or stop.done
            or (kept_before is not None and stop.start < kept_before)):
        return ""
    wd = stop.start.weekday()
    start = stop.start.hour * 3600 + stop.start.minute * 60 + stop.start.second
    end = start + int((stop.end - stop.start).total_seconds())
    if any(wd in slot.weekdays and slot.start_min * 60 <= start and end <= slot.end_min * 60
           for slot in client.zeitfenster):
        return ""
    # an appointment agreed at the door is said as one, as the pages say it (QA 31b: it
    # read „festgelegte Zeit“, the words of a time pinned in the list or on the web)
    agreed = is_appointment(stop.stored_window or stop.window_text)
    return (f"{'vereinbarter Termin' if agreed else 'festgelegte Zeit'} {stop.start:%H:%M} "
            f"Uhr liegt außerhalb des Zeitfensters „{window_text(client)}“")


def replan_moment(plan: Plan) -> datetime | None:
    """Up to when a re-planned version holds what happened: its moment, or when it was
    made if that was earlier (a re-plan from a moment ahead keeps visits that are still to
    come, review 20b #3). None for a first plan. When it was made is taken on the day
    that was today then (``replan_made``, :func:`hausbesuch.clock.now_on_today`): in an
    exercise (``HAUSBESUCH_HEUTE``) the plan's ``created_at`` is the real date, before
    the days re-planned, and every kept visit counted as still to come (QA 33a F9); a
    version stored before that is read by its ``created_at``."""
    params = getattr(plan, "params", None) or {}
    try:
        moment = datetime.fromisoformat(params["replan_from"])
    except (KeyError, TypeError, ValueError):
        return None
    try:
        made = datetime.fromisoformat(params["replan_made"])
    except (KeyError, TypeError, ValueError):
        made = getattr(plan, "created_at", None)
    return min(moment, made) if isinstance(made, datetime) and made.tzinfo is None else moment


#: How :func:`short_time_note` begins (a re-plan drops the old plan's and makes its own).
SHORT_TIME_NOTE = "Die Rechenzeit von "


def short_time_note(solution: object, time_limit: float) -> str | None:
    """The plan's note when the solver's time limit was too short to search properly
    (``Solution.stats["short_of_time"]``: the plan is what a quick construction placed;
    QA 34a F1: a week planned empty at ``--time-limit 2`` without a word), or None.

    It promises more visits from more time only when a visit may be left out for lack of
    it: one not tried in time (``not_checked``), or one left out while the solver does not
    say that no more could be placed (``stats["may_place_more"]``). With every candidate
    placed, or every place a left-out visit could take filled, more time only shortens
    the ways (closing 34: a week of 300 candidates with all 100 places filled was told
    „werden meist mehr Besuche eingeplant“)."""
    stats = getattr(solution, "stats", None) or {}
    if not stats.get("short_of_time"):
        return None
    left = tuple(getattr(solution, "unassigned", ()))
    untried = sum(1 for u in left if u.code == "not_checked")
    more = bool(untried) or (bool(left) and stats.get("may_place_more") is not False)
    seconds = f"{time_limit:g}".replace(".", ",")
    also = (f"; {count(untried, 'Besuch wurde', 'Besuche wurden')} in der Zeit nicht mehr "
            "geprüft") if untried else ""
    brings = "werden meist mehr Besuche eingeplant und die Wege kürzer" if more \
        else "werden die Wege meist kürzer"
    return (f"{SHORT_TIME_NOTE}{seconds} s war zu kurz für eine gründliche Suche: die Touren "
            f"sind nur schnell aufgebaut und kaum verbessert{also}. Mit mehr Rechenzeit "
            f"(--time-limit; Standard 30 s) {brings}.")


#: How :func:`late_letter_note` begins (a re-plan drops the first version's: it was about
#: letters written on the day that version was made).
LATE_LETTER_NOTE = "Ankündigungsbriefe vom Tag des Plans ("

#: How :func:`late_letter_note` begins for a re-plan's version (the next re-plan drops it).
LATE_LETTER_REPLAN_NOTE = "Ankündigungsbriefe vom Tag der Neuplanung ("


def late_letter_note(plan: Plan, profile: object, today: date, *,
                     anew: Collection[str] | None = None) -> str | None:
    """The note of a plan whose visits lie on or before the day the post brings a letter
    written ``today`` (``[brief] postlaufzeit_werktage``,
    :func:`hausbesuch.letters.comes_late`), or None: the visits the letters of
    ``hausbesuch letters`` would announce (one per client, none for a time agreed at the
    door) from today up to that day. QA 36 #3: a week planned on Friday from Monday packed
    one team's visits into Monday and Tuesday, and only ``letters`` said afterwards that 24
    of 31 letters came too late. With ``postlaufzeit_werktage = 0`` (no letters by post,
    or no check) nothing is said.

    A new plan's note counts them per day. ``anew`` (a re-plan's version): the case ids
    whose visit it planned and whose letter is still to be written (a new case, a revisit,
    a visit without a letter yet); a visit whose letter is out keeps its promised window
    and is not counted. Those are named by case id, per day (session 38: a re-plan said
    nothing of the letters it made late)."""
    from hausbesuch.caseids import id_key
    from hausbesuch.letters import announcements, arrival_day, comes_late

    if getattr(profile.brief, "postlaufzeit_werktage", 0) <= 0:
        return None
    late = [a for a in announcements(plan)
            if not a.appointment and a.day >= today and comes_late(profile, today, a.day)
            and (anew is None or a.client_id in anew)]
    if not late:
        return None
    n = len(late)
    post = profile.brief.postlaufzeit_werktage
    these = "Diesen Besuch" if n == 1 else "Diese Besuche"
    head = (f"{format_day(today)}) sind erst am {format_day(arrival_day(profile, today))}, "
            f"im Briefkasten (Postlaufzeit {post} {'Werktag' if post == 1 else 'Werktage'}, im "
            "Profil [brief] postlaufzeit_werktage): ")
    if anew is None:
        per_day = Counter(a.day for a in late)
        days = "; ".join(f"{format_day(d)}: {k}" for d, k in sorted(per_day.items()))
        return (f"{LATE_LETTER_NOTE}{head}für {count(n, 'Besuch', 'Besuche')} bis dahin "
                f"({days}) kommt ein Brief zu spät. {these} anders ankündigen (Telefon) "
                "oder den Plan an einem späteren Tag beginnen lassen.")
    ids: dict[date, list[str]] = {}
    for a in late:
        ids.setdefault(a.day, []).append(a.client_id)
    named = "; ".join(f"{format_day(d)}: {', '.join(sorted(cids, key=id_key))}"
                      for d, cids in sorted(ids.items()))
    return (f"{LATE_LETTER_REPLAN_NOTE}{head}für {count(n, 'Besuch', 'Besuche')} bis dahin, "
            f"{'der' if n == 1 else 'die'} noch keinen Brief {'hat' if n == 1 else 'haben'}, "
            f"kommt ein Brief zu spät ({named}). {these} anders ankündigen (Telefon). "
            "Besuche mit einem schon geschriebenen Brief behalten ihr angekündigtes "
            "Zeitfenster.")


#: The key of a plan's parameters (:attr:`Plan.params`, stored with the plan) that lists
#: its districts' notes (:attr:`geodata.districts.Districts.notes` the plan carries: on
#: the city's configuration, from plan to plan). They stay among :attr:`Plan.warnings`
#: (every view lists each note once); this list tells them apart by what they are, not by
#: their words (:func:`district_note_test`).
DISTRICT_NOTES = "district_notes"


def district_note_test(params: Mapping[str, Any] | None) -> Callable[[str], bool]:
    """Whether a note of the plan with these parameters is one of its districts' notes:
    one its :data:`DISTRICT_NOTES` list holds. A plan stored before plans kept that list
    (session 39) has none: for it, a note beginning as one did then
    (:data:`geodata.districts.NOTE_START`, kept for such plans only)."""
    if params and DISTRICT_NOTES in params:
        return set(params[DISTRICT_NOTES] or ()).__contains__
    from geodata.districts import NOTE_START

    return lambda note: NOTE_START.match(note) is not None


def plan_notes(plan: Plan) -> list[str]:
    """The plan's notes for the coordinator as the overview page and the CLI show them:
    :attr:`Plan.warnings`, the visits on past days without an outcome (a stored plan
    shown: :func:`hausbesuch.casework.stops.unreported_note`), then each visit planned at
    an agreed time outside the client's own windows (:func:`outside_window`), by day,
    team and position; last the districts' notes (:func:`district_note_test`: on the
    city's configuration, carried on from plan to plan; QA 38 F7: they came first and
    pushed down the notes that need action)."""
    from hausbesuch.casework.stops import unreported_note

    clients = {c.id: c for c in getattr(plan, "clients", ())}
    warnings = list(getattr(plan, "warnings", ()))
    of_districts = district_note_test(getattr(plan, "params", None))
    notes = [w for w in warnings if not of_districts(w)]
    last = [w for w in warnings if of_districts(w)]
    if (unreported := unreported_note(plan)) is not None:
        notes.append(unreported)
    if not any(c.zeitfenster for c in clients.values()):
        return notes + last
    moment = replan_moment(plan)
    for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        for s in r.to_visit:
            c = clients.get(s.client_id)
            if c is not None and (outside := outside_window(c, s, moment)):
                day = format_day(r.day)
                notes.append(f"{s.client_id} ({r.team_id}, {day}): {outside}.")
    return notes + last


#: How :func:`free_team_days_note` begins (a pattern: its figures come first; a re-plan
#: drops the first version's).
FREE_TEAM_DAYS_NOTE = r"\d+ von \d+ Team-Tag(?:en)? belegt\. Frei: "

#: Reason codes of the cases a plan lists as not planned that were never to be planned
#: (a status other than „offen“, a visit in another plan): not counted by
#: :func:`free_team_days_note`.
_NOT_TO_PLAN = ("status_", "already_planned")


def no_visit_note(plan: Plan, others: Iterable[str] = ()) -> str | None:
    """The note of a new plan that plans no visit, or None when it plans one: said first
    among its notes, so that the command line, its files and the web's plan page say it
    plainly (QA 45c F9: a second plan of the same days was stored with „0 Besuche“ beside
    the real one and nothing said so). Its cases not planned are its record (their
    reasons under „Nicht eingeplant“, in report.csv); ``others``: the plans already
    holding visits in its span, named; how to delete it, if it was made by mistake.
    (A plan with no case to plan at all is not stored: :func:`hausbesuch.planning.
    workflow._all_planned`.)"""
    if any(r.stops for r in plan.routes):
        return None
    out = [u for u in plan.unassigned if not u.code.startswith(_NOT_TO_PLAN)]
    n = len(out)
    text = ("Dieser Plan plant keinen Besuch: "
            + (f"{'der Fall' if n == 1 else f'keiner der {n} Fälle'} dieses Zeitraums "
               f"{'ließ sich nicht' if n == 1 else 'ließ sich'} einplanen (Gründe unter "
               "„Nicht eingeplant“ und in report.csv)" if n else
               "kein Fall dieses Zeitraums ließ sich einplanen"))
    if plan.rejected:  # (their addresses not found, or rows of the list refused)
        text += (f"; {count(len(plan.rejected), 'Zeile oder Fall ist', 'Zeilen oder Fälle sind')} "
                 "abgelehnt (unter „Abgelehnt“)")
    others = sorted(set(others))
    if others:
        text += (f"; die übrigen offenen Fälle {'hält' if len(others) == 1 else 'halten'} "
                 f"schon Plan {', '.join(others)}")
    return (text + ". Ist er versehentlich entstanden, lässt er sich löschen („Plan "
            f"löschen“ auf seiner Seite im Web; hausbesuch delete-plan {plan.id})."
            if plan.predecessor_id is None else text + ".")


def free_team_days_note(plan: Plan, team_days: Iterable[tuple[str, date]],
                        teams: Iterable[object]) -> str | None:
    """The note of a new plan that leaves team-days free while open cases stay out, or
    None: how many of the span's team-days (``team_days``: every shift the solver had,
    team id and day, holidays and absences already left out) the plan uses, which are
    free, that the planning packs the visits into few tours for short ways, and how many
    of the cases not planned no team could take for their language (``teams``' skills),
    time or not. QA 36 (Lauf, the profile's two teams): a week of 33 cases printed
    „3 Team-Tage“ and 15 „nicht eingeplant“, and nothing said that 7 team-days of the
    10 stood empty or that none of the 15 failed for want of time (each needed a
    language neither team speaks)."""
    shifts = list(dict.fromkeys(team_days))
    used = {(r.team_id, r.day) for r in plan.routes if r.stops}
    free = [(t, d) for t, d in shifts if (t, d) not in used]
    out = [u for u in plan.unassigned if not u.code.startswith(_NOT_TO_PLAN)]
    if not free or not out:
        return None
    by_day: dict[date, list[str]] = {}
    for t, d in free:
        by_day.setdefault(d, []).append(t)
    working = Counter(d for _, d in shifts)
    days = [f"{format_day(d)} ({f'alle {len(ts)} Teams' if len(ts) == working[d] > 3 else ', '.join(ts)})"
            for d, ts in sorted(by_day.items())]
    shown = "; ".join(days[:10]) + ("; …" if len(days) > 10 else "")
    n_used = len(used & set(shifts))
    text = (f"{n_used} von {count(len(shifts), 'Team-Tag', 'Team-Tagen')} belegt. "
            f"Frei: {shown}.")
    if n_used:
        visits = sum(len(r.stops) for r in plan.routes)
        text += (f" {'Der eingeplante Besuch passt' if visits == 1 else f'Die {visits} eingeplanten Besuche passen'} "
                 f"in {count(n_used, 'Team-Tag', 'Team-Tage')}; die Planung fasst die "
                 "Besuche für kurze Wege zu möglichst wenigen Touren zusammen.")
    spoken = set().union(*(set(getattr(t, "skills", ())) for t in teams))
    languages = {c.id: c.sprache for c in plan.clients}
    needed: Counter[str] = Counter()
    for u in out:
        if u.code == "skill" and (lang := languages.get(u.client_id)):
            missing = sorted(set(lang) - spoken)
            needed[" und ".join(missing) if missing
                   else f"{' und '.join(sorted(lang))} zugleich"] += 1
    skill, rest = sum(needed.values()), len(out) - sum(needed.values())
    where = "Grund je Fall unter „Nicht eingeplant“"
    if skill:
        langs = ", ".join(f"{what}: {n}" for what, n in
                          sorted(needed.items(), key=lambda kv: (-kv[1], kv[0])))
        one = skill == 1
        who = ("Der nicht eingeplante Besuch scheitert" if one and not rest
               else f"Die {skill} nicht eingeplanten Besuche scheitern" if not rest
               else f"Von den {len(out)} nicht eingeplanten Besuchen "
                    f"{'scheitert 1' if one else f'scheitern {skill}'}")
        text += (f" {who} nicht an der Zeit der Teams: kein Team spricht "
                 f"{'seine' if one else 'ihre'} Sprache ({langs}). Für die freien "
                 f"Team-Tage braucht es Teams, die "
                 f"{'diese Sprache' if len(needed) == 1 else 'diese Sprachen'} sprechen "
                 f"({where}).")
        if rest:
            text += (f" {'Zum übrigen' if rest == 1 else f'Zu den übrigen {rest}'}: {where}.")
    else:
        text += (f" {'Der nicht eingeplante Besuch' if len(out) == 1 else f'Die {len(out)} nicht eingeplanten Besuche'}: "
                 f"{where}.")
    return text


def chance_cells(chance: Any) -> tuple[str, str]:
    """(``chance_kontakt``, ``chance_grund``) of a visit's :class:`hausbesuch.athome.
    VisitChance` (None: none): „38 %“ and why; a time agreed with the client says
    „Termin vereinbart“ as the pages do, with no estimate."""
    if chance is None:
        return "", ""
    if chance.appointment:
        return chance.percent, ""
    return chance.percent, chance.text


def with_chances(rows: list[dict[str, str]], plan: Plan,
                 chances: Any) -> list[dict[str, str]]:
    """The report's rows with each planned visit's chance of contact (:func:`chance_cells`,
    ``chances``: :class:`hausbesuch.athome.VisitChances`, the pages' own) in the columns
    ``chance_kontakt``, ``chance_grund``; a row is matched to its stop by case id, day and
    start as the report shows them. The rows as they are without chances."""
    if not chances:
        return rows
    stops = {(s.client_id, r.day.isoformat(), s.start.strftime("%H:%M")): s
             for r in plan.routes for s in r.stops}
    out = []
    for row in rows:
        stop = stops.get((row.get("id", ""), row.get("datum", ""), row.get("beginn", "")))
        if stop is None or stop.off:
            out.append(row)
            continue
        pct, why = chance_cells(chances.of(stop))
        out.append({**row, "chance_kontakt": pct, "chance_grund": why})
    return out


def write_report(rows: list[dict[str, str]], path: Path) -> None:
    """``report.csv``: ``;``-separated UTF-8 with BOM, as German spreadsheets expect.

    Every cell goes through :func:`hausbesuch.safe_cells.safe_cell`: no formula start,
    no cell longer than 2,000 characters."""
    from hausbesuch.safe_cells import write_csv

    buf = io.StringIO()
    write_csv(buf, list(REPORT_COLUMNS), rows, delimiter=";", lineterminator="\n")
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff" + buf.getvalue())
