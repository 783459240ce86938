"""``hausbesuch cleanup``: delete what the store keeps only for a while
(:mod:`hausbesuch.web.retention`): old login sessions, failed logins, expired device
cookies, expired worker links,
finished jobs, and, when asked, audit rows older than the Jobcenter's retention period."""

from __future__ import annotations

from typing import Annotated

import typer

from hausbesuch.commands._common import DbOption, user_errors
from hausbesuch.fields import count, format_day
from hausbesuch.web.retention import KEEP_DAYS, MIN_AUDIT_DAYS


def register(app: typer.Typer) -> None:
    @app.command("cleanup")
    @user_errors
    def cleanup_cmd(
        audit_days: Annotated[int | None, typer.Option(
            "--audit-days", metavar="TAGE", min=MIN_AUDIT_DAYS, max=36500,
            help="Auch Protokolleinträge löschen, die älter als so viele Tage sind "
                 "(Aufbewahrungsfrist des Löschkonzepts, z. B. 730).",
            show_default=False)] = None,
        yes: Annotated[bool, typer.Option(
            "--yes", help="Wirklich löschen (ohne: nur anzeigen, was gelöscht würde).")
        ] = False,
        db: DbOption = None,
    ) -> None:
        """Abgelaufenes löschen: alte Anmeldesitzungen und Anmeldeversuche, abgelaufene
        Gerätecookies (180 Tage ohne Anmeldung), seit 30 Tagen
        abgelaufene oder widerrufene Tageslinks, seit 30 Tagen beendete
        Planungsaufträge; mit --audit-days auch alte Protokolleinträge. Falldaten löscht
        hausbesuch purge."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.store import Store
        from hausbesuch.web.auth import DEVICE_DAYS
        from hausbesuch.web.retention import cleanup

        with Store.open(db, create=False) as store:
            result = cleanup(store, actor=cli_actor(), audit_days=audit_days,
                             dry_run=not yes)
        parts = [(result.sessions, "Anmeldesitzung", "Anmeldesitzungen"),
                 (result.login_attempts, "fehlgeschlagene Anmeldung",
                  "fehlgeschlagene Anmeldungen"),
                 (result.devices, f"Gerätecookie (seit über {DEVICE_DAYS} Tagen ohne "
                  "Anmeldung abgelaufen)", f"Gerätecookies (seit über {DEVICE_DAYS} Tagen "
                  "ohne Anmeldung abgelaufen)"),
                 (result.links, f"Tageslink (seit über {KEEP_DAYS} Tagen abgelaufen oder "
                  "widerrufen)", f"Tageslinks (seit über {KEEP_DAYS} Tagen abgelaufen oder "
                  "widerrufen)"),
                 (result.jobs, f"Planungsauftrag (seit über {KEEP_DAYS} Tagen beendet oder "
                  "ohne Lebenszeichen)", f"Planungsaufträge (seit über {KEEP_DAYS} Tagen "
                  "beendet oder ohne Lebenszeichen)")]
        if result.queue_jobs:
            parts.append((result.queue_jobs, "Eintrag der Auftragswarteschlange",
                          "Einträge der Auftragswarteschlange"))
        lines = [count(n, one, many) for n, one, many in parts if n]
        if result.audit_before is not None and result.audit_rows:
            lines.append(
                count(result.audit_rows, "Protokolleintrag", "Protokolleinträge")
                + f" vom {format_day(result.audit_oldest)} bis vor dem "
                f"{format_day(result.audit_before)}")
        if not lines:
            typer.echo("Nichts zu löschen." + (
                f" Das Protokoll hat keine Einträge vor dem {format_day(result.audit_before)}."
                if result.audit_before is not None else ""))
            return
        head = "Gelöscht" if result.done else "Zu löschen"
        typer.echo(f"{head}: " + "; ".join(lines) + ".")
        if result.audit_rows:
            typer.echo("Hinweis: Kopien außerhalb der Datenbank (Plandateien, Exporte, Briefe, "
                       "Sicherungen), die nur diese Einträge belegen, nennt hausbesuch purge "
                       "danach nicht mehr.")
        if result.done and result.audit_rows:
            typer.echo("Das Protokoll vermerkt die Kürzung (Aktion „Protokoll gekürzt“). "
                       "Ältere Sicherungen enthalten die Einträge noch.")
        if not result.done:
            typer.echo("Probelauf: nichts gelöscht; zum Löschen mit --yes wiederholen.")
