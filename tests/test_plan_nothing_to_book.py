"""QA 31 F3: a second „Planung starten“ for a span already planned, where the first plan
left only cases that cannot be planned (a language no team speaks), stored a plan of
„0 Besuche in 0 Team-Tagen“ with the note that the teams may now be booked twice. A plan
without visits books no team: it keeps its cases not planned, with their reasons, and no
such note. Through a web job and the command line's ``plan`` (both
:func:`hausbesuch.planning.workflow.plan_span`), on real SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import city_db, ok
from tests.test_web_plan_list import CITY, PARAMS, _planned_week
from tests.web_fixtures import WEEK, run_jobs_now

pytestmark = pytest.mark.slow

#: the note of a second plan beside one in force (planning/workflow.py)
BOOKED_TWICE = "die Teams können doppelt verplant sein"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
            ) -> Iterator[tuple[Path, object, str]]:
    """Three days from :data:`tests.web_fixtures.WEEK` planned by a web job over 14
    clients: every case it could plan is on a route, the one of a language no team speaks
    (W007) left out. The folder of its SQLite database, the store and the plan's id."""
    tmp = tmp_path_factory.mktemp("plan-nothing-to-book")
    app, v1 = _planned_week(tmp, None, bad_hersfeld_pbf)
    store = app.state.web.store
    first = store.load_plan(v1)
    assert any(r.stops for r in first.routes)
    assert "W007" in {u.client_id for u in first.unassigned}, first.unassigned
    yield tmp, store, v1


def _notes(plan) -> list[str]:  # noqa: ANN001
    return [*plan.warnings, *(plan.params or {}).get("warnings", [])]


def test_a_second_web_plan_without_visits_warns_of_no_double_booking(planned) -> None:  # noqa: ANN001
    from hausbesuch.web import jobs

    _, store, v1 = planned
    jobs.submit(store, "plan", CITY, PARAMS, "kora")
    (v2,) = run_jobs_now(store)
    again = store.load_plan(v2)
    assert not any(r.stops for r in again.routes), again.routes
    # its cases not planned are kept, with their reasons
    left = {u.client_id: u.reason for u in again.unassigned}
    assert left.get("W007"), left
    assert [n for n in _notes(again) if BOOKED_TWICE in n or f"in Plan {v1}" in n] == []
    # QA 45c F9: it says plainly, first among its notes, that it plans no visit, which
    # plan holds the other cases and how to delete it (the web's way on its page)
    assert again.warnings[0] == (
        "Dieser Plan plant keinen Besuch: der Fall dieses Zeitraums ließ sich nicht "
        "einplanen (Gründe unter „Nicht eingeplant“ und in report.csv); 2 Zeilen oder Fälle "
        "sind abgelehnt (unter „Abgelehnt“); die übrigen offenen Fälle hält schon Plan "
        f"{v1}. Ist er versehentlich entstanden, lässt er sich löschen "
        f"(„Plan löschen“ auf seiner Seite im Web; hausbesuch delete-plan {v2})."), \
        again.warnings
    assert again.params["warnings"][0] == again.warnings[0]


def test_the_web_says_a_plan_without_visits_plans_none(planned) -> None:  # noqa: ANN001
    """The plan page of a stored plan without visits: the note first among its
    „Hinweise“, in the web's words (no command line)."""
    from fastapi.testclient import TestClient

    from hausbesuch.web import jobs
    from hausbesuch.web.app import create_app
    from tests.web_fixtures import login, page_text

    tmp, store, v1 = planned
    jobs.submit(store, "plan", CITY, PARAMS, "kora")
    (v2,) = run_jobs_now(store)
    app = create_app(store.url, cities=["bad-hersfeld"], run_jobs=False)
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        text = page_text(c.get(f"/plaene/{v2}").text)
    assert ("Hinweise Dieser Plan plant keinen Besuch: der Fall dieses Zeitraums ließ sich "
            "nicht einplanen (Gründe unter „Nicht eingeplant“ und in report.csv); 2 Zeilen "
            "oder Fälle sind abgelehnt (unter „Abgelehnt“); die übrigen offenen Fälle hält "
            f"schon Plan {v1}. Ist er versehentlich entstanden, lässt er "
            "sich löschen („Plan löschen“ auf seiner Seite im Web).") in text, text


def test_a_second_command_line_plan_without_visits_says_the_same(planned) -> None:  # noqa: ANN001
    tmp, store, v1 = planned
    out = ok("plan", *city_db(f"sqlite:///{tmp / 'bare.sqlite'}"), "--start",
             WEEK.isoformat(), "--days", "3", "--out", str(tmp / "noch"), "--time-limit", "1",
             "--threads", "1")
    text = " ".join(out.split())
    assert "0 geplant" in text, text
    assert BOOKED_TWICE not in text and f"Plan {v1} eingeplant" not in text, text
    # QA 45c F9: said plainly, with the plan that holds the other cases and delete-plan
    assert re.search(r"Hinweis: Dieser Plan plant keinen Besuch: der Fall dieses Zeitraums "
                     r"ließ sich nicht einplanen \(Gründe unter „Nicht eingeplant“ und in "
                     r"report\.csv\); 2 Zeilen oder Fälle sind abgelehnt \(unter „Abgelehnt“\); "
                     rf"die übrigen offenen Fälle hält schon Plan {v1}\. Ist er "
                     r"versehentlich entstanden, lässt er sich löschen \(„Plan löschen“ auf "
                     r"seiner Seite im Web; hausbesuch delete-plan \d{8}-\d{6}-\w+\)\.",
                     text), text
    again = store.latest_plan(CITY)
    assert not any(r.stops for r in again.routes)
    assert [n for n in _notes(again) if BOOKED_TWICE in n] == []


def test_the_note_of_a_plan_without_visits_in_its_forms() -> None:
    """:func:`hausbesuch.planning.report.no_visit_note` in the singular and plural, with
    rows rejected, without other plans; none for a plan with a visit."""
    from dataclasses import replace

    from hausbesuch.plandata import Rejected, UnassignedVisit
    from hausbesuch.planning.report import no_visit_note
    from tests.test_maps import sample_plan

    plan = sample_plan()
    assert any(r.stops for r in plan.routes) and no_visit_note(plan) is None

    def out(cid: str, code: str = "skill") -> UnassignedVisit:
        return UnassignedVisit(cid, code, "…", None, None, "", "")

    empty = replace(plan, routes=[], rejected=[], unassigned=[
        out("K-1"), out("K-2", "revisit_wait"), out("K-3", "already_planned")])
    assert no_visit_note(empty) == (
        "Dieser Plan plant keinen Besuch: keiner der 2 Fälle dieses Zeitraums ließ sich "
        "einplanen (Gründe unter „Nicht eingeplant“ und in report.csv). Ist er versehentlich "
        f"entstanden, lässt er sich löschen („Plan löschen“ auf seiner Seite im Web; "
        f"hausbesuch delete-plan {plan.id}).")
    refused = replace(empty, unassigned=[out("K-1")],
                      rejected=[Rejected(3, "K-9", "adresse", "…")])
    assert no_visit_note(refused, ["P2", "P1", "P2"]).startswith(
        "Dieser Plan plant keinen Besuch: der Fall dieses Zeitraums ließ sich nicht einplanen "
        "(Gründe unter „Nicht eingeplant“ und in report.csv); 1 Zeile oder Fall ist "
        "abgelehnt (unter „Abgelehnt“); die übrigen offenen Fälle halten schon Plan P1, P2. "
        "Ist er")
