"""Route pages, print sheets, index page and write_outputs (links, escaping, no names)."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from hausbesuch.clients import FIELD_LABELS
from hausbesuch.config import load_profile
from hausbesuch.maps import MapSettings
from hausbesuch.output import safe_stem, write_outputs
from hausbesuch.pages import (
    SCROLL_BOXES_CSP,
    SCROLL_BOXES_JS,
    RouteLinks,
    osm_directions_url,
    print_sheet,
    route_page,
)
from tests.test_maps import CLIENT_NAMES, DEPOT, XSS_NOTES, sample_districts, sample_plan


class _Links(HTMLParser):
    """Collects href/src attributes and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attr, value)
        self.text: list[str] = []
        self.metas: list[dict[str, str | None]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        for a in ("href", "src"):
            if d.get(a) is not None:
                self.refs.append((tag, a, d[a] or ""))
        if tag == "meta":
            self.metas.append(d)
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _parse(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


LINKS = RouteLinks(map="../karten/x.html", page="../routen/x.html", sheet="../druck/x.html",
                   gpx="../gpx/x.gpx", index="../index.html")  # fmt: skip


def _external(refs: list[tuple[str, str, str]]) -> list[str]:
    return [v for _, _, v in refs if urlsplit(v).scheme in ("http", "https", "geo")]


def test_route_page_lists_stops_in_order_with_navigation_links() -> None:
    plan = sample_plan()
    route = plan.routes[0]
    html = route_page(route, MapSettings(), links=LINKS)
    p = _parse(html)
    text = "".join(p.text)
    assert '<html lang="de">' in html
    ids = re.findall(r'<li class="stop" id="stopp-(\d+)">', html)
    assert ids == [str(s.position) for s in route.stops]
    pos = [text.index(s.client_id) for s in route.stops]
    assert pos == sorted(pos)
    for s in route.stops:
        assert f"{s.start:%H:%M} Uhr" in text and f"Ankunft {s.arrival:%H:%M} Uhr" in text
        # the times of the meta line with „Uhr“, as the phone writes them (QA 28 F19)
        assert f"Besuch {s.start:%H:%M}–{s.end:%H:%M} Uhr" in text
        assert s.address in text
    # the window typed „Di 10-12“ in the pages' words (QA 28 F19)
    assert "Zeitfenster: Di 10:00–12:00 Uhr" in text and "Zeitfenster: ganztägig" in text
    assert "Di 10-12" not in text
    assert html.count('">Navigation starten</a>') == len(route.stops)
    assert re.search(r"Wegzeit \d+ (Std\. \d\d )?Min\.", text), text  # as on the phone
    # Lunch break sits after stop 3 and before stop 4.
    assert text.index("K-1003") < text.index("Pause") < text.index("K-1004")

    geo = [v for _, _, v in p.refs if v.startswith("geo:")]
    assert len(geo) == len(route.stops)
    for uri, s in zip(geo, route.stops, strict=True):
        ll = f"{s.lat:.6f},{s.lon:.6f}"
        m = re.fullmatch(r"geo:([^?]+)\?q=([^()]+)\((.*)\)", uri)
        assert m and m.group(1) == ll and m.group(2) == ll
        # the stop's number as the page shows it, not the case id (QA 28 F16)
        assert unquote(m.group(3)) == f"Stopp {s.position}"
    # off by default: no online routing service sees two clients' points on a tap
    assert _external(p.refs) == geo, _external(p.refs)
    assert "OpenStreetMap</a>" not in html
    # The view links of this team-day.
    hrefs = {v for _, _, v in p.refs}
    assert {LINKS.map, LINKS.sheet, LINKS.gpx, LINKS.index} <= hrefs


def test_openstreetmap_directions_only_when_the_profile_enables_them() -> None:
    route = sample_plan().routes[0]
    p = _parse(route_page(route, MapSettings(osm_directions_links=True), links=LINKS))
    osm = [v for _, _, v in p.refs if v.startswith("https://www.openstreetmap.org/directions")]
    assert len(osm) == len(route.stops) + 1  # one per stop plus the way back
    prev = DEPOT
    for url, s in zip(osm, route.stops, strict=False):
        q = parse_qs(urlsplit(url).query)
        assert q["engine"] == ["fossgis_osrm_foot"]
        assert q["route"] == [f"{prev[1]:.6f},{prev[0]:.6f};{s.lat:.6f},{s.lon:.6f}"]
        prev = (s.lon, s.lat)
    assert not [v for v in _external(p.refs) if "google" in v]  # off by default
    profile = load_profile("bad-hersfeld")
    assert not MapSettings.from_profile(profile).osm_directions_links  # shipped: off
    on = profile.model_copy(update={"map": profile.map.model_copy(
        update={"osm_directions_links": True})})
    assert MapSettings.from_profile(on).osm_directions_links


def test_links_carry_coordinates_and_ids_only() -> None:
    plan = sample_plan()
    settings = MapSettings(google_maps_links=True, osm_directions_links=True)
    for route in plan.routes[:2]:
        p = _parse(route_page(route, settings, links=LINKS))
        ext = _external(p.refs)
        google = [v for v in ext if v.startswith("https://www.google.com/maps/dir/")]
        assert len(google) == len(route.stops)
        for url in ext:
            decoded = unquote(url)
            for s in route.stops:
                assert s.address not in decoded
                assert "Breitenstraße" not in decoded
            for name in CLIENT_NAMES:
                assert name not in decoded
            if url.startswith("http"):
                # only coordinates, engine/mode words and punctuation
                query = urlsplit(url).query
                assert re.fullmatch(r"[a-z_]+=[A-Za-z0-9_.,;%-]+(&[a-z_]+=[A-Za-z0-9_.,;%-]+)*", query), url


@pytest.mark.parametrize(
    ("mode", "engine"),
    [("walk", "fossgis_osrm_foot"), ("bike", "fossgis_osrm_bike"), ("drive", "fossgis_osrm_car")],
)
def test_osm_link_engine_follows_mode(mode: str, engine: str) -> None:
    url = osm_directions_url((9.70, 50.86), (9.71, 50.87), mode)
    assert url == (
        f"https://www.openstreetmap.org/directions?engine={engine}"
        "&route=50.860000,9.700000;50.870000,9.710000"
    )


def test_pages_escape_client_text_and_forbid_scripts() -> None:
    route = sample_plan().routes[0]
    for html in (route_page(route, MapSettings(), links=LINKS),
                 print_sheet(route, MapSettings(), links=LINKS)):  # fmt: skip
        for note in XSS_NOTES:
            if "<" in note:  # ${…} and \x3c are plain text in HTML (not in JS, see maps)
                assert note not in html
        assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=&#34;window.__xss_img = 1&#34;&gt;" in html
        # the route page runs no script; the sheet only its own, by its hash (its table's
        # box a tab stop only while it scrolls): a script in a note never runs
        own = f"<script>{SCROLL_BOXES_JS}</script>" if 'class="sheet-wrap"' in html else ""
        assert "<script" not in html.replace(own, "", 1).lower()
        assert "Klingel &#34;Meyer &amp; Co&#34; defekt" in html
        p = _parse(html)
        csp = [m.get("content") for m in p.metas if m.get("http-equiv") == "Content-Security-Policy"]
        assert csp and "default-src 'none'" in csp[0]
        scripts = re.findall(r"script-src ([^;]*)", csp[0])
        if own:
            assert own in html and scripts == [SCROLL_BOXES_CSP.split(" ", 1)[1]], csp
        else:
            assert scripts == [], csp
        assert any(m.get("name") == "referrer" and m.get("content") == "no-referrer" for m in p.metas)
        for name in CLIENT_NAMES:
            assert name not in html


def test_a_window_of_every_day_keeps_its_word_on_every_view() -> None:
    """„täglich 9-17“ reads „täglich 09:00–17:00 Uhr“ on the route page, the sheet and the
    route map's popup (it lost „täglich“: a window of every day shows no weekdays), as
    „nachmittags“ keeps its word."""
    from hausbesuch.maps import render_map, route_map

    route = sample_plan().routes[0]
    stop = dataclasses.replace(route.stops[0], window_text="täglich 9-17")
    route = dataclasses.replace(route, stops=(stop, *route.stops[1:]))
    shown = "täglich 09:00–17:00 Uhr"
    page = "".join(_parse(route_page(route, MapSettings(), links=LINKS)).text)
    assert f"Zeitfenster: {shown}" in page, page
    sheet = print_sheet(route, MapSettings(), links=LINKS)
    assert f'<td class="fenster">{shown}</td>' in sheet
    popup = render_map(route_map(route, MapSettings()))
    assert f"<br>Zeitfenster: {shown}<br>" in popup


def test_print_sheet_is_a4_with_outcome_boxes() -> None:
    route = sample_plan().routes[0]
    html = print_sheet(route, MapSettings(), links=LINKS)
    assert "@page { size: A4 portrait" in html and "@media print" in html
    text = "".join(_parse(html).text)
    for label in ("angetroffen", "nicht angetroffen", "Nachricht hinterlassen", "verzogen",
                  "verweigert", "Termin vereinbart"):
        assert html.count(f'<span class="box"></span>{label}') == len(route.stops), label
    assert html.count('<tr class="stopp">') == len(route.stops)
    assert "Laufzettel T1 · Dienstag, 08.12.2026" in text
    assert "Pause" in text and "Datum, Unterschrift" in text
    # where the boxes are typed in: the command line's results list; on the web's sheet
    # the web's form (QA 32b F7)
    assert "Beim Erfassen (Ergebnisliste für „hausbesuch outcomes“): „besucht um“ in die " \
        "Spalte „Uhrzeit“" in text
    web = "".join(_parse(print_sheet(route, MapSettings(), links=LINKS, web=True)).text)
    # where outcomes are entered in the web now: the plan's *Ergebnisse* (each visit's
    # „Ergebnis nachtragen“) or the whole sheet as *Ergebnisliste* (session 45 webout)
    assert "Beim Erfassen (auf der Seite des Plans unter „Ergebnisse“: „Ergebnis nachtragen“ " \
        "je Besuch, oder der ganze Laufzettel als „Ergebnisliste“): „besucht um“ als „Uhrzeit " \
        "des Besuchs“ (in der Liste: Spalte „Uhrzeit“), „Termin am … um …“ als „Termin“." in web
    assert "„Fälle“" not in web
    assert "hausbesuch outcomes" not in web


def test_the_index_of_a_plan_without_a_list_points_to_the_imports_rejections() -> None:
    """A plan of the database's open cases read no list: its index does not say „Keine
    Zeile wurde abgelehnt“ for the list its import rejected rows of, but where those are:
    the import's output and report, or in the web's files the page „Kundenliste“ (QA 32b
    F5). A plan that read a list without a row rejected says so."""
    from hausbesuch.pages import IndexRoute, index_page

    def index(plan) -> str:  # noqa: ANN001
        routes = [IndexRoute(r, "k.html", "r.html", "d.html", "g.gpx") for r in plan.routes]
        return " ".join("".join(_parse(index_page(
            plan, MapSettings(), routes=routes, overview_href="uebersicht.html")).text).split())

    none = "Keine Zeile wurde abgelehnt."
    pointer = ("Dieser Plan hat keine Liste eingelesen: die beim Import abgelehnten Zeilen "
               "der Kundenliste ")
    listed = dataclasses.replace(sample_plan(), rejected=[], params={"total_rows": 10})
    assert none in index(listed) and pointer not in index(listed)
    backlog = dataclasses.replace(listed, params={"total_rows": None})
    cli = index(backlog)
    assert none not in cli
    assert (pointer + "nennt „hausbesuch import“ (Ausgabe und --report); bis zum nächsten "
            "Import stehen sie auch in der Web-Oberfläche unter „Kundenliste“ "
            "(ablehnungen.csv).") in cli, cli
    web = index(dataclasses.replace(backlog, for_web=True))
    assert (pointer + "stehen bis zum nächsten Import unter „Kundenliste“ (auch als CSV: "
            "„Abgelehnte Zeilen herunterladen“).") in web, web
    assert "„hausbesuch " not in web and "--report" not in web
    # cases of the backlog rejected by this plan (an address not found): listed, and the
    # pointer to the import's rows too
    mixed = index(dataclasses.replace(sample_plan(), params={}))
    assert "Abgelehnte Zeilen (3)" in mixed and pointer in mixed and none not in mixed


def test_empty_day_pages() -> None:
    route = sample_plan().routes[2]
    assert "keine Besuche geplant" in route_page(route, MapSettings(), links=LINKS)
    assert "keine Besuche geplant" in print_sheet(route, MapSettings(), links=LINKS)


def test_visit_count_in_its_number() -> None:
    """A team-day of one visit says "1 Besuch", of more "n Besuche"."""
    from dataclasses import replace

    route = sample_plan().routes[0]
    assert len(route.stops) > 1
    one = replace(route, stops=route.stops[:1])
    for render in (route_page, print_sheet):
        assert f"{len(route.stops)} Besuche ·" in render(route, MapSettings(), links=LINKS)
        html = render(one, MapSettings(), links=LINKS)
        assert "1 Besuch ·" in html and "1 Besuche" not in html


def test_the_plans_overview_says_when_it_was_made_with_the_weekday() -> None:
    """„erstellt Mo, 07.12.2026, 10:00 Uhr“ as every page writes a moment (was „erstellt
    07.12.2026 10:00 Uhr“ beside „Montag, 07.12.2026 bis …“)."""
    from dataclasses import replace
    from datetime import datetime

    from hausbesuch.pages import index_page

    plan = replace(sample_plan(), created_at=datetime(2026, 12, 7, 10, 0))
    html = index_page(plan, MapSettings(), routes=[], overview_href="uebersicht.html")
    assert "· erstellt Mo, 07.12.2026, 10:00 Uhr</p>" in html


def test_safe_stem() -> None:
    assert safe_stem("T1_2026-12-08") == "T1_2026-12-08"
    assert safe_stem("Süd 2_2026-12-08") == "Sued-2_2026-12-08"
    assert safe_stem("../../etc/passwd_2026-12-08") == "etc-passwd_2026-12-08"
    assert safe_stem("///") == "route"


def _all_refs(out: Path) -> list[tuple[Path, str]]:
    refs = []
    for f in out.rglob("*.html"):
        if "assets" in f.parts:
            continue
        html = f.read_text(encoding="utf-8")
        for _, _, v in _parse(html).refs:
            refs.append((f, v))
        # Folium maps reference assets and links inside scripts/legend JSON too.
        for v in re.findall(r'(?:src|href)=\\?"([^"\\]+)\\?"', html):
            refs.append((f, v))
    return refs


def test_write_outputs_layout_links_and_privacy(tmp_path: Path) -> None:
    plan = sample_plan()
    out = tmp_path / "woche"
    out.mkdir()
    (out / "plan.json").write_text("{}", encoding="utf-8")  # written by planning beforehand
    files = write_outputs(plan, out, districts=sample_districts(), settings=MapSettings(city="Bad Hersfeld"))

    assert files.index == out / "index.html" and files.index.is_file()
    assert len(files.routes) == len(plan.routes)
    stems = sorted(rf.stem for rf in files.routes)
    assert stems == ["Sued-2_2026-12-08", "T1_2026-12-08", "T1_2026-12-09"]
    for rf in files.routes:
        for p in (rf.map, rf.page, rf.sheet, rf.gpx):
            assert p.is_file() and p.stat().st_size > 200, p
            assert p.stem == rf.stem
    assert files.by_slug("Süd 2_2026-12-08").stem == "Sued-2_2026-12-08"
    assert (out / "assets" / "leaflet" / "leaflet.js").is_file()
    assert (out / "assets" / "leaflet" / "LICENSE").is_file()

    # Every relative link and asset reference in every page resolves to a file.
    checked = 0
    for page, ref in _all_refs(out):
        parts = urlsplit(ref)
        if ref.startswith("#"):  # a place in the page itself (the skip link): it exists
            assert f'id="{ref[1:]}"' in page.read_text(encoding="utf-8"), (page, ref)
            continue
        if parts.scheme or ref.startswith("//"):
            assert parts.scheme in ("https", "geo"), (page, ref)
            continue
        target = (page.parent / unquote(parts.path)).resolve()
        assert target.is_file(), f"{page.name}: broken link {ref}"
        assert out.resolve() in target.parents
        checked += 1
    assert checked > 60

    # Index: links to each team-day's four files, unassigned and rejected with reasons.
    index = files.index.read_text(encoding="utf-8")
    for rf in files.routes:
        for p in (rf.map, rf.page, rf.sheet, rf.gpx):
            assert f'href="{p.relative_to(out).as_posix()}"' in index
    assert 'src="uebersicht.html"' in index
    assert 'href="plan.json"' in index and 'href="report.csv"' not in index
    text = "".join(_parse(index).text)
    assert "Woche ausgelastet <b>fett</b>" in text  # shown as text, escaped in the source
    assert "<b>fett</b>" not in index
    assert "Adresse nicht gefunden" in text and "K-1010" in text
    for r in plan.rejected:
        assert r.reason in text and FIELD_LABELS.get(r.field, r.field) in text  # German label
    assert re.search(r">\s*12\s*</td><td>–</td><td>Kundennummer</td><td>Kundennummer fehlt<", index)
    # a case rejected in a plan of the stored backlog has no row of a list: "–", not 0
    from dataclasses import replace as _replace

    from hausbesuch.plandata import Rejected
    backlog = _replace(plan, rejected=[Rejected(None, "K-3003", "adresse", "nicht gefunden")])
    other = tmp_path / "bestand"
    other.mkdir()
    write_outputs(backlog, other, districts=sample_districts(),
                  settings=MapSettings(city="Bad Hersfeld"))
    page = (other / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<td class="num">–</td><td>K-3003</td>', page), page[-2000:]

    # No client name anywhere: file names, pages, maps, GPX.
    for f in out.rglob("*"):
        if f.is_file() and "assets" not in f.parts:
            content = f.read_text(encoding="utf-8")
            for name in CLIENT_NAMES:
                assert name not in f.name and name not in content, (f, name)

    # Re-running into the same directory works and picks up report.csv now present.
    (out / "report.csv").write_text("zeile;status\n", encoding="utf-8")
    write_outputs(plan, out, districts=sample_districts())
    assert 'href="report.csv"' in files.index.read_text(encoding="utf-8")


def test_write_outputs_disambiguates_colliding_stems(tmp_path: Path) -> None:
    plan = sample_plan()
    r = plan.routes[1]
    twin = dataclasses.replace(r, team_id="Süd-2")  # same safe stem as "Süd 2"
    plan.routes = [r, twin]
    files = write_outputs(plan, tmp_path)
    assert sorted(rf.stem for rf in files.routes) == ["Sued-2_2026-12-08", "Sued-2_2026-12-08-2"]


def test_write_outputs_opens_no_network_connection(tmp_path: Path) -> None:
    from tests.netguard import deny_network

    with deny_network() as attempts:
        files = write_outputs(sample_plan(), tmp_path, districts=sample_districts())
    assert attempts == []
    assert files.index.is_file()


def _stop_blocks(page: str, kind: str) -> dict[str, str]:
    """The visible text of each stop of a route page (``li``) or print sheet (``tr``), by
    Kundennummer."""
    pat = (r'<li class="stop[^"]*" id="stopp-\d+">(.*?)</li>' if kind == "page"
           else r'<tr class="stopp[^"]*">(.*?)</tr>')
    out = {}
    for block in re.findall(pat, page, re.S):
        text = " ".join("".join(_parse(block).text).split())
        cid = re.search(r"K-?\s?\d{4}(?:&amp;Co|&Co)?", block)
        assert cid is not None, block
        out[cid.group().replace("&amp;", "&")] = text
    return out


def test_pages_and_sheets_say_where_a_point_is_not_the_house(tmp_path: Path) -> None:
    """A stop found only on its street, interpolated, or found with the geocoder's note
    says so in one line on the route page and the print sheet; a point set by hand and an
    exact one say nothing (QA 18b #7)."""
    from hausbesuch.maps import WHERE_DOUBT, WHERE_INTERPOLATED, WHERE_STREET
    from hausbesuch.plandata import Geocode

    plan = sample_plan()
    found = {
        "K-1001": ("street", "Hausnummer 11 nicht gefunden: Punkt auf der Straße."),
        "K-1002": ("interpolated", "Hausnummer 12 interpoliert zwischen Nr. 10 und 14."),
        "K-1003": ("exact", "Straßenname unscharf erkannt: „Breitenstr“ ≈ „Breitenstraße“."),
        "K-1004": ("manual", "von Hand gesetzt"),
        "K 1005&Co": ("exact", ""),
        "K-1006": ("given", "Koordinate aus der Liste"),
    }
    # each at its stop's point, as a plan stores them (a geocode elsewhere is not the
    # stop's: review 39 #2)
    at = {s.client_id: (s.lon, s.lat) for r in plan.routes for s in r.stops}
    plan = dataclasses.replace(plan, geocodes=[
        Geocode(cid, *at[cid], q, 1.0, "", why, "Innenstadt") for cid, (q, why) in found.items()])
    files = write_outputs(plan, tmp_path / "woche", settings=MapSettings(city="Bad Hersfeld"))
    rf = files.by_slug("T1_2026-12-08")
    expected = {"K-1001": WHERE_STREET, "K-1002": WHERE_INTERPOLATED, "K-1003": WHERE_DOUBT,
                "K-1004": None, "K 1005&Co": None}
    notes = (WHERE_STREET, WHERE_INTERPOLATED, WHERE_DOUBT)
    for kind, path in (("page", rf.page), ("sheet", rf.sheet)):
        blocks = _stop_blocks(path.read_text(encoding="utf-8"), kind)
        assert sorted(blocks) == sorted(expected)
        for cid, line in expected.items():
            shown = [n for n in notes if n in blocks[cid]]
            assert shown == ([line] if line else []), (kind, cid, blocks[cid])
    # the other route: a coordinate of the list is exact, a stop without geocode silent
    other = files.by_slug("Süd 2_2026-12-08").page.read_text(encoding="utf-8")
    assert not any(n in other for n in notes)
    # a stop called off says nothing about where it is (nobody goes there)
    r1 = plan.routes[0]
    off = dataclasses.replace(r1, stops=(dataclasses.replace(r1.stops[0], called_off=True),
                                         *r1.stops[1:]))
    page = route_page(off, MapSettings(), links=LINKS,
                      geocodes={g.client_id: g for g in plan.geocodes})
    assert WHERE_STREET not in page and WHERE_INTERPOLATED in page


def test_a_geocode_away_from_its_stop_says_nothing_of_it(tmp_path: Path) -> None:
    """A plan keeps one geocode per client; a re-plan replaces it for a client who moved
    while a visit kept from before stands at the old address (review 39 #2): a geocode
    not at the stop's point is not the stop's, and gives it neither its line on the point
    nor its street; at the stop's point it gives both."""
    from hausbesuch.maps import WHERE_INTERPOLATED
    from hausbesuch.plandata import Geocode

    plan = sample_plan()
    stop = next(s for s in plan.routes[0].stops if s.client_id == "K-1002")
    found = Geocode("K-1002", 9.7100641, 50.8681021, "interpolated", 0.65,
                    "Breitenstraße 20, 36251 Bad Hersfeld",
                    "Hausnummer 20 nicht im Kartenauszug; interpoliert zwischen Nr. 4 und 24.",
                    "Innenstadt", doubt=False)
    cases = [  # the stop's address, its geocode, what the pages show, the line on the point
        ("Am Markt 5", found, "Am Markt 5", False),  # kept, the new address's geocode
        ("breitenstr. 20", dataclasses.replace(found, lon=stop.lon, lat=stop.lat),
         "Breitenstraße 20, 36251 Bad Hersfeld", True),  # its own
    ]
    for i, (address, geocode, shown, where) in enumerate(cases):
        routes = [dataclasses.replace(plan.routes[0], stops=tuple(
            dataclasses.replace(s, address=address) if s is stop else s
            for s in plan.routes[0].stops)), *plan.routes[1:]]
        files = write_outputs(dataclasses.replace(plan, routes=routes, geocodes=[geocode]),
                              tmp_path / str(i), settings=MapSettings(city="Bad Hersfeld"))
        rf = files.by_slug("T1_2026-12-08")
        for kind, path in (("page", rf.page), ("sheet", rf.sheet)):
            text = _stop_blocks(path.read_text(encoding="utf-8"), kind)["K-1002"]
            assert shown in text and "Breitenstraße 5" not in text, (kind, text)
            assert (WHERE_INTERPOLATED in text) == where, (kind, text)


def test_a_route_cut_without_its_way_back_says_it_ends_after_its_last_visit() -> None:
    """A route a re-plan cut (the team removed after its first visits) whose way back is
    not known (stored before QA 19d #1, or no path): no return time at the minute its last
    visit ends, on the page, the sheet, the GPX and the map; a route with its way back
    keeps its return time."""
    from hausbesuch.gpx import route_gpx
    from hausbesuch.maps import render_map, route_map

    route = sample_plan().routes[0]
    last = route.stops[-1]
    cut = dataclasses.replace(route, return_=last.end, legs=route.legs[:len(route.stops)])
    assert cut.ends_open and not route.ends_open
    ended = "Tour endet nach dem letzten Besuch"
    wrong = f"{last.end:%H:%M}"
    for html in (route_page(cut, MapSettings(), links=LINKS),
                 print_sheet(cut, MapSettings(), links=LINKS)):
        text = " ".join(_parse(html).text)
        assert ended in text and "Rückkehr" not in text and f"Ziel {wrong}" not in text
    gpx = route_gpx(cut)
    assert ended in gpx and f"Rückkehr {wrong}" not in gpx
    assert f"Rückkehr {wrong}" not in render_map(route_map(cut, MapSettings()))
    back = f"{route.return_:%H:%M}"
    assert f"Rückkehr zum Start {back} Uhr" in " ".join(
        _parse(route_page(route, MapSettings(), links=LINKS)).text)
    assert f"Rückkehr {back}" in route_gpx(route)


OPEN_END = " (Ende des letzten Besuchs)"


def test_the_time_range_of_a_route_without_its_way_back_ends_with_its_last_visit(
        tmp_path: Path) -> None:
    """Review 19b #6: a route without its way back showed „08:00–11:13 Uhr“ in its header
    (and the index, the map's box) as if the team were back at 11:13; it says that the
    range ends with the last visit, a route with its way back keeps its plain range."""
    from hausbesuch.maps import render_map, route_map

    plan = sample_plan()
    route = plan.routes[0]
    last = route.stops[-1]
    cut = dataclasses.replace(route, return_=last.end, legs=route.legs[:len(route.stops)])
    span = f"{route.depart:%H:%M}–{last.end:%H:%M}"
    for r, shown in ((cut, True), (route, False)):
        text = " ".join(_parse(route_page(r, MapSettings(), links=LINKS)).text)
        assert (f"{span} Uhr{OPEN_END} ·" in text) is shown
        assert (OPEN_END in text) is shown
        box = render_map(route_map(r, MapSettings()))  # the box is a JSON string there
        assert (json.dumps(f"{span}{OPEN_END} ·")[1:-1] in box) is shown
        assert (OPEN_END in box) is shown
    assert f"{route.depart:%H:%M}–{route.return_:%H:%M} Uhr ·" in " ".join(
        _parse(route_page(route, MapSettings(), links=LINKS)).text)
    files = write_outputs(dataclasses.replace(plan, routes=[cut, *plan.routes[1:]]),
                          tmp_path / "woche", settings=MapSettings(city="Bad Hersfeld"))
    index = "".join(_parse(files.index.read_text(encoding="utf-8")).text)
    assert index.count(OPEN_END) == 1 and f"{span}{OPEN_END}" in index


def test_a_route_whose_last_visit_is_0_s_from_its_end_point_is_not_open() -> None:
    """Review 19b: whether a route has its way back is read from its legs (one more than
    stops), not from its times and coordinates: a last client snapped onto the end
    point's spot (other coordinates, 0 s of way back) returns at the minute that visit
    ends, and is still a route with its way back. A route cut without it has only the
    legs to its visits (or, stored before QA 19c, all legs of the route it was cut
    from); one without any geometry is judged by its times and places as before."""
    route = sample_plan().routes[0]
    last = route.stops[-1]
    near = dataclasses.replace(route, return_=last.end,
                               end_lonlat=(last.lon + 1e-5, last.lat))
    assert len(near.legs) == len(near.stops) + 1 and not near.ends_open
    text = " ".join(_parse(route_page(near, MapSettings(), links=LINKS)).text)
    assert "Tour endet nach dem letzten Besuch" not in text and OPEN_END not in text
    assert f"Ziel {last.end:%H:%M} Uhr" in text
    # cut: the legs to its visits, or all of the longer route's with fewer stops
    assert dataclasses.replace(near, legs=near.legs[:-1]).ends_open
    head = route.stops[:3]
    assert dataclasses.replace(route, stops=head, return_=head[-1].end).ends_open
    # read without geometry (a plan's overview): the count of the stored legs decides
    assert not dataclasses.replace(near, legs=(), leg_count=len(near.legs)).ends_open
    assert dataclasses.replace(near, legs=(), leg_count=len(near.stops)).ends_open
    # no geometry at all: the return and the last place against the end point
    assert dataclasses.replace(route, legs=(), return_=last.end).ends_open
    assert not dataclasses.replace(route, legs=()).ends_open
    assert not dataclasses.replace(route, legs=(), stops=()).ends_open


def test_readme_says_what_the_navigation_links_carry() -> None:
    """QA 25 F9: the README said „Navigation links carry coordinates only“ while the
    ``geo:`` link also carries the case id (its label in the navigation app). The README
    now says what each link carries, and the links do exactly that: the ``geo:`` link the
    coordinates and the case id, the openstreetmap.org and Google links coordinates only,
    none a name or an address."""
    from hausbesuch.pages import nav_links

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    bullet = " ".join(readme.split("- Navigation links carry", 1)[1].split("\n- ", 1)[0].split())
    assert not bullet.startswith("coordinates only"), bullet
    # QA 28 F16: the label is the stop's number, no longer the case id; the deployment
    # note asks for an offline app as the phones' default for geo: links
    assert "stop's number" in bullet and "label" in bullet, bullet
    assert "never a case id" in bullet and "offline navigation app" in bullet, bullet
    assert "coordinates only" in bullet  # (said of the web links)
    route = sample_plan().routes[0]
    stop = route.stops[0]
    links = nav_links(route.start_lonlat, stop, route.mode,
                      MapSettings(osm_directions_links=True, google_maps_links=True), 1)
    assert links.geo == (f"geo:{stop.lat:.6f},{stop.lon:.6f}?q={stop.lat:.6f},"
                         f"{stop.lon:.6f}(Stopp%201)")
    assert stop.client_id not in links.geo
    for web in (links.osm, links.google):
        assert stop.client_id not in unquote(web) and stop.address.split()[0] not in web


def test_a_break_before_setting_out_is_named_in_the_start_line() -> None:
    """A team-day whose break begins when the team sets out (a re-plan from 12:59 with
    the break due) reads „Start 13:29 Uhr (vorher Pause 12:59–13:29 Uhr)“ on the route
    page and the sheet, not „Start 12:59 Uhr“ and straight into „Pause 12:59–13:29 Uhr“
    (QA 28 F19); a break later in the day stays at its place after „Start 08:00 Uhr“."""
    from datetime import datetime

    route = sample_plan().routes[0]
    late = dataclasses.replace(route, depart=datetime(2026, 12, 8, 12, 59),
                               lunch=(datetime(2026, 12, 8, 12, 59), datetime(2026, 12, 8, 13, 29)))
    first = f"Start 13:29 Uhr (vorher Pause 12:59–13:29 Uhr): {route.start_label}"
    for render in (route_page, print_sheet):
        text = "".join(_parse(render(late, MapSettings(), links=LINKS)).text)
        assert first in text, render.__name__
        assert "Start 12:59" not in text and text.count("12:59–13:29") == 1
    html = route_page(late, MapSettings(), links=LINKS)
    assert '<li class="pause">' not in html
    text = "".join(_parse(route_page(route, MapSettings(), links=LINKS)).text)
    assert f"Start 08:00 Uhr: {route.start_label}" in text
    assert text.index("Start 08:00") < text.index("K-1003") < text.index("Pause 10:56–11:26 Uhr")
