"""A letter is written once for its visit (QA 32b F2).

A letter run writes letters only for the visits that have none yet: a visit with a letter
(the same case visit: a re-plan keeps the visits it holds, and their promises bind it) is
named with its letter's date, not written again. ``--reprint`` writes them again, the same
letter: its first window and its first letter's date, named as reprints on the terminal
and in ``LIESMICH.txt``; the post is judged by the date each letter carries, and a reprint
posted today that would reach its client after the visit is named too.

Each test writes into its own copy of the planned week's SQLite database; the letters are
read back with pypdf.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.caseids import id_key
from hausbesuch.cli import app
from hausbesuch.letters import AUDIT_LETTER
from tests import test_letters_details as details

MONDAY = date(2026, 12, 7)  # the planned week's first day (tests/planning_fixtures.py)
BEFORE = date(2026, 12, 1)  # Tuesday before the week
FRIDAY_BEFORE = date(2026, 12, 4)

db = details.db
_letters = details._letters
_text = details._text
_flat = details._flat
_letter_date = details._letter_date
_window = details._announced_day


# each test re-plans the real week and writes its letters twice (~10 s each)
pytestmark = pytest.mark.slow

@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, BEFORE.isoformat())


def _written(out) -> set[str]:
    return {p.name.removeprefix("brief_").removesuffix(".pdf") for p in out.glob("brief_*.pdf")}


def _letter_audits(url: str) -> list[dict]:
    from hausbesuch.store import Store

    with Store.open(url) as store:
        return store.audit_rows(action=AUDIT_LETTER)


def test_a_replan_writes_only_the_visits_without_a_letter(planned_week, db, tmp_path):
    """Letters for Monday's first route on Tuesday 01.12., then a re-plan of the week: the
    new version's letters (Wednesday 02.12.) are only those of the visits without one; the
    visits the re-plan kept with their letter are each named with that letter's date, and
    nothing is recorded for them. ``--reprint`` writes them again as they were: the first
    letter's date and window, named as reprints on the terminal and in LIESMICH.txt."""
    plan = planned_week.result.plan
    pid = planned_week.plan_id
    first = sorted((r for r in plan.routes if r.day == MONDAY), key=lambda r: r.team_id)[0]
    announced = [s.client_id for s in first.stops]
    assert len(announced) >= 2
    res = _letters(pid, db, tmp_path / "v1", "--clients", ",".join(announced))
    assert res.exit_code == 0, res.output
    windows = {cid: _text(tmp_path / "v1" / f"brief_{cid}.pdf") for cid in announced}

    res = CliRunner(env={clock.ENV: BEFORE.isoformat()}).invoke(app, [
        "replan", pid, "--city", "bad-hersfeld", "--from", f"{MONDAY.isoformat()} 06:00",
        "--db", db, "--out", str(tmp_path / "neu"), "--time-limit", "3"])
    assert res.exit_code == 0, res.output
    new = details._new_version(db, pid)
    from hausbesuch.store import Store

    with Store.open(db) as store:
        v2 = store.load_plan(new)
    stops = {s.client_id for r in v2.routes for s in r.stops}
    kept = sorted(set(announced) & stops, key=id_key)
    assert kept and stops - set(announced)

    out, wednesday = tmp_path / "v2", BEFORE + timedelta(days=1)
    audits = len(_letter_audits(db))
    res = _letters(new, db, out, today=wednesday)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert _written(out) == stops - set(announced)  # before: every visit of the version
    n = len(kept)
    assert (f"{n} {'Besuch hat' if n == 1 else 'Besuche haben'} schon einen Brief (vom Di, "
            f"01.12.2026), nicht noch einmal geschrieben: {', '.join(kept)}") in said
    assert "Mit --reprint noch einmal drucken" in said
    assert f"{len(stops - set(announced))} Briefe und" in said
    # nothing recorded for the visits not written again
    assert {a["client_id"] for a in _letter_audits(db)[audits:]} == stops - set(announced)
    assert "Nachdruck" not in (out / "LIESMICH.txt").read_text(encoding="utf-8")

    again = tmp_path / "nachdruck"
    res = _letters(new, db, again, "--reprint", today=wednesday)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert _written(again) == stops
    line = ("1 Brief ist ein Nachdruck des schon geschriebenen Briefs vom Di, 01.12.2026 (mit "
            "dessen Datum; nur verschicken, wenn der erste Brief nicht verschickt wurde): "
            if n == 1 else
            f"{n} Briefe sind Nachdrucke der schon geschriebenen Briefe vom Di, 01.12.2026 "
            "(mit deren Datum; nur verschicken, wenn die ersten Briefe nicht verschickt "
            "wurden): ") + ", ".join(kept)
    assert line in said
    assert line in _flat((again / "LIESMICH.txt").read_text(encoding="utf-8"))
    assert "schon einen Brief" not in said
    for cid in kept:  # the same letter: its date and window
        text = _text(again / f"brief_{cid}.pdf")
        assert _letter_date(text) == "01.12.2026"
        assert _window(text) == _window(windows[cid])
        assert re.findall(r"zwischen (\d\d:\d\d) und (\d\d:\d\d)", text) == re.findall(
            r"zwischen (\d\d:\d\d) und (\d\d:\d\d)", windows[cid])
    other = next(iter(stops - set(announced)))
    assert _letter_date(_text(again / f"brief_{other}.pdf")) == "02.12.2026"


def test_a_second_run_writes_nothing_again(planned_week, db, tmp_path):
    """The same plan's letters a second time: nothing is written again; into the same
    folder, the first run's letters stay there as they were (perhaps not printed yet).
    A folder holding a letter of a visit not written again, into which new letters would
    go, is refused before anything is written (the letter would be gone from it)."""
    pid = planned_week.plan_id
    plan = planned_week.result.plan
    stops = sorted({s.client_id for r in plan.routes for s in r.stops})
    out = tmp_path / "briefe"
    assert _letters(pid, db, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    res = _letters(pid, db, out, today=BEFORE + timedelta(days=1))
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert f"Keine neuen Briefe geschrieben; der Ordner {out} bleibt, wie er ist." in said
    assert f"{len(stops)} Besuche haben schon einen Brief (vom Di, 01.12.2026)" in said
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # one letter in a folder, then the whole week into it: refused, the folder as it was
    one, fresh = tmp_path / "eins", [s.client_id for s in plan.routes[-1].stops]
    assert len(fresh) >= 2
    from sqlalchemy import update

    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(db) as store, store.session() as s:  # as if not announced yet
        s.execute(update(CaseVisitRow).where(CaseVisitRow.client_id.in_(fresh)).values(
            announced_at=None, promised_start=None, promised_end=None))
    assert _letters(pid, db, one, "--clients", fresh[0]).exit_code == 0
    held = {p.name: p.read_bytes() for p in one.iterdir()}
    res = _letters(pid, db, one)
    assert res.exit_code == 2, res.output
    assert (f"der Ordner enthält Briefe eines früheren Laufs für Besuche, die schon einen "
            f"Brief haben und nicht noch einmal geschrieben werden ({fresh[0]})") in _flat(
        res.output)
    assert {p.name: p.read_bytes() for p in one.iterdir()} == held
    # with --reprint the whole week replaces it
    res = _letters(pid, db, one, "--reprint")
    assert res.exit_code == 0, res.output
    assert _written(one) == set(stops)
    # --correction --reprint prints corrections again (QA 44b F10): none written here
    res = _letters(pid, db, tmp_path / "k", "--correction", "--reprint")
    assert res.exit_code == 0 and "Keine Korrekturbriefe nötig" in _flat(res.output)
    assert not (tmp_path / "k").exists()


def test_reprints_are_judged_by_the_date_they_carry(planned_week, db, tmp_path):
    """Letters written on Friday 04.12. reach the clients on Tuesday 08.12.; printed again
    on Monday 07.12., they carry Friday's date: Monday's and Tuesday's visits (the arrival
    day counts as too late) are listed as too late under a heading that names the reprints
    and their date; Wednesday's, which a reprint posted that Monday reaches only on that
    day, are named for that case; Thursday's are in time. A letter written first on Monday
    (for Tuesday) is judged by Monday's date, under its own heading."""
    from sqlalchemy import update

    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    days = {s.client_id: r.day for r in plan.routes for s in r.stops}
    monday = sorted(c for c, d in days.items() if d == MONDAY)
    tuesday = sorted(c for c, d in days.items() if d == MONDAY + timedelta(days=1))
    wednesday = sorted(c for c, d in days.items() if d == MONDAY + timedelta(days=2))
    assert len(monday) >= 2 and len(tuesday) >= 2 and wednesday
    assert _letters(planned_week.plan_id, db, tmp_path / "briefe",
                    today=FRIDAY_BEFORE).exit_code == 0
    fresh = tuesday[0]  # as if its letter had not been written
    with Store.open(db) as store, store.session() as s:
        s.execute(update(CaseVisitRow).where(CaseVisitRow.client_id == fresh).values(
            announced_at=None, promised_start=None, promised_end=None))
    out = tmp_path / "nachdruck"
    res = _letters(planned_week.plan_id, db, out, "--reprint", today=MONDAY)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    notice = _flat((out / "LIESMICH.txt").read_text(encoding="utf-8"))
    # Friday's letters reach the clients on Tuesday: Monday's visits and Tuesday's (the
    # arrival day counts as too late, QA 33b F6)
    head = (f"Achtung: {len(monday) + len(tuesday) - 1} Briefe kommen per Post zu spät "
            "(Nachdrucke mit dem Datum "
            "des ersten Briefs, Brief vom Fr, 04.12.2026, Postlaufzeit 2 Werktage: im "
            "Briefkasten am Di, 08.12.2026;")
    assert head in said and head in notice
    late = set(re.findall(r"Brief kommt zu spät für den Besuch am [^(]*\(([^)]+)\)", said))
    assert late == set(monday) | set(tuesday)
    for cid in monday:
        assert _letter_date(_text(out / f"brief_{cid}.pdf")) == "04.12.2026"
    posted = ("Ein Nachdruck, der heute verschickt wird, ist erst am Mi, 09.12.2026 im "
              f"Briefkasten: zu spät für {'den Besuch' if len(wednesday) == 1 else 'die Besuche'}"
              f" bei {', '.join(sorted(wednesday, key=id_key))} "
              f"({'falls' if len(wednesday) == 1 else 'wo'} der erste Brief nicht verschickt "
              "wurde: bitte anrufen).")
    assert posted in said and posted in notice
    # the letter first written now: dated Monday, judged by Monday, under its own heading
    assert _letter_date(_text(out / f"brief_{fresh}.pdf")) == "07.12.2026"
    assert ("Achtung: 1 Brief kommt per Post zu spät (Brief vom Mo, 07.12.2026, Postlaufzeit 2 "
            "Werktage: im Briefkasten am Mi, 09.12.2026;") in said
    thursday = sorted(c for c, d in days.items() if d == MONDAY + timedelta(days=3))
    assert thursday and not any(f"({cid})" in said for cid in thursday)  # in time
