"""Folium maps: offline assets, markers, escaping, districts (hand-made Bad Hersfeld plans)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import folium
import pytest
from folium.plugins import MarkerCluster
from shapely.geometry import Polygon

from hausbesuch.errors import UserError
from hausbesuch.maps import (
    DEFAULT_ATTRIBUTION,
    Districts,
    MapSettings,
    as_districts,
    escape_map_text,
    geo_uri,
    overview_map,
    overview_map_heading,
    render_map,
    route_map,
    vendor_dir,
)
from hausbesuch.plandata import (
    Client,
    Plan,
    PlannedStop,
    Rejected,
    TeamDayRoute,
    UnassignedVisit,
)

# --------------------------------------------------------------------------- sample plan

DEPOT = (9.7081, 50.8689)  # near the Jobcenter in Bad Hersfeld's centre
XSS_NOTES = (
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss_img = 1">',
    "${window.__xss_tpl = 1}` und Backtick",
    "\\x3cimg src=x onerror=window.__xss_hex=1\\x3e",
)
CLIENT_NAMES = ("Erika Mustermann", "Hans Meyer", "Ayşe Demir", "Jürgen Schulz", "Olga Petrowa",
                "Karl Krause", "Lena Vogt", "Ali Kaya", "Maria Lange", "Tom Berg")  # fmt: skip


def _leg(a: tuple[float, float], b: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """An L-shaped, street-like polyline from a to b with intermediate vertices."""
    corner = (b[0], a[1])
    pts = [a]
    for t in (0.33, 0.66):
        pts.append((a[0] + (corner[0] - a[0]) * t, a[1]))
    pts.append(corner)
    pts.append((b[0], (corner[1] + b[1]) / 2))
    pts.append(b)
    return tuple(pts)


def _route(
    team: str,
    label: str,
    day: date,
    mode: str,
    points: list[tuple[str, float, float, str, str, str]],
    *,
    lunch_after: int | None = None,
    missing_leg: int | None = None,
) -> TeamDayRoute:
    t = datetime(day.year, day.month, day.day, 8, 0)
    depart = t
    stops = []
    lunch = None
    for i, (cid, lon, lat, district, window, note) in enumerate(points, start=1):
        arrival = t + timedelta(minutes=11)
        start = arrival + timedelta(minutes=4 if i % 2 else 0)
        end = start + timedelta(minutes=45)
        stops.append(
            PlannedStop(
                client_id=cid, position=i, arrival=arrival, start=start, end=end, lon=lon,
                lat=lat, address=f"Breitenstraße {10 + i}, 36251 Bad Hersfeld",
                district=district, window_text=window, notiz=note,
            )
        )  # fmt: skip
        t = end
        if lunch_after == i:
            lunch = (t, t + timedelta(minutes=30))
            t = t + timedelta(minutes=30)
    way = [DEPOT, *((s.lon, s.lat) for s in stops), DEPOT]
    legs = [_leg(way[i], way[i + 1]) for i in range(len(way) - 1)] if stops else []
    if missing_leg is not None:
        legs[missing_leg] = ()
    return TeamDayRoute(
        team_id=team, team_label=label, day=day, mode=mode, start_lonlat=DEPOT,
        end_lonlat=DEPOT, start_label="Jobcenter Hersfeld-Rotenburg, Hubertusweg 19",
        depart=depart, return_=t + timedelta(minutes=12), stops=tuple(stops),
        travel_s=3900, distance_m=5230, service_s=45 * 60 * len(stops), waiting_s=240,
        lunch=lunch, legs=tuple(legs),
    )  # fmt: skip


def sample_plan() -> Plan:
    """Three team-days (one empty) in Bad Hersfeld, XSS notes, names only in ``clients``."""
    d1, d2 = date(2026, 12, 8), date(2026, 12, 9)
    r1 = _route(
        "T1", "A. Schmidt / B. Yilmaz", d1, "walk",
        [
            ("K-1001", 9.7125, 50.8712, "Innenstadt", "", XSS_NOTES[0]),
            ("K-1002", 9.7201, 50.8665, "Innenstadt", "Di 10-12", XSS_NOTES[1]),
            ("K-1003", 9.7302, 50.8733, "Hohe Luft", "", XSS_NOTES[2]),
            ("K-1004", 9.7155, 50.8781, "Hohe Luft", "Mo-Fr 14-16", XSS_NOTES[3]),
            ("K 1005&Co", 9.7050, 50.8745, "Innenstadt", "", 'Klingel "Meyer & Co" defekt'),
        ],
        lunch_after=3, missing_leg=2,
    )  # fmt: skip
    r2 = _route(
        "Süd 2", "C. Wagner / D. Öztürk", d1, "bike",
        [
            ("K-1006", 9.7222, 50.8622, "Johannesberg", "", ""),
            ("K-1007", 9.7350, 50.8641, "Johannesberg", "Di 9-11", "Hund im Hof"),
            ("K-1008", 9.7388, 50.8690, "Hohe Luft", "", ""),
        ],
    )  # fmt: skip
    r3 = _route("T1", "A. Schmidt / B. Yilmaz", d2, "drive", [])
    unassigned = [
        UnassignedVisit("K-1009", "capacity", "Woche ausgelastet <b>fett</b>", 9.7265, 50.8791,
                        "Am Frauenberg 3", "Hohe Luft"),
        UnassignedVisit("K-1010", "no_geocode", "Adresse nicht gefunden", None, None,
                        "Unbekannte Straße 1", "außerhalb"),
    ]  # fmt: skip
    rejected = [
        Rejected(7, "K-2001", "kontakt_abbruch_seit", "Datum „31.02.2025“ ist ungültig"),
        Rejected(12, None, "id", "Kundennummer fehlt"),
        Rejected(15, "K-1001", "id", "Kundennummer doppelt (schon in Zeile 2)"),
    ]
    ids = [s.client_id for r in (r1, r2) for s in r.stops] + ["K-1009", "K-1010"]
    clients = [
        Client(row=i + 2, id=cid, address="…", name=CLIENT_NAMES[i]) for i, cid in enumerate(ids)
    ]
    return Plan(
        id="plan-test", city="Bad Hersfeld", created_at=datetime(2026, 12, 1, 9, 30),
        start=date(2026, 12, 7), days=5, routes=[r1, r2, r3], unassigned=unassigned,
        rejected=rejected, clients=clients,
        solution={"code": 0, "summary": {"routes": 3}, "routes": [], "unassigned": []},
    )  # fmt: skip


def sample_districts() -> Districts:
    west = Polygon([(9.69, 50.855), (9.7215, 50.855), (9.7215, 50.885), (9.69, 50.885)])
    east = Polygon([(9.7215, 50.868), (9.745, 50.868), (9.745, 50.885), (9.7215, 50.885)])
    south = Polygon([(9.7215, 50.855), (9.745, 50.855), (9.745, 50.868), (9.7215, 50.868)])
    return Districts(("Innenstadt", "Hohe Luft", "Johannes<berg>"), (west, east, south))


# --------------------------------------------------------------------------- helpers

_ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"")


def _assets(page: str) -> list[str]:
    return _ASSET.findall(page)


# --------------------------------------------------------------------------- tests


def test_settings_defaults_and_validation() -> None:
    s = MapSettings()
    assert s.tile_host == "tile.openstreetmap.org"
    assert s.attribution == DEFAULT_ATTRIBUTION == "© OpenStreetMap-Mitwirkende"
    assert "OpenStreetMap-Mitwirkende</a>" in s.attribution_html()
    with pytest.raises(UserError, match="fehlt"):
        MapSettings(tile_url="https://tiles.example.org/{z}/{x}.png")
    with pytest.raises(UserError, match="https://"):
        MapSettings(tile_url="tile.openstreetmap.org/{z}/{x}/{y}.png")
    with pytest.raises(UserError, match="max_zoom"):
        MapSettings(max_zoom=30)
    assert "&lt;b&gt;" in MapSettings(attribution="<b>x</b>").attribution_html()


def test_escape_map_text_neutralises_html_and_js_template_literals() -> None:
    out = escape_map_text("<a href='x'>\"&`${y}\\x3c")
    for bad in ("<", ">", "'", '"', "`", "$", "\\", "{", "}"):
        assert bad not in out
    assert out == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&#96;&#36;&#123;y&#125;&#92;x3c"
    assert escape_map_text(None) == ""


def test_geo_uri_carries_coordinates_and_the_stop_number_only() -> None:
    """QA 28 F16: the target's label is the stop's number as the page shows it, not the
    case id (an online map app set as the phone's ``geo:`` handler sends it on)."""
    assert geo_uri(9.7125, 50.8712, 1) == "geo:50.871200,9.712500?q=50.871200,9.712500(Stopp%201)"
    assert geo_uri(9.7, 50.87, 12) == "geo:50.870000,9.700000?q=50.870000,9.700000(Stopp%2012)"
    assert geo_uri(9.7, 50.87, None) == "geo:50.870000,9.700000?q=50.870000,9.700000"
    with pytest.raises(ValueError):
        geo_uri(9.7, 50.87, "K-1001")  # type: ignore[arg-type]


def _stop_pins(page: str) -> list[str]:
    """The HTML of the pins of the stops to visit on a rendered route map, in order."""
    icons = re.findall(r'L\.divIcon\(\{\s*"html": ("(?:[^"\\]|\\.)*"),.*?"className": "([^"]*)"',
                       page, re.S)
    return [json.loads(h) for h, cls in icons if cls == "hb-plain hb-stop"]


def test_route_map_is_offline_numbered_and_escaped() -> None:
    plan = sample_plan()
    route = plan.routes[0]
    page = render_map(route_map(route, MapSettings(), districts=sample_districts()))

    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in page
    # Every script/stylesheet is a local copy that exists in the package.
    assets = _assets(page)
    assert assets and all(a.startswith("../assets/") for a in assets)
    for a in assets:
        assert (vendor_dir() / a.removeprefix("../assets/")).is_file(), a
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg"):
        assert cdn not in page
    # One numbered DivIcon per stop, one depot marker (start = end).
    assert page.count('"className": "hb-plain hb-stop"') == len(route.stops)
    assert page.count('"className": "hb-plain hb-depot"') == 1
    # each pin shows its number (hidden from screen readers) and is read by the case id
    # and time the number stands for, never a name
    pins = _stop_pins(page)
    read_only = ('position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);'
                 'white-space:nowrap')
    assert pins == [f'<div class="hb-stop-pin"><span aria-hidden="true">{s.position}</span>'
                    f'<span style="{read_only}">Stopp {s.position} · {escape_map_text(s.client_id)} · '
                    f'{s.start:%H:%M} Uhr</span></div>' for s in route.stops]
    assert not any(name in "".join(pins) for name in CLIENT_NAMES)
    # Plugins, layer control, legend, attribution, German strings.
    assert "L.control.fullscreen" in page and "L.control.locate" in page
    assert "L.control.layers" in page and "hb-legend" in page
    assert "OpenStreetMap-Mitwirkende" in page and "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page
    assert "Meinen Standort zeigen" in page and "Vollbild" in page
    assert "Luftlinie" in page  # leg 3 has no geometry: drawn dashed and explained
    # Street-following legs: every vertex of every non-empty leg is on the map.
    for leg in route.legs:
        for lon, lat in leg:
            assert f"[{lat}, {lon}]" in page
    # Client text escaped, never raw; no client names anywhere.
    for note in XSS_NOTES:
        assert note not in page
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    assert "&#36;&#123;window.__xss_tpl = 1&#125;&#96;" in page
    assert "&#92;x3cimg" in page
    for c in plan.clients:
        assert c.name not in page


def test_route_map_validates_positions() -> None:
    route = sample_plan().routes[0]
    bad = dataclasses.replace(route.stops[1], lat=float("nan"))
    broken = dataclasses.replace(route, stops=(route.stops[0], bad))
    with pytest.raises(ValueError, match="K-1002"):
        route_map(broken, MapSettings())


def test_render_map_refuses_cdn_assets() -> None:
    m = route_map(sample_plan().routes[1], MapSettings())
    MarkerCluster().add_to(m)  # a plugin whose assets come from a CDN
    with pytest.raises(RuntimeError, match="remote assets"):
        render_map(m)


def test_custom_tile_server_and_attribution() -> None:
    s = MapSettings(tile_url="https://tiles.example.org/osm/{z}/{x}/{y}.png",
                    attribution="Karte: Stadt Beispiel", attribution_url=None, max_zoom=17)  # fmt: skip
    page = render_map(route_map(sample_plan().routes[1], s))
    assert "https://tiles.example.org/osm/{z}/{x}/{y}.png" in page
    assert "Karte: Stadt Beispiel" in page
    assert "tile.openstreetmap.org" not in page
    assert '"maxZoom": 17' in page


def test_overview_marks_planned_and_unassigned_differently_by_district() -> None:
    plan = sample_plan()
    districts = sample_districts()
    page = render_map(overview_map(plan, MapSettings(), districts=districts))
    assert '<html lang="de">' in page
    assert all(not re.match(r"(https?:)?//", a) for a in _assets(page))
    n_planned = sum(len(r.stops) for r in plan.routes)
    assert page.count("L.circleMarker(") == n_planned
    # Unassigned with a position: a diamond marker; without one: listed only (not drawn).
    assert page.count('"className": "hb-plain hb-unassigned"') == 1
    assert "K-1009" in page and "K-1010" not in page
    # District outlines with escaped names, one colour per district in the legend.
    assert page.count("L.geoJson(") == len(districts.names)
    assert "Johannes&lt;berg&gt;" in page and "Johannes<berg>" not in page
    legend = re.search(r'div\.innerHTML = ("(?:[^"\\]|\\.)*")', page)
    assert legend is not None
    colours = re.findall(r"background:(#[0-9a-f]{6})", json.loads(legend.group(1)))
    assert len(set(colours)) >= 4  # Innenstadt, Hohe Luft, Johannesberg, Johannes<berg>, …
    assert "Woche ausgelastet &lt;b&gt;fett&lt;/b&gt;" in page
    for c in plan.clients:
        assert c.name not in page


def test_overview_routes_show_their_colour_in_the_layer_list() -> None:
    """QA 45a F6 (WCAG 1.4.1): each team-day's way is named in the layer list with a
    swatch of its line's colour beside the name, so the list says which line is which."""
    from hausbesuch.maps import ROUTE_PALETTE, escape_map_text, fmt_date

    plan = sample_plan()
    page = render_map(overview_map(plan, MapSettings()))
    names = [json.loads(k) for k in re.findall(r'("(?:[^"\\]|\\.)*") : feature_group_', page)]
    routes = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    for i, r in enumerate(routes):
        colour = ROUTE_PALETTE[i % len(ROUTE_PALETTE)]
        assert (f'<span class="hb-sw-line" style="border-color:{colour}"></span>'
                f"Weg {escape_map_text(r.team_id)}, {fmt_date(r.day)}") in names, names


def test_overview_map_heading_names_city_and_days_and_is_escaped() -> None:
    plan = sample_plan()
    assert overview_map_heading(plan) == (
        "Übersichtskarte Bad Hersfeld · Montag, 07.12.2026 bis Freitag, 11.12.2026")
    one = dataclasses.replace(plan, city="<b>Ort</b>", days=1)
    assert overview_map_heading(one) == "Übersichtskarte <b>Ort</b> · Montag, 07.12.2026"
    page = render_map(overview_map(one, MapSettings()), heading=overview_map_heading(one))
    assert ("<header id=\"hb-kopf\"><h1 style=\"position:absolute;width:1px;height:1px;"
            "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap\">Übersichtskarte "
            "&lt;b&gt;Ort&lt;/b&gt; · Montag, 07.12.2026</h1></header>") in page
    # the map the main (a role the page drops when it is shown in a frame)
    assert page.count('role="main"') == 1 and "</div>\n</body>" in page


def test_as_districts_accepts_geojson_pairs_and_checks_crs() -> None:
    d = sample_districts()
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": n}, "geometry": g.__geo_interface__}
            for n, g in zip(d.names, d.geometries, strict=True)
        ],
    }
    from_fc = as_districts(fc)
    assert from_fc.names == d.names
    assert [g.equals(h) for g, h in zip(from_fc.geometries, d.geometries, strict=True)] == [True] * 3
    assert as_districts((list(d.names), list(d.geometries))).names == d.names
    assert as_districts(None).names == ()
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"name": list(d.names)}, geometry=list(d.geometries), crs=4326)
    assert as_districts(gdf).names == d.names
    with pytest.raises(ValueError, match="EPSG:4326"):
        as_districts(gdf.to_crs(25832))


def test_vendored_assets_have_licences_and_no_source_maps() -> None:
    root = vendor_dir()
    for pkg in ("leaflet", "jquery", "leaflet.fullscreen", "leaflet.locatecontrol"):
        assert any(p.name.startswith("LICENSE") for p in (root / pkg).iterdir()), pkg
    files = [p for p in root.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix == ".map"]
    for p in files:
        if p.suffix in (".js", ".css"):
            assert "sourceMappingURL" not in p.read_text(encoding="utf-8"), p
    assert sum(p.stat().st_size for p in files) < 400_000
    # Leaflet's CSS refers to images that are shipped too.
    css = (root / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    for ref in re.findall(r"url\((images/[^)]+)\)", css):
        assert (root / "leaflet" / ref).is_file(), ref


def test_folium_defaults_still_point_to_cdns() -> None:
    """Guard for the override: if Folium ever changes its asset names, notice it here."""
    names = {n for n, _ in folium.Map.default_js}
    assert {"leaflet", "jquery"} <= names
    assert Path(folium.__file__).is_file()


@pytest.mark.slow
def test_overview_with_real_bad_hersfeld_districts(bad_hersfeld_pbf: Path) -> None:
    """The districts the planning code loads from the real extract render as outlines,
    and clients take the colour of the district they are assigned to."""
    import numpy as np

    from geodata.districts import load_districts

    real = load_districts(bad_hersfeld_pbf)
    assert len(real.names) >= 3
    plan = sample_plan()
    stops = [s for r in plan.routes for s in r.stops]
    names = real.assign(np.array([s.lon for s in stops]), np.array([s.lat for s in stops]))
    by_id = dict(zip([s.client_id for s in stops], names, strict=True))
    plan.routes = [
        dataclasses.replace(
            r, stops=tuple(dataclasses.replace(s, district=str(by_id[s.client_id])) for s in r.stops)
        )
        for r in plan.routes
    ]
    page = render_map(overview_map(plan, MapSettings(), districts=as_districts(real)))
    assert page.count("L.geoJson(") == len(real.names)
    for n in real.names:
        assert escape_map_text(n) in page
    assert len(page) < 3_000_000  # outlines are simplified
    legend = re.search(r'div\.innerHTML = ("(?:[^"\\]|\\.)*")', page)
    assert legend is not None
    legend_html = json.loads(legend.group(1))
    for n in set(names):
        assert f"{escape_map_text(n)}</li>" in legend_html


def test_team_and_city_text_is_escaped_too() -> None:
    """Team ids come from a user file and the city from a profile: escaped like client text."""
    plan = sample_plan()
    plan.city = "Bad <b>Hersfeld</b>"
    plan.routes = [dataclasses.replace(r, team_id="<i>T</i>", start_label="<u>JC</u>")
                   for r in plan.routes]  # fmt: skip
    for page in (render_map(route_map(plan.routes[0], MapSettings())),
                 render_map(overview_map(plan, MapSettings()))):  # fmt: skip
        for raw in ("<i>T</i>", "<u>JC</u>", "<b>Hersfeld</b>"):
            assert raw not in page
        assert "<title>" in page and "&lt;" in page.split("<title>", 1)[1].split("</title>", 1)[0]
