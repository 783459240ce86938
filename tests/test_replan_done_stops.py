"""QA 28 F10: after a re-plan, the stops already done read as done, keep their numbers, and
the reprinted sheet does not ask for their outcome again.

A team did its first stop and, out of the plan's order, its last one (recorded on the
phone at the time it took place, before the moment); the coordination then re-plans
(*Neu planen*). Before: the new version listed the visits kept in the order of their
times, so the last stop („Stopp 6“ on the morning's sheet and phone) became „Stopp 2“;
the phone and the sheet showed its recorded time as a planned visit („Besuch
09:40–10:25“, overlapping the next stop), and the new sheet had empty outcome boxes for
it, which invites recording it a second time. Now a kept stop keeps the number it had
(the stops planned anew take the numbers left free, in their order), the phone and the sheet
say „erledigt 08:05 Uhr: Verweigert“ instead of a visit window, and the sheet shows the
recorded outcome ticked, without boxes to fill.

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own, real SQLite and the real Bad Hersfeld extract; the re-plan job runs
in the test's thread), the clock set to the Monday of the plan.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta

import httpx
import pytest
from markupsafe import escape

from tests.shots import shoot
from tests.test_web_plan_notes import _replan, kora, notes_site  # noqa: F401 - fixtures


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _phone_item(page: str, client_id: str) -> str:
    return page.split(f'id="stopp-{escape(client_id)}"', 1)[1].split("</li>", 1)[0]


def _sheet_row(page: str, client_id: str) -> str:
    return next(row for row in re.findall(r"<tr class=\"stopp[^\"]*\">.*?</tr>", page, re.S)
                if f"<strong>{escape(client_id)}</strong>" in row)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def test_done_stops_after_a_replan_keep_their_numbers_and_read_as_done(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.versions import newest_version
    from hausbesuch.web.links import create_link

    url, store, first = notes_site
    v1 = store.load_plan(newest_version(store, first))
    monday = v1.start
    route = max((r for r in v1.routes if r.day == monday), key=lambda r: len(r.stops))
    assert len(route.stops) >= 4, [s.client_id for s in route.stops]
    one, two, last = route.stops[0], route.stops[1], route.stops[-1]
    n_last = route.numbers[-1]
    assert route.numbers[:2] == (1, 2) and n_last == len(route.stops)
    # the moment: just after the second stop's planned start (the first two are the
    # plan's history); the last stop was done early, between the first two
    moment = two.start + timedelta(minutes=1)
    done_one = one.start.hour * 60 + one.start.minute
    done_last = done_one + 5
    assert datetime.combine(monday, datetime.min.time()) + timedelta(
        minutes=done_last) < two.start, (one.start, two.start)
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), moment.time()))
    token, _ = create_link(store, v1.id, route.team_id, monday, actor="test",
                           valid_until=datetime.combine(monday + timedelta(days=1),
                                                        datetime.min.time()))
    phone = Casework(store, load_profile("bad-hersfeld"), actor="link:test0001",
                     today=lambda: monday)
    phone.record_outcome(one.client_id, monday, "angetroffen", time_min=done_one,
                         source="web", idempotency_key="done-1")
    phone.record_outcome(last.client_id, monday, "verweigert", time_min=done_last,
                         source="web", idempotency_key="done-2")

    v2 = _replan(kora, store, v1.id)
    new = store.load_plan(v2)
    day = next(r for r in new.routes if (r.team_id, r.day) == (route.team_id, monday))
    shown = {s.client_id: nr for s, nr in zip(day.stops, day.numbers, strict=True)}
    # the stops kept keep their numbers (before: the last one done became 2 and the
    # second stop 3); those planned anew take the numbers left free, in their order
    assert (shown[one.client_id], shown[two.client_id], shown[last.client_id]) == (
        1, 2, n_last), shown
    later = [nr for s, nr in zip(day.stops, day.numbers, strict=True)
             if s.client_id not in {one.client_id, two.client_id, last.client_id}]
    assert later, shown  # (the team goes on after the moment)
    assert later == [k for k in range(1, len(day.stops) + 1) if k not in (1, 2, n_last)
                     ][:len(later)], shown
    kept_last = next(s for s in day.stops if s.client_id == last.client_id)
    assert kept_last.start == datetime.combine(monday, datetime.min.time()) + timedelta(
        minutes=done_last)  # (still kept at the time it took place: it held nobody up)
    # the list stands in the order the team went (review 29: kept in the version's order,
    # the map's line went back to the door visited early, and a second re-plan counted
    # the second visit's time as travel): the map, the directions and a re-plan read it so
    starts = [s.start for s in day.stops]
    assert starts == sorted(starts), [(s.client_id, f"{s.start:%H:%M}") for s in day.stops]
    assert [s.client_id for s in day.stops][:3] == [one.client_id, last.client_id,
                                                    two.client_id]

    # the phone (the morning's link follows the new version)
    page = httpx.get(f"{url}/w/{token}/", timeout=60).text
    for st, nr, said in ((one, 1, f"erledigt {_clock(done_one)} Uhr: Angetroffen"),
                         (last, n_last, f"erledigt {_clock(done_last)} Uhr: Verweigert")):
        item = _text(_phone_item(page, st.client_id))
        assert f"Stopp {nr} ·" in item, item
        assert said in item, item
        assert "Besuch " not in item and "Ankunft" not in item, item  # no window
    item = _text(_phone_item(page, two.client_id))  # not recorded: as planned
    assert f"Besuch {two.start:%H:%M}–{two.end:%H:%M} Uhr" in item and "erledigt" not in item

    # the new version's print sheet (as in its ZIP's druck/)
    r = kora.get(f"/plaene/{v2}/druck/{route.team_id}/{monday.isoformat()}")
    assert r.status_code == 200, r.text[:300]
    sheet = r.text
    for st, nr, label, at in ((one, 1, "Angetroffen", done_one),
                              (last, n_last, "Verweigert", done_last)):
        row = _sheet_row(sheet, st.client_id)
        assert f'<td class="nr">{nr}</td>' in row, row
        assert f"erledigt {_clock(at)} Uhr" in _text(row), row
        assert 'class="box"' not in row, row  # nothing left to tick
        assert re.search(rf'class="box ticked"[^>]*>[^<]*</span>{label}', row), row
        assert "bereits erfasst" in _text(row), row
        assert "erledigt" in row.split(">", 1)[0]  # greyed (CSS)
    row = _sheet_row(sheet, two.client_id)  # not recorded: boxes to tick
    assert row.count('class="box"') == 6 and "erledigt" not in row, row

    # the files of the new version (*Dateien (ZIP)*): the same sheet, and the route page
    # says it as the phone does
    r = kora.get(f"/plaene/{v2}/dateien.zip")
    assert r.status_code == 200, r.text[:300]
    files = zipfile.ZipFile(io.BytesIO(r.content))

    def read(kind: str) -> str:
        name = next(n for n in files.namelist() if n.startswith(kind + "/") and day.slug in n)
        return files.read(name).decode()

    row = _sheet_row(read("druck"), last.client_id)
    assert f'<td class="nr">{n_last}</td>' in row and 'class="box"' not in row, row
    assert f"erledigt {_clock(done_last)} Uhr" in _text(row), row
    routes = read("routen")
    item = _text(routes.split(f'id="stopp-{n_last}"', 1)[1].split("</li>", 1)[0])
    assert f"erledigt {_clock(done_last)} Uhr: Verweigert" in item and "Besuch " not in item

    # at 390 px (rule: screenshots of the pages touched)
    from tests.test_worker_cache import _browser, _phone

    with _browser() as browser:
        ctx, pg, errors = _phone(browser, service_workers="block")
        pg.goto(f"{url}/w/{token}/")
        shoot(pg, "donestops-phone.png")
        pg.locator(f"#stopp-{last.client_id}").scroll_into_view_if_needed()
        shoot(pg, "donestops-phone-done-early.png")
        # the sheet as the coordinator opens it (her session's cookie)
        ctx.add_cookies([{"name": k, "value": v, "url": url} for k, v in kora.cookies.items()])
        pg.goto(f"{url}/plaene/{v2}/druck/{route.team_id}/{monday.isoformat()}")
        shoot(pg, "donestops-sheet.png", full_page=True)
        assert errors == []
        ctx.close()

    # a second re-plan once the next stop has begun, nothing else changed: the kept
    # part's travel and distance stay those of the way the team went (before: +41 min
    # and +630 m, the second visit's time counted as travel)
    third = next(s for s in day.stops if s.client_id not in {one.client_id,
                                                              two.client_id,
                                                              last.client_id})
    later_moment = third.start + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now",
                        lambda: datetime.combine(date.today(), later_moment.time()))
    v3 = _replan(kora, store, v2)
    day3 = next(r for r in store.load_plan(v3).routes
                if (r.team_id, r.day) == (route.team_id, monday))
    kept3 = [s.client_id for s in day3.stops][:4]
    assert kept3 == [one.client_id, last.client_id, two.client_id, third.client_id]
    head2 = day.stops[:4]
    assert [s.client_id for s in head2] == kept3
    # the kept part of v3 is v2's first four stops: its travel cannot exceed v2's whole
    # day, and its line is v2's line to them (the way the team went)
    assert day3.travel_s <= day.travel_s + 60, (day.travel_s, day3.travel_s)
    assert day3.legs[:4] == day.legs[:4]


def test_visits_done_before_the_planned_departure_move_the_routes_start() -> None:
    """QA 33c L3: after visits recorded at 08:10–08:25, earlier than planned, the kept
    part of the route still said „Start 08:33“ (the plan's departure) above them."""
    from hausbesuch.plandata import PlannedStop, TeamDayRoute
    from hausbesuch.planning.workflow import _head_route

    day = date(2026, 12, 7)

    def at(h: int, m: int) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(hours=h, minutes=m)

    stops = tuple(PlannedStop(f"K-{n}", n, at(h, m), at(h, m), at(h, m + 45), 9.7, 50.87,
                              "Weg 1", "Mitte", visit_id=f"v{n}")
                  for n, (h, m) in enumerate(((8, 41), (9, 30), (10, 20), (11, 44)), start=1))
    route = TeamDayRoute("team-2", "", day, "walk", (9.7, 50.87), (9.7, 50.87), "Amt",
                         depart=at(8, 33), return_=at(12, 40), stops=stops, travel_s=1800,
                         distance_m=2000, service_s=4 * 2700, waiting_s=0)
    done = {1: (8, 25), 2: (8, 10), 3: (8, 20)}
    head = [replace(st, arrival=at(*done[st.position]), start=at(*done[st.position]),
                    end=at(*done[st.position]) + timedelta(minutes=5)) for st in stops[:3]]
    kept = _head_route(route, head, None)
    assert [s.client_id for s in kept.stops] == ["K-2", "K-3", "K-1"]
    # the leg the plan has to K-2, the stop done first (from K-1: 09:26 to 09:30, 4 min)
    # before 08:10, not K-1's leg from the start (8 min: review 33)
    assert kept.depart == at(8, 6), kept.depart
    assert kept.depart <= kept.stops[0].arrival and kept.travel_s >= 4 * 60
    # done as planned: the plan's departure stays
    same = _head_route(route, list(stops[:2]), None)
    assert same.depart == at(8, 33)
