"""Every stop's way back to its team's end point, stored at planning time (session 38, QA
37 #1 remainder, review 37 #5).

The planner refuses an appointment whose visit and way back from that door end after the
shift. Before, the phone knew that way back only from the stored route's times: exactly
for the day's last stop, a bound for a middle stop on foot, nothing for a middle stop by
car (one-way streets), and the note of the case page and ``hausbesuch outcomes`` did not
count it at all. Now each planned stop carries the solver's travel time from its door to
the end point (``visits.way_back_s``): the phone refuses such an appointment (the team is
at the door), and what the coordination records (the case page, an outcomes file, a
correction) is stored with a note giving the same numbers (review 37 #5); a plan stored
before (no stored values) keeps the old rule.

On a day of two teams by car (``teams --set``, ``modus = "drive"``) planned with the
command line on a real SQLite store and the real Bad Hersfeld extract, far ahead (2098,
as in :mod:`tests.test_replan_qa33`: a plan's ``created_at`` is the real clock)."""

from __future__ import annotations

import csv
import random
import re
import shutil
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest

from tests.browser import page_width
from tests.cli_helpers import ClockedCli, city_db
from tests.planning_fixtures import real_addresses

#: the planned day (a Monday) and the day the appointments are agreed for
DAY = date(2098, 3, 3)
NEXT = DAY + timedelta(days=1)
CITY = "Bad Hersfeld"
VISIT_MIN = 20
SHIFT_END = 16 * 60
TEAMS = """[defaults]
schicht = "8:00-16:00"
mittag = "12:00-13:30"
mittag_dauer = 30
modus = "drive"

[[team]]
id = "auto-1"

[[team]]
id = "auto-2"
"""
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
          "Kontaktabbruch seit", "Besuchsdauer", "Datum"]


@pytest.fixture(scope="module")
def car_day(tmp_path_factory, bad_hersfeld_pbf):  # noqa: ANN001, ANN201
    """(database, plan): 16 cases of 20 minutes planned on :data:`DAY` for two teams by
    car from the depot, as the day before; the database is kept as planned (each test
    works on a copy)."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    d = tmp_path_factory.mktemp("wayback38")
    addrs = random.Random(38).sample(real_addresses(load_index(bad_hersfeld_pbf)), 16)
    with open(d / "kunden.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"R-{i:03d}", f"Geheim R{i}", street, hn, pc, town or CITY,
                        "01.03.2097", str(VISIT_MIN), f"{DAY:%d.%m.%Y}"])
    (d / "teams.toml").write_text(TEAMS, encoding="utf-8")
    db = str(d / "tag.sqlite")
    cli = ClockedCli(DAY - timedelta(days=1))
    cli.ok("teams", "--set", str(d / "teams.toml"), *city_db(db))
    cli.ok("import", str(d / "kunden.csv"), *city_db(db))
    cli.ok("plan", *city_db(db), "--start", DAY.isoformat(), "--days", "1", "--out",
           str(d / "v1"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan(CITY)
    return db, plan


def _copy(car_day, tmp_path: Path, name: str) -> str:  # noqa: ANN001
    db = str(tmp_path / name)
    shutil.copy(car_day[0], db)
    return db


def _middle_stop(plan):  # noqa: ANN001, ANN202
    """(route, stop, way back in whole minutes): a stop of a car's route that is neither
    its first nor its last, with a way back of at least two minutes."""
    for r in plan.routes:
        for st in r.stops[1:-1]:
            if st.way_back_s is not None and st.way_back_s >= 120:
                return r, st, -(-st.way_back_s // 60)
    raise AssertionError([(r.team_id, [s.way_back_s for s in r.stops]) for r in plan.routes])


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _ends(late: int, back: int) -> str:
    """What ends after the shift, an appointment at ``late`` (minutes) with a way back of
    ``back`` minutes: the phone's words, the coordination's note's too."""
    return (f"der Besuch ({VISIT_MIN} Min.) und der Rückweg ({back} Min.) enden erst um "
            f"{_hhmm(late + VISIT_MIN + back)} Uhr, nach Schichtende {_hhmm(SHIFT_END)} Uhr")


def _refusal(late: int, back: int) -> str:
    """The phone's refusal of an appointment at ``late`` (minutes) on :data:`NEXT` with a
    way back of ``back`` minutes (:meth:`Casework.past_shift_refusal`'s words)."""
    from hausbesuch.fields import format_day

    latest = SHIFT_END - back - VISIT_MIN
    return (f"Termin {format_day(NEXT)}, {_hhmm(late)} Uhr: {_ends(late, back)}; bitte "
            f"spätestens {_hhmm(latest)} Uhr vereinbaren.")


def _note(late: int, back: int) -> str:
    """The coordination's note on such an appointment stored
    (:meth:`Casework.appointment_past_shift`): the same numbers, and what to do."""
    from hausbesuch.fields import format_day

    latest = SHIFT_END - back - VISIT_MIN
    return (f"der vereinbarte Termin am {format_day(NEXT)}, {_hhmm(late)} Uhr ist erfasst, "
            f"aber {_ends(late, back)}: so kann ihn keine Planung aufnehmen. Bitte mit der "
            "Kundin oder dem Kunden einen früheren Termin vereinbaren, spätestens "
            f"{_hhmm(latest)} Uhr.")


def _appointments(db: str) -> list:
    from sqlalchemy import select

    from hausbesuch.store import OutcomeRow, Store

    with Store.open(db) as store, store.session() as s:
        return list(s.scalars(select(OutcomeRow.appointment_at)))


def _forget_way_back(db: str) -> None:
    """The database as a version before session 38 left it: no stored way back."""
    from sqlalchemy import update

    from hausbesuch.store import Store, VisitRow

    with Store.open(db) as store, store.session() as s:
        s.execute(update(VisitRow).values(way_back_s=None))


def _outcome_count(db: str) -> int:
    from sqlalchemy import func, select

    from hausbesuch.store import OutcomeRow, Store

    with Store.open(db) as store, store.session() as s:
        return s.scalar(select(func.count()).select_from(OutcomeRow))


# --------------------------------------------------------------------------- the plan


def test_every_stop_carries_its_way_back_as_the_solver_counts_it(car_day) -> None:  # noqa: ANN001
    """Each stop of the stored plan has its way back; the last one's is the route's return
    less the end of that visit (what the route's times told before), and a middle stop's
    differs from what its route's times could tell (nothing, by car)."""
    from hausbesuch.casework.wayback import way_back

    _db, plan = car_day
    stops = [s for r in plan.routes for s in r.stops]
    assert len(stops) == 16 and all(s.way_back_s is not None for s in stops), stops
    for r in plan.routes:
        last = r.stops[-1]
        if r.lunch is None or r.lunch[1] <= last.end:
            assert last.way_back_s == int((r.return_ - last.end).total_seconds()), r
    route, stop, back = _middle_stop(plan)
    way = way_back(route, stop.client_id)
    assert (way.seconds, way.exact, way.mode) == (stop.way_back_s, True, "drive")


def test_a_plan_stored_before_keeps_the_old_rule(car_day, tmp_path) -> None:  # noqa: ANN001
    """A visit stored without its way back (a plan made before migration 0018): a car's
    middle stop tells none, the last stop the route's return less its end."""
    from hausbesuch.casework.wayback import way_back
    from hausbesuch.store import Store

    db = _copy(car_day, tmp_path, "alt.sqlite")
    _forget_way_back(db)
    with Store.open(db) as store:
        plan = store.latest_plan(CITY)
    route, stop, _ = _middle_stop(car_day[1])
    old = next(r for r in plan.routes if (r.team_id, r.day) == (route.team_id, route.day))
    assert all(s.way_back_s is None for s in old.stops)
    assert way_back(old, stop.client_id) is None
    last = way_back(old, old.stops[-1].client_id)
    assert last is None or last.seconds == int(
        (old.return_ - old.stops[-1].end).total_seconds())


def test_a_replan_keeps_the_way_back_of_the_visits_it_keeps(car_day, tmp_path) -> None:  # noqa: ANN001
    """A re-plan from 11:30 of the day: the visits before the moment keep their stored way
    back (the same end point, the same mode), the ones it plans anew get theirs; every
    stop of the new version has one."""
    from hausbesuch.store import Store

    db = _copy(car_day, tmp_path, "neu.sqlite")
    plan = car_day[1]
    cli = ClockedCli(DAY)
    cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", "--out", str(tmp_path / "v2"),
           "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        new = store.latest_plan(CITY)
    assert new.id != plan.id
    before = {s.visit_id: s.way_back_s for r in plan.routes for s in r.stops
              if s.start.hour * 60 + s.start.minute < 11 * 60 + 30}
    after = {s.visit_id: s.way_back_s for r in new.routes for s in r.stops}
    assert before and set(before) <= set(after), (before, after)
    assert all(after[v] == w for v, w in before.items()), (before, after)
    assert None not in after.values(), after


# --------------------------------------------------------------------------- outcomes file


def _outcomes_file(path: Path, cid: str, at: int) -> Path:
    path.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"{cid};{DAY:%d.%m.%Y};Termin vereinbart;{NEXT:%d.%m.%Y} {_hhmm(at)}\n",
                    encoding="utf-8")
    return path


def test_an_outcomes_file_stores_it_with_a_note_counting_the_way_back(
        car_day, tmp_path) -> None:  # noqa: ANN001
    """Review 37 #5 (lead's decision): a row agreeing an appointment at a car's middle
    stop whose visit ends before the shift's end but whose way back from that door does
    not is stored (what was agreed with the client, QA 26 F7), with a note giving the
    phone's numbers and words and the latest start; one at the latest start gets none.
    ``hausbesuch rectify`` to the later time stores it and names it alike; the phone's
    correction to it is refused in the phone's words. On the same plan stored before (no
    way back stored) the row is stored without a note, as before."""
    from datetime import datetime

    from hausbesuch.casework import Casework, CaseworkError
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    route, stop, back = _middle_stop(car_day[1])
    cid = stop.client_id
    latest = SHIFT_END - back - VISIT_MIN
    late = latest + 1
    assert late + VISIT_MIN <= SHIFT_END  # the rule without the way back takes it
    at_late = datetime.combine(NEXT, dtime(late // 60, late % 60))
    cli = ClockedCli(DAY)

    db = _copy(car_day, tmp_path, "datei.sqlite")
    out = cli.ok("outcomes", str(_outcomes_file(tmp_path / "a.csv", cid, late)), *city_db(db))
    flat = " ".join(out.split())
    assert "1 erfasst" in flat and "0 abgelehnt" in flat, out
    assert f"Hinweis: Zeile 2 ({cid}): {_note(late, back)}" in flat, out
    assert _appointments(db) == [at_late]

    db = _copy(car_day, tmp_path, "datei-frueh.sqlite")
    out = cli.ok("outcomes", str(_outcomes_file(tmp_path / "b.csv", cid, latest)),
                 *city_db(db))
    flat = " ".join(out.split())
    assert "1 erfasst" in flat and "Schichtende" not in flat, out
    # the coordination's correction to the later time: stored, named
    out = cli.ok("rectify", cid, "--outcome", f"{DAY:%d.%m.%Y}", "--appointment",
                 f"{NEXT:%d.%m.%Y} {_hhmm(late)}", *city_db(db))
    flat = " ".join(out.split())
    assert "berichtigt" in flat, out
    assert "Hinweis: " + _note(late, back)[:1].upper() + _note(late, back)[1:] in flat, out
    assert _appointments(db) == [at_late]
    # the phone's correction of its own outcome to it: refused, the stored one stays
    out = cli.ok("rectify", cid, "--outcome", f"{DAY:%d.%m.%Y}", "--appointment",
                 f"{NEXT:%d.%m.%Y} {_hhmm(latest)}", *city_db(db))
    assert "Hinweis" not in out, out
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="link:test",
                      today=lambda: DAY)
        with pytest.raises(CaseworkError) as refused:
            cw.correct_outcome(cid, None, when=DAY, appointment=at_late, source="telefon")
        assert (str(refused.value), refused.value.field) == (_refusal(late, back), "termin")
    assert _appointments(db) == [at_late - timedelta(minutes=1)]

    old = _copy(car_day, tmp_path, "datei-alt.sqlite")
    _forget_way_back(old)
    out = cli.ok("outcomes", str(_outcomes_file(tmp_path / "c.csv", cid, late)),
                 *city_db(old))
    flat = " ".join(out.split())
    assert "1 erfasst" in flat and "Schichtende" not in flat, out


def test_status_names_it_as_the_case_page_does(car_day, tmp_path) -> None:  # noqa: ANN001
    """Session 39: ``hausbesuch status`` of a case whose appointment, agreed at a car's
    middle stop, ends with its way back after the shift said nothing of it, while the case
    page and the phone did. It prints the case page's note now (the same words and
    numbers, once); an appointment at the latest start gets none, nor one of a case no
    longer open."""
    route, stop, back = _middle_stop(car_day[1])
    cid = stop.client_id
    latest = SHIFT_END - back - VISIT_MIN
    note = _note(latest + 1, back)
    cli = ClockedCli(DAY)
    for name, at in (("status.sqlite", latest + 1), ("status-frueh.sqlite", latest)):
        db = _copy(car_day, tmp_path, name)
        cli.ok("outcomes", str(_outcomes_file(tmp_path / f"{name}.csv", cid, at)),
               *city_db(db))
        flat = " ".join(cli.ok("status", cid, *city_db(db)).split())
        assert "Termin vereinbart" in flat, flat  # (the outcome, as listed)
        if at > latest:
            assert flat.count("Hinweis: " + note[:1].upper() + note[1:]) == 1, flat
            # review 39 #8: a case no longer open keeps its appointment pin, but no plan
            # takes it up: no note on a visit that will not be planned
            cli.ok("status", cid, "--set", "erreicht", "--reason", "Anruf", *city_db(db))
            flat = " ".join(cli.ok("status", cid, *city_db(db)).split())
            assert "erreicht" in flat and "Schichtende" not in flat, flat
        else:
            assert "Schichtende" not in flat, flat


# --------------------------------------------------------------------------- the web


def _site(db: str, tmp_path: Path):  # noqa: ANN202
    """The web app over ``db`` served on loopback, with the coordinator kora: a
    :class:`tests.web_fixtures.Site` (a context manager)."""
    from contextlib import contextmanager

    from hausbesuch.store import Store
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD, Site, live_server

    @contextmanager
    def serve():  # noqa: ANN202
        app = create_app(f"sqlite:///{db}", cities=["bad-hersfeld"], plan_time_limit=2.0)
        store = app.state.web.store
        add_user(store, "kora", PASSWORD, role="koordination", city=CITY)
        with Store.open(f"sqlite:///{db}") as s:
            plan_id = s.latest_plan(CITY).id
        with live_server(app) as live:
            yield Site("sqlite", live.url, app, store, plan_id, [], tmp_path / "x.csv",
                       tmp_path, db)

    return serve()


def test_the_case_page_stores_it_and_names_it_in_the_phones_words(
        car_day, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Review 37 #5 (lead's decision): „Termin vereinbart“ entered on the case page for
    the car's middle stop at a time its visit and way back cannot hold is stored, and the
    page it returns to names it with the phone's numbers and the latest start; the
    latest start entered instead gets no note, and the case page's correction to the
    later time is stored and named alike."""
    import html as html_lib

    from hausbesuch import clock
    from tests.fake_clock import exercise_time_of_day
    from tests.test_web_forms_kept import _hidden, _outcome_form
    from tests.test_web_outcome_late import _form
    from tests.web_fixtures import logged_in
    from tests.web_fixtures import page_text as _text

    route, stop, back = _middle_stop(car_day[1])
    latest = SHIFT_END - back - VISIT_MIN
    note = _note(latest + 1, back)
    note = note[:1].upper() + note[1:]
    monkeypatch.setenv(clock.ENV, DAY.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    url = f"/faelle/{stop.client_id}?stadt={CITY}"

    def late_note(page: str) -> str:
        m = re.search(r'id="termin-nach-schicht">(.*?)</p>', page, re.S)
        return html_lib.unescape(m[1]) if m else ""

    for name, first in (("fall.sqlite", latest + 1), ("fall-frueh.sqlite", latest)):
        db = _copy(car_day, tmp_path, name)
        with _site(db, tmp_path) as site, logged_in(site.url, "kora") as kora:
            r = kora.post("/fall-ergebnis", data={
                **_form(kora.get(url).text, stop.visit_id), "ergebnis": "termin_vereinbart",
                "uhrzeit": "10:00", "termin": f"{NEXT:%Y-%m-%d}T{_hhmm(first)}"})
            assert r.status_code == 303, _text(r.text)[-800:]
            shown = kora.get(r.headers["location"]).text
            assert "Ergebnis nachgetragen" in _text(shown)
            assert late_note(shown) == (note if first > latest else ""), _text(shown)[-1500:]
            assert _outcome_count(db) == 1
            if first > latest:
                continue
            # the coordination corrects it to the later time: stored, named
            r = kora.post("/fall-ergebnis", data={
                **_hidden(_outcome_form(shown, "berichtigen")),
                "ergebnis": "termin_vereinbart", "uhrzeit": "10:00",
                "termin": f"{NEXT:%Y-%m-%d}T{_hhmm(latest + 1)}"})
            assert r.status_code == 303, _text(r.text)[-800:]
            shown = kora.get(r.headers["location"]).text
            assert "berichtigt" in _text(shown), _text(shown)[-800:]
            assert late_note(shown) == note, _text(shown)[-1500:]
        assert [a.hour * 60 + a.minute for a in _appointments(db)] == [latest + 1]


@pytest.mark.slow
@pytest.mark.browser
def test_the_phone_refuses_it_before_queueing(car_day, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The phone page (Chromium at 390 px) knows the car's middle stop's way back from
    the stored plan and refuses the appointment in the server's words before anything is
    queued or sent; the server refuses it too. On the plan as stored before (no way back
    stored) the server takes it, as it did."""
    import httpx

    from hausbesuch import clock
    from tests.fake_clock import exercise_time_of_day
    from tests.test_web import _open_appointment
    from tests.test_web_enter import _worker_page
    from tests.test_worker_cache import QUEUE, _link, _visit_time
    from tests.test_worker_cache import _browser as _worker_browser

    db = _copy(car_day, tmp_path, "telefon.sqlite")
    route, stop, back = _middle_stop(car_day[1])
    late = SHIFT_END - back - VISIT_MIN + 1
    monkeypatch.setenv(clock.ENV, DAY.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    posts: list[str] = []
    with _site(db, tmp_path) as site:
        _token, _l, url = _link(site, route)
        page_html = httpx.get(url).text
        # the stop's way back, exact, for each weekday the teams work
        assert (f'"{NEXT.weekday()}": [{SHIFT_END - back}, {back}, {SHIFT_END}, true]'
                in page_html), page_html[-3000:]
        csrf = re.search(r'data-csrf="([^"]+)"', page_html).group(1)
        r = httpx.post(url + "ergebnis", headers={"X-CSRF-Token": csrf,
                                                  "Accept": "application/json"}, data={
            "kundennummer": stop.client_id, "ergebnis": "termin_vereinbart",
            "schluessel": "rueckweg-auto", "termin_datum": NEXT.isoformat(),
            "termin_zeit": _hhmm(late)})
        assert r.status_code == 400 and r.json() == {
            "fehler": _refusal(late, back), "feld": "termin"}, r.text
        with _worker_browser() as browser:
            ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
            page.on("request", lambda rq: posts.append(rq.url) if rq.method == "POST" else None)
            st = page.locator(f"#stopp-{stop.client_id}")
            _visit_time(st)
            _open_appointment(st)
            st.locator("input[name=termin_datum]").fill(NEXT.isoformat())
            st.locator("input[name=termin_zeit]").fill(_hhmm(late))
            st.locator("button[value=termin_vereinbart]").click()
            text = st.locator("[data-state]").inner_text()
            assert text == _refusal(late, back), text
            assert page.evaluate(QUEUE) == [] and posts == []
            assert page_width(page) <= 390
            assert errors == []
            ctx.close()
        # the same plan stored before (no way back stored): the car's middle stop tells
        # none, and the appointment is taken, as before
        _forget_way_back(db)
        page_html = httpx.get(url).text
        assert f'id="stopp-{stop.client_id}"' in page_html
        assert f'"{NEXT.weekday()}": [{SHIFT_END - back}, {back},' not in page_html
        r = httpx.post(url + "ergebnis", headers={"X-CSRF-Token": csrf,
                                                  "Accept": "application/json"}, data={
            "kundennummer": stop.client_id, "ergebnis": "termin_vereinbart",
            "schluessel": "rueckweg-alt", "termin_datum": NEXT.isoformat(),
            "termin_zeit": _hhmm(late)})
        assert r.status_code == 200, r.text
        assert _outcome_count(db) == 1
