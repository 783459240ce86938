"""The maps open over their points at most at zoom 14, also for a team-day whose stops lie
close together (QA 28 F5): the web plan view opened at zoom 15 and more, a written route
map at zoom 18 (24 tiles of a block around the stops). The tile server learns with every
tile the area viewed, with the viewer's address and the time.

Real Chromium (Playwright) logs the tile requests at load: none above
:data:`hausbesuch.maps.INITIAL_MAX_ZOOM`, and the tiles cover the stops. Tiles are
answered locally with a generated PNG and every other outside request is aborted
(:class:`tests.browser.Recorder`), so the tests make no outbound connection.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch.maps import INITIAL_MAX_ZOOM, MapSettings
from hausbesuch.plandata import Client, Plan
from tests.browser import chromium_context, desktop_page, serve_directory
from tests.test_maps import DEPOT, _route
from tests.web_fixtures import bare_app, live_server, log_in_page

pytestmark = pytest.mark.browser

TILE_HOST = MapSettings().tile_host
DAY = date(2026, 12, 8)


def close_plan() -> Plan:
    """One team-day of four stops within about 60 m of the office (a block): without a
    cap every map opens at zoom 18 or more around them."""
    lon, lat = DEPOT
    points = [(f"K-70{i}", lon + dx, lat + dy, "Innenstadt", "", "")
              for i, (dx, dy) in enumerate(((0.0006, 0.0002), (0.0008, -0.0003),
                                            (-0.0004, 0.0004), (-0.0007, -0.0002)), start=1)]
    route = _route("team-1", "A. Schmidt / B. Yilmaz", DAY, "walk", points)
    return Plan(id="plan-nah", city="Bad Hersfeld", created_at=datetime(2026, 12, 1, 9, 30),
                start=DAY, days=1, routes=[route], unassigned=[], rejected=[],
                clients=[Client(row=i + 2, id=s.client_id, address="…")
                         for i, s in enumerate(route.stops)],
                solution={"code": 0, "summary": {"routes": 1}, "routes": [],
                          "unassigned": []})


def _tiles(urls: list[str]) -> set[tuple[int, int, int]]:
    return {tuple(int(n) for n in m.groups())
            for u in urls if (m := re.search(r"/(\d+)/(\d+)/(\d+)\.png$", u))}


def _tile_of(z: int, lat: float, lon: float) -> tuple[int, int, int]:
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def _assert_capped(urls: list[str], plan: Plan) -> None:
    tiles = _tiles(urls)
    zooms = {z for z, _, _ in tiles}
    assert zooms, f"the map requested no tiles: {urls}"
    assert max(zooms) <= INITIAL_MAX_ZOOM, sorted(zooms)
    # opened over the stops (the cap did not move the view elsewhere)
    z = max(zooms)
    stops = {_tile_of(z, s.lat, s.lon) for r in plan.routes for s in r.stops}
    assert stops <= tiles, (sorted(stops), sorted(tiles))


def test_the_cap_is_a_part_of_the_town() -> None:
    """Zoom 14: a tile is about 1.5 km wide at Bad Hersfeld's latitude (not one block)."""
    lat = DEPOT[1]
    width_m = 40_075_016 * math.cos(math.radians(lat)) / 2 ** INITIAL_MAX_ZOOM
    assert INITIAL_MAX_ZOOM <= 14 and width_m > 1_400, width_m


def test_written_route_and_overview_maps_open_at_most_at_the_cap(tmp_path: Path) -> None:
    from hausbesuch.output import write_outputs

    plan = close_plan()
    written = write_outputs(plan, tmp_path / "out")
    route_file = written.by_slug(plan.routes[0].slug).map
    with serve_directory(written.out_dir) as base, chromium_context(TILE_HOST) as (ctx, rec):
        for path in (f"karten/{route_file.name}", written.overview_map.name):
            rec.reset()
            page = ctx.new_page()
            page.goto(f"{base}/{path}")
            page.wait_for_selector(".leaflet-tile-loaded")
            page.wait_for_load_state("networkidle")
            page.close()
            assert rec.violations == [], rec.violations
            _assert_capped(rec.tiles, plan)


def test_the_web_plan_view_opens_at_most_at_the_cap(tmp_path: Path) -> None:
    from tests.browser import shared_browser

    app = bare_app(tmp_path)
    plan = close_plan()
    plan_id = app.state.web.store.save_plan(plan, actor="test")
    with live_server(app) as live, shared_browser() as browser:
        page, rec = desktop_page(browser, TILE_HOST)
        log_in_page(page, live.url)
        rec.reset()
        page.goto(f"{live.url}/plaene/{plan_id}")
        page.wait_for_selector("#karte .leaflet-tile-loaded")
        page.wait_for_load_state("networkidle")
        assert page.locator("#karte path.leaflet-interactive").count() >= len(
            plan.routes[0].stops)
    assert rec.violations == [], rec.violations
    _assert_capped(rec.tiles, plan)
