"""Deleting a plan version in the web (QA 45c F9): what ``hausbesuch delete-plan`` does
(:func:`hausbesuch.versions.delete_plan_version`: the same rules, refusals and audit
row, the actor the web user), for the accounts that may plan in the plan's city.

``GET /plaene/<id>/loeschen`` shows first what would go (the dry run: visits, open
visits dropped with a plan made by mistake, day links moved to the next version, the
later versions' new predecessor, the copies outside the database the audit log knows),
or why the version stays; its form (CSRF, the password after
:data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, as the other sensitive actions) deletes
it, checked again in the deleting transaction, and leads to the plan list, which says
so (``?geloescht=<id>``, believed only with the audit row of that deletion)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from hausbesuch.errors import UserError
from hausbesuch.web.app import ctx, load_session, render, web_reason
from hausbesuch.web.auth import FRESH_AUTH_MINUTES, User, require_user
from hausbesuch.web.pages_login import fresh_or_confirmed, needs_password, retry_after
from hausbesuch.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: The most copies outside the database the page lists (the newest), as the command.
MAX_COPIES = 30

#: What the command's refusals say of the command line, and the web's words for it.
_DELETE_HINTS = (
    (re.compile(r"Erst die Ergebnisse erfassen \(hausbesuch outcomes DATEI\) oder den Plan "
                r"neu planen \(hausbesuch replan \S+ --from …\)"),
     "Erst die Ergebnisse erfassen (unter „Ergebnisse“ des Plans oder als „Ergebnisliste“) "
     "oder den Plan neu planen („Neu planen“ auf seiner Seite)"),
    (re.compile(r"personenbezogene Daten abgeschlossener Fälle löscht hausbesuch purge, "
                r"auch in diesem Plan"),
     "personenbezogene Daten abgeschlossener Fälle löscht nach Ablauf der Frist die "
     "Administration (Löschung), auch in diesem Plan"),
    (re.compile(r"den Korrekturbrief findet hausbesuch letters über sie"),
     "der Korrekturbrief („Korrekturbriefe“ unter „Ankündigungsschreiben“ auf der Seite "
     "des Plans) braucht sie"),
    (re.compile(r"Erst im Web widerrufen \(Plan → Tageslinks\)"),
     "Erst widerrufen (auf der Seite des Plans unter „Tageslinks“)"),
)


def deletion_words(text: str) -> str:
    """A refusal of :func:`~hausbesuch.versions.delete_plan_version` as the web says it:
    the same reasons, the web's ways instead of the command line's."""
    for pattern, words in _DELETE_HINTS:
        text = pattern.sub(words, text)
    return web_reason(text)


def planning_now(store: Any, city: str) -> str | None:
    """The refusal while a planning job of ``city`` runs, or None. A deletion (its dry
    run too) waits for the city's plans (:meth:`Store.planning_lock`), which a running
    job holds for its whole computation: the page would hang meanwhile."""
    from hausbesuch.web import jobs
    from hausbesuch.web.models import JobRow

    with store.session() as s:
        running = s.scalar(select(JobRow.id).where(
            JobRow.city == city, JobRow.status == jobs.RUNNING).limit(1))
    if running is None:
        return None
    return (f"Für {city} läuft gerade ein Planungsauftrag (siehe „Planungsaufträge“ unter "
            "„Pläne“): erst wenn er fertig ist, lässt sich ein Plan löschen. Bitte danach "
            "erneut „Plan löschen“ wählen.")


def _preview(store: Any, plan_id: str, city: str, actor: str) -> tuple[Any, str | None]:
    """(the dry run's :class:`~hausbesuch.versions.PlanDeletion`, None), or (None, the
    refusal in the web's words)."""
    from hausbesuch.versions import delete_plan_version

    if (busy := planning_now(store, city)) is not None:
        return None, busy
    try:
        return delete_plan_version(store, plan_id, actor=actor, dry_run=True), None
    except UserError as exc:
        return None, deletion_words(str(exc))


def _page(request: Request, user: User, plan: Any, *, status: int = 200,
          error: str | None = None, field: str | None = None) -> Response:
    """The page „Plan löschen“: the dry run, or why the plan stays; ``error`` a refused
    confirmation (its ``field``: ``passwort`` for the password)."""
    from hausbesuch.auditlog import copies_of

    web = ctx(request)
    found, refused = _preview(web.store, plan.id, plan.city, user.name)
    copies = copies_of(web.store, plan.city, [], [plan.id], every_team_day=True) \
        if found is not None else []
    end = plan.start + timedelta(days=max(plan.days, 1) - 1)
    return render(request, "plan_delete.html.j2", status=status, plan=plan, end=end,
                  found=found, refused=refused, error=error, field=field,
                  copies=[c.line() for c in copies[-MAX_COPIES:]],
                  copies_more=max(0, len(copies) - MAX_COPIES),
                  reauth=needs_password(request), fresh_minutes=FRESH_AUTH_MINUTES)


@router.get("/plaene/{plan_id}/loeschen")
def delete_preview(request: Request, plan_id: str,
                   user: User = Depends(require_user)) -> Response:
    """What deleting the plan would do (nothing is changed), and the form to confirm it;
    or why the plan is not deleted."""
    from hausbesuch.web.pages_plans import _plan_for

    return _page(request, user, _plan_for(request, user, plan_id))


@router.post("/plaene/{plan_id}/loeschen")
def delete_plan(request: Request, plan_id: str, passwort: str = Form(""),
                user: User = Depends(require_user)) -> Response:
    """Delete the plan version as ``delete-plan`` does (checked again in its transaction,
    audited as ``plan_geloescht`` with the web user as actor) and redirect (303) to the
    plan list that says so; a refusal shows this page again with the reason."""
    from hausbesuch.versions import delete_plan_version
    from hausbesuch.web.pages_plans import _plan_for

    web = ctx(request)
    plan = _plan_for(request, user, plan_id)
    if (failed := fresh_or_confirmed(request, user, passwort,
                                      "zum Löschen des Plans")) is not None:
        status, msg = failed
        resp = _page(request, user, plan, status=status, field="passwort",
                     error=msg if status == 403 else f"{msg} Der Plan wurde nicht gelöscht.")
        return retry_after(request, resp) if status == 429 else resp
    if (busy := planning_now(web.store, plan.city)) is not None:
        return _page(request, user, plan, status=409, error=busy)
    try:
        done = delete_plan_version(web.store, plan_id, actor=user.name, dry_run=False)
    except UserError as exc:  # (changed since the preview: an outcome, a link, a letter)
        return _page(request, user, plan, status=409, error=deletion_words(str(exc)))
    return RedirectResponse(f"/plaene?stadt={quote(done.city)}&geloescht={quote(plan_id)}"
                            "#plan-geloescht", status_code=303)


def gone_note(store: Any, plan_id: str, sees: Any) -> str:  # noqa: ANN401
    """What the page of a plan that is not stored says: when it was deleted, if the audit
    log records its deletion in a city the user may see (``sees``: city -> bool; the
    link of a deleted plan, a second click on „Plan löschen“: QA 46 F8), else that there
    is no such plan (nothing said of other cities' plans)."""
    from hausbesuch.fields import format_moment
    from hausbesuch.store import AuditRow

    if plan_id and len(plan_id) <= 64:
        with store.session() as s:
            row = s.scalars(select(AuditRow).where(
                AuditRow.action == "plan_geloescht", AuditRow.plan_id == plan_id)
                .order_by(AuditRow.id.desc()).limit(1)).first()
        if row is not None and row.city and sees(row.city):
            return (f"Plan {plan_id} wurde am {format_moment(row.at)} gelöscht; die "
                    "übrigen Pläne stehen unter „Pläne“.")
    return "Diesen Plan gibt es nicht."


def deleted_message(store: Any, city: str, plan_id: str | None) -> str | None:
    """What the plan list says after :func:`delete_plan` (``?geloescht=<id>``): only for
    a plan of ``city`` whose deletion the audit log records and that is gone (else any
    text in a link would be shown as the app's own message)."""
    from hausbesuch.store import AuditRow, PlanRow

    if not plan_id or len(plan_id) > 64:
        return None
    with store.session() as s:
        if s.get(PlanRow, plan_id) is not None:
            return None
        row = s.scalars(select(AuditRow).where(
            AuditRow.action == "plan_geloescht", AuditRow.city == city,
            AuditRow.plan_id == plan_id).order_by(AuditRow.id.desc()).limit(1)).first()
        if row is None:
            return None
        details = json.loads(row.details or "{}")
    text = f"Plan {plan_id} (Version {details.get('version', '?')}) gelöscht."
    if later := details.get("nachfolger"):
        before = details.get("vorgaenger")
        text += (f" Vorgänger von Plan {', '.join(later)} ist nun "
                 + (f"Plan {before}." if before else "keiner."))
    if dropped := details.get("offene_besuche_verworfen"):
        text += (" Seine offenen Besuche sind entfallen; die Fälle bleiben offen und "
                 "kommen in den nächsten Plan." if dropped > 1 else
                 " Sein offener Besuch ist entfallen; der Fall bleibt offen und kommt in "
                 "den nächsten Plan.")
    return text
