"""Session 37 (QA 36, Lauf): a week planned with the profile's two teams printed „3
Team-Tage“ beside „15 nicht eingeplant“, and nothing said that 7 of the 10 team-days
stood empty, nor that none of the 15 failed for want of time: each needed a language
neither team speaks, and the planning packs the others into as few tours as their ways
allow. A new plan that leaves team-days free while open cases stay out now names them
in its notes (terminal, ``index.html``, the web's plan page): how many of the span's
team-days are used, which are free, why, and how many of the cases left out no team
could take for their language (time or not). A plan with every case placed or every
team-day used, and a re-plan, say nothing of it.

Real plans of Lauf through the command line, the clock set a week before the week.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from hausbesuch.fields import format_day
from hausbesuch.planning.report import FREE_TEAM_DAYS_NOTE, free_team_days_note
from hausbesuch.store import Store
from tests.cli_helpers import ClockedCli
from tests.web_fixtures import HEADER

START = date(2027, 1, 11)  # a Monday; no holiday in Bavaria that week
TODAY = date(2027, 1, 4)  # a week before: the letters arrive in time
CITY = "Lauf a.d. Pegnitz"
LANGUAGES = {0: "Türkisch", 1: "Türkisch", 2: "Türkisch", 3: "Farsi"}


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory, lauf_pbf: Path) -> Path:
    """Twelve clients of Lauf, four of them needing a language the profile's teams
    (which have none) do not speak."""
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = real_addresses(load_index(lauf_pbf))[:12]
    path = tmp_path_factory.mktemp("frei") / "kunden.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"L{i:03d}", f"Kunde {i}", street, hn, pc, town or CITY,
                        "01.03.2024", LANGUAGES.get(i, ""), "", "", "", ""])
    return path


def _plan(tmp_path: Path, clients: Path) -> tuple[str, object, str]:
    """Plan the week with the profile's teams: (output, the stored plan, the database)."""
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    out = ClockedCli(TODAY).ok(
        "plan", str(clients), "--city", "lauf", "--start", START.isoformat(),
        "--days", "5", "--out", str(tmp_path / "woche"), "--db", db,
        "--time-limit", "1", "--threads", "1")
    with Store.open(db) as store:
        plan = store.load_plan(store.latest_plan(CITY).id)
    return " ".join(out.split()), plan, db


def _free_notes(notes) -> list[str]:  # noqa: ANN001
    return [n for n in notes if re.match(FREE_TEAM_DAYS_NOTE, n)]


def _team_days() -> list[tuple[str, date]]:
    """The team-days of the week: the profile's two teams, Monday to Friday."""
    return [(t, date.fromordinal(START.toordinal() + k))
            for t in ("team-1", "team-2") for k in range(5)]


def test_a_plan_with_free_team_days_and_cases_left_out_says_which_and_why(
        tmp_path: Path, clients: Path) -> None:
    """The eight cases without a language fit into few team-days of the ten: the note
    counts them, names the free ones by day and team, and says that the four left out
    fail for their language (three Türkisch, one Farsi), not for time; in the command's
    output, the stored plan's notes and ``index.html``."""
    said, plan, _ = _plan(tmp_path, clients)
    assert sorted(u.client_id for u in plan.unassigned) == ["L000", "L001", "L002", "L003"]
    assert {u.code for u in plan.unassigned} == {"skill"}
    used = {(r.team_id, r.day) for r in plan.routes if r.stops}
    assert 0 < len(used) < 10, used
    free: dict[date, list[str]] = {}
    for team, day in _team_days():
        if (team, day) not in used:
            free.setdefault(day, []).append(team)
    shown = "; ".join(f"{format_day(d)} ({', '.join(sorted(ts))})"
                      for d, ts in sorted(free.items()))
    planned = sum(len(r.stops) for r in plan.routes)
    assert planned == 8
    days = f"{len(used)} Team-Tag" if len(used) == 1 else f"{len(used)} Team-Tage"
    (note,) = _free_notes(plan.warnings)
    assert note == (
        f"{len(used)} von 10 Team-Tagen belegt. Frei: {shown}. Die 8 eingeplanten Besuche "
        f"passen in {days}; die Planung fasst die Besuche für kurze Wege zu möglichst "
        "wenigen Touren zusammen. Die 4 nicht eingeplanten Besuche scheitern nicht an der "
        "Zeit der Teams: kein Team spricht ihre Sprache (Türkisch: 3, Farsi: 1). Für die "
        "freien Team-Tage braucht es Teams, die diese Sprachen sprechen (Grund je Fall unter "
        "„Nicht eingeplant“)."), note
    assert f"Hinweis: {note}" in said
    assert note in " ".join((tmp_path / "woche" / "index.html").read_text(
        encoding="utf-8").split())


def test_other_reasons_are_counted_apart_and_no_note_without_cause(
        tmp_path: Path, clients: Path) -> None:
    """Of cases left out for other reasons the note claims nothing but the list's
    reasons; a case not open (its status says why) is not counted. No note when every
    case is placed, or when no team-day is free."""
    _, plan, _ = _plan(tmp_path, clients)
    team_days = _team_days()
    teams = ()  # the profile's teams speak no language
    farsi = next(u for u in plan.unassigned if u.client_id == "L003")
    windows = replace(farsi, code="time_window", reason="Das Zeitfenster …")
    closed = replace(farsi, client_id="L099", code="status_erreicht", reason="Status …")
    mixed = replace(plan, unassigned=[*(u for u in plan.unassigned if u.client_id != "L003"),
                                      windows, closed])
    note = free_team_days_note(mixed, team_days, teams) or ""
    assert ("Von den 4 nicht eingeplanten Besuchen scheitern 3 nicht an der Zeit der Teams: "
            "kein Team spricht ihre Sprache (Türkisch: 3). Für die freien Team-Tage braucht "
            "es Teams, die diese Sprache sprechen (Grund je Fall unter „Nicht eingeplant“). "
            "Zum übrigen: Grund je Fall unter „Nicht eingeplant“.") in note, note
    only_windows = replace(plan, unassigned=[windows, closed])
    note = free_team_days_note(only_windows, team_days, teams) or ""
    assert note.endswith(". Der nicht eingeplante Besuch: Grund je Fall unter „Nicht "
                         "eingeplant“."), note
    assert "Sprache" not in note
    assert free_team_days_note(replace(plan, unassigned=[closed]), team_days, teams) is None
    used = [(r.team_id, r.day) for r in plan.routes]
    assert free_team_days_note(plan, used, teams) is None


def test_a_replan_drops_the_note_of_the_first_version(tmp_path: Path, clients: Path) -> None:
    """The note is of the first version's search; a re-plan does not carry it over."""
    _, plan, db = _plan(tmp_path, clients)
    assert _free_notes(plan.warnings)
    code, out = ClockedCli(TODAY).invoke(
        "replan", plan.id, "--from", f"{START.isoformat()} 06:00", "--out",
        str(tmp_path / "v2"), "--db", db, "--time-limit", "1", "--threads", "1")
    assert code == 0, out
    with Store.open(db) as store:
        v2 = store.load_plan(store.latest_plan(CITY).id)
    assert v2.version == 2 and not _free_notes(v2.warnings), v2.warnings
    assert "Team-Tagen belegt" not in out
