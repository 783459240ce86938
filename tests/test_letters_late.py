"""Letters the post brings too late for their visit (QA 24 T2, QA 27 taste).

Letters, correction and cancellation letters are written for visits of the same day or the
next days, when the post cannot bring them in time. They are still written (the README
promises a letter for every visit from today on), but the command and the folder's
``LIESMICH.txt`` list those visits, case id only: „Brief kommt zu spät für den Besuch am
Mo, 07.12.2026 (K-1): bitte anrufen oder den Besuch verschieben.“ The delivery time is
``[brief] postlaufzeit_werktage`` (default 2 working days, Monday to Friday without the
Land's holidays).

Each test writes into its own copy of the planned week's SQLite database; the letters are
read back with pypdf.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from hausbesuch import clock
from tests import test_letters_details as details

MONDAY = date(2026, 12, 7)  # the planned week's first day (tests/planning_fixtures.py)
FRIDAY_BEFORE = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, FRIDAY_BEFORE.isoformat())


# the letters tests' copy of the planned week, the command run on a day, a PDF's text
# and the command's output on one line
db = details.db
_letters = details._letters
_text = details._text
_flat = details._flat


def test_letters_for_monday_written_on_friday_are_named_too_late(planned_week, db, tmp_path):
    """Dated Friday 04.12., the letters reach the clients on Tuesday 08.12. (2 working
    days): every Monday visit is listed, on the terminal and in LIESMICH.txt, with its case
    id and no name, and so is every Tuesday visit (the day the letter arrives: the post may
    come after the team, QA 33b F6); Wednesday's and later ones are not. The letters are
    still written."""
    plan = planned_week.result.plan
    monday = sorted({s.client_id for r in plan.routes if r.day == MONDAY for s in r.stops})
    tuesday = sorted({s.client_id for r in plan.routes if r.day == MONDAY + timedelta(days=1)
                      for s in r.stops})
    later = {s.client_id for r in plan.routes if r.day > MONDAY + timedelta(days=1)
             for s in r.stops}
    assert monday and tuesday and later
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, today=FRIDAY_BEFORE)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    head = (f"Achtung: {len(monday) + len(tuesday)} Briefe kommen per Post zu spät (Brief "
            "vom Fr, 04.12.2026, "
            "Postlaufzeit 2 Werktage: im Briefkasten am Di, 08.12.2026;")
    assert head in said
    for cid in monday:
        line = (f"Brief kommt zu spät für den Besuch am Mo, 07.12.2026 ({cid}): bitte anrufen "
                "oder den Besuch verschieben.")
        assert line in said
        assert (out / f"brief_{cid}.pdf").is_file()  # still written
        assert re.search(r"Datum:? 04\.12\.2026", _text(out / f"brief_{cid}.pdf"))
    for cid in tuesday:  # in the box that day, perhaps after the visit
        assert (f"Brief kommt zu spät für den Besuch am Di, 08.12.2026 ({cid}): bitte "
                "anrufen oder den Besuch verschieben.") in said
    late_ids = set(re.findall(r"Brief kommt zu spät für den Besuch am [^(]*\(([^)]+)\)", said))
    assert late_ids == set(monday) | set(tuesday)
    notice = _flat((out / "LIESMICH.txt").read_text(encoding="utf-8"))
    assert "Sozialdaten" in notice and head in notice
    assert all(f"({cid}): bitte anrufen oder den Besuch verschieben." in notice
               for cid in monday)
    assert not any(f"({cid})" in notice for cid in later)
    names = {c.name for c in plan.clients if c.name}
    assert not [n for n in names if n in res.output]


def test_letters_written_in_time_say_nothing_and_a_reprint_is_judged_by_the_first(
        planned_week, db, tmp_path):
    """Written the Tuesday before (01.12.), every letter arrives in time: no warning, and
    LIESMICH.txt is the plain notice. The visits so announced and printed again on Friday
    04.12. (``--reprint``) are not listed as late: the reprint carries the first letter's
    date, which the client has. A Monday visit first announced on Friday is. (One test:
    the reprint needs the letters of the Tuesday before, the costly part of both.)"""
    from sqlalchemy import update

    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    monday = sorted({s.client_id for r in plan.routes if r.day == MONDAY for s in r.stops})
    assert len(monday) >= 2
    out = tmp_path / "briefe"
    first = _letters(planned_week.plan_id, db, out, today=date(2026, 12, 1))
    assert first.exit_code == 0, first.output
    assert "zu spät" not in first.output
    assert "zu spät" not in (out / "LIESMICH.txt").read_text(encoding="utf-8")
    fresh = monday[0]  # as if its first letter had not been written
    with Store.open(db) as store, store.session() as s:
        s.execute(update(CaseVisitRow).where(CaseVisitRow.client_id == fresh).values(
            announced_at=None, promised_start=None, promised_end=None))
    res = _letters(planned_week.plan_id, db, tmp_path / "nachdruck", "--reprint",
                   today=FRIDAY_BEFORE)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert re.search(r"Datum:? 01\.12\.2026", _text(tmp_path / "nachdruck"
                                                   / f"brief_{monday[1]}.pdf"))
    assert "Achtung: 1 Brief kommt per Post zu spät (Brief vom Fr, 04.12.2026" in said
    assert f"Brief kommt zu spät für den Besuch am Mo, 07.12.2026 ({fresh})" in said
    assert not any(f"({cid}): bitte anrufen" in said for cid in monday[1:])


def test_a_correction_on_the_day_before_asks_to_phone(planned_week, db, tmp_path):
    """A correction dated Tuesday 08.12. for the visit promised on Wednesday 09.12. reaches
    the client on Thursday: the client would wait in vain. The command says to phone."""
    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    assert _letters(planned_week.plan_id, db, tmp_path / "briefe",
                    today=date(2026, 12, 1)).exit_code == 0
    wednesday = next(r for r in plan.routes
                     if r.day == MONDAY + timedelta(days=2)).stops[0].client_id
    with Store.open(db) as store, store.session() as s:  # the plan no longer keeps it
        for v in s.query(CaseVisitRow).filter(CaseVisitRow.client_id == wednesday):
            v.promised_start = v.promised_start.replace(hour=5, minute=0)
            v.promised_end = v.promised_start.replace(hour=5, minute=30)
    out = tmp_path / "korrektur"
    res = _letters(planned_week.plan_id, db, out, "--correction",
                   today=MONDAY + timedelta(days=1))
    assert res.exit_code == 0, res.output
    line = (f"Absage kommt zu spät für den angekündigten Besuch am Mi, 09.12.2026 "
            f"({wednesday}): bitte anrufen und absagen.")
    assert line in _flat(res.output)
    assert "Achtung: 1 Brief kommt per Post zu spät (Brief vom Di, 08.12.2026, Postlaufzeit 2 " \
           "Werktage: im Briefkasten am Do, 10.12.2026;" in _flat(res.output)
    assert line in _flat((out / "LIESMICH.txt").read_text(encoding="utf-8"))
    assert (out / f"korrektur_{wednesday}.pdf").is_file()


@pytest.mark.parametrize(("days", "dated", "arrives"), [
    (2, date(2026, 12, 4), date(2026, 12, 8)),     # Friday: Monday, Tuesday
    (2, date(2026, 12, 23), date(2026, 12, 28)),   # Christmas holidays in between
    (0, date(2026, 12, 4), date(2026, 12, 4)),     # 0: no check
    (3, date(2026, 12, 5), date(2026, 12, 9)),     # a Saturday's letter
])
def test_the_post_counts_working_days_of_the_profile(days, dated, arrives):
    from hausbesuch.config import load_profile
    from hausbesuch.letters import arrival_day

    profile = load_profile("bad-hersfeld")
    profile = profile.model_copy(update={
        "brief": profile.brief.model_copy(update={"postlaufzeit_werktage": days})})
    assert arrival_day(profile, dated) == arrives


def test_the_delivery_time_is_checked_in_the_profile(tmp_path):
    from hausbesuch.config import PROFILE_DIR, LetterSettings, load_profile
    from hausbesuch.errors import ProfileError

    assert LetterSettings().postlaufzeit_werktage == 2
    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    bad = tmp_path / "post.toml"
    bad.write_text(text.replace("[brief]\n", "[brief]\npostlaufzeit_werktage = -1\n", 1),
                   encoding="utf-8")
    with pytest.raises(ProfileError, match="postlaufzeit_werktage"):
        load_profile(str(bad))
    bad.write_text(text.replace("[brief]\n", "[brief]\npostlaufzeit_werktage = 3\n", 1),
                   encoding="utf-8")
    assert load_profile(str(bad)).brief.postlaufzeit_werktage == 3
