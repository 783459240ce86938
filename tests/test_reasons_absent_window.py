"""QA 37 #2 through the planner on Bad Hersfeld: a client wants „Mi vormittags“, only
team auto speaks the client's language, and auto is entered as absent that Wednesday.

The reason read „Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg,
Besuchsdauer und Pause passen nicht in die Arbeitszeit (nur Team auto spricht
Arabisch)“, though auto's shift reaches a Wednesday morning: the coordinator looked at
shifts and travel times, not at the absence. Now the reason names the day and the
absence, and what to do, with the command that deletes the absence (the web shows it
without the command).
"""

from __future__ import annotations

import csv
import random
from datetime import date

import pytest

from tests.cli_helpers import ok
from tests.planning_fixtures import real_addresses

pytestmark = pytest.mark.slow

START = date(2026, 12, 14)  # a Monday; Wednesday 16.12.2026
TEAMS = ('[defaults]\nschicht = "8:00-16:00"\n\n[[team]]\nid = "fuss"\n\n'
         '[[team]]\nid = "auto"\nsprachen = ["Arabisch"]\n')
ROWS = [("R-ARAB", "Arabisch", "Mi vormittags"), ("R-MI", "", "Mi vormittags"),
        ("R-FREI", "", "")]


def test_a_window_on_the_day_the_only_team_with_the_language_is_absent(
        tmp_path, bad_hersfeld_pbf) -> None:  # noqa: ANN001
    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from hausbesuch.web.app import web_reason

    addrs = random.Random(5).sample(real_addresses(load_index(bad_hersfeld_pbf)), len(ROWS))
    with open(tmp_path / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit", "Sprache", "Zeitfenster"])
        for k, ((cid, lang, window), (street, hn, pc, town)) in enumerate(
                zip(ROWS, addrs, strict=True)):
            w.writerow([cid, f"Grundname {k:03d}", street, hn, pc, town or "Bad Hersfeld",
                        "01.02.2025", lang, window])
    (tmp_path / "teams.toml").write_text(TEAMS, encoding="utf-8")
    db = str(tmp_path / "f.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    ok("teams", "--set", str(tmp_path / "teams.toml"), *common)
    ok("import", str(tmp_path / "kunden.csv"), *common)
    ok("absence", "add", "auto", "16.12.2026", *common)
    ok("plan", *common, "--start", START.isoformat(), "--days", "5", "--out",
       str(tmp_path / "v1"), "--time-limit", "1", "--threads", "1")
    with Store.open(db) as s:
        plan = s.latest_plan("Bad Hersfeld")
    why = {u.client_id: (u.code, u.reason) for u in plan.unassigned}
    assert why["R-ARAB"] == (
        "time_window", "Das Zeitfenster liegt am Mi, 16.12.2026; dann hat kein Team, das den "
                       "Besuch übernehmen kann, eine Schicht (nur Team auto spricht Arabisch): "
                       "Team auto ist am Mi, 16.12.2026 abwesend (eingetragen). Bitte ein "
                       "anderes Zeitfenster vereinbaren oder die Teams ändern (ein Team, das "
                       "dann arbeitet und Arabisch spricht), oder die Abwesenheit löschen "
                       "(Seite „Teams“, „Abwesenheiten“; hausbesuch absence remove auto "
                       "16.12.2026).")
    assert web_reason(why["R-ARAB"][1]).endswith(
        "oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“).")
    # a client without a language is visited by fuss on that Wednesday
    planned = {s.client_id: r for r in plan.routes for s in r.stops}
    assert "R-MI" in planned, why
    assert planned["R-MI"].day == date(2026, 12, 16), why
    assert "R-FREI" in planned, why
