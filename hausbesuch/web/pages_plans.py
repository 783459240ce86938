"""Coordinator pages of plans: list, plan view (map, team-days, unassigned), moving and
pinning visits, re-planning, worker links with QR codes, outcomes, the files as ZIP,
and planning jobs with their progress."""

from __future__ import annotations

import functools
import io
import re
import tempfile
import threading
import zipfile
from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from hausbesuch import clock, pages
from hausbesuch.auditlog import SHOWN
from hausbesuch.care_of import CareOf
from hausbesuch.caseids import id_key
from hausbesuch.casework.service import NAME_LIKE_ID, id_may_be_shown, pin_moment
from hausbesuch.config import Profile, profile_ref
from hausbesuch.errors import UserError
from hausbesuch.fields import format_clock, format_day
from hausbesuch.maps import ROUTE_PALETTE
from hausbesuch.planning.options import MAX_DAYS
from hausbesuch.store import ClientRow, PlanInfo, PlanRow, Store, StoreError
from hausbesuch.teams import plan_shift
from hausbesuch.versions import newest_listed, newest_version, replaced_by
from hausbesuch.web import casework_api, jobs
from hausbesuch.web.app import (
    ECHO_SHORT,
    ctx,
    echo,
    load_session,
    own_id,
    render,
    session_cookie,
    web_reason,
)
from hausbesuch.web.auth import (
    FRESH_AUTH_MINUTES,
    User,
    audit_refused,
    check_city,
    lookup_session,
    require_user,
)
from hausbesuch.web.data import (
    plan_city,
    plan_legs,
    plan_overview,
    window_clients,
    with_clients,
)
from hausbesuch.web.forms import form_date, form_moment
from hausbesuch.web.links import (
    MAX_VALID_DAYS_AFTER,
    WorkerLink,
    create_link,
    link_path,
    links_of_plan,
    listed_states,
    plan_family,
    revoke,
)
from hausbesuch.web.models import JobRow
from hausbesuch.web.pages_login import (
    fresh_or_confirmed,
    needs_password,
    passive_router,
    retry_after,
)
from hausbesuch.web.pages_worker import OUTCOME_LABELS
from hausbesuch.web.planjobs import check_span, replan_words
from hausbesuch.web.planservice import no_service_hint
from hausbesuch.web.security import ShownOnce, csrf_protect, shown_once, token_hash

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])



def _city_of(request: Request, user: User, stadt: str | None) -> str:
    """The city a page works on: the coordinator's own; an admin's choice (or the first;
    a city the server does not offer answers 404).
    A page or form that names a city the account may not see is refused (404, audited),
    never served or carried out for the account's own city instead (before, a plan job
    asked for another city ran for the own one)."""
    web = ctx(request)
    stadt = web.city_named(stadt)  # „Bad Hersfeld“ or „bad-hersfeld“, as the commands say
    if user.city:
        if stadt and stadt != user.city:  # another city's page asked for: refused, audited
            audit_refused(request, "andere Stadt", city=stadt if stadt in web.profiles else None,
                          plan_id=request.path_params.get("plan_id"))
            raise HTTPException(status_code=404, detail="Nicht gefunden.")
        return user.city
    cities = web.cities_for(user)
    if stadt and stadt in cities:
        return stadt
    if stadt:  # an admin naming a city this server does not offer
        raise HTTPException(status_code=404, detail="Nicht gefunden.")
    if not cities:
        raise HTTPException(status_code=404, detail="Keine Stadt eingerichtet.")
    return cities[0]


def _check_named_city(request: Request, user: User, city: str) -> None:
    """For a page or form of one object of ``city`` (a plan, a job; the user may see
    ``city``): a ``stadt=`` in its address (the page's, or the form's, which carries the
    page's) that names a city the account may not see is refused as on every other page
    (:func:`_city_of`: 404, audited); one that names another city the account may see
    answers 404 as well (the object is not of that city; nothing refused, not audited).
    Before, these pages ignored ``stadt=`` (QA 33c L6)."""
    named = request.query_params.get("stadt")
    if named and _city_of(request, user, named) != city:
        raise HTTPException(status_code=404, detail="Nicht gefunden.")


def _city_of_plan(request: Request, user: User, plan_id: str) -> str:
    """The city of a stored plan the user may see: 404 for an unknown plan, for one of a
    city the user may not see (audited, :func:`check_city`) and for a ``stadt=`` that
    names another city (:func:`_check_named_city`)."""
    city = plan_city(ctx(request).store, plan_id)
    if city is None:
        from hausbesuch.web.pages_plan_delete import gone_note

        raise HTTPException(status_code=404, detail=gone_note(ctx(request).store, plan_id,
                                                               user.sees))
    check_city(request, user, city)
    _check_named_city(request, user, city)
    return city


def _plan_for(request: Request, user: User, plan_id: str, *, full: bool = False):  # noqa: ANN202
    """The stored plan if the user may see it (404 otherwise, also for other cities,
    :func:`_city_of_plan`); without ``full`` the light form of :func:`plan_overview` (no
    geometry, no snapshot)."""
    web = ctx(request)
    _city_of_plan(request, user, plan_id)
    plan = web.store.load_plan(plan_id) if full else plan_overview(web.store, plan_id)
    if plan is None:
        raise HTTPException(status_code=404, detail="Diesen Plan gibt es nicht.")
    return plan


@router.get("/")
def home(user: User = Depends(require_user)) -> Response:
    return RedirectResponse("/plaene", status_code=303)


@router.get("/plaene")
def plan_list(request: Request, stadt: str | None = None,
              user: User = Depends(require_user)) -> Response:
    from hausbesuch.web.pages_plan_delete import deleted_message

    city = _city_of(request, user, stadt)
    today = clock.today()
    start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return _plans_page(request, city, start=start.isoformat(), days="5", deleted=deleted_message(
        ctx(request).store, city, request.query_params.get("geloescht")))


def _plans_page(request: Request, city: str, *, start: str, days: str, error: str = "",
                status: int = 200, deleted: str | None = None) -> Response:
    """The plan list with the form "Neue Planung" (its values kept after a refusal, the
    field the message names marked: ``start`` for „Erster Tag“, else ``tage``);
    ``deleted``: the message after a plan was deleted (:mod:`.pages_plan_delete`)."""
    web = ctx(request)
    field = ("start" if error.startswith("Erster Tag") or "„Erster Tag“" in error
             else "tage" if error else None)
    recent = jobs.recent(web.store, city)
    waiting = any(j.status == jobs.WAITING for j in recent)
    lines, newest_of = plan_lines(web.store.list_plans(city))
    return render(request, "plans.html.j2", status, lines=lines, newest_of=newest_of, city=city,
                  visits_now=web.store.visits_now(city), jobs=recent, default_start=start, default_days=days,
                  max_days=MAX_DAYS, error=error, field=field,
                  earliest_start=clock.today().isoformat(),
                  no_service=no_service_hint(web) if waiting else "",
                  jobs_here=web.runner is not None, deleted=deleted)


def plan_lines(plans: list[PlanInfo]) -> tuple[list[list[PlanInfo]], dict[str, PlanInfo]]:
    """The stored plans (newest first, :meth:`Store.list_plans`) as lines of versions, as
    *Pläne* lists them: each line its current version first, then the versions re-plans
    replaced, newest first; the lines in the order their newest member was made. And per
    plan its line's current version (itself for the current one).

    Before, every version was a row like any other (QA 31: three rows for one week, 37,
    38 and 40 visits, „29, 30 and 32 offen“, none saying which one holds)."""
    versions = {p.id: (p.version, p.predecessor_id) for p in plans}
    by_id = {p.id: p for p in plans}
    newest = {pid: by_id[n] for pid, n in newest_listed(versions).items()}
    lines: dict[str, list[PlanInfo]] = {}
    for p in plans:  # (dicts keep the order of first appearance)
        lines.setdefault(newest[p.id].id, []).append(p)
    ordered = [sorted(line, key=lambda p: (p.id != current, -p.version))
               for current, line in lines.items()]
    return ordered, newest


def _check_not_past(first: date) -> None:
    """Refuse a span that begins before today (:func:`hausbesuch.clock.today`; today
    itself is allowed), in the words of the form."""
    if reason := clock.past_start(first):
        raise UserError(f"{reason} Bitte als „Erster Tag“ heute oder einen späteren Tag "
                        "wählen.")


#: The number of days of the plan form: ASCII digits, not too many for int().
_DIGITS = re.compile(r"[0-9]{1,6}")


@router.post("/plaene/neu")
def start_plan(request: Request, start: str = Form(...), tage: str = Form("5"),
               stadt: str = Form(""), user: User = Depends(require_user)) -> Response:
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    # a refusal shows the form again with what was typed, cut (as its message is)
    typed = {"start": start[:ECHO_SHORT], "days": tage[:ECHO_SHORT]}
    try:  # ISO from the date picker, or German as typed (31.12.2026), as --start reads it
        first = form_date(start, "Erster Tag")
    except UserError as exc:
        return _plans_page(request, city, **typed, status=400, error=str(exc))
    # ASCII digits only: int() would also take "1_0" and other scripts' digits ("٥")
    if not _DIGITS.fullmatch(tage.strip()):
        return _plans_page(request, city, **typed, status=400,
                           error=f"Tage: „{echo(tage)}“ ist keine ganze Zahl.")
    days = int(tage.strip())
    try:
        _check_not_past(first)
        check_span(web.profile(city), first, days)
    except UserError as exc:
        return _plans_page(request, city, **typed, status=400, error=str(exc))
    with _START_LOCK:  # two clicks at once: the second finds the first one's job
        same = _active_plan_job(web.store, city, first, days)
        if same is not None:  # a double click, or the form sent again: that job's page
            return RedirectResponse(f"/auftraege/{same}", status_code=303)
        job_id = web.enqueue("plan", city, {
            "start": first.isoformat(), "days": days, "time_limit": web.plan_time_limit,
            "profile": web.extra["profile_refs"].get(city),
        }, user.name)
    casework_api.audit(web.store, user.name, "plan_job_started", city=city,
                       details={"job": job_id, "start": first.isoformat(), "days": days})
    return RedirectResponse(f"/auftraege/{job_id}", status_code=303)


#: Held while a plan job is looked for and queued (:func:`start_plan`).
_START_LOCK = threading.Lock()


def _active_plan_job(store: Store, city: str, first: date, days: int) -> str | None:
    """The id of a plan job of ``city`` for the same span that waits or runs (a second
    one would make a second plan of the same days, its teams planned twice)."""
    import json

    with store.session() as s:
        rows = s.execute(select(JobRow.id, JobRow.params).where(
            JobRow.kind == "plan", JobRow.city == city,
            JobRow.status.in_((jobs.WAITING, jobs.RUNNING))).order_by(JobRow.created_at))
        for job_id, params in rows:
            p = json.loads(params or "{}")
            if p.get("start") == first.isoformat() and str(p.get("days")) == str(days):
                return job_id
    return None


@router.get("/auftraege/{job_id}")
def job_page(request: Request, job_id: str, user: User = Depends(require_user)) -> Response:
    web = ctx(request)
    job = jobs.get(web.store, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="Diesen Auftrag gibt es nicht.")
    check_city(request, user, job.city)
    _check_named_city(request, user, job.city)
    _audit_job_view(request, user, job)
    return render(request, "job.html.j2", job=job, **_next_step(web.store, job),
                  replan_span=replan_words(web.store, job)
                  if job.kind == "replan" and job.params.get("start") else "",
                  no_service=no_service_hint(web) if job.status == jobs.WAITING else "")


def _next_step(store: Store, job: jobs.Job) -> dict:
    """What a failed job's page offers (also rendered hidden while the job is active, for
    job.js to show if it fails): for a plan, starting it again with its first day and days
    (``restart``; not for a first day that has passed: then the plan list's form), for a
    re-plan its plan's page with „Neu planen“ (``replan_of``)."""
    start = job.params.get("start")
    if job.kind == "replan":  # (a plan deleted since: none; the plan list is offered)
        of = job.params.get("plan_id")
        with store.session() as s:
            return {"replan_of": of if of and s.get(PlanRow, of) is not None else None}
    again = bool(start and job.params.get("days")
                 and not clock.past_start(date.fromisoformat(start)))
    return {"restart": again}


def _audit_job_view(request: Request, user: User, job: jobs.Job) -> None:
    """A view of a failed job's message that names cases (``auftrag_angezeigt``: the job
    and its case ids)."""
    if job.client_ids:
        casework_api.audit(ctx(request).store, user.name, "auftrag_angezeigt", city=job.city,
                           plan_id=job.params.get("plan_id"),
                           details={"job": job.id, SHOWN: job.client_ids})


# On the passive router (no ``load_session``): the job page's script asks every 2 seconds,
# and that must not count as activity, else an open job page never ends by the idle limit.
@passive_router.get("/auftraege/{job_id}/stand")
def job_state(request: Request, job_id: str) -> Response:
    """The job's state as JSON, for the job page's script (it asks every 2 seconds instead
    of reloading the page, which threw a screen reader and the keyboard focus back to the
    top each time). It needs a live session but does not extend it."""
    web = ctx(request)
    cookie = request.cookies.get(session_cookie(request))
    found = lookup_session(web.store, cookie, web.limits, touch=False)
    request.state.user = found[0] if found else None
    request.state.session_ended = bool(cookie) and not found
    user = require_user(request)
    job = jobs.get(web.store, job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="Diesen Auftrag gibt es nicht.")
    check_city(request, user, job.city)
    _check_named_city(request, user, job.city)
    _audit_job_view(request, user, job)
    return JSONResponse({
        "status": job.status, "status_label": job.status_label, "active": job.active,
        "stage": job.stage if job.active else "", "progress": job.progress,
        "percent": round(job.progress * 100),
        "plan_id": None if job.plan_deleted else job.plan_id, "error": job.error,
        "hinweis": no_service_hint(web) if job.status == jobs.WAITING else "",
    }, headers={"Cache-Control": "no-store"})


#: Street paths of recently viewed plans, per (store, plan id, last erasure in its city):
#: a stored plan does not change (a re-plan is a new plan) but for ``hausbesuch purge``,
#: which drops the legs to an erased client's door (so the key holds its moment).
_PATHS: OrderedDict[tuple[int, str, object], dict] = OrderedDict()
_PATHS_LOCK = threading.Lock()
_PATHS_KEEP = 16


def _plan_paths(store: Store, plan) -> dict:  # noqa: ANN001
    """Per (team, day) the thinned street path of a plan's route (see :func:`_path`)."""
    from sqlalchemy import func

    with store.session() as s:  # another process may have erased clients of the plan
        erased = s.scalar(select(func.max(ClientRow.erased_at))
                          .where(ClientRow.city == plan.city))
    key = (id(store), plan.id, erased)
    with _PATHS_LOCK:
        if key in _PATHS:
            _PATHS.move_to_end(key)
            return _PATHS[key]
    legs = plan_legs(store, plan.id)
    paths = {(r.team_id, r.day): _path(r, legs.get((r.team_id, r.day), []))
             for r in plan.routes}
    with _PATHS_LOCK:
        _PATHS[key] = paths
        while len(_PATHS) > _PATHS_KEEP:
            _PATHS.popitem(last=False)
    return paths


def _map_data(plan, paths: dict) -> dict:  # noqa: ANN001
    """The plan view's map: per team-day its stops and its path along the streets (from
    the stored legs; a leg without geometry as a straight line), unassigned points; the
    team-days in day order, each named with its German day (the map's layer list: QA 26
    F8, ISO days out of order), and ``teams`` the colour and letter of each team (the
    map's key). A stop's circle carries its team's letter: the teams differ not by colour
    alone (red and blue are alike in grey; WCAG 1.4.1, QA 45a F6)."""
    from hausbesuch.maps import fmt_date

    routes = []
    keys = sorted({r.team_id for r in plan.routes})
    for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        k = keys.index(r.team_id)
        routes.append({
            "team": r.team_id, "day": r.day.isoformat(), "day_label": fmt_date(r.day),
            "colour": ROUTE_PALETTE[k % len(ROUTE_PALETTE)], "letter": team_letter(k),
            # [lat, lon, number, case id, off]: a stop called off since the plan was
            # made has no number (it stays on the stored route until a re-plan); one whose
            # case was closed since (PlannedStop.gone) is off too but keeps its number
            "stops": [[s.lat, s.lon, nr, s.client_id, s.off]
                      for s, nr in zip(r.stops, r.numbers, strict=True)],
            "path": paths.get((r.team_id, r.day), []),
        })
    unassigned = [[u.lat, u.lon, u.client_id] for u in plan.unassigned
                  if u.lat is not None and u.lon is not None]
    teams = [[t, ROUTE_PALETTE[k % len(ROUTE_PALETTE)], team_letter(k)]
             for k, t in enumerate(keys)]
    return {"routes": routes, "unassigned": unassigned, "teams": teams}


def team_letter(k: int) -> str:
    """The letter of the ``k``-th team (from 0) on the plan's map: A … Z, then AA, AB …"""
    letters = ""
    k += 1
    while k:
        k, rest = divmod(k - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _path(route, legs: list) -> list[list[float]]:  # noqa: ANN001
    """The route from its start over the stops to its end as [lat, lon] points, thinned
    to about a metre (shapely's Douglas-Peucker) so that the page stays small."""
    import numpy as np
    import shapely

    ends = [route.start_lonlat, *[(s.lon, s.lat) for s in route.stops], route.end_lonlat]
    parts = []
    for i in range(len(ends) - 1):
        leg = legs[i] if i < len(legs) and len(legs[i]) >= 2 else [ends[i], ends[i + 1]]
        parts.append(np.asarray(leg, dtype=float)[1 if parts else 0:])
    pts = np.concatenate(parts)
    if len(pts) >= 3:
        pts = shapely.get_coordinates(shapely.simplify(shapely.linestrings(pts), 1e-5))
    return np.round(pts[:, ::-1], 5).tolist()


def _team_days(plan) -> list[tuple[str, date]]:  # noqa: ANN001
    """The plan's (team, day) pairs in the order of the views: by day, then team."""
    return [(r.team_id, r.day) for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id))]


def _link_days(plan) -> list[tuple[str, date]]:  # noqa: ANN001
    """The plan's (team, day) pairs a link may be made for (*In den Außendienst senden*,
    *Link erzeugen*): today's and later ones (:func:`past_link_day`), by day, then team."""
    today = clock.today()
    return [(t, d) for t, d in _team_days(plan) if d >= today]


def past_link_day(day: date) -> str | None:
    """Why no link is made for a team-day on ``day``: it lies before today
    (:func:`hausbesuch.clock.today`; today itself is fine), in German, saying what to do
    instead; None when it does not (review 36: *In den Außendienst senden* was offered,
    and taken, for days over)."""
    today = clock.today()
    if day >= today:
        return None
    return (f"{format_day(day)} ist schon vorbei (heute ist {format_day(today)}): ein "
            "vergangener Team-Tag wird nicht mehr in den Außendienst gesendet. Ergebnisse "
            "dieses Tages bitte über „Ergebnisse“ des Plans oder unter „Fälle“ beim Besuch "
            "nachtragen; schon erzeugte Links bleiben bis zu ihrem Ende gültig.")


def _team_day(ziel: str) -> tuple[str, date]:
    """A form's ``team|YYYY-MM-DD`` (ValueError when it is not one)."""
    team, day_text = ziel.split("|", 1)
    return team, date.fromisoformat(day_text)


class _PinsRead(NamedTuple):
    """The pins a plan page read, and when."""

    #: the moment just before they were read: what the pin form sends back (review 39 #1)
    at: datetime
    #: ``{case id: (team, day, minute, source)}``
    pins: dict[str, tuple[str | None, date | None, int | None, str | None]]
    #: ``{case id: clients.pin_since}``: what each row's „Aufheben“ sends back
    since: dict[str, datetime | None]


def _pins(store: Store, city: str, ids: list[str]) -> _PinsRead:
    """The pinned clients among ``ids``: to a day, or to a team alone (day None; review
    35 #9: not listed, though the re-plan refuses one to a team that can never take the
    visit), with each pin's moment and the moment they were read."""
    at = clock.now()  # before the read: a pin written after it is one the page missed
    if not ids:
        return _PinsRead(at, {}, {})
    with store.session() as s:
        rows = s.execute(select(ClientRow.client_id, ClientRow.pin_team, ClientRow.pin_day,
                                ClientRow.pin_time_min, ClientRow.pin_source,
                                ClientRow.pin_since)
                         .where(ClientRow.city == city, ClientRow.client_id.in_(ids),
                                ClientRow.pin_day.is_not(None)
                                | ClientRow.pin_team.is_not(None))).all()
    return _PinsRead(at, {cid: (team, day, minute, source)
                          for cid, team, day, minute, source, _ in rows},
                     {r.client_id: r.pin_since for r in rows})


def _pin_changed_since(store: Store, city: str, typed: str | None, moment: datetime) -> bool:
    """Whether the pin of the case typed (as :func:`hausbesuch.caseids.id_key` reads it)
    was set, changed or taken back after ``moment``."""
    if not typed or not typed.strip():
        return False
    with store.session() as s:
        changed = s.scalars(select(ClientRow.client_id).where(
            ClientRow.city == city, ClientRow.pin_since > moment)).all()
    return id_key(typed) in {id_key(cid) for cid in changed}


def _pin_form_moment(store: Store, city: str, read: datetime, pin: dict | None) -> str:
    """The moment the pin form carries: that of the page's read of the pins; for a form
    refused for its input (400, ``pin["stand"]``: the moment it was sent with), the one
    it was sent with when the pin of the case typed changed since (sent again, it is
    told), else the read's, whose table shows the pins of now (review 39 #5)."""
    from hausbesuch.casework.service import read_moment

    sent = read_moment(pin.get("stand")) if pin else None
    if sent is not None and sent < read and _pin_changed_since(
            store, city, pin.get("case"), sent):
        return pin_moment(sent)
    return pin_moment(read)


def _new_cases(store: Store, profile: Profile, plan, typed: str | None = None  # noqa: ANN001
               ) -> list[str]:
    """Open cases ``plan`` does not know that its next re-plan takes up (imported since,
    re-opened; QA 22 F9: :func:`hausbesuch.planning.workflow.open_cases_to_take_up`, the
    rule of ``plan``): ``typed`` as the coordinator typed it (its case and look-alike
    spaces and dashes do not matter: :func:`hausbesuch.caseids.id_key`), else those
    pinned into the plan's days or to a team alone (the page lists their pins)."""
    from hausbesuch.planning.workflow import open_cases_to_take_up

    q = select(ClientRow.client_id).where(ClientRow.city == plan.city,
                                          ClientRow.status == "offen")
    if typed is None:
        q = q.where(((ClientRow.pin_day >= plan.start)
                     & (ClientRow.pin_day < plan.start + timedelta(days=plan.days)))
                    | (ClientRow.pin_day.is_(None) & ClientRow.pin_team.is_not(None)))
    with store.session() as s:
        ids = sorted(s.scalars(q))
    if typed is not None:
        ids = [k for k in ids if id_key(k) == id_key(typed)]
    return open_cases_to_take_up(store, profile, plan, ids) if ids else []


def _pin_targets(plan, profile) -> list[tuple[str, date]]:  # noqa: ANN001
    """The team-days a visit of ``plan`` can be pinned to: every team of the plan on each
    of its working days in the span (also a team the plan gave no route)."""
    from hausbesuch.planning.builder import Span, team_from_dict

    span = Span(plan.start, plan.days, profile.casework.calendar())
    teams = [team_from_dict(d) for d in (plan.params or {}).get("teams", [])]
    if not teams:  # a plan stored without its teams: the team-days it has
        return _team_days(plan)
    return [(t.id, span.date(k)) for k in span.work_days for t in teams
            if span.date(k).weekday() in t.weekdays]


class _Refused(UserError):
    """A form's input refused: the page comes back with the message (``#fehlermeldung``,
    focused), the typed values, and ``field`` (the input's name) marked as invalid."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _plan_notes(store: Store, plan) -> list[str]:  # noqa: ANN001
    """The plan's notes as the command line and index.html show them
    (:func:`hausbesuch.planning.report.plan_notes`: the stored notes, the visits on past
    days without an outcome, then each visit at an agreed time outside the client's own
    windows), in the web's words. The plan view's plan has no client snapshot: the
    clients with windows are read for the notes."""
    from dataclasses import replace

    from hausbesuch.casework.stops import mark_done, mark_unreported
    from hausbesuch.planning.report import plan_notes

    # the visits on past days without an outcome, as ``show`` and the *Ergebnisse* page
    # say them (review 36: not here), in the web's words (for_web: „Ergebnisse“, „Fälle“)
    if plan.start < (today := clock.today()):
        plan = mark_unreported(store, mark_done(store, plan), today)
    notes = plan_notes(replace(plan, clients=window_clients(store, plan.id), for_web=True))
    return [plan_words(n) for n in notes]


#: The words of the web for a district note's configuration (a district file in the city
#: profile): the coordination cannot act on it, the administration can (QA 38 F7).
DISTRICT_FILE_WORDS = ("Für genaue Stadtteile bitte die Administration informieren (eine "
                       "Bezirksdatei im Stadtprofil).")


def plan_words(text: str) -> str:
    """A plan's stored note or reason as the web's pages and files say it
    (:func:`web_reason`: no command line), the districts' configuration in words for the
    coordination (:data:`DISTRICT_FILE_WORDS`; QA 38 F7: every plan page said „… eine
    Bezirksdatei im Profil angeben ([districts] source = "file", …)“)."""
    from geodata.districts import FILE_HINT

    return web_reason(text).replace(FILE_HINT, DISTRICT_FILE_WORDS)


def _to_replan(store: Store, profile: Profile, user: User, plan, newest: str  # noqa: ANN001
               ) -> list[tuple[str, str, str | None]]:
    """(case id, „Do, 10.12.2026, 10:00 Uhr“, None) of each appointment agreed at the door
    on a day of the plan that its newest version does not hold: only its „Neu planen“
    plans it (QA 28 F8); (…, the note with the stored reason and what to do) for one that
    version tried and listed as not plannable, which re-planning again cannot help (QA 37
    #1; :func:`casework_api.appointment_notes_of_plan`)."""
    from hausbesuch.fields import format_moment

    return [(cid, format_moment(at), refused)
            for cid, at, refused in casework_api.appointment_notes_of_plan(
                store, profile, user.name, newest, plan.start, plan.days)]


def _revisits_to_replan(store: Store, profile: Profile, plan, newest: str  # noqa: ANN001
                        ) -> list[tuple[str, str]]:
    """(case id, „Nicht angetroffen am Mo, 07.12.2026, 09:40 Uhr; nächster Versuch
    frühestens Mi, 09.12.2026“) of each failed try of the plan's newest version whose
    revisit only its „Neu planen“ plans (:func:`hausbesuch.planning.workflow.
    revisits_waiting`; closing notes 31: no page said so)."""
    from hausbesuch.casework.rules import result_label
    from hausbesuch.fields import format_moment
    from hausbesuch.planning.workflow import revisits_waiting

    # (a family's versions share their days: once over, nothing waits; review 32 #1)
    if plan.start + timedelta(days=max(plan.days, 1) - 1) < clock.today():
        return []
    shown = plan if newest == plan.id else store.load_plan(newest, overview=True)
    return [(cid, f"{result_label(result)} am "
             + (format_day(day) if minute is None else format_moment(
                 datetime.combine(day, time()) + timedelta(minutes=minute)))
             + f"; nächster Versuch frühestens {format_day(earliest)}")
            for cid, day, minute, result, earliest in revisits_waiting(store, profile, shown)]


@router.get("/plaene/{plan_id}")
def plan_view(request: Request, plan_id: str, user: User = Depends(require_user)) -> Response:
    return _plan_page(request, user, plan_id)


def _plan_page(request: Request, user: User, plan_id: str, *, status: int = 200,
               pin: dict | None = None, refused: str | None = None,
               replan: dict | None = None, all_pins: bool | None = None,
               letters_msg: dict | None = None) -> Response:
    """The plan page; ``pin``: a refused pin or unpin (``error``, ``field``, the ``typed``
    values; for a pin form refused for its input, ``stand``: the moment it was sent with,
    and ``case``: the case id as typed, :func:`_pin_form_moment`), shown at its form with
    status 400 (409: refused as stale, the page of now, whose forms then store on
    purpose); ``refused``: a refused re-plan, shown at the top with status 400;
    ``replan``: a re-plan whose teams were refused (``error``, ``field``, ``typed``),
    shown at its form with status 400. ``all_pins``: the table of pins lists every pin (a
    form sent from such a page, its field ``festlegungen``); None: as the query asks
    (``?festlegungen=alle``). ``letters_msg``: the message of the letters' buttons
    (:mod:`hausbesuch.web.pages_letters`), shown at their section."""
    from hausbesuch.casework.stops import mark_gone
    from hausbesuch.web.pages_letters import letters_section

    web = ctx(request)
    # a stop whose case was closed since the plan (and has no outcome of its own) is off,
    # as in the plan's files and on the phone: not counted, marked „entfällt“ (gone)
    plan = mark_gone(web.store, _plan_for(request, user, plan_id))
    profile = web.profile(plan.city)
    days: dict[date, list] = {}
    for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        days.setdefault(r.day, []).append(r)
    ids = [s.client_id for r in plan.routes for s in r.stops] + [u.client_id
                                                                  for u in plan.unassigned]
    ids += _new_cases(web.store, profile, plan)  # pinned in, for the next re-plan
    from hausbesuch.athome import plan_chances

    chances = plan_chances(web.store, profile, plan)
    # at most pages.MAX_INDEX_ROWS rows per table, as on index.html (a big city's 1,700
    # unassigned visits made a page of 1 MB); visits left out over the capacity come last,
    # the headings keep the full counts and report.csv in the ZIP has every row
    cap = pages.MAX_INDEX_ROWS  # read per request
    unassigned = sorted(plan.unassigned, key=lambda u: (u.code == "over_capacity", u.client_id))
    rejected = sorted(plan.rejected, key=lambda r: r.row)
    # an overview: addresses and reasons without a c/o line (a third person's name), the
    # client's own name or words the geocoder read past before the street
    care_of = CareOf(with_clients(web.store, plan, [u.client_id for u in unassigned[:cap]]
                                  + [r.id or "" for r in rejected[:cap]]))
    casework_api.audit(web.store, user.name, "plan_angezeigt", city=plan.city, plan_id=plan_id,
                       details={"ansicht": "web"})
    newest = newest_version(web.store, plan_id)
    read = _pins(web.store, plan.city, ids)
    pins = read.pins
    # the team-days the next re-plan (of the newest version) gives no shift: not offered
    # for a pin, and a pin there says why and what to do (closing 33)
    days_out = casework_api.pin_days_out(
        web.store, plan if newest == plan.id else plan_overview(web.store, newest), profile)
    pins_out = _pins_out(pins, days_out, casework_api.pin_needs(
        web.store, plan, list(pins), profile) if days_out is not None else {}, plan.params)
    pins_out |= _pins_off_day(pins, profile, pins_out, web.store)
    # at most MAX_PIN_ROWS pins (a list whose team column pins every case of a big city:
    # a table of 2,000 rows on each view; review 35b #2), those with a note first; all of
    # them on request (?festlegungen=alle)
    pin_rows = _pin_order(pins, pins_out)
    if all_pins is None:
        all_pins = request.query_params.get("festlegungen") == "alle"
    if not all_pins:
        pin_rows = pin_rows[:MAX_PIN_ROWS]  # read per request
    shown = {cid for cid, _ in pin_rows}
    # what the page's forms send back (QA 38 F1, review 39 #1): each „Aufheben“ the
    # moment of its row's pin, the pin form the moment the pins were read (a pin written
    # after it, listed or not, makes the form stale)
    pin_stamps = {cid: pin_moment(read.since.get(cid)) for cid, _ in pin_rows}
    moved = own_id(request.query_params.get("verschoben"), ids)
    return render(
        request, "plan.html.j2", status=status, pin=pin, refused=refused, plan=plan, days=days,
        notes=_plan_notes(web.store, plan), replan=replan,
        to_replan=_to_replan(web.store, profile, user, plan, newest),
        revisits=_revisits_to_replan(web.store, profile, plan, newest),
        old_place=casework_api.moved_since_plan(web.store, profile, user.name, newest),
        # the re-plan form is the newest version's only
        replan_teams=_replan_teams(web.store, plan) if newest == plan.id else None,
        end=plan.start + timedelta(days=max(plan.days, 1) - 1),
        n_planned=sum(len(r.to_visit) for r in plan.routes),
        n_called_off=sum(len(r.stops) - len(r.to_visit) for r in plan.routes),
        map_data=_map_data(plan, _plan_paths(web.store, plan)), tile_url=profile.map.tile_url,
        attribution=profile.map.attribution, pins=pins, pin_rows=pin_rows,
        pin_stamps=pin_stamps, pin_stand=_pin_form_moment(web.store, plan.city, read.at, pin),
        pins_more=len(pins) - len(pin_rows),
        pins_more_noted=sum(1 for cid in pins_out if cid not in shown), pins_out=pins_out,
        all_pins=all_pins,
        # pins only on today and later days (QA 22 F3): a day over is no target
        # ... nor a team-day its team was taken out of (QA 26 F1), entered as absent or
        # that the city's teams no longer work (closing 33)
        team_days=[(t, d) for t, d in _pin_targets(plan, profile) if d >= clock.today()
                   and casework_api.pin_refusal(web.store, plan, t, d, None,
                                                days_out=days_out) is None],
        today=clock.today(), clock=format_clock,
        moved=moved,
        # the pin calls an announced visit off: said with the confirmation (QA 44b F4)
        moved_letter=moved and casework_api.pin_moves_announced(web.store, profile,
                                                                plan.city, moved),
        unpinned=own_id(request.query_params.get("aufgehoben"), ids),
        newest=newest, chances=chances, letters_msg=letters_msg,
        letters=letters_section(request, web.store, plan, newest),
        unassigned=[care_of.unassigned(u) for u in unassigned[:cap]],
        unassigned_more=max(0, len(unassigned) - cap),
        rejected=[care_of.rejected(r) for r in rejected[:cap]],
        rejected_more=max(0, len(rejected) - cap),
    )


#: The most pins the plan page's table of pins lists at first (review 35b #2); a link
#: shows them all.
MAX_PIN_ROWS = 50


def _pin_order(pins: dict[str, tuple[str | None, date | None, int | None, str | None]],
               pins_out: dict[str, str]
               ) -> list[tuple[str, tuple[str | None, date | None, int | None, str | None]]]:
    """The ``pins`` (:func:`_pins`) in the order of the plan page's table: first those the
    next re-plan does not plan as pinned (a note in ``pins_out``, :func:`_pins_out`), then
    pins to a day before pins to a team alone, each by day, team, time (none last) and
    case id."""
    def key(item):  # noqa: ANN001, ANN202
        cid, (team, day, minute, _) = item
        return (cid not in pins_out, day is None, day or date.max, team or "",
                minute is None, minute or 0, cid)

    return sorted(pins.items(), key=key)


def _pins_out(pins: dict[str, tuple[str | None, date | None, int | None, str | None]],
              days_out, needs: dict | None = None,  # noqa: ANN001
              params: dict | None = None) -> dict[str, str]:
    """``{case id: note}`` of the ``pins`` (:func:`_pins`) to a team-day the next re-plan
    gives no shift (``days_out``, :func:`casework_api.pin_days_out`): why the visit is
    not planned and what to do, in the words of the re-plan's reason (the team taken out,
    entered as absent, no longer among or working that day in the city's teams); to a
    team that cannot take the case's visit (``needs``, :func:`casework_api.pin_needs`:
    its language; review 34 #8); or at a time outside the shorter shift the re-plan
    takes over of the city's teams (``params``: the plan's, its shifts; closing 34). A
    pin to a team alone (no day) is noted when the team can take the visit on no day
    (review 35 #9)."""
    if days_out is None:
        return {}
    needs = needs or {}
    out = {}
    for cid, (team, day, minute, _) in pins.items():
        if team and day is None:
            if (never := days_out.never(team, needs.get(cid), pinned=True)) is not None:
                out[cid] = never[1]
            continue
        if not team or day is None:
            continue
        if (why := days_out.reason(team, day, pinned=True, needs=needs.get(cid))) is not None:
            out[cid] = why[1]
        elif (cut := days_out.outside_shift(team, day, minute, params,
                                            pinned=True)) is not None:
            out[cid] = cut
    return out


def _pins_off_day(pins: dict[str, tuple[str | None, date | None, int | None, str | None]],
                  profile: Profile, noted: dict[str, str], store: Store) -> dict[str, str]:
    """``{case id: note}`` of the ``pins`` not ``noted`` yet whose day has passed (it binds
    no longer) or is no working day (no plan takes it; QA 40 F2: a list's 25.12. was
    listed without a word): :func:`hausbesuch.planning.builder.pin_day_note`."""
    from hausbesuch.planning.builder import pin_day_note

    calendar, today = profile.casework.calendar(), clock.today()
    # the visits' lengths of the pins with a time on a short day (one query, a few cases)
    timed = [cid for cid, (_t, day, minute, _s) in pins.items()
             if day is not None and minute is not None and calendar.short_day(day)]
    lengths = casework_api.visit_lengths(store, profile, timed) if timed else {}
    out = {}
    for cid, (_team, day, minute, source) in pins.items():
        if cid not in noted and (note := pin_day_note(calendar, day, today, source,
                                                      time_min=minute,
                                                      service_min=lengths.get(cid))):
            out[cid] = f"{format_day(day)}: {note}."
    return out


def _pin_input(plan, profile: Profile, kundennummer: str, ziel: str,  # noqa: ANN001
               uhrzeit: str, store: Store) -> tuple[str, str, date, int | None]:
    """The pin form's input read and checked: (Kundennummer as the plan has it, team, day,
    minutes after midnight or None); :class:`_Refused` names the field in error. A case
    of the plan, or an open case in no plan of its days that its next re-plan takes up
    (:func:`_new_cases`). A case no longer ``offen`` (of the plan or not) is refused
    first, whatever else the
    form has wrong (:func:`casework_api.closed_pin_refusal`; review 36: the day's and the
    time's checks came first, and the time fixed, the form said the case was closed)."""
    in_plan = {s.client_id for r in plan.routes for s in r.stops} | {
        u.client_id for u in plan.unassigned}
    kundennummer = kundennummer.strip()  # typed (a list of every case id was too long)
    if kundennummer not in in_plan:  # typed in another case (k-1042): the one it names
        alike = [c for c in in_plan if id_key(c) == id_key(kundennummer)]
        kundennummer = alike[0] if len(alike) == 1 else kundennummer
    known = kundennummer in in_plan
    if not known:
        new = _new_cases(store, profile, plan, kundennummer)
        kundennummer, known = (new[0], True) if len(new) == 1 else (kundennummer, False)
    # also a case the plan does not hold because it was closed before it (QA 45c F5: „…
    # gehört nicht zu diesem Plan“ instead of its status and how to open it again)
    if (closed := casework_api.closed_pin_refusal(store, plan, kundennummer,
                                                  profile)) is not None:
        raise _Refused(*closed)
    try:
        team, day = _team_day(ziel)
    except ValueError:
        raise _Refused("Ziel-Team-Tag ist ungültig.", "ziel") from None
    if (team, day) not in set(_pin_targets(plan, profile)):
        raise _Refused("An diesem Tag arbeitet dieses Team im Zeitraum des Plans nicht.", "ziel")
    if (why := casework_api.past_pin_day(day)) is not None:  # (QA 22 F3)
        raise _Refused(why, "ziel")
    if not known:
        # not repeated (closing 26: unknown_id; closing 28: the import's id rules)
        if not id_may_be_shown(kundennummer, profile.casework.id_form()["id_pattern"]):
            raise _Refused("Die angegebene Kundennummer gehört nicht zu diesem Plan; sie "
                           f"{NAME_LIKE_ID}.", "kundennummer")
        raise _Refused(
            f"Kundennummer „{echo(kundennummer)}“ gehört nicht zu diesem Plan: bitte eine "
            "Kundennummer aus seinen Touren oder der Liste der nicht Eingeplanten angeben "
            "oder einen offenen Fall, der in keinem Plan dieser Tage steht.",
            "kundennummer")
    minutes = None
    if uhrzeit.strip():
        try:
            t = time.fromisoformat(uhrzeit.strip())
        except ValueError:
            raise _Refused("Uhrzeit ist ungültig (HH:MM).", "uhrzeit") from None
        minutes = t.hour * 60 + t.minute
        # the office's short day (24.12. until 12:00) ends every shift (QA 41 F4: 14:00 on
        # Silvester was pinned without a word); the visit's length counted when known
        from hausbesuch.planning.builder import short_day_pin

        calendar = profile.casework.calendar()
        if calendar.short_day(day) is not None and (late := short_day_pin(
                calendar, day, minutes, "formular",
                casework_api.visit_minutes(store, profile, kundennummer))) is not None:
            raise _Refused(f"Uhrzeit {late}.", "uhrzeit")
        shift = plan_shift(plan.params, team, day)
        if shift is not None and not shift[0] <= minutes < shift[1]:
            raise _Refused(
                f"Uhrzeit {format_clock(minutes)} Uhr liegt außerhalb der Arbeitszeit von „{team}“ "
                f"({format_clock(shift[0])}–{format_clock(shift[1])} Uhr).", "uhrzeit")
        if shift is not None and minutes == shift[0]:
            raise _Refused(
                f"Uhrzeit {format_clock(minutes)} Uhr ist der Schichtbeginn von „{team}“: dann "
                "bricht das Team erst auf und ist noch an keiner Tür. Bitte eine spätere "
                "Uhrzeit eintragen.", "uhrzeit")
    # a time of today already over, a team taken out then (QA 26 F1): the one check of
    # every pin (casework_api.pin_visit runs it again)
    if (why := casework_api.pin_refusal(store, plan, team, day, minutes, kundennummer,
                                        profile=profile)) is not None:
        raise _Refused(*why)
    return kundennummer, team, day, minutes


@router.post("/plaene/{plan_id}/verschieben")
def move_visit(request: Request, plan_id: str, kundennummer: str = Form(...),
               ziel: str = Form(...), uhrzeit: str = Form(""), festlegungen: str = Form(""),
               stand: str | None = Form(None),
               user: User = Depends(require_user)) -> Response:
    """Pin a client's visit to a team-day (optionally a time); the next re-plan keeps it.
    Only on the newest version of a plan (400 on a replaced one). The page comes back
    (refused or done) with every pin listed when it listed them all
    (``festlegungen=alle``; review 36).

    ``stand``: the moment the page read the pins. When the case's pin was set, changed
    or taken back after it (by a colleague, a list, an outcome's appointment; listed on
    the page or not), nothing is stored: the page of now comes again (409) naming the pin
    stored now, with the form as typed, so that sending again stores on purpose; a form
    asking for the pin that is stored is not refused, nor one without the field for a
    case without a pin (QA 38 F1, stale38's notes, review 39 #1)."""
    from hausbesuch.casework.service import StaleFormError

    web = ctx(request)
    every = festlegungen == "alle"
    plan = _plan_for(request, user, plan_id)
    # a typed id that looks like a name is not put back into the field (as the case search)
    pattern = web.profile(plan.city).casework.id_form()["id_pattern"]
    typed = {"kundennummer": kundennummer if id_may_be_shown(kundennummer.strip(), pattern)
             else "",
             "ziel": ziel, "uhrzeit": uhrzeit}
    if reason := replaced_by(web.store, plan_id,
                             "Besuche bitte in Plan {newest} verschieben oder festlegen."):
        # replaced since the page was loaded: the page again (it has no pin form now),
        # the message at its top, naming the version to go to
        return _plan_page(request, user, plan_id, status=400, refused=reason, all_pins=every)
    try:
        kundennummer, team, day, minutes = _pin_input(plan, web.profile(plan.city),
                                                      kundennummer, ziel, uhrzeit, web.store)
    except _Refused as exc:  # the page again, the form as typed, the field marked
        # (and the moment it was sent with when the case's pin changed since: sent
        # again, it is told of the change; _pin_form_moment)
        return _plan_page(request, user, plan_id, status=400, all_pins=every, pin={
            "error": str(exc), "field": exc.field, "typed": typed, "stand": stand,
            "case": kundennummer})
    try:
        closed = casework_api.pin_visit(web.store, plan.city, user.name, kundennummer,
                                        plan_id, team=team, day=day, minutes=minutes,
                                        plan=plan, profile=web.profile(plan.city),
                                        read=(stand or "")[:64])
    except LookupError:
        raise HTTPException(status_code=404, detail="Kundin/Kunde nicht gefunden.") from None
    except StaleFormError as exc:  # not stored (nor audited): the page, the pin of now
        return _plan_page(request, user, plan_id, status=409, all_pins=every,
                          pin={"error": str(exc), "field": None, "typed": typed})
    except UserError as exc:  # the day passed since the form was checked (midnight)
        return _plan_page(request, user, plan_id, status=400, all_pins=every, pin={
            "error": str(exc), "field": "ziel", "typed": typed, "stand": stand,
            "case": kundennummer})
    if closed is not None:  # closed since the form's check (QA 13c #4: pin_refusal first)
        # the case named unless its id looks like a name, as the form's check says it
        # (review 36)
        return _plan_page(request, user, plan_id, status=400, all_pins=every, pin={
            "error": casework_api.closed_refusal(
                casework_api.shown_id(kundennummer, web.profile(plan.city)), closed),
            "field": "kundennummer", "typed": typed, "stand": stand, "case": kundennummer})
    return RedirectResponse(f"/plaene/{quote(plan_id)}?verschoben={quote(kundennummer, safe='')}"
                            f"{'&festlegungen=alle' if every else ''}#verschieben",
                            status_code=303)


@router.post("/plaene/{plan_id}/festlegung-aufheben")
def unpin_visit(request: Request, plan_id: str, kundennummer: str = Form(...),
                festlegungen: str = Form(""), stand: str = Form(""),
                user: User = Depends(require_user)) -> Response:
    """Take back a client's pin (from the web, the list or an appointment): the next
    (re-)plan places the visit freely. Only on the newest version of a plan. The page
    comes back (refused or done) with every pin listed when it listed them all
    (``festlegungen=alle``; review 36: a refused one came back with the first
    :data:`MAX_PIN_ROWS`). ``stand``: the moment of the pin its row showed
    (``clients.pin_since``); a pin set since, even the same one again (or without the
    field: any pin), is not taken back: the page of now comes again (409) naming the pin
    of now; there its row's button (listed, or on ``?festlegungen=alle``) takes it back on
    purpose (QA 38 F1, stale38's notes, review 39 #4)."""
    from hausbesuch.casework.service import StaleFormError

    web = ctx(request)
    every = festlegungen == "alle"
    plan = _plan_for(request, user, plan_id)
    in_plan = {s.client_id for r in plan.routes for s in r.stops} | {
        u.client_id for u in plan.unassigned}
    # refused: the plan page again, the message at the pins (a double click, a colleague
    # who took the pin back a moment before)
    if reason := replaced_by(web.store, plan_id, "Festlegungen bitte in Plan {newest} aufheben."):
        return _plan_page(request, user, plan_id, status=400, refused=reason, all_pins=every)
    if kundennummer not in in_plan and kundennummer not in _new_cases(
            web.store, web.profile(plan.city), plan, kundennummer):
        reason = "Diese Kundennummer gehört nicht zum Plan."
    try:
        if reason is None and not casework_api.unpin_visit(
                web.store, plan.city, user.name, kundennummer, plan_id,
                seen=stand.strip()[:200]):
            reason = f"Für {kundennummer} ist nichts festgelegt."
    except StaleFormError as exc:  # not taken back (nor audited): the page, the pin of now
        return _plan_page(request, user, plan_id, status=409, all_pins=every,
                          pin={"error": str(exc), "field": None, "typed": {}})
    if reason is not None:
        return _plan_page(request, user, plan_id, status=400, all_pins=every,
                          pin={"error": reason, "field": None, "typed": {}})
    return RedirectResponse(f"/plaene/{quote(plan_id)}?aufgehoben={quote(kundennummer, safe='')}"
                            f"{'&festlegungen=alle' if every else ''}#verschieben",
                            status_code=303)


def _other_profile(store: Store, plan_id: str, served: Profile) -> str | None:
    """Why a plan may not be re-planned here: it was made with another profile of its city
    than the one this server runs with (a file of the coordinator's own, or the shipped
    one). The re-plan would plan with the served profile's teams, depots and workday and
    store it with the new version, whose letters then carry its sender and phone number;
    the CLI's ``replan`` of that plan loads the stored profile. None when both are the
    same, or the plan (of an older version) stored none."""
    stored = store.plan_profile(plan_id)
    served_ref = profile_ref(served)
    if stored is None or stored == served_ref:
        return None
    # file names only (the server's folders are none of the page's business; a Windows
    # path too), with the folder's name when both files are named alike
    from pathlib import PureWindowsPath

    def name(ref: str, folder: bool) -> str:
        p = PureWindowsPath(ref)  # takes "/" and "\\" alike
        return f"{p.parent.name}/{p.name}" if folder and p.parent.name else p.name

    same = PureWindowsPath(stored).name == PureWindowsPath(served_ref).name
    shown, served_shown = name(stored, same), name(served_ref, same)
    return (f"Plan {plan_id} wurde mit dem Profil {shown} gemacht, der Server läuft für "
            f"{served.name} mit dem Profil {served_shown}. Neu planen lässt er sich mit dem "
            "Profil, mit dem er gemacht wurde: bitte die Verwaltung fragen (Server mit "
            "diesem Profil starten).")


def _replan_teams(store: Store, plan) -> dict:  # noqa: ANN001
    """What the re-plan form offers: the moment a re-plan now plans from
    (:func:`hausbesuch.web.planjobs.replan_moment`), the plan's teams (``teams``), those
    re-plans took out on that day (``out``, to bring back: ``with_teams``) and the others
    (``working``, to take out: ``without_teams``)."""
    from hausbesuch.maps import fmt_date
    from hausbesuch.planning.workflow import teams_out
    from hausbesuch.web.planjobs import replan_moment

    moment = replan_moment(plan.start)
    last = plan.start + timedelta(days=plan.days - 1)
    if moment.date() > last:  # the span is over: nothing left to re-plan (review 21 #3)
        return {"moment": moment, "teams": [], "out": [], "working": [],
                "over": f"Der Zeitraum dieses Plans ist vorbei (bis {fmt_date(last)}): neu "
                        "planen lässt sich nur, was noch kommt. Bitte einen neuen Plan "
                        "erstellen."}
    teams = sorted({d["id"] for d in (plan.params or {}).get("teams", []) if "id" in d})
    out = [t for t in teams_out(store, plan, moment) if t in teams]
    return {"moment": moment, "teams": teams, "out": out, "over": "",
            "working": [t for t in teams if t not in out]}


def _replan_team_input(offer: dict, off: str, back: str) -> tuple[list[str], list[str]]:
    """The re-plan form's teams read and checked: (teams to take out, teams to bring
    back); :class:`_Refused` names the field in error."""
    off, back = off.strip(), back.strip()
    if off and off not in offer["teams"]:
        raise _Refused(f"Team abmelden: Team „{echo(off)}“ gibt es in diesem Plan nicht "
                       f"(Teams: {', '.join(offer['teams'])}).", "team_abmelden")
    if back and back not in offer["out"]:
        day = format_day(offer["moment"].date())
        raise _Refused(
            f"Team wieder einplanen: Team „{echo(back)}“ ist am {day} in diesem Plan "
            "nicht abgemeldet" + (f" (abgemeldet: {', '.join(offer['out'])})." if offer["out"]
                                  else "."), "team_wieder")
    if off and off == back:
        raise _Refused(f"Team „{echo(off)}“ steht bei „Team abmelden“ und bei „Team wieder "
                       "einplanen“; bitte nur eines wählen.", "team_abmelden")
    return ([off] if off else []), ([back] if back else [])


@router.post("/plaene/{plan_id}/neu-planen")
def replan(request: Request, plan_id: str, team_abmelden: str = Form(""),
           team_wieder: str = Form(""), festlegungen: str = Form(""),
           user: User = Depends(require_user)) -> Response:
    """Queue a re-plan of the newest version of a plan (400 on a replaced version: its
    job would fail); optionally a team out for the rest of the moment's day
    (``team_abmelden``, the command line's ``--without-team``) or a team taken out that
    day back at work (``team_wieder``, ``--with-team``). A refused one comes back with
    every pin listed when the page listed them all (``festlegungen=alle``)."""
    web = ctx(request)
    every = festlegungen == "alle"
    plan = _plan_for(request, user, plan_id)
    reason = (replaced_by(web.store, plan_id, "Bitte Plan {newest} öffnen und dort neu planen.")
              or _other_profile(web.store, plan_id, web.profile(plan.city)))
    if reason:  # the plan page again, the message at its top
        return _plan_page(request, user, plan_id, status=400, refused=reason, all_pins=every)
    offer = _replan_teams(web.store, plan)
    if offer["over"]:
        return _plan_page(request, user, plan_id, status=400, refused=offer["over"],
                          all_pins=every)
    try:
        without, with_ = _replan_team_input(offer, team_abmelden, team_wieder)
    except _Refused as exc:  # the page again, the form as chosen, the field marked
        return _plan_page(request, user, plan_id, status=400, all_pins=every, replan={
            "error": str(exc), "field": exc.field,
            "typed": {"team_abmelden": team_abmelden, "team_wieder": team_wieder}})
    job_id = web.enqueue("replan", plan.city, {
        "plan_id": plan_id, "start": plan.start.isoformat(), "days": plan.days,
        "time_limit": web.plan_time_limit, "without_teams": without, "with_teams": with_,
        "profile": web.extra["profile_refs"].get(plan.city)}, user.name)
    details: dict = {"job": job_id}
    if without:  # team names only
        details["without_teams"] = without
    if with_:
        details["with_teams"] = with_
    casework_api.audit(web.store, user.name, "replan_job_started", city=plan.city,
                       plan_id=plan_id, details=details)
    return RedirectResponse(f"/auftraege/{job_id}", status_code=303)


def _qr_svg(url: str) -> Markup:
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=4, title="Tageslink als QR-Code")
    return Markup(svg)  # noqa: S704 - segno's own SVG of a URL this server made


#: Seconds a new worker link waits for its one display after "Link erzeugen".
NEW_LINK_SECONDS = 300


def _new_links(request: Request) -> ShownOnce[tuple[str, WorkerLink]]:
    """New worker links (URL with its token, link) waiting for their one display: "Link
    erzeugen" keeps the link here and redirects to the links page with the entry's key
    (``?neu=<key>``), never the token; the page shows it once (:class:`ShownOnce`)."""
    return shown_once(ctx(request).extra, "new_links", NEW_LINK_SECONDS)


def _session_key(request: Request) -> str:
    """SHA-256 of the request's login session (a new link belongs to it)."""
    return token_hash(request.cookies.get(session_cookie(request)) or "")


def _links_page(request: Request, plan, new: dict | None = None,  # noqa: ANN001
                gone: bool = False, refused: dict | None = None,
                confirm: WorkerLink | None = None, revoked: str = "") -> Response:
    """The links page of a plan version: the links of its whole family (made on this or
    another version, they show the newest version's routes); new links on the newest.
    ``new`` is a link just made (shown once); ``gone`` says that the new link asked for
    has been shown already (or waited too long); ``refused``: a link refused (``error``,
    ``field``, the ``typed`` values), shown at the form with status 400; ``confirm``: a
    link whose *Widerrufen* waits for its confirmation; ``revoked``: the prefix of a link
    just revoked (said when it is one of the list's, revoked)."""
    web = ctx(request)
    links = links_of_plan(web.store, plan.id)
    # the form asks for the password when the login or last confirmation is not fresh
    reauth = needs_password(request)
    done = next((k for k in links if k.prefix == revoked and k.state == "widerrufen"), None)
    return render(request, "links.html.j2", status=400 if refused else 200,
                  refused=refused, plan=plan, links=links, confirm=confirm, revoked=done,
                  states=listed_states(web.store, plan.id, links), new=new, gone=gone,
                  team_days=_link_days(plan), today=clock.today(),
                  newest=newest_version(web.store, plan.id), max_days=MAX_VALID_DAYS_AFTER,
                  new_link_minutes=NEW_LINK_SECONDS // 60, reauth=reauth,
                  fresh_minutes=FRESH_AUTH_MINUTES)


@router.get("/plaene/{plan_id}/links")
def link_list(request: Request, plan_id: str, neu: str = "", widerrufen: str = "",
              user: User = Depends(require_user)) -> Response:
    """The links page; with ``neu`` (the id :func:`make_link` redirected with) it shows
    the new link once; with ``widerrufen`` (a link's prefix, from :func:`revoke_link`) it
    says that the link was revoked."""
    plan = _plan_for(request, user, plan_id)
    if not neu:
        return _links_page(request, plan, revoked=widerrufen)
    item = _new_links(request).take(neu, _session_key(request), plan_id)
    if item is None:
        return _links_page(request, plan, gone=True)
    url, link = item
    return _links_page(request, plan, {"url": url, "link": link, "qr": _qr_svg(url)})


@router.post("/plaene/{plan_id}/links")
def make_link(request: Request, plan_id: str, ziel: str = Form(...),
              gueltig_bis: str = Form(""), passwort: str = Form(""),
              user: User = Depends(require_user)) -> Response:
    """Make a worker link and redirect (303) to the links page that shows it once; the
    token stays on the server (:func:`_new_links`), never in the redirect's URL.

    A link is bearer access to a team-day's addresses (QA 28 F6, ASVS V3.7.1): unless the
    session logged in or confirmed its password in the last
    :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, the form asks for the password
    (``passwort``), checked as a login is (:func:`fresh_or_confirmed`: failures count
    towards the lock); a password sent is always checked."""
    web = ctx(request)
    plan = _plan_for(request, user, plan_id)

    def refused(msg: str, field: str | None, status: int = 400) -> Response:
        # the page again, the form as typed (never the password), the field marked
        resp = _links_page(request, plan, refused={
            "error": msg, "field": field, "typed": {"ziel": ziel, "gueltig_bis": gueltig_bis}})
        resp.status_code = status
        return retry_after(request, resp) if status == 429 else resp

    try:
        team, day = _team_day(ziel)
    except ValueError:
        team = day = None
    # a team-day over is not sent to the field (review 36), before the password is asked
    if day is not None and (why := past_link_day(day)) is not None:
        return refused(why, "ziel")
    if (failed := fresh_or_confirmed(request, user, passwort,
                                      "zum Erzeugen des Links")) is not None:
        status, msg = failed
        return refused(msg if status == 403 else f"{msg} Es wurde kein Link erzeugt.",
                       "passwort", status=status)
    if team is None or day is None:
        return refused("Team-Tag ist ungültig.", "ziel")
    try:  # ISO from the field's picker, or German as typed (31.12.2026 20:00)
        until = form_moment(gueltig_bis, "Gültig bis") if gueltig_bis.strip() else None
    except UserError as exc:
        return refused(str(exc), "gueltig_bis")
    try:
        token, link = create_link(web.store, plan_id, team, day, actor=user.name,
                                  valid_until=until)
    except (UserError, StoreError) as exc:
        msg = str(exc) if isinstance(exc, UserError) else "Team-Tag oder Zeitpunkt ungültig."
        field = ("gueltig_bis" if msg.startswith("Gültig bis") else
                 "ziel" if "keine Route" in msg else None)
        return refused(msg, field)
    casework_api.audit(web.store, user.name, "worker_link_created", city=plan.city,
                       plan_id=plan_id, details={"link": link.prefix, "team": team,
                                                 "day": day.isoformat(),
                                                 "valid_until": link.valid_until.isoformat()})
    # the address given to ``serve --base-url``, else the request's (its Host header,
    # checked against the allowed hosts by the app's HostCheck)
    base = web.extra.get("base_url") or str(request.base_url)
    url = base.rstrip("/") + link_path(token)
    key = _new_links(request).put(_session_key(request), plan_id, (url, link))
    return RedirectResponse(f"/plaene/{quote(plan_id)}/links?neu={key}#neuer-link",
                            status_code=303)


@router.post("/plaene/{plan_id}/links/widerrufen")
def revoke_link(request: Request, plan_id: str, praefix: str = Form(...),
                bestaetigt: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Revoke a link of the plan's family (also one made on an earlier version). First the
    links page asks to confirm, naming team and day (QA 26 F5: one click revoked it, and
    the team's phone loses its route for good); ``bestaetigt=ja`` (that form's button)
    revokes and redirects to the page that says so."""
    web = ctx(request)
    plan = _plan_for(request, user, plan_id)
    confirmed = bestaetigt == "ja"
    try:
        link = revoke(web.store, praefix, actor=user.name, city=plan.city,
                      plan_ids=plan_family(web.store, plan_id), find_only=not confirmed)
    except UserError as exc:  # e.g. revoked by a colleague a moment before
        return _links_page(request, plan,
                           refused={"error": str(exc), "field": None, "typed": {}})
    if not confirmed:
        if link.state == "widerrufen":  # (a colleague, or a second tab, a moment before)
            return _links_page(request, plan, refused={
                "error": f"Der Tageslink {link.prefix} ist schon widerrufen.", "field": None,
                "typed": {}})
        return _links_page(request, plan, confirm=link)
    casework_api.audit(web.store, user.name, "worker_link_revoked", city=plan.city,
                       plan_id=link.plan_id, details={"link": link.prefix, "team": link.team_id,
                                                      "day": link.day.isoformat()})
    return RedirectResponse(f"/plaene/{quote(plan_id)}/links?widerrufen="
                            f"{quote(link.prefix, safe='')}#link-widerrufen", status_code=303)


def _unreported(store: Store, plan, newest: str) -> list[dict[str, Any]]:  # noqa: ANN001
    """The visits of the newest version of ``plan`` (``plan`` itself when it is that one,
    already :func:`mark_gone`) on days before today without an outcome, neither called off
    nor off since (:func:`hausbesuch.casework.stops.mark_unreported`, the rule of the case
    page's „Ohne Ergebnis“): day, team, the stop's number and case id, by day, team and
    number (QA 36 #4: a team that did not report was invisible here)."""
    from hausbesuch.casework.stops import mark_done, mark_gone, mark_unreported, unreported_visits

    shown = plan if newest == plan.id else mark_gone(store, store.load_plan(newest))
    shown = mark_unreported(store, mark_done(store, shown), clock.today())
    return [{"day": r.day, "team": r.team_id, "position": "" if nr is None else str(nr),
             "client_id": st.client_id, "closed": st.unreported_closed,
             "visit_id": st.visit_id}
            for r, nr, st in unreported_visits(shown)]


@router.get("/plaene/{plan_id}/ergebnisse")
def outcomes(request: Request, plan_id: str, user: User = Depends(require_user)) -> Response:
    from hausbesuch.casework.stops import mark_gone, reported_question

    web = ctx(request)
    # a visit whose case was closed since the plan is off (gone), as in the plan's files:
    # not counted among the visits awaiting an outcome
    plan = mark_gone(web.store, _plan_for(request, user, plan_id))
    pairs = [(s.client_id, r.day) for r in plan.routes for s in r.stops]
    # each visit with the number the worker's page shows (a called-off stop has none: ✕),
    # the stop to visit before a called-off one of the same client and day
    where: dict[tuple[str, date], tuple[str, str]] = {}
    for r in plan.routes:
        for s, nr in zip(r.stops, r.numbers, strict=True):
            key = (s.client_id, r.day)
            if key not in where or nr is not None:
                where[key] = (r.team_id, str(nr) if nr is not None else "✕")
    rows = casework_api.outcomes_of_plan(web.store, plan.city, pairs)
    for row in rows:
        row["team"], row["position"] = where[(row["client_id"], row["day"])]
        row["label"] = OUTCOME_LABELS.get(row["result"], row["result"])
    casework_api.audit(web.store, user.name, "ergebnisse_angezeigt", city=plan.city,
                       plan_id=plan_id, details={"ansicht": "web"})
    to_visit = sum(len(r.to_visit) for r in plan.routes)
    newest = newest_version(web.store, plan_id)
    unreported = _unreported(web.store, plan, newest)
    return render(request, "outcomes.html.j2", plan=plan, rows=rows, total=to_visit,
                  called_off=len(pairs) - to_visit, newest=newest, unreported=unreported,
                  # „Hat das Team …“ or, of several teams, „Haben die Teams berichtet?“, as
                  # the command line asks (review 36)
                  asked=reported_question(v["team"] for v in unreported),
                  to_replan=_to_replan(web.store, web.profile(plan.city), user, plan, newest),
                  revisits=_revisits_to_replan(web.store, web.profile(plan.city), plan, newest),
                  old_place=casework_api.moved_since_plan(web.store, web.profile(plan.city),
                                                          user.name, newest))


@router.get("/plaene/{plan_id}/dateien.zip")
def download_zip(request: Request, plan_id: str, user: User = Depends(require_user)) -> Response:
    """The plan's files, the same as ``hausbesuch show`` writes (overview, maps, route
    pages, sheets, GPX, plan.json, report.csv)."""
    from hausbesuch.planfolder import write_marker
    from hausbesuch.planning.workflow import show_plan, write_plan_files

    web = ctx(request)
    plan = _plan_for(request, user, plan_id)
    profile = web.profile(plan.city)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="hausbesuch-zip-") as tmp:
        out = Path(tmp)
        # the stored reasons in the web's words („Korrigieren unter „Adressen““, not the
        # command line's `hausbesuch address …`: QA 26 F8), and the pages' own hints
        # (Plan.for_web: „Kundenliste“, „Ergebnis nachtragen“, QA 32b F5, F7)
        shown = show_plan(web.store, plan_id, profile, reason_text=plan_words)
        shown.plan.for_web = True
        write_plan_files(shown, out, profile)
        # unpacked, it is a plan folder whose other files a later plan keeps
        write_marker(out, plan_id)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(out).as_posix())
    web.store.audit(user.name, "plan_files_downloaded", city=plan.city, plan_id=plan_id)
    return Response(buf.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="plan-{plan_id}.zip"'})


# --------------------------------------------------------------------------- one team-day

#: Where the print sheet's styles are served (the app's CSP allows styles from this
#: server only: the written sheet's inline ``<style>`` is taken out and linked instead).
SHEET_CSS_PATH = "/druck/laufzettel.css"
#: Where the print sheet's one script is served (written inline, allowed by its hash).
SHEET_JS_PATH = "/druck/laufzettel.js"
#: The inline styles of a written page, and its own CSP's allowance of them.
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_INLINE_STYLES = "style-src 'unsafe-inline'"


@functools.lru_cache(maxsize=1)
def _sheet_css() -> str:
    """The print sheet's styles: those of ``sheet.html.j2`` (its base's and its own),
    rendered from the template itself with an empty title and body, so that they are
    exactly the ``<style>`` of every sheet :func:`hausbesuch.output.team_day_sheet`
    renders (checked when a sheet is served)."""
    from hausbesuch.pages import _ENV

    page = _ENV.from_string('{% extends "sheet.html.j2" %}{% block title %}{% endblock %}'
                            "{% block body %}{% endblock %}").render()
    found = _STYLE.findall(page)
    if len(found) != 1:  # (the template changed: the sheet would be served unstyled)
        raise RuntimeError("print sheet: expected one <style> element")
    return found[0]


def _css_version() -> str:
    import hashlib

    return hashlib.sha256(_sheet_css().encode()).hexdigest()[:12]


def _js_version() -> str:
    import hashlib

    return hashlib.sha256(pages.SCROLL_BOXES_JS.encode()).hexdigest()[:12]


def _sheet_for_web(page: str) -> str:
    """A written print sheet as the web app serves it under its CSP (scripts and styles
    from this server only): its ``<style>`` replaced by a link to :data:`SHEET_CSS_PATH`,
    and its own CSP (inline styles, one inline script by its hash) allowing that
    stylesheet instead of inline styles; its script likewise, linked to
    :data:`SHEET_JS_PATH`. Nothing else of the page changes."""
    found = list(_STYLE.finditer(page))
    if len(found) != 1 or found[0].group(1) != _sheet_css() or _INLINE_STYLES not in page:
        # a sheet whose styles depend on its content: never served half-styled
        raise RuntimeError("print sheet: its styles are not the template's")
    m = found[0]
    link = f'<link rel="stylesheet" href="{SHEET_CSS_PATH}?v={_css_version()}">'
    page = page[:m.start()] + link + page[m.end():]
    page = page.replace(_INLINE_STYLES, "style-src 'self'", 1)
    # its one script (a table's box a tab stop only while it scrolls) from this server too
    inline = f"<script>{pages.SCROLL_BOXES_JS}</script>"
    if page.count(inline) != 1 or pages.SCROLL_BOXES_CSP not in page:
        raise RuntimeError("print sheet: expected its one script")
    page = page.replace(inline, f'<script src="{SHEET_JS_PATH}?v={_js_version()}"></script>', 1)
    return page.replace(pages.SCROLL_BOXES_CSP, "script-src 'self'", 1)


@router.get(SHEET_CSS_PATH)
def sheet_css() -> Response:
    """The print sheet's styles (no data of anyone; cached as the static files are)."""
    return Response(_sheet_css(), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get(SHEET_JS_PATH)
def sheet_js() -> Response:
    """The print sheet's one script (:data:`hausbesuch.pages.SCROLL_BOXES_JS`; no data of
    anyone; cached as the static files are)."""
    return Response(pages.SCROLL_BOXES_JS, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})


def _team_day_files(request: Request, user: User, plan_id: str, team: str, tag: str):  # noqa: ANN202
    """(plan, route) of one team-day of a stored plan, prepared as ``hausbesuch show`` and
    *Dateien (ZIP)* prepare it (:func:`hausbesuch.planning.workflow.show_plan`: a stop
    whose case was closed since is off, a replaced version says so); 404 for a plan of
    another city (audited), an unknown plan, day or team-day."""
    from hausbesuch.planning.workflow import show_plan

    web = ctx(request)
    city = _city_of_plan(request, user, plan_id)
    try:
        day = date.fromisoformat(tag)
    except ValueError:
        raise HTTPException(status_code=404, detail="Diesen Team-Tag gibt es nicht.") from None
    result = show_plan(web.store, plan_id, web.profile(city), reason_text=plan_words,
                       with_districts=False)
    result.plan.for_web = True  # the sheet's own hints in the web's words (QA 32b F7)
    route = next((r for r in result.plan.routes if (r.team_id, r.day) == (team, day)), None)
    if route is None:
        raise HTTPException(status_code=404, detail="Diesen Team-Tag gibt es in diesem Plan "
                                                    "nicht.")
    return result, route


@router.get("/plaene/{plan_id}/druck/{team}/{tag}")
def team_day_sheet(request: Request, plan_id: str, team: str, tag: str,
                   user: User = Depends(require_user)) -> Response:
    """The print sheet (Laufzettel) of one team-day, the same as *Dateien (ZIP)* has in
    ``druck/`` (:func:`hausbesuch.output.team_day_sheet`), rendered from the stored plan;
    a replaced version shows the replacement note, as in the ZIP. Audited
    (``laufzettel_angezeigt``: plan, team, day)."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import team_day_sheet as sheet
    from hausbesuch.pages import RouteLinks

    web = ctx(request)
    result, route = _team_day_files(request, user, plan_id, team, tag)
    page = sheet(result.plan, route, MapSettings.from_profile(web.profile(result.plan.city)),
                 links=RouteLinks(index=f"/plaene/{quote(plan_id)}",
                                  index_label="Zum Plan"), chances=result.chances,
                 gone=result.gone)
    casework_api.audit(web.store, user.name, "laufzettel_angezeigt", city=result.plan.city,
                       plan_id=plan_id, details={"team": route.team_id,
                                                 "day": route.day.isoformat()})
    return Response(_sheet_for_web(page), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


@router.get("/plaene/{plan_id}/gpx/{team}/{tag}")
def team_day_gpx(request: Request, plan_id: str, team: str, tag: str,
                 user: User = Depends(require_user)) -> Response:
    """The GPX of one team-day, the same as *Dateien (ZIP)* has in ``gpx/``, as a download
    named by team and day only (``team-nord_2026-12-07.gpx``). Audited
    (``gpx_heruntergeladen``: plan, team, day)."""
    from hausbesuch.output import safe_stem
    from hausbesuch.output import team_day_gpx as gpx

    web = ctx(request)
    result, route = _team_day_files(request, user, plan_id, team, tag)
    text = gpx(result.plan, route)
    casework_api.audit(web.store, user.name, "gpx_heruntergeladen", city=result.plan.city,
                       plan_id=plan_id, details={"team": route.team_id,
                                                 "day": route.day.isoformat()})
    return Response(text, media_type="application/gpx+xml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{safe_stem(route.slug)}.gpx"',
        "Cache-Control": "no-store"})
