"""``hausbesuch matrix``: travel times (or distances) between points, as a CSV matrix."""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from geodata.cache import atomic_write, refuse_special_target
from hausbesuch.commands._common import CityOption, OsmOption, count, user_errors
from hausbesuch.errors import UserError
from hausbesuch.safe_cells import write_csv

_ALIASES = {
    "id": {"id", "nr", "kennung", "punkt", "name"},
    "lat": {"lat", "latitude", "breite", "breitengrad", "y"},
    "lon": {"lon", "lng", "long", "longitude", "länge", "laenge", "längengrad", "x"},
}


@dataclass
class Points:
    ids: list[str]
    lons: list[float]
    lats: list[float]


def _decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UserError(f"{name}: Zeichenkodierung nicht erkannt (erwartet UTF-8 oder Windows-1252).")


def read_points(path: Path) -> Points:
    """Read ``id,lat,lon`` rows (``,`` ``;`` or tab separated; decimal comma with ``;``).

    Row numbers in errors are those a spreadsheet shows (header = row 1).
    """
    name = path.name
    text = _decode(path.read_bytes(), name)
    lines = text.splitlines()
    skipped = 0
    if lines and lines[0].strip().lower().startswith("sep="):
        delim = lines[0].strip()[4:5] or ","
        lines = lines[1:]
        skipped = 1
    else:
        head = lines[0] if lines else ""
        delim = max((";", ",", "\t"), key=head.count) if head else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)
    rows: list[list[str]] = []
    line_of: list[int] = []
    for row in reader:
        rows.append(row)
        line_of.append(reader.line_num + skipped)
    if not rows or not any(c.strip() for c in rows[0]):
        raise UserError(f"{name} ist leer: erwartet wird eine Kopfzeile id,lat,lon und Datenzeilen.")
    header = [c.strip().lower() for c in rows[0]]
    col: dict[str, int] = {}
    for field, names in _ALIASES.items():
        for i, h in enumerate(header):
            if h in names:
                col[field] = i
                break
    missing = [f for f in ("id", "lat", "lon") if f not in col]
    if missing:
        found = ", ".join(c for c in header if c) or "keine"
        raise UserError(
            f"{name}: Spalte(n) {', '.join(missing)} fehlen (gefunden: {found}). "
            "Erwartet wird eine Kopfzeile mit id, lat und lon."
        )
    ids: list[str] = []
    lons: list[float] = []
    lats: list[float] = []
    seen: dict[str, int] = {}
    for k, row in enumerate(rows[1:], start=1):
        rownum = line_of[k]
        if not any(c.strip() for c in row):
            continue

        def cell(field: str, row: list[str] = row) -> str:
            i = col[field]
            return row[i].strip() if i < len(row) else ""

        pid = cell("id")
        if not pid:
            raise UserError(f"{name}, Zeile {rownum}, Feld id: die Kennung fehlt.")
        if pid in seen:
            raise UserError(
                f"{name}, Zeile {rownum}, Feld id: die Kennung {pid!r} steht schon in Zeile "
                f"{seen[pid]}; jede Kennung darf nur einmal vorkommen."
            )
        seen[pid] = rownum
        values = {}
        for field, lo, hi in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
            raw = cell(field)
            txt = raw.replace(",", ".") if delim != "," else raw
            try:
                val = float(txt)
            except ValueError:
                what = "fehlt" if not raw else f"{raw!r} ist keine Zahl"
                raise UserError(
                    f"{name}, Zeile {rownum} (id {pid}), Feld {field}: {what}."
                ) from None
            if not math.isfinite(val) or not lo <= val <= hi:
                raise UserError(
                    f"{name}, Zeile {rownum} (id {pid}), Feld {field}: {raw!r} liegt nicht "
                    f"zwischen {lo:g} und {hi:g}."
                )
            values[field] = val
        ids.append(pid)
        lats.append(values["lat"])
        lons.append(values["lon"])
    if not ids:
        raise UserError(f"{name} enthält keine Datenzeilen (nur die Kopfzeile).")
    return Points(ids, lons, lats)


def write_matrix(path: Path, ids: list[str], values: object) -> None:
    """Write the matrix as CSV: header ``id,<id1>,<id2>…``, unreachable cells empty; ids
    made safe for spreadsheets (:mod:`hausbesuch.safe_cells`). Written beside ``path`` and
    renamed over it (:func:`geodata.cache.atomic_write`, owner only: ids may be case ids);
    a symbolic link, a FIFO, a device or a folder at ``path`` is refused, never written
    through."""
    import numpy as np

    arr = np.asarray(values)
    with atomic_write(path, "w", newline="", encoding="utf-8") as fh:
        write_csv(
            fh, None,
            [["id", *ids],
             *([pid, *("" if v < 0 else int(v) for v in row)] for pid, row in zip(ids, arr, strict=True))],
            delimiter=",",
        )


def register(app: typer.Typer) -> None:
    @app.command("matrix")
    @user_errors
    def matrix(
        points: Annotated[
            Path,
            typer.Argument(
                help="CSV mit den Spalten id, lat, lon (Trennzeichen , ; oder Tab; "
                "bei ; auch Dezimalkomma).",
                exists=False,
            ),
        ],
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                help="Ausgabe-CSV: erste Spalte id, dann eine Spalte je id; Zeile = von, "
                "Spalte = nach. Werte: Fahrzeit in Sekunden (mit --distances: Strecke in "
                "Metern). Nicht erreichbare Paare bleiben leer.",
            ),
        ],
        city: CityOption = None,
        osm: OsmOption = None,
        mode: Annotated[
            str | None,
            typer.Option("--mode", help="walk, bike oder drive (Standard: aus dem Profil)."),
        ] = None,
        distances: Annotated[
            bool,
            typer.Option(
                "--distances",
                help="Statt der Fahrzeiten die Strecken in Metern schreiben (Länge des "
                "schnellsten Wegs).",
            ),
        ] = False,
        stats: Annotated[
            bool,
            typer.Option(
                "--stats",
                help="Ein JSON-Objekt mit Kennzahlen auf die Standardausgabe schreiben "
                "(points, graph_nodes, matrix_seconds, snap_warnings …).",
            ),
        ] = False,
        max_snap_m: Annotated[
            float,
            typer.Option(
                "--max-snap-m", min=0.0, help="Warnen, wenn ein Punkt weiter vom Weg entfernt ist."
            ),
        ] = 300.0,
        walk_kmh: Annotated[float, typer.Option(help="Gehgeschwindigkeit in km/h.")] = 4.5,
        bike_kmh: Annotated[float, typer.Option(help="Radgeschwindigkeit in km/h.")] = 15.0,
    ) -> None:
        """Reisezeiten (oder Strecken) zwischen allen Punkten als CSV-Matrix berechnen.

        Jeder Punkt wird an die nächste Stelle des nächsten Wegs angebunden; der Weg vom Punkt zur Straße zählt mit Gehgeschwindigkeit (beim Fahrrad mit Radgeschwindigkeit). Einbahnstraßen machen die Matrix unsymmetrisch.
        """
        from geodata.matrix import travel_matrix
        from geodata.network import NetworkSettings, check_mode, load_network
        from hausbesuch.config import load_profile, resolve_osm

        refuse_special_target(out, "--out")  # before any work: a link, a FIFO, a device
        if mode is not None:
            check_mode(mode)
        pts = read_points(points)
        from hausbesuch.capacity import MATRIX_BYTES_PER_CELL, check_matrix_memory

        check_matrix_memory(len(pts.ids), bytes_per_cell=MATRIX_BYTES_PER_CELL)
        profile = load_profile(city)
        chosen_mode = check_mode(mode or profile.default_mode)
        settings = NetworkSettings(walk_kmh=walk_kmh, bike_kmh=bike_kmh)
        path = resolve_osm(profile, osm, progress=lambda msg: typer.echo(msg, err=True))
        t0 = time.perf_counter()
        net = load_network(path, chosen_mode, settings)
        load_s = time.perf_counter() - t0
        tm = travel_matrix(
            net, pts.lons, pts.lats, pts.ids, distances=distances, max_snap_m=max_snap_m
        )
        values = tm.distances if distances else tm.durations
        write_matrix(out, pts.ids, values)
        for w in tm.snap_warnings:
            typer.echo(f"Warnung: {w.message()}", err=True)
        unreachable = int((~tm.reachable).sum())
        if unreachable:
            typer.echo(
                f"Warnung: {count(unreachable, 'Paar ist', 'Paare sind')} nicht erreichbar "
                f"(leere Zellen).", err=True
            )
        if stats:
            info = {
                "points": len(pts.ids),
                "mode": chosen_mode,
                "graph_nodes": net.n_nodes,
                "graph_edges": net.n_edges,
                "matrix_seconds": round(tm.timings["matrix"], 4),
                "snap_seconds": round(tm.timings["snap"], 4),
                "hierarchy_seconds": round(tm.timings["hierarchy"], 4),
                "hierarchy_cache": tm.hierarchy_cache,
                "compile_seconds": round(tm.timings["compile"], 4),
                "network_seconds": round(load_s, 4),
                "network_cache": net.cache,
                "snap_warnings": [w.to_dict() for w in tm.snap_warnings],
                "unreachable_pairs": unreachable,
                "values": "distances_m" if distances else "durations_s",
                "osm": str(path),
                "out": str(out),
            }
            typer.echo(json.dumps(info, ensure_ascii=False))
        else:
            typer.echo(
                f"{len(pts.ids)}×{len(pts.ids)}-Matrix ({chosen_mode}) geschrieben: {out}", err=True
            )
