"""A plan keeps its districts' notes apart from its other notes (session 39, review 38 #5).

The districts' notes (:attr:`geodata.districts.Districts.notes` a plan carries: on the
city's configuration, from plan to plan) come after the notes that need the coordinator's
action (QA 38 F7). They were told apart by their words (a pattern of how each began): a
note reworded went back to the top, and a re-plan kept a reworded note of the version
before beside the new one. A plan now lists them apart where they are made
(``params["district_notes"]``, stored with the plan), and every view (the command line,
index.html of ``hausbesuch show``, the web's plan page and files) orders them by that list,
each note once; a plan stored before (no list) is ordered as before.

With the command line on a real SQLite store and the real Bad Hersfeld extract (no
district boundaries: substitute districts and their note), over Christmas (a holiday note
that needs no district)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli
from tests.test_cli_districts import one_case_planned

pytestmark = pytest.mark.slow

CITY = "Bad Hersfeld"
TODAY = date(2026, 12, 23)
START = date(2026, 12, 24)
#: how Bad Hersfeld's districts' note begins (the substitute districts)
NOTE = "Keine Bezirksgrenzen verfügbar: "
#: how the holiday's note begins (a note of the plan that is not the districts')
HOLIDAY = "Fr, 25.12.2026 (Erster Weihnachtstag"
#: the districts' note in other words, as a later wording would store it: not as any
#: districts' note began before (``geodata.districts.NOTE_START``)
REWORDED = "Ungefähre Stadtteile statt Bezirksgrenzen: "


def _params(db: str, plan_id: str) -> dict:
    from sqlalchemy import select

    from hausbesuch.store import PlanRow, Store

    with Store.open(db) as store, store.session() as s:
        return json.loads(s.scalar(select(PlanRow.params).where(PlanRow.id == plan_id)))


def _store_params(db: str, plan_id: str, params: dict) -> None:
    from sqlalchemy import update

    from hausbesuch.store import PlanRow, Store

    with Store.open(db) as store, store.session() as s:
        s.execute(update(PlanRow).where(PlanRow.id == plan_id)
                  .values(params=json.dumps(params)))


def _reworded(params: dict) -> str:
    """Store the plan's districts' note in other words (:data:`REWORDED`), as a plan made
    with them would have it: among its notes and in its list of the districts' notes.
    The note as reworded."""
    (note,) = [w for w in params["warnings"] if w.startswith(NOTE)]
    new = REWORDED + note.removeprefix(NOTE)
    for key in ("warnings", "district_notes"):
        params[key] = [new if w == note else w for w in params[key]]
    return new


def _index_notes(folder: Path) -> str:
    import html
    import re

    page = html.unescape((folder / "index.html").read_text(encoding="utf-8"))
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_every_view_puts_the_districts_notes_last_whatever_their_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.planning.report import plan_notes
    from hausbesuch.planning.workflow import show_plan
    from hausbesuch.store import Store
    from hausbesuch.web.pages_plans import _plan_notes, plan_words

    monkeypatch.setenv(clock.ENV, TODAY.isoformat())  # (the web's view: no day gone by)
    cli = ClockedCli(TODAY)
    db, common, out = one_case_planned(cli, tmp_path, START)
    with Store.open(db) as store:
        plan_id = store.latest_plan(CITY).id
    params = _params(db, plan_id)
    # the plan lists its districts' note apart, and keeps it among its notes, once
    (note,) = params["district_notes"]
    assert note.startswith(NOTE) and params["warnings"].count(note) == 1, params
    assert any(w.startswith(HOLIDAY) for w in params["warnings"]), params["warnings"]
    lines = [ln for ln in out.splitlines() if ln.startswith("Hinweis: ")]
    assert lines[-1] == f"Hinweis: {note}", out

    # in other words: still last, everywhere, once
    new = _reworded(params)
    _store_params(db, plan_id, params)
    profile = load_profile("bad-hersfeld")
    with Store.open(db) as store:
        for stored in (store.load_plan(plan_id), store.load_plan(plan_id, overview=True)):
            notes = plan_notes(stored)
            assert notes[-1] == new and notes.count(new) == 1, notes
            assert any(n.startswith(HOLIDAY) for n in notes[:-1]), notes
        # the web's plan page and its files (index.html of the ZIP), in the web's words
        web = _plan_notes(store, store.load_plan(plan_id, overview=True))
        assert web[-1] == plan_words(new) and len(web) == len(notes), web
        files = plan_notes(show_plan(store, plan_id, profile, reason_text=plan_words).plan)
        assert files[-1] == plan_words(new) and len(files) == len(notes), files
    cli.ok("show", plan_id, *common, "--out", str(tmp_path / "show"))
    index = _index_notes(tmp_path / "show")
    assert index.count(new) == 1 and index.index(HOLIDAY) < index.index(new), index

    # a re-plan makes the districts' note anew (as the districts are now): the version
    # before's, in whatever words, goes
    again = cli.ok("replan", plan_id, "--from", f"{START:%Y-%m-%d} 07:00", "--out",
                   str(tmp_path / "neu"), "--time-limit", "1", "--db", db)
    assert REWORDED not in again and again.count(f"Hinweis: {NOTE}") == 1, again
    with Store.open(db) as store:
        second = store.latest_plan(CITY)
    assert second.predecessor_id == plan_id
    assert [w for w in second.warnings if w.startswith((NOTE, REWORDED))] == [note], \
        second.warnings
    assert second.params["district_notes"] == [note]


    # a plan stored before plans listed their districts' notes: those that begin as a
    # districts' note did then come last, each once (the note first among the stored
    # ones, as plans of session 38 and before kept it)
    params = _params(db, second.id)
    del params["district_notes"]
    params["warnings"] = [note, *(w for w in params["warnings"] if w != note)]
    _store_params(db, second.id, params)
    with Store.open(db) as store:
        notes = plan_notes(store.load_plan(second.id))
    assert notes[-1] == note and notes.count(note) == 1, notes
    assert len(notes) == len(params["warnings"]), notes
