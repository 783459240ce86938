"""QA 42a F2, F3, F5, F9: what a plan says of the at-home model it was made with.

No plan said whether it was made with the model („modell“), with random times („zufall“,
a baseline for comparisons) or without; a time band outside the teams' hours was taken
without a word, and with bands that leave hours of the day uncovered the pages' district
figure „im Bezirk 8–10 Uhr …“ counted the visits of those hours too. Now the plan's notes
say each, made again by a re-plan.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from hausbesuch.athome import NOTE_HEAD, plan_notes


def _profile(tmp_path: Path, pbf: Path, section: str):  # noqa: ANN202
    """The shipped Bad Hersfeld profile with its extract's absolute path and the lines
    ``section`` appended to its ``[erreichbarkeit]`` (replacing the keys they name)."""
    import re

    from hausbesuch.config import PROFILE_DIR, load_profile

    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    text = text.replace('file = "osm/bad-hersfeld_2021-10-27.osm.pbf"', f'file = "{pbf}"')
    for line in section.strip().splitlines():
        key = line.split("=")[0].strip()
        text, n = re.subn(rf"^{key} = .*$", line, text, count=1, flags=re.M)
        assert n == 1, key
    path = tmp_path / "bh.toml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def team(start: int, end: int) -> SimpleNamespace:
    return SimpleNamespace(shift_start_min=start, shift_end_min=end)


def test_the_notes_name_the_mode_and_bands_that_do_not_fit(tmp_path: Path,
                                                           bad_hersfeld_pbf: Path) -> None:
    day = [team(8 * 60, 16 * 60)]
    shipped = _profile(tmp_path, bad_hersfeld_pbf, 'mode = "anzeigen"')
    assert plan_notes(shipped, day) == []  # the default says nothing
    modell = _profile(tmp_path, bad_hersfeld_pbf, 'mode = "modell"')
    assert plan_notes(modell, day) == [
        f"{NOTE_HEAD}Modus „modell“: Besuche zu Zeiten mit guter Chance auf Kontakt, "
        "abgewogen gegen den Weg (60 Minuten Weg je erwartetem Kontakt)."]
    zufall = _profile(tmp_path, bad_hersfeld_pbf, 'mode = "zufall"')
    assert "Vergleichsbasis" in plan_notes(zufall, day)[0]
    outside = _profile(tmp_path, bad_hersfeld_pbf,
                       'bands = ["06:00-08:00", "08:00-12:00", "12:00-14:00", "14:00-16:00"]')
    assert plan_notes(outside, day) == [
        f"{NOTE_HEAD}Das Zeitband 06:00–08:00 Uhr liegt außerhalb der Arbeitszeit der Teams "
        "(08:00–16:00 Uhr): kein Besuch fällt hinein. Bitte die Zeitbänder an die "
        "Arbeitszeit anpassen."]
    # ... unless a team starts early (a teams file of its own)
    assert plan_notes(outside, [*day, team(6 * 60, 14 * 60)]) == []
    one = _profile(tmp_path, bad_hersfeld_pbf, 'bands = ["08:00-10:00"]')
    (note,) = plan_notes(one, day)
    assert note.startswith(f"{NOTE_HEAD}Die Zeitbänder lassen 10:00–16:00 Uhr der "
                           "Arbeitszeit der Teams (08:00–16:00 Uhr) frei"), note
    # the lunch-hour gap the README describes is no such stretch; a late shift is
    gap = _profile(tmp_path, bad_hersfeld_pbf,
                   'bands = ["08:00-10:00", "10:00-11:30", "13:00-14:30", "14:30-16:00"]')
    assert plan_notes(gap, day) == []
    assert "16:00–19:00 Uhr" in plan_notes(gap, [*day, team(12 * 60, 19 * 60)])[0]
    assert plan_notes(_profile(tmp_path, bad_hersfeld_pbf, 'mode = "aus"'),
                      [team(6 * 60, 20 * 60)]) == []


@pytest.mark.slow
def test_a_plan_and_its_replan_say_it_once(tmp_path: Path, bad_hersfeld_pbf: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Planned with „modell“ and bands that leave the afternoon out: both notes in the
    plan, and once each in its re-plan."""
    import csv
    import random

    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.planning import PlanOptions, plan_span
    from hausbesuch.planning.workflow import replan
    from hausbesuch.store import Store
    from tests.planning_fixtures import real_addresses

    monkeypatch.setenv(clock.ENV, "2027-01-08")
    profile = _profile(tmp_path, bad_hersfeld_pbf,
                       'mode = "modell"\nbands = ["08:00-10:00", "10:00-12:00"]')
    addrs = random.Random(42).sample(real_addresses(load_index(bad_hersfeld_pbf)), 6)
    clients = tmp_path / "kunden.csv"
    with open(clients, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"E-{i:03d}", f"Name {i}", street, hn, pc, town or "Bad Hersfeld"])
    with Store.open(f"sqlite:///{tmp_path / 'e.sqlite'}") as store:
        result = plan_span(store, profile, PlanOptions(start=date(2027, 1, 11), days=2,
                                                       time_limit=1, seed=1, threads=1),
                           actor="cli:test", clients_path=clients)
        notes = [w for w in result.plan.warnings if w.startswith(NOTE_HEAD)]
        assert len(notes) == 2 and "Modus „modell“" in notes[0], notes
        assert "lassen 12:00–16:00 Uhr der Arbeitszeit" in notes[1], notes
        from datetime import datetime

        again = replan(store, result.plan_id, profile, moment=datetime(2027, 1, 11, 7, 0),
                       actor="cli:test", without_teams=(), time_limit=1, osm=None,
                       progress=None, threads=1)
        assert [w for w in again.plan.warnings if w.startswith(NOTE_HEAD)] == notes
