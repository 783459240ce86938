"""``hausbesuch export``: a stored plan as a GeoPackage (QGIS) or an XLSX workbook (Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hausbesuch.commands._common import (
    DbOption,
    PlanArgument,
    refuse_client_names,
    user_errors,
)
from hausbesuch.errors import UserError, write_errors

if TYPE_CHECKING:
    from hausbesuch.plandata import Plan

FORMATS = ("gpkg", "xlsx")


def run_export(plan_id: str, *, fmt: str, out: Path, db: str | None,
               force: bool = False) -> tuple[Path, str]:
    """Write the export of a stored plan; returns the file written and, for a version a
    re-plan has replaced, the sentence saying so (also in the file), else "".

    An existing file is replaced only with ``force``: ``--out`` could name the client list
    or a colleague's workbook."""
    from geodata.cache import refuse_special_target
    from hausbesuch import clock
    from hausbesuch.casework import cli_actor
    from hausbesuch.casework.stops import mark_done, mark_gone, mark_unreported
    from hausbesuch.commands.geocode import check_writable
    from hausbesuch.exports import promises_of, write_gpkg, write_xlsx
    from hausbesuch.pathnames import safe_file_part
    from hausbesuch.planfolder import plan_folder_around
    from hausbesuch.store import Store
    from hausbesuch.versions import replacement

    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: erlaubt sind {', '.join(FORMATS)}.")
    if (folder := plan_folder_around(out.parent)) is not None:
        raise UserError(f"--out {out}: das liegt in einem Planordner ({folder}); der gehört "
                        "dem Plan allein. Bitte die Datei an einem anderen Ort speichern.")
    if not force and (out.exists() or out.is_symlink()) and not out.is_dir():
        raise UserError(f"--out {out}: die Datei gibt es schon; sie würde überschrieben. Bitte "
                        "einen anderen Dateinamen angeben, oder --force, um sie zu ersetzen.")
    if not out.is_dir():  # (a folder is refused by name below)
        refuse_special_target(out, "--out")  # a link, a FIFO, a device: never replaced
        check_writable(out)  # before the plan is read and the file made
    with Store.open(db, create=False) as store:
        # a stop whose case was closed since is off, as on the pages (QA 25 F3); one with
        # an outcome says so, as report.csv does (the „Bericht“ sheet is its copy), and so
        # does one on a day gone by without an outcome („kein Ergebnis erfasst“, as `show`
        # writes report.csv; before, the exports said plain „geplant“ of it)
        plan = mark_unreported(store, mark_done(store, mark_gone(
            store, store.load_plan(plan_id))), clock.today())
        plan.replaced, plan.replaced_version = replacement(store, plan.id)
        _refuse_named_file(out, plan, fmt)
        refuse_client_names(store, plan.city, out, "--out",
                            f"plan-{safe_file_part(plan.id)}.{fmt}")
        promises = promises_of(store, plan)
        chances = _chances(store, plan)
        with write_errors(out):  # a full disk: nothing written, nothing audited
            if fmt == "gpkg":
                path = write_gpkg(plan, store.load_districts(plan.city), out,
                                  promises=promises, chances=chances)
            else:
                path = write_xlsx(plan, out, promises=promises, chances=chances)
        store.audit(cli_actor(), "plan_exportiert", city=plan.city, plan_id=plan_id,
                    details={"format": fmt, "datei": str(Path(path).resolve())})
        return path, plan.replaced


def _chances(store: Any, plan: Plan) -> Any:
    """Each visit's estimated chance of contact as the plan's pages show it (the profile
    the plan was made with, :func:`hausbesuch.athome.plan_chances`; QA 42a F8: only the
    pages had it, a coordinator could not sort or filter by it); None when no profile of
    the plan's city loads (the export goes on without the columns' values)."""
    from hausbesuch.athome import plan_chances
    from hausbesuch.commands._common import profile_for_plan

    try:
        profile = profile_for_plan(None, plan.city, store.plan_profile(plan.id))
    except UserError:
        return None
    return plan_chances(store, profile, plan)


def _refuse_named_file(out: Path, plan: Plan, fmt: str) -> None:
    """Refuse a file name holding a word of the name of one of the plan's clients: the
    path goes into the audit log, which outlives the cases' erasure (QA 19a #6). Only the
    file's own name is looked at, and only names: a plan has many clients, and the folders
    (a staff member's, a district's) or a street in the name would refuse too often."""
    from hausbesuch.pathnames import named_in_path, safe_file_part

    if named_in_path(out, [(c.name, None, None) for c in plan.clients], streets=False,
                     folders=False) is not None:
        plan_id = safe_file_part(plan.id)
        raise UserError(
            "--out: Der Dateiname enthält einen Namen aus dem Plan (eine Kundin oder ein "
            "Kunde). Der Pfad wird im Protokoll vermerkt, das auch nach der Löschung der "
            f"Fälle bleibt. Bitte einen Dateinamen ohne Namen wählen, z. B. plan-{plan_id}"
            f".{fmt}.")


def register(app: typer.Typer) -> None:
    @app.command("export")
    @user_errors
    def export(
        plan: PlanArgument,
        fmt: Annotated[str, typer.Option(
            "--format", help="gpkg (GeoPackage für QGIS) oder xlsx (Excel-Arbeitsmappe).")
        ] = ...,  # type: ignore[assignment]
        out: Annotated[Path, typer.Option(
            "--out", help="Zieldatei (.gpkg oder .xlsx).")] = ...,  # type: ignore[assignment]
        force: Annotated[bool, typer.Option(
            "--force", help="Eine vorhandene Zieldatei ersetzen.")] = False,
        db: DbOption = None,
    ) -> None:
        """Einen gespeicherten Plan exportieren: GeoPackage (Besuche, Touren, Stadtteile, nicht
        Eingeplante; EPSG:4326) oder Excel-Arbeitsmappe (Übersicht, Bericht, ein Blatt je
        Team und Tag). Ohne Namen."""
        path, replaced = run_export(plan, fmt=fmt.lower(), out=out, db=db, force=force)
        typer.echo(f"Export geschrieben: {path.resolve()}")
        if replaced:  # an older version: the file says so too
            typer.echo(f"Achtung: {replaced}")
