"""QA 28 F19 on the phone's page: a client's window typed „Do 13:30-16“ reads „Do
13:30–16:00 Uhr“ (the pages' words, :func:`hausbesuch.fields.format_window`), and the
start's line is the one of the route page and the sheet (:func:`hausbesuch.pages.start_line`).
Over real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web`; the stored
window of one stop is set for the test and put back after it (that week has none)."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import select

from hausbesuch.pages import start_line
from tests import test_web
from tests.test_web import _current_plan
from tests.test_worker_cache import _fresh_route, _link
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)


@sqlite_only()
def test_the_phone_page_shows_a_window_and_the_start_in_the_pages_words(
        site: Site) -> None:  # noqa: F811
    from hausbesuch.store import VisitRow

    route = _fresh_route(site)
    stop = route.stops[0]
    plan_id = _current_plan(site).id
    where = (VisitRow.plan_id == plan_id, VisitRow.client_id == stop.client_id,
             VisitRow.day == route.day)
    with site.store.session() as s:
        row = s.scalars(select(VisitRow).where(*where)).one()
        before, row.window_text = row.window_text, "Do 13:30-16"
    try:
        _, _, url = _link(site, route)
        page = httpx.get(url)
        assert page.status_code == 200, page.text[:300]
        text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))
        assert "Zeitfenster: Do 13:30–16:00 Uhr" in text, text
        assert "13:30-16" not in text
        assert start_line(route) in text
        if not route.lunch or route.lunch[0] > route.depart:
            assert f"Start {route.depart:%H:%M} Uhr: {route.start_label}" in text, text
    finally:
        with site.store.session() as s:
            s.scalars(select(VisitRow).where(*where)).one().window_text = before
