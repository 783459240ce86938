"""``hausbesuch audit``: read the audit log (who saw or changed what, when; never a name).

Reading the log is itself a row of the log (``protokoll_gelesen``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import (
    CityOption,
    DbOption,
    parse_day_option,
    user_errors,
)
from hausbesuch.errors import UserError


def register(app: typer.Typer) -> None:
    @app.command("audit")
    @user_errors
    def audit_cmd(
        client_id: Annotated[str | None, typer.Option(
            "--kundennummer", help="Nur was diesen Fall betrifft (auch Ansichten und Exporte "
            "von Plänen, in denen er steht).")] = None,
        plan: Annotated[str | None, typer.Option("--plan", help="Nur diesen Plan.")] = None,
        person: Annotated[str | None, typer.Option(
            "--person", help="Nur diese handelnde Person (z. B. cli:meier).")] = None,
        action: Annotated[str | None, typer.Option(
            "--aktion", help="Nur diese Aktion (Code, z. B. plan_angezeigt).")] = None,
        since: Annotated[str | None, typer.Option("--von", help="Ab diesem Tag.")] = None,
        until: Annotated[str | None, typer.Option("--bis", help="Bis einschließlich "
                                                  "diesem Tag.")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Als CSV schreiben statt anzeigen.")] = None,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Protokoll lesen: wer wann was gesehen oder geändert hat (ohne Namen)."""
        from hausbesuch import auditlog
        from hausbesuch.casework import Casework, CaseworkError, cli_actor
        from hausbesuch.commands.geocode import write_csv
        from hausbesuch.config import load_profile
        from hausbesuch.store import Store

        profile = load_profile(city)
        if action is not None and action not in auditlog.ACTION_LABELS:
            raise UserError(f"--aktion: „{action}“ gibt es nicht (z. B. "
                            + ", ".join(sorted(auditlog.ACTION_LABELS)[:6]) + ", …).")
        flt = auditlog.AuditFilter(city=profile.name, client_id=client_id, plan_id=plan,
                                   actor=person, action=action,
                                   since=parse_day_option(since, "--von"), until=parse_day_option(until, "--bis"))
        if flt.since and flt.until and flt.since > flt.until:
            raise UserError("--von liegt nach --bis.")
        with Store.open(db) as store:
            if client_id is not None:
                try:
                    known = Casework(store, profile, actor=cli_actor()).case_id(client_id)
                except CaseworkError as exc:
                    raise UserError(f"--kundennummer: {exc}") from None
                flt = replace(flt, client_id=known)
            rows = auditlog.table_rows(auditlog.read(store, flt))
            if out is not None:
                write_csv(out, auditlog.COLUMNS, rows)
            store.audit(cli_actor(), "protokoll_gelesen", city=profile.name,
                        client_id=flt.client_id,
                        details={**flt.details(), "zeilen": len(rows),
                                 "ausgabe": "csv" if out is not None else "anzeige"})
        if out is not None:
            typer.echo(f"{len(rows)} Einträge: {out.resolve()}")
            return
        if not rows:  # name the city: without --city it is the default profile's
            typer.echo(f"Keine Einträge für {profile.name}.")
            return
        typer.echo("Zeit | Person | Aktion | Kundennummer | Plan | Angaben")
        for r in rows:
            typer.echo(f"{r['zeit']} | {r['person']} | {r['aktion']} | {r['kundennummer']} | "
                       f"{r['plan']} | {r['angaben']}")
