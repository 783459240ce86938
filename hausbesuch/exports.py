"""Exports of a stored plan for colleagues: a GeoPackage for QGIS, an XLSX workbook for Excel.

Neither holds a client name, an address note or any free text a coordinator typed about a
person: case ids, times, districts, reasons and (in the workbook's team-day sheets) the
visit address, which field workers need on paper anyway. A ``c/o``/``bei`` line names a
third person (the host): it is left out of the address and of every reason that quotes
the address (:func:`without_care_of`); the worker's route pages and the letters keep it.

GeoPackage layers (EPSG:4326, lon/lat):

``besuche``           points: one per planned visit (case id, team, day, position: the
                      number the pages show, none for a visit called off; times,
                      the window announced by letter, ``ergebnis``: as report.csv says it
                      first, „erledigt 09:40 Uhr: …“ for a visit made, „kein Ergebnis
                      erfasst“ for one on a day gone by without an outcome, else empty;
                      ``entfaellt`` ``ja``/``nein`` and ``entfaellt_seit``: a visit called
                      off since the plan was made)
``touren``            lines: one per team-day, the street-following path of its legs
``stadtteile``        (multi)polygons: the city's districts with planned/unassigned counts
``nicht_eingeplant``  points: the cases not planned, with reason; the rows the plan rejected
                      (address not found, a duplicate id, …) with an empty geometry and
                      ``grund_code`` ``abgelehnt_<field>``; ``zeile`` (the input row) and
                      ``status`` (``nicht_eingeplant``/``abgelehnt``) as in report.csv

A version a re-plan has replaced (:attr:`Plan.replaced`) says so: the column ``ersetzt``
of ``besuche`` and ``touren`` (empty for the newest version) and the row „Achtung“ of the
workbook's ``Übersicht``.

Workbook sheets: ``Übersicht`` (the plan and one line per team-day), ``Bericht`` (the report,
one line per input row) and one sheet per team-day. Dates and times are real date/time
cells; every sheet has widths, a frozen header and an autofilter. No cell is ever a formula:
see :func:`xlsx_value`.

A visit called off since the plan was made (:attr:`PlannedStop.called_off`, a case closed
after its announcement), and one whose case was closed since without a call-off
(:attr:`PlannedStop.gone`, ``entfaellt_seit`` the day of the status), stays in the visit layer and on its team-day's sheet, marked
(``entfaellt``/„Entfällt“ ja, and the day since), but is not counted among the visits, as
on the pages („11 Besuche, 1 weiterer entfällt“): ``touren``/„Übersicht“ count the visits
still to do (``besuche``) and those called off (``entfallen``), ``stadtteile`` likewise;
in the workbook's report a case whose every visit is called off has the status
``entfallen``. Times, distances and durations (arrival, start, travel, visit and waiting
time, km, return) stay those of the plan as made, with the detour, as on the pages: the
way without the called-off visit is computed by the re-plan.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from geodata.cache import atomic_path
from hausbesuch.care_of import CareOf, without_care_of
from hausbesuch.errors import UserError
from hausbesuch.plandata import (
    STATUS_CALLED_OFF,
    STATUS_PLANNED,
    STATUS_REJECTED,
    STATUS_UNASSIGNED,
    Plan,
    PlannedStop,
    TeamDayRoute,
)
from hausbesuch.safe_cells import is_formula_like, safe_cell

__all__ = [
    "GPKG_LAYERS",
    "ExportError",
    "promises_of",
    "without_care_of",
    "write_gpkg",
    "write_xlsx",
    "xlsx_value",
]

#: Layer names of the GeoPackage and their geometry types.
GPKG_LAYERS = {
    "besuche": "Point",
    "touren": "LineString",
    "stadtteile": "MultiPolygon",
    "nicht_eingeplant": "Point",
}
CRS = "EPSG:4326"


class ExportError(UserError):
    """An export cannot be written (German message)."""


def _check_target(path: Path, suffix: str) -> Path:
    from hausbesuch.planfolder import private_dir

    path = path.expanduser()
    if path.suffix.lower() != suffix:
        raise ExportError(f"--out {path}: die Datei muss auf {suffix} enden.")
    if path.is_dir():
        raise ExportError(f"--out {path}: ist ein Ordner, erwartet wird eine Datei.")
    private_dir(path.parent)  # addresses and exact points: a new folder is the owner's only
    return path


def _route_line(route: TeamDayRoute) -> list[tuple[float, float]]:
    """The route's street-following path: its legs joined (straight lines without legs)."""
    pts: list[tuple[float, float]] = []
    if route.legs:
        for leg in route.legs:
            for p in leg:
                q = (float(p[0]), float(p[1]))
                if not pts or pts[-1] != q:
                    pts.append(q)
    else:
        pts = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    if len(pts) == 1:
        pts.append(pts[0])
    return pts


# --------------------------------------------------------------------------- GeoPackage


def promises_of(store: Any, plan: Plan) -> Promises:
    """The windows announcement letters promised for the visits of a plan, per visit id
    (a client with two visits in the plan, one called off, has a promise for each), each
    only when it is for the day the plan visits on."""
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    days = {s.visit_id: r.day for r in plan.routes for s in r.stops if s.visit_id}
    ids = sorted(days)
    out: Promises = {}
    with store.session() as sess:
        for k in range(0, len(ids), 500):
            q = select(CaseVisitRow).where(CaseVisitRow.visit_id.in_(ids[k:k + 500]),
                                           CaseVisitRow.promised_start.is_not(None))
            for v in sess.scalars(q):
                # only a promise for the stop's own day (QA 25 F2: a re-plan moved the
                # visit to another day, where a letter announced it; the replaced
                # version's row on the old day must not carry that window)
                if v.promised_start.date() == days[v.visit_id]:
                    out[v.visit_id] = (v.promised_start, v.promised_end)
    return out


Promises = dict[str, tuple[datetime, datetime]]


def write_gpkg(plan: Plan, districts: Sequence[tuple[str, dict[str, Any]]], out: Path, *,
               promises: Promises | None = None, chances: Any = None) -> Path:
    """Write the plan's GeoPackage (see the module docstring); replaces an existing file.

    ``districts`` is the store's ``[(name, GeoJSON geometry)]`` of the plan's city;
    ``promises`` the windows announced by letter, per visit id (:func:`promises_of`);
    ``chances`` each visit's estimated chance of contact (:class:`hausbesuch.athome.
    VisitChances`): ``chance_kontakt`` (0–1, empty for a time agreed with the client or
    without an estimate) and ``chance_grund`` of the layer ``besuche``.
    """
    promises = promises or {}
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString, MultiPolygon, Point, shape

    from hausbesuch.planning.report import visit_outcome

    out = _check_target(Path(out), ".gpkg")

    def frame(records: list[dict[str, Any]], geoms: list[Any], columns: list[str],
              dtypes: dict[str, str]) -> gpd.GeoDataFrame:
        df = pd.DataFrame.from_records(records, columns=columns)
        for col, dt in dtypes.items():
            df[col] = df[col].astype(dt)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)

    visits, visit_geoms = [], []
    routes, route_geoms = [], []
    planned_by_district: dict[str, int] = {}
    off_by_district: dict[str, int] = {}
    for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        for s, nr in zip(r.stops, r.numbers, strict=True):
            visits.append({
                "plan_id": plan.id, "kundennummer": s.client_id, "besuch_id": s.visit_id,
                "team": r.team_id, "datum": pd.Timestamp(r.day), "position": nr,
                "ankunft": _minute(s.arrival), "beginn": _minute(s.start),
                "ende": _minute(s.end),
                "besuch_min": round((s.end - s.start).total_seconds() / 60),
                "zeitfenster": s.window_text, "stadtteil": s.district,
                "angekuendigt_von": promises.get(s.visit_id, (None, None))[0],
                "angekuendigt_bis": promises.get(s.visit_id, (None, None))[1],
                "ergebnis": visit_outcome(s), "entfaellt": _yes_no(s.off),
                "entfaellt_seit": pd.Timestamp(_off_since(s)) if _off_since(s) else None,
                "ersetzt": plan.replaced,
                **_chance_fields(None if s.off or not chances else chances.of(s)),
            })
            visit_geoms.append(Point(s.lon, s.lat))
            counts = off_by_district if s.off else planned_by_district
            counts[s.district] = counts.get(s.district, 0) + 1
        routes.append({
            "plan_id": plan.id, "team": r.team_id, "datum": pd.Timestamp(r.day),
            "modus": r.mode, "besuche": len(r.to_visit),
            "entfallen": len(r.stops) - len(r.to_visit), "abfahrt": _minute(r.depart),
            "rueckkehr": None if r.ends_open else _minute(r.return_),
            "wegezeit_min": round(r.travel_s / 60),
            "besuchszeit_min": round(r.service_s / 60), "wartezeit_min": round(r.waiting_s / 60),
            "strecke_km": round(r.distance_m / 1000, 2), "ersetzt": plan.replaced,
        })
        route_geoms.append(LineString(_route_line(r)))
    unassigned, un_geoms = [], []
    un_by_district: dict[str, int] = {}
    care_of = CareOf(plan)
    # the input row and status of report.csv (QA 25 F10): a row rejected for a duplicate
    # id names the id of a case the plan holds, and must not read as that case not planned
    rows = {c.id: c.row for c in plan.clients if c.row}
    for u in plan.unassigned:
        unassigned.append({"plan_id": plan.id, "kundennummer": u.client_id,
                           "zeile": rows.get(u.client_id), "status": STATUS_UNASSIGNED,
                           "grund_code": u.code,
                           "grund": care_of.text(u.client_id, u.reason),
                           "stadtteil": u.district})
        un_geoms.append(Point(u.lon, u.lat) if u.lon is not None and u.lat is not None else None)
        un_by_district[u.district] = un_by_district.get(u.district, 0) + 1
    # each input row once: a case's rejected row is listed beside the case not planned
    # (a duplicate id of it), only the same row twice is not (by case id, a duplicate
    # row of a case not planned was dropped: nothing is lost)
    # (a row without a Kundennummer, or with one withheld as looking like a name, too:
    # listed by its row, as report.csv lists it)
    listed = {(u.client_id, rows.get(u.client_id)) for u in plan.unassigned}
    for rj in plan.rejected:  # a case the plan could not take (address not found, …)
        if (rj.id or rj.row) and (rj.id, rj.row or None) not in listed:
            listed.add((rj.id, rj.row or None))
            unassigned.append({"plan_id": plan.id, "kundennummer": rj.id,
                               "zeile": rj.row or None, "status": STATUS_REJECTED,
                               "grund_code": f"abgelehnt_{rj.field}",
                               "grund": care_of.text(rj.id, rj.reason),
                               "stadtteil": ""})
            un_geoms.append(None)
    dist, dist_geoms = [], []
    for name, geom in districts:
        g = shape(geom)
        if g.geom_type == "Polygon":
            g = MultiPolygon([g])
        elif g.geom_type != "MultiPolygon":
            continue
        dist.append({"name": name, "geplant": planned_by_district.get(name, 0),
                     "entfallen": off_by_district.get(name, 0),
                     "nicht_eingeplant": un_by_district.get(name, 0)})
        dist_geoms.append(g)

    layers = {
        "besuche": frame(visits, visit_geoms,
                         ["plan_id", "kundennummer", "besuch_id", "team", "datum", "position",
                          "ankunft", "beginn", "ende", "besuch_min", "zeitfenster", "stadtteil",
                          "angekuendigt_von", "angekuendigt_bis", "ergebnis", "entfaellt",
                          "entfaellt_seit", "ersetzt", "chance_kontakt", "chance_grund"],
                         {"datum": "datetime64[ms]", "ankunft": "datetime64[ms]",
                          "chance_kontakt": "float64",
                          "beginn": "datetime64[ms]", "ende": "datetime64[ms]",
                          "position": "Int32", "besuch_min": "int32",
                          "angekuendigt_von": "datetime64[ms]",
                          "angekuendigt_bis": "datetime64[ms]",
                          "entfaellt_seit": "datetime64[ms]"}),
        "touren": frame(routes, route_geoms,
                        ["plan_id", "team", "datum", "modus", "besuche", "entfallen", "abfahrt",
                         "rueckkehr", "wegezeit_min", "besuchszeit_min", "wartezeit_min",
                         "strecke_km", "ersetzt"],
                        {"datum": "datetime64[ms]", "abfahrt": "datetime64[ms]",
                         "rueckkehr": "datetime64[ms]", "besuche": "int32",
                         "entfallen": "int32"}),
        "stadtteile": frame(dist, dist_geoms, ["name", "geplant", "entfallen",
                                               "nicht_eingeplant"],
                            {"geplant": "int32", "entfallen": "int32",
                             "nicht_eingeplant": "int32"}),
        "nicht_eingeplant": frame(unassigned, un_geoms,
                                  ["plan_id", "kundennummer", "zeile", "status", "grund_code",
                                   "grund", "stadtteil"],
                                  {"zeile": "Int32"}),
    }
    from pyogrio.errors import DataLayerError, DataSourceError

    with atomic_path(out, suffix=".gpkg") as tmp:  # the owner's only (0600), as it is written
        try:
            for name, gdf in layers.items():
                gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                            geometry_type=GPKG_LAYERS[name])
        except (DataLayerError, DataSourceError) as exc:
            if _disk_full(tmp.parent, exc):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out)) from None
            raise
    return out


#: Free space under which a failed GDAL write is taken for a full disk.
_NEARLY_FULL = 1 << 20


def _disk_full(folder: Path, exc: Exception) -> bool:
    """Whether GDAL's error ``exc`` writing into ``folder`` came from a full disk: GDAL
    reports SQLite's failed page writes in words of their own („no such table:
    gpkg_contents“, QA 45b F3), so its message says so, or the disk has (almost) no room."""
    if any(w in str(exc).lower() for w in ("disk is full", "no space left", "disk quota")):
        return True
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _NEARLY_FULL


# --------------------------------------------------------------------------- XLSX

#: What counts as a formula start is :func:`hausbesuch.safe_cells.is_formula_like`, as
#: for every CSV; :func:`hausbesuch.safe_cells.safe_cell` neutralises it.
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")


def xlsx_value(cell: Any, value: Any) -> None:
    """Set a cell so that it can never be a formula.

    Every string is stored as a text cell (type ``s``), cut and neutralised by
    :func:`hausbesuch.safe_cells.safe_cell` like every CSV cell of the project: a string
    starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` (and Excel's
    quote prefix, so that editing the cell keeps it text), and no cell is longer than
    2,000 characters. Characters XML cannot hold are dropped. Other values (numbers,
    dates, times) are stored as they are: a negative number we write is a number.
    """
    if isinstance(value, str):
        raw = _ILLEGAL_XML.sub("", value)
        text = safe_cell(raw)
        cell.value = text
        cell.data_type = "s"
        if is_formula_like(raw):  # neutralised with "'" (the one definition, safe_cells)
            cell.quotePrefix = True
    else:
        cell.value = value


_DATE_FMT = "DD.MM.YYYY"
_TIME_FMT = "HH:MM"
_DATETIME_FMT = "DD.MM.YYYY HH:MM"


def _sheet(wb: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
           widths: Sequence[int]) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title)
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=1, column=j)
        xlsx_value(c, h)
        c.font = Font(bold=True)
    n = 1
    for i, row in enumerate(rows, start=2):
        n = i
        for j, v in enumerate(row, start=1):
            c = ws.cell(row=i, column=j)
            xlsx_value(c, v)
            if isinstance(v, datetime):
                c.number_format = _DATETIME_FMT
            elif isinstance(v, date):
                c.number_format = _DATE_FMT
            elif isinstance(v, time):
                c.number_format = _TIME_FMT
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(n, 1)}"
    return ws


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _shortened(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters: its start and its end (where team ids
    differ: „…_0001“) around „…“."""
    if len(text) <= room:
        return text
    head = (room - 1) // 2
    return text[:head] + "…" + text[len(text) - (room - 1 - head):]


def _team_day_title(r: TeamDayRoute, used: set[str]) -> str:
    """A team-day sheet's name (Excel: at most 31 characters, unique regardless of case):
    the team and the date, „team-1 08.12.2026“; a long team id is shortened in its middle,
    so that the date and the id's start and end stay („Team_Süd_…ienst_0001 08.12.2026“,
    QA 25 F5); a name taken already gets „(2)“ before the date. The sheet's Team and Datum
    columns hold the full values."""
    day = f" {r.day:%d.%m.%Y}"
    team = _SHEET_BAD.sub("_", r.team_id).strip("'").strip() or "Tour"
    title, k = _shortened(team, 31 - len(day)) + day, 2
    while title.lower() in used:
        suffix = f" ({k})"
        title, k = _shortened(team, 31 - len(day) - len(suffix)) + suffix + day, k + 1
    used.add(title.lower())
    return title


def _clock(text: str) -> time | str:
    try:
        return time.fromisoformat(text) if text else ""
    except ValueError:
        return text


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text) if text else ""
    except ValueError:
        return text


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


#: Columns of report.csv -> (German header, cell value, width) in the workbook.
_REPORT_COLUMNS = {
    "zeile": ("Zeile", _number, 7),
    "id": ("Kundennummer", str, 14),
    "status": ("Status", str, 16),
    "team": ("Team", str, 12),
    "datum": ("Datum", _day, 12),
    "position": ("Position", _number, 9),
    "ankunft": ("Ankunft", _clock, 9),
    "beginn": ("Beginn", _clock, 9),
    "ende": ("Ende", _clock, 9),
    "zeitfenster": ("Zeitfenster", str, 18),
    "stadtteil": ("Stadtteil", str, 20),
    "geo_qualitaet": ("Geokodierung", str, 16),
    "versuche_bisher": ("Versuche bisher", _number, 14),
    "grund": ("Grund", str, 60),
    "chance_kontakt": ("Chance auf Kontakt", str, 12),
    "chance_grund": ("Chance: Grund", str, 50),
}


def _chance_fields(chance: Any) -> dict[str, Any]:
    """The layer ``besuche``'s fields of a visit's chance of contact: a share (0–1) a GIS
    can style by, and why; a time agreed with the client has no estimate („Termin
    vereinbart“ as its reason), as on the pages."""
    if chance is None:
        return {"chance_kontakt": None, "chance_grund": ""}
    if chance.appointment:
        return {"chance_kontakt": None, "chance_grund": "Termin vereinbart"}
    return {"chance_kontakt": round(float(chance.chance), 3), "chance_grund": chance.text}


def _report_table(
    report: Sequence[dict[str, str]],
) -> tuple[list[str], list[list[Any]], list[int]]:
    """Header, rows and widths of the report sheet; columns the workbook does not know yet
    are kept, under their own name."""
    keys = list(report[0]) if report else list(_REPORT_COLUMNS)
    known = [k for k in _REPORT_COLUMNS if k in keys] + [k for k in keys if k not in _REPORT_COLUMNS]
    spec = [_REPORT_COLUMNS.get(k, (k, str, 16)) for k in known]
    rows = [[conv(r.get(k, "") or "") for k, (_, conv, _) in zip(known, spec, strict=True)]
            for r in report]
    return [h for h, _, _ in spec], rows, [w for _, _, w in spec]


def _promise_cells(p: tuple[datetime, datetime] | None) -> tuple[time | str, time | str]:
    return (p[0].time(), p[1].time()) if p else ("", "")


def _minute(t: datetime) -> datetime:
    """A time as the pages, ``report.csv`` and the Bericht show it: to the minute, cut
    (08:03:35 is 08:03), so that every sheet holds the same value (QA 25 F8)."""
    return t.replace(second=0, microsecond=0)


def _minutes(seconds: float) -> int:
    return round(seconds / 60)


def _yes_no(flag: bool) -> str:
    return "ja" if flag else "nein"


def _off_since(s: PlannedStop) -> date | None:
    """The day a visit that does not take place went off: called off, or its case left
    ``offen`` (:attr:`PlannedStop.gone`)."""
    return s.called_off_since if s.called_off else s.gone_since if s.gone else None


def write_xlsx(plan: Plan, out: Path, *, report: Sequence[dict[str, str]] | None = None,
               promises: Promises | None = None, chances: Any = None) -> Path:
    """Write the plan's workbook (see the module docstring); replaces an existing file.

    Addresses leave out ``c/o`` lines (:func:`without_care_of`), and so do the reasons of
    the report as :func:`hausbesuch.planning.report_rows` gives them. ``report`` is the
    plan's report (``hausbesuch.planning.report_rows``); default: derived
    from the plan. ``promises``: the windows announced by letter, per visit id.
    ``chances``: each visit's estimated chance of contact (:class:`hausbesuch.athome.
    VisitChances`, as the pages show it), in the report and the team-day sheets.
    """
    promises = promises or {}
    from openpyxl import Workbook

    from hausbesuch.planning.report import chance_cells, with_chances

    out = _check_target(Path(out), ".xlsx")
    from hausbesuch.planning.report import visit_outcome

    if report is None:
        from hausbesuch.planning import report_rows

        report = report_rows(plan, snap_far=(plan.params or {}).get("snap_far"))
    report = with_chances(list(report), plan, chances)
    wb = Workbook()
    wb.remove(wb.active)
    from hausbesuch.maps import mode_label

    routes = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    counts = {s: sum(1 for r in report if r["status"] == s)
              for s in (STATUS_PLANNED, STATUS_CALLED_OFF, STATUS_UNASSIGNED, STATUS_REJECTED)}
    last = plan.start.toordinal() + plan.days - 1
    summary = _sheet(
        wb, "Übersicht",
        ["Team", "Datum", "Besuche", "Entfallen", "Abfahrt", "Rückkehr", "Wegezeit (min)",
         "Besuchszeit (min)", "Wartezeit (min)", "Strecke (km)", "Verkehrsmittel"],
        [[r.team_id, r.day, len(r.to_visit), len(r.stops) - len(r.to_visit),
          _minute(r.depart).time(), None if r.ends_open else _minute(r.return_).time(),
          _minutes(r.travel_s), _minutes(r.service_s), _minutes(r.waiting_s),
          round(r.distance_m / 1000, 2), mode_label(r.mode)] for r in routes],
        [14, 12, 9, 10, 9, 9, 14, 16, 14, 12, 14],
    )
    # the plan's key figures to the right of the team-day table
    # a version a re-plan has replaced says so first (QA 25 F2)
    facts: list[tuple[str, Any]] = [("Achtung", plan.replaced)] if plan.replaced else []
    facts += [
        ("Plan", plan.id), ("Stadt", plan.city), ("Erstellt", plan.created_at),
        ("Erster Tag", plan.start), ("Letzter Tag", date.fromordinal(last)),
        ("Version", plan.version), ("Team-Tage", len(routes)),
        ("Geplant", counts[STATUS_PLANNED]), ("Entfallen", counts[STATUS_CALLED_OFF]),
        ("Nicht eingeplant", counts[STATUS_UNASSIGNED]),
        ("Abgelehnt", counts[STATUS_REJECTED]),
    ]
    for i, (k, v) in enumerate(facts, start=1):
        xlsx_value(summary.cell(row=i, column=13), k)
        c = summary.cell(row=i, column=14)
        xlsx_value(c, v)
        if isinstance(v, datetime):
            c.number_format = _DATETIME_FMT
        elif isinstance(v, date):
            c.number_format = _DATE_FMT
    summary.column_dimensions["M"].width = 18
    summary.column_dimensions["N"].width = 26

    _sheet(wb, "Bericht", *_report_table(report))
    care_of = CareOf(plan)
    used = {"übersicht", "bericht"}
    for r in routes:
        _sheet(
            wb, _team_day_title(r, used),
            ["Position", "Kundennummer", "Datum", "Team", "Ankunft", "Beginn", "Ende",
             "Besuch (min)",
             "Zeitfenster", "Adresse", "Stadtteil", "Versuche vorher", "Angekündigt von",
             "Angekündigt bis", "Ergebnis", "Entfällt", "Entfällt seit",
             "Chance auf Kontakt", "Chance: Grund"],
            [[nr, s.client_id, r.day, r.team_id, _minute(s.arrival).time(),
              _minute(s.start).time(),
              _minute(s.end).time(),
              _minutes((s.end - s.start).total_seconds()), s.window_text,
              care_of.address(s.client_id, s.address),
              s.district, s.tries_before,
              *_promise_cells(promises.get(s.visit_id)), visit_outcome(s),
              _yes_no(s.off), _off_since(s) or "",
              *chance_cells(None if s.off or not chances else chances.of(s))]
             for s, nr in zip(r.stops, r.numbers, strict=True)],
            [9, 14, 12, 14, 9, 9, 9, 12, 18, 40, 20, 14, 15, 15, 30, 9, 13, 12, 50],
        )
    import io

    buf = io.BytesIO()  # built in memory: openpyxl's zip file left open on a full disk
    wb.save(buf)  # complained once more when it was collected (QA 45b F3)
    with atomic_path(out) as tmp:  # the owner's only (0600)
        tmp.write_bytes(buf.getvalue())
    return out
