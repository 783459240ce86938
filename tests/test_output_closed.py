"""Every file of a plan agrees on a visit whose case was closed after planning (QA 25 F3)
and numbers the stops as the worker sees them (QA 25 F4).

The route page, the print sheet and the phone said „Besuch entfällt – nicht hingehen“ for
such a stop while the GPX file led to it, the route map numbered it as a stop to visit,
the counts, ``report.csv`` („geplant“), the workbook („Entfällt: nein“) and the
GeoPackage treated it as a normal visit. Now all of them treat it as off (it keeps its
number, struck through, as on the phone). And after a visit was called off, the report
and the exports numbered the stops as the plan was made while pages, maps, GPX and the
phone number them without a gap: now one numbering everywhere.

A copy of the real planned Bad Hersfeld week (tests/planning_fixtures.py), through the
command line (``status``, ``show``, ``export``).
"""

from __future__ import annotations

import csv
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hausbesuch.fields import format_day
from hausbesuch.gpx import GPX_NS
from tests.cli_helpers import ClockedCli

pytestmark = pytest.mark.slow

START = date(2026, 12, 7)
cli = ClockedCli(START - timedelta(days=2))  # before the week: nothing done yet
NS = {"g": GPX_NS}


@pytest.fixture(scope="module")
def closed_and_off(planned_week, tmp_path_factory):
    """A copy of the week: on one route (4 stops or more) the second stop's visit called
    off (as a cancellation letter does), the third one's case closed with ``status``; the
    plan ``show``n and exported. (db, route, off stop, closed stop, folder, xlsx, gpkg)."""
    from hausbesuch.store import CaseVisitRow, ClientRow, Store

    base = tmp_path_factory.mktemp("geschlossen")
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), base / "p.db")
    db = f"sqlite:///{base / 'p.db'}"
    pid = planned_week.plan_id
    with Store.open(db) as store:
        plan = store.load_plan(pid)
        route = next(r for r in plan.routes if len(r.stops) >= 4
                     and len({s.client_id for s in r.stops}) == len(r.stops))
        off, closed = route.stops[1], route.stops[2]
        with store.session() as s:
            s.execute(update(CaseVisitRow).where(CaseVisitRow.visit_id == off.visit_id)
                      .values(status="entfallen", updated_at=datetime(2026, 12, 4, 9, 0)))
    out = cli.ok("status", closed.client_id, "--set", "abgeschlossen", "--reason", "x",
                 "--city", "bad-hersfeld", "--db", db)
    assert "noch am" in out  # (the visit stays on the route until a re-plan)
    # the status is recorded at the real clock's moment; closed on the exercise's day
    # instead (once the real date passes the week, every visit would lie before the close
    # and stay due, as it was)
    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == closed.client_id)
                  .values(status_since=datetime(2026, 12, 5, 10, 0)))
    cli.ok("show", pid, "--out", str(base / "plan"), "--city", "bad-hersfeld", "--db", db)
    paths = {}
    for fmt in ("xlsx", "gpkg"):
        paths[fmt] = base / f"plan.{fmt}"
        cli.ok("export", pid, "--db", db, "--format", fmt, "--out", str(paths[fmt]))
    return db, route, off, closed, base / "plan", paths["xlsx"], paths["gpkg"]


def _numbers(route, off):  # noqa: ANN001, ANN202
    """What the worker sees: the called-off stop none, the others 1, 2, … without a gap."""
    out, n = {}, 0
    for s in route.stops:
        if s is off:
            out[s.client_id] = None
        else:
            n += 1
            out[s.client_id] = n
    return out


def test_gpx_map_and_counts_treat_a_closed_case_as_off(closed_and_off):
    _db, route, off, closed, folder, _, _ = closed_and_off
    nr = _numbers(route, off)[closed.client_id]
    to_do = len(route.stops) - 2
    gpx = ET.fromstring((folder / "gpx" / f"{route.slug}.gpx").read_bytes())
    names = {w.findtext("g:name", namespaces=NS): w.findtext("g:type", namespaces=NS)
             for w in gpx.findall("g:wpt", NS)}
    assert names[f"ENTFÄLLT {nr:02d} {closed.client_id}"] == "entfällt", names
    assert f"{nr:02d} {closed.client_id}" not in names
    rte = [p.findtext("g:name", namespaces=NS) for p in gpx.findall("g:rte/g:rtept", NS)]
    assert not any(closed.client_id in n for n in rte), rte  # no point to navigate to
    assert len(rte) == to_do + 2  # start, the visits still to do, end
    # the way to and from each stop that is off is left out: here two stops side by side
    assert len(gpx.findall("g:trk/g:trkseg", NS)) == 2
    desc = gpx.findtext("g:metadata/g:desc", namespaces=NS)
    assert desc.startswith(f"{to_do} Besuche, 2 weitere entfallen"), desc

    page = (folder / "routen" / f"{route.slug}.html").read_text(encoding="utf-8")
    sheet = (folder / "druck" / f"{route.slug}.html").read_text(encoding="utf-8")
    for text in (page, sheet):
        assert f"{to_do} Besuche, 2 weitere entfallen" in text
    rmap = (folder / "karten" / f"{route.slug}.html").read_text(encoding="utf-8")
    # a grey pin, its number struck through (as the map's script holds it)
    assert f"\\u003cs\\u003e{nr}\\u003c/s\\u003e" in rmap
    assert f"entfällt: {nr}. {closed.client_id}" in rmap
    index = (folder / "index.html").read_text(encoding="utf-8")
    # the team-day's row: the visits still to do, the two off apart; in the list of visits
    # the closed case is marked as the called-off one
    assert f'<td class="num">{to_do} <span class="muted">(+2 entfallen)</span></td>' in index
    visit = re.search(rf"<td>{re.escape(closed.client_id)}[^<]*(<strong>[^<]*</strong>)?",
                      index)
    assert visit and visit[1] == "<strong>(entfällt)</strong>", visit


def test_report_and_exports_mark_a_closed_case_and_number_as_the_pages(closed_and_off):
    import geopandas as gpd
    from openpyxl import load_workbook

    from hausbesuch.store import ClientRow, Store

    db, route, off, closed, folder, xlsx, gpkg = closed_and_off
    want = _numbers(route, off)
    with Store.open(db) as store, store.session() as s:  # the status was set now, the
        # store's day of it (the real clock in Berlin time: not the machine's date.today())
        since = s.scalars(select(ClientRow.status_since)
                          .where(ClientRow.client_id == closed.client_id)).one().date()
    with open(folder / "report.csv", encoding="utf-8-sig") as fh:
        report = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    row = report[closed.client_id]
    assert row["status"] == "entfallen", row
    assert f"entfällt: Fall „abgeschlossen“ seit {format_day(since)}." in row["grund"], row
    assert "x" not in row["grund"].split("seit")[0].replace("Fall", "")  # not the reason
    for s in route.stops:  # the number the pages show, none for the called-off visit
        n = want[s.client_id]
        assert report[s.client_id]["position"] == ("" if n is None else str(n)), s.client_id

    wb = load_workbook(xlsx)
    sheet = next(ws for ws in wb.worksheets[2:]
                 if any(r[1] == closed.client_id for r in ws.iter_rows(values_only=True)))
    head = [c.value for c in sheet[1]]
    rows = {r[head.index("Kundennummer")]: r for r in sheet.iter_rows(min_row=2,
                                                                       values_only=True)}
    assert rows[closed.client_id][head.index("Entfällt")] == "ja"
    assert rows[closed.client_id][head.index("Entfällt seit")].date() == since
    for s in route.stops:
        n = want[s.client_id]
        assert rows[s.client_id][head.index("Position")] == n, s.client_id
    summary = wb["Übersicht"]
    line = next(r for r in summary.iter_rows(min_row=2, values_only=True)
                if r[0] == route.team_id and r[1].date() == route.day)
    assert (line[2], line[3]) == (len(route.stops) - 2, 2)
    bericht = {r[1]: r for r in wb["Bericht"].iter_rows(min_row=2, values_only=True)}
    assert bericht[closed.client_id][2] == "entfallen"
    assert bericht[route.stops[3].client_id][5] == want[route.stops[3].client_id]

    visits = gpd.read_file(gpkg, layer="besuche")
    mine = visits[(visits["team"] == route.team_id) & (visits["datum"].dt.date == route.day)]
    by_id = {r["kundennummer"]: r for _, r in mine.iterrows()}
    assert by_id[closed.client_id]["entfaellt"] == "ja"
    assert by_id[closed.client_id]["entfaellt_seit"].date() == since
    for s in route.stops:
        n = want[s.client_id]
        got = by_id[s.client_id]["position"]
        assert (got is None or str(got) in ("nan", "<NA>")) if n is None else got == n, (
            s.client_id, got)
    tours = gpd.read_file(gpkg, layer="touren")
    t = tours[(tours["team"] == route.team_id) & (tours["datum"].dt.date == route.day)].iloc[0]
    assert (t["besuche"], t["entfallen"]) == (len(route.stops) - 2, 2)
