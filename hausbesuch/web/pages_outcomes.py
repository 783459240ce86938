"""Coordinator page of outcomes from paper: upload the outcomes list of the printed route
sheets (CSV/XLSX, as ``hausbesuch outcomes`` reads it) and see every row recorded, already
recorded or rejected with row, field and reason (QA 45c F8: the web took one outcome at a
time, on the case page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hausbesuch.errors import UserError
from hausbesuch.web import casework_api
from hausbesuch.web.app import ctx, load_session, render
from hausbesuch.web.auth import FRESH_AUTH_MINUTES, User, require_user
from hausbesuch.web.data import plan_city
from hausbesuch.web.pages_clients import SUFFIXES, UploadRefused, _uploaded
from hausbesuch.web.pages_login import fresh_or_confirmed, needs_password, retry_after
from hausbesuch.web.pages_plans import _city_of
from hausbesuch.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: The route that takes an outcomes list (a file of up to ``pages_clients.MAX_UPLOAD``
#: bytes, as a client list; ``hausbesuch.web.app.BodyLimit``).
UPLOAD_PATHS = ("/ergebnisse/hochladen",)
#: The columns of the template, in the order ``hausbesuch outcomes`` names them.
TEMPLATE_COLUMNS = ("Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin", "Notiz")


def _plan_back(request: Request, city: str, plan: str | None) -> str | None:
    """The plan whose *Ergebnisse* the upload came from (its back link), when it is a
    stored plan of ``city``; else None (a link's text is never shown as it is)."""
    plan = (plan or "").strip()[:64]
    return plan if plan and plan_city(ctx(request).store, plan) == city else None


def _page(request: Request, city: str, *, status: int = 200, error: str | None = None,
          report: dict | None = None, plan: str | None = None,
          password_refused: bool = False) -> Response:
    """The *Ergebnisliste* page; its form asks for the password when the session is not
    fresh or the one sent was refused (``password_refused``: that field is marked), as
    the client list's upload."""
    return render(request, "outcomes_upload.html.j2", status=status, city=city, error=error,
                  report=report, plan=plan, columns=TEMPLATE_COLUMNS,
                  reauth=password_refused or needs_password(request),
                  password_refused=password_refused, fresh_minutes=FRESH_AUTH_MINUTES)


@router.get("/ergebnisse/hochladen")
def upload_form(request: Request, stadt: str | None = None, plan: str | None = None,
                user: User = Depends(require_user)) -> Response:
    city = _city_of(request, user, stadt)
    return _page(request, city, plan=_plan_back(request, city, plan))


@router.get("/ergebnisse/vorlage.csv")
def template(request: Request, user: User = Depends(require_user)) -> Response:
    """An empty outcomes list: the header row ``hausbesuch outcomes`` and the upload read
    (semicolons and a byte order mark, as German Excel opens it)."""
    import io

    from hausbesuch.safe_cells import write_csv

    out = io.StringIO()
    write_csv(out, list(TEMPLATE_COLUMNS), [])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="ergebnisse.csv"'})


@router.post("/ergebnisse/hochladen")
async def upload(request: Request, datei: UploadFile, stadt: str = Form(""),
                 plan: str = Form(""), passwort: str = Form(""),
                 user: User = Depends(require_user)) -> Response:
    """Record an uploaded outcomes list (:func:`casework_api.import_outcomes`: the rules,
    the audit and the once-only of ``hausbesuch outcomes``). The file is read from a
    private temporary folder, deleted when done. It sets the status of many cases at
    once: unless the session is fresh, the password is asked first, as for the client
    list (:func:`fresh_or_confirmed`, before the file is looked at)."""
    web = ctx(request)
    city = _city_of(request, user, stadt or None)
    back = _plan_back(request, city, plan)
    if (failed := await run_in_threadpool(fresh_or_confirmed, request, user, passwort,
                                          "zum Erfassen der Ergebnisliste")) is not None:
        status, msg = failed
        resp = _page(request, city, status=status, plan=back, password_refused=True,
                     error=msg if status == 403 else f"{msg} Die Liste wurde nicht erfasst.")
        return retry_after(request, resp) if status == 429 else resp
    try:
        async with _uploaded(datei, SUFFIXES, "Bitte eine CSV- oder XLSX-Datei hochladen.",
                             "ergebnisse") as path:
            try:
                report = await run_in_threadpool(
                    casework_api.import_outcomes, web.store, web.profile(city), str(path),
                    user.name, name=path.name)
            except UserError as exc:
                return _page(request, city, status=400, plan=back, error=str(exc))
    except UploadRefused as exc:
        return _page(request, city, status=exc.status, plan=back, error=exc.message)
    return _page(request, city, report=report, plan=back)
