"""``hausbesuch letters``: announcement letters (PDF, DIN 5008) for the visits of a stored plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import (
    CityOption,
    DbOption,
    PlanArgument,
    interruptible,
    note_stored,
    profile_for_plan,
    user_errors,
)
from hausbesuch.errors import UserError, write_errors


def _client_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    ids = [t.strip() for t in text.split(",") if t.strip()]
    if not ids:
        raise UserError("--clients: keine Kundennummer angegeben (z. B. --clients C0001,C0002).")
    return ids


def register(app: typer.Typer) -> None:
    @app.command("letters")
    @user_errors
    @interruptible
    def letters(
        plan: PlanArgument,
        out: Annotated[Path, typer.Option(
            "--out", help="Ordner für die Briefe (nicht der Ordner eines Plans). Er enthält "
            "Namen und Anschriften: Sozialdaten.")] = ...,  # type: ignore[assignment]
        clients: Annotated[
            str | None, typer.Option("--clients", help="Nur diese Kundennummern, mit Komma getrennt.")
        ] = None,
        window_minutes: Annotated[
            int, typer.Option("--window-minutes", help="Länge des angekündigten Zeitfensters in Minuten "
                              "(volle halbe Stunden, 30 bis 480; Standard: 120).")
        ] = 120,
        correction: Annotated[
            bool, typer.Option("--correction", help="Korrekturbriefe für angekündigte Besuche, die der Plan "
                               "nicht mehr im angekündigten Zeitfenster hält.")
        ] = False,
        reprint: Annotated[
            bool, typer.Option("--reprint", help="Auch Besuche, die schon einen Brief haben "
                               "(auch von einer früheren Version des Plans), noch einmal "
                               "drucken: derselbe Brief mit dem Datum des ersten Briefs; mit "
                               "--correction die schon geschriebenen Korrekturbriefe. "
                               "Ohne diese Angabe werden sie nur genannt.")
        ] = False,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Ankündigungsbriefe (PDF, DIN 5008) schreiben: einer je Besuch ab heute, der noch
        keinen Brief hat, und ein Sammel-PDF je Team und Tag. Die angekündigten Zeitfenster
        werden gespeichert und gelten für jeden späteren Plan."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.letters import pending_lines, report_lines, run_letters
        from hausbesuch.store import Store

        wanted = _client_list(clients)
        with Store.open(db, create=False) as store:
            stored = store.load_plan(plan)
            profile = profile_for_plan(city, stored.city, store.plan_profile(plan))
            with write_errors(out, what="der Ordner der Briefe"):  # nothing recorded
                run = run_letters(store, stored, profile, out, actor=cli_actor(),
                                  clients=wanted, window_minutes=window_minutes,
                                  correction=correction, reprint=reprint)
            if run.letters:
                note_stored(f"die Briefe sind geschrieben und gespeichert ({run.out_dir})")
            pending = [] if correction else pending_lines(store, stored)
        n, k = len(run.letters), len(run.team_days)
        what = ("Korrekturbrief" if correction else "Brief") + ("" if n == 1 else "e")
        per = "nur der Auswahl, je Team und Tag" if wanted is not None else "je Team und Tag"
        if run.unchanged:  # nothing new: the earlier run's letters stay as they are
            typer.echo(f"Keine neuen Briefe geschrieben; der Ordner {run.out_dir} bleibt, "
                       "wie er ist.")
        elif not run.folder_made:  # nothing written: no folder holding only the notice
            typer.echo(("Keine Korrekturbriefe nötig: kein angekündigter Besuch, den der Plan "
                        "nicht mehr hält" if correction and not run.skipped else
                        f"Keine {'Korrekturbriefe' if correction else 'Briefe'} geschrieben")
                       + f"; kein Ordner angelegt ({run.out_dir}).")
        else:
            typer.echo(f"{n} {what} und {k} Sammel-PDF{'' if k == 1 else 's'} ({per}) "
                       f"in {run.out_dir}")
            if correction and not run.letters and not run.skipped:
                typer.echo("Keine Korrekturbriefe nötig: kein angekündigter Besuch, den der "
                           "Plan nicht mehr hält.")
        if run.replaced:
            shown = ", ".join(run.replaced[:10]) + (
                f" und {len(run.replaced) - 10} weitere" if len(run.replaced) > 10 else "")
            typer.echo(f"Der Ordner enthält nur diesen Lauf; vom früheren Lauf entfernt "
                       f"(nicht mehr angekündigt oder nicht neu geschrieben): {shown}")
        for line, warning in report_lines(run, profile, correction=correction,
                                          pending=pending):
            typer.echo(line, err=warning)
        if run.letters:
            typer.echo("Der Ordner enthält Namen und Anschriften (Sozialdaten): nach dem Versand löschen.")
