"""The field worker's page: one team-day by link, outcomes per stop, usable offline.

``GET /w/{token}/`` is the mobile route page of the link's team-day with, per stop, a
form of outcome buttons and a note field. Without JavaScript the form posts and the page
comes back. With JavaScript (``worker.js``) an outcome is first written to the phone
(``localStorage``) with its own idempotency key and the visit time (the stop's field
„Uhrzeit des Besuchs“: the planned start, or the phone's time near the visit, as the worker
leaves or sets it; not the time of the tap), then sent; without signal it stays queued and is sent when the connection is back. The server
records each key once, so a retry never doubles an outcome. ``sw.js`` (a service worker
whose scope is the link) caches the page and its assets for use without signal, and
only while the link is valid: the page and ``sw.js`` carry the link's end
(``valid_until`` in ms since 1970), after which the copy is deleted and no longer shown;
a 404/410 from the server (revoked, expired, unknown, or the team-day gone: a re-plan
dropped it, the plan was deleted) deletes it at once and the service
worker unregisters itself. An open page in view asks for ``sw.js`` every minute, so it
learns of a revocation without any action on the phone, and then takes its stops off the
screen (only the outcomes not sent stay, with their Kundennummer). The same check learns
whether the team-day's stops changed since the page was made (a re-plan moved stops
between teams, a coordinator changed a note): ``sw.js`` answers with the header
:data:`TOUR_HEADER`, the :func:`tour_stamp` of the day's current route, which the page
compares with its own (``data-tour``) and then asks for a reload (or reloads itself when
nothing is typed and nothing waits to be sent). It also carries the team's state
(:data:`TEAM_HEADER`: taken out or back in, which need not change the stops) and the
outcomes recorded (:data:`RECORDED_HEADER`: the pair's other phone on the same link marks
the stops the first recorded, and follows a correction or an outcome taken back), with
their stamp (:data:`RECORDED_STAMP_HEADER`): when that stamp or the team's state differs
from what the phone's copy shows, the service worker keeps a fresh copy of the page. The
cache name holds :func:`asset_version` (a hash of the service worker and its assets), so
a new version replaces the old copies; the page asks for its assets with that version in
their path (:func:`asset_urls`), so that a page of a new version, loaded while the previous
version's service worker still controls the phone, gets its own assets from the network
instead of the previous version's from that worker's cache (fix 31).

No response of these routes carries a client name: the pages show the pseudonymous
Kundennummer, the address and the coordinator's note, as the route pages always did.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hausbesuch import clock
from hausbesuch.casework import RESULTS, CaseworkError
from hausbesuch.casework.rules import result_label
from hausbesuch.casework.service import VISIT_TIME_AHEAD_MIN, outcome_note
from hausbesuch.errors import UserError
from hausbesuch.fields import FieldError, format_clock, format_day, format_moment, parse_clock
from hausbesuch.plandata import TeamDayRoute
from hausbesuch.versions import newest_version
from hausbesuch.web import casework_api
from hausbesuch.web.app import WebContext, ctx, own_id, render
from hausbesuch.web.data import load_route, route_geocodes
from hausbesuch.web.forms import form_date
from hausbesuch.web.links import WorkerLink, resolve
from hausbesuch.web.security import csrf_protect, derived_token, new_token

log = logging.getLogger(__name__)

#: The six outcomes of the casework store, labelled as buttons (capitalised).
OUTCOMES = tuple((r, result_label(r)) for r in RESULTS)
OUTCOME_LABELS = dict(OUTCOMES)
#: The value of the form's default button, out of view: what the browser sends for Enter in
#: a field (its implicit submission uses the first submit button). No outcome.
IMPLICIT = "keine-auswahl"
#: Static files the page uses and the service worker keeps for use without signal (the
#: page and the service worker ask for them under :func:`asset_urls`).
WORKER_ASSETS = ("/static/web/app.css", "/static/web/unsent.js", "/static/web/worker.js")
#: Where the web app serves its static files (``hausbesuch/web/static``) with a version
#: in the path: ``/static/web/v/<version>/worker.js`` is the file ``worker.js`` as it is,
#: whatever the version (``hausbesuch.web.app`` mounts the folder there). The version is
#: in the path, not in a query: a service worker of a version before fix 31 looks its
#: assets up by path alone and would answer ``worker.js?v=…`` from its cache.
VERSIONED_STATIC = "/static/web/v/"
#: Response header of the page: the :func:`asset_version` its asset URLs name. The service
#: worker keeps a copy of the page for use without signal only when it is its own version
#: (its cache holds those assets; a copy of another version's page would open without them).
VERSION_HEADER = "X-Asset-Version"
_WEB_DIR = Path(__file__).resolve().parent
#: Header of ``sw.js``: the :func:`tour_stamp` of the link's team-day as it is now.
TOUR_HEADER = "X-Tour-Stand"
#: Header of ``sw.js``: an exercise's day as it is now (:func:`clock.exercise_day`, ISO;
#: empty without an exercise), so that an open page follows an exercise moved to
#: another day (the page's ``data-heute`` is the day it was made on).
DAY_HEADER = "X-Heute"
#: Header of ``sw.js``: the team's state that day as the page says it (:func:`phone_team_note`,
#: in :func:`header_text`: a header is Latin-1), so that an open page shows the team taken
#: out or back in (*Team wieder einplanen*) without a reload (QA 28 F20): the stops may
#: not change at all, so the :data:`TOUR_HEADER` does not tell. When it differs from the
#: state the phone's copy of the page shows (``data-team``), the service worker refreshes
#: that copy, as for :data:`RECORDED_STAMP_HEADER`.
TEAM_HEADER = "X-Team-Stand"
#: Header of ``sw.js``: the outcomes recorded for the team-day's stops (:func:`recorded_list`,
#: JSON in :func:`header_text`), so that the pair's second phone on the same link marks the
#: stops the first one recorded (QA 28 F21). Kundennummer, outcome and time only (no note).
#: About 110 bytes a stop (1.7 KB for 15 stops, each with an appointment): the README's
#: nginx example raises ``proxy_buffer_size`` so that the headers fit (review 29 #4).
RECORDED_HEADER = "X-Erfasst"
#: Header of ``sw.js``: :func:`state_stamp` of :data:`RECORDED_HEADER`'s JSON. The page
#: is made with the stamp of its outcomes (``data-erfasst-stand``): when the check's
#: differs, the service worker refreshes the copy of the page it keeps for use without
#: signal, so that the copy does not show an outcome corrected or taken back since.
RECORDED_STAMP_HEADER = "X-Erfasst-Stand"
#: Query parameter of the page's check of ``sw.js``: the :data:`RECORDED_STAMP_HEADER` of
#: the outcomes the phone has (the page's, then each check's). Only a check that sends it
#: gets the outcomes (:data:`RECORDED_HEADER`; not the browser's update check of the
#: service worker, nor the check of another link whether it is still valid), and it is
#: audited (:data:`AUDIT_CHECK`) when the outcomes it returns differ from those. (A fetch
#: without it that lacks the browser's ``Service-Worker: script`` is not the page's check
#: either: another link's page asking whether this link is still valid sends the same
#: request as a page of an older version, and without the stamp the server could not
#: audit once per phone and change; fix 31.)
KNOWN_PARAM = "stand"
#: Audit action of a check that returns outcomes the phone did not have: once per phone
#: and change, where a row per check would be one a minute per phone.
AUDIT_CHECK = "worker_link_check"
#: Request header of the service worker's fetch of a fresh copy of the page (after a
#: check found the outcomes or the team's state changed), and the audit action of that
#: fetch (once per change: the page remembers what its copy shows): the page goes
#: to the phone's cache, nobody looks at it then. The header is the phone's own claim
#: (anyone holding the link can send it): the row's label says so and that the whole
#: route was read, and a filter by views selects it too (auditlog.ALSO_SELECTS; QA 32
#: F3); it is kept apart only so that copies do not count as views (review 30 #4).
COPY_HEADER = "X-Kopie"
COPY_REFRESH = "auffrischen"
#: The header's value of the copy the service worker keeps when it is first set up on
#: the phone (its install, right after the first view): nothing changed, the row must
#: not say so (QA 42b F7). An update of the worker sends :data:`COPY_REFRESH` (the
#: program changed); the row's details ``kopie`` say which.
COPY_FIRST = "erste"
AUDIT_COPY = "worker_link_copy"
#: Audit action of a view of the page through the link.
AUDIT_VIEW = "worker_link_view"
#: What :func:`header_text` leaves as it is: printable ASCII but „%“ (JSON's ``{"":,}``
#: and spaces need no escape in a header value).
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def header_text(text: str) -> str:
    """``text`` as a header value that worker.js reads with ``decodeURIComponent``: every
    „%“, control character and non-ASCII character percent-encoded (UTF-8), all other
    printable ASCII as it is. (Percent-encoding everything, the JSON of
    :data:`RECORDED_HEADER` grew 1.7 times: 2.8 KB for a day of 15 stops, review 29 #4.)
    A leading or trailing space, which a header would lose, is encoded too."""
    out = quote(text, safe=_HEADER_SAFE)
    if out.startswith(" "):
        out = "%20" + out[1:]
    if out.endswith(" "):
        out = out[:-1] + "%20"
    return out


@functools.cache
def asset_version() -> str:
    """12 hex digits of the SHA-256 of the service worker's template and of
    :data:`WORKER_ASSETS`: part of the cache name, so that a changed file is fetched anew
    and the previous version's copies are deleted, and of the assets' URLs
    (:func:`asset_urls`), so that a page of a new version never runs the previous
    version's files from the phone's cache."""
    h = hashlib.sha256()
    files = [_WEB_DIR / "templates" / "sw.js.j2"] + [
        _WEB_DIR / "static" / a.removeprefix("/static/web/") for a in WORKER_ASSETS]
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def current_asset_version(web: WebContext) -> str:
    """The asset version the app serves (:func:`asset_version`; ``extra["asset_version"]``
    instead when set): one for the page's asset URLs, ``sw.js`` and its cache name."""
    return str(web.extra.get("asset_version") or asset_version())


def versioned_url(version: str, name: str) -> str:
    """The URL of the web app's static file ``name`` with ``version`` in its path
    (``/static/web/v/<version>/worker.js``: :data:`VERSIONED_STATIC`)."""
    return f"{VERSIONED_STATIC}{version}/{name}"


def asset_urls(version: str) -> dict[str, str]:
    """The URL of each of :data:`WORKER_ASSETS` with ``version`` in its path, by file name
    (``{"worker.js": "/static/web/v/<version>/worker.js", …}``: :func:`versioned_url`)."""
    names = (a.removeprefix("/static/web/") for a in WORKER_ASSETS)
    return {n: versioned_url(version, n) for n in names}


#: How far past a link's end the phone's clock must be before the phone deletes the route
#: by itself, without signal (ms). With signal the server's answer decides (404/410): a
#: phone whose clock is wrong (set by hand, a zone after travel) keeps a valid route
#: (QA 28 F14). worker.js and sw.js read it from the page and the script.
LINK_END_MARGIN_MS = 3_600_000


def valid_until_ms(link: WorkerLink) -> int:
    """The link's end as milliseconds since 1970, for the phone's clock (``valid_until`` is
    wall-clock time in Europe/Berlin, :data:`clock.ZONE`, whatever the server's zone)."""
    return int(link.valid_until.replace(tzinfo=clock.ZONE).timestamp() * 1000)


def tour_stamp(route: TeamDayRoute) -> str:
    """16 hex digits over what the worker's page shows of the team-day's plan (times, stops,
    addresses, windows, notes, called-off visits): an open page whose stamp differs from
    this shows old stops. Outcomes and closed cases are not part of it
    (the page learns of its own outcomes itself)."""
    parts = [route.depart, route.return_, route.start_label, route.lunch,
             [(s.client_id, s.position, s.arrival, s.start, s.end, s.address, s.window_text,
               s.notiz, s.called_off) for s in route.stops]]
    text = json.dumps(parts, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def phone_team_note(params: dict | None, route: TeamDayRoute,
                    gone: Collection[int] = (), recorded: Collection[int] = ()) -> str:
    """The phone's line on the team's state that day: :func:`~hausbesuch.pages.team_out_note`
    and, once the team is back in (its last span out has an end), when: „Wieder eingeplant
    ab 10:09 Uhr.“, with „; derzeit keine weiteren Besuche.“ when the route holds no visit
    still to do from then on (not called off, not ``gone``: positions of cases closed
    since, not ``recorded``: positions with an outcome, e.g. a later visit done already;
    review 29 #6), so that an idle team knows it has nothing to do now (QA 28 F20)."""
    from hausbesuch.pages import team_out_note
    from hausbesuch.teams import out_spans

    note = team_out_note(params, route.team_id, route.day)
    spans = out_spans(params, route.team_id, route.day)
    back = spans[-1][1] if spans else None
    if back is None:
        return note
    later = [s for s in route.stops if not s.called_off and s.position not in gone
             and s.position not in recorded and s.start >= back]
    again = (f"Wieder eingeplant ab {back:%H:%M} Uhr; derzeit keine weiteren Besuche."
             if not later else f"Wieder eingeplant ab {back:%H:%M} Uhr.")
    return f"{note} {again}".strip()


def recorded_list(link: WorkerLink, route: TeamDayRoute,
                  recorded: dict[int, dict]) -> list[dict[str, str | bool]]:
    """The outcomes recorded for the stops to visit of ``route`` (``recorded``:
    :func:`~hausbesuch.casework.stops.outcomes_of_stops`), as the phone's minute check reads
    them: Kundennummer (``k``), the outcome's label (``e``), the visit time (``z``, „10:05“
    or empty), the agreed appointment as the page echoes it (``t``), and whether it came
    through this link (``l``: this phone or the pair's other one; else the coordination
    or another team). No note."""
    out: list[dict[str, str | bool]] = []
    for s in route.stops:
        rec = recorded.get(s.position)
        if rec is None or s.called_off:
            continue
        t = rec["time_min"]
        appt = rec["appointment_at"]
        out.append({"k": s.client_id, "e": OUTCOME_LABELS.get(rec["result"], rec["result"]),
                    "z": format_clock(t) if t is not None else "",
                    "t": f", Termin am {format_moment(appt)}" if appt is not None else "",
                    "l": _via_link(link, rec)})
    return out


def recorded_json(link: WorkerLink, route: TeamDayRoute, recorded: dict[int, dict]) -> str:
    """:func:`recorded_list` as the JSON of :data:`RECORDED_HEADER`."""
    return json.dumps(recorded_list(link, route, recorded), ensure_ascii=False,
                      separators=(",", ":"))


def state_stamp(text: str) -> str:
    """16 hex digits of the SHA-256 of ``text`` (:data:`RECORDED_STAMP_HEADER`)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _via_link(link: WorkerLink, known: dict) -> bool:
    """Whether the recorded outcome ``known`` was sent through ``link`` (by this phone or
    the other phone of the pair that opened the same link)."""
    return known.get("source") == "web" and known.get("recorded_by") == _actor(link)


def link_csrf(secret: str, link: WorkerLink) -> str:
    """The CSRF token of a worker link's forms (derived, so it needs no session)."""
    return derived_token(secret, "worker-link:" + link.token_hash)


#: The reason of the audit row of a link token that no link has (:func:`worker_link`).
UNKNOWN_LINK = "Tageslink unbekannt (geändert, geraten oder gelöscht)"


def worker_link(request: Request, token: str) -> WorkerLink:
    """Dependency: the valid link of the path (404/410 otherwise); sets the CSRF token."""
    web = ctx(request)
    try:
        link = resolve(web.store, token)
    except HTTPException as exc:
        if exc.status_code == 404:
            # a token no link has (one character changed, guessed, or aged out by
            # cleanup): a refused access with the peer address, at most once a minute
            # (the next row counts those held back), never the token (QA 42b F6: no trace)
            from hausbesuch.web.auth import audit_refused

            request.state.user = None
            audit_refused(request, UNKNOWN_LINK)
        raise
    request.state.user = None
    request.state.link = link
    request.state.csrf_expected = link_csrf(web.secret, link)
    return link


#: The header of the 410 of a team-day that the newest version of the link's plan no
#: longer holds (a re-plan gave its visits to other teams or dropped them), the plan still
#: there: the phone says that, not „Link ungültig … neuen Link anfordern“ (QA 38 F4: no
#: link can be made for a team-day without visits).
EMPTY_DAY_HEADER = "X-Tagesplan-Leer"


def empty_day_text(team_id: str, day: date) -> str:
    """What the server's page says of a link whose team-day a re-plan left without
    visits (the open page's check says it as ``EMPTY_TEXT`` in worker.js, and that the
    copy on the phone is deleted: a first opening had none)."""
    return (f"Für Team {team_id} sind am {format_day(day)} keine Besuche mehr geplant "
            "(Neuplanung). Bitte bei der Koordination nachfragen.")


def _day_route(web: WebContext, link: WorkerLink) -> tuple[str, TeamDayRoute]:
    """The newest version of the link's plan and its route of the link's team-day; a 410
    when the plan was deleted under the link, or, with :data:`EMPTY_DAY_HEADER`, when
    that version holds no route of the team-day."""
    from hausbesuch.store import StoreError

    plan_id = newest_version(web.store, link.plan_id)
    route = load_route(web.store, plan_id, link.team_id, link.day)
    if route is not None:
        return plan_id, route
    try:
        web.store.plan_city(plan_id)
    except StoreError:
        raise HTTPException(status_code=410,
                            detail="Dieser Tagesplan ist nicht mehr vorhanden.") from None
    raise HTTPException(status_code=410, detail=empty_day_text(link.team_id, link.day),
                        headers={EMPTY_DAY_HEADER: "1"})


router = APIRouter(prefix="/w/{token}", dependencies=[Depends(worker_link),
                                                      Depends(csrf_protect)])


def _actor(link: WorkerLink) -> str:
    return f"link:{link.prefix}"


@router.get("/")
def worker_page(request: Request, token: str) -> Response:
    web = ctx(request)
    link: WorkerLink = request.state.link
    plan_id, route = _day_route(web, link)  # a re-plan replaces the day's route
    from hausbesuch.maps import MapSettings
    from hausbesuch.pages import RouteLinks, _common

    profile = web.profile(link.city)
    settings = MapSettings.from_profile(profile)
    from hausbesuch import athome
    from hausbesuch.athome import stop_chances

    params = web.store.plan_params(plan_id)
    chances = stop_chances(web.store, profile, web.store.plan_created_at(plan_id), route.stops,
                           plan_ref=params.get("profile"),
                           stored=params.get(athome.PARAMS_KEY))
    recorded = casework_api.outcomes_of_stops(web.store, link.city, link.day, route.stops)
    # a case closed (or put in Klärung, or reached) since the plan: its visit is off (as
    # on the printed sheet and the route page of the plan's files: gone_of, one rule)
    closed = casework_api.closed_cases(web.store, link.city, route.stops, by=link.day)
    gone = casework_api.gone_of(route.stops, closed, recorded)
    out_note = phone_team_note(web.store.plan_params(plan_id), route, gone, recorded)
    data = _common(route, settings, RouteLinks(), chances,
                   route_geocodes(web.store, plan_id, route), gone, out_note=out_note,
                   # „erledigt 09:40 Uhr: Verweigert“ instead of the planned visit (QA 28 F10)
                   done=casework_api.done_of(route.stops, recorded))
    # the service worker's fresh copy for use without signal (COPY_HEADER) is no view:
    # audited as what the phone says it is (review 30 #4), a read all the same (QA 32 F3)
    kind = request.headers.get(COPY_HEADER)
    copy = kind in (COPY_FIRST, COPY_REFRESH)
    casework_api.audit(web.store, _actor(link), AUDIT_COPY if copy else AUDIT_VIEW,
                       city=link.city, plan_id=plan_id,
                       details={"team": link.team_id, "day": link.day.isoformat(),
                                **({"kopie": kind} if copy else {})})
    from hausbesuch.casework.service import MAX_APPOINTMENT_AHEAD_DAYS

    saved = own_id(request.query_params.get("gespeichert"), {s.client_id for s in route.stops})
    # after a form sent without script: an appointment no route holds yet (as ``record``)
    replan = (casework_api.plans_missing_appointment(web.store, profile, _actor(link), saved)
              if saved else [])
    version = current_asset_version(web)
    resp = render(request, "worker.html.j2", link=link, outcomes=OUTCOMES,
                  asset_urls=asset_urls(version),
                  implicit=IMPLICIT, appointment_ahead=MAX_APPOINTMENT_AHEAD_DAYS,
                  early=route.day > clock.today(), valid_until_ms=valid_until_ms(link),
                  end_margin_ms=LINK_END_MARGIN_MS,
                  labels=OUTCOME_LABELS, recorded=recorded,
                  form_key=new_token(16), tour=tour_stamp(route),
                  # the outcomes the page shows: its copy is refreshed when they change
                  recorded_stamp=state_stamp(recorded_json(link, route, recorded)),
                  noon=profile.casework.noon_min,
                  correction_hint=CORRECTION_HINT, ahead_min=VISIT_TIME_AHEAD_MIN,
                  correction_summary=CORRECTION_SUMMARY,
                  # the stops whose outcome this phone may still change (QA 28 F2):
                  # position -> (seconds left, the line that says until when)
                  changeable={pos: (left, correction_open_hint(left))
                              for pos, rec in recorded.items()
                              if (left := correction_left_s(link, rec))},
                  time_before=PHONE_TIME_BEFORE_MIN, time_after=PHONE_TIME_AFTER_MIN,
                  hours_margin=casework_api.PHONE_HOURS_MARGIN_MIN,
                  # an exercise's day (HAUSBESUCH_HEUTE; None otherwise): the phone takes
                  # it as today instead of its own date for every check against the visit
                  # day, also in a copy of the page opened from its cache on a later day
                  # (QA 22 F12, review 23 #6)
                  exercise_day=clock.exercise_day(),
                  saved=saved, replan=replan, to_plan=APPOINTMENT_TO_PLAN,
                  same_day=SAME_DAY_APPOINTMENT,
                  shifts=casework_api.team_shifts(web.store, profile),
                  # the short days (``short_days``) an appointment may fall on: their end
                  # ends every shift (QA 41 F6: the page took 14:00 on Silvester)
                  # (from the route's day to the last day an appointment may be for)
                  short_days=profile.casework.calendar().short_ends(
                      route.day, MAX_APPOINTMENT_AHEAD_DAYS + 1),
                  # per stop: the way back its route's times tell, which the check of an
                  # appointment counts as the server does (QA 37 #1)
                  way_back=casework_api.way_back_limits(web.store, profile, route), **data)
    resp.headers[VERSION_HEADER] = version
    return resp


@router.get("/sw.js")
def service_worker(request: Request, token: str) -> Response:
    web = ctx(request)
    link: WorkerLink = request.state.link
    # what the page's check every minute compares with the stamp it was made with
    # as the page: a 410 makes the phone's check delete its copy (QA 19b #5)
    plan_id, route = _day_route(web, link)
    # the team's state and the outcomes recorded, as the page would show them now
    recorded = casework_api.outcomes_of_stops(web.store, link.city, link.day, route.stops)
    closed = casework_api.closed_cases(web.store, link.city, route.stops, by=link.day)
    note = phone_team_note(web.store.plan_params(plan_id), route,
                           casework_api.gone_of(route.stops, closed, recorded), recorded)
    known = request.query_params.get(KNOWN_PARAM)
    version = current_asset_version(web)
    body = web.templates.get_template("sw.js.j2").render(
        assets=list(asset_urls(version).values()), version=version,
        version_header=VERSION_HEADER,
        valid_until_ms=valid_until_ms(link), end_margin_ms=LINK_END_MARGIN_MS)
    exercise = clock.exercise_day()
    # no-store: the headers carry case ids and outcomes, which the browser's HTTP cache
    # would keep on disk (review 29 #3); the service worker's update check bypasses that
    # cache anyway
    headers = {"Cache-Control": "no-store", TOUR_HEADER: tour_stamp(route),
               DAY_HEADER: exercise.isoformat() if exercise else "",
               TEAM_HEADER: header_text(note)}
    if known is not None:  # the page's check: the outcomes, audited when new to the phone
        outcomes = recorded_json(link, route, recorded)
        stamp = state_stamp(outcomes)
        headers[RECORDED_HEADER] = header_text(outcomes)
        headers[RECORDED_STAMP_HEADER] = stamp
        if known != stamp:
            casework_api.audit(web.store, _actor(link), AUDIT_CHECK, city=link.city,
                               plan_id=plan_id,
                               details={"team": link.team_id, "day": link.day.isoformat()})
    return Response(body, media_type="application/javascript", headers=headers)


#: The phone's word on a recorded outcome: under „Ergebnis ändern“ and in the refusal of
#: a second one. One sentence, rendered into the page; worker.js reads it from the body's
#: ``data-korrektur`` (review 22 #11).
CORRECTION_HINT = ("Ein gespeichertes Ergebnis ändert nur die Koordination: eine Korrektur "
                   "bitte dort melden; sie berichtigt es auf der Seite des Falls.")
#: The phone's refusal of an appointment on the visit's own day (QA 28 F7). The phone
#: does not pin a visit for later today: that needs a re-plan of the running day (the
#: coordination's *Besuch verschieben oder festlegen*, at least
#: :data:`~hausbesuch.planning.workflow.MIN_PIN_LEAD_MIN` minutes ahead, then *Neu
#: planen*), so the worker records nothing yet and calls: the door was opened, so „Nicht
#: angetroffen“ would teach the at-home model a wrong try and count towards Klärung
#: (review 28 #1); the outcome is recorded at the visit the coordination fixes.
SAME_DAY_APPOINTMENT = ("Ein Termin am selben Tag geht nur über die Koordination: bitte "
                        "jetzt noch kein Ergebnis erfassen, sondern die Koordination "
                        "anrufen; sie legt den Besuch für heute fest.")
#: The phone's word after an appointment that no stored plan's route holds yet (QA 28
#: F8): the coordination re-plans (its plan page lists the appointment).
APPOINTMENT_TO_PLAN = "Termin übermittelt; die Koordination plant ihn ein."
#: Minutes in which the phone (the same link) may replace an outcome it sent itself (QA 28
#: F2: a mis-tap „Angetroffen“ for „Nicht angetroffen“ in the rain was final): counted
#: from the moment the outcome was stored (:func:`clock.now`), audited as
#: ``ergebnis_berichtigt`` with ``quelle`` telefon. After that only the coordination.
PHONE_CORRECTION_MIN = 5
#: The control above the form of a stored outcome, once the phone may no longer change it.
CORRECTION_SUMMARY = "Falsch erfasst? Korrektur bei der Koordination melden"


def correction_left_s(link: WorkerLink, known: dict) -> int:
    """Seconds in which the phone of ``link`` may still replace the recorded outcome
    ``known`` (:func:`~hausbesuch.casework.stops.outcomes_of_stops`' dict): only its own
    (sent by this link) within :data:`PHONE_CORRECTION_MIN` minutes of storing; else 0."""
    if known.get("source") != "web" or known.get("recorded_by") != _actor(link) \
            or known.get("recorded_at") is None:
        return 0
    left = PHONE_CORRECTION_MIN * 60 - (clock.now() - known["recorded_at"]).total_seconds()
    return max(0, int(left))


def correction_open_hint(left_s: int) -> str:
    """The line under „Ergebnis ändern“ while the phone may still change its outcome."""
    until = clock.now() + timedelta(seconds=left_s)
    return (f"Noch bis {until:%H:%M} Uhr kann dieses Telefon das Ergebnis selbst ändern "
            f"({PHONE_CORRECTION_MIN} Minuten nach dem Senden); danach nur die "
            "Koordination.")


#: The window in which the phone puts its time of day into „Uhrzeit des Besuchs“: from
#: this many minutes before a visit's planned start to this many after its planned end
#: (and within :data:`~hausbesuch.web.casework_api.PHONE_HOURS_MARGIN_MIN` after the
#: team's return: the server's margin); the template computes it per stop.
PHONE_TIME_BEFORE_MIN = 60
PHONE_TIME_AFTER_MIN = 90

#: What the phone's form calls the visit time (``zeit``); refusals name it so.
VISIT_TIME_LABEL = "Uhrzeit des Besuchs"


def _visit_time(text: str, day: date, now: datetime | None = None) -> int | None:
    """Minutes after midnight of the visit time the phone sends (``zeit``): ``HH:MM`` (the
    form's field, sent without script) or ``YYYY-MM-DDTHH:MM`` (worker.js: the link's day
    and the field).

    The field says when the visit was (the worker sets it; entered later in the office, it
    is the planned time or the one typed, not the time of the tap). Refused, naming the
    field (``feld``: zeit): a text that is no clock time, and on the visit day a time more
    than :data:`VISIT_TIME_AHEAD_MIN` minutes ahead of the server's clock (real time of day
    in Europe/Berlin on the day taken as today, :func:`clock.now_on_today`: in an exercise
    the ``HAUSBESUCH_HEUTE`` day, as the phone and the coordination's forms check). Empty (an
    older page), or a moment on another day than the link's (an outcome queued by an older
    version of the page, which sent the time of the tap): None, and the visit's planned
    start stands in (as the at-home model reads an outcome without time)."""
    text = (text or "").strip()
    if not text:
        return None
    day_part, _, clock_part = text.rpartition("T")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", clock_part)
    moment_day = None
    try:
        if day_part:
            moment_day = date.fromisoformat(day_part)
        if m is None or int(m[1]) > 23 or int(m[2]) > 59:
            raise ValueError
    except ValueError:
        raise CaseworkError(f"{VISIT_TIME_LABEL}: „{text[:40]}“ ist ungültig (erwartet "
                            "HH:MM, z. B. 09:30).", field="zeit") from None
    if moment_day is not None and moment_day != day:
        return None
    minute = int(m[1]) * 60 + int(m[2])
    # the phone's clock is local time (Europe/Berlin, as every time of a plan), whatever
    # zone the server's clock runs in
    now = now or clock.now_on_today()  # (an exercise's day with the real time of day)
    if day == now.date() and minute > now.hour * 60 + now.minute + VISIT_TIME_AHEAD_MIN:
        raise CaseworkError(
            f"{VISIT_TIME_LABEL}: {m[1].zfill(2)}:{m[2]} Uhr liegt in der Zukunft (jetzt "
            f"{now:%H:%M} Uhr). Bitte die Uhrzeit angeben, zu der der Besuch war.",
            field="zeit")
    return minute


def _recorded_outcome(web: WebContext, link: WorkerLink, route: TeamDayRoute,
                      client_id: str) -> dict | None:
    """The outcome recorded for the client's stop on the link's route (its live stop;
    else a called-off one), or None."""
    stops = [s for s in route.stops if s.client_id == client_id]
    stops = [s for s in stops if not s.called_off] or stops
    if not stops:
        return None
    found = casework_api.outcomes_of_stops(web.store, link.city, link.day, route.stops)
    return next((found[s.position] for s in stops if s.position in found), None)


def _same_statement(known: dict, result: str, day_text: str, time_text: str,
                    note: str) -> bool:
    """An outcome sent again with another key says what ``known`` (the visit's recorded
    outcome) says: the same result and appointment, and no note or the same one (as
    stored: :func:`~hausbesuch.casework.service.outcome_note`, a long one cut with its
    marker)."""
    if known["result"] != result:
        return False
    if result == "termin_vereinbart":
        try:
            if _appointment(day_text, time_text) != known["appointment_at"]:
                return False
        except UserError:
            return False
    note = outcome_note(note.strip())
    return not note or note == (known["note"] or "").strip()


def _appointment(day_text: str, time_text: str) -> datetime:
    """The appointment of the form's two fields: the day as ISO (the date picker) or German
    as typed (31.12.2026), the time as ``14:30`` or ``14.30 Uhr``, read as the outcome
    file's ``Termin`` is; a refusal names the field (``feld``: termin)."""
    if not day_text.strip() or not time_text.strip():
        raise CaseworkError("Für „Termin vereinbart“ bitte Datum und Uhrzeit des Termins "
                            "angeben.", field="termin")
    try:
        d = form_date(day_text, "Termin am")
    except UserError as exc:
        raise CaseworkError(str(exc), field="termin") from None
    try:
        t = parse_clock(time_text.strip())
    except FieldError as exc:
        raise CaseworkError(f"Termin um: {exc}.", field="termin") from None
    return datetime.combine(d, t)


@router.post("/ergebnis")
def record(request: Request, token: str, kundennummer: str = Form(...),
           ergebnis: str = Form(...), zeit: str = Form(""), termin_datum: str = Form(""),
           termin_zeit: str = Form(""), notiz: str = Form(""),
           schluessel: str = Form(""), statt: str = Form("")) -> Response:
    web = ctx(request)
    link: WorkerLink = request.state.link
    wants_json = "application/json" in request.headers.get("accept", "")
    correcting, replaced, own = False, "", None
    route = load_route(web.store, newest_version(web.store, link.plan_id), link.team_id,
                       link.day)
    if route is None or kundennummer not in {s.client_id for s in route.stops}:
        raise HTTPException(status_code=404, detail="Dieser Besuch gehört nicht zu diesem Link.")
    try:
        if ergebnis == IMPLICIT:
            raise UserError("Kein Ergebnis gewählt: bitte eine der Schaltflächen antippen "
                            "(die Eingabetaste speichert kein Ergebnis).")
        if ergebnis not in OUTCOME_LABELS:
            raise UserError(f"Unbekanntes Ergebnis „{ergebnis[:40]}“.")
        if ergebnis != "termin_vereinbart" and (termin_datum.strip() or termin_zeit.strip()):
            raise UserError(f"Ein Termin ist eingetragen, aber „{OUTCOME_LABELS[ergebnis]}“ "
                            "gewählt: bitte „Termin vereinbart“ wählen oder die Felder des "
                            "Termins leeren.")
        appointment = (_appointment(termin_datum, termin_zeit)
                       if ergebnis == "termin_vereinbart" else None)
        if appointment is not None and appointment.date() == link.day:
            raise CaseworkError(SAME_DAY_APPOINTMENT, field="termin")
        key = "".join(ch for ch in schluessel if ch.isalnum() or ch in "-_")[:40]
        if not key:
            raise UserError("Schlüssel der Meldung fehlt.")
        time_min = _visit_time(zeit, link.day)
        # the phone's own outcome, stored minutes ago, and this one says something else:
        # a correction (a mis-tap), within PHONE_CORRECTION_MIN of storing (QA 28 F2); a
        # note typed with the first stays when this one brings none
        own = _recorded_outcome(web, link, route, kundennummer)
        # (the key of the stored outcome with another result is no correction: refused
        # below, as a key names one sending). ``statt``: the result the phone knows it
        # replaces; a correction only of that (review 28b #1, #2): not of a result the
        # coordination has corrected since, nor from a second tab, the colleague's phone
        # or a tap queued offline before the outcome was stored (they name none)
        if own is not None and own.get("visit_id") and correction_left_s(link, own) and \
                statt and statt == own.get("result") and \
                own.get("key") != f"{link.prefix}-{key}" and \
                not _same_statement(own, ergebnis, termin_datum, termin_zeit, notiz):
            correcting = True
            casework_api.correct_outcome(
                web.store, web.profile(link.city), _actor(link), kundennummer,
                own["visit_id"], ergebnis, time_min=time_min, appointment=appointment,
                note=notiz.strip() or None, source="telefon")
            replaced = OUTCOME_LABELS.get(own["result"], own["result"])
            duplicate = False
        else:
            duplicate = casework_api.record_outcome(
                web.store, web.profile(link.city), _actor(link), kundennummer, link.day,
                ergebnis, time_min=time_min, appointment=appointment,
                note=notiz.strip() or None, idempotency_key=f"{link.prefix}-{key}",
                route=route)
    except UserError as exc:  # CaseworkError is one too
        message, field = str(exc), getattr(exc, "field", None)
        if field == "uhrzeit":  # the casework's check of the hours: the phone's field
            message, field = f"{VISIT_TIME_LABEL}: {message.removeprefix('Uhrzeit ')}", "zeit"
        # the visit has an outcome already (the phone's own first tap, sent before this
        # one; a colleague's): that is the answer, not "closed" or "record it again"
        # (a correction refused for what it says: its own reason, e.g. the appointment)
        known = None if correcting else _recorded_outcome(web, link, route, kundennummer)
        extra: dict[str, str] = {}
        if known is not None:
            if _same_statement(known, ergebnis, termin_datum, termin_zeit, notiz):
                # a second tap of the same button (queued twice): it is recorded
                if wants_json:
                    return JSONResponse({"ok": True, "doppelt": True})
                return RedirectResponse(f"./?gespeichert={quote(kundennummer, safe='')}",
                                        status_code=303)
            label = OUTCOME_LABELS.get(known["result"], known["result"])
            message = f"Schon erfasst: „{label}“. Eine Änderung bitte der Koordination melden."
            if _via_link(link, known) and not correction_left_s(link, known):
                message = (f"Schon erfasst: „{label}“ (von diesem Telefon). Die "
                           f"{PHONE_CORRECTION_MIN} Minuten zum Ändern sind vorbei: eine "
                           "Änderung bitte der Koordination melden.")
            field = "erfasst"
            # and when, and whether through this link (the pair's other phone opened the
            # same link: the phone tells its own outcome from that one, QA 28 F21)
            t = known["time_min"]
            extra = {"erfasst": label,
                     **({"erfasst_zeit": format_clock(t)} if t is not None
                        else {}),
                     **({"erfasst_link": "1"} if _via_link(link, known) else {})}
        if wants_json:  # "feld": the input the refusal is about (the page marks it);
            # "erfasst": the outcome recorded (the page tells its own first tap from a
            # colleague's: a correction tapped while the first was on its way)
            return JSONResponse({"fehler": message, "feld": field, **extra},
                                status_code=400)
        raise HTTPException(status_code=400, detail=message) from None
    # an appointment for a day of a stored plan that lacks it: only a re-plan of that
    # plan plans it; the coordination does (its plan page and *Ergebnisse* list it), the
    # phone only says that it will (QA 28 F8: it named the plan's id, a task not the team's).
    # (One ending after the shift is refused above, before storing: QA 28 F1.)
    hint = ""
    if appointment is not None and casework_api.plans_missing_appointment(
            web.store, web.profile(link.city), _actor(link), kundennummer):
        hint = APPOINTMENT_TO_PLAN
    # how long the phone may still change it (its own outcome, stored now or minutes ago)
    stored = _recorded_outcome(web, link, route, kundennummer)
    left = correction_left_s(link, stored) if stored is not None else 0
    if wants_json:  # "termin": the appointment as stored, for the phone to echo (QA 27)
        # "statt": the phone's own outcome this one replaced; "aendern_s": seconds left
        # in which the phone may change it; "aendern_hinweis": the line that says so
        return JSONResponse({"ok": True, "doppelt": duplicate,
                             **({"statt": replaced} if replaced else {}),
                             # the replaced outcome's note stays (this one brought none)
                             **({"notiz_bleibt": True} if replaced and own and own["note"]
                                and not notiz.strip() else {}),
                             "aendern_s": left,
                             **({"aendern_hinweis": correction_open_hint(left)}
                                if left else {}),
                             **({"hinweis": hint} if hint else {}),
                             **({"termin": format_moment(appointment)}
                                if appointment is not None else {})})
    return RedirectResponse(f"./?gespeichert={quote(kundennummer, safe='')}",
                            status_code=303)

