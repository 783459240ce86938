"""``hausbesuch plan``: a client list in, a week of routes, maps and field links out."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch import clock
from hausbesuch.commands._common import (
    CityOption,
    DbOption,
    OsmOption,
    count,
    interruptible,
    note_stored,
    parse_day_option,
    user_errors,
)
from hausbesuch.errors import UserError


def _parse_start(text: str) -> date:
    return parse_day_option(text, "--start")


def run_plan(
    clients: Path | None,
    *,
    city: str | None,
    osm: Path | None,
    teams: Path | None,
    districts: Path | None,
    start: date,
    days: int,
    out: Path,
    db: str | None,
    time_limit: float,
    seed: int | None,
    threads: int,
    mode: str | None,
    quiet: bool = False,
    inputs: Path | None = None,
) -> tuple[object, str]:
    """Plan the span on the store (importing ``clients`` first, if given) with a progress
    display, then write the plan's files; return (result, plan id).

    The plan is stored first; its files are written into a fresh folder beside ``out`` that
    replaces ``out`` only then (:func:`hausbesuch.planfolder.plan_folder`); ``inputs`` (the
    demo's generated list) is copied into its ``eingabe/`` folder. A folder that cannot be
    written (a full disk) or a run stopped meanwhile says that the plan is stored and how
    ``show`` writes its files (:func:`hausbesuch.commands._common.files_of_a_stored_plan`).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hausbesuch.casework import cli_actor
    from hausbesuch.casework.service import ForeignExtractError
    from hausbesuch.commands._common import (
        audit_files,
        files_of_a_stored_plan,
        refuse_client_names,
        refuse_pages_of_a_plan_in_force,
    )
    from hausbesuch.commands.casework import osm_refusal
    from hausbesuch.config import load_profile
    from hausbesuch.output import relocate
    from hausbesuch.planfolder import check_plan_folder, plan_folder
    from hausbesuch.planning import PlanOptions, plan_span, write_plan_files
    from hausbesuch.store import Store
    from hausbesuch.teams import load_teams

    check_plan_folder(out)  # refuse a foreign folder before the long work

    profile = load_profile(city)
    team_list = load_teams(teams, profile=profile) if teams else None  # checked before the work
    options = PlanOptions(start=start, days=days, time_limit=time_limit, seed=seed,
                          threads=threads, mode=mode)
    with Store.open(db) as store, Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=quiet,
    ) as bar:
        replaced_pages = refuse_pages_of_a_plan_in_force(store, out, start, days)
        # (the folder goes into the audit log: no stored client's name in it)
        refuse_client_names(store, profile.name, out, "--out", f"plan-{start:%Y-%m-%d}")
        task = bar.add_task("Planung", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        try:
            result = plan_span(store, profile, options, actor=cli_actor(), teams=team_list,
                               clients_path=clients, osm=osm, districts_file=districts,
                               progress=progress)
        except ForeignExtractError as exc:  # --osm of another city than the profile's
            raise osm_refusal(exc, osm, city, profile) from None
        plan_id = result.plan_id
        note_stored(f"der Plan {plan_id} ist gespeichert, seine Dateien nicht; „hausbesuch "
                    f"show {plan_id} --out {out}“ schreibt sie")
        with files_of_a_stored_plan(plan_id, out, store.url if db else None), plan_folder(out) as folder:
            bar.update(task, description="Dateien schreiben")
            write_plan_files(result, folder.path, profile)
            if inputs is not None:
                shutil.copytree(inputs, folder.path / "eingabe")
            folder.commit(plan_id)
        note_stored(f"der Plan {plan_id} ist gespeichert, seine Dateien in {out}")
        audit_files(store, cli_actor(), profile.name, plan_id, out)
        result.out_dir = out
        if result.files is not None:
            result.files = relocate(result.files, out)
    if replaced_pages:  # the pages of a plan still in force on other days
        typer.echo(replaced_pages)
    return result, plan_id  # type: ignore[return-value]


def summary_lines(result: object, plan_id: str, out: Path) -> list[str]:
    from hausbesuch.plandata import (
        STATUS_CALLED_OFF,
        STATUS_PLANNED,
        STATUS_REJECTED,
        STATUS_UNASSIGNED,
    )

    rows = result.report_rows  # type: ignore[attr-defined]
    counts = {s: sum(1 for r in rows if r["status"] == s)
              for s in (STATUS_PLANNED, STATUS_UNASSIGNED, STATUS_REJECTED, STATUS_CALLED_OFF)}
    # a case whose visits were all called off since the plan was made (``show`` of it)
    off = f", {counts[STATUS_CALLED_OFF]} entfallen" if counts[STATUS_CALLED_OFF] else ""
    plan = result.plan  # type: ignore[attr-defined]
    listed = sum(1 for r in rows if r["zeile"])
    n = len(rows)
    # (the cases of the plan, not „offene Fälle“: a re-plan's rows hold those reached,
    # closed or in Klärung since too, QA 32b F4; `plan` and `replan` say it alike)
    what = count(n, "Zeile", "Zeilen") if n and listed == n else (
        f"{count(n, 'Fall', 'Fälle')} ({listed} aus der Liste)" if listed
        else count(n, "Fall", "Fälle"))
    lines = [
        f"Plan {plan_id}: {what}: {counts[STATUS_PLANNED]} geplant{off}, "
        f"{counts[STATUS_UNASSIGNED]} nicht eingeplant, {counts[STATUS_REJECTED]} abgelehnt.",
        f"{count(len(plan.routes), 'Team-Tag', 'Team-Tage')}. Übersicht: "
        f"{(out / 'index.html').resolve()}",
        f"Bericht: {(out / 'report.csv').resolve()}",
    ]
    # the plan's notes, as the overview page and the web plan view show them ("Hinweise")
    from hausbesuch.planning.report import plan_notes

    lines += [f"Hinweis: {w}" for w in plan_notes(plan)]
    return lines


def register(app: typer.Typer) -> None:
    @app.command("plan")
    @user_errors
    @interruptible
    def plan(
        clients: Annotated[
            Path | None,
            typer.Argument(help="Kundenliste (CSV oder XLSX); wird zuerst eingelesen. Ohne "
                           "Liste wird der offene Bestand der Datenbank geplant."),
        ] = None,
        city: CityOption = None,
        osm: OsmOption = None,
        teams: Annotated[Path | None, typer.Option("--teams", help="Teams (TOML, CSV oder XLSX).")] = None,
        districts: Annotated[
            Path | None, typer.Option("--districts", help="Stadtteil-Datei (GeoJSON, GPKG, SHP).")
        ] = None,
        start: Annotated[str, typer.Option("--start", help="Erster Planungstag, z. B. 2026-12-07. [Pflicht]")] = "",
        days: Annotated[int, typer.Option("--days", help="Anzahl Kalendertage.")] = 5,
        out: Annotated[Path, typer.Option("--out", help="Ausgabeordner.")] = Path("plan"),
        db: DbOption = None,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Rechenzeit in Sekunden.")] = 30.0,
        seed: Annotated[int, typer.Option("--seed", help="Zufallsstartwert (gleicher Wert, gleicher Plan).")] = 1,
        threads: Annotated[int, typer.Option("--threads", help="Parallele Suchprozesse.")] = 2,
        mode: Annotated[
            str | None, typer.Option("--mode", help="Fortbewegungsart aller Teams: walk, bike, drive.")
        ] = None,
    ) -> None:
        """Besuche eines Zeitraums planen: Touren je Team und Tag, Karten, Routenseiten, Bericht."""
        if not start:
            raise UserError("--start fehlt: erster Planungstag, z. B. --start 2026-12-07.")
        if mode is not None:
            from geodata.network import check_mode

            check_mode(mode)
        first = _parse_start(start)
        if reason := clock.past_start(first, "--start"):
            # a warning, not the web form's refusal: simulations and tests plan weeks gone
            typer.echo(f"Warnung: {reason} Besuche an vergangenen Tagen werden trotzdem "
                       f"eingeplant; für einen Plan ab heute --start "
                       f"{clock.today():%d.%m.%Y} angeben.", err=True)
        result, plan_id = run_plan(
            clients, city=city, osm=osm, teams=teams, districts=districts,
            start=first, days=days, out=out, db=db, time_limit=time_limit,
            seed=seed, threads=threads, mode=mode,
        )
        for line in summary_lines(result, plan_id, out):
            typer.echo(line)
