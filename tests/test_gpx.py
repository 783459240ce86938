"""GPX 1.1 export: well-formed, namespaced, schema element order, waypoints, track, UTC times."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from hausbesuch.gpx import GPX_NS, route_gpx, track_points
from tests.test_maps import CLIENT_NAMES, XSS_NOTES, _route, sample_plan

NS = {"g": GPX_NS}

# Child element order of the GPX 1.1 schema (xsd:sequence), for the types we write.
SEQUENCES = {
    "gpx": ["metadata", "wpt", "rte", "trk", "extensions"],
    "metadata": ["name", "desc", "author", "copyright", "link", "time", "keywords", "bounds",
                 "extensions"],
    "wpt": ["ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link", "sym",
            "type", "fix", "sat", "hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid", "extensions"],
    "rte": ["name", "cmt", "desc", "src", "link", "number", "type", "extensions", "rtept"],
    "trk": ["name", "cmt", "desc", "src", "link", "number", "type", "extensions", "trkseg"],
    "trkseg": ["trkpt", "extensions"],
    "copyright": ["year", "license"],
    "link": ["text", "type"],
}  # fmt: skip
SEQUENCES["rtept"] = SEQUENCES["trkpt"] = SEQUENCES["wpt"]


def _local(tag: str) -> str:
    assert tag.startswith("{" + GPX_NS + "}"), f"element outside the GPX 1.1 namespace: {tag}"
    return tag.split("}", 1)[1]


def _check_order(el: ET.Element) -> None:
    name = _local(el.tag)
    seq = SEQUENCES.get(name)
    if seq is not None:
        idx = [seq.index(_local(c.tag)) for c in el]  # ValueError = element not allowed here
        assert idx == sorted(idx), f"children of <{name}> out of schema order: {[c.tag for c in el]}"
    for c in el:
        _check_order(c)


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def test_gpx_is_wellformed_gpx11_in_schema_order() -> None:
    route = sample_plan().routes[0]
    root = _parse(route_gpx(route))
    assert root.tag == f"{{{GPX_NS}}}gpx"
    assert root.get("version") == "1.1" and root.get("creator") == "hausbesuch"
    _check_order(root)
    for pt in root.iter():
        if _local(pt.tag) in ("wpt", "rtept", "trkpt"):
            lat, lon = float(pt.get("lat")), float(pt.get("lon"))
            assert 50.85 < lat < 50.89 and 9.69 < lon < 9.75


def test_gpx_waypoints_named_by_position_and_id_only() -> None:
    plan = sample_plan()
    route = plan.routes[0]
    text = route_gpx(route)
    root = _parse(text)
    wpts = root.findall("g:wpt", NS)
    assert len(wpts) == len(route.stops) + 1  # start; end = start is not repeated
    assert wpts[0].findtext("g:name", namespaces=NS) == "Start"
    for w, s in zip(wpts[1:], route.stops, strict=True):
        assert w.findtext("g:name", namespaces=NS) == f"{s.position:02d} {s.client_id}"
        assert (float(w.get("lat")), float(w.get("lon"))) == (round(s.lat, 6), round(s.lon, 6))
        assert f"Besuch {s.start:%H:%M}" in w.findtext("g:desc", namespaces=NS)
    assert "Zeitfenster Di 10-12" in wpts[2].findtext("g:desc", namespaces=NS)
    rtepts = root.findall("g:rte/g:rtept", NS)
    assert len(rtepts) == len(route.stops) + 2
    # No names, addresses or notes in a file that goes to navigation apps.
    for name in CLIENT_NAMES:
        assert name not in text
    for note in XSS_NOTES:
        assert note not in text
    assert "Breitenstraße" not in text


def test_gpx_track_follows_legs_and_falls_back_to_straight_segments() -> None:
    route = sample_plan().routes[0]  # leg 3 (index 2) has no geometry
    pts = track_points(route)
    assert all(a != b for a, b in zip(pts, pts[1:], strict=False))  # joints not duplicated
    expected: list[tuple[float, float]] = []
    way = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    for i, leg in enumerate(route.legs):
        for p in leg if leg else (way[i], way[i + 1]):
            if not expected or expected[-1] != p:
                expected.append(p)
    assert pts == expected
    trkpts = _parse(route_gpx(route)).findall("g:trk/g:trkseg/g:trkpt", NS)
    assert [(float(p.get("lon")), float(p.get("lat"))) for p in trkpts] == [
        (round(lon, 6), round(lat, 6)) for lon, lat in pts
    ]


def test_gpx_times_are_utc() -> None:
    winter = _route("T1", "x", date(2026, 12, 8), "walk", [("K-1", 9.71, 50.87, "I", "", "")])
    summer = _route("T1", "x", date(2026, 7, 7), "walk", [("K-1", 9.71, 50.87, "I", "", "")])
    tw = _parse(route_gpx(winter)).findtext("g:metadata/g:time", namespaces=NS)
    ts = _parse(route_gpx(summer)).findtext("g:metadata/g:time", namespaces=NS)
    assert (tw, ts) == ("2026-12-08T07:00:00Z", "2026-07-07T06:00:00Z")  # 08:00 CET / CEST


def test_gpx_empty_day_and_separate_end() -> None:
    empty = sample_plan().routes[2]
    root = _parse(route_gpx(empty))
    assert len(root.findall("g:wpt", NS)) == 1
    _check_order(root)
    route = sample_plan().routes[1]
    other_end = dataclasses.replace(route, end_lonlat=(9.7300, 50.8700))
    root = _parse(route_gpx(other_end))
    names = [w.findtext("g:name", namespaces=NS) for w in root.findall("g:wpt", NS)]
    assert names[0] == "Start" and names[-1] == "Ziel" and len(names) == len(route.stops) + 2


def test_gpx_survives_xml_hostile_ids() -> None:
    route = _route("T1", "x", date(2026, 12, 8), "walk",
                   [("K-1\x07<&>\"'", 9.71, 50.87, "I", "", ""), ("K-2]]>", 9.72, 50.87, "I", "", "")])  # fmt: skip
    root = _parse(route_gpx(route))
    names = [w.findtext("g:name", namespaces=NS) for w in root.findall("g:wpt", NS)]
    assert names[1] == "01 K-1\ufffd<&>\"'" and names[2] == "02 K-2]]>"


def test_gpx_rejects_invalid_positions() -> None:
    route = _route("T1", "x", date(2026, 12, 8), "walk", [("K-77", 9.71, 50.87, "I", "", "")])
    bad = dataclasses.replace(route, stops=(dataclasses.replace(route.stops[0], lon=float("inf")),))
    with pytest.raises(ValueError, match="K-77"):
        route_gpx(bad)


def test_gpx_carries_the_osm_attribution_and_licence() -> None:
    """The track follows OSM ways: the metadata name the OSM contributors, the ODbL and
    the OSM copyright page, in the GPX 1.1 schema's order (QA 18b #8)."""
    root = _parse(route_gpx(sample_plan().routes[0]))
    _check_order(root)
    meta = root.find("g:metadata", NS)
    assert [_local(c.tag) for c in meta] == ["name", "desc", "copyright", "link", "time"]
    rights = meta.find("g:copyright", NS)
    assert rights.get("author") == "OpenStreetMap-Mitwirkende"
    assert [_local(c.tag) for c in rights] == ["license"]
    assert rights.findtext("g:license", namespaces=NS) \
        == "https://opendatacommons.org/licenses/odbl/1-0/"
    link = meta.find("g:link", NS)
    assert link.get("href") == "https://www.openstreetmap.org/copyright"
    assert "OpenStreetMap" in link.findtext("g:text", namespaces=NS)


def test_replaced_title_names_the_newest_version():
    """Review 27 #11: the number is passed, not read back out of the German sentence
    (a reworded sentence left the names without it)."""
    from hausbesuch.gpx import replaced_title

    title = "Route team-1, Mo, 07.12.2026"
    assert replaced_title(title, "") == title
    assert replaced_title(title, "Ersetzt durch Version 3 (Plan p-3): nicht mehr gültig, "
                                 "bitte Version 3 verwenden.", 3) \
        == "ERSETZT durch Version 3 – Route team-1, Mo, 07.12.2026"
    assert replaced_title(title, "Nicht mehr gültig: neu ist Version 4.", 4) \
        == f"ERSETZT durch Version 4 – {title}"
    assert replaced_title(title, "nicht mehr gültig") == f"ERSETZT – {title}"
