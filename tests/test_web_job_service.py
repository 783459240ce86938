"""The job page as a long-running service sees it (QA 19e #3–#7): polling a job's state
does not keep a session alive; a second „Planung starten“ of the same days opens the
first job instead of making a second plan; a missing OSM extract is told to the
coordinator without the server's path or a command-line option; a failed job's page has
no progress bar and offers the next step; with ``serve --no-worker`` on PostgreSQL and no
worker alive, a waiting job says that no planning service runs.

Over the web app on its own database (Bad Hersfeld), jobs run by hand (``run_jobs=False``).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from hausbesuch import clock
from tests.web_fixtures import PASSWORD, START_ISO, csrf_of, login

NO_SERVICE_WORDS = "kein Planungsdienst"
FORBIDDEN = ("--osm", "--start", "--days", "hausbesuch worker", "„hausbesuch ", "/tmp/")


def _app(db_url: str, cities: list[str] | None = None):  # noqa: ANN202
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    app = create_app(db_url, cities=cities or ["bad-hersfeld"], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
    return app


def _start(c, start: str = START_ISO, days: str = "2"):  # noqa: ANN001, ANN202
    csrf = csrf_of(c.get("/plaene").text)
    return c.post("/plaene/neu", data={"csrf_token": csrf, "start": start, "tage": days,
                                       "stadt": "Bad Hersfeld"}, follow_redirects=False)


def _job_id(resp) -> str:  # noqa: ANN001
    assert resp.status_code == 303, resp.text[-800:]
    return resp.headers["location"].rsplit("/", 1)[1]


def test_polling_a_job_does_not_extend_the_session(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hausbesuch.web.models import SessionRow

    app = _app(f"sqlite:///{tmp_path / 's.sqlite'}")
    store = app.state.web.store
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        job_id = _job_id(_start(c))

        def idle_since(minutes: float) -> None:
            with store.session() as s:
                s.execute(update(SessionRow).values(
                    last_seen=clock.utc() - timedelta(minutes=minutes)))

        def last_seen():  # noqa: ANN202
            with store.session() as s:
                return s.scalar(select(SessionRow.last_seen))

        idle_since(29)
        for _ in range(3):
            r = c.get(f"/auftraege/{job_id}/stand", follow_redirects=False)
            assert r.status_code == 200 and r.json()["status"] == "wartet", r.text
        assert clock.utc() - last_seen() > timedelta(minutes=28), "polling renewed it"
        idle_since(31)
        r = c.get(f"/auftraege/{job_id}/stand", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/anmelden"), r
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(SessionRow)) == 0
        # no session at all: the login page, not the job's state
        c.cookies.clear()
        r = c.get(f"/auftraege/{job_id}/stand", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/anmelden")


def test_the_state_of_another_citys_job_is_not_shown(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hausbesuch.web import jobs
    from hausbesuch.web.auth import add_user

    app = _app(f"sqlite:///{tmp_path / 'c.sqlite'}", cities=["bad-hersfeld", "lauf"])
    store = app.state.web.store
    add_user(store, "lara", PASSWORD, role="koordination", city="Lauf a.d.Pegnitz")
    job_id = jobs.submit(store, "plan", "Bad Hersfeld", {"start": START_ISO, "days": 1}, "kora")
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "lara").status_code in (200, 303)
        assert c.get(f"/auftraege/{job_id}/stand", follow_redirects=False).status_code == 404
    assert any(r["action"] == "zugriff_verweigert" for r in store.audit_rows())


def test_a_second_start_of_the_same_days_opens_the_first_job(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hausbesuch.web.models import JobRow

    app = _app(f"sqlite:///{tmp_path / 'd.sqlite'}")
    store = app.state.web.store
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        page = c.get("/plaene").text  # the form disables its button once sent (a help)
        assert re.search(r'<form method="post" action="/plaene/neu"[^>]*data-einmal', page)
        src = re.search(r'<script src="(/static/web/v/\w+/einmal\.js)">', page)[1]
        assert c.get(src).status_code == 200
        first = _job_id(_start(c))
        assert _job_id(_start(c)) == first  # the double click
        other = _job_id(_start(c, days="3"))  # other days: a job of its own
        assert other != first
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(JobRow)) == 2
            s.execute(update(JobRow).where(JobRow.id == first).values(status="fehlgeschlagen"))
        assert _job_id(_start(c)) not in (first, other)  # the first one ended: again


def test_a_plan_of_days_whose_cases_are_all_planned_stores_no_empty_plan(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """Review 30: „Planung starten“ for days whose open cases all have a visit in the
    week's plan stored a plan of 0 team-days (listed as the current plan of those days).
    Now the job fails with the reason in the form's words: which plan holds the cases and
    that its page re-plans it („Neu planen“), no command line; no plan is stored."""
    import csv
    import random

    from fastapi.testclient import TestClient

    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs
    from tests.planning_fixtures import real_addresses
    from tests.web_fixtures import bare_app, run_jobs_now

    app = bare_app(tmp_path, plan_time_limit=1.0)
    store = app.state.web.store
    liste = tmp_path / "liste.csv"
    with liste.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, (street, hn, pc, town) in enumerate(
                random.Random(3).sample(real_addresses(load_index(bad_hersfeld_pbf)), 3)):
            w.writerow([f"W{i}", street, hn, pc, town or "Bad Hersfeld"])
    casework_api.import_clients(store, app.state.web.profile("Bad Hersfeld"), str(liste),
                                "kora")
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        _job_id(_start(c, days="5"))
        [first] = run_jobs_now(store)
        assert store.list_plans("Bad Hersfeld")[0].routes > 0
        again = _job_id(_start(c, days="2"))
        runner = jobs.JobRunner(store)
        runner.run(runner.claim())
        job = jobs.get(store, again)
        assert job.status == "fehlgeschlagen" and job.plan_id is None
        said = " ".join(job.error.split())
        assert said.startswith("Nichts zu planen: jeder offene Fall in Bad Hersfeld hat schon "
                               "einen geplanten Besuch, der noch aussteht; kein Plan "
                               f"gespeichert. Plan {first} ("), said
        assert "3 offene Fälle" in said
        assert said.endswith("in der Planübersicht öffnen und dort „Neu planen“ wählen."), said
        assert "W0" not in said  # the counts, no case ids
        page = c.get(f"/auftraege/{again}").text
        assert "Nichts zu planen: jeder offene Fall" in page
        for bad in FORBIDDEN:
            assert bad not in page, bad
    assert [p.id for p in store.list_plans("Bad Hersfeld")] == [first]


def _profile_without_extract(tmp_path: Path) -> Path:
    from hausbesuch.config import load_profile

    shipped = Path(load_profile("bad-hersfeld").origin) / "bad-hersfeld.toml"
    body = shipped.read_text(encoding="utf-8")
    gone = tmp_path / "weg" / "bh.osm.pbf"
    body, n = re.subn(r'(?m)^file = .*$', f'file = "{gone}"', body, count=1)
    assert n == 1
    path = tmp_path / "bh.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_missing_extract_is_told_without_path_or_option(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from hausbesuch.web import jobs

    profile = _profile_without_extract(tmp_path)
    app = _app(f"sqlite:///{tmp_path / 'o.sqlite'}", cities=[str(profile)])
    store = app.state.web.store
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        job_id = _job_id(_start(c))
        runner = jobs.JobRunner(store)
        with caplog.at_level(logging.WARNING, logger="hausbesuch"):
            runner.run(runner.claim())
        job = jobs.get(store, job_id)
        assert job.status == "fehlgeschlagen"
        assert job.error == ("Die Kartendaten (OSM-Auszug) für Bad Hersfeld fehlen auf dem "
                             "Server; bitte die Administration informieren.")
        assert str(tmp_path / "weg") in caplog.text  # the path: for the server's log only
        for body in (c.get(f"/auftraege/{job_id}").text,
                     c.get(f"/auftraege/{job_id}/stand").text, c.get("/plaene").text):
            assert "Kartendaten" in body
            for bad in FORBIDDEN:
                assert bad not in body, bad

        # the failed job's page: no progress bar, and the way to start it again
        page = c.get(f"/auftraege/{job_id}").text
        assert "<progress" not in page
        weiter = re.search(r'<div id="weiter">(.*?)</div>', page, re.S)
        assert weiter, page[-2000:]
        form = weiter.group(1)
        assert 'action="/plaene/neu"' in form and f'name="start" value="{START_ISO}"' in form
        assert 'name="tage" value="2"' in form and "Neu starten" in form
        again = c.post("/plaene/neu", data={
            "csrf_token": csrf_of(page), "stadt": "Bad Hersfeld", "start": START_ISO,
            "tage": "2"}, follow_redirects=False)
        assert _job_id(again) != job_id


def test_a_failed_replan_points_to_its_plan_and_an_active_job_hides_the_next_step(
        tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hausbesuch.web import jobs
    from tests.test_store import make_plan

    app = _app(f"sqlite:///{tmp_path / 'r.sqlite'}")
    store = app.state.web.store
    # a plan whose re-plan fails (stored without its casework: nothing to re-plan from)
    plan_id = store.save_plan(make_plan("p-stehtda", city="Bad Hersfeld"))
    job_id = jobs.submit(store, "replan", "Bad Hersfeld",
                         {"plan_id": plan_id, "start": START_ISO}, "kora")
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        page = c.get(f"/auftraege/{job_id}").text  # waiting: the bar, the step hidden
        assert "<progress" in page and '<div id="weiter" hidden>' in page
        runner = jobs.JobRunner(store)
        runner.run(runner.claim())
        assert jobs.get(store, job_id).status == "fehlgeschlagen"
        page = c.get(f"/auftraege/{job_id}").text
        assert "<progress" not in page
        weiter = re.search(r'<div id="weiter">(.*?)</div>', page, re.S).group(1)
        assert 'href="/plaene/p-stehtda"' in weiter and "„Neu planen“" in weiter
        # its plan deleted since: the plan list's „Planung starten“ instead
        store.delete_plan(plan_id)
        weiter = re.search(r'<div id="weiter">(.*?)</div>',
                           c.get(f"/auftraege/{job_id}").text, re.S).group(1)
        assert "/plaene/p-stehtda" not in weiter and 'href="/plaene"' in weiter, weiter


@pytest.mark.postgres
def test_no_worker_alive_is_said_on_the_job_page_and_the_plan_list(request) -> None:  # noqa: ANN001
    """``serve --no-worker`` on PostgreSQL: while no ``hausbesuch worker`` beats (its
    Procrastinate heartbeat), a waiting job says so; a live worker makes it go."""
    import os

    from fastapi.testclient import TestClient

    from hausbesuch.web import planservice
    from tests.pg import pg_url, schema_url

    db = schema_url(pg_url(), f"t_nows_{os.getpid()}", request)
    app = _app(db)
    store = app.state.web.store
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        job_id = _job_id(_start(c))

        def said() -> list[bool]:
            page = c.get(f"/auftraege/{job_id}").text
            state = c.get(f"/auftraege/{job_id}/stand").json()
            plans = c.get("/plaene").text
            for body in (page, json.dumps(state, ensure_ascii=False), plans):
                for bad in FORBIDDEN:
                    assert bad not in body, bad
            return [NO_SERVICE_WORDS in page and 'id="dienst" class="hint" role="note">'
                    in page, state["hinweis"] == planservice.NO_SERVICE,
                    NO_SERVICE_WORDS in plans]

        assert said() == [True, True, True]
        with store.session() as s:  # a worker starts (Procrastinate registers it)
            s.execute(text("INSERT INTO procrastinate_workers DEFAULT VALUES"))
        assert said() == [False, False, False]
        with store.session() as s:  # ... and dies: its heartbeat grows old
            s.execute(text("UPDATE procrastinate_workers "
                           "SET last_heartbeat = now() - interval '2 minutes'"))
        assert said() == [True, True, True]
