"""A re-plan from a past moment, and what report.csv says of a failed try.

A small week on Bad Hersfeld through the commands (real SQLite, the real extract): one team
that may make two visits a day, sixteen cases, so that the plan has a „Nicht eingeplant“
list (the days are full).

QA 31 (closing notes): ``replan --from`` a moment before today (Tuesday 10:00, run on
Thursday) planned cases of the old plan's „Nicht eingeplant“ list into Wednesday, a day
already over; new cases and revisits were planned from today on, as ``plan`` plans, the
old plan's list was not. And report.csv said „weiterer Besuch im Plan: …“ of a case whose
only visit in the plan was the failed try already made, though no further visit was
planned.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow

MONDAY = date(2026, 12, 7)
TEAMS = '[defaults]\nmax_besuche = 2\n\n[[team]]\nid = "team-1"\n'


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path):
    """(the database as planned, the plan): sixteen cases, a week of one team with two
    visits a day."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from tests.planning_fixtures import real_addresses
    from tests.test_casework_store import write_list

    d = tmp_path_factory.mktemp("vergangen")
    write_list(d / "kunden.csv",
               random.Random(5).sample(real_addresses(load_index(bad_hersfeld_pbf)), 16))
    (d / "teams.toml").write_text(TEAMS, encoding="utf-8")
    db = str(d / "woche.sqlite")
    cli = ClockedCli(MONDAY - timedelta(days=3))
    cli.ok("import", str(d / "kunden.csv"), *city_db(db))
    cli.ok("plan", *city_db(db), "--start", MONDAY.isoformat(), "--days", "5", "--teams",
           str(d / "teams.toml"), "--out", str(d / "v1"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    assert {r.day for r in plan.routes} == {MONDAY + timedelta(days=k) for k in range(5)}
    assert all(len(r.stops) == 2 for r in plan.routes), plan.routes
    waiting = [u for u in plan.unassigned if u.code != "pin_unknown_team"]
    assert len(waiting) >= 2, plan.unassigned  # (the days are full)
    return db, plan


def _copy(week, tmp_path: Path) -> str:  # noqa: ANN001
    db = str(tmp_path / "kopie.sqlite")
    shutil.copy(week[0], db)
    return db


def _report(folder: Path) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in csv.DictReader(io.StringIO(
        (folder / "report.csv").read_text(encoding="utf-8-sig")), delimiter=";")}


def test_a_replan_from_a_past_moment_plans_the_old_list_from_today_on(week, tmp_path):
    """Re-planned on Thursday from Tuesday 10:00: Wednesday's two cases were closed since,
    so Wednesday has room. None of the cases of the old „Nicht eingeplant“ list is planned
    before the moment, nor on a day already over (Wednesday, Thursday is today); the
    visits kept before the moment stay as they were."""
    from hausbesuch.store import Store

    db = _copy(week, tmp_path)
    plan = week[1]
    tuesday, wednesday, thursday = (MONDAY + timedelta(days=k) for k in (1, 2, 3))
    moment = datetime.combine(tuesday, datetime.min.time()).replace(hour=10)
    on_thursday = ClockedCli(thursday)
    for r in plan.routes:
        if r.day == wednesday:
            for s in r.stops:
                on_thursday.ok("status", s.client_id, "--set", "abgeschlossen", "--reason",
                               "verzogen", *city_db(db))
    on_thursday.ok("replan", plan.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out",
                   str(tmp_path / "v2"), "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
    assert new.predecessor_id == plan.id
    listed = {u.client_id for u in plan.unassigned}
    added = [(r.day, s.client_id, s.start) for r in new.routes for s in r.stops
             if s.client_id in listed]
    assert added  # (the list's cases are planned from the moment on: checked below)
    assert all(at >= moment for _, _, at in added), added
    # (QA 31: two of them were planned into Wednesday, with Thursday as today)
    midnight = datetime.combine(thursday, datetime.min.time())
    assert all(at >= midnight for _, _, at in added), added
    # the visits before the moment as they were
    before = {(r.day, s.visit_id, s.start) for r in plan.routes for s in r.stops
              if s.start < moment}
    assert before and before <= {(r.day, s.visit_id, s.start) for r in new.routes
                                 for s in r.stops}
    # a case of the list left out says so (Wednesday is no day for it any more)
    for cid in listed - {cid for _, cid, _ in added}:
        assert cid in {u.client_id for u in new.unassigned}, cid


def test_report_names_no_further_visit_for_a_failed_try_alone(week, tmp_path):
    """Thursday's first visit ends „nicht angetroffen“; re-planned on Friday, its revisit
    may come on Monday at the earliest, after the plan: its report.csv row is „nicht
    eingeplant“ saying so, and names no „weiterer Besuch im Plan“ (it named the failed try
    of Thursday as one, though the plan holds no further visit)."""
    from openpyxl import load_workbook

    from hausbesuch.store import Store

    db = _copy(week, tmp_path)
    plan = week[1]
    thursday, friday = MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)
    failed = min((s for r in plan.routes if r.day == thursday for s in r.stops),
                 key=lambda s: s.start)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{failed.client_id};{failed.start:%d.%m.%Y};{failed.start:%H:%M};"
                    "Nicht angetroffen\n", encoding="utf-8")
    on_friday = ClockedCli(friday)
    assert "1 erfasst" in on_friday.ok("outcomes", str(rows), *city_db(db))
    on_friday.ok("replan", plan.id, "--from", f"{friday:%Y-%m-%d} 07:00", "--out",
                 str(tmp_path / "v2"), "--time-limit", "2", "--threads", "1", *city_db(db))
    row = _report(tmp_path / "v2")[failed.client_id]
    assert row["status"] == "nicht_eingeplant", row
    # the try is named as made, as the pages say it (the day with its weekday)
    assert row["grund"] == (
        "Wiederholungsbesuch frühestens Mo, 14.12.2026 – nach diesem Plan (bis Fr, "
        "11.12.2026); kommt in den nächsten Plan; Besuch im Plan am Do, 10.12.2026 (Team "
        f"team-1): erledigt {failed.start:%H:%M} Uhr: Nicht angetroffen"), row
    # the workbook's „Bericht“ (``export``) says the same as report.csv (it said
    # „weiterer Besuch im Plan“ of the try: ``export`` did not read the outcomes)
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld").id
    on_friday.ok("export", v2, "--format", "xlsx", "--out", str(tmp_path / "plan.xlsx"),
                 "--db", db)
    sheet = load_workbook(tmp_path / "plan.xlsx")["Bericht"]
    why = [c.value for c in sheet[1]].index("Grund")
    bericht = {r[1]: r[why] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert bericht[failed.client_id] == row["grund"]
