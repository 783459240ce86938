"""One door, one team a day (QA 45c F3): two case ids at one door are visited by one team
on a day, also when a re-plan takes up the second one, written differently; what cannot
be mended is named in the plan's notes (case ids, day, teams, never names). Real SQLite,
the real Bad Hersfeld extract, the command line as users run it."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow  # plans and re-plans on the real extract

TOWN = "36251 Bad Hersfeld"
MON = ClockedCli(date(2026, 12, 7))
TUESDAY = "Di, 08.12.2026"

#: team-1 holds two visits a day, team-2 eight: team-1 is full with K-1 and one other
TEAMS = """
[defaults]
schicht = "8:00-16:00"

[[team]]
id = "team-1"
mitglieder = ["Team 1 A", "Team 1 B"]
max_besuche = 2

[[team]]
id = "team-2"
mitglieder = ["Team 2 A", "Team 2 B"]
max_besuche = 8
"""

OTHERS = [("K-3", f"Linggplatz 7, {TOWN}"), ("K-4", f"Dudenstraße 5, {TOWN}"),
          ("K-5", f"Klausstraße 12, {TOWN}"), ("K-6", f"Rittergasse 5, {TOWN}")]


def _list(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """A client list: (id, address, team pinned[, Zeitfenster]) per row, with a name."""
    path.write_text("Kundennummer;Name;Adresse;Team;Zeitfenster\n"
                    + "".join(f"{r[0]};Geheimname {r[0]};{r[1]};{r[2]};"
                              f"{r[3] if len(r) > 3 else ''}\n" for r in rows),
                    encoding="utf-8")
    return path


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def _plan(tmp_path: Path, rows: list[tuple[str, ...]], days: int = 1
          ) -> tuple[list[str], str, str]:
    """The cases imported and planned for Tuesday: (database options, plan id, output)."""
    db = city_db(str(tmp_path / "f.sqlite"))
    teams = tmp_path / "teams.toml"
    teams.write_text(TEAMS, encoding="utf-8")
    MON.ok("import", str(_list(tmp_path / "a.csv", rows)), *db)
    out = MON.ok("plan", *db, "--teams", str(teams), "--start", "2026-12-08", "--days", str(days),
                 "--out", str(tmp_path / "plan"), "--time-limit", "2", "--threads", "1")
    return db, re.search(r"Plan (\S+):", out)[1], out


def test_a_replan_takes_up_a_second_case_at_a_door_with_the_team_that_rings_there(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """K-1 and K-3 are pinned to team-1 (the list's Team), whose day holds two visits. The
    next list no longer pins K-3 and brings K-2 at K-1's door, written otherwise
    („Breitenstr. 24“); a re-plan takes it up. Before, team-1 was full, and K-2 went to
    team-2: two teams at one flat on one day. Now K-3 goes to team-2 and team-1 rings
    once for K-1 and K-2, one after the other."""
    first = [("K-1", f"Breitenstraße 24, {TOWN}", "team-1"),
             *((cid, a, "team-1" if cid == "K-3" else "") for cid, a in OTHERS)]
    db, pid, _ = _plan(tmp_path, first)
    row = _report(tmp_path / "plan" / "report.csv")
    assert {cid for cid, r in row.items() if r["team"] == "team-1"} == {"K-1", "K-3"}, row
    MON.ok("import", str(_list(tmp_path / "b.csv", [
        first[0], *((cid, a, "") for cid, a in OTHERS),
        ("K-2", f"Breitenstr. 24, {TOWN}", "")])), *db)
    out = MON.ok("replan", pid, "--from", "2026-12-08 00:00", "--out", str(tmp_path / "neu"),
                 "--time-limit", "2", "--threads", "1", *db)
    row = _report(tmp_path / "neu" / "report.csv")
    assert {cid: row[cid]["status"] for cid in row} == dict.fromkeys(
        ["K-1", "K-2", "K-3", "K-4", "K-5", "K-6"], "geplant"), row
    assert (row["K-1"]["team"], row["K-2"]["team"]) == ("team-1", "team-1"), row
    assert "eine Adresse" not in out, out
    from hausbesuch.store import Store

    with Store.open(db[-1]) as store:
        plan = store.latest_plan("Bad Hersfeld")
    (route,) = [r for r in plan.routes if r.team_id == "team-1"]
    ids = [s.client_id for s in route.stops]
    assert sorted(ids) == ["K-1", "K-2"], ids


def test_a_replan_after_the_first_visit_at_a_door_sends_no_other_team_there_that_day(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """The brief's case: team-1 rings at K-1's door on Tuesday morning (Di 8-10); a
    re-plan at 11:00 takes up K-2 at that flat. Team-1's day is full (its limit is two),
    team-2 is free until its afternoon visits: before, team-2 went to the flat the same
    day. Now K-2 waits for Wednesday (no team can ring there again on Tuesday: team-1's
    other visit has its window on Tuesday afternoon, and so have team-2's)."""
    first = [("K-1", f"Breitenstraße 24, {TOWN}", "team-1", "Di 8-10"),
             *((cid, a, "", "Di 13-16") for cid, a in OTHERS)]
    db, pid, _ = _plan(tmp_path, first, days=2)
    row = _report(tmp_path / "plan" / "report.csv")
    assert row["K-1"]["team"] == "team-1" and row["K-1"]["beginn"] < "10:00", row["K-1"]
    assert sum(r["team"] == "team-1" for r in row.values()) == 2, row  # team-1 is full
    MON.ok("import", str(_list(tmp_path / "b.csv", [
        *first, ("K-2", f"Breitenstr. 24, {TOWN}", "", "")])), *db)
    out = MON.ok("replan", pid, "--from", "2026-12-08 11:00", "--out", str(tmp_path / "neu"),
                 "--time-limit", "2", "--threads", "1", *db)
    row = _report(tmp_path / "neu" / "report.csv")
    assert {cid: row[cid]["status"] for cid in row} == dict.fromkeys(
        ["K-1", "K-2", "K-3", "K-4", "K-5", "K-6"], "geplant"), row
    assert row["K-1"]["datum"] != row["K-2"]["datum"] or (
        row["K-1"]["team"] == row["K-2"]["team"]), (row["K-1"], row["K-2"])
    assert "eine Adresse" not in out, out


def test_two_teams_pinned_to_one_door_on_one_day_are_named_in_the_notes(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """The list pins K-1 to team-1 and K-2, at the same door, to team-2: the plan cannot
    mend that, and its notes (the command's output and the stored plan) name both case
    ids, the day and the teams, without the clients' names."""
    rows = [("K-1", f"Breitenstraße 24, {TOWN}", "team-1"),
            ("K-2", f"Breitenstraße 24, {TOWN}", "team-2"), *((c, a, "") for c, a in OTHERS)]
    db, _pid, out = _plan(tmp_path, rows)
    note = (f"K-1 und K-2 (eine Adresse) am {TUESDAY} von Team team-1 und Team team-2 "
            "besucht")
    assert note in " ".join(out.split()), out
    # ... and that the list's pins make it so (QA 46 F7: the note named every cause)
    assert (f"{note}: fest zugeordnet (K-1 Team team-1, K-2 Team team-2). Bitte die "
            "Festlegungen prüfen") in " ".join(out.split()), out
    assert "Geheimname" not in out
    from hausbesuch.store import Store

    with Store.open(db[-1]) as store:
        plan = store.latest_plan("Bad Hersfeld")
    assert any(w.startswith(note) for w in plan.warnings), plan.warnings
    # a re-plan makes the note again for its own routes: once, not the version's beside
    # it (QA 46 F1)
    out = MON.ok("replan", _pid, "--from", "2026-12-08 07:00", "--out",
                 str(tmp_path / "neu"), "--time-limit", "1", "--threads", "1", *db)
    assert " ".join(out.split()).count(note) == 1, out
    with Store.open(db[-1]) as store:
        plan = store.latest_plan("Bad Hersfeld")
    assert plan.version == 2 and sum(w.startswith(note) for w in plan.warnings) == 1, \
        plan.warnings
