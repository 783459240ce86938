"""The teams of a city in the store: set from a file (checked, audited without names), read
back equal, written as a CSV that reads back to the same teams, reset to the profile's;
``plan`` without ``--teams`` uses them; a bad file changes nothing.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch import team_store
from hausbesuch.config import load_profile
from hausbesuch.errors import UserError
from hausbesuch.teams import default_teams, load_teams
from tests.cli_helpers import ok, run
from tests.planning_fixtures import real_addresses

CITY = "Bad Hersfeld"
TEAMS_TOML = """
[defaults]
schicht = "8:00-16:00"
mittag = "12:00-13:30"
mittag_dauer = 30

[[team]]
id = "nord"
mitglieder = ["A. Schmidt", "B. Yılmaz"]
sprachen = ["Arabisch", "Türkisch"]
max_besuche = 5
tage = "Mo-Mi"

[[team]]
id = "sued"
mitglieder = ["C. Weiß", "D. Öztürk"]
schicht = "7:30-15:00"
mittag = "keine"
modus = "bike"
ende = [9.7071, 50.8675]
"""




def test_save_read_csv_round_trip_and_reset(sqlite_store, tmp_path):
    profile = load_profile("bad-hersfeld")
    assert team_store.stored_teams(sqlite_store, profile) is None
    assert team_store.base_teams(sqlite_store, profile) == default_teams(profile)
    (tmp_path / "teams.toml").write_text(TEAMS_TOML, encoding="utf-8")
    saved = team_store.save_teams(sqlite_store, profile, tmp_path / "teams.toml", actor="kora")
    assert [t.id for t in saved] == ["nord", "sued"]
    got, source, _at = team_store.stored_teams(sqlite_store, profile)
    assert got == saved and source == "teams.toml"
    assert team_store.stored_teams(sqlite_store, load_profile("lauf")) is None  # cities apart
    # the run's teams: stored ones with the depot filled in; a file given to the run wins
    run = team_store.city_teams(sqlite_store, profile)
    assert [t.id for t in run] == ["nord", "sued"] and run[0].start_address
    assert run[1].end_lonlat == (9.7071, 50.8675)
    # the CSV reads back to the same teams (the format of --teams and of the upload)
    (tmp_path / "teams.csv").write_text(team_store.teams_csv(got), encoding="utf-8")
    assert load_teams(tmp_path / "teams.csv", profile=profile) == got
    # audited with the team ids, never the members' names
    row = sqlite_store.audit_rows(action="teams_gespeichert")[-1]
    assert row["details"] == {"teams": ["nord", "sued"], "quelle": "teams.toml"}
    assert "Schmidt" not in str(sqlite_store.audit_rows())
    # a bad file changes nothing
    (tmp_path / "bad.csv").write_text("id;schicht\nwest;16:00-8:00\n", encoding="utf-8")
    with pytest.raises(UserError, match="west"):
        team_store.save_teams(sqlite_store, profile, tmp_path / "bad.csv", actor="kora")
    assert team_store.stored_teams(sqlite_store, profile)[0] == saved
    assert team_store.reset_teams(sqlite_store, profile, actor="kora")
    assert not team_store.reset_teams(sqlite_store, profile, actor="kora")
    assert team_store.base_teams(sqlite_store, profile) == default_teams(profile)
    assert [r["action"] for r in sqlite_store.audit_rows(city=CITY)] == [
        "teams_gespeichert", "teams_zurueckgesetzt"]


def test_a_team_start_that_is_not_in_the_map_is_refused_when_saved(sqlite_store, tmp_path,
                                                                   bad_hersfeld_pbf):
    """An own start or end outside the extract, or an address it does not hold, is refused
    when the teams are saved (before: accepted, and the next plan blamed every client)."""
    profile = load_profile("bad-hersfeld")
    cases = {
        "weit.toml": ('start = [9.5, 48.0]', "„west“, Start: der Punkt (Länge 9.50000, "
                      "Breite 48.00000) liegt außerhalb der Kartendaten"),
        "adresse.toml": ('ende = "Am Markt 99999, 36251 Bad Hersfeld"',
                         "„west“, Ende: die Adresse „Am Markt 99999, 36251 Bad Hersfeld“ "
                         "wurde in den Kartendaten nicht gefunden"),
    }
    for name, (line, message) in cases.items():
        (tmp_path / name).write_text(f'[[team]]\nid = "west"\n{line}\n', encoding="utf-8")
        with pytest.raises(UserError) as err:
            team_store.save_teams(sqlite_store, profile, tmp_path / name, actor="kora")
        assert message in str(err.value) and "unresolved" not in str(err.value)
    assert team_store.stored_teams(sqlite_store, profile) is None
    assert sqlite_store.audit_rows(action="teams_gespeichert") == []
    (tmp_path / "gut.toml").write_text('[[team]]\nid = "west"\nstart = [9.7071, 50.8675]\n',
                                       encoding="utf-8")
    assert [t.id for t in team_store.save_teams(sqlite_store, profile, tmp_path / "gut.toml",
                                                 actor="kora")] == ["west"]


def test_plan_uses_the_stored_teams(tmp_path, bad_hersfeld_pbf):
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    addrs = random.Random(8).sample(real_addresses(load_index(bad_hersfeld_pbf)), 12)
    with open(tmp_path / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"T{i:03d}", f"N{i}", street, hn, pc, town or "Bad Hersfeld",
                        "01.02.2025"])
    (tmp_path / "teams.toml").write_text(TEAMS_TOML, encoding="utf-8")
    db = str(tmp_path / "f.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    # a look at the teams sets no database up (review 27 #4); --set does, the first step
    res = run("teams", *common)
    assert res.exit_code == 2 and "gibt es nicht" in res.output
    assert "2 Teams für Bad Hersfeld gespeichert" in ok("teams", "--set",
                                                        str(tmp_path / "teams.toml"), *common)
    shown = ok("teams", *common)
    assert "gespeichert aus „teams.toml“" in shown and "sued: 07:30–15:00, ohne Mittag" in shown
    ok("absence", "add", "sued", "15.12.2026", *common)  # stored team ids are known
    res = run("absence", "add", "team-1", "15.12.2026", *common)
    assert res.exit_code == 2 and "gibt es nicht" in res.output
    ok("import", str(tmp_path / "kunden.csv"), *common)
    ok("plan", *common, "--start", "2026-12-14", "--days", "3", "--out", str(tmp_path / "p"),
       "--time-limit", "1", "--threads", "1")
    with Store.open(db) as s:
        plan = s.latest_plan(CITY)
    teams = {r.team_id for r in plan.routes}
    assert teams <= {"nord", "sued"} and teams
    assert ("sued", date(2026, 12, 15)) not in {(r.team_id, r.day) for r in plan.routes}
    assert all(r.day.weekday() <= 2 for r in plan.routes if r.team_id == "nord")  # Mo-Mi
    # the CSV of the stored teams, then back to the profile's
    ok("teams", "--csv", str(tmp_path / "t.csv"), *common)
    assert Path(tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("id;mitglieder")
    assert "wieder die Teams des Stadtprofils" in ok("teams", "--reset", *common)
    res = run("teams", "--reset", *common)
    assert res.exit_code == 2 and "keine Teams gespeichert" in res.output


def test_the_summary_shows_days_start_and_end_and_languages(tmp_path, monkeypatch):
    """``hausbesuch teams`` shows what the plans keep of each team (QA 19d #2): its days
    when not Mo–Fr, its own start and end point when not the depot, its languages; a
    team at the depot on Mo–Fr without languages shows none of them."""
    (tmp_path / "teams.toml").write_text(TEAMS_TOML + """
[[team]]
id = "west"
start = [9.7071, 50.8675]
tage = ["Mo", "Di", "Mi", "Do"]

[[team]]
id = "mitte"

[[team]]
id = "ost"
tage = ["Mo", "Mi", "Fr"]
sprachen = ["Russisch"]
""", encoding="utf-8")
    common = ["--city", "bad-hersfeld", "--db", str(tmp_path / "t.sqlite")]
    from hausbesuch import clock

    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 7, 10, 5))
    ok("teams", "--set", str(tmp_path / "teams.toml"), *common)
    out = ok("teams", *common)
    # when they were stored, as the teams page writes it: with the weekday
    assert out.splitlines()[0] == ("Teams von Bad Hersfeld (gespeichert aus „teams.toml“ am "
                                   "Mo, 07.12.2026, 10:05 Uhr):"), out
    shown = {line.split(":")[0].strip(): line for line in out.splitlines()}
    # review 19b #4: the extra parts are joined with „; “, consecutive days are a range,
    # and coordinates are labelled (the file takes [Länge, Breite])
    assert shown["nord"].endswith(", höchstens 5 Besuche; Tage: Mo–Mi; "
                                  "Sprachen: Arabisch, Türkisch")
    assert shown["sued"].endswith("; Ende: Breite 50.86750, Länge 9.70710 (Start am Depot)")
    assert shown["west"].endswith(", zu Fuß; Tage: Mo–Do; "
                                  "Start und Ende: Breite 50.86750, Länge 9.70710")
    assert shown["ost"].endswith(", zu Fuß; Tage: Mo, Mi, Fr; Sprachen: Russisch")
    assert shown["mitte"].endswith(", Mittag 30 min zwischen 12:00 und 13:30, zu Fuß")


@pytest.mark.parametrize(("days", "shown"), [
    ([0, 1, 2, 3], "Mo–Do"), ([0, 2, 4], "Mo, Mi, Fr"), ([0, 1, 2, 4], "Mo–Mi, Fr"),
    ([0, 1], "Mo, Di"), ([5, 6], "Sa, So"), ([2], "Mi"), ([0, 1, 2, 3, 4, 5, 6], "Mo–So"),
    ([0, 1, 3, 4, 5], "Mo, Di, Do–Sa")])
def test_the_summary_writes_consecutive_days_as_a_range(days, shown):
    """Three or more consecutive days read as a range, the others one by one (review 19b #4)."""
    from hausbesuch.fields import weekday_span as _days

    assert _days(days) == shown
