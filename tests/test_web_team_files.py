"""QA 28 F9: the plan page gives each team-day its print sheet („Laufzettel drucken“) and
its GPX, the same files as *Dateien (ZIP)* holds in ``druck/`` and ``gpx/``, without
downloading every team's addresses and notes as the ZIP does.

Over real HTTP against the planned week of :mod:`tests.test_web`: the team-day's stops
only, in the written sheet's order; behind login, another city's coordinator gets 404;
each view audited (plan, team, day; no names); ``no-store``; the GPX parses and is named
by team and day; in Chromium the sheet renders under the app's CSP (its styles from this
server, no inline style) without a violation. A version a re-plan replaced serves its
files with the replacement note, as the ZIP does (:func:`test_replaced_version`)."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.shots import shoot
from tests.test_web import _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import NAME_MARK, Site, live_server, logged_in, login, sqlite_only

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def _paths(plan_id: str, team: str, day: date) -> tuple[str, str]:
    td = f"{quote(team, safe='')}/{day.isoformat()}"
    return f"/plaene/{plan_id}/druck/{td}", f"/plaene/{plan_id}/gpx/{td}"


def _routes(site: Site):  # noqa: ANN202, F811
    """(plan, a route with stops, the case ids of every other route)."""
    plan = _current_plan(site)
    route = next(r for r in plan.routes if len(r.stops) >= 2)
    others = {s.client_id for r in plan.routes for s in r.stops if r is not route}
    return plan, route, others - {s.client_id for s in route.stops}


def _sheet_ids(page: str) -> list[str]:
    """The case ids of a sheet's rows, in order."""
    return re.findall(r'<td class="kunde"><strong>([^<]*)</strong>', page)


def _zip_files(kora: httpx.Client, plan_id: str, stem: str) -> tuple[str, str]:
    """The written sheet and GPX of a team-day, from *Dateien (ZIP)*."""
    z = kora.get(f"/plaene/{plan_id}/dateien.zip")
    assert z.status_code == 200
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        return (zf.read(f"druck/{stem}.html").decode(), zf.read(f"gpx/{stem}.gpx").decode())


def _main(page: str) -> str:
    return re.search(r"<main>.*</main>", page, re.S).group(0)


def test_team_day_sheet_and_gpx_are_the_written_ones_of_that_team_day(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.output import safe_stem

    plan, route, others = _routes(site)
    sheet_path, gpx_path = _paths(plan.id, route.team_id, route.day)
    page = kora.get(f"/plaene/{plan.id}").text
    assert f'href="{sheet_path}"' in page and f'href="{gpx_path}"' in page
    assert ">Laufzettel drucken</a>" in page and ">GPX</a>" in page
    audits = len(site.store.audit_rows())

    r = kora.get(sheet_path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    sheet = r.text
    ids = [s.client_id for s in route.stops]
    assert _sheet_ids(sheet) == ids  # the team-day's stops, in order
    assert not others & set(re.findall(r"\b[A-Z]\d{3}\b", sheet)), "another team's case"
    assert NAME_MARK not in sheet and not any(n in sheet for n in site.names)
    written_sheet, written_gpx = _zip_files(kora, plan.id, safe_stem(route.slug))
    assert _sheet_ids(written_sheet) == ids
    assert _main(sheet) == _main(written_sheet)  # the same table, row for row
    # recording the outcomes: the web's form, not the command line's list (QA 32b F7)
    for page in (sheet, written_sheet):
        assert ("Beim Erfassen (auf der Seite des Plans unter „Ergebnisse“: „Ergebnis "
                "nachtragen“ je Besuch, oder der ganze Laufzettel als „Ergebnisliste“): "
                "„besucht um“ als „Uhrzeit des Besuchs“") in page
        assert "hausbesuch outcomes" not in page
    # the way back is named after its target: the plan's page here, the plan's overview
    # (index.html) in the files (QA 28 F19: „Übersicht“ led to the plan's page)
    assert f'<a href="/plaene/{plan.id}">Zum Plan</a>' in sheet and ">Übersicht</a>" not in sheet
    assert '<a href="../index.html">Übersicht</a>' in written_sheet
    h1 = re.search(r"<h1>.*?</h1>", written_sheet).group(0)
    assert h1 in sheet
    # no inline style (the app's CSP allows styles from this server only)
    assert "<style" not in sheet and " style=" not in sheet
    css = re.search(r'<link rel="stylesheet" href="(/druck/laufzettel\.css\?v=\w+)">',
                    sheet).group(1)
    c = kora.get(css)
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/css")
    assert c.text == re.search(r"<style>(.*?)</style>", written_sheet, re.S).group(1)
    # its one script (a table's box a tab stop only while it scrolls) from the server too:
    # the app's CSP allows no inline script
    assert "<script>" not in sheet and "<script>" in written_sheet
    js = re.search(r'<script src="(/druck/laufzettel\.js\?v=\w+)"></script>', sheet).group(1)
    j = kora.get(js)
    assert j.status_code == 200 and j.headers["content-type"].startswith("text/javascript")
    assert j.text == re.search(r"<script>(.*?)</script>", written_sheet, re.S).group(1)
    assert "script-src 'self'" in sheet and "sha256-" not in sheet

    g = kora.get(gpx_path)
    assert g.status_code == 200
    assert g.headers["cache-control"] == "no-store"
    assert g.headers["content-disposition"] == (
        f'attachment; filename="{route.team_id}_{route.day.isoformat()}.gpx"')
    assert g.text == written_gpx
    root = ET.fromstring(g.content)
    names = [w.findtext("g:name", namespaces=GPX_NS) for w in root.findall("g:wpt", GPX_NS)]
    shown = {n.split(" ", 1)[1] for n in names if n and " " in n}
    assert shown & set(ids) and not shown & others, names
    assert NAME_MARK not in g.text

    rows = site.store.audit_rows()[audits:]
    got = [(a["action"], a["plan_id"], a["details"]) for a in rows
           if a["action"] in ("laufzettel_angezeigt", "gpx_heruntergeladen")]
    want = {"team": route.team_id, "day": route.day.isoformat()}
    assert got == [("laufzettel_angezeigt", plan.id, want),
                   ("gpx_heruntergeladen", plan.id, want)], got
    assert all(a["city"] == "Bad Hersfeld" and "kora" in a["actor"] for a in rows
               if a["action"] in ("laufzettel_angezeigt", "gpx_heruntergeladen"))
    assert NAME_MARK not in str(rows)


def test_team_day_files_need_a_login_of_the_plans_city(site: Site) -> None:  # noqa: F811
    plan, route, _ = _routes(site)
    paths = _paths(plan.id, route.team_id, route.day)
    with httpx.Client(base_url=site.url, follow_redirects=False) as anon:
        for path in paths:  # no login: to the login page, nothing of the route
            r = anon.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/anmelden?"), path
    before = len(site.store.audit_rows())
    with httpx.Client(base_url=site.url, follow_redirects=False) as lena:
        login(lena, "lena")  # a coordinator of Lauf
        for path in paths:
            r = lena.get(path)
            assert r.status_code == 404, path
            assert route.stops[0].client_id not in r.text
    rows = site.store.audit_rows()[before:]
    assert {a["action"] for a in rows} <= {"zugriff_verweigert", "anmeldung"}
    assert sorted(a["details"]["weg"] for a in rows if a["action"] == "zugriff_verweigert") == [
        "GET /plaene/{plan_id}/druck/{team}/{tag}", "GET /plaene/{plan_id}/gpx/{team}/{tag}"]
    with logged_in(site.url, "kora") as kora:
        for bad in (f"/plaene/{plan.id}/druck/gibt-es-nicht/{route.day.isoformat()}",
                    f"/plaene/{plan.id}/gpx/{route.team_id}/2001-01-01",
                    f"/plaene/{plan.id}/druck/{route.team_id}/morgen",
                    f"/plaene/gibt-es-nicht/gpx/{route.team_id}/{route.day.isoformat()}"):
            assert kora.get(bad).status_code == 404, bad


@sqlite_only()
@pytest.mark.browser
def test_sheet_renders_in_chromium_under_the_csp(site: Site) -> None:  # noqa: F811
    """The sheet as served: its styles apply (from this server), no CSP violation in the
    console; screenshots of the plan page's new links and the sheet at 390 px."""
    from tests.browser import phone_page, shared_browser
    from tests.web_fixtures import PASSWORD

    plan, route, _ = _routes(site)
    sheet_path, _gpx = _paths(plan.id, route.team_id, route.day)
    with shared_browser() as browser:
        page, rec = phone_page(browser)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(site.url + "/anmelden")
        page.fill("input[name=name]", "kora")
        page.fill("input[name=passwort]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(site.url + f"/plaene/{plan.id}")
        link = page.get_by_role("link", name=f"Laufzettel drucken: {route.team_id}").first
        link.scroll_into_view_if_needed()
        shoot(page, "teamfiles-plan-links.png")
        console.clear()
        page.goto(site.url + sheet_path)
        page.wait_for_load_state("load")
        box = page.locator("table.sheet .box").first
        # the sheet's own styles apply: a tick box is 3.2 mm with a border
        assert box.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
        assert page.locator("header.kopf").evaluate(
            "e => getComputedStyle(e).maxWidth") != "none"
        shoot(page, "teamfiles-laufzettel.png", full_page=True)
    bad = [m for m in console if "Content Security Policy" in m or m.startswith("error")]
    assert not bad, bad
    assert not rec.violations and not rec.page_errors


# --------------------------------------------------------------------------- replaced

START = date(2026, 12, 7)
MOMENT = datetime(2026, 12, 8, 11, 30)


@pytest.mark.slow
def test_replaced_version(planned_week, tmp_path: Path) -> None:
    """The files of a version a re-plan replaced are served as *Dateien (ZIP)* serves
    them: with the note that names the replacement (sheet and GPX), audited alike."""
    from hausbesuch.output import safe_stem
    from hausbesuch.store import Store
    from tests.cli_helpers import ClockedCli
    from tests.web_fixtures import bare_app

    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "p.db")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    old = planned_week.plan_id
    ClockedCli(START + timedelta(days=14)).ok(
        "replan", old, "--from", f"{MOMENT:%Y-%m-%d %H:%M}", "--out", str(tmp_path / "v2"),
        "--time-limit", "1", "--city", "bad-hersfeld", "--db", db)
    with Store.open(db) as store:
        new = next(p.id for p in store.list_plans("Bad Hersfeld") if p.id != old)
        route = next(r for r in store.load_plan(old).routes if r.stops)
    app = bare_app(tmp_path, db)
    with live_server(app) as live, logged_in(live.url, "kora") as kora:
        sheet_path, gpx_path = _paths(old, route.team_id, route.day)
        sheet, gpx = kora.get(sheet_path), kora.get(gpx_path)
        assert sheet.status_code == 200 and gpx.status_code == 200
        written_sheet, written_gpx = _zip_files(kora, old, safe_stem(route.slug))
        note = re.search(r'<p class="replaced" role="alert" id="ersetzt">(.*?)</p>',
                         written_sheet).group(1)
        assert new in note
        assert f'<p class="replaced" role="alert" id="ersetzt">{note}</p>' in sheet.text
        assert gpx.text == written_gpx and new in gpx.text
        assert _sheet_ids(sheet.text) == [s.client_id for s in route.stops]
        store = app.state.web.store
        assert [a["plan_id"] for a in store.audit_rows()
                if a["action"] in ("laufzettel_angezeigt", "gpx_heruntergeladen")] == [old, old]
