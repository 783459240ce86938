"""``hausbesuch geocode``: find every address of a CSV/XLSX list in the local OSM extract.

The output has every input row, in input order (an empty row between the data rows too,
as ``unresolved`` „Keine Adresse in dieser Zeile.“; not blank text lines or the empty rows
after the last one), with all its columns and seven more:
``lat``, ``lon``, ``geo_quality`` (exact / interpolated / street / unresolved),
``geo_score`` (0-1), ``geo_match`` (the address as written in OSM), ``geo_reason`` (German,
why it is not ``exact``; suggestions for unresolved rows) and ``district``. It is written
as UTF-8 with BOM and ``;`` as delimiter, so German Excel opens it directly. No address
leaves the machine: the index is built from the extract.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from geodata.cache import atomic_write, refuse_special_target
from hausbesuch.commands._common import CityOption, JsonOption, OsmOption, count, user_errors
from hausbesuch.errors import UserError, cannot_write
from hausbesuch.safe_cells import write_csv as safe_write_csv

#: Columns added to the input, in this order.
GEO_COLUMNS = ("lat", "lon", "geo_quality", "geo_score", "geo_match", "geo_reason", "district")


#: ``geo_reason`` of a row without any address (an empty row, or no address cell filled)
NO_ADDRESS = "Keine Adresse in dieser Zeile."


def geocode_table_rows(table: Any, index: Any, districts: Any | None = None
                       ) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Geocode a :class:`hausbesuch.tabular.Table`; returns (columns, rows) for the output
    and German notes on the rows (a PLZ that is no postcode, :func:`postcode_note`).

    Raises :class:`UserError` when the table has no address column. Every input row gives
    exactly one output row, in order; a row with more fields than the header (its cells
    shifted, :meth:`~hausbesuch.tabular.Table.row_problem`) or an address cell that Excel
    made a date of (:meth:`~hausbesuch.tabular.Table.address_problem`), or one holding a
    spreadsheet's error value (``#NV``) or a formula without a stored value (as the client
    list rejects it, :func:`hausbesuch.clients.unreadable_cells`) is not geocoded:
    unresolved, the problem in ``geo_reason``. An empty row between the data rows (an
    empty spreadsheet row, a CSV record of delimiters only: ``Table.empty_rows``) is a row
    too: unresolved, „Keine Adresse in dieser Zeile.“, in its place. Blank text lines and
    the empty rows after the last data row are not rows of the list.

    The PLZ is read as the client list reads it (:func:`hausbesuch.clients.postcode_cells`):
    ``D-36251``, ``36 251``, ``36251.0`` are searched as 36251; one that is no postcode
    (``362511``, ``3625x``) is left out of the address searched (street and town find it)
    and named, row and column, in the note returned. The output keeps the cells as typed.
    """
    from geodata.geocode import geocode_table
    from hausbesuch.clients import postcode_cells, postcode_note, unreadable_cells
    from hausbesuch.tabular import address_columns, address_from_row

    roles = address_columns(table.columns, source=table.source)

    def unreadable(n: int, row: Mapping[str, str]) -> str:
        # an address cell holding a spreadsheet's error value (#NV) or a formula without a
        # stored value: no address, as the client list rejects it (not a PLZ left out)
        return "; ".join(reason for _, reason in unreadable_cells(
            table, n, row, roles, [], roles).values())

    # a row with more fields than the header has its cells shifted, an address cell Excel
    # turned into a date ("12-14" as 14.12.2026) is another address: neither is geocoded
    # (a row cut short only in columns of no address part is geocoded: QA 45b F1's rule)
    read = set(roles.values())
    problems = [table.row_problem(n, read) or (table.address_problem(n, row, roles)
                                               or ("", ""))[1]
                or unreadable(n, row)
                for n, row in zip(table.row_numbers, table.rows, strict=True)]
    lines: list[str] = []
    odd: list[tuple[int, str, str]] = []  # (row, column, text): a PLZ that is no postcode
    for n, row, problem in zip(table.row_numbers, table.rows, problems, strict=True):
        if problem:
            lines.append("")
            continue
        read, odd_here = postcode_cells(table, n, row, roles, {})
        odd += [(n, col, text) for col, text in odd_here]
        lines.append(address_from_row(read, roles))
    notes = [postcode_note(table.source, odd, the_list="der Liste")] if odd else []
    # the empty rows between data rows, in their places: rows without an address
    if empty := getattr(table, "empty_rows", None):
        blank = dict.fromkeys(table.columns, "")
        merged = sorted([*zip(table.row_numbers, table.rows, problems, lines, strict=True),
                         *((n, dict(blank), "", "") for n in empty)], key=lambda x: x[0])
        table_rows = [x[1] for x in merged]
        problems = [x[2] for x in merged]
        lines = [x[3] for x in merged]
    else:
        table_rows = list(table.rows)
    results = geocode_table(index, lines)
    names = [""] * len(results)
    if districts is not None and results:
        import numpy as np

        found = [i for i, r in enumerate(results) if r.lon is not None]
        if found:
            lons = np.array([results[i].lon for i in found], dtype=float)
            lats = np.array([results[i].lat for i in found], dtype=float)
            for i, name in zip(found, districts.assign(lons, lats), strict=True):
                names[i] = str(name)
    columns = list(table.columns) + [c for c in GEO_COLUMNS if c not in table.columns]
    rows: list[dict[str, str]] = []
    for row, line, r, district, problem in zip(table_rows, lines, results, names, problems,
                                               strict=True):
        reason = r.reason
        if problem:
            reason = problem + "."
        elif not line:
            reason = NO_ADDRESS
        if r.suggestions:
            reason = (reason + " Vorschläge: " + " | ".join(r.suggestions)).strip()
        out = dict(row)
        out.update(
            lat="" if r.lat is None else f"{r.lat:.7f}",
            lon="" if r.lon is None else f"{r.lon:.7f}",
            geo_quality=r.quality,
            geo_score=f"{r.score:.2f}",
            geo_match=r.match,
            geo_reason=reason,
            district=district,
        )
        rows.append(out)
    return columns, rows, notes


def check_writable(path: Path, option: str = "--out") -> None:
    """Refuse an output file whose folder (or, for a folder still to be made, the nearest
    one there is) cannot be written, before any work is done: a read-only mount, a folder
    without the right to write. Tried with a nameless temporary file, which also holds
    for root (who ignores the folder's mode bits, not a read-only mount)."""
    import tempfile

    from hausbesuch.errors import write_cause

    folder = Path(path).expanduser().absolute().parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(f"{option} {path}: in {folder} kann nicht geschrieben werden "
                        f"({write_cause(exc)}).") from None


def check_target(path: Path, option: str = "--out", example: str = "geokodiert.csv",
                 inputs: Sequence[Path] = ()) -> None:
    """Refuse an output file before any work is done: its folder is missing or cannot be
    written, it is a folder, something else that is not a regular file (a symbolic link,
    a FIFO, a device such as ``/dev/null``: the file is renamed over the path and would
    replace it), or it is one of the command's ``inputs`` (writing would replace the
    list)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise UserError(f"{option}: der Ordner {path.parent} existiert nicht.")
    if path.is_dir():
        raise UserError(f"{option} {path}: das ist ein Ordner; bitte einen Dateinamen angeben "
                        f"(z. B. {example}).")
    refuse_special_target(path, option)
    for given in inputs:
        if path.exists() and Path(given).exists() and path.samefile(given):
            raise UserError(f"{option} {path}: das ist die eingelesene Datei selbst; sie würde "
                            f"überschrieben. Bitte einen anderen Dateinamen angeben (z. B. "
                            f"{example}).")
    check_writable(path, option)


#: Endings of files that are not CSV: a CSV text under such a name does not open there
#: (Excel refuses an .xlsx that is text).
_NOT_CSV = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".json", ".gpkg", ".pdf", ".html",
                      ".gpx", ".zip"})


def check_csv_name(path: Path, option: str = "--out", example: str = "geokodiert.csv") -> None:
    """Refuse a CSV output named as another format (review 20b #5: ``--out x.xlsx`` got
    CSV text that Excel would not open)."""
    suffix = Path(path).suffix.lower()
    if suffix in _NOT_CSV:
        raise UserError(f"{option} {path}: geschrieben wird eine CSV-Datei (Excel und "
                        f"LibreOffice öffnen sie direkt), keine {suffix}-Datei; bitte einen "
                        f"Namen auf .csv angeben (z. B. {example}).")


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], *,
              option: str = "--out", example: str = "geokodiert.csv") -> Path:
    """Write rows as ``;``-separated UTF-8 (with BOM) atomically; cells made safe for Excel
    (:mod:`hausbesuch.safe_cells`). ``option`` and ``example`` word the messages."""
    path = Path(path)
    check_csv_name(path, option, example)
    check_target(path, option, example)
    try:
        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
            safe_write_csv(fh, columns, rows, delimiter=";")
    except OSError as exc:
        raise cannot_write(path, exc, option=option) from None
    return path


def register(app: typer.Typer) -> None:
    @app.command("geocode")
    @user_errors
    def geocode(
        input: Annotated[
            Path, typer.Argument(help="Adressliste (CSV oder XLSX) mit Spalte „Adresse“ oder "
                                 "„Straße“, „Hausnummer“, „PLZ“, „Ort“.")
        ],
        out: Annotated[Path, typer.Option("--out", help="Ausgabedatei (CSV).")],
        osm: OsmOption = None,
        city: CityOption = None,
        districts_file: Annotated[
            Path | None,
            typer.Option("--districts",
                         help="Bezirksdatei (GeoJSON, GeoPackage, Shapefile) für die Spalte "
                              "„district“."),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Adressen offline geokodieren (ohne Internet: nur der lokale OSM-Auszug).

        Jede Eingabezeile erscheint in der Ausgabe, in derselben Reihenfolge, mit allen
        Spalten plus lat, lon, geo_quality, geo_score, geo_match, geo_reason und district.
        Eine Kopfzeile über zwei Zeilen (Überschriften über den Spaltennamen) wird als
        eine Kopfzeile geschrieben.
        """
        from geodata.errors import GeodataError
        from geodata.geocode import load_index
        from hausbesuch.tabular import (
            MIXED_ENCODING,
            address_columns,
            client_header_name,
            read_table,
        )

        def has_address(columns: list[str]) -> bool:
            try:
                address_columns(columns)
            except UserError:
                return False
            return True

        # fail on a bad input or output before the slow steps
        check_csv_name(out)
        check_target(out, inputs=[input])
        # a header over two rows (group headings above the column names) is read as one,
        # as the client list reads it: the output's header row holds the column names of
        # the second row, which is not geocoded as an address; refused as the list is
        # when that row also holds values (QA 26 F2 follow-up)
        table = read_table(input, required=has_address, known=client_header_name)
        address_columns(table.columns, source=table.source)
        for note in table.notes():  # sheet read, title rows, hidden rows, …
            typer.echo(f"Hinweis: {note}", err=True)
        if wide := ", ".join(map(str, sorted(table.wide_rows))):
            typer.echo(f"Hinweis: {table.source}: " + (
                f"Zeile {wide} hat mehr Felder als die Kopfzeile und wird"
                if len(table.wide_rows) == 1 else
                f"Zeilen {wide} haben mehr Felder als die Kopfzeile und werden")
                + " nicht geokodiert (der Grund steht in geo_reason).", err=True)
        if table.encoding == MIXED_ENCODING:
            typer.echo(f"Hinweis: {table.source} mischt UTF-8 und Windows-1252; jede Zeile "
                       "wurde für sich gelesen.", err=True)
        if not table.rows:
            typer.echo(f"Hinweis: {table.source} enthält keine Datenzeilen (nur die Kopfzeile).",
                       err=True)

        profile = None
        if city is not None or osm is None:
            from hausbesuch.config import load_profile, resolve_osm

            profile = load_profile(city)
            osm_path = resolve_osm(profile, osm)
        else:
            from geodata.osm import check_extract

            osm_path = check_extract(osm)
        index = load_index(osm_path)

        districts = None
        try:
            from geodata.districts import load_districts

            kwargs: dict[str, Any] = {"districts_file": districts_file}
            if profile is not None:
                from hausbesuch.config import district_options

                kwargs = district_options(profile, districts_file)
            districts = load_districts(osm_path, **kwargs)
            for note in getattr(districts, "notes", []) or []:
                typer.echo(f"Hinweis: {note}", err=True)
        except GeodataError as exc:
            if districts_file is not None:
                raise
            typer.echo(f"Hinweis: keine Bezirke ({exc}); Spalte „district“ bleibt leer.",
                       err=True)

        columns, rows, notes = geocode_table_rows(table, index, districts)
        for note in notes:  # a PLZ that is no postcode: searched without it
            typer.echo(f"Hinweis: {note}", err=True)
        write_csv(out, columns, rows)
        counts = Counter(r["geo_quality"] for r in rows)
        # rows with no address at all (an empty row of the list) are not addresses that
        # were not found: counted apart (review 20b; ``unresolved`` holds them too)
        empty = sum(1 for r in rows if r["geo_reason"] == NO_ADDRESS)
        if as_json:
            summary = {"rows": len(rows), **{q: counts.get(q, 0) for q in
                                             ("exact", "interpolated", "street", "unresolved")},
                       "no_address": empty, "osm": str(osm_path), "out": str(out)}
            typer.echo(json.dumps(summary, ensure_ascii=False))
        missing = counts.get("unresolved", 0) - empty
        typer.echo(
            f"{count(len(rows), 'Zeile', 'Zeilen')} geokodiert: {counts.get('exact', 0)} exakt, "
            f"{counts.get('interpolated', 0)} interpoliert, {counts.get('street', 0)} nur "
            f"Straße, {missing} nicht gefunden"
            + (f", {count(empty, 'Zeile', 'Zeilen')} ohne Adresse" if empty else "")
            + f". Ergebnis: {out}",
            err=True,
        )
