"""The audit log for administrators (``/protokoll``): who saw or changed what, when.

The same reading as ``hausbesuch audit`` (:mod:`hausbesuch.auditlog`): filters by case id,
days and action, German labels, a CSV download. Coordinators do not see it (403). Every
reading is itself a row of the log (``protokoll_gelesen``).

The page reads one city at a time, or (``stadt=ohne``) the rows without a city: accounts
and logins of administrators (who belong to no city) and login attempts with unknown
names. Rows of a coordinator's account (logins, ``user_disabled``) carry her city.
"""

from __future__ import annotations

import io
from dataclasses import replace
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from hausbesuch import auditlog
from hausbesuch.casework.service import id_may_be_shown
from hausbesuch.errors import UserError
from hausbesuch.web import casework_api
from hausbesuch.web.app import ctx, echo, load_session, render
from hausbesuch.web.auth import User, audit_refused, require_user
from hausbesuch.web.pages_clients import _form_day
from hausbesuch.web.pages_plans import _city_of
from hausbesuch.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: Rows shown on the page (newest first); the CSV holds all.
SHOWN_ROWS = 500
#: The choice of the rows without a city (value of ``stadt``, and its German label).
NO_CITY = auditlog.NO_CITY
NO_CITY_LABEL = "ohne Stadt (Konten, Anmeldungen)"


def _require_admin(request: Request, user: User) -> None:
    if not user.is_admin:
        audit_refused(request, "nur für Administratoren", city=user.city)
        raise HTTPException(status_code=403, detail="Das Protokoll sehen nur Administratoren.")


def _scope(request: Request, user: User, stadt: str | None) -> str | None:
    """The city the page reads, or None for the rows without a city (``stadt=ohne``)."""
    if stadt == NO_CITY and user.is_admin and stadt not in ctx(request).cities_for(user):
        return None
    return _city_of(request, user, stadt)


def _known_case(request: Request, user: User, city: str | None, typed: str) -> str:
    """The stored id of the case ``typed`` names in ``city`` (:class:`UserError`, German,
    when there is none or no city is chosen)."""
    from hausbesuch.casework import CaseworkError

    if city is None:
        raise UserError("Eine Kundennummer gehört zu einer Stadt: bitte die Stadt wählen.")
    web = ctx(request)
    try:
        return casework_api.casework(web.store, web.profile(city), user.name).case_id(typed)
    except CaseworkError as exc:
        raise UserError(str(exc)) from None


def _shown_id(request: Request, city: str | None, typed: str) -> str:
    """A typed Kundennummer as the form shows it again: cut (:func:`echo`), and not at all
    when it may not be repeated (:func:`id_may_be_shown` with the city's id pattern: it
    looks like a name or a street; QA 32 F1)."""
    pattern = (None if city is None
               else ctx(request).profile(city).casework.id_form()["id_pattern"])
    return echo(typed) if typed and id_may_be_shown(typed, pattern) else ""


def _read(request: Request, user: User, stadt: str | None, kundennummer: str | None,
          von: str | None, bis: str | None, aktion: str | None, output: str):
    """The filter and the rows it selects; the reading is audited."""
    web = ctx(request)
    city = _scope(request, user, stadt)
    if aktion and aktion not in auditlog.ACTION_LABELS:
        raise UserError(f"Aktion „{aktion[:40]}“ gibt es nicht.")
    flt = auditlog.AuditFilter(city=city, without_city=city is None, action=aktion or None,
                               since=_form_day(von or "", "Von"), until=_form_day(bis or "", "Bis"))
    if kundennummer:
        flt = replace(flt, client_id=_known_case(request, user, city, kundennummer.strip()))
    rows = auditlog.read(web.store, flt)
    casework_api.audit(web.store, user.name, "protokoll_gelesen", city=city,
                       client_id=flt.client_id,
                       details={**flt.details(), "zeilen": len(rows), "ausgabe": output})
    return city, flt, rows


def _refused(request: Request, user: User, stadt: str | None, form: dict[str, str],
             error: str) -> Response:
    """The page with the filter's error and no rows (400); ``form`` as it is shown again."""
    return render(request, "audit.html.j2", status=400, city=_scope(request, user, stadt),
                  form=form, labels=_labels(), rows=[], total=0, error=error, **_SCOPE)


def _labels() -> list[tuple[str, str]]:
    return sorted(((code, auditlog.filter_label(code)) for code in auditlog.ACTION_LABELS),
                  key=lambda kv: kv[1])


_SCOPE = {"no_city": NO_CITY, "no_city_label": NO_CITY_LABEL}


@router.get("/protokoll")
def audit_page(request: Request, stadt: str | None = None, kundennummer: str | None = None,
               von: str | None = None, bis: str | None = None, aktion: str | None = None,
               user: User = Depends(require_user)) -> Response:
    """The page, filtered by its query (the redirect of the filter form, or a link): a
    Kundennummer there is the stored id the form found, or one a link names."""
    _require_admin(request, user)
    form = {"kundennummer": "", "von": von or "", "bis": bis or "", "aktion": aktion or ""}
    try:
        city, flt, rows = _read(request, user, stadt, kundennummer, von, bis, aktion, "web")
    except UserError as exc:
        # a Kundennummer that looks like a name is not put back into the field
        form["kundennummer"] = _shown_id(request, _scope(request, user, stadt),
                                         (kundennummer or "").strip())
        return _refused(request, user, stadt, form, str(exc))
    form["kundennummer"] = flt.client_id or ""  # the stored spelling (the CSV's link too)
    shown = auditlog.table_rows(list(reversed(rows[-SHOWN_ROWS:])))
    return render(request, "audit.html.j2", city=city, form=form, labels=_labels(),
                  rows=shown, total=len(rows), error=None, **_SCOPE)


@router.post("/protokoll")
def audit_filter(request: Request, stadt: str = Form(""), kundennummer: str = Form(""),
                 von: str = Form(""), bis: str = Form(""), aktion: str = Form(""),
                 user: User = Depends(require_user)) -> Response:
    """The filter form. A POST, so that a typed Kundennummer (perhaps a name, by mistake)
    never stands in a URL, the browser's history or a proxy's log (as *Fälle*; QA 32 F1):
    the case's stored id and the other filters go on to the page (303); an unknown id is
    answered here, repeated in the field only when it may be shown (:func:`_shown_id`)."""
    _require_admin(request, user)
    typed = kundennummer.strip()
    known = ""
    if typed:
        city = _scope(request, user, stadt or None)
        try:
            known = _known_case(request, user, city, typed)
        except UserError as exc:
            return _refused(request, user, stadt or None, {
                "kundennummer": _shown_id(request, city, typed), "von": von, "bis": bis,
                "aktion": aktion}, str(exc))
    query = {k: v for k, v in (("stadt", stadt), ("kundennummer", known), ("von", von),
                               ("bis", bis), ("aktion", aktion)) if v}
    return RedirectResponse("/protokoll" + (f"?{urlencode(query)}" if query else ""),
                            status_code=303)


@router.get("/protokoll.csv")
def audit_csv(request: Request, stadt: str | None = None, kundennummer: str | None = None,
              von: str | None = None, bis: str | None = None, aktion: str | None = None,
              user: User = Depends(require_user)) -> Response:
    from hausbesuch.safe_cells import write_csv

    _require_admin(request, user)
    try:
        _city, _flt, rows = _read(request, user, stadt, kundennummer, von, bis, aktion, "csv")
    except UserError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    buf = io.StringIO()
    write_csv(buf, auditlog.COLUMNS, auditlog.table_rows(rows), delimiter=";")
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="protokoll.csv"'})
