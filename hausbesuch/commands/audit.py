"""``hausbesuch audit``: read the audit log (who saw or changed what, when; never a name).

One city at a time (``--city``, else the default profile; the output names it) or, with
``--ohne-stadt``, the rows without a city (logins and account changes of administrators,
tries with unknown user names). Reading the log is itself a row of the log
(``protokoll_gelesen``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import (
    CityOption,
    DbOption,
    count,
    parse_day_option,
    printable,
    unknown_case,
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
            "--aktion", help="Nur diese Aktion (Code, z. B. plan_angezeigt; "
            "worker_link_view schließt die vom Telefon als Kopie abgerufenen Routen ein, "
            "worker_link_copy).")] = None,
        since: Annotated[str | None, typer.Option("--von", help="Ab diesem Tag.")] = None,
        until: Annotated[str | None, typer.Option("--bis", help="Bis einschließlich "
                                                  "diesem Tag.")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Als CSV schreiben statt anzeigen.")] = None,
        without_city: Annotated[bool, typer.Option(
            "--ohne-stadt", help="Nur die Einträge ohne Stadt: Anmeldungen und Konten von "
            "Administratoren, Versuche mit unbekanntem Namen (statt einer Stadt).")] = False,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Protokoll lesen: wer wann was gesehen oder geändert hat (ohne Namen)."""
        from hausbesuch import auditlog
        from hausbesuch.casework import Casework, CaseworkError, cli_actor
        from hausbesuch.commands.geocode import check_target, write_csv
        from hausbesuch.config import load_profile
        from hausbesuch.othercities import READ, cities_with_entries, other_cities_hint
        from hausbesuch.store import Store

        if out is not None:
            check_target(out, "--out", "protokoll.csv")
        if without_city and city is not None:
            raise UserError("--ohne-stadt und --city schließen sich aus: entweder eine Stadt "
                            "oder die Einträge ohne Stadt.")
        if without_city and client_id is not None:
            raise UserError("--ohne-stadt und --kundennummer schließen sich aus: eine "
                            "Kundennummer gehört zu einer Stadt (--city).")
        if action is not None and action not in auditlog.ACTION_LABELS:
            raise UserError(f"--aktion: „{action}“ gibt es nicht (z. B. "
                            + ", ".join(sorted(auditlog.ACTION_LABELS)[:6]) + ", …).")
        profile = None if without_city else load_profile(city)
        where = "ohne Stadt" if profile is None else f"für {profile.name}"
        flt = auditlog.AuditFilter(city=profile.name if profile else None,
                                   without_city=without_city, client_id=client_id,
                                   plan_id=plan, actor=person, action=action,
                                   since=parse_day_option(since, "--von"),
                                   until=parse_day_option(until, "--bis"))
        if flt.since and flt.until and flt.since > flt.until:
            raise UserError("--von liegt nach --bis.")
        with Store.open(db, create=False) as store:
            if unknown := auditlog.unknown_filter_values(store, flt):
                raise UserError(
                    " und ".join(unknown) + ": "
                    + ("dieser Wert ist" if len(unknown) == 1 else "diese Werte sind")
                    + " weder im Protokoll noch in der Datenbank bekannt (--plan: eine "
                    "Plan-ID wie 20261207-091500-a1b2c3, --person: ein Konto oder eine "
                    "Person aus der Spalte „Person“, z. B. cli:meier). Die Eingabe wird nicht "
                    "wiederholt und nicht protokolliert: sie könnte ein Name sein.")
            if client_id is not None and profile is not None:
                cw = Casework(store, profile, actor=cli_actor())
                try:
                    known = cw.case_id(client_id)
                except CaseworkError:
                    raise unknown_case(client_id, profile.name,
                                       cw.twin_hint(client_id), store=store,
                                       pattern=cw.id_pattern) from None
                flt = replace(flt, client_id=known)
            rows = auditlog.table_rows(auditlog.read(store, flt))
            # a forgotten --city (the default Kassel): the cities that have entries; the
            # city's own reads of the log (written below) are no entries of its data
            hint = (other_cities_hint(store, profile.name, cities_with_entries(store),
                                      what="Einträge", lead=False)
                    if profile is not None and all(r["code"] == READ for r in rows) else "")
            if hint and rows:  # listed: only reads of the log (review 19 #6)
                hint = (f"Außer Lesezugriffen auf das Protokoll sind für {profile.name} keine "
                        f"Einträge gespeichert. {hint}")
            if out is not None:
                write_csv(out, auditlog.COLUMNS, rows, example="protokoll.csv")
            store.audit(cli_actor(), "protokoll_gelesen", city=flt.city,
                        client_id=flt.client_id,
                        details={**flt.details(), "zeilen": len(rows),
                                 "ausgabe": "csv" if out is not None else "anzeige"})
        # the city is always named: without --city it is the default profile's
        if out is not None:
            typer.echo(f"{count(len(rows), 'Eintrag', 'Einträge')} {where}: {out.resolve()}")
            if hint:
                typer.echo(hint)
            return
        if not rows:
            typer.echo(f"Keine Einträge {where}." + (f" {hint}" if hint else ""))
            return
        typer.echo(f"Protokoll {where}: {count(len(rows), 'Eintrag', 'Einträge')}")
        typer.echo("Zeit | Person | Aktion | Kundennummer | Plan | Angaben")
        for r in rows:
            typer.echo(" | ".join(printable(r[k]) for k in (
                "zeit", "person", "aktion", "kundennummer", "plan", "angaben")))
        if hint:
            typer.echo(hint)
