"""GPX 1.1 export of a team-day route: stop waypoints, the stop order as a route, and the
street-following track.

Waypoints are named by number and pseudonymous client id only (no names, no notes):
GPX files end up in navigation apps that may sync them elsewhere. A stop called off since
the plan was made is no place to go: it is no point of the route (what apps navigate),
the track leaves out the way to it and on from it, and its waypoint is named
``ENTFÄLLT K-1001`` (so that nobody rings there who remembers the earlier route).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hausbesuch.maps import check_lonlat, fmt_date, fmt_time, visits_text
from hausbesuch.plandata import TeamDayRoute

GPX_NS = "http://www.topografix.com/GPX/1/1"
GPX_SCHEMA = "http://www.topografix.com/GPX/1/1/gpx.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
LOCAL_TZ = ZoneInfo("Europe/Berlin")
#: The track follows OSM ways (a Produced Work under the ODbL): the file names the source
#: and its licence in ``metadata`` (``copyright`` and a ``link`` to the OSM copyright page).
OSM_AUTHOR = "OpenStreetMap-Mitwirkende"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"


def _utc(t: datetime) -> str:
    """Naive local wall-clock time (Europe/Berlin) -> ISO 8601 UTC with ``Z``."""
    aware = t.replace(tzinfo=LOCAL_TZ) if t.tzinfo is None else t
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Characters that XML 1.0 does not allow at all (even escaped).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = _XML_INVALID.sub("\ufffd", text)
    return el


def _pt(parent: ET.Element, tag: str, lon: float, lat: float) -> ET.Element:
    return _sub(parent, tag, lat=f"{lat:.6f}", lon=f"{lon:.6f}")


def track_points(route: TeamDayRoute) -> list[tuple[float, float]]:
    """The route as one (lon, lat) line: the legs joined (duplicate joints dropped), or
    straight segments between depot and stops where a leg has no geometry."""
    way = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    out: list[tuple[float, float]] = []
    for i in range(len(way) - 1):
        leg: Sequence[tuple[float, float]] = (
            route.legs[i] if i < len(route.legs) and len(route.legs[i]) >= 2 else (way[i], way[i + 1])
        )
        for p in leg:
            p = (float(p[0]), float(p[1]))
            if not out or out[-1] != p:
                out.append(p)
    return out


def track_segments(route: TeamDayRoute) -> list[list[tuple[float, float]]]:
    """The track in pieces (one ``trkseg`` each): :func:`track_points` without the legs to
    and from a stop called off since the plan was made (or whose case was closed since) (the way from the stop before to
    the one after is not computed here: a gap between two pieces). One piece, the whole
    track, while nothing is called off."""
    if all(not s.off for s in route.stops):
        return [track_points(route)]
    way = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    pieces: list[list[tuple[float, float]]] = [[]]
    for i in range(len(way) - 1):
        if (i < len(route.stops) and route.stops[i].off) or (
                i > 0 and route.stops[i - 1].off):
            if pieces[-1]:
                pieces.append([])
            continue
        leg: Sequence[tuple[float, float]] = (
            route.legs[i] if i < len(route.legs) and len(route.legs[i]) >= 2 else (way[i], way[i + 1])
        )
        out = pieces[-1]
        for p in leg:
            p = (float(p[0]), float(p[1]))
            if not out or out[-1] != p:
                out.append(p)
    return [p for p in pieces if p]


def replaced_title(title: str, replaced: str, version: int | None = None) -> str:
    """``title`` as the ``name`` of a replaced version's GPX file, route and track: begun
    with „ERSETZT durch Version 2 –“ (``version``: the newest version's number, as
    :func:`hausbesuch.versions.replacement` gives it; a phone's GPX app lists tracks and
    routes by name and shows no ``desc`` there), like a waypoint called off („ENTFÄLLT
    K-1001“)."""
    if not replaced:
        return title
    return (f"ERSETZT durch Version {version} – {title}" if version is not None
            else f"ERSETZT – {title}")


def route_gpx(route: TeamDayRoute, *, creator: str = "hausbesuch", replaced: str = "",
              replaced_version: int | None = None) -> str:
    """GPX 1.1 document (UTF-8 text with XML declaration) for one team-day.

    ``replaced``: for a plan version a re-plan replaced, the sentence saying so
    (:func:`hausbesuch.versions.replaced_note`, as the route page and the sheet show it):
    it opens the ``desc`` of ``metadata``, of the ``rte`` and of the ``trk``, which is
    what navigation apps show of a file (a team with the older file on its phone reads
    that it is no longer valid), and their ``name`` begins with „ERSETZT durch Version N
    –“ (:func:`replaced_title` with ``replaced_version``: the lists of tracks and routes
    show names only).

    Contents, in schema order: ``metadata`` (with the OSM attribution: ``copyright``
    under the ODbL and a ``link`` to openstreetmap.org/copyright); waypoints ``Start`` and one per stop
    (name ``"03 K-1001"``, planned times and window in ``desc``; a stop called off:
    ``"ENTFÄLLT K-1001"``, type ``entfällt``; a stop whose case was closed since, which
    keeps its number: ``"ENTFÄLLT 03 K-1001"``); a ``rte`` through start, the stops still
    to visit and end (apps such as OsmAnd navigate it point by point); a ``trk`` with the
    street-following line (:func:`track_segments`).

    Raises
    ------
    ValueError
        If a stop or the depot has no valid WGS84 position.
    """
    what = f"Route {route.slug}"
    for s in route.stops:
        check_lonlat(s.lon, s.lat, f"{what}, Stopp {s.position} ({s.client_id})")
    start = check_lonlat(*route.start_lonlat, f"{what}, Start")
    end = check_lonlat(*route.end_lonlat, f"{what}, Ziel")

    # Namespaces declared literally: ElementTree cannot combine a default namespace with
    # unqualified attributes (lat, lon).
    root = ET.Element(
        "gpx",
        {
            "version": "1.1",
            "creator": creator,
            "xmlns": GPX_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{GPX_NS} {GPX_SCHEMA}",
        },
    )
    title = replaced_title(f"Route {route.team_id}, {fmt_date(route.day)}", replaced,
                           replaced_version)
    meta = _sub(root, "metadata")
    _sub(meta, "name", title)
    summary = (f"{visits_text(route)}, Start {fmt_time(route.depart)}, "
               + ("Tour endet nach dem letzten Besuch" if route.ends_open
                  else f"Rückkehr {fmt_time(route.return_)}"))
    _sub(meta, "desc", f"{replaced} {summary}" if replaced else summary)
    # GPX 1.1 metadataType order: name, desc, author, copyright, link, time, …
    rights = _sub(meta, "copyright", author=OSM_AUTHOR)
    _sub(rights, "license", ODBL_URL)
    link = _sub(meta, "link", href=OSM_COPYRIGHT_URL)
    _sub(link, "text", f"Kartendaten © {OSM_AUTHOR}")
    _sub(meta, "time", _utc(route.depart))

    w = _pt(root, "wpt", *start)
    _sub(w, "time", _utc(route.depart))
    _sub(w, "name", "Start")
    _sub(w, "desc", f"Abfahrt {fmt_time(route.depart)}")
    _sub(w, "type", "Start")
    numbers = route.numbers
    for s, nr in zip(route.stops, numbers, strict=True):
        w = _pt(root, "wpt", s.lon, s.lat)
        _sub(w, "time", _utc(s.arrival))
        if s.called_off:
            _sub(w, "name", f"ENTFÄLLT {s.client_id}")
            _sub(w, "desc", f"Besuch entfällt – nicht hingehen (war {fmt_time(s.start)} Uhr)")
            _sub(w, "type", "entfällt")
            continue
        if s.gone:  # its case closed since the plan: off, but it keeps its number
            _sub(w, "name", f"ENTFÄLLT {nr:02d} {s.client_id}")
            _sub(w, "desc", f"Besuch entfällt – nicht hingehen. {s.gone} "
                            f"(war {fmt_time(s.start)} Uhr)")
            _sub(w, "type", "entfällt")
            continue
        _sub(w, "name", f"{nr:02d} {s.client_id}")
        desc = f"Ankunft {fmt_time(s.arrival)}, Besuch {fmt_time(s.start)}–{fmt_time(s.end)}"
        if s.window_text:
            desc += f", Zeitfenster {s.window_text}"
        _sub(w, "desc", desc)
        _sub(w, "type", "Besuch")
    if end != start:
        w = _pt(root, "wpt", *end)
        if not route.ends_open:  # (a route cut without its way back: no time to arrive)
            _sub(w, "time", _utc(route.return_))
        _sub(w, "name", "Ziel")
        _sub(w, "type", "Ziel")

    rte = _sub(root, "rte")
    _sub(rte, "name", title)
    if replaced:  # rteType: name, cmt, desc, …
        _sub(rte, "desc", replaced)
    p = _pt(rte, "rtept", *start)
    _sub(p, "name", "Start")
    for s, nr in zip(route.stops, numbers, strict=True):
        if not s.off:  # a stop called off (or its case closed) is no point to navigate to
            p = _pt(rte, "rtept", s.lon, s.lat)
            _sub(p, "name", f"{nr:02d} {s.client_id}")
    p = _pt(rte, "rtept", *end)
    _sub(p, "name", "Ziel")

    trk = _sub(root, "trk")
    _sub(trk, "name", title)
    if replaced:  # trkType: name, cmt, desc, …, trkseg
        _sub(trk, "desc", replaced)
    for piece in track_segments(route):
        seg = _sub(trk, "trkseg")
        for lon, lat in piece:
            _pt(seg, "trkpt", lon, lat)

    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
