"""Coordinator pages of clients: upload a list (import report), unresolved and
street-level addresses with a map to set the point, the teams of the city."""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hausbesuch import clock, pages
from hausbesuch.auditlog import SHOWN
from hausbesuch.config import GERMANY_MIDDLE, Profile
from hausbesuch.errors import UserError
from hausbesuch.web import casework_api
from hausbesuch.web.app import ctx, load_session, render
from hausbesuch.web.auth import FRESH_AUTH_MINUTES, User, require_user
from hausbesuch.web.forms import form_date
from hausbesuch.web.pages_login import fresh_or_confirmed, needs_password, retry_after
from hausbesuch.web.pages_plans import _city_of, _session_key
from hausbesuch.web.security import ShownOnce, csrf_protect, shown_once

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: Most bytes of an uploaded file: a list of 100,000 rows (20 to 30 MB with a few dozen
#: columns and notes) must fit, as on the command line; at most the reader's limits
#: (``hausbesuch.tabular.MAX_CSV_BYTES``, 100 MB). Reverse proxies in the README allow 45 MB.
MAX_UPLOAD = 40 * 1024 * 1024
#: The routes that take a file of up to :data:`MAX_UPLOAD` bytes (every other request body
#: is limited to about 1 MB: ``hausbesuch.web.app.BodyLimit``).
UPLOAD_PATHS = ("/kunden/import", "/teams/hochladen")
SUFFIXES = (".csv", ".txt", ".xlsx")


def _upload_page(request: Request, city: str, *, status: int = 200,
                 error: str | None = None, password_refused: bool = False,
                 **context: object) -> Response:
    """The Kundenliste page; its form asks for the password when the session is not fresh
    (:func:`~hausbesuch.web.pages_login.needs_password`) or the one sent was refused
    (``password_refused``: the field is marked, not the file's)."""
    return render(request, "upload.html.j2", status=status, city=city, error=error,
                  reauth=password_refused or needs_password(request),
                  password_refused=password_refused, fresh_minutes=FRESH_AUTH_MINUTES,
                  **context)


@router.get("/kunden/import")
def upload_form(request: Request, stadt: str | None = None,
                user: User = Depends(require_user)) -> Response:
    city = _city_of(request, user, stadt)
    return _upload_page(request, city, report=None, last=_last_import(request, user, city))


def _last_import(request: Request, user: User, city: str, *,
                 output: str = "web") -> dict | None:
    """The city's last import as stored (:func:`casework_api.last_import`); showing its
    rejected rows is audited with their Kundennummern."""
    web = ctx(request)
    last = casework_api.last_import(web.store, city)
    if last is not None and last["rejected"]:
        casework_api.audit(web.store, user.name, "import_ablehnungen_angezeigt", city=city,
                           details={"ausgabe": output,
                                    SHOWN: [r["id"] for r in last["rejected"] if r["id"]]})
    return last


@router.get("/kunden/ablehnungen.csv")
def download_rejections(request: Request, stadt: str | None = None,
                        user: User = Depends(require_user)) -> Response:
    """The rows the city's last import rejected, as a CSV (row, Kundennummer, field,
    reason; no names, no addresses)."""
    city = _city_of(request, user, stadt)
    last = _last_import(request, user, city, output="csv")
    return Response(casework_api.rejections_csv(last["rejected"] if last else []),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="ablehnungen.csv"'})


class UploadRefused(Exception):
    """An upload of the wrong type or size: HTTP status and German message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def upload_name(filename: str | None, stem: str, suffix: str) -> str:
    """The name of an uploaded file as the coordinator gave it (without any folder the
    browser sent, without control characters, at most 100 characters), to name it in
    messages and on the server's disk (at most 200 bytes); ``stem`` + ``suffix`` when
    nothing of it is left."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "/\\:*?\"<>|")
    base = base.strip().lstrip(".")
    while len(base.encode()) > 200 or len(base) > 100:  # file systems allow 255 bytes
        base = base[:-len(suffix) - 1].rstrip() + base[-len(suffix):]
    if not base or Path(base).suffix.lower() != suffix:
        return f"{stem}{suffix}"
    return base


@asynccontextmanager
async def _uploaded(datei: UploadFile, suffixes: tuple[str, ...], wrong_type: str,
                    stem: str) -> AsyncIterator[Path]:
    """The uploaded file in a private temporary folder, deleted on leaving (an upload may
    hold names), under its own name (:func:`upload_name`: what messages about it say);
    :class:`UploadRefused` for another type or more than :data:`MAX_UPLOAD` bytes."""
    suffix = Path(datei.filename or "").suffix.lower()
    if suffix not in suffixes:
        raise UploadRefused(400, wrong_type)
    data = await datei.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise UploadRefused(413, f"Die Datei ist größer als {MAX_UPLOAD // 1024 // 1024} MB.")
    with tempfile.TemporaryDirectory(prefix="hausbesuch-upload-") as tmp:
        path = Path(tmp) / upload_name(datei.filename, stem, suffix)
        path.write_bytes(data)
        yield path


@router.post("/kunden/import")
async def upload(request: Request, datei: UploadFile, stadt: str = Form(""),
                 passwort: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Import an uploaded client list. It writes the city's cases (new ones, changed
    addresses, cases no longer on the list): unless the session logged in or confirmed
    its password in the last :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, the
    password is asked first (ASVS V3.7.1; :func:`fresh_or_confirmed`, checked as a login,
    before the file is looked at)."""
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    # (the password check hashes: in a worker thread as the import, not on the event loop)
    if (failed := await run_in_threadpool(fresh_or_confirmed, request, user, passwort,
                                          "zum Einlesen der Kundenliste")) is not None:
        status, msg = failed
        resp = _upload_page(request, city, status=status, report=None, password_refused=True,
                            error=msg if status == 403 else
                            f"{msg} Die Liste wurde nicht eingelesen.")
        return retry_after(request, resp) if status == 429 else resp
    try:
        async with _uploaded(datei, SUFFIXES, "Bitte eine CSV- oder XLSX-Datei hochladen.",
                             "liste") as path:
            try:
                # geocoding and storing a long list takes seconds: in a worker thread,
                # so that the server answers everyone else meanwhile
                report = await run_in_threadpool(
                    casework_api.import_clients, web.store, web.profile(city), str(path),
                    user.name, name=path.name)
            except UserError as exc:
                return _upload_page(request, city, status=400, report=None, error=str(exc))
    except UploadRefused as exc:
        return _upload_page(request, city, status=exc.status, report=None, error=exc.message)
    return _upload_page(request, city, report=report,
                        last=casework_api.last_import(web.store, city))


@router.get("/adressen")
def addresses(request: Request, stadt: str | None = None, kundennummer: str | None = None,
              user: User = Depends(require_user)) -> Response:
    """The addresses to review; ``kundennummer``: that one case alone, whatever its status
    and however its point was set, to correct it (the link of its case page)."""
    city = _city_of(request, user, stadt)
    if kundennummer is not None and kundennummer.strip():
        return _addresses_page(request, user, stadt, case=kundennummer.strip())
    key = request.query_params.get("gespeichert")
    # the confirmation of a fix this session has just saved (:func:`_saved_fixes`), shown
    # once; it names what is stored (read back, never text of the link)
    item = _saved_fixes(request).take(key, _session_key(request), city) if key else None
    shown = casework_api.stored_fix(ctx(request).store, city, item[0]) if item else None
    return _addresses_page(request, user, stadt,
                           saved=(item[0], SAVED_WHAT.get(item[1], "Korrektur"), shown,
                                  item[2] if len(item) > 2 else "")
                           if item and shown is not None else None)


#: what a fix stored, as the page says it (the kind of fix the saving form sent)
SAVED_WHAT = {"adresse": "Adresse", "punkt": "Punkt", "vorschlag": "Vorgeschlagene Adresse"}
#: Seconds a saved fix's confirmation waits for its one display after "Speichern".
SAVED_FIX_SECONDS = 300


def _saved_fixes(request: Request) -> ShownOnce[tuple[str, str, str]]:
    """Confirmations of saved address fixes (case id, kind of fix, the note on a visit
    still planned at the old place or "") waiting for their one
    display. Saving a fix redirects to the address page with the entry's random key
    (``?gespeichert=<key>``), never the case id: the page confirms what is stored for that
    case once (its audit row names the case). A key that is unknown, another session's or
    city's, shown already or too old shows nothing (:class:`ShownOnce`): a link cannot
    read any case's stored fix (it could, by its case id, until QA round 16 b)."""
    return shown_once(ctx(request).extra, "saved_fixes", SAVED_FIX_SECONDS)


def _addresses_page(request: Request, user: User, stadt: str | None, *, status: int = 200,
                    saved: tuple[str, str, str, str] | None = None,
                    failed: dict[str, str] | None = None,
                    case: str | None = None) -> Response:
    """The address page; ``failed`` is a fix that was refused: the client id, the German
    message and the fields as typed (shown again at that client's form, also when it is
    not a row of the list: a case opened by its id); ``case``: that case alone (404 when
    the city does not know it)."""
    from hausbesuch.casework.service import ForeignExtractError

    web = ctx(request)
    city = _city_of(request, user, stadt)
    profile = web.profile(city)
    try:
        return _addresses_shown(request, user, city, profile, status=status, saved=saved,
                                failed=failed, case=case)
    except ForeignExtractError as exc:
        # the city's extract covers another area (its profile names another town's
        # file): no case, no suggestion, no map from it; the message says so, nothing
        # is shown, stored or audited (QA 28)
        return render(request, "addresses.html.j2", status=503 if status == 200 else status,
                      city=city, rows=[], total=0, more=0, case=None,
                      tile_url=profile.map.tile_url, attribution=profile.map.attribution,
                      depot=None, saved=None, failed=None, failed_here=False,
                      street=[], refused=str(exc))


def _addresses_shown(request: Request, user: User, city: str, profile: Profile, *, status: int,
                     saved: tuple[str, str, str, str] | None,
                     failed: dict[str, str] | None,
                     case: str | None) -> Response:
    """The address page of :func:`_addresses_page` (its arguments) over the city's
    extract; :class:`ForeignExtractError` when that covers another area."""
    from hausbesuch.casework import CaseworkError
    from hausbesuch.casework.service import ForeignExtractError
    from hausbesuch.web.pages_cases import _unknown

    web = ctx(request)
    street: list[dict[str, str]] = []  # fixes found at street level only (QA 31)
    if case is not None:
        try:
            rows = [casework_api.address_row(web.store, profile, user.name, case)]
        except ForeignExtractError:
            raise
        except CaseworkError as exc:
            raise HTTPException(status_code=404,
                                detail=_unknown(request, user, case, exc)) from None
    else:
        rows, street = casework_api.address_review(web.store, profile, user.name)
        if failed is not None and all(r["client_id"] != failed["client_id"] for r in rows):
            with contextlib.suppress(CaseworkError):  # a case opened by its id: its
                rows.append(casework_api.address_row(  # form again, with the message
                    web.store, profile, user.name, failed["client_id"]))
    # at most pages.MAX_INDEX_ROWS rows, as the plan view's tables (a big city's 14,000
    # addresses made a page of 17 MB that did not load); a refused fix's row always
    cap = pages.MAX_INDEX_ROWS  # read per request
    total = len(rows)
    if total > cap:
        keep = {failed["client_id"]} if failed is not None else set()
        rows = rows[:cap] + [r for r in rows[cap:] if r["client_id"] in keep]
    shown = [r["client_id"] for r in rows] + [r["client_id"] for r in street]
    if saved is not None and saved[0] not in shown:  # the confirmation names its fix
        shown.append(saved[0])
    casework_api.audit(web.store, user.name, "adressen_angezeigt", city=city, details={
        "ansicht": "web", SHOWN: shown})
    return render(request, "addresses.html.j2", status=status, city=city, rows=rows,
                  total=total, more=total - len(rows), case=rows[0] if case else None,
                  tile_url=profile.map.tile_url, attribution=profile.map.attribution,
                  depot=casework_api.map_center(web.store, profile, user.name),
                  saved=saved, failed=failed, street=street,
                  failed_here=failed is not None
                  and any(r["client_id"] == failed["client_id"] for r in rows))


def _form_point(breite: str, laenge: str,
                example: Callable[[], tuple[float, float] | None]) -> tuple[float, float]:
    """(lon, lat) from the form's Breite and Länge (decimal point or comma); ``example()``:
    (lat, lon) of a point of the city for the message (the depot), None if unknown."""
    try:
        lat, lon = float(breite.replace(",", ".")), float(laenge.replace(",", "."))
    except ValueError:
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon)):
        at = example() or GERMANY_MIDDLE
        raise UserError(f"Breite und Länge als Zahlen angeben (z. B. {at[0]:.4f} und "
                        f"{at[1]:.4f}), eine Adresse eingeben oder einen Vorschlag wählen.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"Breite {_as_typed(breite)} und Länge {_as_typed(laenge)} sind keine "
                        "Koordinaten (Breite von -90 bis 90, Länge von -180 bis 180).")
    return lon, lat


def _as_typed(number: str) -> str:
    """A number of the point form as the user typed it („52,52“, not ``52.52000``), for a
    refusal's echo; cut to 20 characters."""
    number = number.strip()
    return number if len(number) <= 20 else number[:20] + "…"


#: Most characters of a typed address a message about it repeats (then „…“).
ECHO_CHARS = 200


def _echo_capped(message: str, typed: str) -> str:
    """A refused fix's message with the typed text (and every quoted part of it the
    geocoder names, such as the street) cut to :data:`ECHO_CHARS` characters."""
    def cut(text: str) -> str:
        return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS].rstrip() + "…"

    if len(typed) > ECHO_CHARS:
        message = message.replace(typed, cut(typed))
    message = re.sub(f"„([^“]{{{ECHO_CHARS + 1},}})“", lambda m: f"„{cut(m.group(1))}“",
                     message)
    return message if len(message) <= 6 * ECHO_CHARS else message[:6 * ECHO_CHARS] + "…"


@router.post("/adressen/{client_id:path}")  # a case id may hold "/"
def fix(request: Request, client_id: str, breite: str = Form(""), laenge: str = Form(""),
        adresse: str = Form(""), vorschlag: str = Form(""), vorschlag_adresse: str = Form(""),
        stadt: str = Form(""), stand: str = Form(""), ansicht: str = Form(""),
        user: User = Depends(require_user)) -> Response:
    """Store a fix: a suggestion (its number), an address text, or the point of the map.
    A refused fix shows the address page again (400) with the message at that client's
    form and the fields as typed; an address not found, with what the geocoder suggests
    for it as the row's buttons (``vorschlag_adresse``: its text, taken at the typed
    house number; QA 26 F6: they were text only, and the buttons offered the stored
    address's suggestions).

    ``stand``: the stamp of the case's fix the page showed (its row's ``stand``). When
    the case was fixed since (a colleague on her own page, QA 38 F1), nothing is stored:
    the page comes again (409) with the message naming that fix, by whom and when, the
    fields as typed and the new stamp, so that sending again stores on purpose. A form
    without the field (a page from before, a script) is refused so too: it cannot tell
    what its sender saw, and storing it would overwrite unseen what the check is there
    to protect; the page it gets back carries the field.

    ``ansicht=fall``: the form of the single-address view (``?kundennummer=``); a refused
    fix comes back to that view, not to the list (QA 45a F4)."""
    from hausbesuch.casework.service import StaleFormError

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    view = client_id if ansicht == "fall" else None
    try:
        if vorschlag_adresse.strip():
            kwargs = {"address": vorschlag_adresse.strip()[:300],
                      "suggested_for": adresse.strip()[:300] or None}
            what = "vorschlag"
        elif vorschlag.strip():
            try:
                kwargs: dict = {"suggestion": int(vorschlag)}
            except ValueError:
                raise UserError("Diesen Vorschlag gibt es nicht.") from None
            what = "vorschlag"
        elif adresse.strip():
            kwargs, what = {"address": adresse.strip()}, "adresse"
        else:
            kwargs, what = {"point": _form_point(breite, laenge, lambda: casework_api.map_center(
                web.store, web.profile(city), user.name)),
                "point_as_typed": (_as_typed(breite), _as_typed(laenge))}, "punkt"
        note = casework_api.fix_address(web.store, web.profile(city), user.name, client_id,
                                        seen=stand.strip()[:64], **kwargs)
    except StaleFormError as exc:  # not stored (and so not audited): the page again
        return _addresses_page(request, user, city, status=409, case=view, failed={
            "client_id": client_id, "message": _echo_capped(str(exc), adresse.strip()),
            "adresse": adresse[:300], "breite": breite[:40], "laenge": laenge[:40],
            "suggestions": [], "stale": True})
    except UserError as exc:
        offered = [x[:300] for x in getattr(exc, "suggestions", ())[:10]]
        message = str(exc)
        if offered:  # the buttons of the row show them: the message points there
            message = message.split(" Vorschläge: ", 1)[0] + " Vorschläge siehe unten."
        # ``stand``: the stamp sent, not the one of now: the form, sent again, still
        # says what its page showed (a fix meanwhile is told then, not overwritten)
        return _addresses_page(request, user, city, status=400, case=view, failed={
            "client_id": client_id, "message": _echo_capped(message, adresse.strip()),
            "adresse": adresse[:300], "breite": breite[:40], "laenge": laenge[:40],
            "suggestions": offered, "stand": stand.strip()[:64]})
    key = _saved_fixes(request).put(_session_key(request), city, (client_id, what, note or ""))
    return RedirectResponse(f"/adressen?gespeichert={key}&stadt={quote(city, safe='')}",
                            status_code=303)


@router.get("/teams")
def teams(request: Request, stadt: str | None = None,
          user: User = Depends(require_user)) -> Response:
    return _teams_page(request, user, stadt, saved=request.query_params.get("gespeichert"))


def _teams_page(request: Request, user: User, stadt: str | None, *, status: int = 200,
                error: str | None = None, saved: str | None = None,
                teams_error: str | None = None,
                typed: dict[str, str] | None = None) -> Response:
    """The teams page; ``typed``: the absence form as it was sent (refused: shown again)."""
    from hausbesuch import absences
    from hausbesuch.fields import format_clock
    from hausbesuch.team_store import current_teams
    from hausbesuch.teams import at_profile_depot

    web = ctx(request)
    city = _city_of(request, user, stadt)
    profile = web.profile(city)
    now = current_teams(web.store, profile)
    team_list = at_profile_depot(profile, now.teams)
    today = clock.today()
    away = absences.ranges(absences.listed(web.store, city, today - timedelta(days=7)))
    return render(request, "teams.html.j2", status=status, city=city, teams=team_list,
                  clock=format_clock, absences=away, today=today, error=error, saved=saved,
                  stored=(now.source, now.updated_at) if now.source is not None else None,
                  teams_error=teams_error, typed=typed or {})


def _form_day(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    return form_date(text, what)  # ISO from the date picker, or German as typed


def _change_absence(request: Request, user: User, stadt: str, team: str, von: str,
                    bis: str, *, remove: bool) -> Response:
    """Enter or take back a team's absence from the teams page's forms; a German error on
    the page (400) when the entry is wrong."""
    from hausbesuch import absences
    from hausbesuch.team_store import city_teams

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    try:
        first = _form_day(von, "Von")
        if first is None:
            raise UserError("Von: bitte den ersten Tag der Abwesenheit angeben.")
        last = _form_day(bis, "Bis")
        if remove:
            if not absences.remove(web.store, city, team, first, last, actor=user.name):
                raise UserError(absences.nothing_to_remove(team))
        else:
            absences.add(web.store, city, team, first, last,
                         teams=city_teams(web.store, web.profile(city)), actor=user.name)
    except UserError as exc:
        # the entry is shown again as typed (dates as the date field sends them)
        return _teams_page(request, user, city, status=400, error=str(exc),
                           typed={"team": team[:64], "von": von[:10], "bis": bis[:10]})
    return RedirectResponse(f"/teams?gespeichert=1&stadt={quote(city)}", status_code=303)


@router.post("/teams/abwesenheit")
def add_absence(request: Request, team: str = Form(""), von: str = Form(""),
                bis: str = Form(""), stadt: str = Form(""),
                user: User = Depends(require_user)) -> Response:
    """Mark a team absent for a day or a range (the next plans give it no shift then)."""
    return _change_absence(request, user, stadt, team, von, bis, remove=False)


@router.post("/teams/abwesenheit/loeschen")
def remove_absence(request: Request, team: str = Form(""), von: str = Form(""),
                   bis: str = Form(""), stadt: str = Form(""),
                   user: User = Depends(require_user)) -> Response:
    return _change_absence(request, user, stadt, team, von, bis, remove=True)


TEAM_SUFFIXES = (".csv", ".txt", ".xlsx", ".toml")


@router.post("/teams/hochladen")
async def upload_teams(request: Request, datei: UploadFile, stadt: str = Form(""),
                       user: User = Depends(require_user)) -> Response:
    """Set the city's teams from a file in the ``--teams`` format (CSV, XLSX or TOML)."""
    from hausbesuch.team_store import save_teams

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    try:
        async with _uploaded(datei, TEAM_SUFFIXES,
                             "Bitte eine CSV-, XLSX- oder TOML-Datei hochladen.", "teams") as path:
            try:
                await run_in_threadpool(save_teams, web.store, web.profile(city), path,
                                        actor=user.name, source=path.name)
            except UserError as exc:
                return _teams_page(request, user, city, status=400, teams_error=str(exc))
    except UploadRefused as exc:
        return _teams_page(request, user, city, status=exc.status, teams_error=exc.message)
    return RedirectResponse(f"/teams?gespeichert=teams&stadt={quote(city)}", status_code=303)


@router.post("/teams/zuruecksetzen")
def reset_city_teams(request: Request, stadt: str = Form(""),
                     user: User = Depends(require_user)) -> Response:
    """Back to the teams of the city's profile."""
    from hausbesuch.team_store import reset_teams

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    reset_teams(web.store, web.profile(city), actor=user.name)
    return RedirectResponse(f"/teams?gespeichert=teams&stadt={quote(city)}", status_code=303)


@router.get("/teams.csv")
def download_teams(request: Request, stadt: str | None = None,
                   user: User = Depends(require_user)) -> Response:
    """The city's current teams as a CSV in the upload format (to edit and upload)."""
    from hausbesuch.team_store import base_teams, teams_csv

    web = ctx(request)
    city = _city_of(request, user, stadt)
    return Response(teams_csv(base_teams(web.store, web.profile(city))),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="teams.csv"'})
