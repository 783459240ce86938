"""QA 33c L7: layout details of the coordinator pages, measured in Chromium.

- At a desk (1280 px) a day, a team id, a time span and a distance stay on one line in
  the plan's team-days, on *Ergebnisse* and on *Tageslinks* („team-“ / „1“, „1,4“ /
  „km“ before); the revoke confirmation's „Ja, Link … widerrufen“ and „Abbrechen“ keep
  a gap between them (they touched).
  On a phone, where they stand one above the other, they keep a gap too (Abbrechen
  stood right under the button).
- At 390 px the Teams table is a block per team with the column names as labels (it
  scrolled sideways, Schicht, Mittagspause, Fortbewegung off to the right), and a
  team-day card's „Reihenfolge“ with a long Kundennummer wraps within the card (it ran
  past the right edge), a comma staying with its stop.

Over real HTTP (uvicorn, SQLite) against a small planned Bad Hersfeld week of its own: a
few clients at real addresses, one with the long Kundennummer of the QA round, an
outcome with a long note and a day link.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import fits_screen
from tests.shots import shoot
from tests.test_web_ux import CELLS_JS, LINES_JS
from tests.web_fixtures import (
    CITY_PROFILE,
    HEADER,
    PASSWORD,
    START_ISO,
    live_server,
    log_in_page,
    run_jobs_now,
)

CITY = "Bad Hersfeld"
#: The Kundennummer of the QA round's card that ran past the right edge.
LONG_ID = "K-3201/2026-0001234567-0009876543-77"
NOTE = ("Briefkasten voll, Nachbarin sagt: seit Wochen verreist, kommt vielleicht Ende des "
        "Monats zurück; bitte dann noch einmal versuchen und vorher anrufen")


@dataclass
class Week:
    url: str
    store: object
    plan_id: str
    route: object  # the team-day with LONG_ID
    link: object


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path) -> Iterator[Week]:
    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.demo import real_addresses
    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from hausbesuch.web.links import create_link

    tmp = tmp_path_factory.mktemp("layout-qa33c")
    app = create_app(f"sqlite:///{tmp / 'web.sqlite'}", cities=[CITY_PROFILE],
                     plan_time_limit=2.0)
    store = app.state.web.store
    add_user(store, "kora", PASSWORD, role="koordination", city=CITY)
    addrs = random.Random(33).sample(real_addresses(load_index(bad_hersfeld_pbf)), 8)
    with open(tmp / "kunden.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            cid = LONG_ID if i == 4 else f"K-{3100 + i}"
            w.writerow([cid, f"Testname {i}", street, hn, pc, town or CITY, "01.03.2026",
                        "", "", "", "30", ""])
    profile = app.state.web.profile(CITY)
    casework_api.import_clients(store, profile, str(tmp / "kunden.csv"), "kora")
    jobs.submit(store, "plan", CITY, {"start": START_ISO, "days": 5, "time_limit": 2.0,
                                      "profile": CITY_PROFILE}, "kora")
    plan_id = run_jobs_now(store)[0]
    plan = store.load_plan(plan_id)
    route = next(r for r in plan.routes if LONG_ID in {s.client_id for s in r.stops})
    assert len(route.stops) > 1, "the long id among other stops"
    with pytest.MonkeyPatch.context() as mp:  # an outcome is recorded on its day
        mp.setenv(clock.ENV, route.day.isoformat())
        casework_api.record_outcome(store, profile, "test", route.stops[0].client_id,
                                    route.day, "nicht_angetroffen", time_min=10 * 60,
                                    appointment=None, note=NOTE, idempotency_key="l7")
    _, link = create_link(store, plan_id, route.team_id, route.day, actor="test")
    with live_server(app) as live:
        yield Week(live.url, store, plan_id, route, link)


def _page(browser, week: Week, width: int):  # noqa: ANN001, ANN202
    from tests.browser import desktop_page, phone_page

    page, rec = phone_page(browser) if width == 390 else desktop_page(browser)
    log_in_page(page, week.url)
    return page, rec


@pytest.mark.browser
def test_short_values_stay_on_one_line_at_a_desk(week: Week) -> None:
    """At 1280 px every ``td.kurz`` (day, team, time span, distance, a link's plan id) of the team-days,
    the outcomes and the day links is on one line (a note in it, „(Ende des letzten
    Besuchs)“, may wrap)."""
    from tests.browser import shared_browser

    tables = {f"/plaene/{week.plan_id}": "#team-tage",
              f"/plaene/{week.plan_id}/ergebnisse": "#ergebnisse",
              f"/plaene/{week.plan_id}/links": "table:has(form[action*='/links/widerrufen'])"}
    broken: dict[str, list] = {}
    with shared_browser() as browser:
        page, rec = _page(browser, week, 1280)
        for path, table in tables.items():
            page.goto(week.url + path)
            page.wait_for_load_state("load")
            shoot(page, f"qa33c-l7-{path.rsplit('/', 1)[-1]}-1280.png", full_page=True)
            short = page.evaluate(LINES_JS, f"{table} td.kurz")
            assert len(short) >= 2, (path, short)
            assert {s[0] for s in short} >= {week.route.team_id}, (path, short)
            if path.endswith("/links"):  # the plan id broke at its hyphen
                assert week.plan_id in {s[0] for s in short}, short
            broken[path] = [s for s in short if s[1] != 1 and "(" not in s[0]]
        assert rec.violations == []
    assert {p: b for p, b in broken.items() if b} == {}, "short values broken over lines"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_revoke_confirmation_keeps_its_two_choices_apart(week: Week, width: int) -> None:
    """„Ja, Link … widerrufen“ and „Abbrechen“ touched (QA 33c L7): beside each other at
    least 8 px apart, or on lines of their own."""
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page, rec = _page(browser, week, width)
        page.goto(week.url + f"/plaene/{week.plan_id}/links")
        row = page.locator("tr", has_text=week.link.prefix)
        with page.expect_navigation():
            row.locator("button", has_text="Widerrufen").click()
        ask = page.locator("#widerruf-bestaetigen")
        yes = ask.locator("button", has_text=f"Ja, Link {week.link.prefix} widerrufen")
        no = ask.locator("a", has_text="Abbrechen")
        shoot(ask, f"qa33c-l7-widerrufen-{width}.png")
        b, a = yes.bounding_box(), no.bounding_box()
        same_line = a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
        if same_line:
            assert a["x"] - (b["x"] + b["width"]) >= 8, (b, a)
        else:
            assert a["y"] - (b["y"] + b["height"]) >= 4, (b, a)
        assert a["x"] + a["width"] <= width and b["x"] + b["width"] <= width, (b, a)
        assert rec.violations == []
    # nothing revoked: the confirmation only asks
    from hausbesuch.web.links import links_of_plan

    assert [lk.revoked_at for lk in links_of_plan(week.store, week.plan_id)
            if lk.prefix == week.link.prefix] == [None]


#: The Teams table's columns, as the labels before their values on a phone.
TEAM_COLUMNS = ["Team", "Mitglieder", "Arbeitstage", "Schicht", "Mittagspause",
                "Fortbewegung", "Sprachen", "Höchstens Besuche/Tag", "Stadtteile"]


@pytest.mark.browser
def test_the_teams_table_needs_no_sideways_scrolling_on_a_phone(week: Week) -> None:
    """At 390 px each team is a block, every value within the screen with its column's
    name before it (Schicht, Mittagspause, Fortbewegung were off to the right, in a box
    scrolling sideways); at 1280 px a table as before."""
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page, rec = _page(browser, week, 390)
        page.goto(week.url + "/teams")
        page.wait_for_load_state("load")
        shoot(page, "qa33c-l7-teams-390.png", full_page=True)
        table = "#teams-liste"
        box = page.evaluate("""() => { const s = document.querySelector('#teams-liste')
            .closest('.scroll'); return [s.scrollWidth, s.clientWidth]; }""")
        assert box[0] <= box[1], f"the Teams table scrolls sideways in its box: {box}"
        assert fits_screen(page)
        cells = page.evaluate(CELLS_JS, table)
        rows = page.locator(f"{table} tbody tr").count()
        assert rows >= 2 and len(cells) == rows * len(TEAM_COLUMNS), cells
        assert [c for c in cells if c[2] and not c[1]] == [], "values off the screen"
        assert [c[0] for c in cells[:len(TEAM_COLUMNS)]] == [f"{n}: " for n in TEAM_COLUMNS]
        for name in ("Schicht", "Mittagspause", "Fortbewegung"):
            td = page.locator(f"{table} tbody tr").first.locator(f"td[data-label='{name}']")
            b = td.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390 and b["y"] < 844 * 2, (name, b)
        # the screen reader keeps the column headers (the head is out of view only)
        assert page.locator(table).get_attribute("role") == "table"
        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.locator(f"{table} thead").is_visible()
        tds = page.locator(f"{table} tbody tr").first.locator("td")
        first, last = tds.first.bounding_box(), tds.last.bounding_box()
        assert abs(first["y"] - last["y"]) < 1 and last["x"] > first["x"], (first, last)
        assert {c[0] for c in page.evaluate(CELLS_JS, table)} <= {"none", "normal"}
        assert rec.violations == []


#: Per element of ``sel``: the characters that begin a line of it (its text, character
#: by character: one with no other character of its line to its left).
LINE_STARTS_JS = """(sel) => [...document.querySelectorAll(sel)].flatMap(el => {
  const glyphs = [];
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    for (let i = 0; i < n.length; i++) {
      const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
      const b = r.getBoundingClientRect();
      if (b.width > 0 && n.data[i].trim()) glyphs.push([n.data[i], b.left, b.top, b.bottom]);
    }
  }
  return glyphs.filter(([c, left, top, bottom]) => !glyphs.some(
    ([, l, t, bo]) => l < left - 0.5 && t < bottom - 2 && top < bo - 2)).map(g => g[0]);
})"""
#: Per element of ``sel``: the right edge of its widest line box (its text's rects).
RIGHT_JS = """(sel) => [...document.querySelectorAll(sel)].map(el => {
  const r = document.createRange(); r.selectNodeContents(el);
  return [el.innerText.trim(), Math.max(...[...r.getClientRects()].map(b => b.right))];
})"""


@pytest.mark.browser
def test_a_long_kundennummer_wraps_within_its_team_day_card(week: Week) -> None:
    """At 390 px the team-day with the long Kundennummer keeps its „Reihenfolge“ within
    the card and the screen: the long stop wraps inside (its comma with it), the other
    stops stay whole, each on one line; nothing scrolls sideways."""
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page, rec = _page(browser, week, 390)
        page.goto(week.url + f"/plaene/{week.plan_id}")
        page.wait_for_load_state("load")
        row = page.locator("#team-tage tbody tr", has_text=LONG_ID)
        assert row.count() == 1
        row.scroll_into_view_if_needed()
        shoot(row, "qa33c-l7-teamtag-390.png")
        card = row.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= 390, card
        order = row.locator("td[data-label='Reihenfolge']")
        cell = order.bounding_box()
        assert cell["x"] + cell["width"] <= card["x"] + card["width"] + 0.5, (cell, card)
        sel = "#team-tage tbody tr td[data-label='Reihenfolge']"
        rights = page.evaluate(RIGHT_JS, sel + " .stopid")
        assert any(LONG_ID in t for t, _ in rights), rights
        assert [(t, r) for t, r in rights if r > cell["x"] + cell["width"] + 0.5] == [], \
            "stops past the card's right edge"
        lines = page.evaluate(LINES_JS, sel + " .stopid")
        assert [s for s in lines if s[1] != 1 and LONG_ID not in s[0]] == [], lines
        # a comma stays with its stop: no line of the cell begins with one
        starts = page.evaluate(LINE_STARTS_JS, sel)
        assert len(starts) > 2 and "," not in starts, starts
        box = page.evaluate("""() => { const s = document.querySelector('#team-tage')
            .closest('.scroll'); return [s.scrollWidth, s.clientWidth]; }""")
        assert box[0] <= box[1], f"the team-days scroll sideways in their box: {box}"
        assert fits_screen(page)
        assert rec.violations == []
