"""Re-plan findings of QA 33 (issue 12 and issue 15 audits), through the command line on a
real SQLite store with the real Bad Hersfeld extract (the module plan of
:mod:`tests.test_casework_store`: team-1 and team-2, 08:00–16:00, Mo 07.12.2026 to Fr
11.12.2026):

- QA 33a F6: ``replan --without-team`` on a day the team does not work (a holiday, the
  weekend, a day entered as absent, after its shift) stored a version announcing the
  removal; now refused, nothing stored.

The others on a plan of their own (:func:`week`): three teams by car stored with
``teams --set``, 20 clients pinned to the first day, far ahead (2098: a plan's
``created_at`` is the real clock, which then lies before every moment, as in an exercise
with ``HAUSBESUCH_HEUTE``):

- QA 33a F8: ``report.csv`` of a re-planned version listed a visit made as plain
  „geplant“; now it says „erledigt 09:00 Uhr: Angetroffen“, as the pages.
- QA 33a F9: with ``HAUSBESUCH_HEUTE`` set, a re-plan's texts took the real clock's
  creation time for when it was made: a visit kept before the moment (or one done) got
  „festgelegte Zeit … außerhalb des Zeitfensters“, and a case not planned before today
  „liegt vor der Neuplanung ab Mi, …, 00:00 Uhr“.
- QA 33a F2: a re-plan kept the plan's teams and ignored, without a word, the city's
  teams changed since (``teams --set``); now it takes over a day no longer worked and a
  shorter shift from the day after its moment, and names what it cannot take over.
- QA 33b F7: a team taken out for the day was told it had „0 der 16 eingeplanten
  Besuche (nach seiner Arbeitszeit etwa 4)“ by its working time on days none of them
  could go to.
"""

from __future__ import annotations

import csv
import random
import shutil
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from hausbesuch.cli import app
from tests.cli_helpers import ClockedCli
from tests.planning_fixtures import real_addresses
from tests.test_casework_store import (  # noqa: F401 - the fixtures
    START,
    _common,
    _copy_of,
    base,
    ok,
    planned,
)


def _versions(db: str) -> list[str]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return sorted(p.id for p in store.list_plans("Bad Hersfeld"))


def test_without_team_on_a_day_it_does_not_work_is_refused(planned, tmp_path):  # noqa: F811
    """QA 33a F6: a team taken out on a day it is entered as absent, or after its shift,
    is refused naming the day and why (exit 2), and no version is stored; on a day it
    works, the removal goes through as before."""
    db, v1, _ = _copy_of(planned, tmp_path, "frei.sqlite")
    wed = START + timedelta(days=2)
    ok("absence", "add", "team-1", f"{wed:%d.%m.%Y}", *_common(db))
    before = _versions(db)
    cli = ClockedCli(START + timedelta(days=14))
    for at, team, why in (
            (f"{wed} 11:30", "team-1", "Team team-1 arbeitet am Mi, 09.12.2026 nicht (als "
             "abwesend eingetragen); da ist nichts abzumelden. Nichts gespeichert."),
            (f"{START + timedelta(days=1)} 17:00", "team-2", "Team team-2 arbeitet am Di, "
             "08.12.2026 nur bis 16:00 Uhr; da ist nichts abzumelden. Nichts gespeichert.")):
        res = cli.runner.invoke(app, ["replan", v1.id, "--from", at, "--without-team", team,
                                      "--out", str(tmp_path / "v2"), "--time-limit", "1",
                                      *_common(db)])
        assert res.exit_code == 2, res.output
        assert why in " ".join(res.output.split()), res.output
        assert _versions(db) == before
    # the other team on that day is taken out
    out = cli.ok("replan", v1.id, "--from", f"{wed} 11:30", "--without-team", "team-2",
                 "--out", str(tmp_path / "v2"), "--time-limit", "1", *_common(db))
    assert "Team team-2 ist am Mi, 09.12.2026 ab 11:30 Uhr für den Rest des Tages" in out


#: The plan's first day (a Monday far ahead, see the module's doc) and its teams.
DAY = date(2098, 3, 3)
TEAMS = """[defaults]
schicht = "8:00-16:00"
mittag = "12:00-13:30"
mittag_dauer = 30
modus = "drive"

[[team]]
id = "team-1"

[[team]]
id = "team-2"

[[team]]
id = "team-3"
"""
LIST_HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
               "Kontaktabbruch seit", "Zeitfenster", "Besuchsdauer", "Team", "Datum", "Uhrzeit"]


def _write_list(path: Path, addrs, n: int,  # noqa: ANN001
                pins: dict[str, tuple[str, str, str]] | None = None) -> None:
    """``n`` clients, 20 minutes each, pinned to :data:`DAY` (but those in ``pins``: case
    id -> team, day, time, all three may be empty): W-000 to team-1 at 10:00 outside its
    window (14-16), W-001 with that window."""
    pins = pins or {}
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(LIST_HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs[:n]):
            cid = f"W-{i:03d}"
            window = "Mo-Fr 14-16" if i in (0, 1) else ""
            team, day, at = pins.get(cid, (("team-1", f"{DAY:%d.%m.%Y}", "10:00") if i == 0
                                           else ("", f"{DAY:%d.%m.%Y}", "")))
            w.writerow([cid, f"Geheim W{i}", street, hn, pc, town or "Bad Hersfeld",
                        "01.03.2097", window, "20", team, day, at])


@pytest.fixture(scope="module")
def week(tmp_path_factory, bad_hersfeld_pbf):
    """The plan of :data:`DAY` to two days after it (as made the day before): its
    database (kept pristine: each test works on a copy), the plan, the addresses."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    d = tmp_path_factory.mktemp("qa33")
    addrs = random.Random(33).sample(real_addresses(load_index(bad_hersfeld_pbf)), 30)
    _write_list(d / "kunden.csv", addrs, 20)
    (d / "teams.toml").write_text(TEAMS, encoding="utf-8")
    db = str(d / "week.sqlite")
    cli = ClockedCli(DAY - timedelta(days=1))
    cli.ok("teams", "--set", str(d / "teams.toml"), *_common(db))
    cli.ok("import", str(d / "kunden.csv"), *_common(db))
    cli.ok("plan", *_common(db), "--start", DAY.isoformat(), "--days", "3", "--out",
           str(d / "v1"), "--time-limit", "3", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    return db, plan, addrs


def _week_copy(week, tmp_path: Path, name: str) -> str:  # noqa: ANN001
    db = str(tmp_path / name)
    shutil.copy(week[0], db)
    return db


def _stop(plan, cid: str):  # noqa: ANN001, ANN202
    return next(s for r in plan.routes for s in r.stops if s.client_id == cid)


def _report(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "report.csv", encoding="utf-8-sig") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def test_a_replan_on_the_exercise_day_says_what_was_done(week, tmp_path):
    """QA 33a F8 and F9, on the exercise day (``HAUSBESUCH_HEUTE`` = the plan's first
    day), re-planned from 11:30: W-001 (window 14-16), planned for the afternoon, was
    visited at 11:15 and nobody was in; W-002 was found at home. Neither is „festgelegt“,
    and report.csv says of W-002 that its visit was made, with its outcome."""
    db = _week_copy(week, tmp_path, "heute.sqlite")
    plan = week[1]
    assert _stop(plan, "W-001").start.hour >= 14
    done = _stop(plan, "W-002")
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"W-001;{DAY:%d.%m.%Y};11:15;nicht angetroffen\n"
                    f"W-002;{DAY:%d.%m.%Y};{done.start:%H:%M};angetroffen\n",
                    encoding="utf-8")
    cli = ClockedCli(DAY)
    assert "2 erfasst" in cli.ok("outcomes", str(rows), *_common(db))
    out = cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", "--out", str(tmp_path / "v2"),
                 "--time-limit", "2", *_common(db))
    assert "W-001 (" not in out, out
    report = _report(tmp_path / "v2")
    assert "festgelegte Zeit" not in report["W-001"]["grund"], report["W-001"]
    assert report["W-002"]["status"] == "geplant"
    assert report["W-002"]["grund"].startswith(
        f"erledigt {done.start:%H:%M} Uhr: Angetroffen"), report["W-002"]


def test_a_replan_from_yesterday_names_its_moment_and_today(week, tmp_path):
    """QA 33a F9, the day after (``HAUSBESUCH_HEUTE``), re-planned from the first day
    11:30: W-000's visit at 10:00, kept, is what happened (no note of a time outside its
    window, as the plan had); a case imported since, pinned to that first day, is not
    planned into a day over, and its reason says that (not „vor der Neuplanung ab …,
    00:00 Uhr“)."""
    db = _week_copy(week, tmp_path, "gestern.sqlite")
    plan, addrs = week[1], week[2]
    assert any(w.startswith("W-000 (team-1") for w in _plan_notes(plan))
    _write_list(tmp_path / "neu.csv", addrs, 21)
    cli = ClockedCli(DAY + timedelta(days=1))
    cli.ok("import", str(tmp_path / "neu.csv"), *_common(db))
    out = cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", "--out", str(tmp_path / "v2"),
                 "--time-limit", "2", *_common(db))
    assert "W-000 (" not in out and "festgelegte Zeit" not in out, out
    report = _report(tmp_path / "v2")
    assert "festgelegte Zeit" not in report["W-000"]["grund"], report["W-000"]
    assert report["W-020"]["grund"] == (
        "Datum laut Liste am Mo, 03.03.2098 liegt vor heute (Di, 04.03.2098); vergangene "
        "Tage plant die Neuplanung nicht neu."), report["W-020"]


def _plan_notes(plan) -> list[str]:  # noqa: ANN001
    from hausbesuch.planning.report import plan_notes

    return plan_notes(plan)


def test_a_team_taken_out_for_the_day_is_not_said_to_get_too_few(week, tmp_path):
    """QA 33b F7: every visit is pinned to the first day; re-planned before it began
    without team-3, the other two take them. team-3's next days could take none of them:
    no note that it got too few of them by its working time."""
    db = _week_copy(week, tmp_path, "ohne.sqlite")
    out = ClockedCli(DAY).ok("replan", week[1].id, "--from", f"{DAY} 07:00",
                             "--without-team", "team-3", "--out", str(tmp_path / "v2"),
                             "--time-limit", "2", *_common(db))
    report = _report(tmp_path / "v2")
    served = [r for r in report.values() if r["status"] == "geplant"]
    assert len(served) >= 12 and {r["team"] for r in served} == {"team-1", "team-2"}
    assert "eingeplanten Besuche (nach seiner Arbeitszeit" not in out, out


def test_a_replan_takes_over_the_citys_changed_teams_where_it_can(week, tmp_path):
    """QA 33a F2: after the plan, the city's teams change (``teams --set``): team-2 works
    Mondays only, team-3 until 12:00, a team-4 comes. A re-plan from Monday 11:30 (with
    ten cases imported since, free to go on any day, five pinned to Tuesday: to team-2,
    to team-3 at 14:00, to team-3, and two to no team) plans no tour of team-2 on Tuesday and Wednesday, and none of
    team-3 after 12:00 on those days, and says so; the new team is named as not taken over (a version keeps the plan's teams). The note is stored with
    the version (the web's plan page shows it)."""
    from hausbesuch.store import Store

    db = _week_copy(week, tmp_path, "teams.sqlite")
    plan, addrs = week[1], week[2]
    tue = DAY + timedelta(days=1)
    (tmp_path / "teams.toml").write_text(
        TEAMS.replace('id = "team-2"', 'id = "team-2"\ntage = "Mo"')
        .replace('id = "team-3"', 'id = "team-3"\nschicht = "8:00-12:00"')
        + '\n[[team]]\nid = "team-4"\n', encoding="utf-8")
    cli = ClockedCli(DAY)
    cli.ok("teams", "--set", str(tmp_path / "teams.toml"), *_common(db))
    free = {f"W-{i:03d}": ("", "", "") for i in range(20, 30)}
    free["W-020"] = ("team-2", f"{tue:%d.%m.%Y}", "")
    free["W-021"] = ("team-3", f"{tue:%d.%m.%Y}", "14:00")
    free["W-022"] = ("team-3", f"{tue:%d.%m.%Y}", "")
    free["W-023"] = free["W-024"] = ("", f"{tue:%d.%m.%Y}", "")
    _write_list(tmp_path / "neu.csv", addrs, 30, free)
    cli.ok("import", str(tmp_path / "neu.csv"), *_common(db))
    out = cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", "--out", str(tmp_path / "v2"),
                 "--time-limit", "2", *_common(db))
    note = (
        "Die Teams der Stadt weichen von denen des Plans ab. Diese Neuplanung übernimmt "
        "davon: Team team-2 arbeitet nur noch Mo (im Plan Mo–Fr): ohne Tour am Di, "
        "04.03.2098, Mi, 05.03.2098; Team team-3: Schicht 08:00–12:00 (im Plan "
        "08:00–16:00). Nicht übernommen (eine Neuplanung behält die Teams des Plans; erst "
        "ein neuer Plan nutzt sie): Team team-4 (neu). Am Mo, 03.03.2098 selbst gilt noch "
        "der Plan: ein Team, das nicht mehr arbeitet, beim Neu planen abmelden "
        "(hausbesuch replan … --without-team TEAM).")
    assert f"Hinweis: {note}" in out, out
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld")
    assert v2.version == 2 and note in v2.warnings
    later = [(r.team_id, s) for r in v2.routes if r.day > DAY for s in r.stops]
    assert {s.client_id for _, s in later} >= {"W-022", "W-023", "W-024"}, later
    assert not [s for team, s in later if team == "team-2"], later
    assert all(s.end.hour * 60 + s.end.minute <= 12 * 60 for team, s in later
               if team == "team-3"), later
    report = _report(tmp_path / "v2")
    assert report["W-020"]["status"] == "nicht_eingeplant"
    # the cause and what to do, the teams working that day named (QA 33c L5)
    assert report["W-020"]["grund"] == (
        "Festlegung laut Liste (Team team-2, Di, 04.03.2098): Team „team-2“ arbeitet laut "
        "den Teams der Stadt nur noch Mo (seit dem Plan geändert). Bitte die Festlegung "
        "aufheben, ein anderes Team (team-1, team-3) oder einen anderen Tag festlegen."), \
        report["W-020"]
    assert {u.client_id: u.code for u in v2.unassigned}["W-020"] == "pin_team_changed"
    assert report["W-021"]["status"] == "nicht_eingeplant", report["W-021"]
    assert "Team „team-3“ arbeitet am Di, 04.03.2098 bis 12:00 Uhr" in report["W-021"]["grund"]


def _changes(plan_team, city_team, moment):
    """:func:`_city_team_changes` for one team over Mo 07.12.2026 to Fr 11.12.2026 (HE)."""
    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.planning.builder import Span
    from hausbesuch.planning.workflow import _city_team_changes

    return _city_team_changes([plan_team], [city_team],
                              Span(date(2026, 12, 7), 5, WorkCalendar("HE")), moment)


def test_a_city_shift_outside_the_plans_leaves_the_team_without_tour():
    """Review 33 #1: a city shift of 13–17 against the plan's 08–12 became an inverted
    window (13:00–12:00), the team-days were dropped without a reason and the note said
    „Schicht 13:00–12:00“. Now the days are removed with a reason, and the note says so."""
    from datetime import datetime

    from hausbesuch.teams import TeamConfig

    plan = TeamConfig("team-1", shift_start_min=8 * 60, shift_end_min=12 * 60,
                      lunch_window=None, lunch_min=0)
    out, [note] = _changes(plan, replace(plan, shift_start_min=13 * 60,
                                         shift_end_min=17 * 60), datetime(2026, 12, 8, 10))
    assert sorted(out) == [("team-1", 2), ("team-1", 3), ("team-1", 4)]
    assert all(ov.removed and "ohne Überschneidung" in ov.why for ov in out.values())
    assert out[("team-1", 2)].why == ("hat laut den Teams der Stadt jetzt die Schicht "
                                      "13:00–17:00, ohne Überschneidung mit der des Plans "
                                      "(08:00–12:00)")
    assert "13:00–12:00" not in note
    assert ("Diese Neuplanung übernimmt davon: Team team-1 hat jetzt die Schicht 13:00–17:00 "
            "(im Plan 08:00–12:00, keine Überschneidung): ohne Tour am Mi, 09.12.2026, Do, "
            "10.12.2026, Fr, 11.12.2026.") in note, note


def test_changed_districts_of_the_citys_teams_are_named_as_not_taken_over():
    """Review 33 #2: a city team given other districts (``stadtteile``) since the plan
    was not named among what a re-plan does not take over."""
    from datetime import datetime

    from hausbesuch.teams import TeamConfig

    plan = TeamConfig("team-1", districts=("Hohe Luft",))
    out, [note] = _changes(plan, replace(plan, districts=("Bad Hersfeld",)),
                           datetime(2026, 12, 8, 10))
    assert out == {}
    assert ("Nicht übernommen (eine Neuplanung behält die Teams des Plans; erst ein neuer "
            "Plan nutzt sie): Team team-1: Stadtteile.") in note, note
    # the same districts in another order are no change
    both = replace(plan, districts=("Hohe Luft", "Bad Hersfeld"))
    assert _changes(both, replace(both, districts=("Bad Hersfeld", "Hohe Luft")),
                    datetime(2026, 12, 8, 10)) == ({}, [])


def test_the_moments_day_is_named_only_within_the_plans_days():
    """Review 33 #14: „Am … selbst gilt noch der Plan“ was said for a moment before the
    plan's first day, which is no day of the plan."""
    from datetime import datetime

    from hausbesuch.teams import TeamConfig

    plan = TeamConfig("team-1")
    city = replace(plan, shift_end_min=14 * 60)
    _, [inside] = _changes(plan, city, datetime(2026, 12, 8, 10))
    assert "Am Di, 08.12.2026 selbst gilt noch der Plan" in inside, inside
    out, [before] = _changes(plan, city, datetime(2026, 12, 4, 10))
    assert len(out) == 5 and "übernimmt davon: Team team-1: Schicht 08:00–14:00" in before
    assert "selbst gilt noch der Plan" not in before, before


def test_unknown_districts_of_a_plans_teams_refuse_a_replan_with_its_own_advice():
    """Review 33 #2: a re-plan whose plan's teams name districts the city's districts no
    longer have was told to fix the teams file or page, which a re-plan does not read."""
    from hausbesuch.errors import UserError
    from hausbesuch.planning.builder import _responsible_teams
    from hausbesuch.teams import TeamConfig

    teams = [TeamConfig("nord", districts=("Altstadt",))]
    city = ("Bad Hersfeld", ["Bad Hersfeld", "Hohe Luft"])
    with pytest.raises(UserError) as new:
        _responsible_teams(teams, city)
    assert "Teams-Datei" in str(new.value)
    with pytest.raises(UserError) as again:
        _responsible_teams(teams, city, replan=True)
    said = str(again.value)
    assert "Team „nord“: Stadtteil „Altstadt“ gibt es in Bad Hersfeld nicht" in said
    assert "Teams-Datei" not in said and "teams --set" not in said
    assert "Bitte einen neuen Plan erstellen" in said and "Bezirke wiederherstellen" in said


def test_a_pin_to_a_team_taken_out_says_so_and_what_to_do(planned, tmp_path):  # noqa: F811
    """QA 33c L5: P002 is pinned (list) to team-1 on Wednesday; the coordinator re-plans
    from Wednesday 08:37 taking team-1 out (*Team abmelden*), then from 08:40 taking team-2
    out too. The pinned case read „Im erlaubten Zeitraum (Mi, …) hat kein Team eine
    Schicht“ (or, with team-2 at work, that team-1 „fällt … aus“) and nothing of what to
    do; now the reason names the removal and what to do: take the pin back, pin another
    team (named while one works that day) or day, or bring the team back."""
    from hausbesuch.store import Store

    db, v1, _ = _copy_of(planned, tmp_path, "abgemeldet.sqlite")
    wed = START + timedelta(days=2)
    cli = ClockedCli(START + timedelta(days=14))
    head = ("Festlegung laut Liste (Team team-1, Mi, 09.12.2026): Team „team-1“ ist am Mi, "
            "09.12.2026 ab 08:37 Uhr für den Rest des Tages abgemeldet (Neuplanung). ")
    back = (", oder Team team-1 beim Neu planen wieder einplanen (im Web „Team wieder "
            "einplanen“, sonst hausbesuch replan … --with-team team-1).")
    plan_id = v1.id
    for at, team, todo in (
            ("08:37", "team-1", "Bitte die Festlegung aufheben, ein anderes Team (team-2) "
                                "oder einen anderen Tag festlegen"),
            ("08:40", "team-2", "An dem Tag arbeitet auch kein anderes Team: bitte die "
                                "Festlegung aufheben oder einen anderen Tag festlegen")):
        out = tmp_path / f"ohne-{team}"
        cli.ok("replan", plan_id, "--from", f"{wed} {at}", "--without-team", team,
               "--out", str(out), "--time-limit", "1", *_common(db))
        with Store.open(db) as store:
            plan = store.latest_plan("Bad Hersfeld")
        pinned = {u.client_id: u for u in plan.unassigned}["P002"]
        assert (pinned.code, pinned.reason) == ("pin_team_out", head + todo + back), pinned
        assert _report(out)["P002"]["grund"] == head + todo + back
        plan_id = plan.id


def test_a_web_pin_to_a_team_the_city_no_longer_has(week, tmp_path, monkeypatch):
    """QA 33c L5, its sibling: a case planned for Monday afternoon is pinned in the web
    (the pin form's function) to team-3 on Tuesday; then the city's teams lose team-3.
    The re-plan from Monday 11:30 has no tour of team-3 from Tuesday on, and the pinned
    case says why and what to do: another team (those working that day named) or another
    day (team-3 still works the rest of Monday: the plan holds on the moment's day), and
    no way to bring the team back but the city's teams. Taken out for the rest of Monday
    too, team-3 has no other day: that choice is not offered."""
    from hausbesuch import clock
    from hausbesuch.store import Store
    from hausbesuch.web.casework_api import pin_visit

    db = _week_copy(week, tmp_path, "weg.sqlite")
    plan = week[1]
    tue = DAY + timedelta(days=1)
    cid = min(s.client_id for r in plan.routes for s in r.stops
              if r.day == DAY and s.start.hour >= 12 and s.client_id not in ("W-000", "W-001"))
    monkeypatch.setenv(clock.ENV, (DAY - timedelta(days=1)).isoformat())
    with Store.open(db) as store:
        assert pin_visit(store, "Bad Hersfeld", "kora", cid, plan.id, team="team-3",
                         day=tue, minutes=None) is None
    (tmp_path / "teams.toml").write_text(TEAMS[:TEAMS.index('\n[[team]]\nid = "team-3"')],
                                         encoding="utf-8")
    cli = ClockedCli(DAY)
    cli.ok("teams", "--set", str(tmp_path / "teams.toml"), *_common(db))
    said = ("Festlegung im Web (Team team-3, Di, 04.03.2098): Team „team-3“ gehört seit dem "
            "Plan nicht mehr zu den Teams der Stadt. Bitte die Festlegung aufheben")
    for without, todo in (((), ", ein anderes Team (team-1, team-2) oder einen anderen Tag "
                                "festlegen."),
                          (("--without-team", "team-3"),
                           " oder ein anderes Team (team-1, team-2) festlegen.")):
        copy = str(tmp_path / f"weg{len(without)}.sqlite")
        shutil.copy(db, copy)
        cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", *without, "--out",
               str(tmp_path / f"v{len(without)}"), "--time-limit", "1", *_common(copy))
        with Store.open(copy) as store:
            v2 = store.latest_plan("Bad Hersfeld")
        assert not [r for r in v2.routes if r.team_id == "team-3" and r.day > DAY and r.stops]
        pinned = {u.client_id: u for u in v2.unassigned}[cid]
        assert (pinned.code, pinned.reason) == ("pin_team_changed", said + todo), pinned


def test_letters_keep_to_a_shorter_shift_a_replan_took_over(week, tmp_path, monkeypatch):
    """Closing 33: a re-plan that takes over a shorter shift of the city's teams (team-3
    until 12:00 from Tuesday) plans to it, but the letters kept the announced window
    within the plan's shift (until 16:00): a visit at 11:30 was announced for
    10:30–12:30, after the team's day ends. Now the window ends with the shift the
    version planned with (10:00–12:00). A re-plan from Tuesday 09:00 keeps what the
    version before took over for Tuesday (the moment's day keeps the plan's shifts, and
    that plan is the version's): team-3 until 12:00, and team-2, which works Mondays only
    now, no tour: cases pinned to them then are not planned (before, both got Tuesday
    whole again)."""
    from hausbesuch.letters import announcements
    from hausbesuch.store import Store

    db = _week_copy(week, tmp_path, "kurz.sqlite")
    plan, addrs = week[1], week[2]
    tue = DAY + timedelta(days=1)
    (tmp_path / "teams.toml").write_text(
        TEAMS.replace('id = "team-2"', 'id = "team-2"\ntage = "Mo"')
        .replace('id = "team-3"', 'id = "team-3"\nschicht = "8:00-12:00"'),
        encoding="utf-8")
    cli = ClockedCli(DAY)
    cli.ok("teams", "--set", str(tmp_path / "teams.toml"), *_common(db))
    free = {f"W-{i:03d}": ("", f"{tue:%d.%m.%Y}", "") for i in range(20, 30)}
    free["W-020"] = ("team-3", f"{tue:%d.%m.%Y}", "11:30")
    free["W-021"] = ("team-2", f"{tue:%d.%m.%Y}", "")
    free["W-022"] = ("team-3", f"{tue:%d.%m.%Y}", "14:00")
    _write_list(tmp_path / "neu.csv", addrs, 30, free)
    cli.ok("import", str(tmp_path / "neu.csv"), *_common(db))
    plan_id = plan.id
    for at in (f"{DAY} 11:30", f"{tue} 09:00"):
        cli.ok("replan", plan_id, "--from", at, "--out", str(tmp_path / at[-5:-3]),
               "--time-limit", "1", *_common(db))
        with Store.open(db) as store:
            new = store.latest_plan("Bad Hersfeld")
        assert _stop(new, "W-020").start == datetime.combine(tue, time(11, 30))
        (a,) = announcements(new, clients=["W-020"])
        assert a.window == (datetime.combine(tue, time(10)), datetime.combine(tue, time(12)))
        tuesday = [(r.team_id, s) for r in new.routes if r.day == tue for s in r.stops]
        assert not [s for team, s in tuesday if team == "team-2"], tuesday
        assert all(s.end <= datetime.combine(tue, time(12)) for team, s in tuesday
                   if team == "team-3"), tuesday
        left = {u.client_id: u.reason for u in new.unassigned}
        assert "nur noch Mo (seit dem Plan geändert)" in left["W-021"], left
        assert "W-022" in left, tuesday
        plan_id = new.id
    # the web's pin form of that version keeps to the shorter shift too (before, 14:00
    # was taken as within team-3's 08:00–16:00)
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.web.pages_plans import _pin_input, _Refused

    monkeypatch.setenv(clock.ENV, DAY.isoformat())
    refused = pytest.raises(_Refused, match="außerhalb der Arbeitszeit von „team-3“ "
                            r"\(08:00–12:00 Uhr\)")
    with Store.open(db) as store, refused:
        _pin_input(new, load_profile("bad-hersfeld"), "W-025", f"team-3|{tue}", "14:00", store)
    # and an outcome's time is checked against it (with its hour of leeway): 13:30 is not
    # in team-3's day that Tuesday (before: within 08:00–16:00)
    (tmp_path / "erg.csv").write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                                      f"W-020;{tue:%d.%m.%Y};13:30;nicht angetroffen\n",
                                      encoding="utf-8")
    code, out = ClockedCli(tue + timedelta(days=1)).invoke(
        "outcomes", str(tmp_path / "erg.csv"), *_common(db))
    assert code == 2 and "außerhalb der Arbeitszeit von „team-3“ (08:00–12:00 Uhr" in out, out


def test_without_team_keeps_to_the_shift_an_earlier_replan_took_over(week, tmp_path):
    """Review 34 #9: a re-plan from Monday took over the city's changed teams for Tuesday
    (team-3 until 12:00, team-2 without tour: it works Mondays only now) and stored them
    with its version. A second re-plan on Tuesday at 13:00 taking out team-3 or team-2
    would take out nothing: refused naming the shift the version planned with and the
    reason stored for the team-day without tour (before, the plan's 08:00–16:00 was read
    and a version stored); team-1 is taken out as before."""
    from hausbesuch.store import Store
    from hausbesuch.teams import plan_shift, team_day_off

    db = _week_copy(week, tmp_path, "zweimal.sqlite")
    plan = week[1]
    tue = DAY + timedelta(days=1)
    (tmp_path / "teams.toml").write_text(
        TEAMS.replace('id = "team-2"', 'id = "team-2"\ntage = "Mo"')
        .replace('id = "team-3"', 'id = "team-3"\nschicht = "8:00-12:00"'),
        encoding="utf-8")
    cli = ClockedCli(DAY)
    cli.ok("teams", "--set", str(tmp_path / "teams.toml"), *_common(db))
    cli.ok("replan", plan.id, "--from", f"{DAY} 11:30", "--out", str(tmp_path / "v2"),
           "--time-limit", "1", *_common(db))
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld")
        before = _versions(db)
    # the stored team-days as the pin form and the letters read them: team-3 until 12:00,
    # team-2 none (before, plan_shift gave team-2 the plan's whole shift)
    assert plan_shift(v2.params, "team-3", tue) == (8 * 60, 12 * 60)
    assert plan_shift(v2.params, "team-2", tue) is None
    assert plan_shift(v2.params, "team-2") == (8 * 60, 16 * 60)
    assert team_day_off(v2.params, "team-2", tue) == "arbeitet laut den Teams der Stadt " \
        "nur noch Mo (seit dem Plan geändert)", v2.params.get("team_day_shifts")
    assert team_day_off(v2.params, "team-3", tue) is None
    cli = ClockedCli(tue)
    for team, why in (
            ("team-3", "Team team-3 arbeitet am Di, 04.03.2098 nur bis 12:00 Uhr; da ist "
             "nichts abzumelden. Nichts gespeichert."),
            ("team-2", "Team team-2 arbeitet am Di, 04.03.2098 nicht (arbeitet laut den "
             "Teams der Stadt nur noch Mo (seit dem Plan geändert)); da ist nichts "
             "abzumelden. Nichts gespeichert.")):
        res = cli.runner.invoke(app, ["replan", v2.id, "--from", f"{tue} 13:00",
                                      "--without-team", team, "--out", str(tmp_path / "v3"),
                                      "--time-limit", "1", *_common(db)])
        assert res.exit_code == 2, res.output
        assert why in " ".join(res.output.split()), res.output
        assert _versions(db) == before
    out = cli.ok("replan", v2.id, "--from", f"{tue} 13:00", "--without-team", "team-1",
                 "--out", str(tmp_path / "v3"), "--time-limit", "1", *_common(db))
    assert "Team team-1 ist am Di, 04.03.2098 ab 13:00 Uhr für den Rest des Tages" in out
