"""The coordinator's plan view says what the command line says about a plan: its notes
(:func:`hausbesuch.planning.report.plan_notes`: the stored notes, among them the re-plan's
notes on teams taken out and brought back, and each visit at an agreed time outside the
client's own ``Zeitfenster``). And its *Neu planen* form takes a team out for the rest of
the day (*Team abmelden*) or brings one back (*Team wieder einplanen*), as ``hausbesuch
replan --without-team/--with-team`` does.

Over real HTTP against an app of its own (a small list of Bad Hersfeld with windows and
an agreed time outside one), with the planning jobs run in the test's thread."""

from __future__ import annotations

import csv
import html
import json
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.web_fixtures import (
    WEEK,
    bare_app,
    csrf_of,
    live_server,
    logged_in,
    run_jobs_now,
)
from tests.web_helpers import plan_week

CITY = "Bad Hersfeld"
TUESDAY = WEEK + timedelta(days=1)
#: clients that can be visited on the Monday only: more than one team manages, so both
#: teams have Monday visits in the first plan
MONDAY_ONLY = 10


def _write_list(path: Path, index) -> None:  # noqa: ANN001
    from hausbesuch.demo import real_addresses

    rng = random.Random(21)
    # compact: near the town centre, as a walking team's district is
    addrs = rng.sample(real_addresses(index, (9.7075, 50.8683), at_least=80), 16)
    rows = [
        # an agreed time (a pin of the list) outside the client's own window: planned as
        # agreed, and said; one inside its window says nothing
        ("N-OUT", "Di 14-16", f"{TUESDAY:%d.%m.%Y}", "10:00"),
        ("N-IN", "Di 14-16", f"{TUESDAY:%d.%m.%Y}", "14:00"),
        *[(f"N-MO{i:02d}", "Mo 8-16", "", "") for i in range(MONDAY_ONLY)],
        *[(f"N-FREI{i}", "", "", "") for i in range(4)],
    ]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Zeitfenster", "Datum", "Uhrzeit"])
        for k, ((cid, window, day, at), (street, hn, pc, town)) in enumerate(
                zip(rows, addrs, strict=True)):  # a name that is not the id („N-OUT“ is)
            w.writerow([cid, f"Geheimname {k:03d}", street, hn, pc, town or CITY, window, day,
                        at])


@pytest.fixture(scope="module")
def notes_site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
               ) -> Iterator[tuple[str, object, str]]:
    """An app (no job runner: the test runs the jobs) with a planned week: its URL, its
    store and the plan's id."""
    from geodata.geocode import load_index

    tmp = tmp_path_factory.mktemp("web-plan-notes")
    app = bare_app(tmp, plan_time_limit=2.0)
    store = app.state.web.store
    _write_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf))
    plan_id = plan_week(app, tmp / "liste.csv")
    with live_server(app) as live:
        yield live.url, store, plan_id


@pytest.fixture
def kora(notes_site: tuple[str, object, str]) -> Iterator[httpx.Client]:
    with logged_in(notes_site[0], "kora") as c:
        yield c


def _notes(page: str) -> list[str]:
    """The items of the plan page's „Hinweise“."""
    m = re.search(r'<section class="card" id="hinweise"[^>]*>(.*?)</section>', page, re.S)
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)
            ] if m else []


def test_the_plan_view_shows_the_plans_notes_with_an_agreed_time_outside_the_window(
        notes_site: tuple[str, object, str], kora: httpx.Client) -> None:
    from hausbesuch.planning.report import plan_notes

    _, store, plan_id = notes_site
    plan = store.load_plan(plan_id)
    out = next((r, s) for r in plan.routes for s in r.stops if s.client_id == "N-OUT")
    assert (out[0].day, f"{out[1].start:%H:%M}") == (TUESDAY, "10:00")  # planned as agreed
    page = kora.get(f"/plaene/{plan_id}")
    assert page.status_code == 200
    notes = _notes(page.text)
    said = (f"N-OUT ({out[0].team_id}, {format_day(TUESDAY)}): "
            "festgelegte Zeit 10:00 Uhr liegt außerhalb des Zeitfensters „Di 14-16“.")
    assert said in notes, notes
    # Bad Hersfeld's districts are substitutes (no boundaries in the extract): said once
    # (QA 32b F1)
    assert len([n for n in notes if n.startswith("Keine Bezirksgrenzen verfügbar: ")]) == 1, \
        notes
    # the same notes as the command line shows (``Hinweis: …``), in its order, in the
    # web's words (the districts' configuration for the coordination: QA 38 F7)
    from hausbesuch.web.pages_plans import plan_words

    assert notes == [plan_words(n) for n in plan_notes(plan)], (notes, plan_notes(plan))
    assert not [n for n in notes if n.startswith("N-IN")]  # inside its window: nothing
    assert "Geheimname" not in page.text
    # a stored note that names a command (a moved announcement, an older plan in the
    # span): the web says where to go instead, never the command line
    from sqlalchemy import select, update

    from hausbesuch.store import PlanRow
    from tests.test_web_messages import FORBIDDEN

    with store.session() as s:
        params = s.scalar(select(PlanRow.params).where(PlanRow.id == plan_id))
    stored = json.loads(params)
    cli = ["N-FREI0: angekündigt für 06.01.2027 09:00–10:00 Uhr; jetzt gilt: eine andere "
           "Festlegung. Der angekündigte Besuch entfällt; bitte für diesen Plan einen "
           "Korrekturbrief schreiben (hausbesuch letters … --correction).",
           "Plan X stammt von einer älteren Programmversion und hat 2 Besuche in diesem "
           "Zeitraum, die die Fallverwaltung nicht kennt: sie sind hier nicht "
           "berücksichtigt, Kundinnen und Kunden können doppelt eingeplant sein. Bitte den "
           "alten Plan prüfen (hausbesuch show …)."]
    with store.session() as s:
        s.execute(update(PlanRow).where(PlanRow.id == plan_id).values(params=json.dumps(
            {**stored, "warnings": [*stored.get("warnings", []), *cli]})))
    try:
        notes = _notes(kora.get(f"/plaene/{plan_id}").text)
    finally:
        with store.session() as s:
            s.execute(update(PlanRow).where(PlanRow.id == plan_id).values(params=params))
    assert len(notes) == len(plan_notes(plan)) + 2, notes
    assert not [n for n in notes for bad in (*FORBIDDEN, "hausbesuch ") if bad in n], notes
    assert [n for n in notes if n.endswith("einen Korrekturbrief schreiben (auf der Seite des "
                                           "Plans unter „Ankündigungsschreiben“).")], notes


def _team_day_stops(plan, team: str, day) -> list:  # noqa: ANN001
    return [s for r in plan.routes if (r.team_id, r.day) == (team, day) for s in r.to_visit]


def _options(page: str, name: str) -> list[str]:
    m = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="([^"]*)"', m.group(1)) if m else []


def _replan(kora: httpx.Client, store, plan_id: str, **teams: str) -> str:  # noqa: ANN001
    """Send the plan page's *Neu planen* form (with ``teams``: the form's choices), run
    its job, return the new version's id."""
    from hausbesuch.web import jobs

    page = kora.get(f"/plaene/{plan_id}")
    r = kora.post(f"/plaene/{plan_id}/neu-planen",
                  data={"csrf_token": csrf_of(page.text), **teams})
    assert r.status_code == 303, _alert(r.text)
    job_id = r.headers["location"].rsplit("/", 1)[1]
    assert jobs.get(store, job_id).kind == "replan"
    (new,) = run_jobs_now(store)
    return new


def _alert(page: str) -> str:
    m = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    return html.unescape(m.group(1)) if m else ""


def test_a_team_is_taken_out_and_brought_back_from_the_plan_page(
        notes_site: tuple[str, object, str], kora: httpx.Client) -> None:
    """*Team abmelden* re-plans without that team for the rest of the moment's day (the
    span lies ahead: its first day, from 00:00), as ``replan --without-team`` does; the
    next re-plan says that it stays out; *Team wieder einplanen* brings it back and says
    so. An unknown team, or one not taken out, is refused at the form; nothing is
    queued. Audited with the team names."""
    from hausbesuch.versions import newest_version
    from hausbesuch.web import jobs

    _, store, first = notes_site
    plan_id = newest_version(store, first)
    v1 = store.load_plan(plan_id)
    monday = v1.start
    team = "team-1"
    assert _team_day_stops(v1, team, monday), "the first plan gives team-1 Monday visits"
    page = kora.get(f"/plaene/{plan_id}").text
    assert _options(page, "team_abmelden") == ["", "team-1", "team-2"]
    assert 'name="team_wieder"' not in page  # no team is out
    queued = len(jobs.recent(store, CITY))

    def refused(field: str, **teams: str) -> str:
        r = kora.post(f"/plaene/{plan_id}/neu-planen",
                      data={"csrf_token": csrf_of(page), **teams})
        assert r.status_code == 400, r.status_code
        assert len(jobs.recent(store, CITY)) == queued  # nothing queued
        assert newest_version(store, first) == plan_id
        if f'name="{field}"' in r.text:  # (no select to bring back when no team is out)
            assert f'name="{field}" aria-invalid="true"' in r.text
        return _alert(r.text)

    said = refused("team_abmelden", team_abmelden="team-9")
    assert said == ("Team abmelden: Team „team-9“ gibt es in diesem Plan nicht (Teams: "
                    "team-1, team-2)."), said
    said = refused("team_wieder", team_wieder=team)
    assert said == (f"Team wieder einplanen: Team „team-1“ ist am Mo, {monday:%d.%m.%Y} in "
                    "diesem Plan nicht abgemeldet."), said
    # without the token: refused, nothing queued
    r = kora.post(f"/plaene/{plan_id}/neu-planen", data={"team_abmelden": team})
    assert r.status_code == 403 and len(jobs.recent(store, CITY)) == queued

    # team-1 goes home: no visit of it on the Monday, its visits there planned anew
    v2_id = _replan(kora, store, plan_id, team_abmelden=team)
    v2 = store.load_plan(v2_id)
    assert v2.version == v1.version + 1
    assert not _team_day_stops(v2, team, monday)
    assert v2.params["removed_teams"] == [
        {"team": team, "ab": f"{monday.isoformat()}T00:00", "version": v2.version}]
    moved = {s.client_id for s in _team_day_stops(v1, team, monday)}
    assert moved <= ({s.client_id for r in v2.routes for s in r.stops}
                     | {u.client_id for u in v2.unassigned})
    audit = store.audit_rows(action="replan_job_started")[-1]
    assert audit["actor"] == "kora" and audit["plan_id"] == plan_id
    assert audit["details"]["without_teams"] == [team] and "with_teams" not in audit["details"]
    assert "Geheimname" not in json.dumps(audit, default=str)
    page = kora.get(f"/plaene/{v2_id}").text
    day = format_day(monday)
    # the version that takes it out says so itself (QA 22 F1: only later ones did)
    # (made before the day began: the whole day, not "ab 00:00 Uhr")
    taken = (f"Team {team} ist am {day} den ganzen Tag abgemeldet (diese Neuplanung, "
             f"Version {v2.version}); seine Besuche an dem Tag sind neu verteilt oder offen.")
    assert taken in _notes(page), _notes(page)
    assert _options(page, "team_abmelden") == ["", "team-2"]
    assert _options(page, "team_wieder") == ["", team]

    # the next re-plan keeps it out and says so (the command line's note)
    v3_id = _replan(kora, store, v2_id)
    v3 = store.load_plan(v3_id)
    assert not _team_day_stops(v3, team, monday)
    stays = f"Team {team} bleibt am {day} den ganzen Tag abgemeldet (Neuplanung Version {v2.version})."
    notes = _notes(kora.get(f"/plaene/{v3_id}").text)
    assert stays in notes and taken not in notes, notes

    # brought back: it works on the Monday again, and the page says so
    v4_id = _replan(kora, store, v3_id, team_wieder=team)
    v4 = store.load_plan(v4_id)
    back = f"Team {team} ist ab {day} wieder eingeplant (vorher abgemeldet)."
    notes = _notes(kora.get(f"/plaene/{v4_id}").text)
    assert back in notes and stays not in notes, notes
    # the districts' note carried on from version to version, said once (QA 32b F1)
    assert len([n for n in notes if n.startswith("Keine Bezirksgrenzen verfügbar: ")]) == 1, \
        notes
    assert _team_day_stops(v4, team, monday)
    assert store.audit_rows(action="replan_job_started")[-1]["details"]["with_teams"] == [team]
    assert 'name="team_wieder"' not in kora.get(f"/plaene/{v4_id}").text


def test_a_replan_job_refused_for_its_teams_says_so_in_the_forms_words(
        notes_site: tuple[str, object, str]) -> None:
    """A job that finds its team no longer out (it runs after midnight, or another
    re-plan came first) fails with the form's field, not the command line's option."""
    from hausbesuch.versions import newest_version
    from hausbesuch.web import jobs
    from hausbesuch.web.jobs import JobRunner

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    job_id = jobs.submit(store, "replan", CITY, {
        "plan_id": plan.id, "start": plan.start.isoformat(), "days": plan.days,
        "time_limit": 1.0, "with_teams": ["team-2"], "profile": "bad-hersfeld"}, "kora")
    runner = JobRunner(store)
    runner.run(runner.claim(job_id))
    job = jobs.get(store, job_id)
    assert job.status != "fertig"
    assert job.error.startswith("„Team wieder einplanen“: Team „team-2“ ist am "), job.error
    assert "--" not in job.error


def test_a_plan_whose_span_is_over_offers_no_replan(
        notes_site: tuple[str, object, str], kora: httpx.Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 21 #3: the form offered „Ab <heute> …“ for a plan whose days are over, and
    its job failed with the command line's „--from … liegt nicht im Zeitraum“. Now the
    page says so in German instead of the form, a POST is refused and queues nothing,
    and a job still queued says „Der Zeitpunkt …“."""
    from hausbesuch import clock
    from hausbesuch.versions import newest_version
    from hausbesuch.web import jobs
    from hausbesuch.web.jobs import JobRunner

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monkeypatch.setenv(clock.ENV, (plan.start + timedelta(days=plan.days + 2)).isoformat())
    page = kora.get(f"/plaene/{plan.id}").text
    assert "Der Zeitraum dieses Plans ist vorbei" in html.unescape(page)
    assert f'action="/plaene/{plan.id}/neu-planen"' not in page
    queued = len(jobs.recent(store, CITY))
    r = kora.post(f"/plaene/{plan.id}/neu-planen", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 400 and "Bitte einen neuen Plan erstellen" in html.unescape(r.text)
    assert len(jobs.recent(store, CITY)) == queued
    job_id = jobs.submit(store, "replan", CITY, {
        "plan_id": plan.id, "start": plan.start.isoformat(), "days": plan.days,
        "time_limit": 1.0, "profile": "bad-hersfeld"}, "kora")
    runner = JobRunner(store)
    runner.run(runner.claim(job_id))
    job = jobs.get(store, job_id)
    assert job.status != "fertig" and job.error.startswith("Der Zeitpunkt "), job.error
    assert "--" not in job.error


_LETTERS = "(auf der Seite des Plans unter „Ankündigungsschreiben“)"


@pytest.mark.parametrize("stored,web", [
    ("bitte für diesen Plan einen Korrekturbrief schreiben (hausbesuch letters … --correction).",
     f"bitte für diesen Plan einen Korrekturbrief schreiben {_LETTERS}."),
    ("die Absage ist noch nicht geschrieben (erst hausbesuch letters 20261208-113000-ef34gh "
     "--correction)", f"die Absage ist noch nicht geschrieben {_LETTERS}"),
    ("alten Plan prüfen (hausbesuch show …).", "alten Plan prüfen (unter „Pläne“)."),
    # review 21 #1: the import's note of a moved client still planned, kept in the plan
    ("K-1: Adresse geändert, aber am 08.12.2026 um 10:00 Uhr noch an der alten Adresse "
     "eingeplant (Plan P1); bitte neu planen (hausbesuch replan P1 --from …).",
     "K-1: Adresse geändert, aber am 08.12.2026 um 10:00 Uhr noch an der alten Adresse "
     "eingeplant (Plan P1); bitte neu planen (den Plan unter „Pläne“ öffnen und dort „Neu "
     "planen“)."),
    ("Zuerst eine Kundenliste einlesen (hausbesuch import).",
     "Zuerst eine Kundenliste einlesen (unter „Kundenliste“)."),
    # a case's status: its page (QA 38 F2: „den Fall auf „in Klärung“ setzen (…)“)
    ("Fall prüfen (hausbesuch status K-1 --set in_klaerung).",
     "Fall prüfen (unter „Fälle“ beim Fall)."),
    ("Plan prüfen (hausbesuch show K-1).", "Plan prüfen (unter „Pläne“)."),
    ("Plan prüfen (hausbesuch export K-1).", "Plan prüfen."),  # any other: left out
    # the pin reasons of a re-plan (pins 34): the web's own words stay, the command goes
    ("Team „team-1“ ist am Mo, 07.12.2026 abwesend (eingetragen). Bitte die Festlegung "
     "aufheben, oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“; hausbesuch "
     "absence remove team-1 07.12.2026).",
     "Team „team-1“ ist am Mo, 07.12.2026 abwesend (eingetragen). Bitte die Festlegung "
     "aufheben, oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“)."),
    ("… oder Team team-1 beim Neu planen wieder einplanen (im Web „Team wieder einplanen“, "
     "sonst hausbesuch replan … --with-team team-1).",
     "… oder Team team-1 beim Neu planen wieder einplanen (im Web „Team wieder "
     "einplanen“)."),
])
def test_stored_command_hints_are_said_in_the_webs_words(stored: str, web: str) -> None:
    """Every stored note or reason the web shows goes through ``web_reason``; the hint of a
    correction letter also comes with a plan id (casework's call-off message)."""
    from hausbesuch.web.app import web_reason

    assert web_reason(stored) == web
    assert "hausbesuch" not in web_reason(stored)
