"""A client who moved after the letter gets one at the new address (QA 33b F1).

The letter of a visit went to the address of the plan version it was written for. When
the client moves after it (an address fix, a new list), the re-plan keeps the visit with
its id and promised window, and its snapshot holds the new address: the new version's
letter run writes that visit's letter again, to the new address, with the window promised
and the run's date, and names the case. A visit whose client did not move keeps its
letter (named as before, not written again).

Each test writes into its own copy of the planned week's SQLite database; the letters are
read back with pypdf.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.letters import AUDIT_LETTER
from tests import test_letters_details as details

BEFORE = date(2026, 12, 1)  # Tuesday before the planned week
WEDNESDAY = BEFORE + timedelta(days=1)

db = details.db
_letters = details._letters
_text = details._text
_flat = details._flat
_letter_date = details._letter_date
_address_lines = details._address_lines


@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, BEFORE.isoformat())


def _windows(text: str) -> list[tuple[str, str]]:
    return re.findall(r"zwischen (\d\d:\d\d) und (\d\d:\d\d)", text)


def test_a_client_moved_after_its_letter_gets_one_at_the_new_address(
        planned_week, db, tmp_path, bad_hersfeld_pbf):
    from hausbesuch.store import Store

    plan = planned_week.result.plan
    pid = planned_week.plan_id
    # the letters of one team-day, on Tuesday 01.12.
    since = {c.id: c.kontakt_abbruch_seit or date.max for c in plan.clients}
    route = min(plan.routes, key=lambda r: min(since[s.client_id] for s in r.stops))
    day = [s.client_id for s in route.stops]
    assert len(day) >= 2
    first = min(route.stops, key=lambda s: since[s.client_id])
    moved = first.client_id
    res = _letters(pid, db, tmp_path / "v1", "--clients", ",".join(day))
    assert res.exit_code == 0, res.output
    old_letter = _text(tmp_path / "v1" / f"brief_{moved}.pdf")
    old_lines = _address_lines(tmp_path / "v1" / f"brief_{moved}.pdf")

    # then the client moves to another house nearby (an address fix), and the week is
    # re-planned as the letter run on the old version says
    drawn, every = details._list_addresses(bad_hersfeld_pbf, near=(first.lon, first.lat))
    old = drawn[int(moved[1:])]
    street, hn, pc, town = next(a for a in every if a not in drawn and a[0] != old[0]
                                and a[2] and a[3])
    run = CliRunner(env={clock.ENV: BEFORE.isoformat()})
    res = run.invoke(app, ["address", moved, "--set-address", f"{street} {hn}, {pc} {town}",
                           "--city", "bad-hersfeld", "--db", db])
    assert res.exit_code == 0, res.output
    res = run.invoke(app, ["replan", pid, "--city", "bad-hersfeld", "--from",
                           f"{plan.start.isoformat()} 06:00", "--db", db, "--out",
                           str(tmp_path / "neu"), "--time-limit", "3"])
    assert res.exit_code == 0, res.output
    new = details._new_version(db, pid)
    with Store.open(db) as store:
        v2 = store.load_plan(new)
    kept = {s.client_id for r in v2.routes for s in r.stops} & set(day)
    assert moved in kept and len(kept) >= 2  # the promise kept the visit

    # the new version's letters on Wednesday: the moved client's letter is written again,
    # to the new address, dated Wednesday, with the window of the first letter
    out = tmp_path / "v2"
    res = _letters(new, db, out, "--clients", ",".join(sorted(kept)), today=WEDNESDAY)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert {p.name for p in out.glob("brief_*.pdf")} == {f"brief_{moved}.pdf"}, said
    lines = _address_lines(out / f"brief_{moved}.pdf")
    assert lines[1:] == [f"{street} {hn}", f"{pc} {town}"], lines
    assert lines != old_lines
    text = _text(out / f"brief_{moved}.pdf")
    assert _letter_date(text) == "02.12.2026"
    assert _windows(text) == _windows(old_letter)
    assert (f"{moved}: neue Anschrift seit dem Brief vom Di, 01.12.2026 (der ging an die "
            "frühere Anschrift): dieser Brief geht an die neue Anschrift, mit dem damals "
            "angekündigten Zeitfenster (") in said
    others = sorted(kept - {moved}, key=lambda c: int(c[1:]))
    n = len(others)
    assert (f"{n} {'Besuch hat' if n == 1 else 'Besuche haben'} schon einen Brief (vom Di, "
            f"01.12.2026), nicht noch einmal geschrieben: {', '.join(others)}") in said
    assert street not in said and old[0] not in said
    assert not any(name in said for name in planned_week.names)
    # recorded: the letter's date is Wednesday's now (corrections name it), its window the
    # first one, and the audit row says that it went to a new address
    visit = details._announced(db)[moved]
    assert visit.announced_at.date() == WEDNESDAY
    with Store.open(db) as store:
        rows = [r for r in store.audit_rows(action=AUDIT_LETTER) if r["client_id"] == moved]
    said_last = rows[-1]["details"]
    said_last = json.loads(said_last) if isinstance(said_last, str) else said_last
    assert rows[-1]["plan_id"] == new and said_last.get("neue_anschrift") is True
    assert said_last["erstmals"] is False

    # written once at the new address: a second run names it with Wednesday's letter, and
    # a reprint carries Wednesday's date and the new address
    res = _letters(new, db, tmp_path / "v3", "--clients", moved, today=WEDNESDAY)
    assert res.exit_code == 0, res.output
    assert (f"1 Besuch hat schon einen Brief (vom Mi, 02.12.2026), nicht noch einmal "
            f"geschrieben: {moved}") in _flat(res.output)
    assert not list((tmp_path / "v3").glob("brief_*.pdf"))
    res = _letters(new, db, tmp_path / "v4", "--clients", moved, "--reprint",
                   today=WEDNESDAY + timedelta(days=1))
    assert res.exit_code == 0, res.output
    again = tmp_path / "v4" / f"brief_{moved}.pdf"
    assert _letter_date(_text(again)) == "02.12.2026"
    assert _address_lines(again)[1:] == [f"{street} {hn}", f"{pc} {town}"]


@pytest.mark.slow  # letters, two re-plans and two correction runs in a row (~13 s)
def test_a_visit_called_off_by_its_letter_is_not_to_be_corrected_again(planned_week, db,
                                                                      tmp_path):
    """QA 33b F8: a visit announced, its case closed, a re-plan (which calls the visit
    off and asks for the cancellation), the cancellation written (``--correction``); the
    next re-plan's report said of it again „angekündigt …, aber nicht mehr einplanbar“,
    the words that ask for a correction letter. It says now that the visit was called off
    already, with the cancellation's date."""
    import csv

    plan = planned_week.result.plan
    pid = planned_week.plan_id
    route = sorted(plan.routes, key=lambda r: (r.day, r.team_id))[-1]
    closed, other = (s.client_id for s in route.stops[:2])
    res = _letters(pid, db, tmp_path / "briefe", "--clients", f"{closed},{other}")
    assert res.exit_code == 0, res.output
    details._set_status(db, {closed: "abgeschlossen"})

    def replan(version: str, out: str) -> list[dict[str, str]]:
        res = CliRunner(env={clock.ENV: WEDNESDAY.isoformat()}).invoke(app, [
            "replan", version, "--city", "bad-hersfeld", "--from",
            f"{plan.start.isoformat()} 06:00", "--db", db, "--out", str(tmp_path / out),
            "--time-limit", "2"])
        assert res.exit_code == 0, res.output
        with open(tmp_path / out / "report.csv", encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh, delimiter=";"))

    def said_of(rows: list[dict[str, str]]) -> str:
        return _flat(" ".join(v for v in next(r for r in rows if closed in r.values())
                              .values() if v))

    # the re-plan after the closing asks for the cancellation (right: none is written)
    assert "aber nicht mehr einplanbar" in said_of(replan(pid, "v2"))
    v2 = details._new_version(db, pid)
    res = _letters(v2, db, tmp_path / "absage", "--correction", today=WEDNESDAY)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "absage" / f"korrektur_{closed}.pdf").is_file()
    # the next re-plan says it is called off, not again to be called off
    text = said_of(replan(v2, "v3"))
    assert "nicht mehr einplanbar" not in text, text
    assert "schon abgesagt (Absage vom Mi, 02.12.2026)" in text, text
    assert "Status „abgeschlossen“" in text, text
    # and the correction run of the newest version has nothing more to write for it: it
    # names the cancellation written (QA 44b F10), writes none
    res = _letters(details._new_version(db, v2), db, tmp_path / "absage2", "--correction",
                   today=WEDNESDAY)
    assert res.exit_code == 0, res.output
    assert ("1 angekündigter Besuch hat schon einen Korrekturbrief (vom Mi, 02.12.2026), "
            f"nicht noch einmal geschrieben: {closed}") in _flat(res.output), res.output
    assert not (tmp_path / "absage2").exists()
