"""QA 44a F12: the route map's popup says when a stop's point is not surely the house.

The popup offers „Navigation starten“ to the stop's point; where that point is only the
street, an estimate or an address in doubt, the popup carries the same one line as the
route page, the phone and the sheet (:func:`hausbesuch.maps.location_note`).
"""

from __future__ import annotations

import html
import re

from hausbesuch.maps import (
    WHERE_DOUBT,
    WHERE_INTERPOLATED,
    WHERE_STREET,
    MapSettings,
    route_map,
)
from hausbesuch.pages import RouteLinks, route_page
from hausbesuch.plandata import Geocode
from tests.test_maps import sample_plan

NOTES = (WHERE_STREET, WHERE_INTERPOLATED, WHERE_DOUBT)


def _geocode(stop, quality: str, reason: str = "", doubt: bool = False) -> Geocode:  # noqa: ANN001
    return Geocode(stop.client_id, stop.lon, stop.lat, quality, 1.0, stop.address, reason,
                   stop.district, doubt)


def _popups(drawn: str) -> dict[str, str]:
    """Each stop popup's text by case id (the popups are HTML inside the map's script)."""
    out = {}
    for body in re.findall(r'<div class=\\?"hb-popup\\?">(.*?)</div>', drawn, re.S):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body.replace("\\", ""))).split())
        out[re.match(r"\d+\. (.*?) Ankunft ", text)[1]] = text
    return out


def test_the_map_popup_says_where_a_point_is_not_the_house() -> None:
    route = sample_plan().routes[0]
    stops = [s for s in route.stops if not s.off]
    assert len(stops) >= 3
    geocodes = {
        stops[0].client_id: _geocode(stops[0], "street", "Hausnummer 7 nicht gefunden."),
        stops[1].client_id: _geocode(stops[1], "interpolated", "Hausnummer 9 interpoliert."),
        stops[2].client_id: _geocode(stops[2], "exact", "Ort „Kassel“ passt nicht genau.",
                                     doubt=True),
    }
    for s in stops[3:]:
        geocodes[s.client_id] = _geocode(s, "exact")
    wanted = {stops[0].client_id: WHERE_STREET, stops[1].client_id: WHERE_INTERPOLATED,
              stops[2].client_id: WHERE_DOUBT}
    drawn = route_map(route, MapSettings(), geocodes=geocodes).get_root().render()
    popups = _popups(drawn)
    assert set(popups) >= {s.client_id for s in stops}, popups
    for s in stops:
        shown = [n for n in NOTES if n in popups[s.client_id]]
        assert shown == ([wanted[s.client_id]] if s.client_id in wanted else []), popups
    assert "Kassel" not in drawn  # the geocoder's reason stays with the coordinator
    # the same lines as the route page of that day
    page = route_page(route, MapSettings(), links=RouteLinks(), geocodes=geocodes)
    assert all(line in page for line in wanted.values())
    # a geocode of another point (a visit kept at an old address, review 39 #2) says nothing
    moved = {cid: Geocode(g.client_id, g.lon + 0.01, g.lat, g.quality, g.score, g.match,
                          g.reason, g.district, g.doubt) for cid, g in geocodes.items()}
    again = _popups(route_map(route, MapSettings(), geocodes=moved).get_root().render())
    assert not any(n in text for text in again.values() for n in NOTES), again
