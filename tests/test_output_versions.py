"""The outputs of a plan version a re-plan has replaced (QA 25 F2): ``show`` and ``export``
of the older version say on the command line, on the index, the route pages, the print
sheets and in both exports that it is replaced, by which version and from when; the
newest version says nothing of the kind. A window a letter announced for a visit on
another day is not shown on the older version's stop of that visit.

A copy of the real planned Bad Hersfeld week (tests/planning_fixtures.py), re-planned
through the command line.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.cli_helpers import ClockedCli

pytestmark = pytest.mark.slow

START = date(2026, 12, 7)
MOMENT = datetime(2026, 12, 8, 11, 30)
cli = ClockedCli(START + timedelta(days=14))
SAYS = "Ersetzt durch Version 2 (Plan {new}; Neuplanung ab Di, 08.12.2026 11:30 Uhr): " \
       "nicht mehr gültig, bitte Version 2 verwenden."


@pytest.fixture(scope="module")
def versions(planned_week, tmp_path_factory):
    """(db url, version 1, version 2, base folder): the week re-planned from Tue 11:30
    without team-1."""
    from hausbesuch.store import Store

    base = tmp_path_factory.mktemp("versionen")
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), base / "p.db")
    db = f"sqlite:///{base / 'p.db'}"
    old = planned_week.plan_id
    out = cli.ok("replan", old, "--from", f"{MOMENT:%Y-%m-%d %H:%M}", "--without-team",
                 "team-1", "--out", str(base / "v2"), "--time-limit", "1", "--city",
                 "bad-hersfeld", "--db", db)
    assert "Neue Version 2" in out
    with Store.open(db) as store:
        new = next(p.id for p in store.list_plans("Bad Hersfeld") if p.id != old)
        v1, v2 = store.load_plan(old), store.load_plan(new)
    return db, v1, v2, base


def _show(db: str, plan_id: str, out: Path) -> str:
    return cli.ok("show", plan_id, "--out", str(out), "--city", "bad-hersfeld", "--db", db)


def test_show_of_a_replaced_version_says_so_everywhere(versions):
    db, v1, v2, base = versions
    says = SAYS.format(new=v2.id)
    out = _show(db, v1.id, base / "zeige-v1")
    assert f"Achtung: {says}" in " ".join(out.split()), out
    folder = base / "zeige-v1"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert says in index
    for kind in ("routen", "druck", "karten"):
        files = sorted((folder / kind).glob("*.html"))
        assert len(files) == len(v1.routes)
        for f in files:  # every team-day: the team with a page of v1 in hand reads it
            text = f.read_text(encoding="utf-8")  # (the map's legend is in its script)
            assert says in text or json.dumps(says)[1:-1] in text, f

    out = _show(db, v2.id, base / "zeige-v2")
    assert "Ersetzt" not in out and "Achtung" not in out
    folder = base / "zeige-v2"
    for f in [folder / "index.html", *(folder / "routen").glob("*.html"),
              *(folder / "druck").glob("*.html"), *(folder / "karten").glob("*.html")]:
        assert "Ersetzt durch" not in f.read_text(encoding="utf-8"), f
        assert "nicht mehr g\\u00fcltig" not in f.read_text(encoding="utf-8"), f


def test_the_gpx_of_a_replaced_version_says_so(versions):
    """The GPX files of the older version (what a navigation app on a team's phone shows
    of a file: its description, its route's and its track's) say that it is replaced, in
    the words of the route pages; in GPX 1.1 schema order. The newest version's do not."""
    import xml.etree.ElementTree as ET

    from hausbesuch.gpx import GPX_NS
    from tests.test_gpx import _check_order

    ns = {"g": GPX_NS}
    db, v1, v2, base = versions
    says = SAYS.format(new=v2.id)
    for plan, expected in ((v1, says), (v2, "")):
        folder = base / f"gpx-{plan.id}"
        _show(db, plan.id, folder)
        files = sorted((folder / "gpx").glob("*.gpx"))
        assert len(files) == len(plan.routes)
        for f in files:
            root = ET.fromstring(f.read_bytes())
            _check_order(root)
            meta = root.findtext("g:metadata/g:desc", namespaces=ns)
            assert meta.startswith(expected) and "Besuch" in meta, (f, meta)
            assert ("Ersetzt" in meta) == bool(expected), (f, meta)
            for kind in ("rte", "trk"):
                assert (root.findtext(f"g:{kind}/g:desc", namespaces=ns) or "") == expected, f
            # the name is what a phone's GPX app lists of a track or a route
            for where in ("metadata", "rte", "trk"):
                name = root.findtext(f"g:{where}/g:name", namespaces=ns)
                head = "ERSETZT durch Version 2 – Route team-" if expected else "Route team-"
                assert name.startswith(head), (f, where, name)


def test_export_of_a_replaced_version_says_so(versions):
    import geopandas as gpd
    from openpyxl import load_workbook

    db, v1, v2, base = versions
    says = SAYS.format(new=v2.id)
    for pid, expected in ((v1.id, says), (v2.id, "")):
        for fmt in ("xlsx", "gpkg"):
            path = base / f"export-{pid}.{fmt}"
            out = cli.ok("export", pid, "--db", db, "--format", fmt, "--out", str(path))
            assert (f"Achtung: {says}" in " ".join(out.split())) == bool(expected), out
            if fmt == "gpkg":
                for layer in ("besuche", "touren"):
                    gdf = gpd.read_file(path, layer=layer)
                    assert set(gdf["ersetzt"].fillna("")) == {expected}, (pid, layer)
            else:
                summary = load_workbook(path)["Übersicht"]
                facts = {summary.cell(row=k, column=13).value:
                         summary.cell(row=k, column=14).value for k in range(1, 15)}
                assert facts.get("Achtung") == (expected or None), facts
                assert facts["Plan"] == pid


def test_a_window_announced_for_another_day_is_not_shown_on_the_old_stop(versions, tmp_path):
    """A letter announced the visit for the next day (where the new version holds it): the
    older version's stop of that visit on its own day shows the client's own window and
    no announced time, on the route page and in the export; a promise for the stop's own
    day is shown."""
    import geopandas as gpd

    from hausbesuch.store import CaseVisitRow, Store

    db, v1, _v2, _ = versions
    shutil.copyfile(Path(db.removeprefix("sqlite:///")), tmp_path / "p.db")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    route = next(r for r in v1.routes if r.day > MOMENT.date() and len(r.stops) >= 2)
    stop = route.stops[0]

    def promise(day: date) -> None:
        at = datetime.combine(day, datetime.min.time())
        with Store.open(db) as store, store.session() as s:
            s.execute(update(CaseVisitRow).where(CaseVisitRow.visit_id == stop.visit_id).values(
                promised_start=at.replace(hour=8), promised_end=at.replace(hour=10),
                announced_at=datetime(2026, 12, 4, 9, 0), status="geplant"))

    def shown(name: str) -> tuple[str, object]:
        folder = tmp_path / name
        _show(db, v1.id, folder)
        page = (folder / "routen" / f"{route.slug}.html").read_text(encoding="utf-8")
        item = page.split(f'id="stopp-{stop.position}"', 1)[1].split("</li>", 1)[0]
        path = tmp_path / f"{name}.gpkg"
        cli.ok("export", v1.id, "--db", db, "--format", "gpkg", "--out", str(path))
        rows = gpd.read_file(path, layer="besuche")
        return item, rows[rows["besuch_id"] == stop.visit_id].iloc[0]["angekuendigt_von"]

    promise(route.day + timedelta(days=1))
    item, von = shown("anderer-tag")
    assert "angekündigt" not in item and "08:00–10:00" not in item, item
    assert von is None or str(von) in ("NaT", "None"), von
    promise(route.day)
    item, von = shown("eigener-tag")
    assert "angekündigt: 08:00–10:00 Uhr (Brief vom Fr, 04.12.2026)" in item, item
    assert von.to_pydatetime() == datetime.combine(route.day, datetime.min.time()).replace(
        hour=8)


def test_plans_says_which_version_follows_which_and_which_is_current(versions, tmp_path):
    """QA 27: ``plans`` wrote „2 (ersetzt 20261205-…)“, which reads as „replaced by“ while
    it meant „replaces“, and no row said which version to use. Now each version says the
    one it follows, and whether it is current or which newest version replaced it."""
    from dataclasses import replace

    from hausbesuch.store import Store

    db0, v1, v2, _ = versions
    shutil.copyfile(Path(db0.removeprefix("sqlite:///")), tmp_path / "p.db")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    v3 = replace(v2, id=f"{v2.id}-v3", version=3, predecessor_id=v2.id)
    with Store.open(db) as store:
        store.save_plan(v3)
    rows = {line.split(" | ")[0]: line.split(" | ")[3]
            for line in cli.ok("plans", "--city", "bad-hersfeld", "--db", db).splitlines()
            if " | " in line and not line.startswith("Kennung")}
    assert rows == {
        v1.id: f"1 (ersetzt durch Version 3: {v3.id})",
        v2.id: f"2, folgt auf {v1.id} (ersetzt durch Version 3: {v3.id})",
        v3.id: f"3, folgt auf {v2.id} (aktuell)",
    }
    # the span and the moment made as the pages write them, with the weekday
    days = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
    row = next(line.split(" | ") for line in cli.ok(
        "plans", "--city", "bad-hersfeld", "--db", db).splitlines() if line.startswith(v1.id))
    first, last, made = v1.start, v1.start + timedelta(days=v1.days - 1), v1.created_at
    assert row[2] == (f"{days[first.weekday()]}, {first:%d.%m.%Y} bis "
                      f"{days[last.weekday()]}, {last:%d.%m.%Y}"), row
    assert row[-1] == f"{days[made.weekday()]}, {made:%d.%m.%Y}, {made:%H:%M} Uhr", row
