"""QA 28 F19 on the phone's page: a client's window typed „Do 13:30-16“ reads „Do
13:30–16:00 Uhr“ (the pages' words, :func:`hausbesuch.fields.format_window`), and the
start's line is the one of the route page and the sheet (:func:`hausbesuch.pages.start_line`).
Over real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web`; the stored
window of one stop is set for the test and put back after it (that week has none)."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

import httpx
import pytest
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


@pytest.mark.browser
def test_the_phone_writes_a_moment_as_the_server_does() -> None:
    """The phone's echo of an appointment it sent (when the server's answer does not
    carry it), its list of outcomes not sent and its refusals write a day and time as
    :func:`hausbesuch.fields.format_moment` does: the page's „Erfasst: …, Termin am Do,
    17.12.2026, 10:30 Uhr“ and the phone's „Übermittelt: …“ line must read alike (the
    phone wrote „Termin am 17.12.2026 um 10:30 Uhr“, the days without weekday). Chromium
    runs the page's own unsent.js."""
    from hausbesuch.fields import format_day, format_moment
    from hausbesuch.web.app import WEB_DIR
    from tests.browser import shared_browser

    first = date(2026, 12, 14)
    days = [first + timedelta(days=i) for i in range(14)]  # every weekday, twice
    with shared_browser() as browser:
        page = browser.new_page(timezone_id="Pacific/Kiritimati")  # (no local dates)
        page.add_script_tag(path=str(WEB_DIR / "static" / "unsent.js"))
        shown = page.evaluate("(days) => days.map((d) => hausbesuchUnsent.momentDe(d, "
                              "'10:30'))", [d.isoformat() for d in days])
        assert shown == [format_moment(datetime.combine(d, time(10, 30))) for d in days]
        assert page.evaluate("hausbesuchUnsent.momentDe('2026-12-17')") == \
            format_day(date(2026, 12, 17))
        # a day typed on a phone without a date picker stays as typed
        assert page.evaluate("hausbesuchUnsent.momentDe('17.12.2026', '10:30')") == \
            "17.12.2026, 10:30 Uhr"
        assert page.evaluate("hausbesuchUnsent.momentDe('2026-02-31', '10:30')") == \
            "31.02.2026, 10:30 Uhr"
        listed = page.evaluate("""() => {
            const box = document.createElement('div');
            hausbesuchUnsent.render(box, [{label: 'Termin vereinbart', fields: {
                kundennummer: 'K-1', zeit: '2026-12-10T10:05',
                termin_datum: '2026-12-17', termin_zeit: '10:30'}}]);
            return box.querySelector('li').textContent; }""")
        assert listed == ("K-1: Termin vereinbart (Do, 10.12.2026, 10:05 Uhr), Termin am "
                          "Do, 17.12.2026, 10:30 Uhr")
