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

from hausbesuch.fields import WEEKDAYS_DE
from tests.web_fixtures import (
    WEEK,
    bare_app,
    live_server,
    logged_in,
    run_jobs_now,
)

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
        for (cid, window, day, at), (street, hn, pc, town) in zip(rows, addrs, strict=True):
            w.writerow([cid, f"Geheimname {cid}", street, hn, pc, town or CITY, window, day,
                        at])


@pytest.fixture(scope="module")
def notes_site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
               ) -> Iterator[tuple[str, object, str]]:
    """An app (no job runner: the test runs the jobs) with a planned week: its URL, its
    store and the plan's id."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs

    tmp = tmp_path_factory.mktemp("web-plan-notes")
    app = bare_app(tmp, plan_time_limit=2.0)
    store = app.state.web.store
    _write_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf))
    casework_api.import_clients(store, app.state.web.profile(CITY), str(tmp / "liste.csv"),
                                "kora")
    jobs.submit(store, "plan", CITY, {"start": WEEK.isoformat(), "days": 5,
                                      "time_limit": 2.0, "profile": "bad-hersfeld"}, "kora")
    plan_id = run_jobs_now(store)[0]
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
    said = (f"N-OUT ({out[0].team_id}, {WEEKDAYS_DE[TUESDAY.weekday()]} {TUESDAY:%d.%m.%Y}): "
            "festgelegte Zeit 10:00 Uhr liegt außerhalb des Zeitfensters „Di 14-16“.")
    assert said in notes, notes
    # the same notes as the command line shows (``Hinweis: …``), in its order
    assert notes == plan_notes(plan), (notes, plan_notes(plan))
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
    assert [n for n in notes if n.endswith("einen Korrekturbrief schreiben (die Briefe "
                                           "erstellt die Verwaltung).")], notes
