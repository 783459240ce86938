"""``hausbesuch districts``: build the district polygons of a town and write them as GeoJSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import (
    CityOption,
    JsonOption,
    OsmOption,
    count,
    progress_enabled,
    user_errors,
)


@contextmanager
def download_progress() -> Iterator[Callable[[str], None]]:
    """A progress callback for :func:`geodata.download.download_place`.

    On a terminal a rich status line (spinner) shows the current step; otherwise
    each step is printed as one line on stderr.
    """
    if not progress_enabled():
        yield lambda msg: typer.echo(msg, err=True)
        return
    from rich.console import Console

    console = Console(stderr=True, log_path=False)
    with console.status("OSM-Daten werden geladen …") as status:

        def update(msg: str) -> None:
            status.update(msg)
            console.log(msg)

        yield update


def register(app: typer.Typer) -> None:
    @app.command("districts")
    @user_errors
    def districts(
        out: Annotated[
            Path, typer.Option("--out", help="Ausgabedatei (GeoJSON) mit den Bezirken.")
        ],
        city: CityOption = None,
        osm: OsmOption = None,
        districts_file: Annotated[
            Path | None,
            typer.Option(
                "--districts",
                help="Bezirksdatei (GeoJSON, GeoPackage oder Shapefile) mit einer Namensspalte.",
            ),
        ] = None,
        name_column: Annotated[
            str | None,
            typer.Option("--name-column", help="Namensspalte der Bezirksdatei (sonst erkannt)."),
        ] = None,
        admin_level: Annotated[
            int | None,
            typer.Option(
                "--admin-level",
                min=2,
                max=12,
                help="OSM-admin_level der Bezirksgrenzen (Standard: aus dem Profil, sonst 10).",
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Bezirke (Stadtteile) bilden und als GeoJSON schreiben.

        Quelle: die Bezirksdatei, sonst vollständige OSM-Grenzen auf dem admin_level,
        sonst Ersatzbezirke um die Ortsteil-Knoten des OSM-Auszugs.
        """
        from geodata.cache import refuse_special_target
        from geodata.districts import load_districts
        from hausbesuch.config import (
            district_options,
            load_profile,
            resolve_data_file,
            resolve_districts_file,
            resolve_osm,
        )

        refuse_special_target(out, "--out")  # before the work: a link, a FIFO, a device
        # --osm without --city: the default profile's district settings (Kassel's
        # names and source) do not belong to another town's extract.
        use_profile = city is not None or osm is None
        profile = load_profile(city) if use_profile else None
        if profile is not None:
            file = resolve_districts_file(profile, districts_file)
            local = profile.osm.file and resolve_data_file(profile, profile.osm.file) is not None
            if file is not None and osm is None and not local:
                osm_path = None  # a district file needs no download of the town's OSM data
            else:
                with download_progress() as progress:
                    osm_path = resolve_osm(profile, osm, progress=progress)
            opts = district_options(profile, districts_file)
            level = admin_level if admin_level is not None else opts["admin_level"]
            column = name_column or opts["name_column"]
            source = opts["source"]
            known = opts["known_names"]
        else:
            from geodata.osm import check_extract

            osm_path = check_extract(osm)  # type: ignore[arg-type]
            file = districts_file
            level = admin_level if admin_level is not None else 10
            column = name_column
            source = "auto"
            known = []
        result = load_districts(
            osm_path,
            districts_file=file,
            admin_level=level,
            name_column=column,
            source=source,
            known_names=known,
        )
        written = result.to_geojson(out)
        for note in result.notes:
            typer.echo(f"Hinweis: {note}", err=True)
        if as_json:
            summary = {
                "source": result.source,
                "districts": len(result),
                "names": result.names,
                "osm": str(osm_path) if osm_path is not None else None,
                "out": str(written),
            }
            typer.echo(json.dumps(summary, ensure_ascii=False))
        typer.echo(f"{count(len(result), 'Bezirk', 'Bezirke')} nach {written} geschrieben.",
                   err=True)
