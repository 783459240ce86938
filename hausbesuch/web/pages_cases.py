"""Coordinator page of one case: its status with the reason, history, outcomes and the
visits still planned for it, and the form that sets the status by hand, as
``hausbesuch status KUNDENNUMMER --set STATUS --reason GRUND`` does (the same casework
service: status history and the audit row ``status_geaendert``; viewing the page is
audited as ``fall_angezeigt``, as ``status`` is)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from hausbesuch.casework import CaseworkError
from hausbesuch.casework.rules import MAX_REASON_LENGTH
from hausbesuch.casework.service import MAX_NOTE_LENGTH, id_may_be_shown
from hausbesuch.errors import UserError
from hausbesuch.safe_cells import CUT_MARKER, shorten
from hausbesuch.web import casework_api
from hausbesuch.web.app import ctx, echo, load_session, render
from hausbesuch.web.auth import FRESH_AUTH_MINUTES, User, audit_refused, require_user
from hausbesuch.web.pages_login import fresh_or_confirmed, needs_password, retry_after
from hausbesuch.web.pages_plans import _city_of
from hausbesuch.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: Most characters of the reason given with a status (it goes into the status history),
#: as ``hausbesuch status --reason`` takes it.
MAX_REASON = MAX_REASON_LENGTH
#: Most characters of an outcome's note typed on the case page (a longer one is refused;
#: an outcomes file's or the phone's longer note is cut to it, ending in „[…gekürzt]“).
MAX_NOTE = MAX_NOTE_LENGTH
#: The confirmation after an outcome form (``?ergebnis=…``).
OUTCOME_SAVED = {
    "berichtigt": "Ergebnis berichtigt.",
    "berichtigt-status-bleibt": "Ergebnis berichtigt; der von Hand gesetzte Status bleibt.",
    "unveraendert": "Das Ergebnis war schon so gespeichert; nichts geändert.",
    "nachgetragen": "Ergebnis nachgetragen.",
    "nachgetragen-abgesagt": ("Ergebnis des abgesagten Besuchs nachgetragen; der Besuch gilt "
                              "als durchgeführt."),
}
#: The confirmation after the „andere Person“ form (``?person=…&andere=…``): the words,
#: and whether the pair is marked then (the message is shown only when it is so).
PERSON_SAVED = {
    "vermerkt": ("{a} und {b} als zwei Personen vermerkt: der Hinweis „doppelt angelegt?“ "
                 "entfällt für dieses Paar.", True),
    "schon-vermerkt": ("{a} und {b} waren schon als zwei Personen vermerkt; nichts "
                       "geändert.", True),
    "zurueck": ("Vermerk zu {a} und {b} zurückgenommen: das Paar gilt wieder als vielleicht "
                "doppelt angelegt.", False),
    "nicht-vermerkt": ("{a} und {b} waren nicht als zwei Personen vermerkt; nichts "
                       "geändert.", False),
}
#: Added to the confirmation when the replaced or deleted note could not be removed from
#: the database's files at once (``?notiz=nicht-verdichtet``; review 22 #7).
NOTE_NOT_RECLAIMED = ("Hinweis: die alte Notiz steht noch in den Dateien der Datenbank, bis "
                      "diese verdichtet wird (sie war gerade in Gebrauch). Bitte dem Betrieb "
                      "melden.")


def _unknown(request: Request, user: User, client_id: str, exc: CaseworkError) -> str:
    """The message for a case id the city does not know: the casework's German one (with
    its hint for lost leading zeros). An id that only another city holds, which the
    account may not see, gets the same answer and is audited as a refused access
    (objects of other cities do not exist for her)."""
    others = sorted(c for c in casework_api.case_cities(ctx(request).store, client_id)
                    if not user.sees(c))
    if others:
        audit_refused(request, "andere Stadt", city=others[0])
    return str(exc)


def _case_url(client_id: str, city: str, **query: str) -> str:
    extra = "".join(f"&{k}={quote(v, safe='')}" for k, v in query.items())
    return f"/faelle/{quote(client_id, safe='')}?stadt={quote(city, safe='')}{extra}"


@router.get("/faelle")
def case_form(request: Request, stadt: str | None = None, status: str = "",
              seite: str = "1", user: User = Depends(require_user)) -> Response:
    """The form to open a case by its Kundennummer, the city's cases counted by status,
    and with ``status`` the list of the cases of that status (:func:`_cases_page`)."""
    city = _city_of(request, user, stadt)
    return _cases_page(request, user, city, status=status, page=seite)


def _cases_page(request: Request, user: User, city: str, *, status: str = "",
                page: str = "1", http_status: int = 200, **context: object) -> Response:
    """*Fälle* without a case: the search form, how many of the city's cases have each
    status, and with a known ``status`` one page (``page``, from 1) of those cases (id,
    status, since when, reason; never a name). A list shown is one audit row
    (``faelle_aufgelistet``: the status and the ids shown), as a case view is one."""
    from hausbesuch.auditlog import SHOWN

    web = ctx(request)
    counts = casework_api.status_counts(web.store, city)
    listed, pages, number = None, 1, 1
    if status in counts:
        per_page = casework_api.CASES_PER_PAGE
        pages = max(1, -(-counts[status] // per_page))
        number = min(max(int(page) if page.isdigit() else 1, 1), pages)
        listed = casework_api.cases_of_status(web.store, city, status, number)
        casework_api.audit(web.store, user.name, "faelle_aufgelistet", city=city, details={
            "fallstatus": status, SHOWN: [r["client_id"] for r in listed]})
    context.setdefault("typed", "")
    return render(request, "case.html.j2", status=http_status, city=city, case=None,
                  counts=counts, statuses=casework_api.status_choices(), listed=listed,
                  chosen_status=status if listed is not None else "", page=number,
                  pages=pages, per_page=casework_api.CASES_PER_PAGE, **context)


@router.post("/faelle")
def find_case(request: Request, kundennummer: str = Form(""), stadt: str = Form(""),
              user: User = Depends(require_user)) -> Response:
    """Open a case by its Kundennummer (the form on this page). A POST, so that what was
    typed (perhaps a name, by mistake) never stands in a URL, the browser's history or a
    proxy's log; a known case is then opened by its id (303)."""
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    typed = kundennummer.strip()
    if not typed:
        return _cases_page(request, user, city)
    try:
        known = casework_api.case_id(web.store, web.profile(city), user.name, typed)
    except CaseworkError as exc:
        # an unknown id the list's import would refuse (a name, a street, five letters
        # in a row, not the city's kundennummer_muster) is neither repeated in the message
        # nor put back into the field (casework.service.id_may_be_shown)
        pattern = web.profile(city).casework.id_form()["id_pattern"]
        return _cases_page(request, user, city, http_status=404,
                           typed=echo(typed) if id_may_be_shown(typed, pattern) else "",
                           error=_unknown(request, user, typed, exc))
    return RedirectResponse(_case_url(known, city), status_code=303)


def _case_page(request: Request, user: User, city: str, client_id: str, *,
               status: int = 200, error: str | None = None, reason: str = "",
               outcome_error: dict[str, str] | None = None, chosen: str = "",
               password_refused: bool = False, stand: str = "", open_visit: str = "",
               disclosure_error: str | None = None, person_error: str | None = None
               ) -> Response:
    """The case page; ``chosen``: the status chosen in a refused form (else the case's);
    ``stand``: the stamp that form sent (else the case's now), so that, sent again, it
    still says what its page showed;
    its status form asks for the password when the session is not fresh
    (:func:`~hausbesuch.web.pages_login.needs_password`) or the one sent was refused
    (``password_refused``: the field is marked); ``disclosure_error``: why the
    *Auskunft* form (admins only) was refused (its password field is then marked)."""
    web = ctx(request)
    try:
        case = casework_api.case_view(web.store, web.profile(city), user.name, client_id)
    except CaseworkError as exc:
        raise HTTPException(status_code=404,
                            detail=_unknown(request, user, client_id, exc)) from None
    casework_api.audit(web.store, user.name, "fall_angezeigt", city=city,
                       client_id=case["client_id"])
    # the confirmation after setting names what is stored (not text from the link)
    done = request.query_params.get("gesetzt")
    saved = (f"Status „{case['status_word']}“ gesetzt." if done == "1"
             else f"Der Status war schon „{case['status_word']}“; nichts geändert."
             if done == "0" else None)
    # after an outcome form: what is stored now (codes from the link, not its text)
    outcome_done = OUTCOME_SAVED.get(request.query_params.get("ergebnis", ""))
    if outcome_done:
        saved = outcome_done + f" Status jetzt: „{case['status_word']}“."
        ids = [v for v in request.query_params.get("alter_besuch", "").split(",") if v]
        if ids:  # only what a stored plan still holds now (the link only names visits)
            saved += "".join(" " + note for note in casework_api.old_visit_notes(
                web.store, web.profile(city), user.name, case["client_id"], ids))
        if request.query_params.get("notiz") == "nicht-verdichtet":
            saved += " " + NOTE_NOT_RECLAIMED
    # one person under two ids? the pairs checked, and those still to check (no name)
    persons = casework_api.other_persons(web.store, web.profile(city), user.name,
                                         case["client_id"])
    person_done = None  # (said only as the store has it: the link names no more)
    said, marked = PERSON_SAVED.get(request.query_params.get("person", ""), ("", None))
    other = request.query_params.get("andere", "")[:64]
    if said and other and (other in {m["id"] for m in persons["marked"]}) is marked:
        person_done = said.format(a=case["client_id"], b=other)
    return render(request, "case.html.j2", status=status, city=city, case=case,
                  persons=persons, person_done=person_done, person_error=person_error,
                  statuses=casework_api.status_choices(), saved=saved, error=error,
                  reason=reason, max_reason=MAX_REASON, chosen=chosen,
                  results=casework_api.result_choices(), outcome_error=outcome_error or {},
                  reauth=password_refused or needs_password(request),
                  password_refused=password_refused, fresh_minutes=FRESH_AUTH_MINUTES,
                  stand=stand or case["status_stand"], disclosure_error=disclosure_error,
                  open_visit=open_visit)


@router.post("/fall-ergebnis")
def case_outcome(request: Request, kundennummer: str = Form(""), stadt: str = Form(""),
                 aktion: str = Form(""), besuch: str = Form(""), ergebnis: str = Form(""),
                 uhrzeit: str = Form(""), termin: str = Form(""), notiz: str = Form(""),
                 notiz_loeschen: str = Form(""), abgesagt: str = Form(""),
                 stand: str = Form(""), user: User = Depends(require_user)) -> Response:
    """„Ergebnis berichtigen“ (``aktion=berichtigen``: a recorded outcome) or „Ergebnis
    nachtragen“ (``aktion=nachtragen``: a visit up to today without one; ``abgesagt``: the
    form of a visit called off since its plan, recorded anyway as ``hausbesuch outcomes``
    takes it) on the case page: result, the visit's time on its day, an appointment for
    „Termin vereinbart“, an optional note (berichtigen: empty keeps the stored one,
    ``notiz_loeschen`` deletes it), as the casework service checks them (the rows of an
    outcomes file); audited there. ``stand``: what the page showed of the outcome
    corrected (:func:`~hausbesuch.casework.service.outcome_stamp`); changed since, the
    page comes again (409) naming it now, what was typed kept (QA 38 F1). A refused entry shows the page again (400) with the message naming
    the field, next to the visit's form. The case id comes in the form, not the path."""
    from hausbesuch.casework.service import StaleFormError
    from hausbesuch.clients import parse_clock_minutes
    from hausbesuch.fields import FieldError, parse_datetime

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    client_id = kundennummer.strip()
    if aktion not in ("berichtigen", "nachtragen"):
        raise HTTPException(status_code=400, detail="Unbekannte Aktion.")
    old_visits = ""  # visits at a corrected appointment a stored plan still holds
    # a refused form is shown again with what was typed, so that only the field named
    # needs fixing (QA 26 F2: it fell back to the stored values, and a message about an
    # appointment stood next to a form without one)
    # (a note too long shown cut as the store cuts one, with its marker: not silently)
    typed = {"ergebnis": ergebnis[:40], "uhrzeit": uhrzeit.strip()[:20],
             "termin": termin.strip()[:40], "notiz": shorten(notiz.strip(), MAX_NOTE),
             "notiz_loeschen": bool(notiz_loeschen)}
    extra: dict[str, str] = {}
    try:
        if not ergebnis.strip():  # „– bitte wählen –“ (QA 45a F1: not „unbekanntes Ergebnis „““)
            raise UserError("Ergebnis: bitte ein Ergebnis wählen.")
        if not uhrzeit.strip():
            raise UserError("Uhrzeit des Besuchs: bitte angeben (z. B. 09:30).")
        try:
            minute = parse_clock_minutes(uhrzeit.strip())
        except FieldError as exc:
            raise UserError(f"Uhrzeit des Besuchs: {exc}.") from None
        appointment = None
        if termin.strip():
            try:
                appointment = parse_datetime(termin.strip())
            except (FieldError, ValueError) as exc:
                raise UserError(f"Termin: {exc}.") from None
        if len(notiz.strip()) > MAX_NOTE:
            raise UserError(f"Notiz: höchstens {MAX_NOTE} Zeichen, erhalten "
                            f"{len(notiz.strip())}; das Feld zeigt sie gekürzt (endet mit "
                            f"„{CUT_MARKER.strip()}“).")
        note = notiz.strip() or None
        if aktion == "berichtigen":
            fix = casework_api.correct_outcome(
                web.store, web.profile(city), user.name, client_id, besuch, ergebnis,
                time_min=minute, appointment=appointment, note=note,
                clear_note=bool(notiz_loeschen), seen=stand.strip()[:40])
            if fix.reclaimed is False:  # the old text still in the database's files
                extra["notiz"] = "nicht-verdichtet"
            done = ("unveraendert" if not fix.changed else "berichtigt-status-bleibt"
                    if fix.status_kept else "berichtigt")
            known = fix.client_id
            # its id (no name) in the link; the page reads whether it is still planned
            # (review 22 #4)
            old_visits = ",".join(vid for vid, _at, _plan in fix.old_visits)
        else:
            # the confirmation as stored (a visit planned again since takes the outcome
            # as a planned one, whatever the form said)
            done = casework_api.enter_outcome(
                web.store, web.profile(city), user.name, client_id, besuch, ergebnis,
                time_min=minute, appointment=appointment, note=note,
                called_off=bool(abgesagt))
            known = casework_api.case_id(web.store, web.profile(city), user.name, client_id)
    except StaleFormError as exc:  # changed since the page was loaded: the stamp of now
        return _case_page(request, user, city, client_id, status=409, outcome_error={
            "visit_id": besuch, "text": str(exc), "field": "", "typed": typed})
    except CaseworkError as exc:
        if "nicht bekannt" in str(exc):  # an unknown case: nothing changed
            raise HTTPException(status_code=404,
                                detail=_unknown(request, user, client_id, exc)) from None
        text = _named(exc)
        return _case_page(request, user, city, client_id, status=400, outcome_error={
            "visit_id": besuch, "text": text, "field": exc.field or _field_named(text),
            "typed": typed, "stand": stand.strip()[:40]})
    except UserError as exc:
        text = str(exc)
        return _case_page(request, user, city, client_id, status=400, outcome_error={
            "visit_id": besuch, "text": text, "field": _field_named(text) or "notiz",
            "typed": typed, "stand": stand.strip()[:40]})
    if old_visits:
        extra["alter_besuch"] = old_visits
    return RedirectResponse(_case_url(known, city, ergebnis=done, **extra) + "#ergebnisse",
                            status_code=303)


@router.post("/fall-auskunft")
def case_disclosure(request: Request, kundennummer: str = Form(""), stadt: str = Form(""),
                    passwort: str = Form(""), user: User = Depends(require_user)) -> Response:
    """„Auskunft (Art. 15 DSGVO) erstellen“ on the case page, for admins only: the text
    ``hausbesuch disclose`` writes, as a download named by the case id only
    (``auskunft-K-1042.txt``), built in memory (nothing stays on the server's disk),
    ``no-store``; audited as the command audits it (``auskunft_erteilt``,
    :func:`casework_api.disclosure`). It holds name, address and notes: unless the
    session logged in or confirmed its password in the last
    :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, the password is asked first
    (:func:`fresh_or_confirmed`). A coordinator is refused (403, audited). The case id
    comes in the form, not the path."""
    from hausbesuch.casework.disclosure import download_name

    if not user.is_admin:
        audit_refused(request, "nur für Administratoren", city=user.city)
        raise HTTPException(status_code=403,
                            detail="Eine Auskunft erstellen nur Administratoren.")
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    client_id = kundennummer.strip()
    if (failed := fresh_or_confirmed(request, user, passwort,
                                     "zum Erstellen der Auskunft")) is not None:
        code, msg = failed
        resp = _case_page(request, user, city, client_id, status=code,
                          disclosure_error=msg if code == 403 else
                          f"{msg} Es wurde keine Auskunft erstellt.")
        return retry_after(request, resp) if code == 429 else resp
    try:
        known, text = casework_api.disclosure(web.store, web.profile(city), user.name,
                                              client_id)
    except CaseworkError as exc:
        raise HTTPException(status_code=404,
                            detail=_unknown(request, user, client_id, exc)) from None
    name = download_name(known)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(text.encode("utf-8"), media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "no-store"})


@router.post("/fall-andere-person")
def case_other_person(request: Request, kundennummer: str = Form(""), stadt: str = Form(""),
                      andere: str = Form(""), zurueck: str = Form(""),
                      user: User = Depends(require_user)) -> Response:
    """„Andere Person“ on the case page: the case and ``andere`` (same name at the same
    door) are two people, checked in the case-management system, as ``hausbesuch status
    ID --other-person ID`` marks it (``zurueck`` = 1: ``--undo``); audited by the
    casework (``andere_person``, both ids). The import's and the plan's note „doppelt
    angelegt?“ then leaves the pair out. A refusal shows the page again (400)."""
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    client_id, other = kundennummer.strip(), andere.strip()
    try:
        known, changed = casework_api.mark_other_person(
            web.store, web.profile(city), user.name, client_id, other, undo=zurueck == "1")
    except CaseworkError as exc:  # (the case itself unknown: before anything changed)
        raise HTTPException(status_code=404,
                            detail=_unknown(request, user, client_id, exc)) from None
    except UserError as exc:
        return _case_page(request, user, city, client_id, status=400,
                          person_error=str(exc))
    undo = zurueck == "1"
    done = ("zurueck" if changed else "nicht-vermerkt") if undo else (
        "vermerkt" if changed else "schon-vermerkt")
    stored = casework_api.case_id(web.store, web.profile(city), user.name, other)
    return RedirectResponse(_case_url(known, city, person=done, andere=stored)
                            + "#andere-person", status_code=303)


#: The outcome form's fields by the label a message starts with („Ergebnis: …“).
_OUTCOME_FIELDS = {"Ergebnis": "ergebnis", "Uhrzeit": "uhrzeit", "Termin": "termin",
                   "Notiz": "notiz"}


def _field_named(text: str) -> str:
    """The outcome form's field a message is about, by the label it starts with (the
    casework names the result's refusal „Ergebnis: …“ without setting its field: QA 45a
    F1), or "" when it names none."""
    return next((name for label, name in _OUTCOME_FIELDS.items()
                 if text.startswith(label)), "")


def _named(exc: CaseworkError) -> str:
    """The casework's message with the form field it is about in front, as the form
    names it („Uhrzeit des Besuchs: …“), unless the message starts with it."""
    label = {"uhrzeit": "Uhrzeit des Besuchs", "termin": "Termin", "ergebnis": "Ergebnis",
             "notiz": "Notiz"}.get(exc.field or "")
    text = str(exc)
    if label is None or text.startswith(label.split()[0]):
        return text
    return f"{label}: {text}"


@router.get("/faelle/{client_id:path}")  # a case id may hold "/"
def case_page(request: Request, client_id: str, stadt: str | None = None,
              besuch: str = "", user: User = Depends(require_user)) -> Response:
    """The case page; ``besuch``: the visit whose „Ergebnis nachtragen“ form opens (the
    link of a visit on *Ergebnisse*: with two visits without an outcome, the first form
    was the older visit's, and an outcome landed there; QA 45c F11)."""
    city = _city_of(request, user, stadt)
    if not client_id.strip():
        return RedirectResponse(f"/faelle?stadt={quote(city, safe='')}", status_code=303)
    return _case_page(request, user, city, client_id, open_visit=besuch.strip()[:80])


@router.post("/faelle/{client_id:path}")
def set_case_status(request: Request, client_id: str, status: str = Form(""),
                    grund: str = Form(""), stadt: str = Form(""), passwort: str = Form(""),
                    stand: str = Form(""), user: User = Depends(require_user)) -> Response:
    """Set the case's status (``offen``, ``erreicht``, ``in_klaerung``, ``abgeschlossen``)
    with an optional reason; a refused entry shows the page again (400) with the
    message and the reason as typed. A status decides whether the case is planned and,
    once closed, when its data are erased: unless the session logged in or confirmed its
    password in the last :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, the password
    is asked first (ASVS V3.7.1; :func:`fresh_or_confirmed`, checked as a login).

    ``stand``: the stamp of the last status change the page showed. A change since (a
    colleague on her own page, the phone's outcome; QA 38 F1) or a form without the
    field (it cannot tell what its sender saw) stores nothing: the page comes again
    (409) naming the change, by whom and when, with the status and reason as chosen and
    the new stamp, so that sending again sets it on purpose."""
    from hausbesuch.casework.rules import parse_status
    from hausbesuch.casework.service import StaleFormError

    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    reason = grund.strip()
    if (failed := fresh_or_confirmed(request, user, passwort,
                                     "zum Setzen des Status")) is not None:
        code, msg = failed
        resp = _case_page(request, user, city, client_id, status=code,
                          error=msg if code == 403 else f"{msg} Der Status wurde nicht "
                          "geändert.", reason=reason[:MAX_REASON], chosen=status,
                          password_refused=True, stand=stand.strip()[:64])
        return retry_after(request, resp) if code == 429 else resp
    try:
        try:
            new = parse_status(status)
        except ValueError as exc:
            raise UserError(f"Status: {exc}.") from None
        if len(reason) > MAX_REASON:
            raise UserError(f"Grund: höchstens {MAX_REASON} Zeichen, erhalten {len(reason)}.")
        known, changed = casework_api.set_status(web.store, web.profile(city), user.name,
                                                 client_id, new, reason,
                                                 seen=stand.strip()[:64])
    except StaleFormError as exc:  # not stored (and so not audited): the page again
        return _case_page(request, user, city, client_id, status=409, error=str(exc),
                          reason=reason[:MAX_REASON], chosen=status)
    except CaseworkError as exc:  # (an unknown case: before anything was changed)
        raise HTTPException(status_code=404,
                            detail=_unknown(request, user, client_id, exc)) from None
    except UserError as exc:
        return _case_page(request, user, city, client_id, status=400, error=str(exc),
                          reason=reason[:MAX_REASON], stand=stand.strip()[:64])
    return RedirectResponse(_case_url(known, city, gesetzt="1" if changed else "0"),
                            status_code=303)
