"""QA 26 F4: the plan list (*Pläne*) gave the figures of the moment a plan was made
(„Besuche 35“) while the plan's page recounted („31 Besuche … 4 entfallen“), unlabelled.
The list labels those „bei Erstellung“ and, beside them, counts each plan's visits as
they stand now as the plan's page does („Stand jetzt“: open, with an outcome, off;
closing 26: it only labelled). Over real HTTP against :mod:`tests.test_web`, and against
an app of this module's own with an outcome, a closed case and two re-plans. QA 31: the
versions of a plan marked as such, a replaced one counting no open visits; a re-plan
job's page naming the moment it plans from."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.shots import shoot
from tests.test_web import site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import (
    WEEK,
    Site,
    bare_app,
    coordinator_on_phone,
    live_server,
    logged_in,
    page_text,
    run_jobs_now,
    sqlite_only,
    write_web_client_list,
)

CITY = "Bad Hersfeld"


@sqlite_only()
def test_the_plan_list_labels_its_figures_as_those_of_the_plans_making(
        site: Site) -> None:  # noqa: F811
    with logged_in(site.url, "kora") as kora:
        page = html.unescape(kora.get("/plaene").text)
    table = page.split("<h2>Gespeicherte Pläne</h2>", 1)[1]
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", table.split("</thead>", 1)[0])
    assert heads == ["Plan", "Version", "Zeitraum", "Erstellt", "Team-Tage",
                     "Besuche bei Erstellung", "Stand jetzt", "Nicht eingeplant"], heads
    note = re.search(r'<p class="muted" id="zahlen-bei-erstellung">(.*?)</p>', table)
    assert note and "„Bei Erstellung“" in note.group(1) and "entfallen" in note.group(1)
    assert 'aria-describedby="zahlen-bei-erstellung"' in table
    info = next(p for p in site.store.list_plans() if p.id == site.plan_id)
    row = table.split(f'<a href="/plaene/{site.plan_id}">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == [
        str(info.routes), str(info.visits), str(info.unassigned)], row
    # made when: with the weekday, as every page writes a moment
    from hausbesuch.fields import format_moment

    assert f'data-label="Erstellt">{format_moment(info.created_at)}</td>' in row, row


#: The web job's settings of the week planned (three days from :data:`WEEK`).
PARAMS = {"start": WEEK.isoformat(), "days": 3, "time_limit": 1.0, "profile": "bad-hersfeld"}


def _planned_week(tmp: Path, url: str | None, bad_hersfeld_pbf: Path) -> tuple[object, str]:
    """A web app on ``url`` (None: SQLite in ``tmp``) with 14 clients imported and three
    days from :data:`WEEK` planned by a web job: the app and the plan's id."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs

    app = bare_app(tmp, url, plan_time_limit=1.0)
    store = app.state.web.store
    write_web_client_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf), n=14, seed=26)
    casework_api.import_clients(store, app.state.web.profile(CITY), str(tmp / "liste.csv"),
                                "kora")
    jobs.submit(store, "plan", CITY, PARAMS, "kora")
    (v1,) = run_jobs_now(store)
    return app, v1


@pytest.fixture(scope="module")
def changed_week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
                 ) -> Iterator[tuple[str, object, list[str]]]:
    """A week planned (3 days), then on its Monday at 18:00 an outcome recorded for its
    first visit and the case of its last visit closed, then re-planned from that moment,
    and re-planned again on Tuesday at 02:20 (QA 31): the app's URL, its store and the
    three versions."""
    from hausbesuch import clock
    from hausbesuch.web import casework_api, jobs

    tmp = tmp_path_factory.mktemp("web-plan-list-now")
    app, v1 = _planned_week(tmp, None, bad_hersfeld_pbf)
    store = app.state.web.store
    profile = app.state.web.profile(CITY)
    plan = store.load_plan(v1)
    stops = sorted((s for r in plan.routes for s in r.stops), key=lambda s: s.start)
    assert len(stops) > 3 and stops[0].start.date() == WEEK, stops
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clock.ENV, WEEK.isoformat())
        mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(18, 0)))
        done = stops[0]
        casework_api.record_outcome(
            store, profile, "kora", done.client_id, WEEK, "nicht_angetroffen",
            time_min=done.start.hour * 60 + done.start.minute, appointment=None, note=None,
            idempotency_key="liste-jetzt-1")
        casework_api.set_status(store, profile, "kora", stops[-1].client_id,
                                "abgeschlossen", "Test: verzogen")
        jobs.submit(store, "replan", CITY, {**PARAMS, "plan_id": v1}, "kora")
        (v2,) = run_jobs_now(store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clock.ENV, (WEEK + timedelta(days=1)).isoformat())
        mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(2, 20)))
        jobs.submit(store, "replan", CITY, {**PARAMS, "plan_id": v2}, "kora")
        (v3,) = run_jobs_now(store)
    with live_server(app) as live:
        yield live.url, store, [v1, v2, v3]


def _as_the_page_counts(store, plan_id: str) -> tuple[int, int, int]:  # noqa: ANN001
    """(to visit, with an outcome, off) as the plan's page and its Ergebnisse count."""
    from hausbesuch.casework.stops import mark_gone, outcomes_of_stops

    plan = mark_gone(store, store.load_plan(plan_id))
    open_ = done = off = 0
    for r in plan.routes:
        recorded = outcomes_of_stops(store, plan.city, r.day, r.stops)
        off += len(r.stops) - len(r.to_visit)
        done += sum(1 for s in r.to_visit if s.position in recorded)
        open_ += sum(1 for s in r.to_visit if s.position not in recorded)
    return open_, done, off


def test_the_plan_list_shows_the_visits_as_they_stand_now(changed_week) -> None:  # noqa: ANN001
    """The current version's visits as they stand now; a replaced version's stand counted
    as its page counts them, but not shown as „offen“ on the list (QA 31: see below)."""
    url, store, versions = changed_week
    counted = store.visits_now(CITY)
    with logged_in(url, "kora") as kora:
        page = html.unescape(kora.get("/plaene").text)
    table = page.split("<h2>Gespeicherte Pläne</h2>", 1)[1]
    for info in store.list_plans(CITY):
        now = _as_the_page_counts(store, info.id)
        assert counted[info.id] == now, (info.id, counted[info.id], now)
        assert sum(now) == info.visits  # every visit of the plan's making, once
        row = table.split(f'<a href="/plaene/{info.id}">{info.id}</a>', 1)[1].split("</tr>", 1)[0]
        stand = re.search(r'<td[^>]*class="stand[^"]*">([^<]*)</td>', row)
        assert stand and stand.group(1) == (
            f"{now[0]} offen · {now[1]} mit Ergebnis · {now[2]} entfallen"
            if info.id == versions[-1] else "nicht mehr gültig, es gilt Version 3"), row
    v1 = _as_the_page_counts(store, versions[0])
    # the first version: the outcome and the closed case's visit (off) counted now
    assert v1[1] >= 1 and v1[2] >= 1, v1


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                              marks=pytest.mark.postgres)])
def moved_visit(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                bad_hersfeld_pbf: Path) -> Iterator[tuple[object, list[str], str]]:
    """Review 27 #3: a week planned (3 days); on the Friday before, a Monday visit pinned
    to Tuesday and the week re-planned, so that the case visit (its id kept) lies on
    Tuesday in the second version; on Tuesday its outcome recorded. The store, the two
    versions and the moved visit's id; on SQLite and on PostgreSQL."""
    import uuid

    from hausbesuch import clock
    from hausbesuch.web import casework_api, jobs
    from tests.pg import pg_url, schema_url

    tmp = tmp_path_factory.mktemp("web-plan-list-moved")
    url = (None if request.param == "sqlite"
           else schema_url(pg_url(), f"t_moved_{uuid.uuid4().hex[:12]}", request))
    app, v1 = _planned_week(tmp, url, bad_hersfeld_pbf)
    store = app.state.web.store
    profile = app.state.web.profile(CITY)
    first, later = WEEK, WEEK + timedelta(days=1)
    route, moved = next((r, s) for r in store.load_plan(v1).routes if r.day == first
                        for s in r.stops)
    with pytest.MonkeyPatch.context() as mp:  # the Friday before the week
        mp.setenv(clock.ENV, (WEEK - timedelta(days=3)).isoformat())
        mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(18, 0)))
        casework_api.pin_visit(store, CITY, "kora", moved.client_id, v1, team=route.team_id,
                               day=later, minutes=None)
        jobs.submit(store, "replan", CITY, {**PARAMS, "plan_id": v1}, "kora")
        (v2,) = run_jobs_now(store)
    there = next(s for r in store.load_plan(v2).routes if r.day == later
                 for s in r.stops if s.client_id == moved.client_id)
    assert there.visit_id == moved.visit_id, (there, moved)  # the same case visit, moved
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clock.ENV, later.isoformat())
        mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(18, 0)))
        casework_api.record_outcome(
            store, profile, "kora", moved.client_id, later, "nicht_angetroffen",
            time_min=there.start.hour * 60 + there.start.minute, appointment=None,
            note=None, idempotency_key="liste-verschoben-1")
    yield store, [v1, v2], moved.visit_id


def test_a_visit_moved_and_done_on_another_day_is_not_done_in_the_old_version(
        moved_visit) -> None:  # noqa: ANN001
    """The case visit is ``erledigt`` (on Tuesday); the first version's stop on Monday
    has no outcome of its day, so its page shows it still to visit, and so must the list."""
    store, (v1, v2), visit_id = moved_visit
    counted = store.visits_now(CITY)
    for plan_id in (v1, v2):
        assert counted[plan_id] == _as_the_page_counts(store, plan_id), plan_id
    assert counted[v2][1] == 1  # done on Tuesday in the version that has it there
    assert counted[v1][1] == 0  # not in the version that had it on Monday


@pytest.mark.browser
def test_the_plan_list_marks_the_versions_of_a_plan(changed_week) -> None:  # noqa: ANN001
    """QA 31: after a week was planned and re-planned twice, *Pläne* listed three rows for
    it alike (37, 38 and 40 visits; 29, 30 and 32 „offen“: 91 open visits for one week),
    none saying which one holds. Now the current version comes first, „3 (aktuell)“; the
    versions it replaced stand under it in the same row group, indented and in grey, each
    „ersetzt durch Version 3“ in words with a link to it, and without figures of now
    (their open visits are the current version's). At 390 px: every cell labelled on the
    screen; at 1280 px a table."""
    from tests.browser import contrast, fits_screen
    from tests.test_web_ux import CELLS_JS

    url, store, (v1, v2, v3) = changed_week
    now = store.visits_now(CITY)[v3]
    with coordinator_on_phone(url) as page:
        page.goto(url + "/plaene")
        page.wait_for_load_state("load")
        shoot(page, "plaene-versionen-390.png", full_page=True)
        table = page.locator("#gespeicherte-plaene")
        assert table.locator("tbody").count() == 1  # one group: the plan and its versions
        rows = table.locator("tbody tr")
        assert rows.count() == 3

        def cell(i: int, label: str) -> str:
            return rows.nth(i).locator(f'td[data-label="{label}"]').inner_text().strip()

        assert [cell(i, "Plan") for i in range(3)] == [v3, v2, v1]
        assert [cell(i, "Version") for i in range(3)] == [
            "3 (aktuell)", "2, ersetzt durch Version 3", "1, ersetzt durch Version 3"]
        assert cell(0, "Stand jetzt") == (
            f"{now[0]} offen · {now[1]} mit Ergebnis · {now[2]} entfallen")
        for i in (1, 2):
            assert cell(i, "Stand jetzt") == "nicht mehr gültig, es gilt Version 3"
            assert rows.nth(i).locator('td[data-label="Version"] a').get_attribute(
                "href") == f"/plaene/{v3}"
            # grey, and still readable (the words say „ersetzt“, not the grey)
            grey = rows.nth(i).locator('td[data-label="Zeitraum"]').evaluate(
                "td => getComputedStyle(td).color")
            assert contrast(grey, "rgb(255, 255, 255)") >= 4.5, grey
        # indented under the current version
        left = [rows.nth(i).bounding_box()["x"] for i in range(3)]
        assert left[1] > left[0] and left[2] > left[0], left
        cells = page.evaluate(CELLS_JS, "#gespeicherte-plaene")
        assert [c for c in cells if not c[1]] == [], "cells off screen"
        assert {c[0] for c in cells} >= {"Version: ", "Stand jetzt: "}
        assert fits_screen(page)
        # a desk: the replaced versions' ids indented in their column
        page.set_viewport_size({"width": 1280, "height": 900})
        shoot(table, "plaene-versionen-1280.png")
        ids = [rows.nth(i).locator("td a").first.bounding_box()["x"] for i in range(3)]
        assert ids[1] > ids[0] and ids[2] > ids[0], ids
        # „Version 3“ opens the version that holds
        rows.nth(2).locator('td[data-label="Version"] a').click()
        page.wait_for_url(f"**/plaene/{v3}")


def test_the_plan_lines_keep_each_plan_with_its_versions() -> None:
    """Two weeks, the first re-planned after the second was planned: its versions stay
    together (the current one first), the lines in the order their newest was made."""
    from hausbesuch.store import PlanInfo
    from hausbesuch.web.pages_plans import plan_lines

    def info(pid: str, made: int, version: int = 1, before: str | None = None) -> PlanInfo:
        return PlanInfo(pid, CITY, datetime(2026, 12, 1, made), WEEK, 5, 5, 20, 0, 0,
                        version, before)

    a1, b1, a2 = info("a1", 8), info("b1", 9), info("a2", 10, 2, "a1")
    c1, c2 = info("c1", 6), info("c2", 7, 2, "c1")
    lines, newest = plan_lines([a2, b1, a1, c2, c1])  # newest first, as the store lists
    assert [[p.id for p in line] for line in lines] == [["a2", "a1"], ["b1"], ["c2", "c1"]]
    assert {k: v.id for k, v in newest.items()} == {
        "a2": "a2", "a1": "a2", "b1": "b1", "c2": "c2", "c1": "c2"}


def test_a_replan_jobs_page_says_from_when_it_plans(changed_week) -> None:  # noqa: ANN001
    """QA 31: the page of the re-plan run on Tuesday at 02:20 said „Zeitraum ab Mo,
    (the plan's first day), 3 Tage“. Now it names the moment it re-planned from, that
    stored with the version it made; while a re-plan job waits, that it plans from its
    start, and once it runs (or failed), the moment it began (from which it plans)."""
    from hausbesuch import clock
    from hausbesuch.web import jobs
    from hausbesuch.web.jobs import JobRunner

    url, store, (v1, v2, v3) = changed_week
    tuesday, wednesday, thursday = (WEEK + timedelta(days=n) for n in (1, 2, 3))
    span = f"(Plan vom Mo, {WEEK:%d.%m.%Y} bis Mi, {wednesday:%d.%m.%Y})"
    done = next(j for j in jobs.recent(store, CITY) if j.plan_id == v3)
    with logged_in(url, "kora") as kora:
        text = page_text(kora.get(f"/auftraege/{done.id}").text)
        assert f"Neuplanung ab Di, {tuesday:%d.%m.%Y}, 02:20 Uhr {span}." in text, text
        assert "Zeitraum ab" not in text
        # a re-plan started on Thursday at 09:05 (after the span: it fails, no plan)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(clock.ENV, thursday.isoformat())
            mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(9, 5)))
            job_id = jobs.submit(store, "replan", CITY, {**PARAMS, "plan_id": v3}, "kora")
            text = page_text(kora.get(f"/auftraege/{job_id}").text)
            assert f"Neuplanung ab dem Start des Auftrags {span}." in text, text
            runner = JobRunner(store)
            job = runner.claim(job_id)
            text = page_text(kora.get(f"/auftraege/{job_id}").text)
            assert f"Neuplanung ab Do, {thursday:%d.%m.%Y}, 09:05 Uhr {span}." in text, text
            runner.run(job)
            mp.setattr(clock, "now", lambda: datetime.combine(date.today(), time(11, 0)))
            assert jobs.get(store, job_id).status == jobs.FAILED
            text = page_text(kora.get(f"/auftraege/{job_id}").text)
            assert f"Neuplanung ab Do, {thursday:%d.%m.%Y}, 09:05 Uhr {span}." in text, text
            assert "liegt nicht im Zeitraum des Plans" in text, text
