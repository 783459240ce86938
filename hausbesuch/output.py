"""Write the files of a plan into an output directory.

Layout of ``out_dir`` (all links relative, works from ``file://`` and any static server)::

    index.html             overview, team-day table, unassigned and rejected rows
    uebersicht.html        overview map (embedded in index.html)
    karten/<slug>.html     route map per team-day
    routen/<slug>.html     mobile route page per team-day
    druck/<slug>.html      printable A4 route sheet per team-day
    gpx/<slug>.gpx         GPX 1.1 per team-day
    assets/                Leaflet and plugins (local copies, with licences)
    plan.json, report.csv  written by the planning code; linked from index.html if present

``<slug>`` is :attr:`TeamDayRoute.slug` (team id + ISO date), reduced to characters that
are safe in file names and URLs. No file name or URL contains a client name.

The folder a plan is written into, its marker and the swap into place: see
:mod:`hausbesuch.planfolder`.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from geodata.cache import atomic_write
from hausbesuch.gpx import route_gpx
from hausbesuch.maps import (
    MapSettings,
    as_districts,
    overview_map,
    overview_map_heading,
    render_map,
    route_map,
    route_map_heading,
    vendor_dir,
)
from hausbesuch.pages import (
    IndexRoute,
    RouteLinks,
    index_page,
    print_sheet,
    route_page,
    team_out_note,
)
from hausbesuch.plandata import Plan, TeamDayRoute
from hausbesuch.planfolder import (
    ASSETS_DIRNAME,
    DOWNLOADS,
    GPX_DIR,
    INDEX_FILE,
    MAPS_DIR,
    OVERVIEW_FILE,
    PAGES_DIR,
    SHEETS_DIR,
)

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


@dataclass(frozen=True)
class RouteFiles:
    """The files of one team-day."""

    slug: str  # TeamDayRoute.slug as given
    stem: str  # the file-name stem actually used (safe characters only)
    map: Path
    page: Path
    sheet: Path
    gpx: Path


@dataclass(frozen=True)
class OutputFiles:
    """Everything :func:`write_outputs` wrote."""

    out_dir: Path
    index: Path
    overview_map: Path
    assets: Path
    routes: tuple[RouteFiles, ...]

    def by_slug(self, slug: str) -> RouteFiles:
        for rf in self.routes:
            if rf.slug == slug:
                return rf
        raise KeyError(slug)

    def all_files(self) -> list[Path]:
        """The HTML and GPX files (not the assets)."""
        files = [self.index, self.overview_map]
        for rf in self.routes:
            files += [rf.map, rf.page, rf.sheet, rf.gpx]
        return files


def safe_stem(slug: str) -> str:
    """File-name stem for a slug: ASCII letters, digits, ``.``, ``_``, ``-`` only."""
    s = unicodedata.normalize("NFKD", slug.translate(_TRANSLIT))
    s = s.encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-.")
    return s or "route"


def _write(path: Path, text: str) -> None:
    """Write atomically (temp file in the same directory, then replace), readable by the
    owner only (0600) whatever the umask: the pages hold addresses and notes."""
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def copy_assets(out_dir: Path) -> Path:
    """Copy the vendored Leaflet assets (with licences) to ``out_dir/assets``."""
    dest = out_dir / ASSETS_DIRNAME
    shutil.copytree(vendor_dir(), dest, dirs_exist_ok=True)
    return dest


def write_outputs(
    plan: Plan,
    out_dir: str | os.PathLike[str],
    *,
    districts: Any = None,
    settings: MapSettings | None = None,
    chances: Mapping[tuple[str, datetime], Any] | None = None,
    gone: Mapping[tuple[str, date], Mapping[int, str]] | None = None,
) -> OutputFiles:
    """Write the overview, maps, route pages, print sheets and GPX files of a plan.

    Parameters
    ----------
    plan : Plan
        The plan to show. Client names are never written.
    out_dir : path
        Output directory (created if missing). Existing ``plan.json`` / ``report.csv``
        there are linked from ``index.html``, so write them first.
    districts : Districts, GeoJSON FeatureCollection, GeoDataFrame (EPSG:4326) or
        ``(names, geometries)``, optional
        District polygons for outlines and colours.
    settings : MapSettings, optional
        Tiles, attribution, Google links; defaults to the OSM tile server.
    chances : mapping, optional
        (client id, start) -> estimated chance of contact and why, per planned visit
        (:func:`hausbesuch.athome.plan_chances`), shown on the route pages and print sheets.
    gone : mapping, optional
        (team id, day) -> stop position -> why the visit is off, its case closed since the
        plan (:func:`hausbesuch.casework.stops.gone_stops`): the route page and the print
        sheet show such a stop as the phone does (number struck through, „Besuch entfällt“).

    Returns
    -------
    OutputFiles
        Paths of everything written.
    """
    settings = settings or MapSettings(city=plan.city)
    dist = as_districts(districts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assets = copy_assets(out)
    up = f"../{ASSETS_DIRNAME}"

    geocodes = {g.client_id: g for g in plan.geocodes}  # a stop's point not the house
    used: set[str] = set()
    route_files: list[RouteFiles] = []
    index_routes: list[IndexRoute] = []
    for route in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        stem = base = safe_stem(route.slug)
        n = 2
        while stem.lower() in used:  # case-insensitive file systems
            stem = f"{base}-{n}"
            n += 1
        used.add(stem.lower())
        rf = RouteFiles(
            slug=route.slug,
            stem=stem,
            map=out / MAPS_DIR / f"{stem}.html",
            page=out / PAGES_DIR / f"{stem}.html",
            sheet=out / SHEETS_DIR / f"{stem}.html",
            gpx=out / GPX_DIR / f"{stem}.gpx",
        )
        links = RouteLinks(
            map=f"../{MAPS_DIR}/{stem}.html",
            page=f"../{PAGES_DIR}/{stem}.html",
            sheet=f"../{SHEETS_DIR}/{stem}.html",
            gpx=f"../{GPX_DIR}/{stem}.gpx",
            index=f"../{INDEX_FILE}",
        )
        m = route_map(
            route,
            settings,
            districts=dist,
            assets=up,
            links=[("Routenliste", links.page), ("Übersicht", links.index)],  # type: ignore[list-item]
            page_href=links.page,
            replaced=plan.replaced,
            geocodes=geocodes,
        )
        _write(rf.map, render_map(m, heading=route_map_heading(route)))
        off = (gone or {}).get((route.team_id, route.day))
        out_note = team_out_note(plan.params, route.team_id, route.day)
        _write(rf.page, route_page(route, settings, links=links, chances=chances,
                                   geocodes=geocodes, gone=off, replaced=plan.replaced,
                                   out_note=out_note))
        _write(rf.sheet, team_day_sheet(plan, route, settings, links=links, chances=chances,
                                        gone=gone, geocodes=geocodes))
        _write(rf.gpx, team_day_gpx(plan, route))
        route_files.append(rf)
        index_routes.append(
            IndexRoute(
                route=route,
                map=f"{MAPS_DIR}/{stem}.html",
                page=f"{PAGES_DIR}/{stem}.html",
                sheet=f"{SHEETS_DIR}/{stem}.html",
                gpx=f"{GPX_DIR}/{stem}.gpx",
            )
        )

    overview = out / OVERVIEW_FILE
    pages_by_slug = {ir.route.slug: ir.page for ir in index_routes}
    om = overview_map(plan, settings, districts=dist, assets=ASSETS_DIRNAME, route_pages=pages_by_slug)
    _write(overview, render_map(om, heading=overview_map_heading(plan)))

    downloads = {label: name for name, label in DOWNLOADS.items() if (out / name).is_file()}
    index = out / INDEX_FILE
    _write(
        index,
        index_page(plan, settings, routes=index_routes, overview_href=OVERVIEW_FILE, downloads=downloads),
    )
    return OutputFiles(
        out_dir=out, index=index, overview_map=overview, assets=assets, routes=tuple(route_files)
    )


def team_day_sheet(plan: Plan, route: TeamDayRoute, settings: MapSettings, *, links: RouteLinks,
                   chances: Mapping[tuple[str, datetime], Any] | None = None,
                   gone: Mapping[tuple[str, date], Mapping[int, str]] | None = None,
                   geocodes: Mapping[str, Any] | None = None) -> str:
    """The print sheet (Laufzettel) of one team-day of ``plan``, as :func:`write_outputs`
    writes it to ``druck/<slug>.html`` (``chances`` and ``gone`` as there; ``geocodes``:
    :attr:`Plan.geocodes` by client id, read from ``plan`` when not given). The web app
    serves the same sheet per team-day (``/plaene/{id}/druck/{team}/{tag}``)."""
    if geocodes is None:
        geocodes = {g.client_id: g for g in plan.geocodes}
    return print_sheet(route, settings, links=links, chances=chances, geocodes=geocodes,
                       gone=(gone or {}).get((route.team_id, route.day)),
                       replaced=plan.replaced,
                       out_note=team_out_note(plan.params, route.team_id, route.day),
                       web=plan.for_web)


def team_day_gpx(plan: Plan, route: TeamDayRoute) -> str:
    """The GPX of one team-day of ``plan``, as :func:`write_outputs` writes it to
    ``gpx/<slug>.gpx`` (a replaced version says so)."""
    return route_gpx(route, replaced=plan.replaced, replaced_version=plan.replaced_version)


def relocate(files: OutputFiles, new_dir: str | os.PathLike[str]) -> OutputFiles:
    """The same :class:`OutputFiles` with every path moved from ``files.out_dir`` to ``new_dir``."""
    new = Path(new_dir)

    def move(p: Path) -> Path:
        return new / p.relative_to(files.out_dir)

    routes = tuple(replace(rf, map=move(rf.map), page=move(rf.page), sheet=move(rf.sheet),
                           gpx=move(rf.gpx)) for rf in files.routes)
    return OutputFiles(out_dir=new, index=move(files.index),
                       overview_map=move(files.overview_map), assets=move(files.assets),
                       routes=routes)
