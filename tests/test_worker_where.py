"""The field worker's page says where a stop's point is not surely the house.

QA 18b #7: a stop found only on its street, interpolated, or found with the geocoder's
note looked like any other on the phone. Over real HTTP against the planned Bad Hersfeld
week of :mod:`tests.test_web`; the plan's stored geocodes of one route are set for the
test and put back after it.
"""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import select

from hausbesuch.maps import WHERE_DOUBT, WHERE_INTERPOLATED, WHERE_STREET
from tests import test_web
from tests.test_web import _current_plan
from tests.test_worker_cache import _fresh_route, _link
from tests.test_worker_closed import _stop_html
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

NOTES = (WHERE_STREET, WHERE_INTERPOLATED, WHERE_DOUBT)


@sqlite_only()
def test_the_phone_page_says_where_a_point_is_not_the_house(site: Site) -> None:  # noqa: F811
    from hausbesuch.store import GeocodeRow

    route = _fresh_route(site)
    assert len(route.stops) >= 5
    plan_id = _current_plan(site).id
    # the geocoder's doubt is the verdict (QA 22 F3): a note it is sure of (a plain typo)
    # says nothing on the phone, as *Adressen* does not ask to confirm it
    wanted = {
        route.stops[0].client_id: ("street", "Hausnummer 7 nicht gefunden: Punkt auf der Straße.",
                                   False, WHERE_STREET),
        route.stops[1].client_id: ("interpolated", "Hausnummer 9 interpoliert.", False,
                                   WHERE_INTERPOLATED),
        route.stops[2].client_id: ("exact", "Ort „Kassel“ passt nicht genau.", True,
                                   WHERE_DOUBT),
        route.stops[3].client_id: ("manual", "von Hand gesetzt", False, None),  # a coordinator's
        route.stops[4].client_id: ("exact", "", False, None),
    }
    if len(route.stops) > 5:
        wanted[route.stops[5].client_id] = (
            "exact", "Straßenname unscharf erkannt: „Hütenweg“ ≈ „Hüttenweg“.", False, None)
    with site.store.session() as s:
        rows = {g.client_id: g for g in s.scalars(select(GeocodeRow).where(
            GeocodeRow.plan_id == plan_id, GeocodeRow.client_id.in_(list(wanted))))}
        before = {cid: (g.quality, g.reason, g.doubt) for cid, g in rows.items()}
        for cid, (quality, reason, doubt, _) in wanted.items():
            rows[cid].quality, rows[cid].reason, rows[cid].doubt = quality, reason, doubt
    try:
        _, _, url = _link(site, route)
        page = httpx.get(url).text
        for cid, (_, _, _, line) in wanted.items():
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _stop_html(page, cid)))
                            .split())
            shown = [n for n in NOTES if n in text]
            assert shown == ([line] if line else []), (cid, text)
        assert "Kassel" not in page  # the geocoder's reason stays with the coordinator
    finally:
        with site.store.session() as s:
            for g in s.scalars(select(GeocodeRow).where(
                    GeocodeRow.plan_id == plan_id, GeocodeRow.client_id.in_(list(before)))):
                g.quality, g.reason, g.doubt = before[g.client_id]
